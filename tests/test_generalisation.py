"""The pipeline on reports it was not developed on.

tests/data/reports/ holds three small hand-written IOM-style reports in layouts the seeds do
not use: a markdown annual report (``[^n]`` footnotes, "ACR – Expansion" acronym lines,
caption lines above tab tables), an OCR export (running page headers, "1. INTRODUCTION"
chapters, "1.1." numbered paragraphs, words hyphenated at line ends, "4 Text" footnotes)
a plain-text report (CRLF, smart quotes, headings only as short lines) and a markdown
overview as PDF-to-markdown converters write it (pipe table with its caption underneath,
bold numbers, bullet key findings), a plain-text annual report with "CHAPTER N." headings, and a short
country profile with a box in a block quote, "1)" list items and "Score (2018)" columns.  Each is built
with the real pipeline into a temporary store; the expected facts are read from the files.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from graph import parse, pipeline, store
from graph.model import Document, Extraction
from graph.namespaces import vocab

REPORTS = Path(__file__).parent / "data" / "reports"
BASE = "http://127.0.0.1:8000/"
ANNUAL = "annual-report-2022"
OCR = "gcm-support-report-ocr"
PLAIN = "migration-development-report-2022"
DTM = "dtm-regional-overview-2023"
AR2023 = "iom-annual-report-2023"
MGI = "mgi-profile-2022"


@pytest.fixture(scope="module")
def location(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("generalisation") / "store"


@pytest.fixture(scope="module")
def built(location: Path) -> pipeline.BuildResult:
    return pipeline.build([REPORTS], location=location, base=BASE, progress=pipeline.quiet)


@pytest.fixture(scope="module")
def kg(built, location: Path) -> store.EmbeddedStore:
    return store.EmbeddedStore(location)


@pytest.fixture(scope="module")
def docs(built) -> dict[str, Document]:
    return {d.id: d for d in built.documents}


@pytest.fixture(scope="module")
def extractions(docs) -> dict[str, Extraction]:
    return {doc_id: pipeline.extract(d) for doc_id, d in docs.items()}


def ask(kg, body: str) -> bool:
    v = vocab(BASE)
    body = re.sub(r"\bid:([\w/.-]*\w)", lambda m: f"<{v.entity(m.group(1))}>", body)
    return bool(kg.query(v.sparql_prolog() + "ASK {" + body + "}"))


def observation(kg, doc: str, value: str, unit: str, measure: str, locator: str, extra="") -> bool:
    """An observation of ``value`` with that unit and measure label, from that passage."""
    return ask(
        kg,
        f"""?obs a qb:Observation ; sdmx-measure:obsValue ?v ; prov:wasDerivedFrom ?p ;
               sdmx-attribute:unitMeasure/rdfs:label "{unit}" ; ont:measure/rdfs:label ?m .
        FILTER(?v = {Decimal(value)})
        FILTER(CONTAINS(LCASE(STR(?m)), "{measure}"))
        ?p dct:isPartOf id:document/{doc} ; ont:locator ?loc .
        FILTER(STRSTARTS(LCASE(?loc), LCASE("{locator}")))
        {extra}""",
    )


# --- the build as a whole --------------------------------------------------------------------


def test_all_three_reports_build_and_validate(built) -> None:
    assert built.validation.conforms
    assert sorted(d.id for d in built.documents) == sorted([ANNUAL, OCR, PLAIN, DTM, AR2023, MGI])


def test_titles_years_and_publisher(docs) -> None:
    assert docs[ANNUAL].title == "Annual Report for 2022"
    assert docs[OCR].title.startswith("IOM Support to the Implementation of the Global Compact")
    assert docs[PLAIN].title == "Migration and Development Report 2022"
    assert docs[DTM].title == (
        "Displacement Tracking Matrix: Regional Overview – East and Horn of Africa 2023"
    )
    for d in docs.values():
        assert d.year == (2023 if d.id in (DTM, AR2023) else 2022)
        assert d.publisher == "International Organization for Migration"


# --- parse: structure of layouts the seeds do not use -----------------------------------------


def test_markdown_acronym_list_with_dash_and_colon_lines(docs) -> None:
    acronyms = dict(docs[ANNUAL].acronyms)
    assert acronyms["CCCM"] == "Camp Coordination and Camp Management"
    assert acronyms["IDP"] == "internally displaced person"  # "IDP: ..." line
    assert acronyms["UNHCR"] == "Office of the United Nations High Commissioner for Refugees"
    assert len(acronyms) == 6


def test_markdown_footnotes_are_passages_and_their_markers_are_refs(docs) -> None:
    d = docs[ANNUAL]
    fn = d.passage("fn-2")
    assert fn.kind == "footnote" and fn.locator == "footnote 2"
    assert fn.text.startswith("DTM Ukraine, General Population Survey")
    para = d.passage("para-3")
    assert para.footnote_refs == (2,)
    assert "[^" not in d.text


def test_numbered_paragraph_continues_after_page_break(docs) -> None:
    text = docs[ANNUAL].passage("para-2").text
    assert text.endswith("from country offices across the regions where IOM operates.")


def test_box_headings_with_colon_and_full_stop(docs) -> None:
    d = docs[ANNUAL]
    assert [p.id for p in d.passages if p.locator == "Box 3" and p.kind == "box"] == [
        "box-3-p1",
        "box-3-p2",
    ]
    assert d.passage("box-4-p1").text.startswith("The International Recruitment Integrity")
    # after the box, numbered paragraphs are back in their chapter
    assert d.passage("para-5").section[-1] == "RESILIENCE AND CRISIS RESPONSE"


def test_caption_line_names_the_table_below_it(docs) -> None:
    tables = {t.id: t for t in docs[ANNUAL].tables}
    assert tables["table-1"].title == "Expenditure by region (USD million)"
    assert tables["table-1"].locator == "Table 1"
    assert tables["table-1"].header == (("Region", "2020", "2021", "2022"),)
    assert tables["table-2"].rows[0] == ("Ukraine", "1 240", "58")
    assert not any(p.text.startswith("Table 1.") for p in docs[ANNUAL].passages)


def test_ocr_running_headers_are_dropped(docs) -> None:
    assert "SESSION Page" not in docs[OCR].text
    assert "Page 2" not in docs[OCR].text


def test_ocr_chapters_and_dotted_paragraphs(docs) -> None:
    d = docs[OCR]
    headings = [p.text for p in d.passages if p.kind == "heading"]
    assert "1. INTRODUCTION" in headings and "2.1. NATIONAL IMPLEMENTATION" in headings
    p = d.passage("para-1-2")
    assert p.kind == "paragraph" and p.locator == "paragraph 1.2"
    assert p.text.startswith("The Migration Multi-Partner Trust Fund (MPTF) received")
    assert p.section == ("1. INTRODUCTION",)
    assert d.passage("para-3-2").section == ("3. INTERNATIONAL MIGRATION REVIEW FORUM",)
    sections = {s.title: s for s in d.sections}
    assert sections["2.2. REGIONAL REVIEWS"].parent_id == sections["2. SUPPORT TO STATES"].id


def test_ocr_words_hyphenated_at_line_ends_are_rejoined(docs) -> None:
    text = docs[OCR].text
    assert "national and regional networks on migration to translate" in text
    assert "return and reintegration, which addresses" in text
    # a hyphen that belongs to the text stays: "low- and middle-income"
    assert "low- and middle-income countries" in docs[PLAIN].text


def test_plain_number_footnote_with_glued_marker(docs) -> None:
    d = docs[OCR]
    fn = d.passage("fn-4")
    assert fn.text == "See the Missing Migrants Project database, accessed in January 2023."
    body = next(p for p in d.passages if "4,750 migrant deaths" in p.text)
    assert 4 in body.footnote_refs
    assert "missing migrants. The data" in body.text


def test_plain_text_headings_without_markup(docs) -> None:
    d = docs[PLAIN]
    headings = [p.text for p in d.passages if p.kind == "heading"]
    assert headings == [
        "Migration and Development Report 2022",
        "Report of the International Organization for Migration",
        "Introduction",
        "Diaspora Engagement",
        "Remittances",
        "Labour Mobility and Skills",
        "Looking Ahead",
    ]
    first = d.passage("s-introduction-p1")
    assert first.locator == "Introduction, unnumbered paragraph 1"
    assert "\r" not in d.text
    assert "the “whole-of-government” approach" in first.text


# --- entities, relations and objective links ------------------------------------------------


@pytest.mark.parametrize(
    "doc,keys",
    [
        (ANNUAL, ["country/UKR", "country/PAK", "country/BFA", "country/NER", "country/SOM"]),
        (OCR, ["country/MAR", "country/ECU", "country/LBY", "country/CHL", "country/DEU"]),
        (PLAIN, ["country/ARM", "country/KGZ", "country/TJK", "country/GBR", "country/PHL"]),
    ],
)
def test_countries(extractions, doc: str, keys: list[str]) -> None:
    assert set(keys) <= set(extractions[doc].entities)


def test_organizations_by_acronym_and_full_name(kg) -> None:
    assert ask(kg, 'id:organization/unhcr ont:acronym "UNHCR"')
    assert ask(
        kg,
        """?p dct:isPartOf id:document/annual-report-2022 ; ont:locator "paragraph 4" ;
           schema:mentions id:organization/ifrc""",
    )
    assert ask(
        kg,
        """?p dct:isPartOf id:document/gcm-support-report-ocr ; schema:mentions ?org .
           ?org ont:acronym "ECLAC" """,
    )
    assert ask(
        kg,
        """?p dct:isPartOf id:document/migration-development-report-2022 ;
           schema:mentions id:organization/ifad""",
    )


def test_programmes(extractions) -> None:
    assert {
        "programme/displacement-tracking-matrix",
        "programme/international-recruitment-integrity-system",
        "programme/iom-development-fund",
        "programme/migration-governance-indicators",
    } <= set(extractions[ANNUAL].entities)
    assert "programme/migration-multi-partner-trust-fund" in extractions[OCR].entities
    assert "programme/migration-for-development-in-africa" in extractions[PLAIN].entities
    # "the Shelter Cluster with the IFRC": the partner is not part of the name
    assert not any(" with " in e.label for e in extractions[ANNUAL].entities.values())


def test_objective_references_in_varied_forms(extractions) -> None:
    objectives = {m.entity_key for m in extractions[OCR].mentions if m.kind == "objective"}
    # "GCM Objective 7", "objectives 1, 3 and 17", "Objectives 20–22", "GCM Objective 23"
    assert {f"gcm/objective/{n}" for n in (1, 3, 7, 8, 17, 20, 21, 22, 23)} == objectives


def test_relations_and_objective_links(kg) -> None:
    assert ask(kg, "id:organization/iom ont:coordinates id:organization/unnm")
    assert ask(kg, "id:programme/displacement-tracking-matrix ont:implementedIn id:country/NER")
    assert ask(
        kg,
        """id:programme/displacement-tracking-matrix ont:contributesTo id:gcm/objective/8 .
           ?st rdf:subject id:programme/displacement-tracking-matrix ;
               rdf:object id:gcm/objective/8 ; prov:wasDerivedFrom ?p .
           ?p dct:isPartOf id:document/gcm-support-report-ocr""",
    )


# --- numbers ----------------------------------------------------------------------------------

METRICS = [
    # doc, value, unit label, measure contains, passage locator
    (ANNUAL, "3100000000", "USD", "expenditure", "paragraph 1"),
    (ANNUAL, "19120", "person", "staff", "paragraph 1"),
    (ANNUAL, "450000", "person", "people", "paragraph 4"),
    (ANNUAL, "12400", "person", "key informants", "Box 3"),
    (ANNUAL, "12", "per cent", "increase", "paragraph 7"),
    (ANNUAL, "13400000", "USD", "allocation", "paragraph 9"),
    (OCR, "45300000", "USD", "", "paragraph 1.2"),
    (OCR, "1200000", "person", "migrants", "2.1. NATIONAL IMPLEMENTATION"),
    (OCR, "65", "per cent", "regional authorities", "2.1. NATIONAL IMPLEMENTATION"),
    (OCR, "3000000", "EUR", "", "2.2. REGIONAL REVIEWS"),
    (OCR, "12000", "person", "migrants", "2.2. REGIONAL REVIEWS"),
    (OCR, "210000", "count", "visits", "paragraph 3.2"),
    (PLAIN, "540000000", "USD", "budget", "Introduction"),
    (PLAIN, "626000000000", "USD", "remittances", "Remittances"),
    (PLAIN, "15000", "household", "households", "Remittances"),
    (PLAIN, "3100", "count", "workers", "Labour Mobility and Skills"),
]


@pytest.mark.parametrize("doc,value,unit,measure,locator", METRICS)
def test_metrics(kg, doc: str, value: str, unit: str, measure: str, locator: str) -> None:
    assert observation(kg, doc, value, unit, measure, locator)


def test_metric_periods_areas_and_ranges(extractions) -> None:
    by_surface = {q.surface: q for q in extractions[ANNUAL].quantities}
    q = by_surface["more than 1.6 million"]
    assert (q.value, q.qualifier, q.year, q.area_key) == (
        Decimal(1600000),
        "more than",
        2022,
        "country/UKR",
    )
    ocr = {q.surface: q for q in extractions[OCR].quantities}
    q = ocr["between 2,000 and 3,000"]
    assert (q.value, q.value_max, q.unit) == (Decimal(2000), Decimal(3000), "person")
    assert ocr["USD 70 million"].year == 2025  # a target year, not the report year
    plain = {q.surface: q for q in extractions[PLAIN].quantities}
    assert plain["3,100"].year == 2021 and plain["About 5,000"].year == 2022
    assert plain["85"].area_key == "country/ARM"


def test_table_cells_with_year_and_country_dimensions(extractions, kg) -> None:
    cells = extractions[ANNUAL].cells
    europe_2022 = next(
        c
        for c in cells
        if ("category", "Europe") in c.dimensions and ("year", "2022") in c.dimensions
    )
    # "(USD million)" in the caption: an amount in US dollars, not a count
    assert (europe_2022.value, europe_2022.unit) == (Decimal(720300000), "USD")
    assert europe_2022.measure == "expenditure"
    ukraine = [c for c in cells if ("country", "country/UKR") in c.dimensions]
    assert {(c.value, c.unit, c.measure) for c in ukraine} == {
        (Decimal(1240), "count", "number of staff"),
        (Decimal(58), "per cent", "percentage of women"),
    }
    assert ask(
        kg,
        """?obs sdmx-measure:obsValue ?v ; ont:year 2021 ; prov:wasDerivedFrom ?p .
           FILTER(?v = 236100000)
           ?p ont:locator "Table 1, row Europe" """,
    )
    # a row per country: the cell's area is the country entity, as for figures in the text
    assert ask(
        kg,
        """?obs a qb:Observation ; sdmx-dimension:refArea id:country/UKR ;
             sdmx-measure:obsValue ?v ; qb:dataSet/qb:structure/qb:component/qb:dimension
             sdmx-dimension:refArea .
           FILTER(?v = 1240)""",
    )


def test_every_passage_has_a_locator_and_known_kind() -> None:
    for path in sorted(REPORTS.iterdir()):
        d = parse.parse_file(path)
        for p in d.passages:
            assert p.locator.strip(), p.id
            assert p.kind in ("paragraph", "box", "footnote", "heading", "table-row", "text")
            assert d.text[p.start : p.end] == p.text


# --- a markdown pipe table, as PDF-to-markdown converters write it -------------------------


def test_pipe_table_cells_with_column_measures_and_a_year_column(docs, extractions) -> None:
    (table,) = docs[DTM].tables
    assert table.title == "Internally displaced persons and returnees by country, 2023"
    cells = {(c.measure, dict(c.dimensions)["country"]): c for c in extractions[DTM].cells}
    assert len(cells) == 6  # the "Year" column dates each row; it is not a figure itself
    ethiopia = cells[("number of IDPs", "country/ETH")]
    assert (ethiopia.value, dict(ethiopia.dimensions)["year"]) == (Decimal(3502000), "2023")
    assert cells[("number of returnees", "country/SOM")].value == Decimal(95000)


def test_markdown_overview_entities_relations_and_areas(extractions, kg) -> None:
    x = extractions[DTM]
    prm = x.entities["organization/prm"]  # the reference entity, named in full in the text
    assert "United States Department of State Bureau of Population, Refugees and Migration" in (
        prm.alt_labels
    )
    found = {(r.subject_key, r.predicate, r.object_key) for r in x.relations + x.objective_links}
    assert ("programme/displacement-tracking-matrix", "fundedBy", "organization/eu") in found
    assert ("organization/igad", "partnerOf", "programme/displacement-tracking-matrix") in found
    assert ("programme/regional-data-hub", "contributesTo", "gcm/objective/3") in found
    money = {q.value: q for q in x.quantities if q.unit == "USD"}
    # the funder's name opens with a country; the money is not about that country
    assert money[Decimal(12000000)].area_key is None
    somalia = next(q for q in x.quantities if q.value == Decimal(1200000))
    assert (somalia.qualifier, somalia.area_key) == ("nearly", "country/SOM")
    assert observation(kg, DTM, "5100000", "person", "internally displaced", "key findings")


def test_plain_annual_report_places_fractions_and_relations(extractions) -> None:
    x = extractions[AR2023]
    by_value = {q.value: q for q in x.quantities}
    moldova = by_value[Decimal(120000)]  # "In the Republic of Moldova, ... refugees from Ukraine"
    assert (moldova.unit, moldova.area_key) == ("person", "country/MDA")
    assert by_value[Decimal(960000)].area_key == "country/BGD"
    returns = by_value[Decimal(10000)]  # "between 10,000 and 15,000 migrants"
    assert (returns.value_max, returns.unit) == (Decimal(15000), "person")
    assert not any("thirds" in q.measure or q.surface == "Two" for q in x.quantities)
    found = {(r.subject_key, r.predicate, r.object_key) for r in x.relations + x.objective_links}
    group = "organization/remittances-working-group"
    assert {
        ("organization/iom", "coLeads", group),
        ("organization/world-bank", "coLeads", group),
    } <= found
    assert ("organization/iom", "memberOf", "organization/iasc") in found
    avrr = "programme/assisted-voluntary-return-and-reintegration"
    assert (avrr, "contributesTo", "gcm/objective/21") in found
    assert x.entities[avrr].alt_labels == ("AVRR",)
    staff = [c for c in x.cells if ("category", "Total") in c.dimensions]
    assert {(c.value, dict(c.dimensions)["year"]) for c in staff} == {
        (Decimal(12280), "2022"),
        (Decimal(13420), "2023"),
    }


def test_profile_with_a_quoted_box_list_items_and_labelled_year_columns(docs, extractions) -> None:
    doc = docs[MGI]
    box = [p for p in doc.passages if p.kind == "box"]
    assert [p.text for p in box] == [
        "In 2021, remittances reached USD 2.1 billion, or 15.8 per cent of GDP. About 1.1 "
        "million Moldovans live abroad."
    ]  # the box ends with its block quote
    items = [p.text for p in doc.passages if p.text.startswith(("Migrants' rights", "Whole-of"))]
    assert len(items) == 2  # "1)" and "2)" items are passages of their own
    x = extractions[MGI]
    assert not any(q.value in (1, 2) and not q.measure for q in x.quantities)  # no list numbers
    remittances = next(q for q in x.quantities if q.unit == "USD")
    assert (remittances.value, remittances.year, remittances.measure) == (
        Decimal(2100000000),
        2021,
        "remittances",
    )
    scores = {(dict(c.dimensions)["category"], dict(c.dimensions)["year"]): c for c in x.cells}
    assert scores[("Partnerships", "2018")].value == Decimal(55)
    assert scores[("Partnerships", "2022")].measure == "score"
    found = {(r.subject_key, r.predicate, r.object_key) for r in x.objective_links}
    assert not found or all(o.startswith("gcm/objective/") for _, _, o in found)
