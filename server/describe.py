"""Data access for one resource of the graph: its RDF description and its page view.

Everything here asks the store through SPARQL SELECT only (``store.select``), so it works
on the embedded store and on any store exposing the same ``select`` method.  Terms stay
pyoxigraph terms (hashable, serialisable by ``pyoxigraph.serialize``).

Public API (reused by other server code):

* ``label_map(store, iris)``            best human label of many IRIs at once
* ``resource_exists(store, iri)``       is the IRI a subject or object of any triple
* ``description(store, iri, base)``     concise bounded description as a list of triples
* ``entity_view(store, iri, base)``     everything an HTML page needs (``EntityView``)
* ``inverse_page(store, iri, prop, base, offset, limit)``  one page of incoming links
* ``highlight(text, spans)``            text cut into plain/highlighted ``Segment`` s
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

from graph.namespaces import OA, QB, SCHEMA, SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE, vocab
from graph.namespaces import STANDARD_PREFIXES as _STD

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# Label properties in order of preference (SKOS prefLabel is the curated name).
LABEL_PROPERTIES = (
    str(SKOS.prefLabel),
    str(RDFS.label),
    str(DCTERMS.title),
    str(SCHEMA.name),
    str(FOAF.name),
)
DESCRIPTION_PROPERTIES = (
    str(DCTERMS.description),
    str(SKOS.definition),
    str(RDFS.comment),
    str(SCHEMA.description),
    str(SKOS.note),
)
RDF_TYPE = str(RDF.type)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = str(RDF.langString)

# Incoming links per property put into an RDF description; a country can be the body
# of thousands of mentions and the description must stay a document people can load.
INCOMING_PER_PROPERTY_RDF = 1000
INVERSE_PAGE_SIZE = 20
OBSERVATION_LIMIT = 200
PROVENANCE_LIMIT = 20
# Follow hash/blank children (mention#target -> #quote) this deep in a description.
CHILD_DEPTH = 3
SNIPPET_CHARS = 320

_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class SelectStore(Protocol):
    def select(self, sparql: str, **kwargs) -> list[dict[str, Term]]: ...


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL query; refuses characters that would break out of it."""
    if not iri or _BAD_IRI_CHARS.search(iri):
        raise ValueError(f"not a usable IRI: {iri!r}")
    return f"<{iri}>"


def is_safe_iri(iri: str) -> bool:
    return bool(iri) and not _BAD_IRI_CHARS.search(iri)


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(iri_ref(i) for i in iris)} }}"


def _chunks(items: Sequence[str], size: int = 400) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- labels -------------------------------------------------------------------------------


