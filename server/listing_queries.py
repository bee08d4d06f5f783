"""SPARQL class listings answered from the per-build listing index (`graph.listing_index`).

A query is answered here only when it is, token for token, a class listing ordered by a
label whose answer the index holds exactly::

    [PREFIX p: <iri>]*
    SELECT [DISTINCT] ?s ?label            (any non-empty subset of the two, any order)
    [WHERE] { ?s a <Class> ; <labelPredicate> ?label [.] }   (either order, ';' or '.')
    ORDER BY ?label [?s]                   (both ASC or both DESC; ?s may be left out
                                            only when ?s is not projected)
    LIMIT n [OFFSET m] | OFFSET m [LIMIT n]

and the request names no dataset (protocol parameters or FROM): then its answer is rows
``[m, m+n)`` of the listing the index sorted by (label, subject) with the engine's own
rows and a proven-unique order.  DISTINCT is taken only when ?label is projected and the
listing has no repeated rows (values) to remove, so it changes nothing (a member typed
in two named graphs is two rows of the union default graph).  Anything else — another shape, a listing the index
left out, a result over the row or byte caps — goes to the wrapped executor unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from graph.listing_index import LABEL_PREDICATES, RDF_TYPE
from server.sparql_tokens import lex

# What the shape parsers read: tokens of these kinds, plain strings and whole numbers.
_SHAPE_KINDS = frozenset({"iri", "var", "pname", "word", "number", "string", "punct"})
_SHAPE_PUNCT = frozenset("{}().;,*|")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LABELS = frozenset(LABEL_PREDICATES)
T = TypeVar("T")


@dataclass(frozen=True)
class ListingQuery:
    cls: str
    predicate: str
    projection: tuple[str, ...]  # "subject" / "value", in SELECT order
    names: tuple[str, ...]  # the projected variables' names, same order
    distinct: bool
    descending: bool
    offset: int
    limit: int | None


@lru_cache(maxsize=256)
def tokens_of(query: str) -> tuple[tuple[str, str], ...] | None:
    """The query's tokens (spaces and comments left out), or None when it has one this
    small grammar does not know (escapes, long strings, operators, tags...); cached, as
    both shape parsers read the same query."""
    tokens = lex(query)
    if tokens is None:
        return None
    out = []
    for token in tokens:
        kind, text = token.kind, token.text
        if (
            kind not in _SHAPE_KINDS
            or (kind == "punct" and text not in _SHAPE_PUNCT)
            or (kind == "string" and ("\\" in text or text[:3] in ('"""', "'''")))
            or (kind == "number" and not text.isdigit())
        ):
            return None
        out.append((kind, text))
    return tuple(out)


class TokenStream:
    def __init__(self, tokens: tuple[tuple[str, str], ...]) -> None:
        self.items = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.i] if self.i < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.i += 1
        return token

    def keyword(self, word: str) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.upper() == word:
            self.i += 1
            return True
        return False

    def punct(self, char: str) -> bool:
        if self.peek() == ("punct", char):
            self.i += 1
            return True
        return False

    def more_predicates(self) -> bool:
        """After a triple pattern's object: whether its subject's predicate list goes on
        (``;`` and a predicate) rather than ended (``.``, ``}``, or ``;`` before those)."""
        if self.punct(";"):
            while self.punct(";"):
                pass
            if self.peek() not in (("punct", "."), ("punct", "}")):
                return True
        self.punct(".")
        return False


class NotAShape(Exception):
    pass


MAX_QUERY_CHARS = 4096  # a listing is a short query; longer texts are not even tokenised


def shape_parser(
    parse: Callable[[TokenStream, str], T],
    required: tuple[str, ...] = (),
    any_of: tuple[str, ...] = (),
) -> Callable[..., T | None]:
    """``parse(tokens, base_iri)`` as ``front(query, base_iri="") -> shape or None``:
    long texts, texts lacking one of the ``required`` keywords and texts with none of
    ``any_of`` are not tokenised (most queries are no shape: a substring test is ~100x
    cheaper than tokens), and answers are cached per (query, base)."""

    @lru_cache(maxsize=1024)
    def cached(query: str, base_iri: str) -> T | None:
        tokens = tokens_of(query)
        if tokens is None:
            return None
        try:
            return parse(TokenStream(tokens), base_iri)
        except NotAShape:
            return None

    def front(query: str, base_iri: str = "") -> T | None:
        if len(query) > MAX_QUERY_CHARS:
            return None
        if required or any_of:
            upper = query.upper()
            if not all(word in upper for word in required):
                return None
            if any_of and not any(word in upper for word in any_of):
                return None
        return cached(query, base_iri)

    return front


class Terms:
    """Prefixes declared by a query's prologue, and IRIs resolved with them."""

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.prefixes: dict[str, str] = {}

    def read_prologue(self, t: TokenStream) -> None:
        while t.keyword("PREFIX"):
            kind, name = t.take()
            iri_kind, iri = t.take()
            if kind != "pname" or not name.endswith(":") or name.count(":") != 1:
                raise NotAShape
            if iri_kind != "iri":
                raise NotAShape
            self.prefixes[name[:-1]] = absolute_iri(iri[1:-1], self.base_iri)

    def iri(self, token: tuple[str, str]) -> str:
        kind, text = token
        if kind == "iri":
            return absolute_iri(text[1:-1], self.base_iri)
        if kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes:
                raise NotAShape
            return absolute_iri(self.prefixes[prefix] + local, self.base_iri)
        raise NotAShape


