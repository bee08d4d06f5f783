"""Pages of ordered SELECT results (``ORDER BY … LIMIT n OFFSET m``) cut from one full run.

Every engine answers "page 3 of a class ordered by label" by sorting the whole class on
every request (Oxigraph: 0.2-9 s at 1M triples).  The graph is read-only between builds,
so the full ordered result is built once and its pages are cut from that: the query runs
without ORDER BY and LIMIT/OFFSET (as TSV, one line per row) and is sorted here, which is
2-3x faster than Oxigraph's sort on large results; when a key is not an IRI or an
unescaped string literal, the engine sorts instead (the query without LIMIT/OFFSET).
This is only done when the answer is provably the engine's:

* the query is ``SELECT [DISTINCT] ?a ?b … WHERE {…} ORDER BY <keys> LIMIT/OFFSET`` with
  plain variables only, and the ORDER BY keys (plain ``?v``, ``ASC(?v)``, ``DESC(?v)``)
  include every projected variable — SPARQL applies the slice last, after ORDER BY,
  projection and DISTINCT, so the page is rows ``[m, m+n)`` of the full ordered result;
* in the full result, every two neighbouring rows that differ are *strictly* ordered by
  the first key where they differ: both IRIs, or both literals of the same datatype and
  language tag (xsd:string / rdf:langString) with different text, or one unbound.  Then
  no two distinct rows tie, the sort order is unique, and the engine's page (however it
  sorts) is the same rows.  Otherwise (numbers, blank nodes, mixed literal types) the
  query goes to the engine as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.tsvorder import keyed_rows, keys_never_tie
from server.executor import _NOT_CODE

_VAR = r"[?$][A-Za-z_]\w*"
_HEAD = re.compile(
    # IRIs are blanked already.  Every repetition starts with a keyword: no nested
    # whitespace quantifiers, which backtrack exponentially over a long prologue.
    r"^\s*(?:(?:PREFIX\s+[\w.\-]*:|BASE)\s*)*"
    rf"SELECT\s+(?:DISTINCT\s+)?(?P<vars>(?:{_VAR}\s+)+)(?:WHERE\b|\{{)",
    re.IGNORECASE,
)
_KEY = rf"(?:{_VAR}|(?:ASC|DESC)\s*\(\s*{_VAR}\s*\))"
_TAIL = re.compile(
    rf"\}}\s*ORDER\s+BY\s+(?P<keys>{_KEY}(?:\s*{_KEY})*)\s*"
    r"(?:LIMIT\s+(?P<l1>\d+)(?:\s+OFFSET\s+(?P<o1>\d+))?"
    r"|OFFSET\s+(?P<o2>\d+)(?:\s+LIMIT\s+(?P<l2>\d+))?)\s*$",
    re.IGNORECASE,
)


def _names(text: str) -> list[str]:
    return [v[1:] for v in re.findall(_VAR, text)]


@dataclass(frozen=True)
class SliceShape:
    full_query: str  # the query without its LIMIT/OFFSET
    key_vars: tuple[str, ...]  # ORDER BY variables, in order
    offset: int
    limit: int | None
    unordered_query: str = ""  # the query without ORDER BY and LIMIT/OFFSET
    descending: tuple[bool, ...] = ()  # per ORDER BY key


def slice_shape(query: str) -> SliceShape | None:
    """The shape described in the module docstring, or None."""
    masked = _NOT_CODE.sub(lambda m: " " * len(m.group()), query)
    head = _HEAD.match(masked)
    tail = _TAIL.search(masked)
    if head is None or tail is None:
        return None
    projected = set(_names(head.group("vars")))
    key_vars = tuple(_names(tail.group("keys")))
    if not projected or not projected <= set(key_vars):
        return None
    limit = tail.group("l1") or tail.group("l2")
    offset = tail.group("o1") or tail.group("o2") or "0"
    # the text after the ORDER BY keys is the slice clause (and whitespace) only
    full = query[: tail.end("keys")].rstrip()
    descending = tuple(
        k.upper().startswith("DESC") for k in re.findall(_KEY, tail.group("keys"), re.I)
    )
    return SliceShape(
        full,
        key_vars,
        int(offset),
        None if limit is None else int(limit),
        unordered_query=query[: tail.start() + 1],
        descending=descending,
    )


def strictly_ordered(tsv: bytes, key_vars: tuple[str, ...]) -> bool:
    """Whether neighbouring distinct rows of an ordered TSV result never tie (see above)."""
    keyed = keyed_rows(tsv, key_vars)
    return keyed is not None and keys_never_tie(key for key, _ in keyed[2])


@dataclass(frozen=True)
class OrderedRows:
    """A full ordered result as TSV: the header line and the row lines."""

    header: bytes
    lines: list[bytes]

    @classmethod
    def from_tsv(cls, tsv: bytes) -> OrderedRows:
        header, _, rest = tsv.partition(b"\n")
        lines = rest.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return cls(header, lines)

    def page(self, offset: int, limit: int | None) -> bytes:
        end = None if limit is None else offset + limit
        rows = self.lines[offset:end]
        return b"\n".join([self.header, *rows]) + b"\n"

    @property
    def size(self) -> int:
        return len(self.header) + sum(len(line) + 50 for line in self.lines)


def sort_unordered(tsv: bytes, key_vars: tuple[str, ...], descending: tuple[bool, ...]):
    """The rows of an *unordered* TSV result in the ORDER BY order, as an OrderedRows, or
    None when some key is not a kind whose order is certain (then the engine sorts).

    Oxigraph sorts large results slowly (3.3 s for 63,600 labels at 1M triples; unordered
    plus this sort: 1.2 s), so the full ordered result of a page is built here.  The
    strictness test of the module docstring is applied to the sorted rows: where it holds,
    the order is unique and therefore the engine's."""
    keyed = keyed_rows(tsv, key_vars)
    if keyed is None:
        return None
    header, lines, rows = keyed
    if any(descending):
        # stable sorts from the last key to the first give mixed ASC/DESC orders
        for k in reversed(range(len(key_vars))):
            rows.sort(key=lambda item, k=k: item[0][k][:2], reverse=descending[k])
    else:
        rows.sort(key=lambda item: [part[:2] for part in item[0]])
    if not keys_never_tie(key for key, _ in rows):
        return None
    return OrderedRows(header, [lines[i] for _, i in rows])
