"""Linked data over HTTP against the real app: dereferencing, content negotiation, pages,
ontology, VoID and dumps, on a small hand-made graph in the shape of ontology/README.md."""

from __future__ import annotations

import gc
import gzip
import json
import re
import threading
from html.parser import HTMLParser
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID
from werkzeug.serving import make_server

from graph.config import ONTOLOGY_DIR, Settings
from graph.store import write_info
from server.app import create_app

EVIL = "<script>alert(1)</script>"

# {B} is replaced by the base IRI.  30 extra mentions of Afghanistan exercise the
# "more" link of large incoming groups (the page shows the first 20).
DOC_TTL = """
@prefix ont: <{B}ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

id:programme/dtm a ont:Programme, ont:Tool, schema:Project ;
    rdfs:label "Displacement Tracking Matrix" ; skos:altLabel "DTM" ;
    ont:implementedBy id:organization/iom ; ont:implementedIn id:country/AFG ;
    ont:contributesTo id:gcm/objective/2 .
id:organization/evil a ont:Organization, org:Organization ; rdfs:label "{EVIL}" ;
    ont:partner id:programme/dtm .

id:document/report a ont:SourceDocument, schema:Report, foaf:Document, prov:Entity ;
    rdfs:label "Annual Report 2021" ; dct:title "Annual Report 2021" ;
    dct:publisher id:organization/iom ; ont:reportingYear 2021 .
id:document/report/passage/para-1 a ont:SourcePassage, prov:Entity ;
    rdfs:label "Annual Report 2021, paragraph 1" ; dct:isPartOf id:document/report ;
    ont:order 0 ; ont:locator "paragraph 1" ;
    rdf:value "The Organization worked in many places. It reached over 3.2 million people in Afghanistan through the DTM." .
id:document/report/passage/para-2 a ont:SourcePassage, prov:Entity ;
    rdfs:label "Annual Report 2021, paragraph 2" ; dct:isPartOf id:document/report ;
    ont:order 1 ; ont:locator "paragraph 2" ; rdf:value "A second paragraph {EVIL}." .

id:mention/report/m1 a ont:Mention, oa:Annotation ; rdfs:label "“Afghanistan” in paragraph 1" ;
    oa:hasBody id:country/AFG ; oa:hasTarget <{B}id/mention/report/m1#target> ;
    prov:wasDerivedFrom id:document/report/passage/para-1 .
<{B}id/mention/report/m1#target> a oa:SpecificResource ;
    oa:hasSource id:document/report/passage/para-1 ;
    oa:hasSelector <{B}id/mention/report/m1#quote>, <{B}id/mention/report/m1#position> .
<{B}id/mention/report/m1#quote> a oa:TextQuoteSelector ; oa:exact "Afghanistan" .
<{B}id/mention/report/m1#position> a oa:TextPositionSelector ;
    oa:start "78"^^xsd:nonNegativeInteger ; oa:end "89"^^xsd:nonNegativeInteger .

id:observation/report/o1 a ont:Observation, qb:Observation ;
    rdfs:label "over 3.2 million people (people reached)" ;
    qb:dataSet id:dataset/report ;
    sdmx-measure:obsValue "3200000"^^xsd:decimal ; ont:qualifier "over" ;
    sdmx-attribute:unitMeasure id:unit/persons ; ont:measure id:measure/people-reached ;
    ont:year 2021 ; sdmx-dimension:refArea id:country/AFG ; ont:subject id:programme/dtm ;
    ont:quote "over 3.2 million people" ; ont:startOffset 51 ; ont:endOffset 74 ;
    prov:wasDerivedFrom id:document/report/passage/para-1 .
id:unit/persons a ont:Unit ; rdfs:label "persons" .
id:measure/people-reached a ont:Measure ; rdfs:label "people reached" .

id:statement/report/s1 a ont:Statement, rdf:Statement ;
    rdf:subject id:programme/dtm ; rdf:predicate ont:implementedIn ; rdf:object id:country/AFG ;
    prov:wasDerivedFrom id:document/report/passage/para-1 ; ont:evidence "in Afghanistan" .
"""

