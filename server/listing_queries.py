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

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from graph.listing_index import LABEL_PREDICATES, RDF_TYPE, ListingIndex
from server import results
from server.executor import QueryExecutor, QueryRequest, QueryResult

_TOKEN = re.compile(
    r"""(?P<space>\s+|\#[^\n\r]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<var>[?$]\w+)
    |(?P<pname>(?:[A-Za-z](?:[\w.\-]*[\w\-])?)?:(?:[\w\-](?:[\w.\-]*[\w\-])?)?)
    |(?P<word>[A-Za-z]+)
    |(?P<number>\d+)
    |(?P<punct>[{}().;,*])""",
    re.VERBOSE,
)
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LABELS = frozenset(LABEL_PREDICATES)


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


def _tokens(query: str) -> list[tuple[str, str]] | None:
    out, position = [], 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            return None  # strings, operators, escapes...: not a listing
        position = match.end()
        if match.lastgroup != "space":
            out.append((match.lastgroup or "", match.group()))
    return out


class _Tokens:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
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


class _NotAListing(Exception):
    pass


MAX_QUERY_CHARS = 4096  # a listing is a short query; longer texts are not even tokenised


def parse_listing(query: str, base_iri: str = "") -> ListingQuery | None:
    """The listing a query asks for (see the module docstring), or None.  ``base_iri``:
    what the endpoint resolves relative IRIs against (``PREFIX ont: <ontology#>``)."""
    return None if len(query) > MAX_QUERY_CHARS else _parse_listing(query, base_iri)


@lru_cache(maxsize=1024)
def _parse_listing(query: str, base_iri: str) -> ListingQuery | None:
    tokens = _tokens(query)
    if tokens is None:
        return None
    try:
        return _parse(_Tokens(tokens), base_iri)
    except _NotAListing:
        return None


def _parse(t: _Tokens, base_iri: str) -> ListingQuery:
    prefixes: dict[str, str] = {}
    while t.keyword("PREFIX"):
        kind, name = t.take()
        iri_kind, iri = t.take()
        if kind != "pname" or not name.endswith(":") or name.count(":") != 1 or iri_kind != "iri":
            raise _NotAListing
        prefixes[name[:-1]] = _absolute(iri[1:-1], base_iri)

    def term(token: tuple[str, str]) -> str:
        kind, text = token
        if kind == "iri":
            return _absolute(text[1:-1], base_iri)
        if kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in prefixes:
                raise _NotAListing
            return _absolute(prefixes[prefix] + local, base_iri)
        raise _NotAListing

    if not t.keyword("SELECT"):
        raise _NotAListing
    distinct = t.keyword("DISTINCT")
    projected: list[str] = []
    while t.peek()[0] == "var":
        projected.append(t.take()[1][1:])
    t.keyword("WHERE")
    if not projected or len(set(projected)) != len(projected) or not t.punct("{"):
        raise _NotAListing

    patterns: list[tuple[str, str, tuple[str, str]]] = []  # (subject var, predicate, object)
    while not t.punct("}"):
        kind, subject = t.take()
        if kind != "var":
            raise _NotAListing
        while True:
            verb = t.take()
            predicate = RDF_TYPE if verb == ("word", "a") else term(verb)
            kind, text = t.take()
            obj = ("var", text[1:]) if kind == "var" else ("iri", term((kind, text)))
            patterns.append((subject[1:], predicate, obj))
            if t.punct(";"):
                while t.punct(";"):
                    pass
                if t.peek() in (("punct", "."), ("punct", "}")):
                    t.punct(".")
                    break
                continue
            t.punct(".")
            break

    if not t.keyword("ORDER") or not t.keyword("BY"):
        raise _NotAListing
    keys: list[tuple[str, bool]] = []
    while True:
        if t.peek()[0] == "var":
            keys.append((t.take()[1][1:], False))
        elif t.peek()[0] == "word" and t.peek()[1].upper() in ("ASC", "DESC"):
            descending = t.take()[1].upper() == "DESC"
            if not t.punct("("):
                raise _NotAListing
            kind, name = t.take()
            if kind != "var" or not t.punct(")"):
                raise _NotAListing
            keys.append((name[1:], descending))
        else:
            break

    limit: int | None = None
    offset = 0
    seen = set()
    while t.peek()[0] == "word" and t.peek()[1].upper() in {"LIMIT", "OFFSET"} - seen:
        word = t.take()[1].upper()
        seen.add(word)
        kind, number = t.take()
        if kind != "number":
            raise _NotAListing
        if word == "LIMIT":
            limit = int(number)
        else:
            offset = int(number)
    if not seen or t.peek()[0] != "end":
        raise _NotAListing
    return _listing(patterns, projected, keys, distinct, offset, limit)


