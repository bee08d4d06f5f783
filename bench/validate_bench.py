"""Time SHACL validation on a synthetic graph shaped like a real build.

    .venv/bin/python bench/validate_bench.py [observations] [--compare]

The graph has the reference data plus one document with passages, mentions and
observations in the proportions of the seed reports (about 60k triples for 3000
observations).  ``--compare`` also times pyshacl option variants.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyshacl import validate as pyshacl_validate  # noqa: E402
from rdflib import Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD  # noqa: E402

from graph.namespaces import OA, QB, SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE, vocab  # noqa: E402
from graph.reference import countries, reference_graph, shapes_graph  # noqa: E402
from graph.validate import validate  # noqa: E402

BASE = "http://127.0.0.1:8000/"


def synthetic_graph(n_observations: int = 3000, base: str = BASE) -> Graph:
    v = vocab(base)
    ont, e = v.ont, v.entity
    g = reference_graph(base)
    doc = URIRef(e("document/synthetic"))
    for t in (ont.SourceDocument, PROV.Entity):
        g.add((doc, RDF.type, t))
    g.add((doc, RDFS.label, Literal("Synthetic report")))
    g.add((doc, DCTERMS.title, Literal("Synthetic report")))
    g.add((doc, DCTERMS.publisher, URIRef(e("organization/iom"))))
    g.add((doc, ont.reportingYear, Literal(2021, datatype=XSD.integer)))
    dataset = URIRef(e("dataset/synthetic"))
    g.add((dataset, RDF.type, ont.Dataset))
    g.add((dataset, RDF.type, QB.DataSet))
    g.add((dataset, RDFS.label, Literal("Metrics")))
    g.add((dataset, QB.structure, ont.quantityStructure))
    unit, measure = URIRef(e("unit/persons")), URIRef(e("measure/people-reached"))
    for node, cls, label in ((unit, ont.Unit, "persons"), (measure, ont.Measure, "people reached")):
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(label)))
    n_passages = max(1, n_observations // 3)
    passages = []
    for i in range(n_passages):
        p = URIRef(e(f"document/synthetic/passage/para-{i}"))
        passages.append(p)
        g.add((p, RDF.type, ont.SourcePassage))
        g.add((p, RDF.type, PROV.Entity))
        g.add((p, RDFS.label, Literal(f"Synthetic report, paragraph {i}")))
        g.add((p, RDF.value, Literal(f"In 2021 IOM reached {i} people in many countries.")))
        g.add((p, DCTERMS.isPartOf, doc))
        g.add((p, ont.locator, Literal(f"paragraph {i}")))
        g.add((p, ont.passageKind, Literal("paragraph")))
        g.add((p, ont.order, Literal(i, datatype=XSD.integer)))
        g.add((p, ont.startOffset, Literal(i * 100, datatype=XSD.integer)))
        g.add((p, ont.endOffset, Literal(i * 100 + 99, datatype=XSD.integer)))
    country_iris = [URIRef(e(c.key)) for c in countries()]
    for i in range(n_passages):
        m = URIRef(e(f"mention/synthetic/{i}"))
        target, quote = URIRef(f"{m}#target"), URIRef(f"{m}#quote")
        g.add((m, RDF.type, ont.Mention))
        g.add((m, RDF.type, OA.Annotation))
        g.add((m, RDFS.label, Literal(f"mention {i}")))
        g.add((m, OA.hasBody, country_iris[i % len(country_iris)]))
        g.add((m, OA.hasTarget, target))
        g.add((m, PROV.wasDerivedFrom, passages[i]))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, passages[i]))
        g.add((target, OA.hasSelector, quote))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal("IOM")))
    for i in range(n_observations):
        o = URIRef(e(f"observation/synthetic/{i}"))
        g.add((o, RDF.type, ont.Observation))
        g.add((o, RDF.type, QB.Observation))
        g.add((o, RDFS.label, Literal(f"{i} people reached")))
        g.add((o, QB.dataSet, dataset))
        g.add((o, SDMX_MEASURE.obsValue, Literal(Decimal(i), datatype=XSD.decimal)))
        g.add((o, SDMX_ATTRIBUTE.unitMeasure, unit))
        g.add((o, ont.measure, measure))
        g.add((o, ont.year, Literal(2021, datatype=XSD.integer)))
        g.add((o, SDMX_DIMENSION.refPeriod, URIRef("http://reference.data.gov.uk/id/year/2021")))
        g.add((o, SDMX_DIMENSION.refArea, country_iris[i % len(country_iris)]))
        g.add((o, PROV.wasDerivedFrom, passages[i % n_passages]))
    return g


def timed(label: str, fn) -> float:
    t = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t
    print(f"{label:<48} {seconds:6.2f} s  -> {result}")
    return seconds


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 3000
    t = time.perf_counter()
    g = synthetic_graph(n)
    print(f"synthetic graph: {len(g)} triples, built in {time.perf_counter() - t:.2f} s")
    timed("graph.validate.validate", lambda: _summary(validate(g, BASE)))
    if "--compare" in sys.argv:
        shapes = shapes_graph(BASE)
        variants = {
            "pyshacl defaults (inference=None, no inplace)": {},
            "inference='rdfs'": {"inference": "rdfs"},
            "advanced=True": {"advanced": True, "inference": "none"},
            "meta_shacl=True": {"meta_shacl": True, "inference": "none"},
            "iterate_rules=True, advanced=True": {"iterate_rules": True, "advanced": True},
        }
        for label, options in variants.items():
            timed(label, lambda o=options: pyshacl_validate(g, shacl_graph=shapes, **o)[0])


def _summary(result) -> str:
    return f"conforms={result.conforms} results={len(result.violations)}"


if __name__ == "__main__":
    main()