def local_name(iri: str) -> str:
    """Last readable part of an IRI, the fallback label."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


def _lang_rank(lit: Term, lang: str) -> int:
    tag = getattr(lit, "language", None) or ""
    if tag.lower().startswith(lang):
        return 0
    return 1 if not tag else 2


def label_map(store: SelectStore, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
    """Best label of each IRI (preferred property, then language); IRIs without one are absent."""
    wanted = sorted({i for i in iris if is_safe_iri(i)})
    best: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(wanted):
        # FILTER IN, not a second VALUES: with VALUES ?p oxigraph joins every label of
        # the graph (74 ms at 1M triples); this way each IRI is a subject index lookup.
        rows = store.select(
            "SELECT ?r ?p ?l WHERE { "
            + _values("r", chunk)
            + " ?r ?p ?l FILTER(?p IN ("
            + ", ".join(iri_ref(p) for p in LABEL_PROPERTIES)
            + ") && isLiteral(?l)) }"
        )
        for row in rows:
            r, p, lit = row["r"].value, row["p"].value, row["l"]
            rank = (LABEL_PROPERTIES.index(p), _lang_rank(lit, lang), lit.value)
            if r not in best or rank < best[r]:
                best[r] = rank
    return {r: v[2] for r, v in best.items()}


def property_values(
    store: SelectStore, subjects: Iterable[str], properties: Sequence[str]
) -> dict[str, dict[str, list[Term]]]:
    """``{subject: {property: [values]}}`` of the given properties, by subject lookups.

    Why not OPTIONALs: oxigraph evaluates ``OPTIONAL { ?x p ?v }`` as a hash join that
    reads every ``p`` triple of the graph (0.2-0.6 s per page at 1M triples), even when
    ``?x`` is bound to a handful of IRIs."""
    wanted = sorted({i for i in subjects if is_safe_iri(i)})
    found: dict[str, dict[str, list[Term]]] = {}
    if not wanted or not properties:
        return found
    if len(properties) == 1:
        # One property: a lookup by (subject, property) per subject, not every triple of
        # each subject filtered (passages' texts at 1M triples: 18 -> 2 ms for 120)
        (prop,) = properties
        for chunk in _chunks(wanted):
            rows = store.select(
                f"SELECT ?x ?v WHERE {{ {_values('x', chunk)} ?x {iri_ref(prop)} ?v }}"
            )
            for row in rows:
                found.setdefault(row["x"].value, {}).setdefault(prop, []).append(row["v"])
        return found
    allowed = ", ".join(iri_ref(p) for p in properties)
    for chunk in _chunks(wanted):
        rows = store.select(
            f"SELECT ?x ?p ?v WHERE {{ {_values('x', chunk)} ?x ?p ?v FILTER(?p IN ({allowed})) }}"
        )
        for row in rows:
            found.setdefault(row["x"].value, {}).setdefault(row["p"].value, []).append(row["v"])
    return found


def _first(values: dict[str, list[Term]], prop: str) -> Term | None:
    """One value of a property (the smallest, so pages are stable between requests)."""
    terms = values.get(prop)
    return min(terms, key=lambda t: (type(t).__name__, t.value)) if terms else None


def _selectors(store: SelectStore, targets: Iterable[str]) -> dict[str, dict[str, Term]]:
    """Position (oa:start/oa:end, both needed) and quote (oa:exact) of Web Annotation targets."""
    target_values = property_values(store, targets, [str(OA.hasSelector)])
    selector_of = {
        t: [s.value for s in v.get(str(OA.hasSelector), []) if isinstance(s, ox.NamedNode)]
        for t, v in target_values.items()
    }
    selector_values = property_values(
        store,
        {s for sels in selector_of.values() for s in sels},
        [str(OA.start), str(OA.end), str(OA.exact)],
    )
    found: dict[str, dict[str, Term]] = {}
    for target, selectors in selector_of.items():
        row: dict[str, Term] = {}
        for selector in sorted(selectors):
            values = selector_values.get(selector, {})
            start, end = _first(values, str(OA.start)), _first(values, str(OA.end))
            if start is not None and end is not None and "start" not in row:
                row["start"], row["end"] = start, end
            exact = _first(values, str(OA.exact))
            if exact is not None and "exact" not in row:
                row["exact"] = exact
        found[target] = row
    return found


# --- view records -----------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A node as shown on a page: IRI (with label), blank node, or literal."""

    term: Term
    label: str | None = None

    @property
    def kind(self) -> str:
        if isinstance(self.term, ox.NamedNode):
            return "iri"
        return "bnode" if isinstance(self.term, ox.BlankNode) else "literal"

    @property
    def value(self) -> str:
        return self.term.value

    @property
    def text(self) -> str:
        """What to print: the label, else the local name (IRIs) or the lexical form."""
        if self.kind == "literal":
            return self.term.value
        return self.label or local_name(self.term.value)

    @property
    def language(self) -> str | None:
        return getattr(self.term, "language", None) or None

    @property
    def datatype(self) -> str | None:
        """Datatype IRI of a typed literal other than plain strings."""
        if self.kind != "literal" or self.language:
            return None
        dt = self.term.datatype.value
        return None if dt == XSD_STRING else dt


@dataclass
class PropertyGroup:
    predicate: Value
    values: list[Value]
    total: int
    inverse: bool = False

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.values))


@dataclass(frozen=True)
class Segment:
    """A piece of quoted text; ``target`` set when it is a highlighted span."""

    text: str
    target: str | None = None  # IRI the highlighted span is about
    title: str | None = None  # label of that IRI (tooltip)
    mark: bool = False


@dataclass
class Evidence:
    """One fact's provenance: the quoted sentence with its span highlighted."""

    fact: str  # what the evidence supports, for people ("mentioned", "IOM partner of UNHCR")
    segments: list[Segment]
    passage: str | None  # passage IRI
    passage_label: str | None
    about: str | None = None  # the mention/statement/observation IRI


