"""Recognise mentions of countries, organizations, programmes, GCM objectives and clusters.

Two passes over a document:

1. *Discovery* builds a document-wide gazetteer of organization/programme names
   (``name_index``): the reference organizations, the report's own acronym list, acronyms
   introduced in the text ("the Paraguayan Indigenous Institute (INDI)"), quoted or
   "entitled" project titles, appositions ("CBM Global, an organization ..."), names after
   "co-leads", and capitalised multi-word names whose head noun marks an organization or a
   programme ("Better Migration Management Programme").  Acronym and full name of the same
   thing end up in one ``NameRecord``.
2. *Matching* finds every occurrence of every known name (and every country name) in every
   passage with a longest-match token matcher, so "Papua New Guinea" is never "Guinea".

Offsets are into ``Passage.text``; ``surface == passage.text[start:end]`` always holds.
Countries, objectives and clusters get their ``entity_key`` here (it is trivially known);
organizations and programmes are keyed by ``graph.link`` through ``name_index``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from graph import reference
from graph.model import Document, Mention

# --- tokens --------------------------------------------------------------------------------

# A word keeps inner hyphens, apostrophes and dots ("Guinea-Bissau", "d'Ivoire", "8.7",
# "COVID-19"); "/" and other punctuation are tokens of their own ("PDD/UNOPS").
_TOKEN = re.compile(r"\w+(?:['’.\-–]\w+)*|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Token:
    start: int
    end: int  # possessive "'s" excluded: "Afghanistan's" -> "Afghanistan"
    text: str
    possessive: bool = False
    norm: str = ""  # comparison form, see normalise()

    @property
    def raw_end(self) -> int:
        return self.end + 2 if self.possessive else self.end

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum()

    @property
    def is_capitalised(self) -> bool:
        text = self.text
        return text[:1].isupper() or text[:1].isdigit() or _capital_after_elision(text)

    @property
    def is_all_caps(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and all(c.isupper() for c in letters)


def _capital_after_elision(word: str) -> bool:
    """ "d'Ivoire", "l'Homme": an elided article before a capital (or a digit)."""
    return (
        len(word) > 2
        and word[0].islower()
        and word[1] in "'’"
        and (word[2].isupper() or word[2].isdigit())
    )


def normalise(text: str) -> str:
    """Comparison form of a token: NFKC, straight apostrophe, hyphen for dashes."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("’", "'").replace("–", "-").replace("‐", "-")


@lru_cache(maxsize=8192)
def tokenise(text: str) -> tuple[Token, ...]:
    # cached: discovery, matching and classification tokenise the same passages and names
    tokens = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        if len(word) > 2 and _POSSESSIVE.search(word):
            tokens.append(Token(m.start(), m.end() - 2, word[:-2], True, normalise(word[:-2])))
        else:
            tokens.append(Token(m.start(), m.end(), word, False, normalise(word)))
    return tuple(tokens)


