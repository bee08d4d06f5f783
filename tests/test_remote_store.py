"""RemoteStore against a real Oxigraph server process (``oxigraph serve``, dev extra)."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import cli
from graph.remote import RemoteStore, RemoteStoreError, default_gsp_url

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
EX = "http://example.org/"

TRIPLES = f"""<{EX}a> <http://www.w3.org/2000/01/rdf-schema#label> "Alpha"@en .
<{EX}a> <{EX}value> "12.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<{EX}b> <{EX}knows> <{EX}a> .
<{EX}b> <{EX}knows> _:someone .
"""
QUADS = f"""<{EX}c> <{EX}in> <{EX}g1> <{EX}g1> .
<{EX}d> <{EX}in> <{EX}g2> <{EX}g2> .
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory) -> str:
    """A fresh Oxigraph server on 127.0.0.1; always killed at the end."""
    if not OXIGRAPH.exists():
        found = shutil.which("oxigraph")
        if not found:
            pytest.skip("the `oxigraph` server (pip install oxigraph, dev extra) is not installed")
    binary = str(OXIGRAPH) if OXIGRAPH.exists() else shutil.which("oxigraph")
    location = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"oxigraph exited: {proc.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph did not answer within 30 s")
                time.sleep(0.05)
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def loaded(oxigraph_url, tmp_path_factory) -> RemoteStore:
    """The store after `migkg load` of a gzipped N-Triples file and an N-Quads file."""
    folder = tmp_path_factory.mktemp("rdf")
    nt = folder / "small.nt.gz"
    with gzip.open(nt, "wt", encoding="utf-8") as handle:
        handle.write(TRIPLES)
    nq = folder / "small.nq"
    nq.write_text(QUADS, encoding="utf-8")
    before = RemoteStore(oxigraph_url).build_id
    assert cli.main(["load", str(nt), str(nq), "--store", oxigraph_url]) == 0
    store = RemoteStore(oxigraph_url)
    assert store.build_id != before
    return store


def test_gsp_url_is_derived_for_oxigraph_only():
    assert default_gsp_url("http://h:7878/query") == "http://h:7878/store"
    assert default_gsp_url("http://h/ds/sparql") is None
    with pytest.raises(RemoteStoreError, match="gsp-url"):
        RemoteStore("http://h/ds/sparql")._gsp_target("")


def test_select_returns_pyoxigraph_terms(loaded):
    rows = loaded.select(
        f"SELECT ?label ?value WHERE {{ <{EX}a> <http://www.w3.org/2000/01/rdf-schema#label> "
        f"?label ; <{EX}value> ?value }}"
    )
    assert rows == [
        {
            "label": ox.Literal("Alpha", language="en"),
            "value": ox.Literal(
                "12.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
            ),
        }
    ]
    known = loaded.select(f"SELECT ?o WHERE {{ <{EX}b> <{EX}knows> ?o }}")
    assert {type(row["o"]) for row in known} == {ox.NamedNode, ox.BlankNode}


def test_unbound_variables_are_left_out(loaded):
    rows = loaded.select(f"SELECT ?s ?missing WHERE {{ ?s <{EX}value> ?v }}")
    assert rows == [{"s": ox.NamedNode(f"{EX}a")}]


