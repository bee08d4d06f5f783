"""Cleaning of one line/block of report text: markup, footnote markers, OCR damage.

The parse stage works on lines of a markdown-ish export of a PDF.  These helpers turn
such a line into plain readable text.  They never invent words: an OCR-split word is
only re-joined when the joined form occurs elsewhere in the same document (see
``Vocabulary``), and garbage is only dropped when it cannot be real text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")

# A private-use character marks the place where garbage was dropped, so that a plain
# number left right after it can still be recognised as a footnote marker.
JUNK_MARK = "\ue000"

# Spaces that are typographic variants of a plain space.  Thin spaces between digits are
# thousands separators and are kept (the quantities stage parses "1 052" style numbers).
_THIN_SPACES = "\u2009\u202f"
_OTHER_SPACES = re.compile(r"[\u00a0\u2000-\u2008\u200a\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# "Ž 2" / "Ž2": the page-number artefact of one PDF export (a footer glyph plus number).
_PAGE_ARTEFACT = re.compile(r"\s*Ž\s*\d{0,4}\s*$")

_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|br|sub|small|font)\b[^>]*>", re.IGNORECASE)
_SUP_TAG = re.compile(r"<sup>\s*([^<]{0,12}?)\s*</sup>", re.IGNORECASE)
# An exponent, not a footnote marker: "2,165m<sup>3</sup>", "12 km<sup>2</sup>".
_EXPONENT_SUP = re.compile(r"(?<=\d)(\s?(?:m|km|cm|mm|ft))<sup>\s*([23])\s*</sup>", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)\s]*)\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_ESCAPED = re.compile(r"\\([\\*_()\[\]#+\-.!`{}|>])")
_ESCAPE_SENTINELS = {"*": "\ue001", "_": "\ue002", "#": "\ue003"}

_KEEP = "\ue020"  # marks a superscript that is an exponent, not a footnote marker
_EXPONENTS = {"2": "²", "3": "³"}
_EXPONENT_CHAR = re.compile(r"(?<=\d)(\s?(?:m|km|cm|mm|ft))([²³])(?![⁰-⁹¹²³])")
_SUP_RUN = re.compile(f"(?<!{_KEEP})[{SUPERSCRIPT_DIGITS}]+")
_SUP_MARKER = re.compile(r"\s?\ue010(\d{1,3})\ue011")
# Markdown footnote references ("text[^4]"), as pandoc-style converters write them.
_MD_FOOTNOTE_REF = re.compile(r"\[\^(\d{1,3})\](?!:)")

_LATEX_TOKEN = re.compile(r"\\[A-Za-z]+|[{}$]|[A-Za-z]\][A-Za-z]|\][A-Za-z]|[A-Za-z]\[[A-Za-z]")
# A dollar sign that is money, not LaTeX: "US$", "$12", "US$4.5m", "(C$ 300)".
_MONEY_TOKEN = re.compile(r"[(\[]?(?:[A-Z]{1,3})?\$(?:\d[\d,.]*(?:bn|mn|m|k)?)?[)\],.;:]*")
_WORDISH = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
_ALLOWED_SINGLE = set("aAI&–—-/%+=<>·•0123456789$€£")

_TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’]*")


def normalise_spaces(line: str) -> str:
    """Plain spaces for non-breaking/typographic ones; thin spaces kept only between digits."""
    line = _ZERO_WIDTH.sub("", line)
    line = _OTHER_SPACES.sub(" ", line)
    if any(c in line for c in _THIN_SPACES):
        line = re.sub(f"(?<!\\d)[{_THIN_SPACES}]|[{_THIN_SPACES}](?!\\d)", " ", line)
    return line


def strip_page_artefact(line: str) -> str:
    return _PAGE_ARTEFACT.sub("", line)


def protect_escapes(text: str) -> str:
    """Markdown escapes (``\\*``) become sentinels so emphasis stripping keeps them."""

    def repl(m: re.Match[str]) -> str:
        char = m.group(1)
        return _ESCAPE_SENTINELS.get(char, char)

    return _ESCAPED.sub(repl, text)


def restore_escapes(text: str) -> str:
    for char, sentinel in _ESCAPE_SENTINELS.items():
        text = text.replace(sentinel, char)
    return text


def mark_footnote_markers(text: str) -> str:
    """Turn ``<sup>3</sup>`` and ``³`` markers into internal delimiters ``\\ue010 3 \\ue011``.

    Exponents of units after a number ("2,165m<sup>3</sup>", "40 m²") are kept as ``m³``.
    """
    text = _EXPONENT_SUP.sub(lambda m: m.group(1) + _KEEP + _EXPONENTS[m.group(2)], text)
    text = _EXPONENT_CHAR.sub(lambda m: m.group(1) + _KEEP + m.group(2), text)

    def sup(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        return f"\ue010{inner}\ue011" if inner.isdigit() else inner

    text = _SUP_TAG.sub(sup, text)
    text = _MD_FOOTNOTE_REF.sub(lambda m: f"\ue010{m.group(1)}\ue011", text)
    text = _SUP_RUN.sub(
        lambda m: f"\ue010{m.group(0).translate(_SUPERSCRIPT_TO_ASCII)}\ue011", text
    )
    return text.replace(_KEEP, "")


def take_footnote_markers(text: str) -> tuple[str, tuple[int, ...]]:
    """Remove marked inline footnote markers; return the text and the marker numbers."""
    refs = tuple(int(n) for n in _SUP_MARKER.findall(text))
    return _SUP_MARKER.sub("", text), refs


def strip_markup(text: str) -> str:
    """Drop markdown emphasis, links and inline HTML, keeping the words."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = re.sub(r"</?sup>", "", text, flags=re.IGNORECASE)
    text = text.replace("*", "")
    # Underscore emphasis only when it wraps words (keep snake_case and file_names).
    text = re.sub(r"(?<![\w])_{1,3}(?=\w)|(?<=\w)_{1,3}(?![\w])", "", text)
    return text