@dataclass
class ObservationRow:
    iri: str
    label: str | None
    value: str | None
    value_max: str | None
    qualifier: str | None
    unit: Value | None
    measure: Value | None
    year: str | None
    area: Value | None
    evidence: Evidence | None


@dataclass
class PassageView:
    text_segments: list[Segment]
    document: Value | None
    previous: Value | None
    next: Value | None
    locator: str | None


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Value]
    description: str | None
    properties: list[PropertyGroup]
    inverse: list[PropertyGroup]
    observations: list[ObservationRow] = field(default_factory=list)
    observation_total: int = 0
    provenance: list[Evidence] = field(default_factory=list)
    provenance_total: int = 0
    passage: PassageView | None = None


# --- description (RDF) ------------------------------------------------------------------


def resource_exists(store: SelectStore, iri: str) -> bool:
    if not is_safe_iri(iri):
        return False
    ref = iri_ref(iri)
    rows = store.select(f"SELECT ?x WHERE {{ {{ {ref} ?x ?o }} UNION {{ ?s ?x {ref} }} }} LIMIT 1")
    return bool(rows)


def _outgoing(store: SelectStore, iri: str) -> list[tuple[ox.NamedNode, Term]]:
    rows = store.select(f"SELECT DISTINCT ?p ?o WHERE {{ {iri_ref(iri)} ?p ?o }}")
    return [(r["p"], r["o"]) for r in rows]


def _incoming_counts(store: SelectStore, iri: str) -> dict[str, int]:
    rows = store.select(
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {iri_ref(iri)} }} GROUP BY ?p"
    )
    return {r["p"].value: int(r["n"].value) for r in rows}


def _incoming(store: SelectStore, iri: str, prop: str, limit: int, offset: int = 0) -> list[Term]:
    # No ORDER BY: oxigraph sorts by decoding every IRI (160 ms for 5,000 links), while
    # unordered results come in index order, which is stable for a published (read-only)
    # build, so LIMIT/OFFSET pages are consistent.
    rows = store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s {iri_ref(prop)} {iri_ref(iri)} }} "
        f"LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    return [r["s"] for r in rows]


def _is_child(term: Term, iri: str) -> bool:
    """Nodes that belong to the resource's description: its hash IRIs and blank nodes."""
    if isinstance(term, ox.BlankNode):
        return True
    return isinstance(term, ox.NamedNode) and term.value.startswith(iri + "#")


def description(
    store: SelectStore, iri: str, *, incoming_limit: int = INCOMING_PER_PROPERTY_RDF
) -> list[ox.Triple]:
    """Symmetric concise bounded description of ``iri``.

    Outgoing triples, the outgoing triples of its ``#fragment`` children (mention targets
    and selectors), incoming triples (at most ``incoming_limit`` per property), and the
    labels of every linked resource and predicate, so the document is useful alone.
    """
    subject = ox.NamedNode(iri)
    triples: dict[ox.Triple, None] = {}
    frontier: list[Term] = [subject]
    seen: set[Term] = {subject}
    for _ in range(CHILD_DEPTH + 1):
        next_frontier: list[Term] = []
        for node in frontier:
            if not isinstance(node, ox.NamedNode):
                continue  # blank nodes cannot be named in a query; builds emit none
            for p, o in _outgoing(store, node.value):
                triples[ox.Triple(node, p, o)] = None
                if o not in seen and _is_child(o, iri):
                    seen.add(o)
                    next_frontier.append(o)
        frontier = next_frontier
    for prop in sorted(_incoming_counts(store, iri)):
        for s in _incoming(store, iri, prop, incoming_limit):
            triples[ox.Triple(s, ox.NamedNode(prop), subject)] = None
    linked = {t.predicate.value for t in triples}
    for t in triples:
        for node in (t.subject, t.object):
            if isinstance(node, ox.NamedNode) and node.value != iri:
                linked.add(node.value)
    for other, text in sorted(label_map(store, linked).items()):
        triples[ox.Triple(ox.NamedNode(other), ox.NamedNode(str(RDFS.label)), ox.Literal(text))] = (
            None
        )
    return list(triples)