def test_quads_went_to_their_named_graphs(loaded):
    rows = loaded.select("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    graphs = {row["g"].value: row["s"].value for row in rows if row["g"].value.startswith(EX)}
    assert graphs == {f"{EX}g1": f"{EX}c", f"{EX}g2": f"{EX}d"}
    only_g1 = loaded.select("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[f"{EX}g1"])
    assert only_g1 == [{"s": ox.NamedNode(f"{EX}c")}]


def test_ask_construct_and_raw_pass_through(loaded):
    assert bool(loaded.query(f"ASK {{ <{EX}b> <{EX}knows> <{EX}a> }}")) is True
    assert bool(loaded.query(f"ASK {{ <{EX}a> <{EX}knows> <{EX}b> }}")) is False
    triples = loaded.query(f"CONSTRUCT {{ ?s <{EX}knows> ?o }} WHERE {{ ?s <{EX}knows> ?o }}")
    assert len(list(triples)) == 2
    turtle = triples.serialize(format=ox.RdfFormat.TURTLE)
    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == 2
    raw = loaded.query_raw(f"SELECT ?s WHERE {{ ?s <{EX}value> ?v }}", accept="text/csv")
    assert raw.content_type.startswith("text/csv")
    assert raw.body.decode().split() == ["s", f"{EX}a"]


def test_base_iri_resolves_relative_iris(loaded):
    rows = loaded.select("SELECT ?x WHERE { BIND(<a> AS ?x) }", base_iri=EX)
    assert rows == [{"x": ox.NamedNode(f"{EX}a")}]


def test_len_counts_the_default_graph(loaded):
    assert len(loaded) == 4  # the N-Triples file; quads are in named graphs


def test_bad_query_and_updates_are_refused(loaded):
    with pytest.raises(RemoteStoreError) as bad:
        loaded.select("SELEC nothing")
    assert bad.value.status == 400
    with pytest.raises(RemoteStoreError):
        loaded.query(f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}")
    assert not loaded.select(f"SELECT * WHERE {{ <{EX}x> ?p ?o }}")


def test_build_id_and_info_follow_loads(loaded, tmp_path):
    first = loaded.build_id
    assert first == RemoteStore(loaded.url).build_id  # stable between probes
    assert loaded.info["loaded_files"][0].endswith("small.nt.gz")
    extra = tmp_path / "extra.ttl"
    extra.write_text(f"<{EX}e> <{EX}in> <{EX}g3> .\n", encoding="utf-8")
    loaded.load_files([extra], graph=f"{EX}g3")
    assert loaded.build_id != first
    assert loaded.select(f"SELECT ?s WHERE {{ GRAPH <{EX}g3> {{ ?s ?p ?o }} }}") == [
        {"s": ox.NamedNode(f"{EX}e")}
    ]


def test_quads_pattern_matches_like_the_embedded_store(loaded):
    found = list(loaded.quads(None, ox.NamedNode(f"{EX}knows"), ox.NamedNode(f"{EX}a")))
    assert found == [
        ox.Quad(ox.NamedNode(f"{EX}b"), ox.NamedNode(f"{EX}knows"), ox.NamedNode(f"{EX}a"))
    ]


def test_graph_option_with_quads_is_an_error(oxigraph_url, tmp_path):
    nq = tmp_path / "q.nq"
    nq.write_text(QUADS, encoding="utf-8")
    assert cli.main(["load", str(nq), "--graph", f"{EX}g", "--store", oxigraph_url]) == 1


def test_unreachable_store_is_a_clear_error():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(RemoteStoreError):
        store.select("SELECT * WHERE { ?s ?p ?o }")


def test_store_for_picks_the_backend(oxigraph_url, tmp_path):
    from graph.remote import store_for
    from graph.store import EmbeddedStore

    assert isinstance(store_for(oxigraph_url), RemoteStore)
    assert isinstance(store_for(str(tmp_path / "store")), EmbeddedStore)


# --- the server on a remote store ------------------------------------------------------------


def _sparql(url: str, query: str, accept: str) -> tuple[int, str, bytes, dict]:
    data = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(f"{url}/sparql", data=data, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return (
                response.status,
                response.headers["Content-Type"],
                response.read(),
                dict(response.headers),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read(), dict(error.headers)


@pytest.fixture(scope="module")
def remote_server(loaded, tmp_path_factory):
    """Our app serving the Oxigraph server as its store (`MIGKG_STORE=http://…/query`)."""
    from conftest import live_server

    with live_server(loaded.url, query_timeout=5) as url:  # type: ignore[arg-type]
        yield url


def test_server_forwards_select_in_every_format(remote_server, loaded):
    query = f"SELECT ?s ?v WHERE {{ ?s <{EX}value> ?v }}"
    status, content_type, body, headers = _sparql(
        remote_server, query, "application/sparql-results+json"
    )
    assert status == 200 and content_type == "application/sparql-results+json"
    binding = json.loads(body)["results"]["bindings"][0]
    assert binding["s"] == {"type": "uri", "value": f"{EX}a"}
    assert binding["v"]["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"
    status, content_type, body, _ = _sparql(remote_server, query, "text/csv")
    assert status == 200 and content_type.startswith("text/csv")
    assert body.decode().split() == ["s,v", f"{EX}a,12.5"]
    status, _, body, _ = _sparql(remote_server, f"ASK {{ <{EX}b> <{EX}knows> <{EX}a> }}", "*/*")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_server_forwards_construct_as_turtle(remote_server):
    query = f"CONSTRUCT {{ ?s <{EX}knows> ?o }} WHERE {{ ?s <{EX}knows> ?o }}"
    status, content_type, body, _ = _sparql(remote_server, query, "text/turtle")
    assert status == 200 and content_type.startswith("text/turtle")
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == 2


def test_server_answers_repeats_from_its_cache(remote_server):
    query = f"SELECT ?o WHERE {{ <{EX}b> <{EX}knows> ?o }} # cache probe"
    first = _sparql(remote_server, query, "text/tab-separated-values")
    second = _sparql(remote_server, query, "text/tab-separated-values")
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert (first[3]["X-Cache"], second[3]["X-Cache"]) == ("MISS", "HIT")


def test_server_maps_remote_errors_to_http(remote_server):
    status, _, body, _ = _sparql(remote_server, "SELEC nothing", "*/*")
    assert status == 400 and b"rejected" in body
    with live_server_on(f"http://127.0.0.1:{free_port()}/query") as url:
        status, _, body, _ = _sparql(url, "SELECT * WHERE { ?s ?p ?o }", "*/*")
    assert status == 502 and b"remote store" in body


def test_server_row_cap_applies_to_remote_answers(loaded):
    with live_server_on(loaded.url, result_limit=1) as url:
        status, _, body, _ = _sparql(url, "SELECT * WHERE { ?s ?p ?o }", "*/*")
        assert status == 400 and b"more than 1 rows" in body
        status, _, _, _ = _sparql(url, f"SELECT * WHERE {{ <{EX}a> <{EX}value> ?o }}", "*/*")
        assert status == 200


def test_linked_data_pages_read_the_remote_store(remote_server):
    req = urllib.request.Request(f"{remote_server}/sparql", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req, timeout=30) as response:  # service description
        assert response.status == 200
    from graph.config import Settings
    from server.app import create_app
    from server.linkeddata import store as linked_store

    app = create_app(Settings(store="http://127.0.0.1:1/query"))
    with app.app_context():
        assert isinstance(linked_store(), RemoteStore)


def live_server_on(store_url: str, **settings):
    from conftest import live_server

    return live_server(store_url, **settings)  # type: ignore[arg-type]
