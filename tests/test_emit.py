"""The emit stage on a small hand-made extraction: every fact has its provenance, table rows
per country give the observation's area, no blank nodes, and the output is deterministic."""

from __future__ import annotations

from decimal import Decimal

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS
from test_recognise import make_document

from graph.emit import emit
from graph.model import Entity, Extraction, Mention, Quantity, Relation, TableCell
from graph.namespaces import QB, SDMX_DIMENSION, SDMX_MEASURE, vocab

V = vocab("http://example.org/kg/")
TEXT = "IOM reached over 3.2 million people in Afghanistan through the DTM."


def extraction() -> Extraction:
    doc = make_document(TEXT, doc_id="report")
    passage = doc.passages[0].id
    dtm = Entity("programme/dtm", "programme", "Displacement Tracking Matrix", ("DTM",), "tool")
    return Extraction(
        document=doc,
        entities={dtm.key: dtm},
        mentions=[
            Mention(passage, 39, 50, "Afghanistan", "country", "country/AFG"),
            Mention(passage, 63, 66, "DTM", "programme", "programme/dtm"),
        ],
        relations=[Relation("programme/dtm", "implementedIn", "country/AFG", passage)],
        quantities=[
            Quantity(
                passage,
                12,
                35,
                "over 3.2 million people",
                Decimal(3200000),
                qualifier="over",
                unit="person",
                measure="people reached",
                area_key="country/AFG",
                programme_key="programme/dtm",
            )
        ],
        cells=[
            TableCell(
                "t1",
                passage,
                Decimal(1240),
                "count",
                "number of staff",
                (("country", "country/UKR"), ("year", "2022")),
            )
        ],
    )


def test_observations_mentions_and_relations_point_to_their_passage() -> None:
    g = emit(extraction(), V, "organization/iom")
    passage = URIRef(V.entity("document/report/passage/p1"))
    assert (passage, RDF.value, Literal(TEXT)) in g
    observations = set(g.subjects(RDF.type, QB.Observation))
    assert len(observations) == 2
    for obs in observations:
        assert (obs, PROV.wasDerivedFrom, passage) in g
    for mention in g.subjects(RDF.type, V.ont.Mention):
        assert (mention, PROV.wasDerivedFrom, passage) in g
    people = next(o for o in observations if (o, V.ont.qualifier, Literal("over")) in g)
    assert g.value(people, SDMX_MEASURE.obsValue).toPython() == Decimal(3200000)
    assert g.value(people, SDMX_DIMENSION.refArea) == URIRef(V.entity("country/AFG"))
    assert (
        URIRef(V.entity("programme/dtm")),
        V.ont.implementedIn,
        URIRef(V.entity("country/AFG")),
    ) in g


def test_a_table_row_per_country_is_the_cells_area() -> None:
    g = emit(extraction(), V, None)
    cell = next(
        o for o in g.subjects(RDF.type, QB.Observation) if "/t1/" in str(o)
    )  # table cells live under observation/<doc>/<table>/
    assert g.value(cell, SDMX_DIMENSION.refArea) == URIRef(V.entity("country/UKR"))
    assert g.value(cell, V.ont.year).toPython() == 2022


def test_no_blank_nodes_one_label_and_deterministic() -> None:
    first, second = emit(extraction(), V, None), emit(extraction(), V, None)
    assert set(first) == set(second)
    assert not any(isinstance(term, BNode) for triple in first for term in triple)
    dtm = URIRef(V.entity("programme/dtm"))
    assert list(first.objects(dtm, RDFS.label)) == [Literal("Displacement Tracking Matrix")]


def test_a_table_cell_quotes_its_row_when_the_span_is_known() -> None:
    from dataclasses import replace

    x = extraction()
    (cell,) = x.cells
    x.cells[0] = replace(cell, start=0, end=3)  # "IOM" stands in for the cell's text
    g = emit(x, V, None)
    obs = next(o for o in g.subjects(RDF.type, QB.Observation) if "/t1/" in str(o))
    assert g.value(obs, V.ont.quote) == Literal("IOM")
    assert g.value(obs, V.ont.startOffset).toPython() == 0