# --- highlighting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    target: str | None = None
    title: str | None = None


def locate(
    text: str, start: int | None, end: int | None, exact: str | None
) -> tuple[int, int] | None:
    """Where a selector points in ``text``: the offsets if they agree with ``exact``,
    else the first occurrence of ``exact`` (offsets can drift when text is re-cleaned)."""
    in_range = start is not None and end is not None and 0 <= start < end <= len(text)
    if in_range and (exact is None or text[start:end] == exact):
        return start, end
    if exact:
        found = text.find(exact)
        if found >= 0:
            return found, found + len(exact)
    return None


def highlight(text: str, spans: Iterable[Span]) -> list[Segment]:
    """Cut ``text`` into segments; overlapping spans keep the earliest, longest one."""
    segments: list[Segment] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.start < cursor or span.end > len(text) or span.start >= span.end:
            continue
        if span.start > cursor:
            segments.append(Segment(text[cursor : span.start]))
        segments.append(Segment(text[span.start : span.end], span.target, span.title, True))
        cursor = span.end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments


_SENTENCE_END = re.compile(r"[.!?;]\s+(?=[A-Z0-9“\"(])")


def snippet(text: str, start: int, end: int, max_chars: int = SNIPPET_CHARS) -> tuple[str, int]:
    """The sentence around ``text[start:end]`` (trimmed to ``max_chars``) and its offset."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    right = len(text)
    m = _SENTENCE_END.search(text, end)
    if m:
        right = m.start() + 1
    if right - left > max_chars:
        half = max(0, (max_chars - (end - start)) // 2)
        left = max(left, start - half)
        right = min(right, end + half)
    return text[left:right], left


def quoted(text: str, span: Span | None, whole: bool = False) -> list[Segment]:
    """The sentence containing ``span`` with the span highlighted (or the whole text)."""
    if span is None:
        return [
            Segment(text if whole or len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…")
        ]
    if whole:
        return highlight(text, [span])
    piece, offset = snippet(text, span.start, span.end)
    inner = Span(span.start - offset, span.end - offset, span.target, span.title)
    segs = highlight(piece, [inner])
    if offset > 0:
        segs.insert(0, Segment("…"))
    if offset + len(piece) < len(text):
        segs.append(Segment("…"))
    return segs


_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s*(?:per\s*cent|%))?(\s+(?:million|billion|thousand))?",
    re.IGNORECASE,
)
_SCALE = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}


def find_number(text: str, value: str | None) -> tuple[int, int] | None:
    """Offsets of the first number in ``text`` equal to ``value`` ("3.2 million" = 3200000)."""
    if not value:
        return None
    try:
        target = Decimal(value)
    except InvalidOperation:
        return None
    for m in _NUMBER.finditer(text):
        number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        scale = (m.group(4) or "").strip().lower()
        if number == target or (scale and number * _SCALE[scale] == target):
            return m.start(), m.end()
    return None


# --- page view ---------------------------------------------------------------------------


def _lit(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def _int(row: dict, name: str) -> int | None:
    raw = _lit(row, name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _sort_key(v: Value) -> tuple:
    return (v.kind != "literal", v.text.lower(), v.value)


def _property_order(p: str) -> tuple[int, str]:
    if p in LABEL_PROPERTIES:
        return (0, str(LABEL_PROPERTIES.index(p)))
    if p in DESCRIPTION_PROPERTIES:
        return (1, p)
    return (2, p)


def _pick_label(out: list[tuple[ox.NamedNode, Term]], iri: str, lang: str = "en") -> str:
    best: tuple | None = None
    for p, o in out:
        if p.value in LABEL_PROPERTIES and isinstance(o, ox.Literal):
            rank = (LABEL_PROPERTIES.index(p.value), _lang_rank(o, lang), o.value)
            best = rank if best is None or rank < best else best
    return best[2] if best else local_name(iri)


def _pick_description(out: list[tuple[ox.NamedNode, Term]], lang: str = "en") -> str | None:
    best: tuple | None = None
    for p, o in out:
        if p.value in DESCRIPTION_PROPERTIES and isinstance(o, ox.Literal):
            rank = (DESCRIPTION_PROPERTIES.index(p.value), _lang_rank(o, lang), o.value)
            best = rank if best is None or rank < best else best
    return best[2] if best else None


def inverse_page(
    store: SelectStore, iri: str, prop: str, *, offset: int = 0, limit: int = INVERSE_PAGE_SIZE
) -> PropertyGroup:
    """One page of the resources linking to ``iri`` through ``prop``."""
    total = _incoming_counts(store, iri).get(prop, 0)
    subjects = _incoming(store, iri, prop, limit, offset)
    labels = label_map(store, [prop, *(s.value for s in subjects if isinstance(s, ox.NamedNode))])
    values = [Value(s, labels.get(s.value)) for s in subjects]
    return PropertyGroup(Value(ox.NamedNode(prop), labels.get(prop)), values, total, inverse=True)


def entity_view(store: SelectStore, iri: str, base: str, *, lang: str = "en") -> EntityView:
    """Everything the HTML page of ``iri`` shows; ``base`` is the build's base IRI."""
    out = _outgoing(store, iri)
    counts = _incoming_counts(store, iri)
    firsts = {p: _incoming(store, iri, p, INVERSE_PAGE_SIZE) for p in counts}
    linked = {p.value for p, _ in out} | set(counts)
    linked |= {o.value for _, o in out if isinstance(o, ox.NamedNode)}
    linked |= {s.value for subs in firsts.values() for s in subs if isinstance(s, ox.NamedNode)}
    labels = label_map(store, linked, lang)

    grouped: dict[str, list[Value]] = defaultdict(list)
    types: list[Value] = []
    for p, o in out:
        value = Value(o, labels.get(o.value) if isinstance(o, ox.NamedNode) else None)
        if p.value == RDF_TYPE:
            types.append(value)
        else:
            grouped[p.value].append(value)
    properties = [
        PropertyGroup(Value(ox.NamedNode(p), labels.get(p)), sorted(vals, key=_sort_key), len(vals))
        for p, vals in sorted(grouped.items(), key=lambda kv: _property_order(kv[0]))
    ]
    inverse = [
        PropertyGroup(
            Value(ox.NamedNode(p), labels.get(p)),
            [Value(s, labels.get(s.value)) for s in firsts[p]],
            counts[p],
            inverse=True,
        )
        for p in sorted(counts, key=lambda p: (-counts[p], p))
    ]
    view = EntityView(
        iri=iri,
        label=_pick_label(out, iri, lang),
        types=sorted(types, key=_sort_key),
        description=_pick_description(out, lang),
        properties=properties,
        inverse=inverse,
    )
    view.observations, view.observation_total = observations(store, iri, base)
    view.provenance, view.provenance_total = provenance(store, iri, base)
    if any(t.value == str(vocab(base).ont.SourcePassage) for t in types):
        view.passage = passage_view(store, iri, base)
    return view


