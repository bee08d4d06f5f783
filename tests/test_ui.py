"""The browse UI over HTTP against the real app and a small hand-made graph.

The graph (built by ``make_tiny_store``) has the shape the pipeline emits (see
ontology/README.md): a document with sections, passages and mention annotations,
countries and organizations with labels/acronyms, table observations by sex x year and by
nationality, a narrative observation with a reference area, and a SHACL report with a
violation.  Labels and passage text carry characters that must be escaped.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from graph.config import Settings
from graph.store import BUILD_INFO, SHACL_REPORT, open_store
from server import linkeddata, sparql
from server.app import create_app
from server.search import INDEX_NAME, fold, iri_ref
from server.ui import QUERIES_DIR_CONFIG

BASE = "http://127.0.0.1:8000/"
ID = BASE + "id/"
EVIL = 'Evil "quoted" \\ back } <script>alert(1)</script> Org'
PARA_1 = "IOM assisted 1 200 people in Afghanistan and Côte d'Ivoire in 2021 <b>bold?</b>."
EXTRA_PROGRAMMES = 60  # enough for three pages of 25

PREFIXES = """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-code: <http://purl.org/linked-data/sdmx/2009/code#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ont: <http://127.0.0.1:8000/ontology#> .
"""


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tiny_trig() -> str:
    """The hand-made graph as TriG (IRIs written out in full: no escapes in local names)."""
    doc = f"<{ID}document/doc-a>"
    p1, p2 = f"<{ID}document/doc-a/passage/para-1>", f"<{ID}document/doc-a/passage/para-2>"
    reference = [
        f'<{ID}country/CIV> a ont:Country, schema:Country ; rdfs:label "Côte d\'Ivoire" ; '
        'skos:prefLabel "Côte d\'Ivoire"@en ; skos:altLabel "Ivory Coast"@en ; skos:notation "CIV" .',
        f'<{ID}country/AFG> a ont:Country, schema:Country ; rdfs:label "Afghanistan" ; skos:notation "AFG" .',
        f'<{ID}country/COD> a ont:Country, schema:Country ; rdfs:label "Democratic Republic of the Congo" ; '
        'skos:altLabel "Congo, The Democratic Republic of the"@en .',
        f'<{ID}country/COG> a ont:Country, schema:Country ; rdfs:label "Congo" .',
        f"<{ID}organization/iom> a ont:Organization, org:Organization ; "
        'rdfs:label "International Organization for Migration" ; skos:altLabel "IOM" ; ont:acronym "IOM" .',
        f"<{ID}organization/evil> a ont:Organization, org:Organization ; rdfs:label {_lit(EVIL)} .",
    ]
    ranking = {"exact": "Migration", "prefix": "Migration Data", "word": "Global Migration Fund"}
    ranking["substring"] = "Remigration study"
    for key, label in ranking.items():
        reference.append(
            f'<{ID}programme/{key}> a ont:Programme, schema:Project ; rdfs:label "{label}" .'
        )
    for n in range(EXTRA_PROGRAMMES):
        reference.append(
            f'<{ID}programme/p-{n:02d}> a ont:Programme, schema:Project ; rdfs:label "Zeta project {n:02d}" .'
        )
    docs = [
        f"{doc} a ont:SourceDocument, schema:Report, foaf:Document, prov:Entity ; "
        f'dct:title "Tiny Annual Report 2021" ; ont:reportingYear 2021 ; dct:publisher <{ID}organization/iom> ; '
        'dct:source "doc-a.txt" .',
        f'<{ID}document/doc-a/section/s1> a ont:Section ; rdfs:label "Introduction" ; dct:isPartOf {doc} ; ont:order 1 ; ont:level 1 .',
        f'<{ID}document/doc-a/section/s2> a ont:Section ; rdfs:label "Staff <statistics>" ; dct:isPartOf {doc} ; ont:order 2 ; '
        f"ont:level 2 ; ont:parentSection <{ID}document/doc-a/section/s1> .",
        f'<{ID}document/doc-a/section/s3> a ont:Section ; rdfs:label "Annex" ; dct:isPartOf {doc} ; ont:order 3 ; ont:level 1 .',
        f"{p1} a ont:SourcePassage, prov:Entity ; dct:isPartOf {doc} ; ont:inSection <{ID}document/doc-a/section/s1> ; "
        f'ont:order 1 ; ont:locator "paragraph 1" ; ont:passageKind "paragraph" ; rdf:value {_lit(PARA_1)} .',
        f"{p2} a ont:SourcePassage, prov:Entity ; dct:isPartOf {doc} ; ont:inSection <{ID}document/doc-a/section/s2> ; "
        'ont:order 2 ; ont:locator "paragraph 2" ; ont:passageKind "paragraph" ; rdf:value "Staff grew by 12% to 2 356." .',
        f'<{ID}dataset/doc-a/table-1> a ont:Dataset, qb:DataSet ; rdfs:label "Staff by sex" ; dct:source {doc} .',
        f'<{ID}dataset/doc-a/annex-2> a ont:Dataset, qb:DataSet ; rdfs:label "General Service staff by nationality" .',
        f'<{ID}unit/count> a ont:Unit, skos:Concept ; rdfs:label "count" .',
        f'<{ID}unit/per-cent> a ont:Unit, skos:Concept ; rdfs:label "per cent" .',
        f'<{ID}measure/staff> a ont:Measure, skos:Concept ; rdfs:label "staff" .',
    ]
    for n, (surface, entity) in enumerate(
        [
            ("IOM", "organization/iom"),
            ("Afghanistan", "country/AFG"),
            ("Côte d'Ivoire", "country/CIV"),
        ]
    ):
        start = PARA_1.index(surface)
        m = f"{ID}mention/doc-a/m{n}"
        docs += [
            f"<{m}> a ont:Mention, oa:Annotation ; oa:hasBody <{ID}{entity}> ; oa:hasTarget <{m}#target> ; "
            f"prov:wasDerivedFrom {p1} .",
            f"<{m}#target> a oa:SpecificResource ; oa:hasSource {p1} ; oa:hasSelector <{m}#quote>, <{m}#position> .",
            f"<{m}#quote> a oa:TextQuoteSelector ; oa:exact {_lit(surface)} .",
            f"<{m}#position> a oa:TextPositionSelector ; oa:start {start} ; oa:end {start + len(surface)} .",
        ]
    observations: list[list[str]] = []
    for (year, sex), value in {
        (2020, "M"): 1119,
        (2020, "F"): 1066,
        (2021, "M"): 1194,
        (2021, "F"): 1162,
    }.items():
        observations.append(
            [f"qb:dataSet <{ID}dataset/doc-a/table-1>", f"ont:year {year}", f"sdmx-dimension:sex sdmx-code:sex-{sex}",
             f'sdmx-measure:obsValue "{value}"^^xsd:decimal', f"sdmx-attribute:unitMeasure <{ID}unit/count>",
             f"ont:measure <{ID}measure/staff>"]
        )  # fmt: skip
    observations.append(  # a percentage: never drawn as a count
        [f"qb:dataSet <{ID}dataset/doc-a/table-1>", "ont:year 2019", "sdmx-dimension:sex sdmx-code:sex-F",
         'sdmx-measure:obsValue "99"^^xsd:decimal', f"sdmx-attribute:unitMeasure <{ID}unit/per-cent>"]
    )  # fmt: skip
    for country, (women, men) in {"AFG": (52, 191), "CIV": (32, 44), "COD": (34, 116)}.items():
        common = [f"qb:dataSet <{ID}dataset/doc-a/annex-2>", f"ont:nationality <{ID}country/{country}>",
                  f"sdmx-attribute:unitMeasure <{ID}unit/count>"]  # fmt: skip
        observations += [
            [
                *common,
                "sdmx-dimension:sex sdmx-code:sex-F",
                f'sdmx-measure:obsValue "{women}"^^xsd:decimal',
            ],
            [
                *common,
                "sdmx-dimension:sex sdmx-code:sex-M",
                f'sdmx-measure:obsValue "{men}"^^xsd:decimal',
            ],
            [*common, f'sdmx-measure:obsValue "{women + men}"^^xsd:decimal'],
            [*common, 'ont:grade "G-4"', f'sdmx-measure:obsValue "{women}"^^xsd:decimal'],
        ]
    observations.append(
        [f"qb:dataSet <{ID}dataset/doc-a>", f"sdmx-dimension:refArea <{ID}country/AFG>", "ont:year 2021",
         'sdmx-measure:obsValue "1200"^^xsd:decimal', 'rdfs:label "1 200 people assisted in Afghanistan"']
    )  # fmt: skip
    for n, props in enumerate(observations):
        docs.append(
            f"<{ID}observation/doc-a/o{n}> a ont:Observation, qb:Observation ; prov:wasDerivedFrom {p2} ; "
            + " ; ".join(props)
            + " ."
        )
    ontology = [
        'ont:Country rdfs:label "Country"@en .',
        'ont:Organization rdfs:label "Organization"@en .',
    ]
    graphs = {"ontology": ontology, "reference": reference, "doc-a": docs}
    return PREFIXES + "".join(
        f"<{BASE}graph/{name}> {{\n" + "\n".join(body) + "\n}\n" for name, body in graphs.items()
    )


SHACL_REPORT_TTL = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ont: <{BASE}ontology#> .
[] a sh:ValidationReport ; sh:conforms false ;
   sh:result [ a sh:ValidationResult ; sh:focusNode <{ID}organization/evil> ;
               sh:resultPath <http://www.w3.org/2000/01/rdf-schema#label> ;
               sh:resultSeverity sh:Violation ; sh:sourceShape <{BASE}shapes#OrganizationShape> ;
               sh:resultMessage "Label must not contain <markup>" ] ,
             [ a sh:ValidationResult ; sh:focusNode <{ID}country/COG> ;
               sh:resultPath <http://www.w3.org/2000/01/rdf-schema#label> ;
               sh:resultSeverity sh:Violation ; sh:sourceShape <{BASE}shapes#OrganizationShape> ;
               sh:resultMessage "Label must not contain <markup>" ] .
"""

