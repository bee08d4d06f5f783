"""The order SPARQL's ORDER BY gives to terms as a TSV result writes them.

Used to sort SPARQL results outside the engine (`server.slices`, `graph.listing_index`)
only where the order is certain to be the engine's: IRIs and string literals without
escapes, compared by code point, and only when no two distinct neighbouring rows tie.
"""

from __future__ import annotations

import re
from functools import cache

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# SPARQL orders unbound < blank nodes < IRIs < literals; strings by code point, which is
# also how Python compares str (and Oxigraph compares UTF-8 bytes).
_RANK = {"unbound": 0, "iri": 2, "literal": 3}


def keyed_rows(tsv: bytes, key_vars: tuple[str, ...]):
    """(header, row lines, [(sort key, line index)]) of a TSV result, with each key term
    read straight from its TSV text (see `term_key`); None when a key's order is not
    certain or the TSV is not one row per line."""
    header, _, rest = tsv.partition(b"\n")
    columns = {name.lstrip("?$"): i for i, name in enumerate(header.decode().split("\t"))}
    if not all(v in columns for v in key_vars):
        return None
    positions = [columns[v] for v in key_vars]
    lines = rest.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    rows = []
    for i, line in enumerate(lines):
        fields = line.decode().split("\t")
        if len(fields) != len(columns):
            return None
        key = []
        for p in positions:
            term = term_key(fields[p])
            if term is None:
                return None
            key.append(term)
        rows.append((tuple(key), i))
    return header, lines, rows


def term_key(field: str) -> tuple | None:
    """(rank, value, kind) of one TSV term, or None when its order is not certain."""
    if not field:
        return (_RANK["unbound"], "", _UNBOUND_KIND)
    if field[0] == "<" and field[-1] == ">":
        if "\\" in field:
            return None  # an escaped IRI: keep to the plain case
        return (_RANK["iri"], field[1:-1], _IRI_KIND)
    if field[0] == '"':
        value, suffix = _literal(field)
        if value is None:
            return None
        if suffix == "" or suffix == _TYPED_STRING:
            return (_RANK["literal"], value, _STRING_KIND)
        if suffix.startswith("@"):
            return (_RANK["literal"], value, _lang_kind(suffix[1:].lower()))
    return None  # blank nodes, numbers and other datatypes


def lexical_form(field: str) -> str | None:
    """``STR()`` of a TSV term: an IRI's text, a literal's lexical form (unescaped), a
    number or boolean as written; None for blank nodes and unreadable escapes."""
    if not field or field.startswith("_:"):
        return None
    if field[0] == "<" and field[-1] == ">":
        return None if "\\" in field else field[1:-1]
    if field[0] == '"':
        return _literal(field)[0]
    return field  # xsd:integer, decimal, double and boolean are written bare


def _literal(field: str) -> tuple[str | None, str]:
    """(lexical form, unescaped, or None if unreadable; what follows the closing quote:
    "", "@lang" or "^^<datatype>") of a TSV literal."""
    end = field.rfind('"')
    body, suffix = field[1:end], field[end + 1 :]
    return (_unescape(body) if "\\" in body else body), suffix


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str | None:
    """The value of an escaped N-Triples/TSV string body (ECHAR and UCHAR escapes), or None
    for anything else (then the order is left to the engine)."""
    unknown = False

    def replace(match: re.Match) -> str:
        nonlocal unknown
        code = match.group(1) or match.group(2)
        char = chr(int(code, 16)) if code and int(code, 16) <= 0x10FFFF else None
        if code is None:
            char = _ECHAR.get(match.group(3))
        if char is None:
            unknown = True
            return ""
        return char

    value = _ESCAPE.sub(replace, text)
    return None if unknown else value


# Shared kind tuples: a listing of 60,000 labels holds one per row while it is sorted.
_TYPED_STRING = f"^^<{XSD_STRING}>"
_STRING_KIND = ("literal", XSD_STRING, "")
_IRI_KIND = ("iri",)
_UNBOUND_KIND = ("unbound",)


@cache
def _lang_kind(language: str) -> tuple[str, str, str]:
    return ("literal", RDF_LANG_STRING, language)


def keys_never_tie(keys) -> bool:
    """Whether every two neighbouring distinct rows differ strictly at their first
    differing key: same kind and different values, or an IRI against a literal.  "x"@en
    next to "y"@fr, or two keys that differ only in form, are not certain."""
    previous: tuple | None = None
    for key in keys:
        if previous is not None and key != previous:
            for a, b in zip(previous, key, strict=True):
                if a == b:
                    continue
                kind_a, kind_b = a[2], b[2]
                if kind_a == kind_b and (kind_a[0] == "unbound" or a[1] == b[1]):
                    return False
                if kind_a[0] == "literal" and kind_b[0] == "literal" and kind_a != kind_b:
                    return False
                break
        previous = key
    return True
