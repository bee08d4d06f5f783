"""The per-build query indexes the load stage writes beside the store.

`graph.listing_index` (class members by label), `graph.label_index` (label text) and
`graph.cube_index` (observations by their properties), all built from the engine's own
answers so that the server can answer the matching SPARQL queries from them exactly
(`server.indexed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph import cube_index, label_index, listing_index, store


@dataclass(frozen=True)
class IndexesBuilt:
    listings: listing_index.IndexStats
    labels: label_index.LabelIndexStats
    observations: cube_index.CubeStats

    def summary(self) -> str:
        return (
            f"{self.listings.listings} class listings ({self.listings.rows} rows), "
            f"{self.labels.rows} labels"
            + ("" if self.labels.full_text else " (no FTS5 trigram: searches scan)")
            + f", {self.observations.observations} observations"
            f" ({self.observations.columns} properties)"
        )


def build(db: ox.Store, build_dir: str | Path) -> IndexesBuilt:
    union = store.has_named_graphs(db)
    return IndexesBuilt(
        listing_index.build(db, build_dir, union=union),
        label_index.build(db, build_dir, union=union),
        cube_index.build(db, build_dir, union=union),
    )


def build_labels_in(
    build_dir: str,
) -> tuple[listing_index.IndexStats, label_index.LabelIndexStats]:
    """The listing and label indexes of the store in ``build_dir`` (opened read-only):
    what `migkg load` runs in a process of its own, beside the browse index."""
    db = store.open_store(build_dir)
    union = store.has_named_graphs(db)
    return (
        listing_index.build(db, build_dir, union=union),
        label_index.build(db, build_dir, union=union),
    )


def build_observations_in(build_dir: str) -> cube_index.CubeStats:
    """The observation index of the store in ``build_dir``, likewise."""
    db = store.open_store(build_dir)
    return cube_index.build(db, build_dir, union=store.has_named_graphs(db))


def ensure(location: str | Path) -> None:
    """Write the indexes a published store lacks (loaded before they existed); skipped
    when the build directory is not writable (then those queries go to the engine)."""
    build_dir = store.resolve(location)
    missing = [
        module
        for module in (listing_index, label_index, cube_index)
        if not module.index_path(build_dir).exists()
    ]
    if not missing or not store.exists(location):
        return
    db = store.open_store(location)
    union = store.has_named_graphs(db)
    for module in missing:
        try:
            module.build(db, build_dir, union=union)
        except OSError:
            return
