"""The emit stage: one document's extraction -> RDF with provenance.

Every mention, observation and relation points to its passage with ``prov:wasDerivedFrom``;
passages carry their verbatim text, document, locator and offsets.  IRIs are derived only
from the input (document id, passage id, offsets, values), never from counters or time, and no
blank nodes are produced, so two builds of the same input yield identical triples.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from graph.model import Document, Entity, Extraction, Mention, Quantity, Relation, TableCell
from graph.namespaces import (
    DCAT,
    OA,
    ORG,
    QB,
    SCHEMA,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    SDMX_MEASURE,
    Vocab,
)
from graph.reference import PROGRAMME_CLASSES, WORLD_KEY

YEAR_IRI = "http://reference.data.gov.uk/id/year/{}"
SDMX_SEX = "http://purl.org/linked-data/sdmx/2009/code#sex-{}"
QUOTE_CONTEXT = 32  # characters of oa:prefix / oa:suffix around a quoted mention

# Entity kinds whose canonical description lives in the reference graph.
REFERENCE_KINDS = {"country", "objective", "cluster"}

RELATION_PREDICATES = {
    "coLeads": "ont",
    "partnerOf": "ont",
    "fundedBy": "ont",
    "memberOf": "org",
    "chairs": "ont",
    "coordinates": "ont",
    "implementedIn": "ont",
    "implementedBy": "ont",
    "contributesTo": "ont",
}

# Readable verb phrases for statement labels ("IOM co-leads Global CCCM Cluster").
RELATION_PHRASES = {
    "coLeads": "co-leads",
    "partnerOf": "is a partner of",
    "fundedBy": "is funded by",
    "memberOf": "is a member of",
    "chairs": "chairs",
    "coordinates": "coordinates",
    "implementedIn": "is implemented in",
    "implementedBy": "is implemented by",
    "contributesTo": "contributes to",
}

# Table dimensions with a standard or project property (others fall back to ont:category).
DIMENSION_PROPERTIES = {
    "year": "ont:year",
    "sex": "sdmx-dimension:sex",
    "grade": "ont:grade",
    "nationality": "ont:nationality",
    "category": "ont:staffCategory",
    "membership": "ont:membership",
}


def slug(text: str, max_length: int = 80) -> str:
    """A readable, stable IRI segment: ascii, lowercase, hyphen-separated."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:max_length].rstrip("-") or "x"


def short_hash(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:12]


