"""What a build directory needs before it is served, written before it is published.

`migkg build` calls `prepare_build` on the new build directory, so a server never has to
build the browse index or write the dumps of a build it serves (it still can, for stores
that `migkg load` filled: then in the background once traffic is quiet, see
`server.serve`).  Lives in `server` because both artefacts are the server's (browse pages
and downloads); the pipeline takes it as a hook and imports nothing from here.
"""

from __future__ import annotations

from pathlib import Path

from graph.namespaces import vocab
from graph.store import EmbeddedStore
from server import dumps, search


def prepare_build(build_dir: Path, base_iri: str) -> None:
    """Write the dumps and the browse index of the (not yet published) build."""
    build = EmbeddedStore(build_dir)  # a build directory is a store location of its own
    dumps.ensure_dumps(build, base_iri)
    search.UiIndex.for_store(build, vocab(base_iri))