REFERENCE_TTL = """
@prefix ont: <{B}ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
id:country/AFG a ont:Country, schema:Country ; rdfs:label "Afghanistan"@en ;
    skos:prefLabel "Afghanistan"@en ; skos:notation "AFG" ; ont:iso2 "AF" ; ont:iso3 "AFG" .
id:organization/iom a ont:Organization, org:Organization, schema:Organization ;
    rdfs:label "International Organization for Migration" ; skos:altLabel "IOM" ;
    ont:acronym "IOM" ; ont:organizationType "igo" .
id:gcm a skos:ConceptScheme ; skos:prefLabel "Global Compact for Migration objectives"@en ;
    skos:hasTopConcept id:gcm/objective/2 .
id:gcm/objective/2 a ont:GCMObjective, skos:Concept ; skos:notation "2" ; skos:inScheme id:gcm ;
    skos:prefLabel "Minimize the adverse drivers and structural factors that compel people to leave their country of origin"@en ;
    skos:relatedMatch <http://metadata.un.org/sdg/10.7> .
"""

EXTRA_MENTIONS = 30


def _turtle(template: str, base: str) -> str:
    # "id:country/AFG" is readable but not Turtle (no "/" in prefixed names): expand it.
    text = re.sub(r"\bid:([\w/-]+)", r"<{B}id/\1>", template)
    return text.replace("{B}", base).replace("{EVIL}", EVIL)


def _extra_mentions(base: str) -> str:
    lines = [f"@prefix oa: <http://www.w3.org/ns/oa#> .\n@prefix ont: <{base}ontology#> ."]
    for i in range(EXTRA_MENTIONS):
        m = f"<{base}id/mention/report/x{i:02d}>"
        lines.append(
            f"{m} a ont:Mention, oa:Annotation ; oa:hasBody <{base}id/country/AFG> ; "
            f"oa:hasTarget <{base}id/mention/report/x{i:02d}#target> .\n"
            f"<{base}id/mention/report/x{i:02d}#target> oa:hasSource <{base}id/document/report/passage/para-2> ."
        )
    return "\n".join(lines)


def build_store(location, base: str) -> Dataset:
    """A published-store-shaped directory (``oxigraph/`` + ``build.json``); returns the data."""
    ds = Dataset()
    ds.graph(URIRef(base + "graph/reference")).parse(
        data=_turtle(REFERENCE_TTL, base), format="turtle"
    )
    doc = ds.graph(URIRef(base + "graph/report"))
    doc.parse(data=_turtle(DOC_TTL, base), format="turtle")
    doc.parse(data=_extra_mentions(base), format="turtle")
    ds.graph(URIRef(base + "graph/ontology")).parse(
        ONTOLOGY_DIR / "migkg.ttl", format="turtle", publicID=base
    )
    location.mkdir(parents=True)
    writer = ox.Store(str(location / "oxigraph"))
    writer.bulk_load(ds.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS)
    writer.flush()
    del writer
    gc.collect()  # release the RocksDB lock before the server opens it read-only
    write_info(location, {"build_id": "test-build-1", "base_iri": base})
    return ds


@pytest.fixture(scope="module")
def ld(tmp_path_factory):
    """A live server on 127.0.0.1 whose base IRI is its own address (so rdflib can fetch IRIs)."""
    settings = Settings(
        base_iri="http://127.0.0.1:1/", store=str(tmp_path_factory.mktemp("ld") / "store")
    )
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}/"
    settings.base_iri = base
    from pathlib import Path

    dataset = build_store(Path(settings.store), base)
    data = Graph()  # the union of the named graphs: what the store's default graph shows
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    data.quad_count = len(list(dataset.quads((None, None, None, None))))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, data
    server.shutdown()


def get(url: str, accept: str | None = None, **kwargs) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.get(url, headers=headers, timeout=30, **kwargs)


ENTITY_KEYS = {
    "country": "country/AFG",
    "organization": "organization/iom",
    "programme": "programme/dtm",
    "objective": "gcm/objective/2",
    "observation": "observation/report/o1",
    "document": "document/report",
    "passage": "document/report/passage/para-1",
    "mention": "mention/report/m1",
}
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


@pytest.mark.parametrize("kind", sorted(ENTITY_KEYS))
def test_entity_iri_redirects_by_accept_and_each_rdf_format_parses(ld, kind):
    base, data = ld
    key = ENTITY_KEYS[kind]
    iri = base + "id/" + key
    expected = set(data.triples((URIRef(iri), None, None)))
    assert expected, "fixture has triples about the entity"

    html = get(iri, "text/html", allow_redirects=False)
    assert html.status_code == 303
    assert html.headers["Location"].endswith(f"/page/id/{key}")
    assert "Accept" in html.headers["Vary"]

    for media, (ext, parser) in RDF_TYPES.items():
        r = get(iri, f"{media};q=0.9, text/html;q=0.5", allow_redirects=False)
        assert r.status_code == 303, media
        assert r.headers["Location"] == f"{base}data/id/{key}.{ext}"  # absolute
        doc = get(urljoin(base, r.headers["Location"]))
        assert doc.status_code == 200
        assert doc.headers["Content-Type"].startswith(media)
        g = Graph().parse(data=doc.content, format=parser, publicID=base)
        missing = {t for t in expected if t not in g}
        assert not missing, f"{media}: {sorted(missing)[:3]}"
        # the document describes itself
        document = URIRef(f"{base}data/id/{key}.{ext}")
        assert (document, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), URIRef(iri)) in g
        assert (document, VOID.inDataset, None) in g