def slug(text: str) -> str:
    """Stable IRI path segment: ascii, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def key_slug(name: str) -> str:
    """Slug for an entity key; US "Program" spelled as "Programme" so both spellings of
    one programme get one key."""
    return re.sub(r"(?<![a-z])program(?![a-z])", "programme", slug(name))


# Words that join the parts of a name ("Office *for the* Coordination *of* ...").
PREPOSITIONS = frozenset(
    [
        "of",
        "for",
        "on",
        "in",
        "against",
        "to",
        "from",
        "at",
        "with",
        "through",
        "de",
        "du",
        "des",
        "la",
        "für",
    ]
)
CONNECTORS = PREPOSITIONS | {"and", "the", "&"}
# Capitalised words that never start or belong to a name (sentence openers, pronouns).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "as",
        "at",
        "by",
        "during",
        "through",
        "under",
        "over",
        "within",
        "without",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "his",
        "her",
        "our",
        "we",
        "they",
        "it",
        "he",
        "she",
        "there",
        "here",
        "while",
        "when",
        "where",
        "which",
        "who",
        "what",
        "however",
        "moreover",
        "furthermore",
        "also",
        "since",
        "after",
        "before",
        "following",
        "among",
        "between",
        "including",
        "such",
        "further",
        "both",
        "each",
        "every",
        "all",
        "some",
        "many",
        "most",
        "several",
        "other",
        "another",
        "in",
        "on",
        "for",
        "with",
        "from",
        "to",
        "into",
        "per",
        "via",
        "via",
        "about",
        "against",
        "the",
        "and",
        "or",
        "but",
        "not",
        "no",
        "examples",
        "example",
        "overall",
        "currently",
        "notably",
        "globally",
        "additionally",
        "lastly",
        "finally",
        "throughout",
        "despite",
        "towards",
        "toward",
        "upon",
    ]
)

# Lower-case words that may follow a name without being modified by it.
FUNCTION_WORDS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "to",
        "of",
        "with",
        "by",
        "as",
        "from",
        "since",
        "during",
        "which",
        "that",
        "who",
        "whose",
        "through",
        "under",
        "among",
        "across",
        "between",
        "into",
        "via",
        "than",
        "also",
        "not",
    ]
)

# --- phrase matcher ------------------------------------------------------------------------


class PhraseMatcher:
    """Longest-match lookup of token sequences in a text.

    Single-token phrases (acronyms) match case-sensitively; longer phrases match ignoring
    case, provided every significant word of the matched text is capitalised, so a
    heading in capitals matches but "turkey" never matches "Turkey".
    """

    def __init__(self, long_names_any_case: bool = False) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], bool, object]]] = {}
        # country names of four tokens or more are names however they are written ("the
        # former Yugoslav Republic of Macedonia", "Saint Martin (French part)"); short ones
        # and organization names must be capitalised ("turkey" is not Türkiye)
        self.long_names_any_case = long_names_any_case

    def add(self, phrase: str, value: object) -> None:
        words = [_match_form(t) for t in tokenise(phrase)]
        if not words:
            return
        case_sensitive = len(words) == 1
        key = tuple(words if case_sensitive else (w.casefold() for w in words))
        entries = self._by_first.setdefault(key[0], [])
        if any(existing == key for existing, _, _ in entries):
            return  # first value added wins
        entries.append((key, case_sensitive, value))
        entries.sort(key=lambda e: -len(e[0]))

    def find(self, text: str) -> list[tuple[int, int, object]]:
        tokens = tokenise(text)
        exact = [_match_form(t) for t in tokens]
        folded = [w.casefold() for w in exact]
        base = [t.norm for t in tokens]  # a name's last word may carry a possessive
        found = []
        i = 0
        while i < len(tokens):
            best = None
            firsts = {exact[i], folded[i], base[i], base[i].casefold()}
            candidates = sorted(
                (e for f in firsts for e in self._by_first.get(f, ())), key=lambda e: -len(e[0])
            )
            for key, case_sensitive, value in candidates:
                n = len(key)
                if i + n > len(tokens) or not self._matches(key, case_sensitive, exact, base, i):
                    continue
                if (
                    not case_sensitive
                    and not (self.long_names_any_case and n >= 4)
                    and not _capitalised(tokens[i : i + n])
                ):
                    continue
                best = (n, value)
                break
            if best:
                n, value = best
                found.append((tokens[i].start, tokens[i + n - 1].end, value))
                i += n
            else:
                i += 1
        return found

    @staticmethod
    def _matches(
        key: tuple[str, ...], case_sensitive: bool, exact: list[str], base: list[str], i: int
    ) -> bool:
        fold = (lambda w: w) if case_sensitive else str.casefold
        last = len(key) - 1
        for k, word in enumerate(key):
            if fold(exact[i + k]) == word:
                continue
            if k == last and fold(base[i + k]) == word:
                continue  # "Afghanistan's" ends the name "Afghanistan"
            return False
        return True


def _match_form(token: Token) -> str:
    # "People's" in "Lao People's Democratic Republic" must match as "People's"
    return token.norm + "'s" if token.possessive else token.norm


def _capitalised(tokens: Sequence[Token]) -> bool:
    return all(
        t.is_capitalised for t in tokens if t.is_word and t.norm.casefold() not in CONNECTORS
    )


# --- countries -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def country_matcher() -> PhraseMatcher:
    matcher = PhraseMatcher(long_names_any_case=True)
    for country in reference.countries():
        for name in _country_name_forms(country):
            matcher.add(name, country.key)
    return matcher


def _country_name_forms(country: reference.CountryRef) -> Iterator[str]:
    for name in (country.name, *country.names):
        yield name
        # "Korea, Republic of" -> "Republic of Korea"; "Niger (the)" -> "Niger"
        bare = re.sub(r"\s*\((?:the)\)\s*$", "", name, flags=re.IGNORECASE)
        parenthetical = re.fullmatch(r"(.+?)\s*\((.+)\)", bare)
        if parenthetical:
            yield f"{parenthetical.group(2)} {parenthetical.group(1)}"
        inverted = re.fullmatch(r"([^,]+),\s*(.+)", bare)
        if inverted:
            yield f"{inverted.group(2)} {inverted.group(1)}"
        yield bare


def country_key(name: str) -> str | None:
    """Key of a country named exactly ``name`` (any known form), else None."""
    found = country_matcher().find(name)
    if len(found) == 1 and found[0][0] == 0 and found[0][1] == len(name.strip()):
        return str(found[0][2])
    ref = reference.country_by_name(name)
    return ref.key if ref else None


# --- name classification -------------------------------------------------------------------

ORG_HEADS = frozenset(
    [
        "Organization",
        "Organisation",
        "Agency",
        "Office",
        "Union",
        "Commission",
        "Committee",
        "Authority",
        "Community",
        "Forum",
        "Network",
        "Bank",
        "Council",
        "Institute",
        "Institution",
        "Centre",
        "Center",
        "Secretariat",
        "Entity",
        "Federation",
        "Alliance",
        "Foundation",
        "Association",
        "Ministry",
        "Department",
        "Government",
        "Group",
        "University",
        "League",
        "Coalition",
        "Society",
        "Court",
        "Parliament",
        "Board",
        "Directorate",
        "Dialogue",
        "Lab",
        "Laboratory",
        "Academy",
        "Panel",
        "Unit",
        "Centres",
        "Centers",
    ]
)
# Heads of company names: one proper name before them is enough ("Nexleaf Analytics").
COMPANY_HEADS = frozenset(
    ["Analytics", "Technologies", "Corporation", "Company", "Inc", "Ltd", "Limited", "Consulting"]
)
ORG_HEADS = ORG_HEADS | COMPANY_HEADS
PROGRAMME_HEADS = {
    "Programme": "programme",
    "Program": "programme",
    "Project": "project",
    "Fund": "fund",
    "Facility": "facility",
    "Initiative": "initiative",
    "Collaborative": "initiative",
    "Partnership": "initiative",
    "Matrix": "tool",
    "System": "tool",
    "Systems": "tool",
    "Platform": "tool",
    "Portal": "tool",
    "Hub": "tool",
    "Dashboard": "tool",
    "Database": "tool",
    "Repository": "tool",
    "Index": "tool",
    "Indicators": "tool",
    "Mechanism": "other",
    "Cluster": "network",
    "Toolkit": "tool",
    "Standard": "tool",
    "Tool": "tool",
    "Campaign": "initiative",
    "Festival": "initiative",
}
# Heads that also name documents or events; kept only for short names without a
# preposition ("Internal Governance Framework", "World Migration Report").
GUARDED_HEADS = {
    "Framework": "initiative",
    "Report": "publication",
    "Strategy": "framework",
    "Plan": "framework",  # "Regional Migrant Response Plan for the Horn of Africa and Yemen"
}
# Guarded heads that may take a complement when qualified ("Institutional Framework for
# Addressing Gender-based Violence in Crises", "Institutional Strategy on Migration ...").
QUALIFIED_HEADS = frozenset({"Framework", "Strategy", "Plan"})
# Lower-case words that close a name as its head: "the THAMM programme", "CREST project".
TRAILING_MARKERS = {
    "programme": "programme",
    "program": "programme",
    "project": "project",
    "initiative": "initiative",
    "platform": "tool",
    "facility": "facility",
    "fund": "fund",
}
# Programme heads specific enough that two words make a name ("Dignity Initiative",
# "Publications Platform", "Mayors Mechanism"); "System" or "Index" are not.
STRONG_PROGRAMME_HEADS = frozenset(
    {
        "Programme",
        "Program",
        "Project",
        "Initiative",
        "Fund",
        "Facility",
        "Platform",
        "Mechanism",
        "Toolkit",
        "Portal",
    }
)
# A phrase opening with a role names a person or function, not an organization.
ROLE_WORDS = frozenset(
    [
        "Coordinator",
        "Director",
        "Chair",
        "Chairperson",
        "President",
        "Secretary",
        "Head",
        "Member",
        "Members",
        "Deputy",
        "Envoy",
        "Representative",
        "Ambassador",
        "Minister",
        "Commissioner",
    ]
)
NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
    ]
)
HEAD_WORDS = ORG_HEADS | set(PROGRAMME_HEADS) | set(GUARDED_HEADS)
TOOL_WORDS = frozenset({"System", "Systems", "Matrix", "Platform", "Portal", "Database"})


@dataclass(frozen=True)
class Classification:
    kind: str  # organization | programme
    subkind: str  # organization type or programme subkind


def classify_name(name: str) -> Classification | None:
    """Organization, programme (with subkind) or neither, from the head noun of ``name``.

    The head of "A of B" is A ("Office of the United Nations High Commissioner ..."), so
    the head is the last word before the first preposition, unless the name ends with a
    lower-case marker ("... Trafficking project").
    """
    words = [t.text for t in tokenise(re.sub(r"\([^)]*\)", " ", name)) if t.is_word]
    if not words:
        return None
    marker = TRAILING_MARKERS.get(words[-1]) if words[-1].islower() else None
    if marker and len(words) > 1 and _title_case(words[:-1]):
        return Classification("programme", marker)
    if not _title_case(words):
        return None
    first_prep = next(
        (i for i, w in enumerate(words) if w.casefold() in PREPOSITIONS and i > 0), len(words)
    )
    head_part = words[:first_prep]
    while head_part and re.fullmatch(r"\d[\d.\-–]*", head_part[-1]):
        head_part = head_part[:-1]  # "Thematic Working Group 4", "Report 2022"
    if not head_part:
        return None
    head = head_part[-1]
    has_preposition = first_prep < len(words)
    last = words[-1]
    if has_preposition and head not in HEAD_WORDS and last in HEAD_WORDS:
        # "Accountability to Affected Populations Framework", "Big Data for Migration
        # Alliance": a title-case name that ends on a head noun is named by it
        head, head_part, has_preposition = last, words, False
    if head in ORG_HEADS:
        return Classification("organization", organization_type(words, head))
    if head in ("Programme", "Program", "Fund") and _is_un_body(words):
        return Classification("organization", "un-agency")
    if head in PROGRAMME_HEADS:
        return Classification("programme", PROGRAMME_HEADS[head])
    if (
        head in GUARDED_HEADS
        and len(head_part) >= 2
        and (not has_preposition or head in QUALIFIED_HEADS)
    ):
        return Classification("programme", GUARDED_HEADS[head])
    if any(w in TOOL_WORDS for w in head_part):
        return Classification("programme", "tool")
    return None


def _title_case(words: list[str]) -> bool:
    return all(
        w[:1].isupper() or w[:1].isdigit() or _capital_after_elision(w)
        for w in words
        if w.casefold() not in CONNECTORS
    )


def _is_un_body(words: list[str]) -> bool:
    # UNDP, UNICEF, UNFPA are organizations; a "UN Joint Programme" or a trust fund is not.
    starts_un = words[:2] == ["United", "Nations"] or words[0] in ("UN", "U.N.")
    return starts_un and not {"Joint", "Trust", "Special"} & set(words)


def organization_type(words: list[str], head: str) -> str:
    if head in ("Ministry", "Department", "Government") or "Ministry" in words:
        return "government"
    if (
        words[:2] == ["United", "Nations"]
        or words[0] == "UN"
        or "United" in words[:4]
        and "Nations" in words[:5]
    ):
        return "un-entity"
    if head in ("Network", "Group", "Alliance", "Coalition", "Panel"):
        return "network"
    if head in COMPANY_HEADS:
        return "company"
    if head in ("University", "Academy"):
        return "academic"
    return "other"


# --- name index ----------------------------------------------------------------------------

# Discovery sources, most trusted first: a later source never overrides an earlier one.
SOURCE_RANK = {
    "reference": 0,
    "acronym-list": 1,
    "text-acronym": 2,
    "title": 3,
    "apposition": 4,
    "co-lead": 5,
    "head-noun": 6,
    "list-acronym": 7,
    "partner-list": 8,
    "corpus": 9,
}


@dataclass(frozen=True)
class Definition:
    """One piece of evidence that ``name`` (and ``acronyms``) name one thing."""

    name: str
    kind: str
    subkind: str
    source: str
    acronyms: tuple[str, ...] = ()
    key: str | None = None  # reference organizations bring their key
    label: str | None = None  # and their label


@dataclass
class NameRecord:
    """A canonical organization or programme of one document."""

    key: str
    kind: str
    label: str
    subkind: str
    acronyms: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # full-name variants, label first
    from_reference: bool = False

    @property
    def alt_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for n in [*self.acronyms, *self.names] if n != self.label))


@dataclass
class NameIndex:
    records: list[NameRecord]
    by_surface: dict[str, NameRecord]  # normalised surface -> record

    def lookup(self, surface: str) -> NameRecord | None:
        return (
            self.by_surface.get(_surface_key(surface))
            or self.by_surface.get(_surface_key(surface, fold=True))
            or self.by_surface.get(_surface_key(canonical_name(surface), fold=True))
        )


def _surface_key(text: str, fold: bool = False) -> str:
    words = [t.norm for t in tokenise(text)]
    if words and words[0].casefold() == "the":
        words = words[1:]
    key = " ".join(words)
    return key.casefold() if fold else key


def canonical_name(name: str) -> str:
    """Display form of a discovered name: whitespace normalised, no leading article,
    "UN" spelled out (so "UN Network on Migration" and "United Nations Network on
    Migration" are one entity), headings in capitals turned into title case."""
    name = re.sub(r"\s+", " ", name).strip(" ,;:.")
    name = re.sub(r"^(?:the|The|THE)\s+", "", name)
    name = re.sub(r"^UN\s+(?=[A-Z])", "United Nations ", name)
    letters = [c for c in name if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(tokenise(name)) > 2:
        name = _title_case_heading(name)
    return name


def _title_case_heading(name: str) -> str:
    words = []
    for i, word in enumerate(name.split(" ")):
        lower = word.lower()
        if i and lower in CONNECTORS:
            words.append(lower)
        elif len(word) <= 3 and word.isalpha() and word.lower() not in ("for", "and"):
            words.append(word)  # keep acronyms ("UN", "IOM")
        else:
            words.append("-".join(p.capitalize() for p in lower.split("-")))
    name = " ".join(words)
    return re.sub(r"^United Nations\b|^Un\b", "United Nations", name)


def name_index(document: Document, shared: tuple[Definition, ...] = ()) -> NameIndex:
    """The document's gazetteer; ``shared``: names other reports of the build define
    (see `shareable`), known here with the lowest rank."""
    return _name_index(document.id, document.sha256, document, shared)


@lru_cache(maxsize=8)
def _name_index(
    doc_id: str, sha: str, document: Document, shared: tuple[Definition, ...]
) -> NameIndex:
    # a report's own acronym list knows better what its acronyms stand for ("CCCM: camp
    # coordination and camp management" is a field of work there, not another's cluster)
    own = {acronym for acronym, _ in document.acronyms}
    taught = [d for d in shared if not (own & {d.name, *d.acronyms})]
    return build_index([*_discover(doc_id, sha, document), *taught])


def shareable(document: Document) -> tuple[Definition, ...]:
    """What one report teaches the others: the names it defines with an acronym ("Assisted
    Voluntary Return and Reintegration (AVRR)") and the titles it quotes, so another report
    that only writes "AVRR" still names the programme."""
    return tuple(
        replace(d, source="corpus")
        for d in _discover(document.id, document.sha256, document)
        if d.source in ("acronym-list", "text-acronym", "title")
    )


@lru_cache(maxsize=8)
def _discover(doc_id: str, sha: str, document: Document) -> tuple[Definition, ...]:
    return tuple(discover(document))


def discover(document: Document) -> list[Definition]:
    definitions = list(reference_definitions())
    definitions += acronym_list_definitions(document.acronyms)
    for passage in document.passages:
        text = passage.text
        definitions += title_definitions(text)
        definitions += text_acronym_definitions(text)
        definitions += described_acronym_definitions(text)
        definitions += apposition_definitions(text)
        definitions += co_lead_definitions(text)
        definitions += head_noun_definitions(text)
    known_acronyms = {a for d in definitions for a in d.acronyms}
    rejected = {acronym for acronym, expansion in document.acronyms if not classify_name(expansion)}
    for passage in document.passages:
        definitions += list_acronym_definitions(passage.text, known_acronyms | rejected)
    common = _common_words(document)
    return [d for d in definitions if not _is_common_word_name(d, common)]


# Regions and continents are places, never organizations or programmes on their own.
REGION_WORDS = frozenset(
    {
        "Africa",
        "Americas",
        "America",
        "Asia",
        "Europe",
        "Oceania",
        "Pacific",
        "Caribbean",
        "Arctic",
        "Antarctica",
        "Sahel",
        "Balkans",
        "Mediterranean",
        "Middle",
        "East",
        "West",
    }
)


def _is_place(word: str) -> bool:
    """A region or a country named by one word ("Europe", "Chad")."""
    return word in REGION_WORDS or country_key(word) is not None


def _common_words(document: Document) -> frozenset[str]:
    """Words the document also writes in lower case: ordinary words, not proper names."""
    return frozenset(re.findall(r"\b[a-z][a-z-]+\b", document.text))


def _is_common_word_name(d: Definition, common: frozenset[str]) -> bool:
    """A one-word name found in running text ("the Organization", "Government", "Migration")
    is a capitalised ordinary word, unless it is an acronym or comes from reference data."""
    if d.source in {"reference", "list-acronym"} or d.acronyms:
        return False
    words = d.name.removeprefix("the ").split()
    if len(words) == 2 and words[1] in COMPANY_HEADS:
        return words[0].lower() in common  # "Data Analytics" describes; "Nexleaf Analytics" names
    if len(words) != 1 or _looks_like_acronym(words[0]):
        return False
    word = words[0]
    return word in REGION_WORDS or word.lower() in common


def reference_definitions() -> Iterator[Definition]:
    for org in reference.organizations():
        for name in (org.label, *org.names):
            yield Definition(
                name,
                "organization",
                org.type or "other",
                "reference",
                tuple(org.acronyms),
                org.key,
                org.label,
            )


def acronym_list_definitions(acronyms: Iterable[tuple[str, str]]) -> Iterator[Definition]:
    """The report's list of acronyms: keep the expansions that name an organization or a
    programme ("Displacement Tracking Matrix"), drop the rest ("Internally displaced persons")."""
    for acronym, expansion in acronyms:
        found = classify_name(expansion)
        if not found:
            continue
        inner = re.findall(r"\(([^)]+)\)", expansion)
        name = re.sub(r"\s*\([^)]*\)\s*", " ", expansion).strip()
        name = re.sub(r"\s+(?:" + "|".join(TRAILING_MARKERS) + r")$", "", name)  # "... project"
        aliases = tuple(dict.fromkeys([acronym, *(a for a in inner if _looks_like_acronym(a))]))
        yield Definition(name, found.kind, found.subkind, "acronym-list", aliases)


def _looks_like_acronym(text: str) -> bool:
    return sum(c.isupper() for c in text) >= 2 and len(text) <= 20 and " " not in text.strip()


# "Name (ACR)" and "Name (the Migration MPTF)", optionally followed by a capitalised head
# noun that belongs to the name: "Migrants in Countries in Crisis (MICIC) Initiative".
_PAREN_ALIAS = re.compile(
    r"\((?:the\s+)?((?:[A-Z][\w\-]*\s+){0,2}[A-Za-z][\w\-/&]*[A-Z][\w\-]*)\)"
    r"(?:\s+([A-Z][a-z]+|programme|project|initiative|platform|facility)\b)?"
)


# Words of scope an acronym often leaves out of its initials ("Regional ... Plan (MRP)").
_SCOPE_WORDS = frozenset(
    ["Regional", "Global", "National", "Joint", "Continental", "Subregional", "Interregional"]
)


def text_acronym_definitions(text: str) -> Iterator[Definition]:
    for m in _PAREN_ALIAS.finditer(text):
        alias = m.group(1)
        if sum(c.isupper() for c in alias) < 2 or len(alias) > 25:
            continue
        phrase = phrase_ending_at(text, m.start())
        if not phrase:
            continue
        aligned = _align_to_acronym(phrase, alias)
        dropped = phrase[: len(phrase) - len(aligned)].split()
        if dropped and all(w in _SCOPE_WORDS for w in dropped):
            aligned = phrase  # "Regional Migrant Response Plan (MRP)": the scope is in the name
        if aligned == phrase or classify_name(aligned) or not classify_name(phrase):
            # "... Bureau of Population, Refugees and Migration (PRM)": the initials cover
            # a tail that names nothing on its own; the whole phrase is the name then
            phrase = aligned
        head = m.group(2)
        full = phrase
        if head and (
            head.casefold() in TRAILING_MARKERS or head in ORG_HEADS or head in PROGRAMME_HEADS
        ):
            full = f"{phrase} {head}" if head[0].isupper() else phrase
            # "Name (ACR) Initiative": the word after the acronym is the head noun
            found = classify_name(head) or classify_name(f"{phrase} {head}")
            aliases = (alias, f"{alias} {head}") if head[0].isupper() else (alias,)
        else:
            found = classify_name(phrase)
            aliases = (alias,)
        if found and len(_significant(full)) >= 2:
            yield Definition(full, found.kind, found.subkind, "text-acronym", aliases)
            if (
                full != phrase
            ):  # the name as written: "Migrants in Countries in Crisis (MICIC) Initiative"
                written = text[m.start() - len(phrase) - 1 : m.end()].strip()
                if written.startswith(phrase):
                    yield Definition(written, found.kind, found.subkind, "text-acronym", aliases)


# "the national institute for statistics (INSEED)": a body described in lower case, named
# only by its acronym.
_DESCRIBED_ACRONYM = re.compile(
    r"\b(?:the|a|its|their)\s+((?:[a-z][a-z-]+\s+){0,4}"
    r"(institute|ministry|agency|office|bureau|commission|council|authority|department|"
    r"directorate|secretariat|centre|center|association|network|university|committee|"
    r"service|union|federation|foundation)"
    r"(?:\s+(?:of|for|on)\s+(?:the\s+)?[a-z][a-z-]+(?:\s+(?:and\s+)?[a-z][a-z-]+){0,3})?)"
    r"\s+\(([A-Z][A-Za-z0-9&-]{1,11})\)"
)


def described_acronym_definitions(text: str) -> Iterator[Definition]:
    for m in _DESCRIBED_ACRONYM.finditer(text):
        description, head, acronym = m.group(1), m.group(2), m.group(3)
        if sum(c.isupper() for c in acronym) < 2:
            continue
        kind = organization_type([head.capitalize()], head.capitalize())
        # the acronym is the label; the description stays as an alternative name
        yield Definition(acronym, "organization", kind, "text-acronym", (acronym,))
        yield Definition(description, "organization", kind, "text-acronym", (acronym,))


def _align_to_acronym(phrase: str, acronym: str) -> str:
    """Trim a capitalised phrase to where its acronym starts, when the initials say so:
    "Secretariat of the UN Network on Migration (UNNM)" -> "UN Network on Migration"."""
    words = phrase.split(" ")
    letters = [c for c in acronym if c.isupper()]
    if not letters or words[0][:1].upper() == letters[0]:
        return phrase
    for start in range(1, len(words)):
        if words[start][:1] != letters[0] or words[start].casefold() in CONNECTORS:
            continue
        if _initials_cover(words[start:], letters):
            return " ".join(words[start:])
    return phrase


def _initials_cover(words: list[str], letters: list[str]) -> bool:
    initials = []
    for w in words:
        if w.casefold() in CONNECTORS:
            continue
        initials.extend(c for c in w if c.isupper()) if w.isupper() else initials.append(w[0])
    it = iter(initials)
    return all(any(c == x for x in it) for c in letters)


_QUOTED_AFTER = re.compile(
    r"\b(?:programme|program|project|initiative)\s+(?:entitled\s+|called\s+|named\s+)?"
    r"[\"“]([A-Z][^\"“”]{8,300})[\"”]"
)
_QUOTED_BEFORE = re.compile(
    r"[\"“]([A-Z][^\"“”]{8,300})[\"”],?\s+(?:is|was|has been)\s+(?:a|an|the)\s+"
    r"(?:[\w\-]+\s+){0,4}?(programme|program|project|initiative)\b"
)
_ENTITLED = re.compile(
    r"\b(programme|program|project|initiative)\s+entitled\s+([A-Z][^()\"“”.;]{5,300}?)\s+"
    r"\(([A-Z][\w\-]{1,15})\)"
)


_CALLED = re.compile(
    r"\b(programme|program|project|initiative|platform)\s+(?:called|named)\s+"
    r"([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,5})"
)


def title_definitions(text: str) -> Iterator[Definition]:
    """Titles of projects: quoted after/before "project", "entitled X (ACR)", or
    "a project called Includ-EU"."""
    for m in _CALLED.finditer(text):
        subkind = TRAILING_MARKERS[m.group(1).casefold()]
        yield Definition(m.group(2), "programme", subkind, "title")
    for m in _QUOTED_AFTER.finditer(text):
        kind_word = re.match(r"\w+", m.group()).group().casefold()
        yield Definition(m.group(1).strip(), "programme", TRAILING_MARKERS[kind_word], "title")
    for m in _QUOTED_BEFORE.finditer(text):
        yield Definition(
            m.group(1).strip(), "programme", TRAILING_MARKERS[m.group(2).casefold()], "title"
        )
    for m in _ENTITLED.finditer(text):
        subkind = TRAILING_MARKERS[m.group(1).casefold()]
        yield Definition(m.group(2).strip(), "programme", subkind, "title", (m.group(3),))


_APPOSITION = re.compile(
    r",\s+an?\s+(?:[\w\-]+\s+){0,3}?(organization|organisation|NGO|non-governmental organization|"
    r"company|foundation|charity|association|network|agency|partnership|programme|project|"
    r"initiative|platform|mechanism|application|app|hub|tool|fund)\b"
)
# Apposition nouns that describe a programme or a tool, not an organization.
_APPOSITION_PROGRAMME = {
    "partnership": "initiative",
    "programme": "programme",
    "project": "project",
    "initiative": "initiative",
    "platform": "tool",
    "mechanism": "other",
    "application": "tool",
    "app": "tool",
    "hub": "tool",
    "tool": "tool",
    "fund": "fund",
}
_APPOSITION_TYPE = {
    "ngo": "ngo",
    "non-governmental organization": "ngo",
    "company": "company",
    "network": "network",
}


def apposition_definitions(text: str) -> Iterator[Definition]:
    """ "CBM Global, an organization specialized in ..." names an organization."""
    for m in _APPOSITION.finditer(text):
        phrase = phrase_ending_at(text, m.start())
        if not phrase or not _significant(phrase) or classify_name(phrase):
            continue
        noun = m.group(1).casefold()
        if _fronted_place(text, phrase, m.start()):
            continue  # "In Ecuador and Peru, a joint initiative ...": where, not a name
        if noun in _APPOSITION_PROGRAMME:
            if not country_key(phrase) and not _is_sentence_opener(text, phrase, m.start()):
                yield Definition(phrase, "programme", _APPOSITION_PROGRAMME[noun], "apposition")
            continue
        org_type = _APPOSITION_TYPE.get(noun, "other")
        yield Definition(phrase, "organization", org_type, "apposition")


def _fronted_place(text: str, phrase: str, end: int) -> bool:
    """The phrase is countries ("Ecuador and Peru", "Chad, Mali") or follows a place
    preposition ("In the Sahel, a regional project ...")."""
    start = end - len(phrase)
    if re.search(
        r"\b(?:in|across|within|throughout|from)\s+(?:the\s+)?$",
        text[max(0, start - 16) : start],
        re.I,
    ):
        return True
    parts = [p for p in re.split(r",\s*|\s+and\s+|\s*&\s*", phrase) if p.strip()]
    return len(parts) > 1 and all(country_key(p.strip()) for p in parts)


def _is_sentence_opener(text: str, phrase: str, end: int) -> bool:
    """A single capitalised word opening a sentence ("Overall, a ...") names nothing."""
    start = end - len(phrase)
    return len(_significant(phrase)) == 1 and not re.search(r"\w", text[max(0, start - 3) : start])


_CO_LEAD_OBJECT = re.compile(r"\bco-lead(?:s|ing)?\s+(?:with\s+[^.;:]{1,120}?\s+)?the\s+(?=[A-Z])")


def co_lead_definitions(text: str) -> Iterator[Definition]:
    """ "IOM co-leads with ILO and UNFCCC the UNNM Thematic Priority 4": the thing co-led is
    named even when no head noun says what it is."""
    for m in _CO_LEAD_OBJECT.finditer(text):
        phrase = phrase_starting_at(text, m.end(), allow_numbers=True)
        if phrase and len(_significant(phrase)) >= 2 and not classify_name(phrase):
            yield Definition(phrase, "programme", "initiative", "co-lead")


_MARKER_AFTER = re.compile(r"\s+(" + "|".join(TRAILING_MARKERS) + r")\b")


_INDEFINITE_BEFORE = re.compile(
    r"\b(?:an?|A|An|any|each|every|one)\s+(?:(?!(?:of|the|for|in|on|to|with|by|and)\s)[a-z][\w-]*\s+){0,3}$"
)
_IN_PLACE = re.compile(r"\s+in\s+(?:the\s+)?(.+)$")


# A sentence opening with an action noun and a preposition ("Participation in the
# Initiative", "Preparations for the Forum") is about the name after it.
_ACTION_OPENER = re.compile(
    r"^[A-Z][a-z]+(?:tions?|ments?|ances?|ences?)\s+(?:in|for|of|to|on|with)\b"
)


def head_noun_definitions(text: str) -> Iterator[Definition]:
    for start, end in name_phrases(text):
        if _INDEFINITE_BEFORE.search(text[max(0, start - 60) : start]):
            continue  # "a ... Border Management Information System" describes, not names
        phrase = re.split(r"\s+at\s+", text[start:end])[0]  # "X Lab at Y University"
        if re.search(r"\bOffices?\s+in\b", phrase):
            continue  # "IOM Office in Ecuador": a part of an organization
        opens_sentence = start == 0 or re.search(r"[.!?:;]\s+$", text[max(0, start - 4) : start])
        if opens_sentence and _ACTION_OPENER.match(phrase):
            continue  # "Participation in the Initiative has ...": a sentence about a name
        place = _IN_PLACE.search(phrase)
        if place and country_key(place.group(1)):
            bare = phrase[: place.start()]
            found_bare = classify_name(bare)
            if not (found_bare and found_bare.subkind == "government"):
                phrase = bare  # "X Programme in South Sudan" is X; a ministry is the country's
        marker = _MARKER_AFTER.match(text, end)
        if marker:
            # "the Operation Allies Welcome programme": the name is the capitalised part
            # after the last article ("Germany and Belgium for the THAMM programme")
            phrase = re.split(r"\s+the\s+", phrase)[-1]
        found = classify_name(f"{phrase} {marker.group(1)}" if marker else phrase)
        if found and marker and _unknown_acronym(phrase):
            # "The COMPASS programme": an acronym no organization has, marked as a programme
            yield Definition(phrase, found.kind, found.subkind, "head-noun", (phrase,))
            continue
        if found and _plausible_discovery(phrase, marked=bool(marker)):
            yield Definition(phrase, found.kind, found.subkind, "head-noun")
            place_prefix = re.match(r"(\w+ of (?:the )?(\w+)) [A-Z]", phrase)
            if (
                place_prefix
                and place_prefix.group(1).split()[0] in ORG_HEADS
                and _is_place(place_prefix.group(2))
            ):
                # "Council of Europe Drafting Committee": the Council is named too
                yield Definition(place_prefix.group(1), "organization", "other", "head-noun")
            for inner in nested_names(phrase):
                # "Working Group of the Platform for Disaster Displacement" names both
                first = inner.split()[0]
                if _is_place(first):
                    continue  # "Council of Europe Drafting Committee": not "Europe ... Committee"
                inner_found = classify_name(inner)
                if inner_found and _plausible_discovery(inner):
                    yield Definition(inner, inner_found.kind, inner_found.subkind, "head-noun")


_NESTING = re.compile(r"\s(?:of|at|within|under)\s+(?:the\s+)?(?=[A-Z])")


def nested_names(name: str) -> Iterator[str]:
    """The complements of "X of the Y" (and "at", "within", "under") that may name something
    themselves: "Secretariat of the United Nations Network on Migration" contains "United
    Nations Network on Migration"."""
    for m in _NESTING.finditer(name):
        yield name[m.end() :]


# Acronyms of fields of work, which "programme" after them describes, not names.
_SECTOR_ACRONYMS = frozenset(
    [
        "WASH",
        "MHPSS",
        "GBV",
        "SGBV",
        "NFI",
        "NFIS",
        "PSEA",
        "AAP",
        "DRR",
        "CCCM",
        "HIV",
        "AIDS",
        "COVID",
        "IDP",
        "IDPS",
        "SDG",
        "SDGS",
        "NGO",
        "NGOS",
        "CSO",
        "CSOS",
        "CBI",
        "CVA",
        "SRH",
        "PSS",
        "AVR",
        "AVRR",
        "TIP",
    ]
)


def _unknown_acronym(phrase: str) -> bool:
    """One upper-case word of three letters or more that names no known organization and
    no field of work."""
    return (
        bool(re.fullmatch(r"[A-Z][A-Z0-9-]{2,15}", phrase))
        and reference.organization_by_name(phrase) is None
        and phrase.upper() not in _SECTOR_ACRONYMS
        and country_key(phrase) is None
    )


def _plausible_discovery(phrase: str, marked: bool = False) -> bool:
    """Guard against generic capitalised phrases ("Steering Committee", "Regional Office in
    Brussels"): a discovered name needs three significant words, or two with an acronym,
    a government head or a following "project"/"programme" marker."""
    words = _significant(phrase)
    if not words or words[0] in ROLE_WORDS:
        return False  # "Coordinator and Secretariat of the United Nations Network ..."
    if re.search(r"\b(?:Country|Regional)\b.*\bOffices?\b", phrase):
        return False  # "Regional Office for Asia": a part of IOM, not a name of its own
    if re.search(r"\bOffices?\s+in\b", phrase):
        return False
    if len(words) >= 3:
        return True
    in_place = len(words) == 2 and _is_place(words[1])
    if in_place and words[0] in ORG_HEADS and words[0] not in ("Office", "Group"):
        return True  # "Council of Europe", "Bank of Ghana", "Government of Chad"
    if len(words) == 2 and words[1] in COMPANY_HEADS and words[0] not in GENERIC_MODIFIERS:
        return True  # "Nexleaf Analytics", "Microsoft Corporation"
    has_acronym = any(len(w) >= 2 and w.isupper() for w in words)
    strong_head = words[-1] in STRONG_PROGRAMME_HEADS and words[0] not in GENERIC_MODIFIERS
    return len(words) == 2 and (
        has_acronym or marked or strong_head or words[0] in ("Government", "Ministry")
    )


# First words that make "X Programme" a description rather than a name.
GENERIC_MODIFIERS = frozenset(
    {
        "New",
        "Joint",
        "Pilot",
        "Regional",
        "National",
        "Country",
        "Global",
        "Local",
        "Main",
        "Second",
        "First",
        "Current",
        "Related",
    }
)


def _significant(phrase: str) -> list[str]:
    return [t.text for t in tokenise(phrase) if t.is_word and t.norm.casefold() not in CONNECTORS]


_LIST_TRIGGER = re.compile(
    r"\b(?:co-lead(?:s|ed)?|co-led|led|implemented|chaired|coordinated|funded|supported)\s+(?:with|by)\s+"
    r"|\bin\s+(?:partnership|coordination|collaboration|cooperation)\s+with\s+|\btogether\s+with\s+|\balongside\s+"
    r"|\b(?:partner(?:s|ed)?|collaborat(?:e|es|ed|ing)|cooperat(?:e|es|ed|ing))\s+with\s+"
    r"|\bwith\s+the\s+support\s+of\s+|\bmemorandum\s+of\s+understanding\s+with\s+"
)
# Single capitalised words after a partnership trigger that are not names.
_NOT_PARTNER_NAMES = frozenset({"Headquarters", "States", "Member", "Governments", "Ministries"})
_LIST_ITEM = re.compile(r"(?:the\s+)?([A-Z][A-Z0-9\-]{1,14})\b(?!['’]?\s+[A-Z])")
_LIST_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|/)")


def list_acronym_definitions(text: str, known: set[str]) -> Iterator[Definition]:
    """Unknown acronyms listed as partners ("co-leads with ILO and UNFCCC", "co-lead by IOM,
    ILO, IGAD, UNHCR and PDD/UNOPS") are organizations."""
    for m in _LIST_TRIGGER.finditer(text):
        pos = m.end()
        while True:
            item = _LIST_ITEM.match(text, pos)
            if item and re.match(r"\s+(?:for|of)\s+[A-Z]", text[item.end() :]):
                item = None  # "USA for IOM": a longer name that starts with capitals
            if not item:
                pos = re.compile(r"(?:the\s+)?").match(text, pos).end()
                name = phrase_starting_at(text, pos)
                if not name:
                    break
                if text[max(0, pos - 1) : pos] != "/":  # "COVID-19 and Migration/Mobility"
                    yield from _partner_definitions(name)
                pos = pos + text[pos:].find(name) + len(name)
            else:
                acronym = item.group(1)
                if acronym not in known and _is_org_acronym(acronym):
                    yield Definition(acronym, "organization", "other", "list-acronym", (acronym,))
                pos = item.end()
            sep = _LIST_SEPARATOR.match(text, pos)
            if not sep or not re.match(r"(?:the\s+)?[A-Z]", text[sep.end() :]):
                break
            pos = sep.end()


def _partner_definitions(name: str) -> Iterator[Definition]:
    """A name listed as a partner ("in partnership with Microsoft", "in collaboration with
    Liberty Shared and the Freedom Collaborative") is an organization unless its head noun
    says otherwise; "X at Y" names two ("the Immigration Policy Lab at ETH Zurich")."""
    for part in re.split(r"\s+at\s+", name):
        words = _significant(part)
        if not words or words[0] in ROLE_WORDS or country_key(part):
            continue
        found = classify_name(part)
        if found:
            yield Definition(part, found.kind, found.subkind, "partner-list")
            continue
        if len(words) == 1 and (words[0] in _NOT_PARTNER_NAMES or words[0] in ORG_HEADS):
            continue
        if words[0].casefold() in STOPWORDS or re.search(r"\b(?:Office|Offices)\b", part):
            continue
        yield Definition(part, "organization", "other", "partner-list")


def _is_org_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    if len(letters) < 3 or not all(c.isupper() for c in letters):
        return False
    return country_key(token) is None and not any(
        token in (c.iso2, c.iso3) for c in reference.countries()
    )


def build_index(definitions: list[Definition]) -> NameIndex:
    """Merge definitions that share a name (compared by slug) or an acronym into records."""
    definitions = sorted(definitions, key=lambda d: SOURCE_RANK[d.source])
    records: list[NameRecord] = []
    by_name: dict[str, NameRecord] = {}
    by_acronym: dict[str, NameRecord] = {}
    for d in definitions:
        name = canonical_name(d.name) if d.source != "reference" else d.name
        name_slug = key_slug(name)
        if not name_slug:
            continue
        record = (
            by_name.get(name_slug)
            or next((by_acronym[a] for a in d.acronyms if a in by_acronym), None)
            or by_acronym.get(name)  # "COVAX Facility" found in text, listed as an acronym
        )
        if record is None and d.source == "list-acronym" and name in by_acronym:
            record = by_acronym[name]
        if record is None:
            label = d.label or name
            key = d.key or f"{d.kind}/{key_slug(label)}"
            record = NameRecord(
                key, d.kind, label, d.subkind, from_reference=d.source == "reference"
            )
            records.append(record)
        if d.source == "list-acronym":
            if name not in record.acronyms:
                record.acronyms.append(name)
        elif name not in record.names:
            if (
                record.label.isupper()
                and not name.isupper()
                and name[:1].isupper()
                and not record.from_reference
            ):
                record.label = name  # a title found in running text beats a heading
            record.names.append(name)
        by_name.setdefault(name_slug, record)
        for acronym in d.acronyms:
            if acronym not in record.acronyms:
                record.acronyms.append(acronym)
            by_acronym.setdefault(acronym, record)
    _add_unprefixed_names(records, by_name, by_acronym)
    by_surface: dict[str, NameRecord] = {}
    for record in records:
        for acronym in record.acronyms:
            by_surface.setdefault(_surface_key(acronym), record)
        for name in record.names:
            by_surface.setdefault(_surface_key(name, fold=True), record)
    return NameIndex(records, by_surface)


def _add_unprefixed_names(
    records: list[NameRecord], by_name: dict[str, NameRecord], by_acronym: dict[str, NameRecord]
) -> None:
    """ "IOM Global Assistance Fund" is also "the Global Assistance Fund": a discovered name
    that starts with an organization's acronym is known without it, when the rest is a
    name of its own (three significant words) that nothing else has."""
    for record in list(records):
        if record.kind != "programme" or record.from_reference or record not in records:
            continue
        for name in list(record.names):
            first, _, rest = name.partition(" ")
            owner = by_acronym.get(first)
            if not owner or owner is record or owner.kind != "organization":
                continue
            if len(_significant(rest)) < 3:
                continue
            other = by_name.get(key_slug(rest))
            if other is None:
                record.names.append(rest)
            elif other is not record and other.kind == "programme" and not other.from_reference:
                # one thing found twice ("IOM Global Assistance Fund", "the Global
                # Assistance Fund"): merge into the fuller name
                record.names += [n for n in other.names if n not in record.names]
                record.acronyms += [a for a in other.acronyms if a not in record.acronyms]
                records.remove(other)
                for table in (by_name, by_acronym):
                    for k, v in list(table.items()):
                        if v is other:
                            table[k] = record
            else:
                continue
            by_name[key_slug(rest)] = record


# --- name phrases --------------------------------------------------------------------------


def name_phrases(text: str) -> Iterator[tuple[int, int]]:
    """Spans of maximal capitalised phrases that may be names: capitalised words joined by
    prepositions, "the" after a preposition, and "and" (not after an acronym, not before
    "the").  Commas, lower-case words and sentence openers end a phrase."""
    tokens = tokenise(text)
    i = 0
    while i < len(tokens):
        # "the From Research to Action project": after "the", a capitalised function
        # word is part of the name
        after_article = i > 0 and tokens[i - 1].text == "the"
        span = _phrase_from(tokens, i, first_may_be_stopword=after_article)
        if span:
            yield tokens[span[0]].start, tokens[span[1] - 1].end
            i = span[1]
        else:
            i += 1


def _phrase_from(
    tokens: Sequence[Token],
    i: int,
    allow_numbers: bool = False,
    first_may_be_stopword: bool = False,
) -> tuple[int, int] | None:
    t = tokens[i]
    if not (t.is_word and t.text[:1].isupper()):
        return None
    if t.norm.casefold() in STOPWORDS and not (first_may_be_stopword and t.text.istitle()):
        return None
    if re.split(r"[-–]", t.norm.casefold())[0] in NUMBER_WORDS:
        return None  # "Forty-one IOM Development Fund projects"
    if t.possessive and t.is_all_caps:
        return None  # "IOM's Migration Data Strategy": the name starts after
    end = i + 1
    j = i + 1
    while j < len(tokens):
        prev, cur = tokens[j - 1], tokens[j]
        if cur.start - prev.raw_end > 1 or prev.possessive and prev.is_all_caps:
            break  # a gap (two spaces, dropped markup) or "IOM's": not one name
        if prev.possessive and not (cur.is_word and cur.text[:1].isupper()):
            break
        low = cur.norm.casefold()
        if (
            cur.is_word
            and (
                cur.text[:1].isupper()
                or _capital_after_elision(cur.text)  # "Côte d'Ivoire" continues the name
                or allow_numbers
                and cur.text[:1].isdigit()
            )
        ):
            if low in STOPWORDS - CONNECTORS:
                break
            if low in CONNECTORS and cur.text.isupper() and len(cur.text) > 1:
                pass  # "OF", "THE" in headings in capitals act as connectors below
            else:
                end = j + 1
                j += 1
                continue
        if (
            re.fullmatch(r"\d{1,2}\.\d{1,2}", cur.text)
            and prev.is_word
            and prev.text[:1].isupper()
            and cur.start - prev.raw_end == 1
            and _ends_a_numbered_name(tokens, j)
        ):
            end = j + 1  # a version: "Essentials of Migration Management 2.0", "Alliance 8.7"
            j += 1
            continue
        if cur.text == "/" and _slash_prefix_continues(tokens, j):
            j += 1  # "AU/ILO/IOM/UNECA Joint Programme", "IOM/IPL Migrant Integration Index"
            continue
        if cur.text == "," and (after := _adjective_series_end(tokens, i, j)):
            end = j = after  # "Fund for Safe, Orderly and Regular Migration"
            continue
        if (
            cur.text.isdigit()
            and len(cur.text) <= 2
            and (prev.text in ORG_HEADS or prev.text in PROGRAMME_HEADS)
            and cur.start - prev.raw_end == 1
            and _ends_a_numbered_name(tokens, j)
        ):
            end = j + 1  # "Thematic Working Group 4", "Phase 2"-style numbered bodies
            break
        if low == "with" and cur.is_word and _with_names_a_partner(tokens, j):
            break
        if low in PREPOSITIONS and cur.is_word:
            pass
        elif low == "the" and cur.is_word:
            if tokens[j - 1].norm.casefold() not in PREPOSITIONS:
                break
        elif low in ("and", "&"):
            # "and" joins words of one name ("Migration and Development"), not two names:
            # not after an acronym or a head noun, not before "the", an acronym or a head
            nxt = tokens[j + 1] if j + 1 < len(tokens) else None
            if prev.is_all_caps or prev.text in ORG_HEADS or prev.text in PROGRAMME_HEADS:
                break
            if (
                nxt is None
                or nxt.norm.casefold() == "the"
                or nxt.is_all_caps
                or nxt.text in ORG_HEADS
            ):
                break
        else:
            break
        j += 1
    end = _cut_modifier_after_and(tokens, i, end)
    # a phrase ends on a name word, never on a connector
    return (i, end) if end > i else None


def _slash_prefix_continues(tokens: Sequence[Token], j: int) -> bool:
    """ "AU/ILO/IOM/UNECA Joint Programme": acronyms joined by slashes open a name when a
    capitalised word follows the last of them; "IOM/UNHCR" alone are two names."""
    k = j
    while (
        k + 1 < len(tokens)
        and tokens[k].text == "/"
        and tokens[k - 1].is_all_caps
        and tokens[k + 1].is_all_caps
        and tokens[k].start == tokens[k - 1].end
        and tokens[k + 1].start == tokens[k].end
    ):
        k += 2
    if k == j:
        return False
    nxt = tokens[k] if k < len(tokens) else None
    return (
        nxt is not None
        and nxt.is_word
        and nxt.text[:1].isupper()
        and not nxt.is_all_caps
        and nxt.start - tokens[k - 1].end == 1
    )


def _ends_a_numbered_name(tokens: Sequence[Token], j: int) -> bool:
    """ "Working Group 4, co-led by" numbers a body; "the Fund 2 million people" counts."""
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    return (
        nxt is None
        or not nxt.is_word
        or nxt.norm.casefold() in PREPOSITIONS | {"and"}
        or nxt.norm.casefold() in TRAILING_MARKERS  # "Management 2.0 platform"
    )


def _adjective_series_end(tokens: Sequence[Token], i: int, j: int) -> int | None:
    """Where a series of single capitalised words that continues a name after a preposition
    ends: "for Safe, Orderly and Regular Migration", "Ministry of Health, Labour and Welfare".
    ``tokens[j]`` is the comma.  Names listed after a comma ("UNHCR, UNICEF and WHO",
    "Chad, Niger and Mali", "Border Police and Customs") are not a series: every item is one
    word, not an acronym, a country or a head noun."""

    def plain(t: Token) -> bool:
        return (
            t.is_word
            and t.text[:1].isupper()
            and not t.is_all_caps
            and t.text not in HEAD_WORDS
            and t.norm.casefold() not in STOPWORDS
            and country_key(t.text) is None
        )

    if not plain(tokens[j - 1]):
        return None
    # the word before the comma is the series' first item: after "for"/"of" inside a name,
    # or the name's first word when the series ends on a head noun ("IOM's Health, Border
    # and Mobility Management Framework")
    after_preposition = j - 2 > i and tokens[j - 2].norm.casefold() in PREPOSITIONS
    if not (after_preposition or j - 1 == i):
        return None
    k = j
    while k + 2 < len(tokens) and tokens[k].text == "," and plain(tokens[k + 1]):
        k += 2
        if tokens[k].text == "," and k + 1 < len(tokens) and tokens[k + 1].text == "and":
            k += 1  # serial comma: "Safe, Orderly, and Regular"
            break
        if tokens[k].text == "and":
            break
    if k >= len(tokens) or tokens[k].text != "and" or k + 1 >= len(tokens):
        return None
    last = k + 1
    if not plain(tokens[last]) or tokens[last].start - tokens[k].raw_end > 1:
        return None
    end = last + 1
    while end < len(tokens) and tokens[end].is_word and tokens[end].text[:1].isupper():
        end += 1  # "... and Regular Migration"
    if not after_preposition and tokens[end - 1].text not in HEAD_WORDS:
        return None
    return end


def _with_names_a_partner(tokens: Sequence[Token], j: int) -> bool:
    """ "the Shelter Cluster with the IFRC", "Global CCCM Cluster with UNHCR": after a head
    noun, or before "the" or an acronym, "with" introduces a partner, not more of the name
    ("Convention on the Rights of Persons with Disabilities" keeps it)."""
    prev = tokens[j - 1]
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    return (
        prev.text in ORG_HEADS
        or prev.text in PROGRAMME_HEADS
        or nxt is None
        or nxt.norm.casefold() == "the"
        or nxt.is_all_caps
    )


def _cut_modifier_after_and(tokens: Sequence[Token], i: int, end: int) -> int:
    """ "Ministry of Health and Armenian diaspora professionals": a single capitalised word
    after the last "and", followed by a lower-case noun, modifies that noun."""
    if end >= len(tokens) or end - i < 3:
        return end
    if any(t.text == "," for t in tokens[i:end]):
        return end  # "Ministry of Health, Labour and Welfare officials": a joined series
    following = tokens[end]
    if not (following.is_word and following.text.islower()) or following.text in FUNCTION_WORDS:
        return end
    if following.text.endswith(("ed", "s")):
        return end  # probably a verb: "... and Development launched", "... organizes"
    if tokens[end - 2].norm.casefold() == "and":
        return end - 2
    return end


def phrase_ending_at(text: str, pos: int) -> str | None:
    """The capitalised phrase that ends right before ``pos`` (spaces allowed)."""
    head = text[:pos].rstrip()
    head = re.sub(r"['’]s$", "", head)
    return _phrases_by_end(text).get(len(head))


@lru_cache(maxsize=256)
def _phrases_by_end(text: str) -> dict[int, str]:
    return {end: text[start:end] for start, end in name_phrases(text)}


def phrase_starting_at(text: str, pos: int, allow_numbers: bool = False) -> str | None:
    tokens = tokenise(text[pos : pos + 400])
    if not tokens or tokens[0].start != 0:
        return None
    span = _phrase_from(tokens, 0, allow_numbers=allow_numbers)
    if not span:
        return None
    return text[pos + tokens[span[0]].start : pos + tokens[span[1] - 1].end]


# --- GCM objectives and clusters -----------------------------------------------------------

_OBJECTIVES = re.compile(
    r"\b(?:[Oo]bjectives?|OBJECTIVES?|Obj\.)\s*(?:#|[Nn]o\.\s*|[Nn]umber\s+)?(\d{1,2})\b"
    r"((?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|[–—-]\s*|to\s+)(?:[Oo]bjectives?\s+)?\d{1,2}\b)*)"
)
# "Objectives 20–22", "objectives 4 to 6": a range stands for every number in it.
_OBJECTIVE_RANGE = re.compile(r"(\d{1,2})\s*(?:[–—-]|to)\s*(?:[Oo]bjectives?\s+)?(\d{1,2})")
_NOT_GCM_BEFORE = re.compile(
    r"(?:strategic|SDG|Development Goals?|specific|programme|project)\s*$", re.IGNORECASE
)
_CLUSTER = re.compile(r"\b(?:[Cc]luster|CLUSTER)\s+(IV|I{1,3})\b(?![\w-])")
GCM_OBJECTIVE_COUNT = 23


def objective_mentions(passage_id: str, text: str) -> Iterator[Mention]:
    """ "objective 2", "objectives 9 and 10", "objectives 4, 8, 9, 10, 11, 13, 14 and 21",
    "Objectives 15 and Objective 16": one mention per number, the first one with its word."""
    for m in _OBJECTIVES.finditer(text):
        if _NOT_GCM_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        numbers = [(m.start(), m.end(1), m.group(1))]
        tail_start = m.start(2)
        numbers += [
            (tail_start + n.start(), tail_start + n.end(), n.group())
            for n in re.finditer(r"\d{1,2}", m.group(2))
        ]
        numbers += list(_range_interior(m, text))
        for start, end, number in numbers:
            if 1 <= int(number) <= GCM_OBJECTIVE_COUNT:
                yield Mention(
                    passage_id,
                    start,
                    end,
                    text[start:end],
                    "objective",
                    f"gcm/objective/{int(number)}",
                )


def _range_interior(m: re.Match[str], text: str) -> Iterator[tuple[int, int, str]]:
    """The numbers inside "20–22" (here 21), each anchored on the range's own span: the
    text never writes them, so their mention quotes the whole range."""
    for r in _OBJECTIVE_RANGE.finditer(text, m.start(1), m.end()):
        low, high = int(r.group(1)), int(r.group(2))
        if low < high <= GCM_OBJECTIVE_COUNT and high - low <= GCM_OBJECTIVE_COUNT:
            for number in range(low + 1, high):
                yield r.start(), r.end(), str(number)


def cluster_mentions(passage_id: str, text: str) -> Iterator[Mention]:
    for m in _CLUSTER.finditer(text):
        yield Mention(
            passage_id, m.start(), m.end(), m.group(), "cluster", f"gcm/cluster/{m.group(1)}"
        )


# --- recognise -----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _name_matcher(
    doc_id: str, sha: str, document: Document, shared: tuple[Definition, ...]
) -> PhraseMatcher:
    index = name_index(document, shared)
    matcher = PhraseMatcher()
    for record in index.records:
        for surface in [*record.names, *record.acronyms]:
            # "the United Nations" must not hide "United Nations Network on Migration";
            # but "the Network" keeps its article: "Network" alone is a common word
            bare = re.sub(r"^(?:the|The)\s+", "", surface)
            bare_tokens = tokenise(bare)
            if len(bare_tokens) > 1 or bare_tokens and bare_tokens[0].is_all_caps:
                surface = bare
            matcher.add(surface, record.kind)
            if surface.startswith("United Nations "):
                matcher.add("UN " + surface[len("United Nations ") :], record.kind)
    return matcher


