"""What a build directory needs before it is served, written before it is published.

`migkg build` calls `prepare_build` on the new build directory, so a server never has to
build the browse index or write the dumps of a build it serves; `migkg load` writes the
browse index (the dumps of a large load are written by the server in the background once
traffic is quiet, or on the first request for them, see `server.serve`).  Lives in `server` because both artefacts are the server's (browse pages
and downloads); the pipeline takes it as a hook and imports nothing from here.
"""

from __future__ import annotations

from pathlib import Path

from graph.namespaces import vocab
from graph.store import EmbeddedStore
from server import dumps, search


def prepare_build(build_dir: Path, base_iri: str, *, with_dumps: bool = True) -> None:
    """Write the browse index and (``with_dumps``) the dumps of the (not yet published)
    build.  `migkg load` leaves the dumps out: at 1M triples they take ~14 s, so the
    server writes them when idle or when first asked for."""
    build = EmbeddedStore(build_dir)  # a build directory is a store location of its own
    search.UiIndex.for_store(build, vocab(base_iri))
    if with_dumps:
        dumps.ensure_dumps(build, base_iri)