def test_rdflib_dereferences_entity_iri_directly(ld):
    base, _ = ld
    iri = URIRef(base + "id/country/AFG")
    g = Graph().parse(str(iri))  # rdflib's own Accept header and redirect handling
    assert (iri, RDFS.label, Literal("Afghanistan", lang="en")) in g
    g_nt = Graph().parse(str(iri), format="nt")  # rdflib asks text/plain for N-Triples
    assert (iri, RDF.type, URIRef(base + "ontology#Country")) in g_nt


def test_description_includes_incoming_links_labels_and_fragment_children(ld):
    base, _ = ld
    g = Graph().parse(data=get(f"{base}data/id/programme/dtm.ttl").text, format="turtle")
    dtm = URIRef(base + "id/programme/dtm")
    assert (URIRef(base + "id/organization/evil"), URIRef(base + "ontology#partner"), dtm) in g
    assert (
        URIRef(base + "id/organization/iom"),
        RDFS.label,
        Literal("International Organization for Migration"),
    ) in g
    mention = Graph().parse(data=get(f"{base}data/id/mention/report/m1.nt").text, format="nt")
    position = URIRef(base + "id/mention/report/m1#position")
    assert (position, URIRef("http://www.w3.org/ns/oa#start"), None) in mention


def test_generic_data_document_is_negotiated_with_content_location(ld):
    base, _ = ld
    r = get(f"{base}data/id/country/AFG", "application/ld+json")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert r.headers["Content-Location"].endswith("/data/id/country/AFG.jsonld")
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.text, format="json-ld")
    assert (URIRef(base + "id/country/AFG"), URIRef(base + "ontology#iso2"), Literal("AF")) in g


def test_q_values_decide(ld):
    base, _ = ld
    iri = base + "id/country/AFG"
    r = get(
        iri, "text/html;q=0.4, application/rdf+xml;q=0.8, text/turtle;q=0.6", allow_redirects=False
    )
    assert r.headers["Location"].endswith(".rdf")
    assert (
        get(iri, "*/*", allow_redirects=False).headers["Location"].endswith("/page/id/country/AFG")
    )
    assert get(iri, None, allow_redirects=False, headers={"Accept": ""}).status_code == 303
    assert get(iri, "image/png", allow_redirects=False).status_code == 406


def test_unknown_iris_are_404_in_every_variant(ld):
    base, _ = ld
    for accept in ("text/html", "text/turtle"):
        r = get(base + "id/country/XXX", accept, allow_redirects=False)
        assert r.status_code == 404
        assert r.headers["Content-Type"].startswith(
            "text/html" if accept == "text/html" else "text/plain"
        )
    assert get(base + "page/id/country/XXX").status_code == 404
    assert get(base + "data/id/country/XXX.ttl").status_code == 404
    assert get(base + "id/country/%3E%20%7B").status_code == 404  # IRI-breaking characters


def test_host_header_does_not_change_the_iri(ld):
    base, _ = ld
    r = get(
        base + "id/country/AFG",
        "text/turtle",
        headers={"Host": "example.org"},
        allow_redirects=False,
    )
    assert r.status_code == 303
    doc = get(base + "data/id/country/AFG.ttl", headers={"Host": "example.org:8080"})
    g = Graph().parse(data=doc.text, format="turtle")
    assert (URIRef(base + "id/country/AFG"), RDFS.label, None) in g


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append((a["type"], a["href"]))
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_jsonld:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_jsonld = False


@pytest.mark.parametrize("kind", sorted(ENTITY_KEYS))
def test_entity_page_has_alternates_and_parsable_jsonld(ld, kind):
    base, _ = ld
    key = ENTITY_KEYS[kind]
    r = get(base + "id/" + key, "text/html")  # follows the 303
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    head = _Head()
    head.feed(r.text)
    assert {t for t, _ in head.alternates} == set(RDF_TYPES)
    for media, href in head.alternates:
        assert get(base.rstrip("/") + href).headers["Content-Type"].startswith(media)
    assert len(head.scripts) == 1
    g = Graph().parse(data=head.scripts[0], format="json-ld")
    assert (URIRef(base + "id/" + key), RDF.type, None) in g