_SLASHED_ACRONYMS = re.compile(r"(?:[A-Z][A-Z0-9&-]+/)+[A-Z][A-Z0-9&-]+(?= )")


def _nested_mentions(
    passage_id: str, text: str, named: list[tuple[int, int, object]], names: PhraseMatcher
) -> Iterator[Mention]:
    """Known names inside a longer name's complement: the "Secretariat of the United Nations
    Network on Migration" also mentions the Network."""
    for start, end, _ in named:
        prefix = _SLASHED_ACRONYMS.match(text, start, end)
        if prefix:  # "AU/ILO/IOM/UNECA Joint Programme" also mentions the ILO and IOM
            for s, e, kind in names.find(text[start : prefix.end()]):
                yield Mention(
                    passage_id, start + s, start + e, text[start + s : start + e], str(kind)
                )
        for inner in nested_names(text[start:end]):
            offset = end - len(inner)
            for s, e, kind in names.find(inner):
                if s == 0:  # the complement is (or starts with) a known name
                    yield Mention(
                        passage_id, offset, offset + e, text[offset : offset + e], str(kind)
                    )
        opening = _opening_name(text, start, end, names)
        if opening:
            yield Mention(passage_id, start, opening[0], text[start : opening[0]], opening[1])


def _opening_name(text: str, start: int, end: int, names: PhraseMatcher) -> tuple[int, str] | None:
    """A known name that opens a longer one: "Migration Network Hub Repository of Practices",
    "Council of Europe Drafting Committee".  Only a prefix that ends on a head noun or is
    "<Head> of <place>" counts ("United Nations" opens many names without being meant)."""
    tokens = [t for t in tokenise(text[start:end]) if t.is_word]
    for cut in range(len(tokens) - 1, 0, -1):
        last = tokens[cut - 1]
        words = [t.text for t in tokens[:cut]]
        of_place = (
            len(words) >= 3 and words[0] in ORG_HEADS and words[-2] == "of" and _is_place(words[-1])
        )
        if last.text not in HEAD_WORDS and not of_place:
            continue
        if not tokens[cut].text[:1].isupper():
            continue
        found = names.find(text[start : start + last.end])
        if found and found[0][0] == 0 and found[0][1] == last.end:
            if found[0][2] == "organization" and tokens[cut].text in HEAD_WORDS:
                continue  # "Migration Network Hub": the Network's name modifies "Hub"
            return start + last.end, str(found[0][2])
    return None