def _is_latex(token: str) -> bool:
    return bool(_LATEX_TOKEN.search(token)) and not _MONEY_TOKEN.fullmatch(token)


def is_junk_token(token: str) -> bool:
    """OCR/LaTeX garbage that cannot be a word of the report."""
    if _is_latex(token):
        return True
    if len(token) == 1:
        return token not in _ALLOWED_SINGLE
    core = token.strip("()[],.;:")
    if not core:
        return True
    # "(O" / "ZI)" style fragments: one or two letters glued to a bracket.
    return bool(token != core and len(core) == 1 and core.isalpha() and core not in "aAI")


def junk_ratio(text: str) -> float:
    tokens = text.split()
    if not tokens:
        return 0.0
    return sum(is_junk_token(t) for t in tokens) / len(tokens)


def is_junk_line(line: str) -> bool:
    """A line that is mostly garbage (e.g. an OCR-mangled heading with LaTeX fragments)."""
    tokens = line.split()
    if not tokens:
        return False
    junk = sum(is_junk_token(t) for t in tokens)
    if len(tokens) >= 4 and junk / len(tokens) >= 0.3:
        return True
    # Lines without a single real word (two letters or more) are noise too.
    return not any(len(t) > 1 and _WORDISH.search(t) and not is_junk_token(t) for t in tokens) and (
        junk > 0
    )


def drop_junk_tokens(text: str) -> str:
    """Remove garbage tokens (``\\hat{l}]bZcfa``) and single letters stranded among them."""
    tokens = text.split(" ")
    flags = [bool(t) and _is_latex(t) for t in tokens]
    if not any(flags):
        return text
    # A single stray letter next to garbage is part of it ("k]bXck g \hat{l}").
    for i, token in enumerate(tokens):
        if flags[i] or len(token) != 1 or token in _ALLOWED_SINGLE:
            continue
        if (i > 0 and flags[i - 1]) or (i + 1 < len(tokens) and flags[i + 1]):
            flags[i] = True
    out: list[str] = []
    for token, junk in zip(tokens, flags, strict=True):
        if junk:
            if not out or out[-1] != JUNK_MARK:
                out.append(JUNK_MARK)
        else:
            out.append(token)
    return " ".join(out)


# "W izard", "D evelopment": a lone capital, a space, then the rest of the word.
_SPLIT_CAPITAL = re.compile(r"(?<!\w)(?<!\w['’])([A-Z]) ([a-z]{2,})\b")
# "IO M": an upper-case stem, a space, then a lone trailing capital.
_SPLIT_TAIL = re.compile(r"(?<!\w)(?<!\w['’])([A-Z]{2,}) ([A-Z])(?!\w)")
# "migra-\ntion": a word hyphenated at a line end (in the raw file) ...
_LINE_END_HYPHEN = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿ]+)-[ \t]*\r?\n[ \t]*([a-zà-öø-ÿ]+)")
# ... and the same break once the block's lines are joined with a space ("migra- tion").
_JOINED_HYPHEN = re.compile(r"(?<![\w-])([A-Za-zÀ-ÖØ-öø-ÿ]+)- ([a-zà-öø-ÿ]+)\b")
# Hyphenated compounds written on one line ("middle-income"), to keep their hyphen.
_COMPOUND = re.compile(r"\b[A-Za-zÀ-ÖØ-öø-ÿ]+-[A-Za-zÀ-ÖØ-öø-ÿ]+\b")


