"""SHACL validation: a small well-formed graph conforms; each kind of defect is reported."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from graph.namespaces import SDMX_DIMENSION, SDMX_MEASURE
from graph.reference import reference_graph
from graph.validate import ValidationResult, Violation, validate

BASE = "http://127.0.0.1:8000/"

# A miniature of one built document, IRIs relative to the base (parsed with publicID=BASE).
GOOD_TTL = """
@prefix ont: <ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .

<id/country/AFG> a ont:Country ; rdfs:label "Afghanistan"@en ; skos:prefLabel "Afghanistan"@en ;
    ont:iso3 "AFG" ; ont:iso2 "AF" ; ont:m49 "004" .
<id/organization/iom> a ont:Organization ; rdfs:label "International Organization for Migration"@en ;
    ont:acronym "IOM" ; ont:organizationType "un-agency" .
<id/gcm> a skos:ConceptScheme .
<id/gcm/cluster/IV> a ont:GCMCluster ; rdfs:label "Cluster IV"@en ; skos:prefLabel "Cluster IV"@en ;
    skos:notation "IV" ; skos:member <id/gcm/objective/1> .
<id/gcm/objective/1> a ont:GCMObjective ; rdfs:label "Objective 1"@en ;
    skos:prefLabel "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies"@en ;
    skos:notation "1" ; skos:inScheme <id/gcm> ; ont:cluster <id/gcm/cluster/IV> .
<id/programme/dtm> a ont:Programme, ont:Tool ; rdfs:label "Displacement Tracking Matrix" ;
    ont:implementedBy <id/organization/iom> ; ont:contributesTo <id/gcm/objective/1> .

<id/document/r> a ont:SourceDocument ; rdfs:label "A report" ; dct:title "A report" ;
    dct:publisher <id/organization/iom> ; ont:reportingYear 2021 .
<id/document/r/section/s1> a ont:Section ; rdfs:label "Data" ; dct:isPartOf <id/document/r> .
<id/document/r/passage/para-1> a ont:SourcePassage ; rdfs:label "A report, paragraph 1" ;
    rdf:value "IOM tracked 3 million people in Afghanistan." ;
    dct:isPartOf <id/document/r> ; ont:locator "paragraph 1" ; ont:inSection <id/document/r/section/s1> ;
    ont:startOffset 0 ; ont:endOffset 45 .
<id/mention/r/m1> a ont:Mention ; rdfs:label "Afghanistan in paragraph 1" ;
    oa:hasBody <id/country/AFG> ; oa:hasTarget <id/mention/r/m1#target> ;
    prov:wasDerivedFrom <id/document/r/passage/para-1> .
<id/mention/r/m1#target> oa:hasSource <id/document/r/passage/para-1> ;
    oa:hasSelector <id/mention/r/m1#quote> .
<id/statement/r/s1> a ont:Statement ; rdfs:label "dtm implementedBy iom" ;
    rdf:subject <id/programme/dtm> ; rdf:predicate ont:implementedBy ; rdf:object <id/organization/iom> ;
    prov:wasDerivedFrom <id/document/r/passage/para-1> .
<id/dataset/r> a ont:Dataset, qb:DataSet ; rdfs:label "Metrics of a report" ; qb:structure ont:quantityStructure .
<id/unit/persons> a ont:Unit ; rdfs:label "persons" .
<id/measure/people-tracked> a ont:Measure ; rdfs:label "people tracked" .
<id/observation/r/o1> a ont:Observation ; rdfs:label "3 million people tracked" ;
    qb:dataSet <id/dataset/r> ; sdmx-measure:obsValue 3000000.0 ;
    sdmx-attribute:unitMeasure <id/unit/persons> ; ont:measure <id/measure/people-tracked> ;
    ont:year 2021 ; sdmx-dimension:refArea <id/country/AFG> ;
    prov:wasDerivedFrom <id/document/r/passage/para-1> .
