"""IRIs of the graph.

All IRIs minted by the build live under one *base IRI* (configurable, see
``graph.config``) so that every entity dereferences on the server that serves it:

    {base}ontology#Country            project vocabulary (served at {base}ontology)
    {base}id/country/AFG              entities  (Entity.key after "id/")
    {base}id/document/<doc>           source documents
    {base}id/document/<doc>/passage/<passage-id>
    {base}id/observation/<doc>/<hash>
    {base}graph/<doc>                 named graph holding one document's triples
    {base}graph/reference             named graph of reference data (countries, GCM)
    {base}graph/ontology              named graph of the ontology

The ontology and shapes files under ``ontology/`` use IRIs relative to the base
(``@prefix ont: <ontology#>``) and are parsed with ``publicID=base``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

DEFAULT_BASE = "http://127.0.0.1:8000/"

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
OA = Namespace("http://www.w3.org/ns/oa#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
UNSDG_TARGET_10_7 = "http://metadata.un.org/sdg/10.7"

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "qb": str(QB),
    "sdmx-dimension": str(SDMX_DIMENSION),
    "sdmx-measure": str(SDMX_MEASURE),
    "sdmx-attribute": str(SDMX_ATTRIBUTE),
    "oa": str(OA),
    "foaf": str(FOAF),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sh": str(SH),
    "sd": str(SD),
}


def normalise_base(base: str) -> str:
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"base IRI must be an http(s) IRI, got {base!r}")
    return base if base.endswith("/") else base + "/"


@dataclass(frozen=True)
class Vocab:
    """Namespaces that depend on the base IRI."""

    base: str

    @property
    def ont(self) -> Namespace:
        return Namespace(self.base + "ontology#")

    @property
    def ontology_iri(self) -> str:
        return self.base + "ontology"

    @property
    def id(self) -> Namespace:
        return Namespace(self.base + "id/")

    def entity(self, key: str) -> str:
        return self.base + "id/" + key

    def graph(self, name: str) -> str:
        return self.base + "graph/" + name

    def prefixes(self) -> dict[str, str]:
        return {**STANDARD_PREFIXES, "ont": str(self.ont), "id": str(self.id)}

    def sparql_prolog(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes().items())


def vocab(base: str = DEFAULT_BASE) -> Vocab:
    return Vocab(normalise_base(base))


def base_of_classes(class_iris: list[str], base: str) -> str | None:
    """The base IRI a loaded graph was built with, when it is not ``base``: the browse UI
    finds resources by the classes of ``{base}ontology#``, so a graph built elsewhere
    shows nothing under another base.  None when ``base`` fits, or nothing points to
    another; else the base under which most of the graph's classes are ``…/ontology#``
    terms."""
    ontology = vocab(base).ont
    if any(iri.startswith(str(ontology)) for iri in class_iris):
        return None
    candidates: dict[str, int] = {}
    for iri in class_iris:
        head, hash_mark, local = iri.partition("ontology#")
        if hash_mark and head.endswith("/") and head.startswith(("http://", "https://")) and local:
            candidates[head] = candidates.get(head, 0) + 1
    if not candidates:
        return None
    return max(sorted(candidates), key=lambda head: candidates[head])