def _listing(patterns, projected, keys, distinct, offset, limit) -> ListingQuery:
    if len(patterns) != 2 or patterns[0][0] != patterns[1][0]:
        raise _NotAListing
    typed = [p for p in patterns if p[1] == RDF_TYPE and p[2][0] == "iri"]
    labelled = [p for p in patterns if p[1] in _LABELS and p[2][0] == "var"]
    if len(typed) != 1 or len(labelled) != 1:
        raise _NotAListing
    subject, value = patterns[0][0], labelled[0][2][1]
    if value == subject or not set(projected) <= {subject, value}:
        raise _NotAListing
    directions = {descending for _, descending in keys}
    key_names = [name for name, _ in keys]
    if len(directions) != 1 or key_names not in ([value], [value, subject]):
        raise _NotAListing
    if subject in projected and subject not in key_names:
        raise _NotAListing  # rows with one label would tie: their order is the engine's
    if distinct and value not in projected:
        raise _NotAListing
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


def _absolute(iri: str, base_iri: str) -> str:
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
        raise _NotAListing
    return base_iri + iri


# --- the executor --------------------------------------------------------------------------


class IndexedListings:
    """Answers class listings from the published build's listing index, everything else
    (and every listing the index cannot answer exactly) through ``inner``."""

    def __init__(self, inner: QueryExecutor, location: str) -> None:
        self.inner = inner
        self.location = location
        self._indexes: dict[str, ListingIndex | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self.answered = 0  # queries answered from the index (stats)
        limits = getattr(inner, "limits", None)
        self.base_iri = limits.base_iri if limits is not None else ""

    @property
    def last_hit(self) -> bool:
        """Whether this thread's last answer came from the result cache (not the index)."""
        if getattr(self._local, "indexed", False):
            return False
        return getattr(self.inner, "last_hit", False)

    def execute(self, request: QueryRequest) -> QueryResult:
        result = self._from_index(request)
        self._local.indexed = result is not None
        return result if result is not None else self.inner.execute(request)

    def _index(self) -> ListingIndex | None:
        build_dir = os.path.realpath(self.location)
        with self._lock:
            if build_dir not in self._indexes:
                # a new build: forget the old index (a thread still reading it keeps its
                # reference; the connection closes when the last one is gone)
                self._indexes = {build_dir: ListingIndex.open(build_dir)}
            return self._indexes[build_dir]

    def _from_index(self, request: QueryRequest) -> QueryResult | None:
        key = request.solutions_format
        if key is None or request.default_graphs or request.named_graphs:
            return None
        listing = parse_listing(request.query, self.base_iri)
        if listing is None:
            return None
        index = self._index()
        if index is None:
            return None
        distinct = None
        if listing.distinct:
            distinct = "values" if listing.projection == ("value",) else "rows"
        rows = index.page(
            listing.cls,
            listing.predicate,
            listing.offset,
            listing.limit,
            listing.descending,
            distinct=distinct,
        )
        if rows is None:
            return None
        lines = [
            "\t".join(subject if role == "subject" else value for role in listing.projection)
            for subject, value in rows
        ]
        limits = getattr(self.inner, "limits", None)
        if limits is not None and len(lines) > limits.max_rows:
            return None  # the engine reports the cap as usual
        header = "\t".join(f"?{name}" for name in listing.names)
        tsv = "\n".join([header, *lines]).encode("utf-8") + b"\n"
        if key == "tsv":
            body = tsv
        else:
            parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
            body = parsed.serialize(format=results.BY_KEY[key].oxigraph)
        if limits is not None and len(body) > limits.max_bytes:
            return None
        with self._lock:
            self.answered += 1
        return QueryResult(results.SOLUTIONS, key, body, len(lines))

    def close(self) -> None:
        with self._lock:
            indexes, self._indexes = list(self._indexes.values()), {}
        for index in indexes:
            if index is not None:
                index.close()
        self.inner.close()

    def __getattr__(self, name: str):
        # limits, build_key, worker_pids(), stats ... of the wrapped executor
        return getattr(self.inner, name)