# --- observations ---------------------------------------------------------------------


def observations_table_query(iri: str, base: str) -> str:
    """SPARQL for every observation about ``iri`` as one flat table (the entity page's
    "download as CSV" link: a data officer gets all of them, not the first page)."""
    ref = iri_ref(iri)
    return f"""PREFIX ont: <{vocab(base).ont}>
PREFIX qb: <{QB}>
PREFIX rdfs: <{RDFS}>
PREFIX prov: <{PROV}>
PREFIX dct: <{DCTERMS}>
PREFIX sdmx-measure: <{SDMX_MEASURE}>
PREFIX sdmx-attribute: <{SDMX_ATTRIBUTE}>
PREFIX sdmx-dimension: <{SDMX_DIMENSION}>
SELECT ?observation ?value ?valueMax ?qualifier ?unit ?measure ?year ?area ?nationality ?sex
       ?grade ?category ?quote ?passage ?document
WHERE {{
  {{ SELECT DISTINCT ?observation WHERE {{
    {{ ?observation ?link {ref} }} UNION {{ BIND({ref} AS ?observation) }}
    FILTER EXISTS {{ ?observation a qb:Observation }} }} }}
  ?observation sdmx-measure:obsValue ?value .
  OPTIONAL {{ ?observation ont:valueMax ?valueMax }}
  OPTIONAL {{ ?observation ont:qualifier ?qualifier }}
  OPTIONAL {{ ?observation sdmx-attribute:unitMeasure ?u . ?u rdfs:label ?unit }}
  OPTIONAL {{ ?observation ont:measure ?m . ?m rdfs:label ?measure }}
  OPTIONAL {{ ?observation ont:year ?year }}
  OPTIONAL {{ ?observation sdmx-dimension:refArea ?a . ?a rdfs:label ?area }}
  OPTIONAL {{ ?observation ont:nationality ?n . ?n rdfs:label ?nationality }}
  OPTIONAL {{ ?observation sdmx-dimension:sex ?sex }}
  OPTIONAL {{ ?observation ont:grade ?grade }}
  OPTIONAL {{ ?observation ont:staffCategory|ont:category ?category }}
  OPTIONAL {{ ?observation ont:quote ?quote }}
  OPTIONAL {{ ?observation prov:wasDerivedFrom ?passage . ?passage dct:isPartOf ?document }}
}}
ORDER BY ?document ?passage ?observation"""