def read_slice(t: TokenStream) -> tuple[int, int | None, bool]:
    """(offset, limit, whether any) of a trailing LIMIT/OFFSET clause, in either order."""
    limit: int | None = None
    offset = 0
    seen: set[str] = set()
    while t.peek()[0] == "word" and t.peek()[1].upper() in {"LIMIT", "OFFSET"} - seen:
        word = t.take()[1].upper()
        seen.add(word)
        kind, number = t.take()
        if kind != "number":
            raise NotAShape
        if word == "LIMIT":
            limit = int(number)
        else:
            offset = int(number)
    return offset, limit, bool(seen)


def _parse(t: TokenStream, base_iri: str) -> ListingQuery:
    terms = Terms(base_iri)
    terms.read_prologue(t)
    term = terms.iri

    if not t.keyword("SELECT"):
        raise NotAShape
    distinct = t.keyword("DISTINCT")
    projected: list[str] = []
    while t.peek()[0] == "var":
        projected.append(t.take()[1][1:])
    t.keyword("WHERE")
    if not projected or len(set(projected)) != len(projected) or not t.punct("{"):
        raise NotAShape

    patterns: list[tuple[str, str, tuple[str, str]]] = []  # (subject var, predicate, object)
    while not t.punct("}"):
        kind, subject = t.take()
        if kind != "var":
            raise NotAShape
        while True:
            verb = t.take()
            predicate = RDF_TYPE if verb == ("word", "a") else term(verb)
            kind, text = t.take()
            obj = ("var", text[1:]) if kind == "var" else ("iri", term((kind, text)))
            patterns.append((subject[1:], predicate, obj))
            if not t.more_predicates():
                break

    if not t.keyword("ORDER") or not t.keyword("BY"):
        raise NotAShape
    keys: list[tuple[str, bool]] = []
    while True:
        if t.peek()[0] == "var":
            keys.append((t.take()[1][1:], False))
        elif t.peek()[0] == "word" and t.peek()[1].upper() in ("ASC", "DESC"):
            descending = t.take()[1].upper() == "DESC"
            if not t.punct("("):
                raise NotAShape
            kind, name = t.take()
            if kind != "var" or not t.punct(")"):
                raise NotAShape
            keys.append((name[1:], descending))
        else:
            break

    offset, limit, sliced = read_slice(t)
    if not sliced or t.peek()[0] != "end":
        raise NotAShape
    return _listing(patterns, projected, keys, distinct, offset, limit)


def _listing(patterns, projected, keys, distinct, offset, limit) -> ListingQuery:
    if len(patterns) != 2 or patterns[0][0] != patterns[1][0]:
        raise NotAShape
    typed = [p for p in patterns if p[1] == RDF_TYPE and p[2][0] == "iri"]
    labelled = [p for p in patterns if p[1] in _LABELS and p[2][0] == "var"]
    if len(typed) != 1 or len(labelled) != 1:
        raise NotAShape
    subject, value = patterns[0][0], labelled[0][2][1]
    if value == subject or not set(projected) <= {subject, value}:
        raise NotAShape
    directions = {descending for _, descending in keys}
    key_names = [name for name, _ in keys]
    if len(directions) != 1 or key_names not in ([value], [value, subject]):
        raise NotAShape
    if subject in projected and subject not in key_names:
        raise NotAShape  # rows with one label would tie: their order is the engine's
    if distinct and value not in projected:
        raise NotAShape
    roles = tuple("subject" if name == subject else "value" for name in projected)
    return ListingQuery(
        cls=typed[0][2][1],
        predicate=labelled[0][1],
        projection=roles,
        names=tuple(projected),
        distinct=distinct,
        descending=directions.pop(),
        offset=offset,
        limit=limit,
    )


# The listing a query asks for (see the module docstring), or None; ``base_iri`` is what
# the endpoint resolves relative IRIs against (``PREFIX ont: <ontology#>``).
parse_listing = shape_parser(_parse, required=("ORDER",))


def absolute_iri(iri: str, base_iri: str) -> str:
    """``iri`` made absolute against the endpoint's base; only the simple relative forms
    whose RFC 3986 resolution is plain concatenation ("ontology#", "id/country/AFG", base
    ending in "/"); anything else (dot segments, "/abs", "?q", "//host") goes to the engine."""
    if _ABSOLUTE.match(iri):
        return iri
    path = iri.split("#", 1)[0]
    if (
        not base_iri.endswith("/")
        or not _ABSOLUTE.match(base_iri)
        or iri[:1] in ("", "/", "?", "#")
        or "?" in path
        or any(segment in (".", "..") for segment in path.split("/"))
    ):
        raise NotAShape
    return base_iri + iri