class Emitter:
    """Writes the triples of one document into a graph."""

    def __init__(self, extraction: Extraction, vocab: Vocab, publisher_key: str | None) -> None:
        self.x = extraction
        self.doc: Document = extraction.document
        self.v = vocab
        self.ont = vocab.ont
        self.g = Graph()
        self.publisher_key = publisher_key
        self.doc_iri = URIRef(vocab.entity(f"document/{self.doc.id}"))
        self._passages = {p.id: p for p in self.doc.passages}
        self._declared: set[URIRef] = set()

    # -- helpers -------------------------------------------------------------------------
    def iri(self, key: str) -> URIRef:
        return URIRef(self.v.entity(key))

    def passage_iri(self, passage_id: str) -> URIRef:
        return self.iri(f"document/{self.doc.id}/passage/{passage_id}")

    def add(self, s: URIRef, p: URIRef, o) -> None:
        self.g.add((s, p, o))

    def prop(self, curie: str) -> URIRef:
        prefix, local = curie.split(":", 1)
        namespaces = {
            "ont": self.ont,
            "org": ORG,
            "sdmx-dimension": SDMX_DIMENSION,
        }
        return URIRef(namespaces[prefix][local])

    # -- document structure -------------------------------------------------------------
    def emit_document(self) -> None:
        d, g, ont = self.doc, self.g, self.ont
        s = self.doc_iri
        for t in (ont.SourceDocument, SCHEMA.Report, FOAF.Document, PROV.Entity):
            g.add((s, RDF.type, t))
        g.add((s, RDFS.label, Literal(d.title)))
        g.add((s, DCTERMS.title, Literal(d.title)))
        g.add((s, DCTERMS.source, Literal(d.path.rsplit("/", 1)[-1])))
        g.add((s, DCTERMS.language, Literal("en")))
        g.add((s, ont.sha256, Literal(d.sha256)))
        if self.publisher_key:
            g.add((s, DCTERMS.publisher, self.iri(self.publisher_key)))
        else:
            g.add((s, DCTERMS.publisher, Literal(d.publisher)))
        if d.year:
            g.add((s, ont.reportingYear, Literal(d.year, datatype=XSD.integer)))
        g.add((s, ont.passageCount, Literal(len(d.passages), datatype=XSD.integer)))

        section_of: dict[str, str] = {}
        for order, sec in enumerate(d.sections):
            sec_iri = self.iri(f"document/{d.id}/section/{sec.id}")
            g.add((sec_iri, RDF.type, ont.Section))
            g.add((sec_iri, RDFS.label, Literal(sec.title)))
            g.add((sec_iri, DCTERMS.isPartOf, s))
            g.add((sec_iri, ont.order, Literal(order, datatype=XSD.integer)))
            g.add((sec_iri, ont.level, Literal(sec.level, datatype=XSD.integer)))
            if sec.parent_id:
                parent = self.iri(f"document/{d.id}/section/{sec.parent_id}")
                g.add((sec_iri, ont.parentSection, parent))
            for pid in sec.passage_ids:
                section_of[pid] = sec.id

        for order, p in enumerate(d.passages):
            pi = self.passage_iri(p.id)
            g.add((pi, RDF.type, ont.SourcePassage))
            g.add((pi, RDF.type, PROV.Entity))
            g.add((pi, RDFS.label, Literal(f"{d.title}, {p.locator}")))
            g.add((pi, RDF.value, Literal(p.text)))
            g.add((pi, DCTERMS.isPartOf, s))
            g.add((pi, ont.locator, Literal(p.locator)))
            g.add((pi, ont.passageKind, Literal(p.kind)))
            g.add((pi, ont.order, Literal(order, datatype=XSD.integer)))
            g.add((pi, ont.startOffset, Literal(p.start, datatype=XSD.integer)))
            g.add((pi, ont.endOffset, Literal(p.end, datatype=XSD.integer)))
            if p.number is not None:
                g.add((pi, ont.paragraphNumber, Literal(p.number, datatype=XSD.integer)))
            if p.section:
                g.add((pi, ont.sectionPath, Literal(" > ".join(p.section))))
            if p.id in section_of:
                sec_iri = self.iri(f"document/{d.id}/section/{section_of[p.id]}")
                g.add((pi, ont.inSection, sec_iri))

    # -- entities ------------------------------------------------------------------------
    def emit_entity(self, e: Entity) -> None:
        if e.kind in REFERENCE_KINDS:
            return
        g, ont = self.g, self.ont
        s = self.iri(e.key)
        if e.kind == "organization":
            types = [ont.Organization, ORG.Organization, SCHEMA.Organization]
        elif e.kind == "programme":
            types = [ont.Programme, SCHEMA.Project]
            sub = PROGRAMME_CLASSES.get(e.subkind or "")
            if sub and sub != "Programme":
                types.append(ont[sub])
        else:
            return
        for t in types:
            g.add((s, RDF.type, t))
        if not e.attrs or ("reference", "true") not in e.attrs:
            g.add((s, RDFS.label, Literal(e.label)))
            g.add((s, SKOS.prefLabel, Literal(e.label, lang="en")))
        acronyms = {value for name, value in e.attrs if name == "acronym"}
        for alt in e.alt_labels:
            if alt != e.label:
                # acronyms are language-neutral (as in the reference data); names are English
                literal = Literal(alt) if alt in acronyms else Literal(alt, lang="en")
                g.add((s, SKOS.altLabel, literal))
        if e.kind == "organization" and e.subkind:
            g.add((s, ont.organizationType, Literal(e.subkind)))
        if e.kind == "programme" and e.subkind:
            g.add((s, ont.programmeType, Literal(e.subkind)))
        for name, value in e.attrs:
            if name == "acronym":
                g.add((s, ont.acronym, Literal(value)))

    def emit_mention(self, m: Mention) -> None:
        if not m.entity_key or m.passage_id not in self._passages:
            return
        g, ont = self.g, self.ont
        passage = self._passages[m.passage_id]
        mi = self.iri(
            f"mention/{self.doc.id}/{short_hash(m.passage_id, m.start, m.end, m.entity_key)}"
        )
        target, quote, position = (
            URIRef(f"{mi}#{frag}") for frag in ("target", "quote", "position")
        )
        body = self.iri(m.entity_key)
        pi = self.passage_iri(m.passage_id)
        g.add((mi, RDF.type, ont.Mention))
        g.add((mi, RDF.type, OA.Annotation))
        g.add((mi, RDFS.label, Literal(f"“{m.surface}” in {passage.locator}")))
        g.add((mi, OA.motivatedBy, OA.identifying))
        g.add((mi, OA.hasBody, body))
        g.add((mi, OA.hasTarget, target))
        g.add((mi, PROV.wasDerivedFrom, pi))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, pi))
        g.add((target, OA.hasSelector, quote))
        g.add((target, OA.hasSelector, position))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(m.surface)))
        g.add((quote, OA.prefix, Literal(passage.text[max(0, m.start - QUOTE_CONTEXT) : m.start])))
        g.add((quote, OA.suffix, Literal(passage.text[m.end : m.end + QUOTE_CONTEXT])))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(m.start, datatype=XSD.nonNegativeInteger)))
        g.add((position, OA.end, Literal(m.end, datatype=XSD.nonNegativeInteger)))
        g.add((pi, SCHEMA.mentions, body))

    def emit_relation(self, r: Relation) -> None:
        if r.predicate not in RELATION_PREDICATES:
            raise ValueError(f"unknown relation predicate {r.predicate!r}")
        g, ont = self.g, self.ont
        ns = self.ont if RELATION_PREDICATES[r.predicate] == "ont" else ORG
        pred = URIRef(ns[r.predicate])
        s, o = self.iri(r.subject_key), self.iri(r.object_key)
        g.add((s, pred, o))
        st = self.iri(
            f"statement/{self.doc.id}/{short_hash(r.subject_key, r.predicate, r.object_key, r.passage_id)}"
        )
        g.add((st, RDF.type, ont.Statement))
        g.add((st, RDF.type, RDF.Statement))
        label = f"{self.label_of(r.subject_key)} {RELATION_PHRASES[r.predicate]} {self.label_of(r.object_key)}"
        g.add((st, RDFS.label, Literal(label)))
        g.add((st, RDF.subject, s))
        g.add((st, RDF.predicate, pred))
        g.add((st, RDF.object, o))
        g.add((st, PROV.wasDerivedFrom, self.passage_iri(r.passage_id)))
        if r.evidence:
            g.add((st, ont.evidence, Literal(r.evidence)))

    def label_of(self, key: str) -> str:
        entity = self.x.entities.get(key)
        if entity is not None:
            return entity.label
        objective = re.fullmatch(r"gcm/objective/(\d+)", key)
        return f"GCM objective {objective.group(1)}" if objective else key.rsplit("/", 1)[-1]

    # -- observations --------------------------------------------------------------------
    def concept(self, kind: str, label: str, cls: URIRef) -> URIRef:
        """A measure or unit concept, shared across documents by its slug."""
        iri = self.iri(f"{kind}/{slug(label)}")
        if iri not in self._declared:
            self._declared.add(iri)
            self.g.add((iri, RDF.type, cls))
            self.g.add((iri, RDF.type, SKOS.Concept))
            self.g.add((iri, RDFS.label, Literal(label)))
        return iri

    def dataset(self, key: str, label: str, dimensions: list[str]) -> URIRef:
        g, ont = self.g, self.ont
        ds = self.iri(key)
        if ds in self._declared:
            return ds
        self._declared.add(ds)
        dsd = URIRef(f"{ds}/structure")
        for t in (ont.Dataset, QB.DataSet, DCAT.Dataset):
            g.add((ds, RDF.type, t))
        g.add((ds, RDFS.label, Literal(label)))
        g.add((ds, DCTERMS.source, self.doc_iri))
        g.add((ds, QB.structure, dsd))
        g.add((dsd, RDF.type, QB.DataStructureDefinition))
        g.add((dsd, RDFS.label, Literal(f"Structure of {label}")))
        components = [("measure", QB.measure, SDMX_MEASURE.obsValue)]
        components.append(("unit", QB.attribute, SDMX_ATTRIBUTE.unitMeasure))
        components.append(("what", QB.dimension, ont.measure))
        for dim in dimensions:
            components.append((dim, QB.dimension, self.dimension_property(dim)))
        for order, (name, role, prop) in enumerate(components):
            comp = URIRef(f"{dsd}/component/{name}")
            g.add((dsd, QB.component, comp))
            g.add((comp, RDF.type, QB.ComponentSpecification))
            g.add((comp, role, prop))
            g.add((comp, QB.order, Literal(order + 1, datatype=XSD.integer)))
        return ds

    def dimension_property(self, name: str) -> URIRef:
        if name in ("area", "country"):
            return SDMX_DIMENSION.refArea
        if name == "period":
            return SDMX_DIMENSION.refPeriod
        return self.prop(DIMENSION_PROPERTIES.get(name, "ont:category"))

    def observation_core(
        self,
        obs: URIRef,
        dataset: URIRef,
        value: Decimal,
        unit: str,
        measure: str,
        passage_id: str,
    ) -> None:
        g, ont = self.g, self.ont
        g.add((obs, RDF.type, ont.Observation))
        g.add((obs, RDF.type, QB.Observation))
        g.add((obs, QB.dataSet, dataset))
        g.add((obs, SDMX_MEASURE.obsValue, Literal(value, datatype=XSD.decimal)))
        g.add((obs, SDMX_ATTRIBUTE.unitMeasure, self.concept("unit", unit, ont.Unit)))
        g.add((obs, ont.measure, self.concept("measure", measure or "unspecified", ont.Measure)))
        g.add((obs, PROV.wasDerivedFrom, self.passage_iri(passage_id)))

    def year(self, obs: URIRef, year: int) -> None:
        self.g.add((obs, self.ont.year, Literal(year, datatype=XSD.integer)))
        self.g.add((obs, SDMX_DIMENSION.refPeriod, URIRef(YEAR_IRI.format(year))))

    def emit_quantity(self, q: Quantity) -> None:
        g, ont = self.g, self.ont
        ds = self.dataset(
            f"dataset/{self.doc.id}", f"Metrics stated in {self.doc.title}", ["area", "period"]
        )
        obs = self.iri(
            f"observation/{self.doc.id}/{short_hash(q.passage_id, q.start, q.end, q.value)}"
        )
        self.observation_core(obs, ds, q.value, q.unit, q.measure, q.passage_id)
        label = f"{q.surface} ({q.measure})" if q.measure else q.surface
        g.add((obs, RDFS.label, Literal(label)))
        g.add((obs, ont.quote, Literal(q.surface)))
        g.add((obs, ont.startOffset, Literal(q.start, datatype=XSD.integer)))
        g.add((obs, ont.endOffset, Literal(q.end, datatype=XSD.integer)))
        if q.value_max is not None:
            g.add((obs, ont.valueMax, Literal(q.value_max, datatype=XSD.decimal)))
        if q.qualifier:
            g.add((obs, ont.qualifier, Literal(q.qualifier)))
        year = q.year or self.doc.year
        if year:
            self.year(obs, year)
        area = self.iri(q.area_key) if q.area_key else self.world()
        g.add((obs, SDMX_DIMENSION.refArea, area))
        if q.subject_key:
            g.add((obs, ont.subject, self.iri(q.subject_key)))
        if q.programme_key:
            g.add((obs, ont.programme, self.iri(q.programme_key)))

    def world(self) -> URIRef:
        return self.iri(WORLD_KEY)  # declared with the reference data

    def emit_cell(self, c: TableCell) -> None:
        g, ont = self.g, self.ont
        table = next((t for t in self.doc.tables if t.id == c.table_id), None)
        title = table.title if table else c.table_id
        dims = dict(c.dimensions)
        ds = self.dataset(f"dataset/{self.doc.id}/{c.table_id}", title, sorted(dims))
        if table is not None:
            g.add((ds, ont.locator, Literal(table.locator)))
        obs = self.iri(
            f"observation/{self.doc.id}/{c.table_id}/{short_hash(c.passage_id, sorted(c.dimensions), c.measure)}"
        )
        self.observation_core(obs, ds, c.value, c.unit, c.measure, c.passage_id)
        parts = [c.measure, *(v.split("/")[-1] for _, v in sorted(c.dimensions))]
        g.add((obs, RDFS.label, Literal(f"{' · '.join(parts)}: {c.value}")))
        for name, value in sorted(c.dimensions):
            if name == "year":
                self.year(obs, int(value))
            elif name == "sex":
                g.add((obs, SDMX_DIMENSION.sex, URIRef(SDMX_SEX.format(value))))
            elif name == "nationality":
                g.add((obs, ont.nationality, self.iri(value)))
            elif name == "country":  # a row per country: the area the figure is about
                g.add((obs, SDMX_DIMENSION.refArea, self.iri(value)))
            else:
                g.add((obs, self.dimension_property(name), Literal(value)))
        if "year" not in dims and self.doc.year:
            self.year(obs, self.doc.year)
        if c.start is not None and c.end is not None:
            # the cell as the row passage states it ("G-1 8"): provenance to the character
            text = self._passages[c.passage_id].text if c.passage_id in self._passages else ""
            if text[c.start : c.end]:
                g.add((obs, ont.quote, Literal(text[c.start : c.end])))
                g.add((obs, ont.startOffset, Literal(c.start, datatype=XSD.integer)))
                g.add((obs, ont.endOffset, Literal(c.end, datatype=XSD.integer)))

    def run(self) -> Graph:
        self.emit_document()
        for key in sorted(self.x.entities):
            self.emit_entity(self.x.entities[key])
        for m in self.x.mentions:
            self.emit_mention(m)
        for r in [*self.x.relations, *self.x.objective_links]:
            self.emit_relation(r)
        for q in self.x.quantities:
            self.emit_quantity(q)
        for c in self.x.cells:
            self.emit_cell(c)
        return self.g


def emit(extraction: Extraction, vocab: Vocab, publisher_key: str | None = None) -> Graph:
    """The RDF graph of one document (to be stored in the named graph ``{base}graph/<doc>``)."""
    return Emitter(extraction, vocab, publisher_key).run()