def observations(store: SelectStore, iri: str, base: str) -> tuple[list[ObservationRow], int]:
    """Observations about ``iri`` (any property pointing at it), or ``iri`` itself."""
    ref = iri_ref(iri)
    ont = vocab(base).ont
    # The type test is a FILTER EXISTS (a lookup per candidate): as a joined triple
    # pattern oxigraph hash-joins every observation of the graph (20-100 ms at 1M).
    about = (
        f"{{ ?obs ?link {ref} }} UNION {{ BIND({ref} AS ?obs) }} "
        f"FILTER EXISTS {{ ?obs a <{QB.Observation}> }}"
    )
    count_rows = store.select(f"SELECT (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ {about} }}")
    total = int(count_rows[0]["n"].value) if count_rows else 0
    if not total:
        return [], 0
    found = store.select(f"SELECT DISTINCT ?obs WHERE {{ {about} }} LIMIT {OBSERVATION_LIMIT}")
    fields = {
        "label": str(RDFS.label),
        "value": str(SDMX_MEASURE.obsValue),
        "valueMax": str(ont.valueMax),
        "qualifier": str(ont.qualifier),
        "unit": str(SDMX_ATTRIBUTE.unitMeasure),
        "measure": str(ont.measure),
        "year": str(ont.year),
        "area": str(SDMX_DIMENSION.refArea),
        "quote": str(ont.quote),
        "start": str(ont.startOffset),
        "end": str(ont.endOffset),
        "passage": str(PROV.wasDerivedFrom),
    }
    obs_iris = [r["obs"].value for r in found if isinstance(r["obs"], ox.NamedNode)]
    values = property_values(store, obs_iris, list(fields.values()))
    first: dict[str, dict] = {}
    for obs in obs_iris:
        row: dict[str, Term] = {"obs": ox.NamedNode(obs)}
        for key, prop in fields.items():
            term = _first(values.get(obs, {}), prop)
            if term is not None:
                row[key] = term
        if "start" not in row or "end" not in row:  # an offset alone places nothing
            row.pop("start", None)
            row.pop("end", None)
        first[obs] = row
    passages = {
        r["passage"].value for r in first.values() if isinstance(r.get("passage"), ox.NamedNode)
    }
    texts = property_values(store, passages, [str(RDF.value)])
    for row in first.values():
        passage = row.get("passage")
        text = _first(texts.get(passage.value, {}), str(RDF.value)) if passage is not None else None
        if text is not None:
            row["ptext"] = text
    refs = {
        r[k].value
        for r in first.values()
        for k in ("unit", "measure", "area", "passage")
        if k in r and isinstance(r[k], ox.NamedNode)
    }
    labels = label_map(store, refs)

    def linked(row: dict, key: str) -> Value | None:
        term = row.get(key)
        return Value(term, labels.get(term.value)) if term is not None else None

    result = []
    for obs, row in sorted(first.items(), key=lambda kv: (_lit(kv[1], "year") or "", kv[0])):
        # ont:quote is the number phrase and startOffset/endOffset place it in the
        # passage text; table cells have neither, so the number itself is looked for.
        text = _lit(row, "ptext") or _lit(row, "quote")
        evidence = None
        if text:
            at = locate(text, _int(row, "start"), _int(row, "end"), _lit(row, "quote"))
            at = at or find_number(text, _lit(row, "value"))
            span = Span(*at, target=obs, title=_lit(row, "label")) if at else None
            evidence = Evidence(
                fact=_lit(row, "label") or "",
                segments=quoted(text, span),
                passage=_lit(row, "passage"),
                passage_label=labels.get(_lit(row, "passage") or ""),
                about=obs,
            )
        result.append(
            ObservationRow(
                iri=obs,
                label=_lit(row, "label"),
                value=_lit(row, "value"),
                value_max=_lit(row, "valueMax"),
                qualifier=_lit(row, "qualifier"),
                unit=linked(row, "unit"),
                measure=linked(row, "measure"),
                year=_lit(row, "year"),
                area=linked(row, "area"),
                evidence=evidence,
            )
        )
    return result, total