def test_pages_escape_untrusted_text(ld):
    base, _ = ld
    for path in (
        "page/id/organization/evil",
        "page/id/programme/dtm",
        "page/id/document/report/passage/para-2",
    ):
        text = get(base + path).text
        assert EVIL not in text, path
        assert "alert(1)" in text  # shown, escaped
    head = _Head()
    head.feed(get(base + "page/id/organization/evil").text)
    assert "</script>" not in head.scripts[0]
    assert EVIL in json.dumps(json.loads(head.scripts[0]))


def test_country_page_shows_observations_provenance_and_paginates_mentions(ld):
    base, _ = ld
    html = get(base + "page/id/country/AFG").text
    assert "Observations" in html and "3,200,000" in html
    # the number phrase is highlighted inside its sentence, linked to the passage page
    assert re.search(
        r'<mark class="ld-mark"[^>]*><a href="[^"]*observation/report/o1">over 3.2 million people</a></mark>',
        html,
    )
    assert "/page/id/document/report/passage/para-1" in html
    # the mention's span is highlighted with the offsets of its TextPositionSelector
    assert re.search(r"<mark[^>]*><a[^>]*>Afghanistan</a></mark>", html)
    more = re.search(r'href="([^"]*\?inverse=[^"]*)">(\d+) more', html)
    assert more and int(more.group(2)) == EXTRA_MENTIONS + 1 - 20
    page2 = get(base.rstrip("/") + more.group(1).replace("&amp;", "&"))
    assert (
        page2.status_code == 200 and page2.text.count("/page/id/mention/report/") >= EXTRA_MENTIONS
    )


def test_entity_page_offers_all_its_observations_as_csv(ld):
    import csv
    import html as html_lib
    import io

    base, _ = ld
    page = get(base + "page/id/country/AFG").text
    link = re.search(r'<a href="([^"]*/sparql\?[^"]*format=csv[^"]*)"', page)
    assert link
    r = get(urljoin(base, html_lib.unescape(link.group(1))))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1
    (row,) = rows
    assert (row["value"], row["qualifier"], row["area"], row["quote"]) == (
        "3200000",
        "over",
        "Afghanistan",
        "over 3.2 million people",
    )
    assert row["document"] == base + "id/document/report"


def test_passage_page_highlights_entities_and_links_neighbours(ld):
    base, _ = ld
    html = get(base + "page/id/document/report/passage/para-1").text
    assert re.search(r'<mark[^>]*><a href="/page/id/country/AFG">Afghanistan</a></mark>', html)
    assert 'rel="next" href="/page/id/document/report/passage/para-2"' in html
    assert 'rel="up" href="/page/id/document/report"' in html
    html2 = get(base + "page/id/document/report/passage/para-2").text
    assert 'rel="prev" href="/page/id/document/report/passage/para-1"' in html2


