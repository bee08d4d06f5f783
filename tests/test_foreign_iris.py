"""IRIs under the base that a graph built elsewhere minted (``{base}country/XYZ``, not our
``{base}id/…``) dereference like ours: 303 by Accept, an HTML page, RDF documents."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from tests.conftest import BASE, build_store, live_server

FOREIGN_TRIG = """
@base <http://127.0.0.1:8000/> .
@prefix o: <https://other.example/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<graph/foreign> {
  <country/XYZ> a o:Country ; rdfs:label "Xyzland"@en .
  <obs/1> a o:Observation ; o:refArea <country/XYZ> ; rdfs:label "an observation about Xyzland" .
}
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    location = build_store(Path(tmp_path_factory.mktemp("foreign")) / "store", FOREIGN_TRIG)
    with live_server(location) as served:
        yield served


def get(address: str, accept: str = "text/html", **kwargs) -> requests.Response:
    return requests.get(address, headers={"Accept": accept}, timeout=30, **kwargs)


def test_foreign_iri_redirects_by_accept(url: str) -> None:
    html = get(url + "/country/XYZ", allow_redirects=False)
    assert html.status_code == 303 and html.headers["Vary"] == "Accept"
    assert html.headers["Location"].endswith("/page/country/XYZ")
    turtle = get(url + "/country/XYZ", "text/turtle", allow_redirects=False)
    assert turtle.status_code == 303
    assert turtle.headers["Location"].endswith("/data/country/XYZ.ttl")


def test_foreign_iri_page_shows_the_resource_and_links_its_neighbours(url: str) -> None:
    page = get(url + "/country/XYZ")
    assert page.status_code == 200
    assert "Xyzland" in page.text
    assert 'href="/page/obs/1"' in page.text  # the incoming link, as a page link


def test_foreign_iri_rdf_documents(url: str) -> None:
    document = get(url + "/country/XYZ", "text/turtle")
    assert document.status_code == 200
    graph = Graph().parse(data=document.text, format="turtle")
    assert (URIRef(BASE + "country/XYZ"), RDFS.label, Literal("Xyzland", lang="en")) in graph
    generic = get(url + "/data/country/XYZ", "text/turtle")
    assert generic.status_code == 200
    assert generic.headers["Content-Location"].endswith("/data/country/XYZ.ttl")


@pytest.mark.parametrize(
    "path",
    [
        "/country/NOPE",
        "/page/country/NOPE",
        "/data/country/NOPE.ttl",
        "/country/%3E%20%7B",  # IRI-breaking characters never reach a query
        "/country/XYZ%22%20.%20%3Fs",
    ],
)
def test_unknown_foreign_iris_are_404(url: str, path: str) -> None:
    assert get(url + path).status_code == 404


def test_the_services_own_spaces_are_not_taken_for_foreign_iris(url: str) -> None:
    assert get(url + "/page/graph/foreign").status_code == 404  # graphs have their own route
    assert get(url + "/classes", allow_redirects=False).status_code == 308  # slash redirect kept
    answer = get(url + "/sparql?query=ASK%7B%7D", "application/sparql-results+json")
    assert answer.json()["boolean"] is True
