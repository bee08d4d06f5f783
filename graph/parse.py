"""Parse stage: a report's text file -> ``Document`` (sections, passages, tables, acronyms).

The input is a markdown-ish text export of a PDF report: markdown / bold / ALL-CAPS
headings, numbered paragraphs that continue across page breaks, boxes, footnotes
(``<sup>2</sup>`` or OCR superscripts ``¹⁵``), tab-separated tables split over pages,
an acronym list, a table of contents, and OCR damage.  Parsing happens in three steps:

1. lines -> blocks (``_blocks``): runs of lines that form one structural unit;
2. blocks -> drafts (``_Builder``): a reading-order state machine that tracks the heading
   path, the open box, the paragraph that may continue after a page break, and the
   table being filled;
3. drafts -> ``Document``: the cleaned full text is the passages joined in reading order,
   so every passage is a verbatim slice of it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph import reference
from graph.errors import InputError
from graph.model import Document, Passage, Section, Table
from graph.textclean import (
    JUNK_MARK,
    SUPERSCRIPT_DIGITS,
    Vocabulary,
    clean_inline,
    drop_junk_tokens,
    is_junk_line,
    normalise_spaces,
    repair_hyphen_breaks,
    strip_page_artefact,
    tidy_spaces,
)

MAX_BYTES = 50 * 1024 * 1024
# Prose a report has at the least: a one-page snapshot or fact sheet has ~100 words; a
# table dump, a title page or a stray note has (almost) none.
MIN_WORDS = 80
PASSAGE_SEPARATOR = "\n\n"

# --- reading and decoding ------------------------------------------------------------------


def doc_id_for(path: str | Path) -> str:
    """Slug of the file stem: lowercase ``[a-z0-9-]``."""
    slug = _slug(Path(path).stem)
    return slug or "document"


def parse_file(path: str | Path) -> Document:
    """Read, check and decode a report file, then parse it."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise InputError(shown, "file not found")
    if p.is_dir():
        raise InputError(shown, "is a directory, not a report file")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise InputError(
            shown, f"file is {size / 1e6:.0f} MB; the limit is {MAX_BYTES // 10**6} MB"
        )
    data = p.read_bytes()
    text = decode_report_bytes(data, shown)
    return parse_text(text, doc_id_for(p), shown, sha256=hashlib.sha256(data).hexdigest())


