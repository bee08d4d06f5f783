"""The VoID + DCAT description of the dataset served at ``/.well-known/void``.

Counts are computed from the store (once per build, cached by the caller), so they always
match what the SPARQL endpoint and the dumps hold.

Public API: ``dataset_iri(base)``, ``void_triples(store, base, dumps) -> list[Triple]``.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from graph.namespaces import SD, vocab
from server.describe import curie, iri_ref, label_map
from server.dumps import Dump

TITLE = "migration-kg: knowledge graph of IOM migration reports"
DESCRIPTION = (
    "Countries, organizations, programmes, Global Compact for Migration objectives and "
    "statistical observations extracted from reports of the International Organization for "
    "Migration (IOM), each fact linked to the source passage it was read from."
)
# The graph is derived data; the source reports stay under their publisher's terms (see
# dct:rights).  Overridable per build with "license" in build.json.
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
RIGHTS = "Derived from IOM publications; the source reports remain subject to IOM's terms of use."
TOP_PROPERTIES = 30
SPARQL_PATH = "sparql"
# One example resource of each of these classes (local names in the project ontology).
EXAMPLE_CLASSES = ("Country", "Organization", "Programme", "GCMObjective", "SourceDocument")


def dataset_iri(base: str) -> str:
    return base + ".well-known/void#dataset"


def _count(store, sparql: str) -> int:
    rows = store.select(sparql)
    return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0


def _namespace(iri: str) -> str:
    match = re.match(r"(.*[#/])[^#/]*$", iri)
    return match.group(1) if match else iri


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def void_triples(store, base: str, dumps: list[Dump]) -> list[ox.Triple]:
    v = vocab(base)
    prefixes = v.prefixes()
    n, lit = ox.NamedNode, ox.Literal
    ds = n(dataset_iri(base))
    doc = n(base + ".well-known/void")
    out: list[ox.Triple] = []

    def add(s, p, o) -> None:
        out.append(ox.Triple(s, n(str(p)), o))

    def integer(value: int) -> ox.Literal:
        return lit(str(value), datatype=n(str(XSD.integer)))

    info = store.info if hasattr(store, "info") else {}
    add(doc, RDF.type, n(str(VOID.DatasetDescription)))
    add(doc, FOAF.primaryTopic, ds)
    add(doc, DCTERMS.title, lit(f"Description of {TITLE}", language="en"))
    for t in (VOID.Dataset, DCAT.Dataset):
        add(ds, RDF.type, n(str(t)))
    add(ds, DCTERMS.title, lit(TITLE, language="en"))
    add(ds, RDFS.label, lit(TITLE, language="en"))
    add(ds, DCTERMS.description, lit(DESCRIPTION, language="en"))
    add(ds, DCTERMS.license, n(str(info.get("license") or DEFAULT_LICENSE)))
    add(ds, DCTERMS.rights, lit(RIGHTS, language="en"))
    add(ds, DCTERMS.identifier, lit(store.build_id))
    add(ds, VOID.sparqlEndpoint, n(base + SPARQL_PATH))
    add(ds, VOID.uriSpace, lit(str(v.id)))
    if store.select(f"SELECT ?p WHERE {{ {iri_ref(v.entity('gcm'))} ?p ?o }} LIMIT 1"):
        add(ds, VOID.rootResource, n(v.entity("gcm")))  # the GCM concept scheme
    add(ds, VOID.feature, n("http://www.w3.org/ns/formats/Turtle"))
    add(ds, VOID.feature, n("http://www.w3.org/ns/formats/N-Triples"))
    add(ds, VOID.feature, n("http://www.w3.org/ns/formats/RDF_XML"))
    add(ds, VOID.feature, n("http://www.w3.org/ns/formats/JSON-LD"))
    add(ds, VOID.uriLookupEndpoint, n(base + "lookup?uri="))
    add(ds, DCAT.landingPage, n(base))
    add(ds, DCTERMS.conformsTo, n(v.ontology_iri))

    publisher = store.select(
        f"SELECT ?p WHERE {{ ?d a {iri_ref(str(v.ont.SourceDocument))} ; "
        f"<{DCTERMS.publisher}> ?p FILTER(isIRI(?p)) }} ORDER BY ?p LIMIT 1"
    )
    if publisher:
        add(ds, DCTERMS.publisher, publisher[0]["p"])
    for row in store.select(
        f"SELECT DISTINCT ?d WHERE {{ ?d a {iri_ref(str(v.ont.SourceDocument))} }} ORDER BY ?d"
    ):
        add(ds, DCTERMS.source, row["d"])
        add(row["d"], RDF.type, n(str(FOAF.Document)))

    triples = _count(
        store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    )
    add(ds, VOID.triples, integer(triples))
    add(
        ds,
        VOID.entities,
        integer(
            _count(
                store,
                f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{v.id}")) }}',
            )
        ),
    )
    add(
        ds,
        VOID.distinctSubjects,
        integer(_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")),
    )
    add(
        ds,
        VOID.distinctObjects,
        integer(_count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")),
    )

    classes = store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    properties = store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
        "GROUP BY ?p ORDER BY DESC(?n) ?p"
    )
    add(ds, VOID.classes, integer(len(classes)))
    add(ds, VOID.properties, integer(len(properties)))
    labels = label_map(store, [r["c"].value for r in classes] + [r["p"].value for r in properties])
    for row in classes:
        c, count = row["c"].value, int(row["n"].value)
        name = curie(c, prefixes) or c
        part = n(f"{base}.well-known/void#class-{_slug(name)}")
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], n(c))
        add(part, VOID.entities, integer(count))
        add(part, RDFS.label, lit(f"{name}: {count} instances"))
        if c in labels:
            add(n(c), RDFS.label, lit(labels[c]))
    for row in properties[:TOP_PROPERTIES]:
        p, count = row["p"].value, int(row["n"].value)
        name = curie(p, prefixes) or p
        part = n(f"{base}.well-known/void#property-{_slug(name)}")
        add(ds, VOID.propertyPartition, part)
        add(part, VOID.property, n(p))
        add(part, VOID.triples, integer(count))
        add(part, RDFS.label, lit(f"{name}: {count} triples"))
        if p in labels:
            add(n(p), RDFS.label, lit(labels[p]))

    used = {_namespace(r["c"].value) for r in classes} | {
        _namespace(r["p"].value) for r in properties
    }
    known = set(prefixes.values())
    for ns in sorted(used & known):
        add(ds, VOID.vocabulary, n(ns))

    for local in EXAMPLE_CLASSES:
        rows = store.select(
            f"SELECT ?s WHERE {{ ?s a {iri_ref(str(v.ont[local]))} }} ORDER BY ?s LIMIT 1"
        )
        if rows:
            add(ds, VOID.exampleResource, rows[0]["s"])

    graphs = store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    for row in graphs:
        out.extend(_graph_description(row["g"].value, int(row["n"].value), base))

    for dump in dumps:
        dist = n(base + "dumps/" + dump.filename)
        add(ds, VOID.dataDump, dist)
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, n(str(DCAT.Distribution)))
        add(dist, DCTERMS.title, lit(dump.title, language="en"))
        add(dist, DCAT.downloadURL, dist)
        add(dist, DCAT.accessURL, n(base + "dumps/"))
        add(
            dist,
            DCAT.mediaType,
            n("https://www.iana.org/assignments/media-types/" + dump.media_type),
        )
        if dump.gzipped:
            add(
                dist,
                DCAT.compressFormat,
                n("https://www.iana.org/assignments/media-types/application/gzip"),
            )
        add(dist, DCAT.byteSize, lit(str(dump.byte_size), datatype=n(str(XSD.nonNegativeInteger))))
        add(dist, VOID.triples, integer(dump.triples))
    # Labels of the resources the description links to, so its HTML view and RDF
    # documents read well on their own.
    linked = {t.object.value for t in out if isinstance(t.object, ox.NamedNode)} | {
        t.subject.value for t in out
    }
    for iri, text in sorted(
        label_map(store, [i for i in linked if i.startswith(base + "id/")]).items()
    ):
        add(n(iri), RDFS.label, lit(text))
    return out


def _graph_description(graph_iri: str, size: int, base: str) -> list[ox.Triple]:
    """A named graph as a VoID subset of the dataset (the same in the VoID and on its page)."""
    n, lit = ox.NamedNode, ox.Literal
    g = n(graph_iri)
    name = graph_iri.removeprefix(base + "graph/") if graph_iri.startswith(base) else graph_iri
    return [
        ox.Triple(n(dataset_iri(base)), n(str(VOID.subset)), g),
        ox.Triple(g, n(str(RDF.type)), n(str(VOID.Dataset))),
        ox.Triple(g, n(str(RDF.type)), n(str(SD.Graph))),
        ox.Triple(g, n(str(RDFS.label)), lit(f"named graph {name}")),
        ox.Triple(g, n(str(VOID.triples)), lit(str(size), datatype=n(str(XSD.integer)))),
        ox.Triple(g, n(str(VOID.sparqlEndpoint)), n(base + SPARQL_PATH)),
    ]


def graph_triples(store, base: str, graph_iri: str) -> list[ox.Triple]:
    """A named graph's description, or [] when the store has no such (non-empty) graph.

    Named graphs are information resources (the triples read from one document, or the
    reference data), so their IRIs are served directly (200) with this description; the
    triples themselves are one SPARQL query away (``void:sparqlEndpoint``)."""
    ref = iri_ref(graph_iri)
    size = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} }}")
    if not size:
        return []
    out = _graph_description(graph_iri, size, base)
    document = base + "id/document/" + graph_iri[len(base) + len("graph/") :]
    if store.select(f"SELECT ?p WHERE {{ {iri_ref(document)} ?p ?o }} LIMIT 1"):
        out.append(
            ox.Triple(
                ox.NamedNode(graph_iri), ox.NamedNode(str(DCTERMS.source)), ox.NamedNode(document)
            )
        )
    return out
