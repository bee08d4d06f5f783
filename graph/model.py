"""Data passed between pipeline stages.

parse -> recognise -> link -> (quantities) -> emit -> validate -> store.
Every stage takes and returns these plain, immutable records, so each stage can be
tested on its own with small hand-made inputs.  Offsets are character offsets into
``Passage.text`` (the cleaned text of the passage), never into the raw file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# --- parse -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A citable unit of a report: numbered paragraph, box paragraph, footnote, heading,
    table row, or an unnumbered paragraph.

    ``id`` is stable and readable, unique within its document (e.g. ``para-14``,
    ``box-2-p1``, ``fn-2``, ``annex-1-table-1-row-3``, ``s3-p2``); it becomes part of the
    passage IRI.
    """

    id: str
    doc_id: str
    kind: str  # paragraph | box | footnote | heading | table-row | text
    text: str  # cleaned verbatim text (markup, <sup> markers removed, whitespace normalised)
    locator: str  # human-readable: "paragraph 14", "Box 2", "footnote 2", "Annex I, Table 1"
    section: tuple[str, ...] = ()  # heading path, outermost first
    number: int | None = None  # paragraph/footnote number when the report numbers it
    start: int = 0  # offset of the passage in Document.text (the cleaned full text)
    end: int = 0
    footnote_refs: tuple[int, ...] = ()  # footnote markers found in the passage


@dataclass(frozen=True)
class Table:
    """A tab-separated table: header rows joined across pages, body rows as cells."""

    id: str  # e.g. "annex-1-table-1", "annex-2"
    doc_id: str
    title: str  # "Number of men and women at the international Professional level (2017–2021)"
    locator: str  # "Annex I, Table 1"
    header: tuple[tuple[str, ...], ...]  # header rows (one or more), cleaned cells
    rows: tuple[tuple[str, ...], ...]  # body rows, cleaned cells (bold markup removed)
    row_passage_ids: tuple[str, ...]  # the Passage id of each body row (provenance per cell)
    section: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # legends under the table ("G: General Service; ...")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    level: int
    parent_id: str | None
    passage_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    id: str  # slug from the file name, e.g. "iom-annual-report-2021"
    path: str
    title: str
    publisher: str
    year: int | None  # the reporting year
    text: str  # cleaned full text; Passage.start/end index into it
    sha256: str  # of the raw bytes
    sections: tuple[Section, ...] = ()
    passages: tuple[Passage, ...] = ()
    tables: tuple[Table, ...] = ()
    acronyms: tuple[tuple[str, str], ...] = ()  # (acronym, expansion) from the report's list

    def passage(self, passage_id: str) -> Passage:
        for p in self.passages:
            if p.id == passage_id:
                return p
        raise KeyError(passage_id)


# --- recognise / link --------------------------------------------------------------------

ENTITY_KINDS = ("country", "organization", "programme", "objective", "cluster")


@dataclass(frozen=True)
class Mention:
    """A span of a passage that names something (before or after linking)."""

    passage_id: str
    start: int
    end: int
    surface: str  # the exact text Passage.text[start:end]
    kind: str  # one of ENTITY_KINDS
    entity_key: str | None = None  # set by link: canonical key, see Entity.key


@dataclass(frozen=True)
class Entity:
    """A canonical entity. ``key`` is stable across builds and becomes the IRI path:
    ``country/AFG``, ``organization/iom``, ``programme/displacement-tracking-matrix``,
    ``gcm/objective/2``, ``gcm/cluster/II``."""

    key: str
    kind: str
    label: str
    alt_labels: tuple[str, ...] = ()
    # programme: programme|project|fund|initiative|tool|...; organization: un-agency|igo|ngo|...
    subkind: str | None = None
    attrs: tuple[tuple[str, str], ...] = ()  # extra (property, value) pairs, e.g. ("iso3","AFG")


@dataclass(frozen=True)
class Relation:
    """subject --predicate--> object, stated in a passage.

    predicate is a local name in the project ontology: coLeads, partnerOf, fundedBy,
    memberOf, chairs, coordinates, implementedIn, implementedBy, contributesTo.
    """

    subject_key: str
    predicate: str
    object_key: str
    passage_id: str
    evidence: str = ""  # the phrase that triggered the pattern


# --- quantities --------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number the text states, with what it measures."""

    passage_id: str
    start: int
    end: int
    surface: str  # "over 3.2 million people"
    value: Decimal
    value_max: Decimal | None = None  # for ranges "80,000 to 100,000"
    # over | approximately | more than | nearly | up to | at least | ...
    qualifier: str | None = None
    unit: str = "count"  # count | person | USD | per cent | percentage point | m3 | country | ...
    # what is measured, a normalised noun phrase: "people reached by WASH operations"
    measure: str = ""
    year: int | None = None
    area_key: str | None = None  # country entity key, or None for global
    subject_key: str | None = None  # entity key of the programme/org the number is about
    programme_key: str | None = None


@dataclass(frozen=True)
class TableCell:
    """One body cell of a table as an observation with its dimensions."""

    table_id: str
    passage_id: str  # the row passage
    value: Decimal
    unit: str  # count | per cent | percentage point
    measure: str  # "staff", "percentage of women", ...
    # ("year","2021"), ("sex","F"), ("grade","P-4"), ("nationality","country/AFG"), ("category", ...)
    dimensions: tuple[tuple[str, str], ...]
    # where the row passage states the cell ("G-1 8" in "Bangladesh: G-1 8; G-2 31; ..."),
    # when it can be found
    start: int | None = None
    end: int | None = None


@dataclass
class Extraction:
    """Everything extracted from one document; the input of the emit stage."""

    document: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    cells: list[TableCell] = field(default_factory=list)
    objective_links: list[Relation] = field(default_factory=list)  # X contributesTo gcm/objective/N
