"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) and the production gunicorn server."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import requests
from conftest import BASE, REFERENCE_GRAPH
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

AFG = URIRef(BASE + "id/country/AFG")
SELECT = f"""PREFIX skos: <{SKOS}>
SELECT ?c ?code WHERE {{ ?c skos:notation ?code }} ORDER BY ?code"""
CONSTRUCT = f"""PREFIX rdfs: <{RDFS}>
CONSTRUCT {{ ?c rdfs:label ?l }} WHERE {{ ?c <{SKOS}notation> ?code ; rdfs:label ?l }}"""

# (method, request method) combinations SPARQLWrapper can use
TRANSPORTS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
TRANSPORT_IDS = ["get", "post-form", "post-direct"]


def wrapper(url: str, query: str, fmt: str, method: str, request_method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    return client


def convert(client: SPARQLWrapper):
    with warnings.catch_warnings():
        # a warning here means the server answered in a format the client did not ask for
        warnings.simplefilter("error", RuntimeWarning)
        return client.query().convert()


@pytest.mark.parametrize(("method", "request_method"), TRANSPORTS, ids=TRANSPORT_IDS)
def test_sparqlwrapper_select_json(server_url: str, method: str, request_method: str) -> None:
    result = convert(wrapper(server_url, SELECT, JSON, method, request_method))
    codes = [b["code"]["value"] for b in result["results"]["bindings"]]
    assert codes == ["AFG", "UKR"]


@pytest.mark.parametrize(("method", "request_method"), TRANSPORTS, ids=TRANSPORT_IDS)
def test_sparqlwrapper_select_xml(server_url: str, method: str, request_method: str) -> None:
    document = convert(wrapper(server_url, SELECT, XML, method, request_method))
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["AFG", "UKR"]


@pytest.mark.parametrize("fmt", [CSV, TSV])
@pytest.mark.parametrize(("method", "request_method"), TRANSPORTS, ids=TRANSPORT_IDS)
def test_sparqlwrapper_select_csv_tsv(
    server_url: str, fmt: str, method: str, request_method: str
) -> None:
    text = convert(wrapper(server_url, SELECT, fmt, method, request_method)).decode("utf-8")
    if fmt == CSV:
        table = list(csv.reader(io.StringIO(text)))
    else:  # TSV keeps N-Triples term syntax, quotes included
        table = [line.split("\t") for line in text.splitlines()]
    assert table[0] == (["c", "code"] if fmt == CSV else ["?c", "?code"])
    assert [row[1] for row in table[1:]] == (["AFG", "UKR"] if fmt == CSV else ['"AFG"', '"UKR"'])


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_ask(server_url: str, fmt: str) -> None:
    result = convert(wrapper(server_url, f"ASK {{ <{AFG}> ?p ?o }}", fmt, GET, URLENCODED))
    if fmt == JSON:
        assert result["boolean"] is True
    elif fmt == XML:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert result.strip() == b"true"


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
@pytest.mark.parametrize(("method", "request_method"), TRANSPORTS, ids=TRANSPORT_IDS)
def test_sparqlwrapper_construct(
    server_url: str, fmt: str, method: str, request_method: str
) -> None:
    result = convert(wrapper(server_url, CONSTRUCT, fmt, method, request_method))
    # Turtle/N3 come back as bytes, RDF/XML and JSON-LD already parsed by rdflib
    graph = Graph().parse(data=result, format="turtle") if fmt in (TURTLE, N3) else result
    assert (AFG, RDFS.label, Literal("Afghanistan", lang="en")) in graph
    assert len(graph) == 3


def test_sparqlwrapper_content_negotiation_only(server_url: str) -> None:
    client = wrapper(server_url, SELECT, JSON, GET, URLENCODED)
    client.setOnlyConneg(True)  # no format= parameters, only the Accept header
    result = convert(client)
    assert len(result["results"]["bindings"]) == 2


def test_sparqlwrapper_reports_syntax_errors(server_url: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed, match="syntax error"):
        wrapper(server_url, "SELECT ?x WHERE { ?x", JSON, GET, URLENCODED).query()


def test_rdflib_sparqlstore(server_url: str) -> None:
    graph = Graph(store=SPARQLStore(query_endpoint=server_url + "/sparql"))
    result = graph.query(SELECT)
    assert [str(row.code) for row in result] == ["AFG", "UKR"]
    labels = set(graph.objects(AFG, RDFS.label))
    assert labels == {Literal("Afghanistan", lang="en")}
    assert (AFG, SKOS.notation, Literal("AFG")) in graph
    assert len(list(graph.triples((AFG, None, None)))) == 5
    assert graph.query(f"ASK {{ <{AFG}> ?p ?o }}").askAnswer is True


def test_rdflib_sparqlstore_with_a_named_graph_context(server_url: str) -> None:
    store = SPARQLStore(query_endpoint=server_url + "/sparql")
    reference = Graph(store=store, identifier=URIRef(REFERENCE_GRAPH))
    assert (AFG, SKOS.notation, Literal("AFG")) in reference
    document = URIRef(BASE + "id/document/test-report")
    assert not list(reference.triples((document, None, None)))


# --- the production server ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (
                (task / "children").read_text().split() if (task / "children").exists() else []
            )
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_gunicorn_serves_and_stops_its_query_workers(test_store: Path) -> None:
    port = _free_port()
    script = (
        "from graph.config import Settings\n"
        "from server.serve import run\n"
        f"run(Settings(base_iri={BASE!r}, store={str(test_store)!r}), port={port}, workers=1, threads=4, query_workers=2, accesslog=None)\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(200):  # wait for the socket, at most ~20 s
            try:
                response = requests.get(url, params={"query": SELECT}, timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        codes = [b["code"]["value"] for b in json.loads(response.text)["results"]["bindings"]]
        assert codes == ["AFG", "UKR"]
        processes = _descendants(server.pid)
        assert len(processes) >= 4  # gunicorn worker, forkserver, 2 query workers
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for _ in range(100):
        if not any(_alive(pid) for pid in processes):
            break
        time.sleep(0.1)
    assert not [pid for pid in processes if _alive(pid)], "processes left behind after shutdown"
    assert os.path.exists(test_store)
