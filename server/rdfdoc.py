"""RDF documents: serialisation formats, content negotiation, compact JSON-LD, and a small
in-memory store so that generated graphs (VoID, ontology) can reuse ``server.describe``.

Public API: ``RDF_FORMATS``, ``negotiate(accept)``, ``serialize(triples, ext, prefixes)``,
``compact_jsonld(triples, prefixes)``, ``document_triples(...)``, ``MemoryStore``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID
from werkzeug.datastructures import MIMEAccept

from server.describe import curie


@dataclass(frozen=True)
class RdfFormat:
    ext: str
    media_type: str
    ox_format: ox.RdfFormat | None  # None: JSON-LD, compacted here


RDF_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat("ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": RdfFormat("jsonld", "application/ld+json", None),
    "nt": RdfFormat("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": RdfFormat("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
}

# Media types we answer, in server preference order (werkzeug breaks quality ties by this
# order, so `*/*` - curl, browsers' fallbacks - gets HTML).  Aliases map legacy or generic
# types onto our formats: rdflib asks `text/plain` for N-Triples and `text/n3` for N3, of
# which Turtle is a subset.
OFFERS: tuple[tuple[str, str], ...] = (
    ("text/html", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("application/xhtml+xml", "html"),
    ("application/x-turtle", "ttl"),
    ("text/n3", "ttl"),
    ("application/json", "jsonld"),
    ("application/xml", "rdf"),
    ("text/xml", "rdf"),
    ("text/plain", "nt"),
)


def negotiate(accept: MIMEAccept, *, html: bool = True) -> str | None:
    """The format key (html, ttl, jsonld, nt, rdf) best matching ``Accept``; None: 406."""
    offers = [(m, k) for m, k in OFFERS if html or k != "html"]
    if not accept:  # no Accept header at all: the first offer
        return offers[0][1]
    best = accept.best_match([m for m, _ in offers])
    return dict(offers)[best] if best else None


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes some IRI of ``triples`` falls under (keeps Turtle headers short).

    Namespaces whose terms contain "/" (``id:`` -> ``id:country\\/AFG``) are left out:
    the escaped prefixed names are valid Turtle but harder to read than full IRIs."""
    prefixes = {p: ns for p, ns in prefixes.items() if p != "id"}
    iris: set[str] = set()
    for t in triples:
        for node in (t.subject, t.predicate, t.object):
            if isinstance(node, ox.NamedNode):
                iris.add(node.value)
            elif isinstance(node, ox.Literal):
                iris.add(node.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def compact_jsonld(triples: list[ox.Triple], prefixes: dict[str, str]) -> dict:
    """JSON-LD with an @context of prefixes: keys and types as compact IRIs.

    pyoxigraph writes expanded JSON-LD; compacting property names against prefix
    definitions is lossless (JSON-LD 1.1 expands ``prefix:local`` with the context) and
    makes the document readable.  ``@id`` values stay absolute IRIs.
    """
    context = used_prefixes(triples, prefixes)
    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]")
    if isinstance(expanded, dict):
        expanded = expanded.get("@graph", [expanded])

    def short(iri: str) -> str:
        return curie(iri, context) or iri

    def value(v: dict) -> dict:
        if "@type" in v:
            return {**v, "@type": short(v["@type"])}
        return v

    nodes = []
    for node in expanded:
        out: dict = {}
        for key, vals in node.items():
            if key == str(RDF.type):
                out["@type"] = [short(v["@id"]) for v in vals]
            elif key.startswith("@"):
                out[key] = vals
            else:
                out[short(key)] = [value(v) for v in vals]
        nodes.append(out)
    return {"@context": context, "@graph": nodes}


def serialize(triples: list[ox.Triple], ext: str, prefixes: dict[str, str]) -> bytes:
    fmt = RDF_FORMATS[ext]
    if fmt.ox_format is None:
        return json.dumps(compact_jsonld(triples, prefixes), indent=1, ensure_ascii=False).encode()
    kwargs = {}
    if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = used_prefixes(triples, prefixes)
    return ox.serialize(triples, format=fmt.ox_format, **kwargs) or b""


def document_triples(
    document: str, topic: str, generic: str, dataset: str, media_type: str
) -> list[ox.Triple]:
    """The served document describes itself: what it is about, which format of which
    description it is, and which dataset it belongs to."""
    n = ox.NamedNode
    return [
        ox.Triple(n(document), n(str(RDF.type)), n(str(FOAF.Document))),
        ox.Triple(n(document), n(str(FOAF.primaryTopic)), n(topic)),
        ox.Triple(n(document), n(str(DCTERMS.isFormatOf)), n(generic)),
        ox.Triple(n(document), n(str(DCTERMS["format"])), ox.Literal(media_type)),
        ox.Triple(n(document), n(str(VOID.inDataset)), n(dataset)),
        ox.Triple(n(generic), n(str(FOAF.primaryTopic)), n(topic)),
    ]


class MemoryStore:
    """An in-memory graph with the ``select`` API of ``graph.store.EmbeddedStore``."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._store = ox.Store()
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

    def select(self, sparql: str, **_) -> list[dict]:
        result = self._store.query(sparql)
        names = [v.value for v in result.variables]
        return [
            {name: solution[name] for name in names if solution[name] is not None}
            for solution in result
        ]
