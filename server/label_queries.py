"""SPARQL label searches answered from the per-build label index (`graph.label_index`).

A query is answered here only when it is, token for token, a case-insensitive substring
search over label predicates::

    [PREFIX p: <iri>]*
    SELECT DISTINCT ?s ?label            (any non-empty subset of the two, any order)
    [WHERE] { ?s rdfs:label|skos:prefLabel|… ?label .
              FILTER(CONTAINS(LCASE(STR(?label)), "text")) }   (either order)
    LIMIT n [OFFSET m]                   (LIMIT required, either order)

with no dataset in the request.  Its solutions are the distinct (subject, label) pairs of
those predicates whose ``LCASE(STR(label))`` contains the text, exactly what the engine
computes; without ORDER BY, SPARQL leaves their order to the service, so the index's
order (stable per build) is as good an answer as the engine's scan order, and the page
costs an index lookup instead of a scan of every label.  Anything else goes to the
engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.listing_index import LABEL_PREDICATES
from server.listing_queries import NotAShape, Terms, TokenStream, read_slice, shape_parser

_LABELS = frozenset(LABEL_PREDICATES)


@dataclass(frozen=True)
class LabelSearch:
    predicates: tuple[str, ...]
    needle: str
    columns: tuple[str, ...]  # "subject" / "value", in SELECT order
    names: tuple[str, ...]  # the projected variables' names, same order
    offset: int
    limit: int


def _expect(t: TokenStream, *chars: str) -> None:
    for char in chars:
        if not t.punct(char):
            raise NotAShape


def _parse(t: TokenStream, base_iri: str) -> LabelSearch:
    terms = Terms(base_iri)
    terms.read_prologue(t)
    if not t.keyword("SELECT") or not t.keyword("DISTINCT"):
        raise NotAShape
    projected: list[str] = []
    while t.peek()[0] == "var":
        projected.append(t.take()[1][1:])
    t.keyword("WHERE")
    if not projected or len(set(projected)) != len(projected):
        raise NotAShape
    _expect(t, "{")
    triple: tuple[str, tuple[str, ...], str] | None = None
    needle: tuple[str, str] | None = None  # (variable, text)
    while not t.punct("}"):
        if t.keyword("FILTER"):
            if needle is not None:
                raise NotAShape
            needle = _contains_filter(t)
        elif t.peek()[0] == "var" and triple is None:
            subject = t.take()[1][1:]
            predicates = _alternatives(t, terms)
            kind, value = t.take()
            if kind != "var":
                raise NotAShape
            triple = (subject, predicates, value[1:])
        else:
            raise NotAShape
        t.punct(".")
    offset, limit, _ = read_slice(t)
    if t.peek()[0] != "end" or triple is None or needle is None or limit is None:
        raise NotAShape
    subject, predicates, value = triple
    if needle[0] != value or value == subject or not set(projected) <= {subject, value}:
        raise NotAShape
    return LabelSearch(
        predicates=predicates,
        needle=needle[1],
        columns=tuple("subject" if name == subject else "value" for name in projected),
        names=tuple(projected),
        offset=offset,
        limit=limit,
    )


def _alternatives(t: TokenStream, terms: Terms) -> tuple[str, ...]:
    """``p1|p2|…`` (optionally in parentheses), every one a label predicate."""
    grouped = t.punct("(")
    predicates = [terms.iri(t.take())]
    while t.punct("|"):
        predicates.append(terms.iri(t.take()))
    if grouped:
        _expect(t, ")")
    if not all(p in _LABELS for p in predicates):
        raise NotAShape
    return tuple(dict.fromkeys(predicates))


def _contains_filter(t: TokenStream) -> tuple[str, str]:
    """``( CONTAINS ( LCASE ( STR ( ?v ) ) , "text" ) )`` -> (v, text)."""
    _expect(t, "(")
    for function in ("CONTAINS", "LCASE", "STR"):
        if not t.keyword(function):
            raise NotAShape
        _expect(t, "(")
    kind, variable = t.take()
    if kind != "var":
        raise NotAShape
    _expect(t, ")", ")", ",")
    kind, literal = t.take()
    if kind != "string":
        raise NotAShape
    _expect(t, ")", ")")
    return variable[1:], literal[1:-1]


# The label search a query asks for (see the module docstring), or None.
parse_label_search = shape_parser(_parse, required=("CONTAINS", "LCASE"))