EXAMPLE_QUERY = f"""# Which countries are in the graph?
PREFIX ont: <{BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?country ?name WHERE {{ ?country a ont:Country ; rdfs:label ?name }} ORDER BY ?name
"""


def make_tiny_store(directory: Path) -> Path:
    """A store location (plain directory with oxigraph/, build.json, shacl-report.ttl)."""
    location = directory / "store"
    store = open_store(location, read_only=False)
    store.load(tiny_trig().encode(), format=__import__("pyoxigraph").RdfFormat.TRIG)
    store.flush()
    del store
    info = {
        "build_id": "tiny-test-build",
        "base_iri": BASE,
        "conforms": False,
        "counts": {"documents": 1},
    }
    (location / BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    (location / SHACL_REPORT).write_text(SHACL_REPORT_TTL, encoding="utf-8")
    return location


def make_queries_dir(directory: Path) -> Path:
    folder = directory / "queries"
    folder.mkdir()
    (folder / "countries.rq").write_text(EXAMPLE_QUERY, encoding="utf-8")
    return folder


class LiveServer:
    """The real app on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def entity(self, key: str) -> str:
        """Where pages link the entity ``{base}id/<key>`` (the linked-data pages' rule)."""
        with self.app.test_request_context("/"):
            return linkeddata.link(ID + key)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        sparql.shutdown(self.app)


def start_ui_server(directory: Path) -> LiveServer:
    location = make_tiny_store(directory)
    app = create_app(Settings(base_iri=BASE, store=str(location), query_timeout=10.0))
    app.config[QUERIES_DIR_CONFIG] = str(make_queries_dir(directory))
    return LiveServer(app)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_ui_server(tmp_path_factory.mktemp("ui"))
    yield server
    server.stop()


def hit_iris(html: str) -> list[str]:
    block = html.split('<ol class="hits">', 1)[1].split("</ol>", 1)[0]
    return [
        href.split("/id/", 1)[1]
        for href in re.findall(r'<li class="hit rank-\d">\s*<a href="([^"]+)"', block)
    ]


# --- pure helpers --------------------------------------------------------------------------------


def test_fold_ignores_case_and_accents():
    assert fold("Côte  d’Ivoire") == fold("COTE d’ivoire") == "cote d’ivoire"
    assert fold("Türkiye") == "turkiye"


@pytest.mark.parametrize(
    "bad", ["http://x/a>b", "http://x/a b", "http://x/}", 'http://x/"', "http://x/\\", "rel/x"]
)
def test_iri_ref_refuses_iris_that_break_out(bad):
    with pytest.raises(ValueError):
        iri_ref(bad)


# --- pages -----------------------------------------------------------------------------------------


def test_home_describes_the_dataset(live):
    r = live.get("/")
    assert r.status_code == 200
    html = r.text
    assert "Tiny Annual Report 2021" in html
    assert 'href="/read/doc-a"' in html
    assert 'href="/classes/countries"' in html and '<td class="num">4</td>' in html
    assert 'href="/query?example=countries"' in html and "Which countries are in the graph?" in html
    for link in ("/sparql", "/.well-known/void", "/dumps/", "/ontology", "/validation"):
        assert f'href="{link}"' in html
    assert '<main id="main"' in html and 'role="search"' in html


def test_class_page_sorts_and_paginates(live):
    r = live.get("/classes/countries")
    assert r.status_code == 200
    names = re.findall(r'<td><a href="[^"]*/id/country/\w+">([^<]+)</a></td>', r.text)
    assert names == [
        "Afghanistan",
        "Congo",
        "Côte d&#39;Ivoire",
        "Democratic Republic of the Congo",
    ]
    desc = live.get("/classes/ont:Country?sort=label&order=desc").text
    assert re.findall(r'<td><a href="[^"]*/id/country/(\w+)">', desc) == [
        "COD",
        "CIV",
        "COG",
        "AFG",
    ]
    by_mentions = live.get("/classes/country?sort=mentions&order=desc").text
    assert re.findall(r'<td><a href="[^"]*/id/country/(\w+)">', by_mentions)[:2] == ["AFG", "CIV"]
    by_obs = live.get("/classes/countries?sort=observations&order=desc").text
    assert re.findall(r'<td><a href="[^"]*/id/country/(\w+)">', by_obs)[0] == "AFG"

    total = EXTRA_PROGRAMMES + 4
    pages = [live.get(f"/classes/programmes?per_page=25&page={n}").text for n in (1, 2, 3)]
    rows = [re.findall(r'<td><a href="([^"]*/id/programme/[^"]+)">', page) for page in pages]
    assert [len(r) for r in rows] == [25, 25, total - 50]
    assert len({iri for page in rows for iri in page}) == total  # no overlap, nothing lost
    assert "Page 1 of 3" in pages[0] and 'rel="next"' in pages[0] and 'rel="prev"' not in pages[0]
    beyond = live.get("/classes/programmes?per_page=25&page=9", allow_redirects=False)
    assert beyond.status_code == 302 and "page=3" in beyond.headers["Location"]
    huge = live.get("/classes/programmes?page=99999999999999999999", allow_redirects=False)
    assert huge.status_code == 302 and "page=3" not in huge.headers["Location"]
    assert live.get("/classes/no-such-class").status_code == 404


def test_search_ranks_exact_prefix_word_substring(live):
    html = live.get("/search", params={"q": "migration", "type": "programmes"}).text
    order = [iri.rsplit("/", 1)[1] for iri in hit_iris(html)]
    assert order == ["exact", "prefix", "word", "substring"]
    # shorter labels first within a rank: "Congo" before the DRC (both contain "ongo")
    assert hit_iris(live.get("/search", params={"q": "ongo"}).text)[:2] == [
        "country/COG",
        "country/COD",
    ]


def test_search_is_case_and_accent_insensitive_and_filters_by_type(live):
    for q in ("cote d'ivoire", "CÔTE", "côte d'IVOIRE", "ivory"):
        assert hit_iris(live.get("/search", params={"q": q}).text)[0] == "country/CIV", q
    acronym = live.get("/search", params={"q": "iom"}).text
    assert hit_iris(acronym)[0] == "organization/iom" and "matched “IOM”" in acronym
    only_orgs = hit_iris(
        live.get("/search", params={"q": "congo", "type": "ont:Organization"}).text
    )
    assert only_orgs == []
    assert (
        hit_iris(live.get("/search", params={"q": "congo", "type": "countries"}).text)[0]
        == "country/COG"
    )


def test_search_lists_things_before_text_records_with_type_facets(live):
    html = live.get("/search", params={"q": "afghanistan"}).text
    assert hit_iris(html) == ["country/AFG"]  # the country, not its mentions
    records = html.split('<ol class="hits hits-text">', 1)[1].split("</ol>", 1)[0]
    assert "/id/observation/doc-a/o17" in records  # "1 200 people assisted in Afghanistan"
    facets = html.split('class="facets"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/search?q=afghanistan&amp;type=countries"' in facets


def test_untrusted_text_is_escaped(live):
    nasty = '"\\}<script>x</script>'
    r = live.get("/search", params={"q": nasty})
    assert r.status_code == 200
    assert "<script>x" not in r.text and "&lt;script&gt;x&lt;/script&gt;" in r.text
    evil = live.get("/search", params={"q": "evil"}).text
    assert "<script>alert(1)" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    assert hit_iris(evil) == ["organization/evil"]  # the label with " \ } is searchable
    listing = live.get("/classes/organizations").text
    assert "<script>alert" not in listing and "Evil &#34;quoted&#34; \\ back }" in listing
    query = live.get(
        "/query", params={"query": 'SELECT ?x WHERE { BIND("<script>q</script>" AS ?x) }'}
    ).text
    assert "<script>q" not in query and "&lt;script&gt;q&lt;/script&gt;" in query


def test_read_view_contents_nest_sections(live):
    r = live.get("/read/doc-a")
    assert r.status_code == 200
    html = r.text
    contents = html.split('<ol class="toc-tree">', 1)[1]
    s1, s2, s3 = (f'href="/read/doc-a/section/{s}"' for s in ("s1", "s2", "s3"))
    # s2 is nested inside s1's item; s3 is a top-level item after it
    assert contents.index(s1) < contents.index("<ol>") < contents.index(s2) < contents.index(s3)
    assert "Staff &lt;statistics&gt;" in html and "2 passages" in html
    assert "para-1" not in html  # contents only: passages are on the section pages
    assert live.get("/read/no-such-doc").status_code == 404
    assert live.get("/read/x%3Ey").status_code == 404
    assert (
        live.get("/documents/doc-a", allow_redirects=False)
        .headers["Location"]
        .endswith("/read/doc-a")
    )


def test_read_section_links_entities_and_marks_numbers(live):
    r = live.get("/read/doc-a/section/s1")
    assert r.status_code == 200
    html = r.text
    assert 'id="para-1"' in html and 'id="para-2"' not in html  # one section per page
    afg, iom = live.entity("country/AFG"), live.entity("organization/iom")
    assert f'<a class="mention" href="{afg}" title="Afghanistan">Afghanistan</a>' in html
    assert f'<a class="mention" href="{iom}"' in html
    assert "Côte d&#39;Ivoire</a>" in html
    assert '<mark class="num">1 200</mark>' in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html  # passage text is text, not markup
    assert f'href="{live.entity("document/doc-a/passage/para-1")}"' in html  # provenance
    # sub-sections listed, next section in reading order is the nested one
    assert 'rel="next" href="/read/doc-a/section/s2"' in html and 'rel="prev"' not in html
    assert 'aria-current="page">Introduction</a>' in html

    nested = live.get("/read/doc-a/section/s2").text
    assert 'id="para-2"' in nested and '<mark class="num">12%</mark>' in nested
    trail = nested.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/read/doc-a/section/s1">Introduction</a>' in trail
    assert 'rel="prev" href="/read/doc-a/section/s1"' in nested
    assert 'rel="next" href="/read/doc-a/section/s3"' in nested
    empty = live.get("/read/doc-a/section/s3").text
    assert "no text of its own" in empty and 'rel="next"' not in empty
    assert live.get("/read/doc-a/section/nope").status_code == 404
    assert live.get("/read/doc-a/section/s1%3E").status_code == 404


def test_passages_lead_to_their_place_in_the_reading_view_and_back(live):
    there = live.get("/read/doc-a/passage/para-2", allow_redirects=False)
    assert there.status_code == 302
    assert there.headers["Location"].endswith("/read/doc-a/section/s2#para-2")
    assert live.get("/read/doc-a/passage/nope").status_code == 404
    # the passage's linked-data page offers the way in; the reading view links back
    page = live.get(live.entity("document/doc-a/passage/para-2")).text
    assert 'href="/read/doc-a/passage/para-2"' in page
    section = live.get("/read/doc-a/section/s2").text
    assert f'href="{live.entity("document/doc-a/passage/para-2")}"' in section
    assert 'href="/read/doc-a"' in live.get(live.entity("document/doc-a")).text


def test_entity_pages_name_properties_for_people(live):
    html = live.get(live.entity("country/CIV")).text
    assert ">alternative label</a>" in html and ">preferred label</a>" in html
    assert "skos:altLabel" in html  # the CURIE stays available in the tooltip
    assert 'rel="canonical"' in html and 'type="application/ld+json"' in html
    org = live.get(live.entity("organization/iom")).text
    assert ">mentioned by annotation</a>" in org  # oa:hasBody read backwards
    assert ">publisher of</a>" in org
    assert "<svg" in live.get(live.entity("country/AFG")).text  # country charts
    evil = live.get(live.entity("organization/evil")).text
    assert "<script>alert" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil


def test_query_page_runs_queries_server_side(live):
    r = live.get("/query", params={"example": "countries"})
    assert r.status_code == 200
    html = r.text
    assert "4 rows" in html
    assert f'<a class="iri" href="{live.entity("country/AFG")}"' in html  # IRIs are links, labelled
    assert "/sparql?query=" in html and "format=csv" in html and "format=tsv" in html
    assert "format=json" in html and "format=xml" in html
    assert '<option value="countries" selected>' in html
    assert "query-editor.js" in html and "<textarea" in html

    ask = live.get("/query", params={"query": "ASK { ?s ?p ?o }"}).text
    assert "Yes (true)" in ask
    construct = live.get("/query", params={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 2"}).text
    assert "2 rows" in construct and "format=ttl" in construct and "format=csv" not in construct
    broken = live.get("/query", params={"query": "SELECT WHERE {"}).text
    assert 'role="alert"' in broken and "syntax" in broken.lower()
    assert "Results" not in live.get("/query").text  # nothing runs without a query


def test_validation_page_groups_results(live):
    r = live.get("/validation")
    assert r.status_code == 200
    html = r.text
    assert "does not conform" in html and "2 results in 1 group" in html
    assert "Label must not contain &lt;markup&gt;" in html
    assert f'href="{live.entity("organization/evil")}"' in html
    assert f'href="{live.entity("country/COG")}"' in html
    assert "path <code>rdfs:label</code>" in html
    report = live.get("/validation/report.ttl")
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/turtle")


def test_charts_are_accessible_svg_built_from_dimensions(live):
    html = live.get("/charts").text
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    sex_year = next(s for s in svgs if "Staff by sex, 2020–2021" in s)
    assert (
        ">2020<" in sex_year and ">2021<" in sex_year and "2019" not in sex_year
    )  # percentage left out
    assert "Women, 2021: 1\u202f162" in sex_year and ">Year<" in sex_year
    nationality = next(s for s in svgs if "nationalities" in s)
    # the row totals rank the nationalities: AFG 243 > COD 150 > CIV 76
    assert re.findall(r"<title>([^<:]+): \d", nationality) == [
        "Afghanistan",
        "Democratic Republic of the Congo",
        "Côte d&#39;Ivoire",
    ]
    assert f'href="{live.entity("country/AFG")}"' in nationality
    assert "Metrics per country" in html
    home = live.get("/").text
    assert "<svg" in home and "At a glance" in home


def test_country_charts_for_entity_pages(live):
    with live.app.test_request_context("/"):
        rendered = live.app.jinja_env.from_string("{{ ui_country_charts(iri) }}").render(
            iri=ID + "country/AFG"
        )
        assert "<svg" in rendered and ">G-4<" in rendered
        assert (
            live.app.jinja_env.from_string("{{ ui_country_charts(iri) }}").render(iri="bad>iri")
            == ""
        )


def test_index_is_built_once_per_build(live):
    live.get("/classes/countries")
    index_file = Path(live.app.config["MIGKG"].store) / INDEX_NAME
    assert index_file.is_file()
    before = index_file.stat().st_mtime_ns
    live.get("/search", params={"q": "congo"})
    assert index_file.stat().st_mtime_ns == before
    assert not list(index_file.parent.glob(".*.tmp"))