def decode_report_bytes(data: bytes, shown: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused.

    Guessing a legacy code page would silently produce mojibake in the graph.
    """
    if not data.strip():
        raise InputError(shown, "file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(shown, f"invalid UTF-16 text ({exc.reason})") from None
    else:
        if b"\x00" in data:
            raise InputError(shown, "binary file (contains NUL bytes), not a text report")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                shown,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "convert the file to UTF-8",
            ) from None
    if not text.strip():
        raise InputError(shown, "file is empty (whitespace only)")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if "\x00" in text or controls > max(10, len(text) // 100):
        raise InputError(shown, "binary file (mostly control characters), not a text report")
    return text


# --- block segmentation ----------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(?!\d)(?=\S)")
_DOTTED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+")
_BULLET = re.compile(r"^\s*(?:[-•▪◦]|\*(?!\*)|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})\))\s+")
_FOOTNOTE_START = re.compile(
    rf"^\s*(?:<sup>\s*(\d{{1,3}})\s*</sup>|([{SUPERSCRIPT_DIGITS}]{{1,3}})|\[\^(\d{{1,3}})\]:)"
    r"\s*(?=\S)"
)
# A footnote written as a plain number at the start of a line ("4 See resolution 73/195").
# Only taken as one when the text also carries marker 4 glued to a word ("Compact.4").
_PLAIN_FOOTNOTE = re.compile(r"^(\d{1,3})\s+(?=[A-Z“\"(])")
_GLUED_MARKER = re.compile(
    r"(?<=[a-z][a-z][.,;:)”’\"])(\d{1,3})(?=\s|$)|(?<=[a-z]{3})(\d{1,2})(?=[\s.,;:]|$)"
)
# Running page headers/footers of a PDF export ("IOM COUNCIL 114th SESSION   Page 7").
_PAGE_NUMBER = re.compile(
    r"^(?:.{0,80}?\s)?(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$|^\s*[-–—]\s*\d{1,4}\s*[-–—]\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TOC_LINE = re.compile(r"(?:\.{3,}|…+)\s*(?:\d{1,3}|[ivxlc]{1,6})\s*$", re.IGNORECASE)
# A line that is one figure and nothing else: "31.1 million", "USD 3.05 billion", "38%".
_FIGURE_LINE = re.compile(
    r"(?:(?:over|more than|nearly|almost|about|around|some|approximately|up to)\s+)?"
    r"(?:(?:USD|US\$|EUR|CHF|GBP|\$|€|£)\s?)?\d[\d,.]*"
    r"(?:\s?%|\s?(?:per\s?cent|million|billion|thousand|m|bn|k)\b)?\+?",
    re.IGNORECASE,
)
_EMPHASIS_ONLY = re.compile(r"^\s*(\*{1,3})(?=\S)(.+?)(?<=\S)\1\s*$", re.DOTALL)


@dataclass
class Block:
    kind: str  # md-heading | emph-heading | toc | table | footnote | separator | bullet | numbered | prose
    lines: list[str]
    level: int = 0  # markdown heading level (md-heading)
    emphasis: int = 0  # number of * around an emphasis-only heading

    @property
    def raw(self) -> str:
        lines = [line.strip() for line in self.lines]
        if len(lines) >= 2 and _FIGURE_LINE.fullmatch(lines[-1]) and lines[-2][-1:].isalpha():
            # a "facts and figures" box: a label line, then its figure on a line of its own
            return " ".join(lines[:-1]) + ": " + lines[-1]
        return " ".join(lines)


def _line_kind(line: str) -> str:
    if line == QUOTE_END:
        return "quote-end"
    if _MD_HEADING.match(line):
        return "md-heading"
    if _TOC_LINE.search(line):
        return "toc"
    if "\t" in line.strip(" "):
        return "table"
    if _SEPARATOR.match(line):
        return "separator"
    if _FOOTNOTE_START.match(line):
        return "footnote"
    if _NUMBERED.match(line.lstrip()):
        return "numbered"
    if _BULLET.match(line):
        return "bullet"
    return "prose"


def _emphasis_only(text: str) -> tuple[int, str] | None:
    """``**Annex II**`` -> (2, "Annex II"); None when the text is not wholly emphasised."""
    m = _EMPHASIS_ONLY.match(text)
    if not m:
        return None
    inner = m.group(2)
    if len(m.group(1)) >= 2 and "**" in inner.replace("***", ""):
        # "**A** text **B**": emphasis does not wrap the whole line
        return None
    return len(m.group(1)), inner


def _running_headers(raw_lines: list[str]) -> set[str]:
    """Lines that are page headers/footers: a page number cue, repeated with other numbers."""
    shapes: Counter[str] = Counter()
    for raw in raw_lines:
        line = normalise_spaces(raw).strip()
        if "\t" not in line and _PAGE_NUMBER.match(line):
            shapes[re.sub(r"\d+", "#", re.sub(r"\s+", " ", line))] += 1
    return {shape for shape, count in shapes.items() if count >= 2}


def _prepare_lines(text: str) -> list[str]:
    lines = []
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    running = _running_headers(raw_lines)
    quoted = False
    for raw in raw_lines:
        # "> text": a markdown block quote (converters put boxes in them) reads as text;
        # where the quote ends, so does a box opened inside it
        spaced = normalise_spaces(raw)
        if raw.strip():
            is_quote = bool(_BLOCKQUOTE.match(spaced))
            if quoted and not is_quote:
                lines += ["", QUOTE_END, ""]
            quoted = is_quote
        line = _table_row_as_tabs(_BLOCKQUOTE.sub("", spaced).rstrip(" "))
        if line is None:
            continue  # a table's delimiter row or markup: the rows around it stay one block
        if running and re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip())) in running:
            line = ""  # a page break: the paragraph around it may continue
        line = strip_page_artefact(line)
        # LaTeX-laden OCR garbage is dropped even from a tab row; other lines are judged
        # by what is left once the garbage tokens are gone.
        plain = drop_junk_tokens(line.replace("\t", " "))
        tabbed = "\t" in line.strip(" ")
        if line.strip() and (not tabbed or JUNK_MARK in plain) and is_junk_line(plain):
            line = ""
        lines.append(line if line.strip(" \t") else "")
    return lines


_BLOCKQUOTE = re.compile(r"^\s*(?:>\s?)+")
QUOTE_END = "\x00end of quote"  # marker line, never in a document (NUL is rejected)
_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_HTML_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.IGNORECASE | re.DOTALL)
_HTML_TABLE_TAG = re.compile(
    r"^\s*(?:</?(?:table|thead|tbody|tfoot|tr|colgroup|col)\b[^>]*>\s*)+$", re.I
)


def _table_row_as_tabs(line: str) -> str | None:
    """Markdown pipe tables and one-row-per-line HTML tables (what PDF-to-markdown
    converters write) become the tab-separated rows the table parser reads; their
    delimiter rows and bare table tags are dropped (None)."""
    if "|" in line:
        if _PIPE_DELIMITER.match(line) and "-" in line:
            return None
        m = _PIPE_ROW.match(line)
        if m:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", m.group(1))]
            if len(cells) >= 2:
                return "\t".join(c.replace("\\|", "|") for c in cells)
    if "<t" in line.lower():
        cells = _HTML_CELL.findall(line)
        if cells:
            return "\t".join(re.sub(r"<[^>]+>", " ", c).strip() for c in cells)
        if _HTML_TABLE_TAG.match(line):
            return None
    return line


def _blocks(lines: list[str]) -> list[Block]:
    """Group lines into structural blocks (a block never mixes kinds)."""
    blocks: list[Block] = []
    current: Block | None = None
    open_emphasis = False  # inside a bold span that continues on the next line
    for line in lines:
        if not line:
            current, open_emphasis = None, False
            continue
        kind = _line_kind(line)
        starts_new = (
            current is None
            or kind != "prose"
            or current.kind not in ("prose", "footnote", "numbered", "bullet")
            or (current.kind == "prose" and _emphasis_only(current.raw) and not open_emphasis)
        )
        if current is not None and kind == "table" and current.kind == "table":
            current.lines.append(line)
            continue
        if starts_new or current is None:
            current = Block(kind, [line])
            if kind == "md-heading":
                m = _MD_HEADING.match(line)
                assert m is not None
                current.level = len(m.group(1))
            blocks.append(current)
        else:
            current.lines.append(line)
        if current.kind in ("md-heading", "separator", "toc", "quote-end"):
            current, open_emphasis = None, False
            continue
        open_emphasis = current.raw.count("**") % 2 == 1
    for block in blocks:
        if block.kind == "prose":
            emph = _emphasis_only(block.raw)
            if emph is not None:
                block.kind, block.emphasis = "emph-heading", emph[0]
    return blocks


# --- heading classification ---------------------------------------------------------------

# One line of an acronym list: "CCCM – Camp Coordination ...", "IDP: internally displaced
# person", "MGI    Migration Governance Indicators" (an acronym holds two capitals or more).
_ACRONYM_LINE = re.compile(
    r"^\s*(?:[-•▪*]\s+)?(?=[\w/&.-]*[A-Z][\w/&.-]*[A-Z])([A-Za-z][\w/&.-]{1,15})"
    r"(?:\s*[–—:=]\s*|\s+-\s+|\s{2,})(\S.*)$"
)


def _acronym_line(line: str) -> tuple[str, str] | None:
    m = _ACRONYM_LINE.match(line.replace("**", ""))
    return (m.group(1), m.group(2)) if m else None


_BOX = re.compile(r"^Box\s+(\d{1,3})\b\s*[.:–—-]?\s*(.*)$", re.IGNORECASE)
_CAPTION = re.compile(
    r"^(Table|Figure|Chart|Graph)\s+(\d{1,3})\b\s*[.:–—-]?\s*(.*)$", re.IGNORECASE
)
_ANNEX = re.compile(r"^(Annex|Appendix)\s+([IVXLC]+|\d{1,2})\b\s*[.:–—-]?\s*(.*)$", re.IGNORECASE)
_CHAPTER = re.compile(r"^(Chapter|Part)\s+([IVXLC]+|\d{1,2})\b", re.IGNORECASE)
_CONTENTS = re.compile(r"^(table of )?contents$", re.IGNORECASE)
_ACRONYM_HEADING = re.compile(
    r"^(list of )?(acronyms|abbreviations)( and (acronyms|abbreviations))?$", re.IGNORECASE
)
_TERMINAL = re.compile(r"[.!?:;][\"”’')\]]*$")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_GENERIC_HEADING_WORDS = {
    "introduction", "foreword", "preface", "contents", "table", "of", "note", "notes",
    "acronyms", "abbreviations", "and", "summary", "executive", "methodology", "limitations",
    "background", "annex", "annexes", "acknowledgements", "overview", "council", "session",
}  # fmt: skip


def _roman_or_int(token: str) -> int:
    if token.isdigit():
        return int(token)
    total, prev = 0, 0
    for char in reversed(token.upper()):
        value = _ROMAN[char]
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total


def _to_roman(n: int) -> str:
    out = ""
    for value, numeral in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"),
                           (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _is_caps_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4 or len(text) > 220 or "\t" in text:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper / len(letters) >= 0.85 and not text.rstrip().endswith((".", ","))


def _is_short_heading(text: str) -> bool:
    """A short mixed-case title line ("Objective 2: Addressing climate-induced mobility ...")."""
    words = text.split()
    return (
        0 < len(words) <= 20
        and len(text) <= 180
        and text[:1].isupper()
        and not _TERMINAL.search(text)
        and not text.rstrip().endswith((",", "-", "–"))
    )


def _slug(text: str, limit: int = 60) -> str:
    text = text.casefold().replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def _norm_title(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


# --- drafts ---------------------------------------------------------------------------------


@dataclass
class _PassageDraft:
    id: str
    kind: str
    text: str
    locator: str
    section: tuple[str, ...]
    section_id: str | None
    number: int | None = None
    refs: list[int] = field(default_factory=list)
    table: _TableDraft | None = None  # a placeholder for a table's row passages


@dataclass
class _SectionDraft:
    id: str
    title: str
    level: int
    parent_id: str | None
    box: int | None = None
    annex: int | None = None


@dataclass
class _TableDraft:
    id: str
    title: str
    locator: str
    section: tuple[str, ...]
    section_id: str | None
    width: int
    header: list[list[str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    row_ids: list[str] = field(default_factory=list)
    pending_group: str = ""  # a row-group label waiting for its first row
    captioned: bool = False  # titled by a "Table N." caption line


@dataclass
class _Box:
    number: int
    section: _SectionDraft
    count: int = 0


_DATA_NUMBER = re.compile(r"^[+\-–]?\d[\d ,.\u2009\u202f]*%?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_LEGEND = re.compile(
    r"^[A-Z][\w./-]{0,9}\s*[:=]\s*[^;]+(;\s*[A-Z][\w./-]{0,9}\s*[:=]\s*[^;]+)+\.?$"
)
_NOTE = re.compile(r"^(notes?|sources?)\s*:", re.IGNORECASE)
_TABLE_CELL_TAGS = re.compile(r"</?(?:b|strong|i|em|u)>", re.IGNORECASE)


def _cell(text: str) -> str:
    text = _TABLE_CELL_TAGS.sub("", text).replace("*", "")
    return re.sub(r"\s+", " ", normalise_spaces(text)).strip()


def _is_data(cell: str) -> bool:
    return bool(_DATA_NUMBER.match(cell)) and not _YEAR.match(cell)


def _is_header_row(row: list[str]) -> bool:
    return not any(_is_data(c) for c in row[1:]) and any(row)


class _Builder:
    """Reading-order state machine turning blocks into passage/section/table drafts."""

    def __init__(
        self,
        doc_id: str,
        vocab: Vocabulary,
        footnote_numbers: set[int],
        plain_footnotes: frozenset[int] = frozenset(),
    ) -> None:
        self.doc_id = doc_id
        self.vocab = vocab
        self.footnote_numbers = footnote_numbers | plain_footnotes
        self.plain_footnotes = plain_footnotes
        self.passages: list[_PassageDraft] = []
        self.sections: list[_SectionDraft] = []
        self.tables: list[_TableDraft] = []
        self.acronyms: list[tuple[str, str]] = []
        self.stack: list[_SectionDraft] = []
        self.box: _Box | None = None
        self.continuable: _PassageDraft | None = None
        self.open_table: _TableDraft | None = None
        self.caption: tuple[int, str] | None = None
        self.mode = "body"  # body | toc | acronyms
        self.toc_titles: set[str] = set()
        self.toc_done = False  # the table of contents has been read past
        self.last_paragraph = 0
        self.top_level = 1
        self.has_numbered = False
        self.ids: Counter[str] = Counter()
        self.text_counts: Counter[str] = Counter()
        self.tables_in_scope: Counter[str] = Counter()

    # -- ids and sections

    def unique(self, base: str) -> str:
        self.ids[base] += 1
        return base if self.ids[base] == 1 else f"{base}-{self.ids[base]}"

    def path(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.stack)

    def current_annex(self) -> int | None:
        for s in reversed(self.stack):
            if s.annex is not None:
                return s.annex
        return None

    def open_section(self, title: str, level: int, box: int | None = None) -> _SectionDraft:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        parent = self.stack[-1].id if self.stack else None
        annex = _ANNEX.match(title)
        section = _SectionDraft(
            id=self.unique("s-" + (_slug(title) or "section")),
            title=title,
            level=level,
            parent_id=parent,
            box=box,
            annex=_roman_or_int(annex.group(2)) if annex else None,
        )
        self.sections.append(section)
        self.stack.append(section)
        return section

    def add(self, kind: str, text: str, locator: str, pid: str, refs=(), number=None):
        section_id = self.stack[-1].id if self.stack else None
        draft = _PassageDraft(
            id=self.unique(pid),
            kind=kind,
            text=text,
            locator=locator,
            section=self.path(),
            section_id=section_id,
            number=number,
            refs=list(refs),
        )
        self.passages.append(draft)
        return draft

    # -- cleaning

    def clean(self, raw: str) -> tuple[str, list[int]]:
        text, refs = clean_inline(raw, self.vocab)
        text = tidy_spaces(text)
        # A plain number right after dropped garbage or a sentence end is an OCR'd
        # footnote marker ("pathways. 15") when the document defines that footnote.
        m = re.search(rf"(?:{JUNK_MARK}|(?<=[.!?”\"')]))\s*(\d{{1,3}})$", text)
        found = list(refs)
        if m and int(m.group(1)) in self.footnote_numbers:
            found.append(int(m.group(1)))
            text = text[: m.start()]
        text = tidy_spaces(text.replace(JUNK_MARK, " "))
        if self.plain_footnotes:
            text, glued = self.take_glued_markers(text)
            found += glued
        return text, found

    def take_glued_markers(self, text: str) -> tuple[str, list[int]]:
        """Remove "Compact.4"-style markers of footnotes the report writes as "4 Text"."""
        found: list[int] = []

        def repl(m: re.Match[str]) -> str:
            number = int(m.group(1) or m.group(2))
            if number in self.plain_footnotes:
                found.append(number)
                return ""
            return m.group(0)

        return _GLUED_MARKER.sub(repl, text), found

    def close_box(self) -> None:
        """Leave the open box and any figure headings inside it."""
        if self.box is None:
            return
        level = self.box.section.level
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        self.box = None

    # -- block handlers

    def heading(self, title: str, level: int, refs: list[int], next_blocks: list[Block]) -> None:
        self.continuable = None
        self.open_table = None
        if not title:
            return
        caption = _CAPTION.match(title)
        if caption and caption.group(1).lower() == "table":
            self.caption = (int(caption.group(2)), caption.group(3) or title)
            return
        if self.box is not None and not self.ends_box(title, next_blocks):
            section = self.open_section(title, self.box.section.level + 1, box=self.box.number)
            self.add("heading", title, title[:80], section.id + "-heading", refs)
            return
        self.close_box()
        if self.mode == "toc":
            self.toc_done = True
        self.mode = "body"
        norm = _norm_title(title)
        if self.is_figure_title(title):
            # A chart/infographic title: a citable heading, but not a section of the report.
            self.add("heading", title, title[:80], "h-" + (_slug(title) or "heading"), refs)
            return
        if _CONTENTS.match(norm):
            self.mode = "toc"
        elif _ACRONYM_HEADING.match(norm):
            self.mode = "acronyms"
        box = _BOX.match(title)
        if box and self.stack:
            # A box belongs to the section it appears in, whatever its markup level says.
            level = max(level, self.stack[-1].level + 1)
        section = self.open_section(title, level, box=int(box.group(1)) if box else None)
        if box:
            self.box = _Box(int(box.group(1)), section)
            locator = f"Box {box.group(1)}"
        else:
            locator = title[:80]
        self.add("heading", title, locator, section.id + "-heading", refs)

    def is_figure_title(self, title: str) -> bool:
        """After a table of contents, body headings it does not list are figure titles."""
        if not (self.toc_done and self.toc_titles) or self.current_annex() is not None:
            return False
        if any(p.match(title) for p in (_BOX, _ANNEX, _CHAPTER, _CAPTION)):
            return False
        norm = _norm_title(title)
        return not (
            norm in self.toc_titles or _CONTENTS.match(norm) or _ACRONYM_HEADING.match(norm)
        )

    def ends_box(self, title: str, next_blocks: list[Block]) -> bool:
        if _BOX.match(title) or _ANNEX.match(title) or _norm_title(title) in self.toc_titles:
            return True
        for block in next_blocks:
            if block.kind in ("footnote", "separator", "md-heading", "emph-heading"):
                continue
            if block.kind == "numbered":
                return self.paragraph_number(block) is not None
            break
        # Without a contents list or numbered paragraphs nothing tells a figure title inside
        # the box from the next section: end the box to be safe.
        return not self.toc_titles and not self.has_numbered

    def paragraph_number(self, block: Block) -> int | None:
        m = _NUMBERED.match(block.lines[0].lstrip())
        if not m:
            return None
        n = int(m.group(1))
        # Report paragraphs are numbered in sequence; "1." inside a box is a list item.
        return n if self.last_paragraph < n <= self.last_paragraph + 25 else None

    def numbered(self, block: Block) -> None:
        if len(block.lines) == 1:
            title, refs = self.clean(block.raw.strip())
            rest = _NUMBERED.sub("", title, count=1)
            if _is_caps_heading(rest) and len(rest.split()) <= 15:
                # "1. INTRODUCTION": a numbered chapter heading, not paragraph 1
                self.heading(title, self.top_level, refs, [])
                return
        n = self.paragraph_number(block)
        if n is None:
            self.prose(block, bullet=True)
            return
        self.close_box()
        self.open_table = None
        self.last_paragraph = n
        text, refs = self.clean(_NUMBERED.sub("", block.raw.lstrip(), count=1))
        draft = self.add("paragraph", text, f"paragraph {n}", f"para-{n}", refs, number=n)
        self.continuable = draft

    def footnote(self, block: Block) -> None:
        m = _FOOTNOTE_START.match(block.raw)
        assert m is not None
        number = int(
            (m.group(1) or m.group(2) or m.group(3)).translate(
                str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
            )
        )
        self.add_footnote(number, block.raw[m.end() :])

    def add_footnote(self, number: int, raw: str) -> None:
        # a paragraph cut by the page's footnotes continues after them: keep it continuable
        text, refs = self.clean(raw)
        self.add("footnote", text, f"footnote {number}", f"fn-{number}", refs, number=number)

    def prose(self, block: Block, bullet: bool = False) -> None:
        raw = block.raw
        if bullet:
            raw = _BULLET.sub("", raw, count=1)
        if self.mode == "toc":
            return
        text, refs = self.clean(raw)
        if not text:
            return
        if self.open_table is not None and self.attach_note(text):
            return
        self.open_table = None
        if not bullet and self.continues(text):
            assert self.continuable is not None
            joined = f"{self.continuable.text} {text}"
            self.continuable.text = repair_hyphen_breaks(joined, self.vocab)
            self.continuable.refs.extend(refs)
            return
        if self.box is not None:
            self.box.count += 1
            n, count = self.box.number, self.box.count
            draft = self.add("box", text, f"Box {n}", f"box-{n}-p{count}", refs)
        else:
            scope = self.stack[-1] if self.stack else None
            key = scope.id if scope else "front"
            self.text_counts[key] += 1
            k = self.text_counts[key]
            title = scope.title[:60] if scope else "front matter"
            draft = self.add(
                "text", text, f"{title}, unnumbered paragraph {k}", f"{key}-p{k}", refs
            )
        self.continuable = draft

    def continues(self, text: str) -> bool:
        prev = self.continuable
        if prev is None or not text:
            return False
        starts_lower = text[0].islower()
        # A sentence cut by a page break: the previous paragraph stops mid-sentence.  Short
        # figure captions ("27 National governments") also lack a full stop; never join them.
        open_end = not _TERMINAL.search(prev.text)
        if prev.kind == "paragraph":
            return starts_lower or open_end
        if prev.kind == "box":
            return starts_lower or (open_end and len(prev.text.split()) >= 20)
        return starts_lower and open_end

    def attach_note(self, text: str) -> bool:
        assert self.open_table is not None
        if _LEGEND.match(text) or _NOTE.match(text) or text.startswith("*"):
            self.open_table.notes.append(text)
            return True
        return False

    def toc_line(self, block: Block) -> None:
        for line in block.lines:
            title = re.sub(r"(?:\.{3,}|…+).*$", "", line)
            text, _ = clean_inline(title, self.vocab)
            norm = _norm_title(text)
            if norm:
                self.toc_titles.add(norm)
                self.toc_titles.add(_norm_title(_BOX.sub(r"\2", text.strip())))

    def tab_block(self, block: Block) -> None:
        rows = [[_cell(c) for c in line.split("\t")] for line in block.lines]
        if self.mode == "acronyms":
            for row in rows:
                cells = [c for c in row if c]
                if len(cells) >= 2:
                    self.acronym(cells[0], " ".join(cells[1:]))
            return
        if self.mode == "toc":
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        table = self.open_table
        if table is not None and table.width == width:
            self.extend_table(table, rows)
            return
        if len(rows) < 2:
            # A lone tab-separated line is prose laid out with tabs.
            fields = [c for c in block.lines[0].split("\t") if len(c.strip()) > 1]
            line = " ".join(fields)
            if not is_junk_line(drop_junk_tokens(line)):
                self.prose(Block("prose", [line]))
            return
        self.new_table(rows, width)

    def acronym(self, short: str, expansion: str) -> None:
        short, _ = clean_inline(short, self.vocab)
        expansion, _ = clean_inline(expansion, self.vocab)
        short, expansion = tidy_spaces(short), tidy_spaces(expansion)
        if not short or not expansion:
            return
        self.acronyms.append((short, expansion))
        text = f"{short}: {expansion}"
        self.add("text", text, f"acronyms, {short}", f"acronym-{_slug(short) or 'x'}")

    def new_table(self, rows: list[list[str]], width: int) -> None:
        self.continuable = None
        annex = self.current_annex()
        caption = self.caption
        self.caption = None
        scope = f"annex-{annex}" if annex is not None else "doc"
        self.tables_in_scope[scope] += 1
        ordinal = self.tables_in_scope[scope]
        annex_label = f"Annex {_to_roman(annex)}" if annex is not None else ""
        if caption is not None:
            number, title = caption
            base = f"annex-{annex}-table-{number}" if annex is not None else f"table-{number}"
            locator = f"{annex_label}, Table {number}" if annex_label else f"Table {number}"
        else:
            inner = self.stack[-1].title if self.stack else ""
            title = inner if inner and not _ANNEX.match(inner) else ""
            if annex is not None:
                base = f"annex-{annex}" if ordinal == 1 else f"annex-{annex}-table-{ordinal}"
                locator = annex_label if ordinal == 1 else f"{annex_label}, table {ordinal}"
            else:
                base, locator = f"table-{ordinal}", f"table {ordinal}"
        if not title:
            title = locator
        header: list[list[str]] = []
        body_start = 0
        for row in rows[: min(3, len(rows) - 1)]:
            if not _is_header_row(row):
                break
            header.append(row)
            body_start += 1
        table = _TableDraft(
            id=self.unique(base), title=title, locator=locator, section=self.path(),
            section_id=self.stack[-1].id if self.stack else None, width=width, header=header,
            captioned=caption is not None,
        )  # fmt: skip
        self.tables.append(table)
        placeholder = self.add("table", "", table.locator, "table-placeholder")
        placeholder.table = table
        self.open_table = table
        self.extend_table(table, rows[body_start:])

    def extend_table(self, table: _TableDraft, rows: list[list[str]]) -> None:
        for row in rows:
            if row in table.header:
                continue  # header repeated after a page break
            if (
                table.header
                and _is_header_row(row)
                and any(row[1:] == h[1:] and row[0] != h[0] for h in table.header)
            ):
                # Same header with another row-group label ("...: observer States ...")
                table.pending_group = row[0]
                continue
            if not any(row):
                continue
            if table.pending_group:
                table.notes.append(f"{table.pending_group}: rows from {row[0]} on")
                table.pending_group = ""
            table.rows.append(row)

    # -- driver

    def run(self, blocks: list[Block]) -> None:
        md_levels = [b.level for b in blocks if b.kind == "md-heading"]
        self.top_level = min(md_levels) if md_levels else 1
        self.has_numbered = any(b.kind == "numbered" for b in blocks)
        for b in blocks:
            if b.kind == "toc":
                self.toc_line(b)
        i = 0
        while i < len(blocks):
            block = blocks[i]
            i += self.dispatch(block, blocks, i)

    def dispatch(self, block: Block, blocks: list[Block], i: int) -> int:
        kind = block.kind
        following = blocks[i + 1 : i + 6]
        if kind == "toc":
            self.mode = "toc" if self.mode == "toc" else self.mode
            return 1
        if kind == "separator":
            return 1
        if kind == "quote-end":
            self.close_box()
            return 1
        if self.mode == "toc" and kind in ("emph-heading", "prose", "bullet"):
            if len(block.raw.split()) < 20:
                return 1  # a table-of-contents line without page number ("Annex I  Title")
            self.mode, self.toc_done = "body", True
        if kind == "md-heading":
            m = _MD_HEADING.match(block.lines[0])
            assert m is not None
            title, refs = self.clean(m.group(2))
            self.heading(title, self.heading_level(title, block.level), refs, following)
            return 1
        if kind == "emph-heading":
            title, refs = self.clean(block.raw)
            level = self.top_level + (1 if block.emphasis == 2 else 2)
            self.heading(title, self.heading_level(title, level), refs, following)
            return 1
        if kind == "table":
            self.tab_block(block)
            return 1
        if kind == "footnote":
            self.footnote(block)
            return 1
        if kind in ("prose", "numbered") and self.plain_footnotes:
            m = _PLAIN_FOOTNOTE.match(block.lines[0])
            if m and int(m.group(1)) in self.plain_footnotes:
                self.add_footnote(int(m.group(1)), block.raw[m.end() :])
                return 1
        if self.mode == "acronyms" and kind in ("prose", "bullet"):
            pairs = [_acronym_line(line) for line in block.lines]
            if all(pairs):
                for pair in pairs:
                    assert pair is not None
                    self.acronym(*pair)
                return 1
        if kind == "numbered":
            self.numbered(block)
            return 1
        if kind == "bullet":
            self.prose(block, bullet=True)
            return 1
        return self.plain(block, blocks, i)

    def heading_level(self, title: str, level: int) -> int:
        if _ANNEX.match(title) or _CHAPTER.match(title):
            return self.top_level
        return level

    def plain(self, block: Block, blocks: list[Block], i: int) -> int:
        raw = block.raw
        cleaned, refs = self.clean(raw)
        following = blocks[i + 1 : i + 6]
        if (
            len(block.lines) == 1
            and _is_caps_heading(cleaned)
            and not self.continues_lower(cleaned)
        ):
            consumed = 1
            dotted = _DOTTED_NUMBER.match(cleaned)
            level = self.top_level + (dotted.group(1).count(".") if dotted else 0)
            # "CHAPTER I:" followed by its ALL-CAPS title line: one heading.
            if cleaned.endswith(":") and len(cleaned.split()) <= 3 and i + 1 < len(blocks):
                nxt = blocks[i + 1]
                nxt_text, nxt_refs = self.clean(nxt.raw)
                if nxt.kind == "prose" and len(nxt.lines) == 1 and _is_caps_heading(nxt_text):
                    cleaned, refs, consumed = f"{cleaned} {nxt_text}", refs + nxt_refs, 2
                    following = blocks[i + 2 : i + 7]
            self.heading(cleaned, self.heading_level(cleaned, level), refs, following)
            return consumed
        caption = _CAPTION.match(cleaned)
        table = self.open_table
        if (
            len(block.lines) == 1
            and caption
            and caption.group(1).lower() == "table"
            and i > 0
            and blocks[i - 1].kind == "table"
            and table is not None
            and not table.captioned
        ):
            # the caption under the table it names (markdown converters often put it there;
            # between two tables, it names the one above when that one has no caption)
            table.title, table.captioned = caption.group(3) or cleaned, True
            return 1
        if (
            len(block.lines) == 1
            and caption
            and caption.group(1).lower() == "table"
            and following
            and following[0].kind == "table"
        ):
            # "Table 1. Expenditure by region (USD million)" on its own line above the table
            self.caption = (int(caption.group(2)), caption.group(3) or cleaned)
            self.continuable = None
            return 1
        dotted = _DOTTED_NUMBER.match(cleaned)
        if dotted and self.mode == "body" and len(cleaned[dotted.end() :].split()) >= 8:
            self.dotted_paragraph(dotted.group(1), cleaned[dotted.end() :], refs)
            return 1
        if (
            len(block.lines) == 1
            and _is_short_heading(cleaned)
            and (
                self.continuable is None
                or _TERMINAL.search(self.continuable.text)
                or self.in_front_matter()
            )
            and (self.followed_by_paragraph(following) or self.in_front_matter())
        ):
            self.heading(cleaned, self.top_level + 2, refs, following)
            return 1
        self.prose(block)
        return 1

    def in_front_matter(self) -> bool:
        """Before the first real paragraph: the title page of a plain-text report, where
        short lines are its title lines and first heading."""
        return not any(p.kind != "heading" and len(p.text.split()) >= 12 for p in self.passages)

    def dotted_paragraph(self, number: str, raw_text: str, refs: list[int]) -> None:
        """ "1.2. The Fund received ...": a paragraph numbered within its section."""
        self.close_box()
        self.open_table = None
        pid = "para-" + number.replace(".", "-")
        draft = self.add("paragraph", raw_text, f"paragraph {number}", pid, refs)
        self.continuable = draft

    def continues_lower(self, text: str) -> bool:
        return bool(text) and text[0].islower()

    def followed_by_paragraph(self, following: list[Block]) -> bool:
        for block in following:
            if block.kind in ("footnote", "separator"):
                continue
            if block.kind not in ("prose", "bullet"):
                return False
            text, _ = clean_inline(block.raw, self.vocab)
            text = text.strip().lstrip("\"“‘'([")
            return len(text.split()) >= 12 and text[:1].isupper()
        return False


# --- metadata -------------------------------------------------------------------------------

_REPORT_YEAR = re.compile(
    r"\b(?:report|review)\b\D{0,30}?\b((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s+(?:annual\s+)?(?:report|review)\b",
    re.IGNORECASE,
)
_TITLE_WORD = re.compile(
    r"\b(report|review|compact|strategy|plan|assessment|study)\b", re.IGNORECASE
)
_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with",
}  # fmt: skip
_ORG_WORD = re.compile(
    r"\b(organi[sz]ation|agency|office|programme|fund|bank|union|commission|council|secretariat|institute)\b",
    re.IGNORECASE,
)


def _upper_words(passages: list[_PassageDraft]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in passages:
        if p.kind in ("paragraph", "box", "text", "footnote"):
            counts.update(re.findall(r"\b[A-Z][A-Z0-9]{1,7}\b", p.text))
    return counts


def _title_case(text: str, keep_upper: set[str]) -> str:
    if sum(c.islower() for c in text) > sum(c.isupper() for c in text) / 4:
        return text
    words = []
    for i, word in enumerate(text.split()):
        bare = word.strip("()[],.:;")
        if bare in keep_upper or any(ch.isdigit() for ch in bare):
            words.append(word)
        elif i > 0 and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append(word[:1].upper() + word[1:].lower())
    return " ".join(words)


def _detect_title(b: _Builder, doc_id: str, keep_upper: set[str]) -> str:
    headings_on_top: list[str] = []
    for p in b.passages:
        if p.kind != "heading":
            break
        headings_on_top.append(p.text)
    for text in headings_on_top:
        if _TITLE_WORD.search(text):
            return _title_case(text, keep_upper)
    for text in headings_on_top:
        words = set(_norm_title(text).split())
        if words and not words <= _GENERIC_HEADING_WORDS and not _ANNEX.match(text):
            return _title_case(text, keep_upper)
    words = [w.upper() if w.upper() in keep_upper else w for w in doc_id.split("-")]
    title = " ".join(words)
    return title[:1].upper() + title[1:]


def _detect_year(title: str, text: str, doc_id: str) -> int | None:
    for source in (title, text[:3000]):
        m = _REPORT_YEAR.search(source)
        if m:
            return int(m.group(1) or m.group(2))
    m = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", doc_id)
    if m:
        return int(m.group(1))
    return _latest_past_year(text)


def _latest_past_year(text: str) -> int | None:
    """Fallback reporting year: the latest year the text mentions that is not in the future.

    Reports describe a period that has ended, so the latest past year they mention is the best
    estimate when no title says "report for YYYY"; future years ("2030 Agenda") are targets."""
    this_year = time.gmtime().tm_year
    years = [int(y) for y in re.findall(r"(?<![\d/-])((?:19|20)\d\d)(?![\d/])", text)]
    past = [y for y in years if 1945 <= y <= this_year]
    return max(past) if past else None


def _known_organizations() -> dict[str, str]:
    """Acronym -> full name of well-known organizations from the reference data, if present."""
    names: dict[str, str] = {}
    for org in reference.organizations():
        for acronym in org.acronyms:
            names.setdefault(acronym, org.label)
    return names


def _detect_publisher(b: _Builder, text: str, upper: Counter[str]) -> str:
    """The organization that writes about itself throughout: its acronym dominates the text."""
    listed = dict(b.acronyms)
    known: dict[str, str] | None = None
    for passage in b.passages[:6]:
        # a title page line that is an organization's name: "International Organization
        # for Migration (IOM)" under the title of a short report
        line = re.sub(r"\s*\([A-Z]{2,10}\)$", "", passage.text.strip())
        if known is None:
            known = _known_organizations()
        if line in known.values():
            return line
    words = max(1, len(text.split()))
    for acronym, count in upper.most_common(8):
        if count < 5 or count * 1000 / words < 2:
            break
        spelled = re.search(
            rf"\b([A-Z][\w’'-]*(?: (?:[A-Z][\w’'-]*|for|of|on|and|the|in)){{1,10}}) \({acronym}\)",
            text,
        )
        if spelled and _ORG_WORD.search(spelled.group(1)):
            return re.sub(r"^The ", "", spelled.group(1))
        if acronym in listed and _ORG_WORD.search(listed[acronym]):
            # The report's own acronym list only names others as a rule; its own
            # acronym must also dominate the text to be taken as the publisher.
            if count == upper.most_common(1)[0][1]:
                return listed[acronym]
            continue
        if known is None:
            known = _known_organizations()
        if acronym in known:
            return known[acronym]
        if count == upper.most_common(1)[0][1] and acronym not in listed:
            # Unknown to the reference data: the acronym itself is still the best name.
            return acronym
    return ""


# --- assembly -------------------------------------------------------------------------------

_FOOTNOTE_DEF = re.compile(
    rf"^\s*(?:<sup>\s*(\d{{1,3}})\s*</sup>|([{SUPERSCRIPT_DIGITS}]{{1,3}})|\[\^(\d{{1,3}})\]:)\s*\S",
    re.MULTILINE,
)


def _footnote_numbers(text: str) -> set[int]:
    table = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
    return {int((a or b or c).translate(table)) for a, b, c in _FOOTNOTE_DEF.findall(text)}


def _plain_footnote_numbers(lines: list[str]) -> set[int]:
    """Numbers of footnotes written as "4 Text" at a line start after a blank line, taken
    only when the body also carries that number as a marker glued to a word ("Compact.4").
    A line that starts with a number is otherwise prose ("12 000 migrants returned ...")."""
    candidates: set[int] = set()
    for i, line in enumerate(lines):
        m = _PLAIN_FOOTNOTE.match(line)
        if m and (i == 0 or not lines[i - 1]) and "\t" not in line:
            candidates.add(int(m.group(1)))
    if not candidates:
        return set()
    glued = {
        int(a or b)
        for line in lines
        if not _PLAIN_FOOTNOTE.match(line)
        for a, b in _GLUED_MARKER.findall(line)
    }
    return candidates & glued


def _check_report(b: _Builder, doc_id: str, path: str) -> None:
    prose = [p for p in b.passages if p.kind in ("paragraph", "box", "text", "footnote")]
    words = sum(len(p.text.split()) for p in prose)
    if words < MIN_WORDS or not prose:
        raise InputError(
            path or doc_id,
            f"does not look like a report: only {words} words of prose (need at least {MIN_WORDS})",
        )


def parse_text(text: str, doc_id: str, path: str = "", *, sha256: str | None = None) -> Document:
    """Parse the text of one report into a ``Document``."""
    vocab = Vocabulary.of(text)
    lines = _prepare_lines(text)
    builder = _Builder(
        doc_id, vocab, _footnote_numbers(text), frozenset(_plain_footnote_numbers(lines))
    )
    builder.run(_blocks(lines))
    _check_report(builder, doc_id, path)

    passages: list[Passage] = []
    section_of: dict[str, str | None] = {}
    for draft in builder.passages:
        if draft.table is not None:
            rows = _row_passages(draft.table, builder, doc_id)
            passages.extend(rows)
            section_of.update((r.id, draft.table.section_id) for r in rows)
        elif draft.text:
            passages.append(
                Passage(
                    id=draft.id, doc_id=doc_id, kind=draft.kind, text=draft.text,
                    locator=draft.locator, section=draft.section, number=draft.number,
                    footnote_refs=tuple(dict.fromkeys(draft.refs)),
                )
            )  # fmt: skip
            section_of[draft.id] = draft.section_id
    full_text, passages = _with_offsets(passages)

    by_section: dict[str, list[str]] = {}
    for p in passages:
        sid = section_of.get(p.id)
        if sid:
            by_section.setdefault(sid, []).append(p.id)
    sections = tuple(
        Section(id=s.id, title=s.title, level=s.level, parent_id=s.parent_id,
                passage_ids=tuple(by_section.get(s.id, ())))
        for s in builder.sections
    )  # fmt: skip
    upper = _upper_words(builder.passages)
    keep_upper = {w for w, c in upper.items() if c >= 2} | {a for a, _ in builder.acronyms}
    title = _detect_title(builder, doc_id, keep_upper)
    return Document(
        id=doc_id,
        path=path,
        title=title,
        publisher=_detect_publisher(builder, full_text, upper),
        year=_detect_year(title, full_text, doc_id),
        text=full_text,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        sections=sections,
        passages=tuple(passages),
        tables=tuple(_table(t, doc_id) for t in builder.tables),
        acronyms=tuple(builder.acronyms),
    )


def _with_offsets(passages: list[Passage]) -> tuple[str, list[Passage]]:
    """The cleaned full text: passages in reading order, each a verbatim slice of it."""
    placed: list[Passage] = []
    offset = 0
    for p in passages:
        placed.append(replace(p, start=offset, end=offset + len(p.text)))
        offset += len(p.text) + len(PASSAGE_SEPARATOR)
    return PASSAGE_SEPARATOR.join(p.text for p in passages), placed


def _column_names(table: _TableDraft) -> list[str]:
    names = []
    for j in range(table.width):
        name = ""
        for row in reversed(table.header):
            if j < len(row) and row[j]:
                name = row[j]
                break
        names.append(name or f"column {j + 1}")
    return names


def _row_passages(t: _TableDraft, b: _Builder, doc_id: str) -> list[Passage]:
    """One passage per body row ("Afghanistan: G-3 11; ...; Total 243; F 52; M 191")."""
    names = _column_names(t)
    out: list[Passage] = []
    t.row_ids = []
    for i, row in enumerate(t.rows, start=1):
        label = row[0] or f"row {i}"
        values = "; ".join(f"{names[j]} {row[j]}" for j in range(1, len(row)) if row[j])
        text = f"{label}: {values}" if values else f"{label}: (no values)"
        pid = b.unique(f"{t.id}-row-{i}")
        t.row_ids.append(pid)
        out.append(
            Passage(id=pid, doc_id=doc_id, kind="table-row", text=text,
                    locator=f"{t.locator}, row {label}", section=t.section)
        )  # fmt: skip
    return out


def _table(t: _TableDraft, doc_id: str) -> Table:
    return Table(
        id=t.id, doc_id=doc_id, title=t.title, locator=t.locator,
        header=tuple(tuple(r) for r in t.header), rows=tuple(tuple(r) for r in t.rows),
        row_passage_ids=tuple(t.row_ids), section=t.section, notes=tuple(t.notes),
    )  # fmt: skip
