"""The project ontology as served at ``{base}ontology``: its triples and its HTML documentation.

pyLODE 3.4.1 was tried first: installed from its wheel it cannot even be imported
(``pylode/version.py`` reads a ``pyproject.toml`` that the wheel does not ship), so the
documentation page is rendered from the graph here.  Anchors are the terms' local names,
so ``{base}ontology#Country`` lands on the Country section of the page.

Public API: ``ontology_triples(store, base)``, ``ontology_doc(store, base) -> OntologyDoc``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph.config import ONTOLOGY_DIR
from graph.namespaces import vocab
from server.describe import (
    DESCRIPTION_PROPERTIES,
    LABEL_PROPERTIES,
    Value,
    iri_ref,
    label_map,
    local_name,
)

PROPERTY_KINDS = {
    str(OWL.ObjectProperty): "object property",
    str(OWL.DatatypeProperty): "datatype property",
    str(OWL.AnnotationProperty): "annotation property",
    str(RDF.Property): "property",
}


def _from_files(base: str) -> list[ox.Triple]:
    """The ontology files parsed against ``base`` (when the store has no ontology graph)."""
    try:
        from graph.reference import ontology_graph  # the build's own loader, when present

        g = ontology_graph(base)
    except ImportError:
        g = Graph()
        path = ONTOLOGY_DIR / "migkg.ttl"
        if path.is_file():
            g.parse(path, format="turtle", publicID=base)
    data = g.serialize(format="nt", encoding="utf-8")
    quads = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def ontology_triples(store, base: str) -> list[ox.Triple]:
    graph = vocab(base).graph("ontology")
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri_ref(graph)} {{ ?s ?p ?o }} }}")
    if rows:
        return [ox.Triple(r["s"], r["p"], r["o"]) for r in rows]
    return _from_files(base)


@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    comment: str | None
    kind: str
    parents: list[Value] = field(default_factory=list)
    children: list[Value] = field(default_factory=list)
    domain: list[Value] = field(default_factory=list)
    range: list[Value] = field(default_factory=list)
    # classes: properties whose domain / range they are
    outgoing: list[Value] = field(default_factory=list)
    incoming: list[Value] = field(default_factory=list)
    other: list[tuple[Value, Value]] = field(default_factory=list)
    usage: int = 0  # instances (classes) or triples (properties) in the current graph


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: str | None
    metadata: list[tuple[Value, Value]]
    classes: list[Term]
    properties: list[Term]
    namespaces: list[tuple[str, str]]


def ontology_doc(store, base: str) -> OntologyDoc:
    v = vocab(base)
    triples = ontology_triples(store, base)
    index: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            index[t.subject.value][t.predicate.value].append(t.object)
    ns = str(v.ont)
    terms = [s for s in index if s.startswith(ns)]
    mentioned = {
        o.value
        for props in index.values()
        for os in props.values()
        for o in os
        if isinstance(o, ox.NamedNode)
    }
    labels = label_map(store, mentioned | set(index))
    for s, props in index.items():  # labels from the ontology itself win
        for p in LABEL_PROPERTIES:
            if props.get(p):
                labels[s] = props[p][0].value
                break

    def val(term) -> Value:
        return Value(term, labels.get(term.value) if isinstance(term, ox.NamedNode) else None)

    def first(props, candidates) -> str | None:
        for p in candidates:
            if props.get(p):
                return props[p][0].value
        return None

    usage_classes = {
        r["c"].value: int(r["n"].value)
        for r in store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    }
    usage_props = {
        r["p"].value: int(r["n"].value)
        for r in store.select(
            f'SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?p), "{ns}")) }} GROUP BY ?p'
        )
    }
    shown = (
        set(LABEL_PROPERTIES)
        | set(DESCRIPTION_PROPERTIES)
        | {
            str(RDF.type),
            str(RDFS.subClassOf),
            str(RDFS.subPropertyOf),
            str(RDFS.domain),
            str(RDFS.range),
            str(RDFS.isDefinedBy),
        }
    )
    classes: list[Term] = []
    properties: list[Term] = []
    by_iri: dict[str, Term] = {}
    for s in sorted(terms):
        props = index[s]
        types = {o.value for o in props.get(str(RDF.type), [])}
        is_class = bool(types & {str(OWL.Class), str(RDFS.Class)})
        kind = (
            "class"
            if is_class
            else next((PROPERTY_KINDS[t] for t in types if t in PROPERTY_KINDS), "")
        )
        if not kind:
            kind = ", ".join(labels.get(t, local_name(t)) for t in sorted(types)) or "term"
        term = Term(
            iri=s,
            anchor=s[len(ns) :],
            label=labels.get(s, local_name(s)),
            comment=first(props, DESCRIPTION_PROPERTIES),
            kind=kind,
            parents=[
                val(o)
                for o in props.get(str(RDFS.subClassOf if is_class else RDFS.subPropertyOf), [])
            ],
            domain=[val(o) for o in props.get(str(RDFS.domain), [])],
            range=[val(o) for o in props.get(str(RDFS.range), [])],
            other=[
                (val(ox.NamedNode(p)), val(o))
                for p, os in sorted(props.items())
                if p not in shown
                for o in os
            ],
            usage=usage_classes.get(s, 0) if is_class else usage_props.get(s, 0),
        )
        by_iri[s] = term
        (classes if is_class else properties).append(term)
    for term in [*classes, *properties]:
        for parent in term.parents:
            if parent.value in by_iri:
                by_iri[parent.value].children.append(val(ox.NamedNode(term.iri)))
    for prop in properties:
        for d in prop.domain:
            if d.value in by_iri:
                by_iri[d.value].outgoing.append(val(ox.NamedNode(prop.iri)))
        for r in prop.range:
            if r.value in by_iri:
                by_iri[r.value].incoming.append(val(ox.NamedNode(prop.iri)))
    head = index.get(v.ontology_iri, {})
    metadata = [
        (val(ox.NamedNode(p)), val(o))
        for p, os in sorted(head.items())
        if p not in (str(RDF.type), str(DCTERMS.description), str(RDFS.label), str(DCTERMS.title))
        for o in os
    ]
    return OntologyDoc(
        iri=v.ontology_iri,
        title=first(head, (str(DCTERMS.title), str(RDFS.label), str(SKOS.prefLabel))) or "Ontology",
        description=first(head, DESCRIPTION_PROPERTIES),
        metadata=metadata,
        classes=sorted(classes, key=lambda t: t.label.lower()),
        properties=sorted(properties, key=lambda t: t.label.lower()),
        namespaces=sorted(v.prefixes().items()),
    )