@dataclass
class Vocabulary:
    """Word counts of a whole document, used to check OCR repairs against real usage.

    ``fragments`` counts the pieces of candidate OCR splits ("evelopment" in "D evelopment"),
    so that a fragment only counts as a word when it also occurs on its own.
    """

    counts: Counter[str]
    fragments: Counter[str]
    compounds: frozenset[str] = frozenset()  # hyphenated words written on one line

    @classmethod
    def of(cls, text: str) -> Vocabulary:
        counts = Counter(_key(t) for t in _TOKEN.findall(text))
        fragments: Counter[str] = Counter()
        for m in _SPLIT_CAPITAL.finditer(text):
            fragments[_key(m.group(2))] += 1
        for m in _SPLIT_TAIL.finditer(text):
            fragments[_key(m.group(1))] += 1
        for m in _LINE_END_HYPHEN.finditer(text):
            # both halves of a word broken at a line end are pieces, not words
            fragments[_key(m.group(1))] += 1
            fragments[_key(m.group(2))] += 1
        compounds = frozenset(_key(c) for c in _COMPOUND.findall(text))
        return cls(counts, fragments, compounds)

    def __contains__(self, word: str) -> bool:
        return self.counts.get(_key(word), 0) > 0

    def is_word(self, word: str) -> bool:
        """Occurs on its own, not only as the fragment of an OCR split."""
        key = _key(word)
        return self.counts.get(key, 0) > self.fragments.get(key, 0)


def _key(word: str) -> str:
    return word.casefold().rstrip("'’")


def repair_split_words(text: str, vocab: Vocabulary) -> str:
    """Re-join words that OCR split after/before a single capital letter.

    Conservative: the joined word must occur in the document, and the fragments must not
    be words on their own ("a new" stays, "I n" needs "In" and no word "n").
    """

    def join_head(m: re.Match[str]) -> str:
        head, rest = m.group(1), m.group(2)
        if head + rest in vocab and not vocab.is_word(rest):
            return head + rest
        return m.group(0)

    def join_tail(m: re.Match[str]) -> str:
        stem, tail = m.group(1), m.group(2)
        if stem + tail in vocab and not vocab.is_word(stem):
            return stem + tail
        return m.group(0)

    text = _SPLIT_CAPITAL.sub(join_head, text)
    return _SPLIT_TAIL.sub(join_tail, text)


def repair_hyphen_breaks(text: str, vocab: Vocabulary) -> str:
    """Re-join a word hyphenated at a line end ("migra- tion" -> "migration").

    The joined word wins when the document uses it; a compound the document writes with a
    hyphen elsewhere keeps it ("middle- income" -> "middle-income"); otherwise the word is
    joined only when the second piece is not a word of its own, so "low- and middle-income"
    stays as written.
    """

    def join(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        joined = head + tail
        if vocab.is_word(joined):
            return joined
        if _key(f"{head}-{tail}") in vocab.compounds:
            return f"{head}-{tail}"
        if not vocab.is_word(tail):
            return joined
        return m.group(0)

    return _JOINED_HYPHEN.sub(join, text)


def tidy_spaces(text: str) -> str:
    """Collapse runs of spaces and remove spaces before closing punctuation."""
    text = re.sub(r"[ \t]+", " ", text).strip()
    text = re.sub(r" +([,;:.!?)\]])(?=\s|$)", r"\1", text)
    return text


def clean_inline(text: str, vocab: Vocabulary) -> tuple[str, tuple[int, ...]]:
    """A block's raw text -> (clean text, footnote marker numbers found in it)."""
    text = protect_escapes(text)
    text = mark_footnote_markers(text)
    text = strip_markup(text)
    text = drop_junk_tokens(text)
    text = restore_escapes(text)
    text = repair_hyphen_breaks(text, vocab)
    text = repair_split_words(text, vocab)
    text, refs = take_footnote_markers(text)
    return text, refs