"""


def iri(key: str, base: str = BASE) -> URIRef:
    return URIRef(base + "id/" + key)


def ont(local: str, base: str = BASE) -> URIRef:
    return URIRef(base + "ontology#" + local)


@pytest.fixture
def good() -> Graph:
    return Graph().parse(data=GOOD_TTL, format="turtle", publicID=BASE)


def only(result: ValidationResult, focus: URIRef, path: str | None) -> Violation:
    """The single violation at focus/path, with a message a person can act on."""
    found = [v for v in result.violations if v.focus == str(focus) and v.path == path]
    assert len(found) == 1, result.text()
    assert not result.conforms
    assert len(found[0].message) > 20
    assert found[0].severity == "Violation"
    return found[0]


def test_small_graph_conforms(good: Graph) -> None:
    result = validate(good, BASE)
    assert result.conforms, result.text()
    assert result.violations == []
    assert result.text() == "conforms: no SHACL results"


def test_reference_graph_conforms() -> None:
    result = validate(reference_graph(BASE), BASE)
    assert result.conforms, result.text()


def test_missing_label(good: Graph) -> None:
    obs = iri("observation/r/o1")
    good.remove((obs, RDFS.label, None))
    v = only(validate(good, BASE), obs, "rdfs:label")
    assert "rdfs:label" in v.message
    assert v.shape == "shape:label"


def test_label_must_be_a_string(good: Graph) -> None:
    unit = iri("unit/persons")
    good.set((unit, RDFS.label, Literal(5)))
    v = only(validate(good, BASE), unit, "rdfs:label")
    assert v.value == Literal(5).n3()


def test_bad_iso3(good: Graph) -> None:
    afg = iri("country/AFG")
    good.set((afg, ont("iso3"), Literal("AF1")))
    v = only(validate(good, BASE), afg, "ont:iso3")
    assert v.value == '"AF1"'
    assert "alpha-3" in v.message
    assert v.shape == "shape:Country-iso3"


def test_bad_iso2_and_m49(good: Graph) -> None:
    afg = iri("country/AFG")
    good.set((afg, ont("iso2"), Literal("af")))
    good.set((afg, ont("m49"), Literal("4")))
    result = validate(good, BASE)
    only(result, afg, "ont:iso2")
    only(result, afg, "ont:m49")


def test_observation_without_provenance(good: Graph) -> None:
    obs = iri("observation/r/o1")
    good.remove((obs, PROV.wasDerivedFrom, None))
    v = only(validate(good, BASE), obs, "prov:wasDerivedFrom")
    assert "source passage" in v.message


def test_observation_derived_from_a_non_passage(good: Graph) -> None:
    obs = iri("observation/r/o1")
    good.set((obs, PROV.wasDerivedFrom, iri("document/r")))
    v = only(validate(good, BASE), obs, "prov:wasDerivedFrom")
    assert v.value == "id:document/r"


def test_observation_value_must_be_decimal(good: Graph) -> None:
    obs = iri("observation/r/o1")
    good.set((obs, SDMX_MEASURE.obsValue, Literal("3 million")))
    only(validate(good, BASE), obs, "sdmx-measure:obsValue")


def test_observation_without_time_reference(good: Graph) -> None:
    obs = iri("observation/r/o1")
    good.remove((obs, ont("year"), None))
    result = validate(good, BASE)
    v = only(result, obs, None)
    assert "ont:year or sdmx-dimension:refPeriod" in v.message
    assert v.value is None  # the focus node is not repeated as the offending value
    good.add((obs, SDMX_DIMENSION.refPeriod, URIRef("http://reference.data.gov.uk/id/year/2021")))
    assert validate(good, BASE).conforms


def test_objective_notation_24(good: Graph) -> None:
    objective = iri("gcm/objective/1")
    good.set((objective, SKOS.notation, Literal("24")))
    v = only(validate(good, BASE), objective, "skos:notation")
    assert "1..23" in v.message


def test_passage_without_text(good: Graph) -> None:
    passage = iri("document/r/passage/para-1")
    good.remove((passage, RDF.value, None))
    v = only(validate(good, BASE), passage, "rdf:value")
    assert "verbatim text" in v.message


def test_passage_with_blank_text(good: Graph) -> None:
    passage = iri("document/r/passage/para-1")
    good.set((passage, RDF.value, Literal("  ")))
    only(validate(good, BASE), passage, "rdf:value")


def test_mention_without_body(good: Graph) -> None:
    mention = iri("mention/r/m1")
    good.remove((mention, URIRef("http://www.w3.org/ns/oa#hasBody"), None))
    only(validate(good, BASE), mention, "oa:hasBody")


def test_statement_without_object(good: Graph) -> None:
    st = iri("statement/r/s1")
    good.remove((st, RDF.object, None))
    only(validate(good, BASE), st, "rdf:object")


def test_unknown_organization_type(good: Graph) -> None:
    iom = iri("organization/iom")
    good.set((iom, ont("organizationType"), Literal("agency")))
    only(validate(good, BASE), iom, "ont:organizationType")


def test_text_lists_focus_path_and_message_with_a_limit(good: Graph) -> None:
    for key in ("unit/persons", "measure/people-tracked", "document/r/section/s1"):
        good.remove((iri(key), RDFS.label, None))
    result = validate(good, BASE)
    assert len(result.violations) == 3
    text = result.text(limit=2)
    lines = text.splitlines()
    assert lines[0] == "does not conform: 3 SHACL result(s)"
    assert lines[1].startswith(f"focus <{iri('document/r/section/s1')}> path rdfs:label: ")
    assert lines[-1] == "... and 1 more"
    assert len(result.report) > 0


def test_base_with_a_path() -> None:
    base = "https://example.org/kg/"
    g = Graph().parse(data=GOOD_TTL, format="turtle", publicID=base)
    assert validate(g, base).conforms
    g.remove((iri("observation/r/o1", base), RDFS.label, None))
    result = validate(g, base)
    assert [v.focus for v in result.violations] == [str(iri("observation/r/o1", base))]