def test_responses_are_conditional(ld):
    base, _ = ld
    r = get(base + "data/id/country/AFG.ttl")
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    again = get(base + "data/id/country/AFG.ttl", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_ontology_is_served_at_its_namespace(ld):
    base, _ = ld
    term = URIRef(base + "ontology#Country")
    r = get(str(term), "text/turtle")  # the fragment is never sent: GET /ontology
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert r.headers["Content-Location"].endswith("/ontology.ttl")
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.text, format="turtle")
    assert (term, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g
    for media, (ext, parser) in RDF_TYPES.items():
        doc = get(f"{base}ontology.{ext}")
        assert doc.headers["Content-Type"].startswith(media)
        assert (term, RDFS.label, None) in Graph().parse(data=doc.content, format=parser)
    html = get(base + "ontology", "text/html")
    assert html.headers["Content-Type"].startswith("text/html")
    assert 'id="Country"' in html.text and "1 instances" in html.text  # our one country
    assert Graph().parse(str(term)).value(term, RDFS.label) is not None  # rdflib end to end


def test_void_description_matches_store_and_dumps(ld):
    base, data = ld
    r = get(base + ".well-known/void", "text/turtle")
    assert r.status_code == 200 and "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.text, format="turtle")
    ds = URIRef(base + ".well-known/void#dataset")
    assert int(g.value(ds, VOID.triples)) == len(data)
    country_part = next(
        p
        for p in g.objects(ds, VOID.classPartition)
        if g.value(p, VOID["class"]) == URIRef(base + "ontology#Country")
    )
    assert int(g.value(country_part, VOID.entities)) == 1
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef(base + "sparql")
    assert (ds, URIRef("http://purl.org/dc/terms/source"), URIRef(base + "id/document/report")) in g
    assert g.value(ds, VOID.uriSpace) == Literal(base + "id/")
    dists = list(g.objects(ds, URIRef("http://www.w3.org/ns/dcat#distribution")))
    assert len(dists) == 3
    for dist in dists:
        url = str(g.value(dist, URIRef("http://www.w3.org/ns/dcat#downloadURL")))
        body = get(url).content
        assert int(g.value(dist, URIRef("http://www.w3.org/ns/dcat#byteSize"))) == len(body)
    html = get(base + ".well-known/void", "text/html")
    assert html.status_code == 200 and "Properties" in html.text


def test_named_graph_iris_dereference_to_their_description(ld):
    base, data = ld
    void = Graph().parse(data=get(base + ".well-known/void", "text/turtle").text, format="turtle")
    subsets = set(void.objects(URIRef(base + ".well-known/void#dataset"), VOID.subset))
    assert URIRef(base + "graph/report") in subsets
    for graph in subsets:
        r = get(str(graph), "text/turtle")
        assert r.status_code == 200 and "Accept" in r.headers["Vary"]
        assert r.headers["Content-Location"].endswith(".ttl")
        g = Graph().parse(data=r.text, format="turtle")
        assert int(g.value(graph, VOID.triples)) == int(void.value(graph, VOID.triples))
    report = Graph().parse(data=get(base + "graph/report.jsonld").text, format="json-ld")
    assert (
        URIRef(base + "graph/report"),
        URIRef("http://purl.org/dc/terms/source"),
        URIRef(base + "id/document/report"),
    ) in report
    page = get(base + "graph/report", "text/html")
    assert page.status_code == 200 and "named graph report" in page.text
    assert get(base + "graph/nothing", "text/turtle").status_code == 404


def test_void_uri_lookup_endpoint_describes_any_resource(ld):
    from urllib.parse import quote

    base, data = ld
    void = Graph().parse(data=get(base + ".well-known/void", "text/turtle").text, format="turtle")
    endpoint = str(void.value(URIRef(base + ".well-known/void#dataset"), VOID.uriLookupEndpoint))
    own = base + "id/country/AFG"
    r = get(endpoint + quote(own, safe=""), "text/turtle")
    assert r.status_code == 200 and r.url.endswith("/data/id/country/AFG.ttl")
    assert (URIRef(own), None, None) in Graph().parse(data=r.text, format="turtle")
    external = "https://schema.org/Country"  # a class the data uses, outside our IRI space
    r = get(endpoint + quote(external, safe=""), "application/n-triples")
    assert r.status_code == 200 and (None, None, URIRef(external)) in Graph().parse(
        data=r.text, format="nt"
    )
    assert get(endpoint + quote("http://example.org/nothing", safe="")).status_code == 404
    assert get(base + "lookup").status_code == 400


def test_dumps_download_decompress_and_parse(ld):
    base, data = ld
    listing = get(base + "dumps/")
    assert listing.status_code == 200

    nt = get(base + "dumps/migration-kg.nt.gz")
    assert nt.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in nt.headers  # a download, not transparently decoded
    assert int(nt.headers["Content-Length"]) == len(nt.content)
    g = Graph().parse(data=gzip.decompress(nt.content), format="nt")
    assert len(g) == len(data)
    assert f"{len(data):,}" in listing.text

    nq = get(base + "dumps/migration-kg.nq.gz")
    d = Dataset().parse(data=gzip.decompress(nq.content), format="nquads")
    assert len(list(d.quads((None, None, None, None)))) == data.quad_count

    ttl = get(base + "dumps/migration-kg.ttl")
    assert ttl.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=ttl.content, format="turtle")) == len(data)
    assert get(base + "dumps/nothing.nt.gz").status_code == 404


def test_warm_dumps_writes_every_dump_once_per_build(tmp_path):
    from server import dumps as dumps_mod
    from server.linkeddata import store, warm_dumps

    base = "http://127.0.0.1:8000/"
    build_store(tmp_path / "store", base)
    app = create_app(Settings(base_iri=base, store=str(tmp_path / "store")))
    warm_dumps(app).join(timeout=120)
    folder = tmp_path / "store" / "dumps"
    written = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if not p.name.startswith(".")}
    assert sorted(written) == [
        "manifest.json",
        "migration-kg.nq.gz",
        "migration-kg.nt.gz",
        "migration-kg.ttl",
    ]
    with app.app_context():
        again = dumps_mod.ensure_dumps(store(), base)
    assert {d.filename for d in again} == set(written) - {"manifest.json"}
    # served from the manifest: nothing rewritten
    assert {
        p.name: p.stat().st_mtime_ns for p in folder.iterdir() if not p.name.startswith(".")
    } == written
