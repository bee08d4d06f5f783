"""The SPARQL lexer the server's query readers share (join-order hints, the index shape
parsers): tokens with their kind, text and place; None for a text it does not know, so a
reader leaves such a query to the engine as written."""

from __future__ import annotations

import re
from typing import NamedTuple

_LEXER = re.compile(
    r"""(?P<space>\s+|\#[^\n\r]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
        |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    |(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
    |(?P<bnode>_:[A-Za-z0-9_](?:[\w.\-]*[\w\-])?)
    |(?P<pname>(?:[A-Za-z\u00c0-\uffff](?:[\w.\-\u00b7\u00c0-\uffff]*[\w\-\u00b7\u00c0-\uffff])?)?
        :(?:[\w:\-\u00c0-\uffff](?:[\w.:\-\u00b7\u00c0-\uffff]*[\w:\-\u00b7\u00c0-\uffff])?)?)
    |(?P<number>[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+))
    |(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<datatype>\^\^)
    |(?P<punct>[{}()\[\].;,*|/^?+!=<>&\-])""",
    re.VERBOSE,
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def lex(query: str) -> list[Token] | None:
    tokens, position, end = [], 0, len(query)
    match_at, append = _LEXER.match, tokens.append
    while position < end:
        match = match_at(query, position)
        if match is None:
            return None
        kind, after = match.lastgroup, match.end()
        if kind != "space":
            append(Token(kind or "", query[position:after], position, after))
        position = after
    return tokens