# "Lake Chad Basin", "the Niger Delta", "Congo River": a country's name in the name of a
# lake, river or region, which is not that country.
_FEATURE_BEFORE = re.compile(r"\b(?:Lake|Gulf\s+of|Sea\s+of|Bay\s+of|Mount)\s+$")
_FEATURE_AFTER = re.compile(
    r"\s+(?:Basin|River|Delta|Valley|Sea|Lake|Corridor|Triangle|Gulf|Plateau|Highlands)\b"
)


def _names_a_feature(text: str, start: int, end: int) -> bool:
    return bool(
        _FEATURE_BEFORE.search(text, max(0, start - 12), start) or _FEATURE_AFTER.match(text, end)
    )


def recognise(document: Document, shared: tuple[Definition, ...] = ()) -> list[Mention]:
    """All mentions in all passages of ``document``, in passage order then by offset."""
    names = _name_matcher(document.id, document.sha256, document, shared)
    countries = country_matcher()
    mentions: list[Mention] = []
    for passage in document.passages:
        text = passage.text
        found = [
            Mention(passage.id, s, e, text[s:e], "country", str(key))
            for s, e, key in countries.find(text)
            if not _names_a_feature(text, s, e)
        ]
        named = names.find(text)
        found += [Mention(passage.id, s, e, text[s:e], str(kind)) for s, e, kind in named]
        found += _nested_mentions(passage.id, text, named, names)
        found += objective_mentions(passage.id, text)
        found += cluster_mentions(passage.id, text)
        mentions += sorted(found, key=lambda m: (m.start, -m.end))
    return mentions
