"""End to end: build both seed reports and check, through SPARQL, facts stated in every chapter
of both reports and in each annex table.  Expected values are read from the report text."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from graph import store
from graph.namespaces import vocab

pytestmark = pytest.mark.slow

AR = "iom-annual-report-2021"
GCM = "iom-gcm-implementation-support-excerpt"


@pytest.fixture(scope="module")
def kg(built_store):
    location, base = built_store
    return store.EmbeddedStore(location), vocab(base)


def entity_iris(v, text: str) -> str:
    """Write `id:country/AFG` as a full IRI (a prefixed name cannot contain `/`)."""
    return re.sub(r"\bid:([\w/.-]*\w)", lambda m: f"<{v.entity(m.group(1))}>", text)


def ask(kg, body: str) -> bool:
    es, v = kg
    return bool(es.query(v.sparql_prolog() + "ASK {" + entity_iris(v, body) + "}"))


def select(kg, body: str) -> list[dict]:
    es, v = kg
    return es.select(v.sparql_prolog() + entity_iris(v, body))


def observation_in(kg, doc: str, value: str, locator: str) -> bool:
    """An observation of `value` derived from the passage whose locator is `locator`."""
    return ask(
        kg,
        f"""?obs a qb:Observation ; sdmx-measure:obsValue ?v ; prov:wasDerivedFrom ?p .
        FILTER(?v = {Decimal(value)})
        ?p dct:isPartOf <{kg[1].entity("document/" + doc)}> ; ont:locator ?loc .
        FILTER(STRSTARTS(LCASE(?loc), LCASE("{locator}")))""",
    )


# --- numbers from every chapter -------------------------------------------------------------

ANNUAL_REPORT_METRICS = [
    # (value, locator prefix, where in the report)
    ("2500000000", "paragraph 1", "Introduction: a budget of USD 2.5 billion"),
    ("17761", "paragraph 1", "Introduction: 17,761 staff"),
    ("523", "paragraph 1", "Introduction: 523 locations"),
    ("174", "paragraph 1", "Introduction: 174 Member States"),
    ("3200000", "paragraph 14", "Humanitarian response: CCCM reached over 3.2 million people"),
    ("1561", "paragraph 14", "Humanitarian response: 1,561 displacement sites"),
    ("62", "paragraph 16", "Humanitarian response: WASH operations in 62 countries"),
    ("13300000", "paragraph 16", "Humanitarian response: WASH support to 13.3 million people"),
    ("4390523", "paragraph 20", "Humanitarian response: primary health consultations"),
    ("424507", "paragraph 20", "Humanitarian response: antenatal consultations"),
    ("119", "paragraph 21", "Humanitarian response: cash-based interventions in 119 countries"),
    ("56", "paragraph 21", "Humanitarian response: 56 countries in 2020"),
    ("700000", "box 2", "Box 2: more than 700,000 Afghans displaced"),
    ("5376638", "paragraph 30", "Drivers of displacement: transition and recovery reach"),
    ("349", "paragraph 30", "Drivers of displacement: 349 transition and recovery projects"),
    ("2569730", "paragraph 78", "Human mobility: long-lasting insecticidal nets"),
    ("16015779", "box 12", "Migration governance: IOM Development Fund USD 16,015,779"),
    ("115468", "box 12", "Migration governance: migrants benefiting from completed projects"),
    ("130", "paragraph 108", "Data and evidence: 130 country offices"),
    ("85", "paragraph 114", "Data and evidence: DTM in 85 countries"),
    ("423", "paragraph 147", "Institutional development: 423 self-paced online courses"),
    ("177", "paragraph 153", "Institutional development: 177 nationalities"),
    ("9053", "paragraph 156", "Institutional development: 9,053 agreements/contracts"),
    ("102", "paragraph 164", "Privileges and immunities: 102 of the 185"),
]


@pytest.mark.parametrize(("value", "locator", "why"), ANNUAL_REPORT_METRICS)
def test_annual_report_metric(kg, value, locator, why):
    assert observation_in(kg, AR, value, locator), why


GCM_METRICS = [
    ("668", "Chapter II: PRIMA GCM Wizard identified 668 projects"),
    ("218", "Objective 2 box: 218 families"),
    ("1090", "Objective 2 box: approximately 1090 people"),
    ("313", "Cluster III: 313 projects"),
    ("46", "Cluster III: 46 per cent of all projects"),
]


@pytest.mark.parametrize(("value", "why"), GCM_METRICS)
def test_gcm_report_metric(kg, value, why):
    assert observation_in(kg, GCM, value, ""), why


def test_metric_carries_qualifier_unit_year_and_area(kg):
    rows = select(
        kg,
        """SELECT ?q ?unit ?year WHERE {
          ?obs sdmx-measure:obsValue ?v ; ont:qualifier ?q ; ont:year ?year ;
               sdmx-attribute:unitMeasure/rdfs:label ?unit ; prov:wasDerivedFrom/ont:locator "paragraph 14" .
          FILTER(?v = 3200000) }""",
    )
    assert rows, "3.2 million in paragraph 14"
    assert rows[0]["q"].value in {"over", "more than"}
    assert int(rows[0]["year"].value) == 2021
    afghanistan = select(
        kg,
        """SELECT ?obs WHERE { ?obs sdmx-measure:obsValue ?v ; sdmx-dimension:refArea id:country/AFG .
           FILTER(?v = 700000) }""",
    )
    assert afghanistan, "Box 2's 700,000 displaced Afghans are about Afghanistan"


# --- annex tables: every cell an observation with its dimensions ---------------------------

ANNEX_CELLS = [
    # (value, dimensions as (property, object) SPARQL, why)
    (
        "1162",
        "ont:year 2021 ; sdmx-dimension:sex <http://purl.org/linked-data/sdmx/2009/code#sex-F>",
        "Annex I Table 1: women 2021",
    ),
    (
        "788",
        "ont:year 2017 ; sdmx-dimension:sex <http://purl.org/linked-data/sdmx/2009/code#sex-M>",
        "Annex I Table 1: men 2017",
    ),
    (
        "15405",
        "ont:year 2021 ; ont:staffCategory ?c",
        "Annex I Table 4: General Service and National Officers 2021",
    ),
    ("243", "ont:nationality id:country/AFG", "Annex II: Afghanistan total"),
    (
        "52",
        "ont:nationality id:country/AFG ; sdmx-dimension:sex <http://purl.org/linked-data/sdmx/2009/code#sex-F>",
        "Annex II: Afghan women",
    ),
    ("581", "ont:nationality id:country/BGD", "Annex II: Bangladesh total"),
    ("39", "ont:nationality id:country/AUS", "Annex III: Australia total"),
    ("2359", "ont:staffCategory ?c", "Annex III: total Professional staff"),
    ("143", "ont:year 2021", "Annex IV: total nationalities represented 2021"),
]


@pytest.mark.parametrize(("value", "dims", "why"), ANNEX_CELLS)
def test_annex_cell(kg, value, dims, why):
    assert ask(
        kg,
        f"?obs a qb:Observation ; qb:dataSet ?ds ; sdmx-measure:obsValue {value}.0 ; {dims} . ?ds a qb:DataSet ; qb:structure ?dsd .",
    ), why


def test_annex_tables_are_datasets_with_structure(kg):
    rows = select(
        kg,
        """SELECT ?ds (COUNT(?obs) AS ?n) WHERE { ?ds a qb:DataSet ; qb:structure ?dsd ; ont:locator ?loc .
           ?obs qb:dataSet ?ds . FILTER(CONTAINS(?loc, "Annex")) } GROUP BY ?ds""",
    )
    assert len(rows) >= 7  # Annex I Tables 1-4, Annex II, III, IV
    assert all(int(r["n"].value) > 0 for r in rows)


# --- entities, links and relations ---------------------------------------------------------


@pytest.mark.parametrize(
    ("acronym", "name"),
    [
        ("IOM", "International Organization for Migration"),
        ("ILO", "International Labour Organization"),
        ("UNHCR", "Office of the United Nations High Commissioner for Refugees"),
        ("IGAD", "Intergovernmental Authority on Development"),
        ("INDI", "Paraguayan Indigenous Institute"),
        ("UNDP", "United Nations Development Programme"),
    ],
)
def test_organization_acronym_and_name_are_one_entity(kg, acronym, name):
    rows = select(
        kg,
        f"""SELECT DISTINCT ?org WHERE {{ ?org a org:Organization ; skos:altLabel|ont:acronym ?a ;
            rdfs:label|skos:prefLabel ?l . FILTER(STR(?a) = "{acronym}")
            FILTER(LCASE(STR(?l)) = LCASE("{name}")) }}""",
    )
    assert len(rows) == 1, f"{acronym} = {name}"


@pytest.mark.parametrize(
    "label",
    [
        "Displacement Tracking Matrix",
        "Migration Multi-Partner Trust Fund",
        "IOM Development Fund",
        "Better Migration Management Programme",
        "Migration Information and Data Analysis System",
    ],
)
def test_programme_recognised(kg, label):
    assert ask(
        kg,
        f"""?p a ont:Programme , schema:Project ; rdfs:label|skos:altLabel ?l .
        FILTER(LCASE(STR(?l)) = LCASE("{label}"))""",
    ), label


def test_objective_links(kg):
    paraguay = select(
        kg,
        """SELECT ?p WHERE { ?p a ont:Programme ; ont:contributesTo id:gcm/objective/2 ; rdfs:label ?l .
           FILTER(CONTAINS(?l, "Paraguay")) }""",
    )
    assert paraguay, "the Paraguay project advances objective 2"
    for n in (9, 10):
        assert ask(
            kg,
            f"""?p ont:contributesTo id:gcm/objective/{n} ; rdfs:label ?l .
            FILTER(CONTAINS(LCASE(?l), "better migration management"))""",
        ), f"Better Migration Management Programme -> objective {n}"


def test_co_leadership(kg):
    assert ask(kg, "id:organization/iom ont:coLeads ?x . id:organization/ilo ont:coLeads ?x .")


def test_country_mentions_link_to_passages(kg):
    rows = select(
        kg,
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?m a oa:Annotation ; oa:hasBody id:country/AFG ;
           prov:wasDerivedFrom ?p }""",
    )
    assert int(rows[0]["n"].value) >= 10  # Afghanistan is named throughout the annual report
    assert ask(kg, "?p schema:mentions id:country/PRY ; dct:isPartOf ?d . ?d ont:sha256 ?h .")


def test_every_observation_and_mention_has_provenance(kg):
    assert not ask(
        kg,
        "?o a qb:Observation . FILTER NOT EXISTS { ?o prov:wasDerivedFrom ?p . ?p rdf:value ?t }",
    )
    assert not ask(
        kg, "?m a oa:Annotation . FILTER NOT EXISTS { ?m prov:wasDerivedFrom ?p . ?p rdf:value ?t }"
    )
    assert not ask(
        kg, "?s a rdf:Statement . FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?p . ?p rdf:value ?t }"
    )


def test_gcm_scheme(kg):
    rows = select(
        kg, "SELECT (COUNT(?c) AS ?n) WHERE { ?c skos:inScheme id:gcm ; skos:notation ?x }"
    )
    assert int(rows[0]["n"].value) == 23
    assert ask(kg, "id:gcm/objective/23 skos:relatedMatch <http://metadata.un.org/sdg/10.7> .")