# --- provenance ---------------------------------------------------------------------------


def provenance(store: SelectStore, iri: str, base: str) -> tuple[list[Evidence], int]:
    """Where the resource is stated: its mentions and the statements about it."""
    ref = iri_ref(iri)
    mention_where = (
        f"{{ ?m <{OA.hasBody}> {ref} }} UNION {{ BIND({ref} AS ?m) {ref} <{OA.hasBody}> ?b0 }}"
    )
    statement_where = (
        f"{{ ?st <{RDF.subject}> {ref} }} UNION {{ ?st <{RDF.object}> {ref} }} "
        f"UNION {{ BIND({ref} AS ?st) {ref} <{RDF.subject}> ?s0 }}"
    )
    counts = store.select(
        f"SELECT (COUNT(DISTINCT ?m) AS ?nm) (COUNT(DISTINCT ?st) AS ?ns) WHERE {{ "
        f"{{ {mention_where} }} UNION {{ {statement_where} }} }}"
    )
    total = sum(int(counts[0][k].value) for k in ("nm", "ns") if k in counts[0]) if counts else 0
    if not total:
        return [], 0
    mentions = store.select(
        f"""SELECT ?m ?body ?passage ?t WHERE {{
          {{ SELECT DISTINCT ?m WHERE {{ {mention_where} }} ORDER BY ?m LIMIT {PROVENANCE_LIMIT} }}
          ?m <{OA.hasBody}> ?body ; <{OA.hasTarget}> ?t .
          ?t <{OA.hasSource}> ?passage .
        }}"""
    )
    # ORDER BY ?m above: which mentions are shown must not depend on the query plan
    # (a few milliseconds even for thousands of mentions)
    targets = [m["t"].value for m in mentions if isinstance(m["t"], ox.NamedNode)]
    selectors = _selectors(store, targets)
    texts = property_values(store, [m["passage"].value for m in mentions], [str(RDF.value)])
    for m in mentions:
        m.update(selectors.get(m["t"].value, {}))
        text = _first(texts.get(m["passage"].value, {}), str(RDF.value))
        if text is not None:
            m["text"] = text
    statements = store.select(
        f"""SELECT ?st ?s ?p ?o ?passage ?evidence ?text WHERE {{
          {{ SELECT DISTINCT ?st WHERE {{ {statement_where} }} LIMIT {PROVENANCE_LIMIT} }}
          ?st <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o .
          OPTIONAL {{ ?st <{PROV.wasDerivedFrom}> ?passage OPTIONAL {{ ?passage <{RDF.value}> ?text }} }}
          OPTIONAL {{ ?st <{vocab(base).ont.evidence}> ?evidence }}
        }}"""
    )
    refs = {
        r[k].value
        for r in mentions + statements
        for k in ("body", "passage", "s", "p", "o")
        if k in r
    }
    labels = label_map(store, refs)
    result: list[Evidence] = []
    seen: set[str] = set()
    for row in mentions:
        m = row["m"].value
        if m in seen:
            continue
        seen.add(m)
        text = _lit(row, "text") or _lit(row, "exact") or ""
        body = row["body"].value
        at = locate(text, _int(row, "start"), _int(row, "end"), _lit(row, "exact"))
        span = Span(*at, target=body, title=labels.get(body)) if at else None
        passage = row["passage"].value
        result.append(
            Evidence(
                fact=f"mentions {labels.get(body, local_name(body))}",
                segments=quoted(text, span),
                passage=passage,
                passage_label=labels.get(passage),
                about=m,
            )
        )
    for row in statements:
        st = row["st"].value
        if st in seen:
            continue
        seen.add(st)
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        fact = " ".join(labels.get(x, local_name(x)) for x in (s, p, o))
        text = _lit(row, "text") or _lit(row, "evidence") or ""
        phrase = _lit(row, "evidence")
        at = locate(text, None, None, phrase) if phrase else None
        span = Span(*at, target=st, title=fact) if at else None
        passage = _lit(row, "passage")
        result.append(
            Evidence(
                fact=fact,
                segments=quoted(text, span),
                passage=passage,
                passage_label=labels.get(passage or ""),
                about=st,
            )
        )
    return result, total


