"""Shared fixtures: a tiny published store and live servers on 127.0.0.1.

For other server tests:

- ``test_store`` (session): a published embedded store built with `graph.store` from
  `TEST_TRIG` (graphs ``{BASE}graph/reference`` and ``{BASE}graph/test-report``, plus one
  triple in the store's default graph).  ``build_store(location, trig)`` builds your own.
- ``server_url`` (session): base URL (no trailing slash) of the real app serving it.
- ``live_server(store_dir, **settings)``: context manager for a server with other settings,
  e.g. ``with live_server(test_store, query_timeout=1) as url: ...``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from graph import indexes
from graph.config import Settings
from graph.namespaces import DEFAULT_BASE
from graph.store import new_build_dir, open_store, publish, write_info
from server import sparql
from server.app import create_app
from server.executor import EmbeddedExecutor
from server.indexed import BuildIndexes, IndexedQueries, PreAggregated

BASE = DEFAULT_BASE
REFERENCE_GRAPH = BASE + "graph/reference"
REPORT_GRAPH = BASE + "graph/test-report"

# Invented miniature of a build: typed literals, language tags, one blank node.
TEST_TRIG = """
@base <http://127.0.0.1:8000/> .
@prefix ont: <ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix schema: <https://schema.org/> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .

<graph/reference> {
  <id/country/AFG> a ont:Country, schema:Country ;
      rdfs:label "Afghanistan"@en ; skos:notation "AFG" ; ont:iso2 "AF" .
  <id/country/UKR> a ont:Country, schema:Country ;
      rdfs:label "Ukraine"@en, "Україна"@uk ; skos:notation "UKR" ; ont:iso2 "UA" .
  <id/organization/iom> a ont:Organization ;
      rdfs:label "International Organization for Migration"@en ; ont:acronym "IOM" .
}

<graph/test-report> {
  <id/document/test-report> a ont:SourceDocument ;
      dct:title "Test report 2021"@en ;
      dct:issued "2022-06-30"^^xsd:date ;
      ont:reportingYear 2021 ;
      dct:publisher <id/organization/iom> ;
      rdfs:comment [ rdfs:label "an anonymous note" ] .
  <id/observation/test-report/1> a ont:Observation, qb:Observation ;
      sdmx-measure:obsValue 1234567.5 ;
      ont:year 2021 ;
      sdmx-dimension:refArea <id/country/AFG> ;
      rdfs:label "people reached in Afghanistan"@en .
  <id/observation/test-report/2> a ont:Observation, qb:Observation ;
      sdmx-measure:obsValue 42.0 ;
      ont:year 2021 ;
      sdmx-dimension:refArea <id/country/UKR> ;
      rdfs:label "people reached in Ukraine"@en .
}

<urn:x-test:loaded-file> rdfs:comment "a triple in the store's default graph" .
"""


def build_store(location: Path, trig: str = TEST_TRIG, *, build_id: str = "test") -> Path:
    """Build and publish a store at ``location`` from TriG text (relative IRIs against BASE)."""
    build = new_build_dir(location, build_id)
    store = open_store(build, read_only=False)
    store.load(trig.encode("utf-8"), format=ox.RdfFormat.TRIG, base_iri=BASE)
    store.flush()
    indexes.build(store, build)  # as `migkg load` does
    del store  # release the database before servers open it read-only
    write_info(build, {"build_id": build_id, "base_iri": BASE})
    publish(location, build)
    return location


@contextmanager
def engine_and_indexed(
    location: str | Path, *, base: str = BASE, row_limit: int = 10_000, timeout: float = 30
) -> Iterator[tuple[EmbeddedExecutor, IndexedQueries]]:
    """The bare engine and the engine behind the per-build indexes, on one store, to
    compare their answers."""

    def make() -> EmbeddedExecutor:
        return EmbeddedExecutor(
            str(location), base_iri=base, timeout=timeout, row_limit=row_limit, workers=1
        )

    indexes = BuildIndexes(str(location))
    engine = make()
    indexed = IndexedQueries(PreAggregated(make(), indexes), str(location), indexes)
    try:
        yield engine, indexed
    finally:
        engine.close()
        indexed.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:  # keep test output readable
        pass


@contextmanager
def live_server(store_dir: Path, *, query_workers: int = 2, **settings: object) -> Iterator[str]:
    """Run the real app on 127.0.0.1 (free port) in a thread; yields its base URL."""
    app = create_app(
        Settings(base_iri=BASE, store=str(store_dir), **settings),  # type: ignore[arg-type]
        query_workers=query_workers,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        sparql.shutdown(app)


@pytest.fixture(scope="session")
def test_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("kg") / "store")


@pytest.fixture(scope="session")
def server_url(test_store: Path) -> Iterator[str]:
    with live_server(test_store) as url:
        yield url
