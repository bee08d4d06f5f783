"""SPARQL result formats and HTTP content negotiation for the endpoint.

A query's form decides which formats apply: SELECT/ASK give *solutions* (SPARQL
results JSON/XML/CSV/TSV), CONSTRUCT/DESCRIBE give a *graph* (Turtle, N-Triples,
JSON-LD, RDF/XML, N-Quads, TriG).  The form is only known once pyoxigraph parsed the
query, so negotiation picks one format of each kind up front and the query worker
uses whichever matches the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:  # query worker processes import this module; werkzeug stays out of them
    from werkzeug.datastructures import MIMEAccept

SOLUTIONS = "solutions"  # SELECT and ASK
GRAPH = "graph"  # CONSTRUCT and DESCRIBE

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class ResultFormat:
    key: str  # value of the `format=` parameter
    kind: str  # SOLUTIONS or GRAPH
    media_type: str  # canonical media type, sent as Content-Type
    aliases: tuple[str, ...]  # other media types clients ask for it by
    w3c_name: str  # local name under http://www.w3.org/ns/formats/

    @property
    def w3c_iri(self) -> str:
        return W3C_FORMATS + self.w3c_name

    @property
    def content_type(self) -> str:
        return content_type_for(self.media_type)

    @property
    def oxigraph(self) -> ox.QueryResultsFormat | ox.RdfFormat:
        return _OXIGRAPH[self.key]


def content_type_for(media_type: str) -> str:
    # text/* defaults to US-ASCII without a charset; the RDF and JSON types are UTF-8 by definition.
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


# Order matters: the first format of each kind is the default for `*/*` or no Accept header,
# and on equal quality werkzeug's best_match keeps the earliest candidate.
SOLUTION_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        SOLUTIONS,
        "application/sparql-results+json",
        ("application/json", "text/javascript", "application/javascript"),
        "SPARQL_Results_JSON",
    ),
    ResultFormat(
        "xml",
        SOLUTIONS,
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        "SPARQL_Results_XML",
    ),
    ResultFormat("csv", SOLUTIONS, "text/csv", (), "SPARQL_Results_CSV"),
    # text/plain: a readable table in a browser tab; TSV is the lossless plain-text form.
    ResultFormat(
        "tsv", SOLUTIONS, "text/tab-separated-values", ("text/plain",), "SPARQL_Results_TSV"
    ),
)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    # Turtle is valid N3, so N3-only clients (SPARQLWrapper's N3 format) get Turtle.
    ResultFormat(
        "ttl",
        GRAPH,
        "text/turtle",
        ("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"),
        "Turtle",
    ),
    ResultFormat("nt", GRAPH, "application/n-triples", ("text/plain",), "N-Triples"),
    ResultFormat(
        "jsonld",
        GRAPH,
        "application/ld+json",
        ("application/json", "application/x-json+ld"),
        "JSON-LD",
    ),
    ResultFormat(
        "rdfxml", GRAPH, "application/rdf+xml", ("application/xml", "text/xml"), "RDF_XML"
    ),
    ResultFormat("nq", GRAPH, "application/n-quads", ("text/x-nquads",), "N-Quads"),
    ResultFormat("trig", GRAPH, "application/trig", ("application/x-trig",), "TriG"),
)
ALL_FORMATS: tuple[ResultFormat, ...] = SOLUTION_FORMATS + GRAPH_FORMATS
BY_KEY: dict[str, ResultFormat] = {f.key: f for f in ALL_FORMATS}

_OXIGRAPH: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

# `format=` values (for links in a browser): each names a format for one or both kinds.
_FORMAT_PARAM: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "ttl": (None, "ttl"),
    "turtle": (None, "ttl"),
    "n3": (None, "ttl"),  # Turtle is N3; SPARQLWrapper sends format=n3
    "nt": (None, "nt"),
    "ntriples": (None, "nt"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "nq": (None, "nq"),
    "nquads": (None, "nq"),
    "trig": (None, "trig"),
}
FORMAT_PARAM_VALUES: tuple[str, ...] = tuple(_FORMAT_PARAM)


@dataclass(frozen=True)
class Choice:
    """A negotiated format and the Content-Type to answer with."""

    format: ResultFormat
    content_type: str


@dataclass(frozen=True)
class Negotiated:
    solutions: Choice | None  # None: no acceptable format for SELECT/ASK
    graph: Choice | None  # None: no acceptable format for CONSTRUCT/DESCRIBE

    def for_kind(self, kind: str) -> Choice | None:
        return self.solutions if kind == SOLUTIONS else self.graph


def _candidates(formats: tuple[ResultFormat, ...]) -> list[tuple[str, ResultFormat]]:
    canonical = [(f.media_type, f) for f in formats]
    aliases = [(alias, f) for f in formats for alias in f.aliases]
    return canonical + aliases


def negotiate_kind(accept: MIMEAccept, formats: tuple[ResultFormat, ...]) -> Choice | None:
    """The best format of one kind for an Accept header; the first format if Accept is absent."""
    if not accept:
        return Choice(formats[0], formats[0].content_type)
    candidates = _candidates(formats)
    best = accept.best_match([media for media, _ in candidates])
    if best is None:
        return None
    chosen = next(f for media, f in candidates if media == best)
    # Answer text/plain as text/plain so a browser shows it instead of downloading it.
    media = best if best == "text/plain" else chosen.media_type
    return Choice(chosen, content_type_for(media))


def negotiate(accept: MIMEAccept) -> Negotiated:
    return Negotiated(
        negotiate_kind(accept, SOLUTION_FORMATS), negotiate_kind(accept, GRAPH_FORMATS)
    )


@lru_cache(maxsize=512)
def negotiate_header(header: str) -> Negotiated:
    """`negotiate` for a raw Accept header, cached: clients send the same few headers,
    and matching one against every format alias is a noticeable part of a short query."""
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    return negotiate(parse_accept_header(header, MIMEAccept))


def from_format_params(values: list[str]) -> Negotiated:
    """Formats named by `format=` / `output=` parameters: the first value understood wins.

    Clients repeat the parameter in several dialects (SPARQLWrapper sends e.g.
    ``format=rdf+xml&format=application/rdf+xml&output=rdf+xml``).  ValueError if no
    value is understood.
    """
    for value in values:
        try:
            return from_format_param(value)
        except ValueError:
            continue
    known = ", ".join(FORMAT_PARAM_VALUES)
    raise ValueError(f"unknown format {values[0]!r}; use one of: {known}, or a media type")


def from_format_param(value: str) -> Negotiated:
    """Formats named by one `format=` value: a short name or media types.

    Raises ValueError for an unknown name.
    """
    value = value.strip()
    if "/" in value:  # a media type (list), treated like an Accept header
        from werkzeug.datastructures import MIMEAccept
        from werkzeug.http import parse_accept_header

        return negotiate(parse_accept_header(value, MIMEAccept))
    try:
        solutions_key, graph_key = _FORMAT_PARAM[value.lower()]
    except KeyError:
        known = ", ".join(FORMAT_PARAM_VALUES)
        raise ValueError(f"unknown format {value!r}; use one of: {known}") from None

    def choice(key: str | None) -> Choice | None:
        return Choice(BY_KEY[key], BY_KEY[key].content_type) if key else None

    return Negotiated(choice(solutions_key), choice(graph_key))


def describe_formats(kind: str) -> str:
    """Human-readable list of the media types of one kind, for 406 messages."""
    formats = SOLUTION_FORMATS if kind == SOLUTIONS else GRAPH_FORMATS
    return ", ".join(f.media_type for f in formats)