# --- passages -------------------------------------------------------------------------------


def passage_view(store: SelectStore, iri: str, base: str) -> PassageView:
    """A passage's text with every mention highlighted, and its neighbours."""
    ref = iri_ref(iri)
    ont = vocab(base).ont
    info = store.select(
        f"""SELECT ?text ?doc ?order ?locator WHERE {{
          OPTIONAL {{ {ref} <{RDF.value}> ?text }}
          OPTIONAL {{ {ref} <{DCTERMS.isPartOf}> ?doc . ?doc a <{ont.SourceDocument}> }}
          OPTIONAL {{ {ref} <{ont.order}> ?order }}
          OPTIONAL {{ {ref} <{ont.locator}> ?locator }}
        }} LIMIT 1"""
    )
    row = info[0] if info else {}
    text = _lit(row, "text") or ""
    mentions = store.select(
        f"""SELECT DISTINCT ?m ?body ?t WHERE {{
          ?t <{OA.hasSource}> {ref} . ?m <{OA.hasTarget}> ?t ; <{OA.hasBody}> ?body . }}"""
    )
    selectors = _selectors(
        store, [m["t"].value for m in mentions if isinstance(m["t"], ox.NamedNode)]
    )
    for m in mentions:
        m.update(selectors.get(m["t"].value, {}))
    doc = row.get("doc")
    neighbours: dict[str, Term | None] = {"previous": None, "next": None}
    order = _int(row, "order")
    if doc is not None and order is not None:
        head = f"?p a <{ont.SourcePassage}> ; <{DCTERMS.isPartOf}> <{doc.value}> ; <{ont.order}>"
        for name, step, cmp, direction in (("previous", -1, "<", "DESC"), ("next", 1, ">", "ASC")):
            # Orders are consecutive in our builds: try the exact neighbour (an index
            # lookup) before the general ordered search.
            found = store.select(
                f"SELECT ?p WHERE {{ {head} {order + step} }} LIMIT 1"
            ) or store.select(
                f"SELECT ?p WHERE {{ {head} ?o FILTER(?o {cmp} {order}) }} ORDER BY {direction}(?o) LIMIT 1"
            )
            neighbours[name] = found[0]["p"] if found else None
    refs = {r["body"].value for r in mentions}
    refs |= {t.value for t in (doc, *neighbours.values()) if t is not None}
    labels = label_map(store, refs)
    spans = []
    for m in mentions:
        at = locate(text, _int(m, "start"), _int(m, "end"), _lit(m, "exact"))
        if at:
            body = m["body"].value
            spans.append(Span(*at, target=body, title=labels.get(body)))

    def value(term: Term | None) -> Value | None:
        return Value(term, labels.get(term.value)) if term is not None else None

    return PassageView(
        text_segments=highlight(text, spans),
        document=value(doc),
        previous=value(neighbours["previous"]),
        next=value(neighbours["next"]),
        locator=_lit(row, "locator"),
    )


def curie(iri: str, prefixes: dict[str, str]) -> str | None:
    """``prefix:local`` for an IRI in a known namespace (longest namespace wins)."""
    best = None
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(prefixes[best])):
            best = prefix
    if best is None:
        return None
    local = iri[len(prefixes[best]) :]
    return f"{best}:{local}" if re.fullmatch(r"[\w.-]*", local) else None


STANDARD_PREFIXES = dict(_STD)
