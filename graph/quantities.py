"""Quantities stage: the numbers a report states, as observations.

* ``extract_quantities`` reads every prose passage (paragraphs, boxes, footnotes,
  headings; not table rows) and turns each amount into a ``Quantity`` with a unit, a
  short description of what is measured, the reference year, and the country /
  organization / programme the sentence attributes it to.
* ``table_cells`` turns every numeric body cell of every table into a ``TableCell`` with
  dimensions read from the header rows and the row labels.

Everything is rule-based and deterministic, built on ``graph.numbers``.  When the text
does not make an attribution clear (a number in a sentence naming several countries),
the field stays empty rather than guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from graph.link import FUNDED_BY
from graph.model import Document, Mention, Passage, Quantity, Table, TableCell
from graph.numbers import NumberMatch, find_numbers, parse_number
from graph.recognise import country_matcher


def _word_list(text: str) -> list[str]:
    """Whitespace-separated words of a vocabulary block."""
    return text.split()


# --- vocabulary -------------------------------------------------------------------------------

# Head noun (singular, lowercase) -> unit.  Anything else is counted as "count".
_UNIT_OF_NOUN: dict[str, str] = {
    **dict.fromkeys(
        _word_list(
            """
            people person individual migrant beneficiary refugee idp idps returnee
            participant staff member official worker child children woman women man men
            girl boy student trainee survivor victim patient national resident
            inhabitant volunteer expert professional researcher scientist doctor nurse
            teacher farmer youth traveller passenger applicant personnel employee
            representative stakeholder leader holder associate seafarer asylum-seeker
            asylum seeker displaced respondent enumerator informant coordinator follower
            returner deportee evacuee trafficked victim survivor graduate recipient
            interviewee attendee delegate official officer physician
            """
        ),
        "person",
    ),
    **dict.fromkeys(["country", "state", "member state", "nation", "territory"], "country"),
    **dict.fromkeys(["project"], "project"),
    **dict.fromkeys(["programme", "program"], "programme"),
    **dict.fromkeys(
        _word_list(
            """
            facility clinic hospital centre center school shelter laboratory lab
            warehouse hub post
            """
        ),
        "facility",
    ),
    **dict.fromkeys(["consultation"], "consultation"),
    **dict.fromkeys(["household"], "household"),
    **dict.fromkeys(["family"], "family"),
    **dict.fromkeys(["office", "mission", "country office", "field mission"], "office"),
    **dict.fromkeys(
        _word_list(
            """
            location site settlement camp province district municipality region area
            locality city town village
            """
        ),
        "location",
    ),
    "point of entry": "location",
    "monitoring point": "location",
    **dict.fromkeys(["dose", "vaccination dose"], "dose"),
    **dict.fromkeys(["year"], "year"),
    **dict.fromkeys(["month"], "month"),
    **dict.fromkeys(["day"], "day"),
}
_IRREGULAR_SINGULAR = {
    "people": "people",
    "children": "children",
    "women": "women",
    "men": "men",
    "staff": "staff",
    "personnel": "personnel",
    "youth": "youth",
    "idps": "idp",
    "countries": "country",
    "families": "family",
    "facilities": "facility",
    "territories": "territory",
    "beneficiaries": "beneficiary",
    "municipalities": "municipality",
    "localities": "locality",
    "cities": "city",
    "data": "data",
    "series": "series",
    "news": "news",
    "analyses": "analysis",
    "crises": "crisis",
}

_PREPOSITIONS = frozenset(
    _word_list(
        """
        in across to from for with by at on through during since under within among
        amongst between into per over against around via including than as towards
        toward upon about after before throughout beyond outside inside near alongside
        despite until
        """
    )
)
_DETERMINERS = frozenset(
    _word_list(
        """
        the a an all its their his her our these those this that each every such some
        any other another both several many various
        """
    )
)
_AUXILIARIES = frozenset(
    _word_list(
        """
        is are was were be been being has have had will would can could may might shall
        should do does did must
        """
    )
)
_RELATIVES = frozenset(
    ["who", "which", "that", "whose", "whom", "where", "when", "while", "whereas"]
)
_CONJUNCTIONS = frozenset(["and", "or", "but", "nor"])
_STOP = _PREPOSITIONS | _AUXILIARIES | _RELATIVES | _CONJUNCTIONS
# Nouns that carry an "of" phrase: "points of entry", "members of staff".
_OF_HEADS = frozenset(
    _word_list(
        """
        point points member members unit units tonne tonnes ton tons kilogram kilograms
        litre litres hectare hectares kilometre kilometres kit kits type types form
        forms
        """
    )
)
_PAST_PARTICIPLE_IRREGULAR = frozenset(
    _word_list(
        """
        made given taken held run met brought built sent spent won done seen known shown
        grown led paid sold taught told thought understood written
        """
    )
)
_CHANGE_NOUNS = {
    "increase": "increase",
    "increases": "increase",
    "rise": "increase",
    "growth": "increase",
    "decrease": "decrease",
    "decline": "decrease",
    "reduction": "decrease",
    "drop": "decrease",
    "fall": "decrease",
}
_CHANGE_VERBS = {
    "increased": "increase",
    "grew": "increase",
    "rose": "increase",
    "expanded": "increase",
    "went": "increase",
    "decreased": "decrease",
    "declined": "decrease",
    "fell": "decrease",
    "dropped": "decrease",
    "reduced": "decrease",
    "shrank": "decrease",
}
_GENERIC_OBJECTS = frozenset(
    _word_list(
        """
        activities activity work programmes projects support assistance presence
        operations
        """
    )
)
_MAX_MEASURE_WORDS = 12
# Adjectives that follow their noun and end it: "150 staff responsible for ...".
_POSTPOSITIVE = frozenset(["responsible", "available", "eligible", "concerned"])
# A capitalised plural naming people of a nationality: "Afghans", "Syrians", "Iraqis", "Congolese".
_DEMONYM_PLURAL = re.compile(r"[A-Z][a-z]+(?:ians|ans|is|ese)")
_YEAR_WORD = re.compile(r"(?:19|20)\d\d")
# Words that end a noun phrase after a number ("70 IOM offices worldwide undertook ...").
_NP_ENDERS = frozenset(
    _word_list(
        """
        of alone each respectively per worldwide globally overall annually directly
        prior respectively together altogether currently now still already also only it
        they we he she them there thanks out thus then
        """
    )
)

_YEAR = r"((?:19|20)\d\d)(?![\d/\u2013-])"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
# A year that frames what follows: "In 2021,", "Throughout 2021", "by the end of 2021".
# "the end of", "the third quarter of", "Q3", "31 December": parts of a year
_PART_OF_YEAR = (
    r"(?:(?:end|course|beginning|start|first half|second half|middle"
    r"|(?:first|second|third|fourth|last|final)\s+quarter)\s+of\s+)?"
    rf"(?:Q[1-4]\s+)?(?:\d{{1,2}}\s+)?(?:{_MONTH}\s+)?"
)
_FRAMING_YEAR = re.compile(
    r"\b(?:in|during|throughout|by|as of|at|for)\s+(?:the\s+)?"
    + _PART_OF_YEAR
    + rf"(?:the\s+year\s+)?{_YEAR}",
    re.IGNORECASE,
)
_SENTENCE_FRAME = re.compile(
    r"^\W*(?:in|during|throughout|by|as of|at|over)\s+(?:the\s+)?" + _PART_OF_YEAR + _YEAR,
    re.IGNORECASE,
)
_OPENING_ADVERBIALS = re.compile(
    r"^\W*(?:(?:in|during|throughout|by|at|as|over|overall|since|moreover|additionally|furthermore|"
    r"however|globally|currently|also|across|among|under|through|with|following|after|before|"
    r"despite|for|on|of|nonetheless|similarly|likewise|meanwhile|notably|finally|lastly|"
    r"first|second|third|then|thus|consequently|accordingly|as a result)\b[^,]*,\s*)+",
    re.IGNORECASE,
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:No|Nos|e\.g|i\.e|Mr|Ms|Mrs|Dr|St|vs|approx|etc|Inc|Ltd|Co|para|paras|Art|Vol|cf|al)"
    r"|\b[A-Z])\.$"
)


# --- prose --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Previous:
    """The amount read just before, in the same sentence (for "of which 49", "and 68 conducted")."""

    unit: str
    measure: str
    noun: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    """One passage being read: its text, sentences, numbers and linked mentions."""

    passage: Passage
    text: str
    mentions: tuple[Mention, ...]
    numbers: tuple[NumberMatch, ...]
    default_year: int | None
    section_area: str | None


def extract_quantities(document: Document, mentions: list[Mention]) -> list[Quantity]:
    """Every amount stated in the prose of ``document`` (see module docstring)."""
    by_passage: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.entity_key:
            by_passage[m.passage_id].append(m)
    texts = {p.id: p.text for p in document.passages}
    for passage_id, found in by_passage.items():
        by_passage[passage_id] = _places_outside_names(found, texts.get(passage_id, ""))
    section_areas = _section_countries(document, by_passage)
    document_area = _document_area(document)
    out: list[Quantity] = []
    for passage in document.passages:
        if passage.kind == "table-row":
            continue
        numbers = tuple(find_numbers(passage.text))
        if not any(n.is_amount for n in numbers):
            continue
        ctx = _Context(
            passage=passage,
            text=passage.text,
            mentions=tuple(sorted(by_passage.get(passage.id, []), key=lambda m: m.start)),
            numbers=numbers,
            default_year=_passage_year(passage.text) or document.year,
            section_area=_area_of_section(passage, section_areas)
            or _topic_country(passage, by_passage.get(passage.id, []))
            or document_area,
        )
        out.extend(_passage_quantities(ctx))
    return out


def _places_outside_names(mentions: list[Mention], text: str) -> list[Mention]:
    """Drop the countries that open a longer name: "the United States Department of State"
    names a funder, not the place a figure is about.  A country after the head ("the
    Government of Kenya", "the Ministry of Health of Ghana") stays: such bodies act there,
    unless the body is named as a funder ("funded by the Government of the Netherlands"),
    or the name is a programme's that names more than one place ("Regional Migrant
    Response Plan for the Horn of Africa and Yemen")."""
    names = [m for m in mentions if m.kind in ("organization", "programme")]

    def inside_a_name(m: Mention) -> bool:
        for o in names:
            if m.start <= o.start < m.end and o.end > m.end:
                return True  # a country opening the name
            if not (o.start <= m.start and m.end <= o.end):
                continue
            if _FUNDER_BEFORE.search(text[max(0, o.start - 30) : o.start]):
                return True
            if o.kind == "programme":
                countries = sum(
                    1 for c in mentions if c.kind == "country" and o.start <= c.start < o.end
                )
                if countries + len(_REGIONS.findall(text[o.start : o.end])) > 1:
                    return True
        return False

    return [m for m in mentions if m.kind != "country" or not inside_a_name(m)]


_FUNDER_BEFORE = re.compile(r"\b" + FUNDED_BY + r"\s+(?:the\s+)?$", re.IGNORECASE)
# Regions a programme's name can cover besides countries ("... for the Horn of Africa and Yemen").
_REGIONS = re.compile(
    r"\b(?:Africa|Americas?|Asia|Europe|Pacific|Caribbean|Sahel|Balkans|Mediterranean"
    r"|Middle East|Latin America)\b"
)


def _passage_quantities(ctx: _Context) -> list[Quantity]:
    out: list[Quantity] = []
    for sentence in _sentences(ctx.text):
        previous: _Previous | None = None
        compared: _Previous | None = None  # the last amount of something other than countries
        for n in ctx.numbers:
            if not (sentence.start <= n.start < sentence.end) or not n.is_amount:
                continue
            unit, measure, noun = _unit_and_measure(ctx, sentence, n, previous, compared)
            tidy = _antecedent_measure(ctx, sentence, n) or _tidy_measure(measure)
            if not tidy:
                tidy = _implicit_measure(ctx, sentence, n, previous)
                if tidy and unit == "count":  # "from 153 million" international migrants
                    unit = _unit_of_measure(tidy)
            measure = tidy
            out.append(
                Quantity(
                    passage_id=ctx.passage.id,
                    start=n.start,
                    end=n.end,
                    surface=n.surface,
                    value=n.value,
                    value_max=n.value_max,
                    qualifier=None if n.qualifier == "total" else n.qualifier,
                    unit=unit,
                    measure=measure,
                    year=_year(ctx.text, sentence, n, ctx),
                    area_key=None if unit == "country" else _area(ctx, sentence, n),
                    subject_key=_subject(ctx, sentence, n),
                    programme_key=_programme(ctx, sentence, n),
                )
            )
            if unit not in {"per cent", "percentage point"}:
                previous = _Previous(unit, measure, noun)
                if unit != "country" and not (n.is_word and n.value == 1):
                    compared = previous  # ("at least one training course" is no antecedent)
    return out


# Verbs a noun-phrase reader can take for the noun after an amount ("USD 12 million came").
_NOT_A_MEASURE = frozenset(
    _word_list("came went rose fell grew reached stood remained increased decreased were was")
)


_LOOSE_ENDS = frozenset(_word_list("along about around towards toward via per and or of"))


def _tidy_measure(measure: str) -> str:
    """ "movements along" -> "movements": a measure never ends on a function word."""
    words = measure.split()
    while words and (words[-1] in _PREPOSITIONS | _AUXILIARIES | _DETERMINERS | _LOOSE_ENDS):
        words.pop()
    if len(words) == 1 and words[0] in _NOT_A_MEASURE:
        return ""
    return " ".join(words)


_OUT_OF_AMOUNT = re.compile(r"\s+(?:out\s+)?of\s+(?:the\s+)?\d[\d,. ]*\s+(?=\w)", re.I)
_OUT_OF = re.compile(r"\s+(?:out\s+)?of\s+(?:the\s+)?(?:\d[\d,. ]*|[a-z]+)\s+(?=\w)", re.I)
_OF_THESE = re.compile(r"^\s*(?:Of|Among)\s+(?:these|those|the|them|all)\s+([a-z][\w\s-]{2,40}?),")
_COORDINATED = re.compile(
    r"(?:,|\band|\bor|,\s*from|\b(?:up|down)\s+from|\bcompared\s+(?:with|to))\s*$"
)
_CHANGE_FROM_TO = re.compile(
    r"\b(?:increased|rose|grew|climbed|decreased|fell|declined|dropped|went\s+(?:up|down)"
    r"|doubled|tripled|trebled|quadrupled|halved"
    r"|(?:will\s+)?(?:rise|increase|grow|decrease|fall|decline|drop))"
    r",?\s+from\s+(?:[^.;]*\bto\s+)?$",
    re.IGNORECASE,
)
_TOTAL_TO = re.compile(r"\bbringing\s+(?:the|its|their)\s+total(?:\s+number)?\s+to\s+$", re.I)


_NUMBER_OF_WHICH = re.compile(
    r"([A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,5}),\s+the\s+(?:total\s+)?number\s+of\s+"
    r"(?:which|whom)\s+(?:has\s+|had\s+)?(?:\w+\s+){0,2}?(?:to|at)\s+$"
)


def _antecedent_measure(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str:
    """ "the Global Compact Champion Countries, the number of which increased to 29": the
    amount counts the noun phrase before "the number of which"."""
    m = _NUMBER_OF_WHICH.search(ctx.text, sentence.start, n.start)
    if not m:
        return ""
    words = [w for w in m.group(1).split() if w.lower() not in _DETERMINERS]
    while words and (words[0].lower() in _AUXILIARIES or words[0].lower() in _PREPOSITIONS):
        words.pop(0)
    # the noun phrase is the tail after the last verb-like or lower-case function word
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in {"supported", "the", "its", "their", "of"} or (
            words[i].islower() and _is_participle(words[i])
        ):
            words = words[i + 1 :]
            break
    return _style(words[-5:]) if words else ""


def _implicit_measure(
    ctx: _Context, sentence: _Sentence, n: NumberMatch, previous: _Previous | None
) -> str:
    """What an amount with no noun of its own counts, when the sentence still says it:
    "38 out of the 73 work items", "Of these courses, 159 were ...", "bringing the total
    to 61" (the thing counted just before)."""
    text = ctx.text
    of = _OUT_OF.match(text, n.end, sentence.end)
    if of:
        other = _amount_at(ctx, of.end() - 1) or next(
            (m for m in ctx.numbers if of.start() < m.start < of.end()), None
        )
        if other is not None:
            noun = _clean_phrase(ctx, _noun_phrase_after(ctx, other.end, sentence.end, other.start))
            if noun:
                return _style(noun)
    head = _OF_THESE.match(text[sentence.start : n.start])
    if head:
        return _style(head.group(1).split())
    before = text[sentence.start : n.start]
    if previous and previous.measure and (_TOTAL_TO.search(before) or _COORDINATED.search(before)):
        return previous.measure  # "EUR 4.2 million and CHF 1.5 million", "... to 61"
    if previous and previous.measure and re.search(r"\bof\s+which\s*$", before):
        return previous.measure  # "USD 180 million, of which USD 35 million ..."
    if _CHANGE_FROM_TO.search(before):
        # "The number of international migrants increased from 153 million in 1990 to …"
        subject = _clause_subject(ctx, sentence)
        if subject:
            return _style(subject)
    return ""


def _sentences(text: str) -> list[_Sentence]:
    """Sentence spans: split after . ! ? followed by a space and a capital/digit/quote."""
    spans: list[_Sentence] = []
    start = 0
    for m in re.finditer(r"[.!?](?=\s+[\"“'(A-Z0-9])", text):
        if _ABBREVIATIONS.search(text[max(0, m.start() - 8) : m.end()]):
            continue
        spans.append(_Sentence(start, m.end(), text[start : m.end()]))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append(_Sentence(start, len(text), text[start:]))
    return spans


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


_WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’\-/&]*|\d[\d.,]*|[^\w\s]")


def _words(text: str, start: int, end: int) -> list[_Word]:
    return [
        _Word(m.group(0), start + m.start(), start + m.end())
        for m in _WORD_RE.finditer(text[start:end])
    ]


def _is_participle(word: str) -> bool:
    w = word.lower()
    if "-" in w:
        return False  # "cash-based", "health-focused": compound adjectives
    return (w.endswith("ed") and len(w) > 4) or w in _PAST_PARTICIPLE_IRREGULAR


def _is_gerund(word: str) -> bool:
    w = word.lower()
    return (
        w.endswith("ing")
        and len(w) > 5
        and w
        not in {
            "building",
            "training",
            "funding",
            "housing",
            "programming",
            "meeting",
            "planning",
            "offering",
            "setting",
        }
    )


def _singular(word: str) -> str:
    w = word.lower().strip("'’")
    if w in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[w]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _style(words: list[str]) -> str:
    """Lowercase except acronyms ("WASH", "IDPs"), which keep their letters."""
    styled = [w if sum(c.isupper() for c in w) >= 2 else w.lower() for w in words]
    return " ".join(styled).replace(" ,", ",").strip()


def _mention_at(ctx: _Context, start: int, end: int, kind: str | None = None) -> Mention | None:
    for m in ctx.mentions:
        if (
            m.start < end
            and start < m.end
            and (kind is None or (m.entity_key or "").startswith(kind + "/"))
        ):
            return m
    return None


def _amount_at(ctx: _Context, pos: int) -> NumberMatch | None:
    """The amount (not a year or ordinal) whose span covers ``pos``."""
    return next((n for n in ctx.numbers if n.is_amount and n.start <= pos < n.end), None)


# --- what is measured -------------------------------------------------------------------------


def _noun_phrase_after(
    ctx: _Context, pos: int, limit: int, number_start: int | None = None
) -> list[_Word]:
    """The noun phrase right after a number: "primary health-care facilities"."""
    words = _words(ctx.text, pos, limit)
    after_list_joiner = number_start is not None and bool(
        re.search(r"(?:,|\band)\s*$", ctx.text[max(0, number_start - 8) : number_start])
    )
    phrase: list[_Word] = []
    i = 0
    while i < len(words) and len(phrase) < 9:
        w = words[i]
        low = w.lower
        if not (w.text[0].isalpha()) or _amount_at(ctx, w.start):
            break
        if low == "of" and phrase and phrase[-1].lower in _OF_HEADS:
            phrase.append(w)
            i += 1
            continue
        if low in _CONJUNCTIONS:
            # "sexual and reproductive health programmes" continues; "refugees and 2,231 ..." stops.
            nxt = words[i + 1] if i + 1 < len(words) else None
            if (
                not phrase  # "received USD 2.5 million and contributes ...": no noun at all
                or _head_unit(phrase) is not None
                or nxt is None
                or not nxt.text[0].isalpha()
                or _amount_at(ctx, nxt.start)
                or nxt.lower in _STOP | _DETERMINERS
            ):
                break
            phrase.append(w)
            i += 1
            continue
        if low in _STOP or low in _NP_ENDERS or (phrase and low in _POSTPOSITIVE):
            break
        if phrase and (_is_participle(low) or _is_gerund(low)) and _head_unit(phrase) is not None:
            break
        if phrase and low in _VERBS_AFTER_PEOPLE and _head_unit(phrase) == "person":
            break  # "helped 63,852 migrants return home": the verb of the people counted
        if (
            phrase
            and _is_participle(low)
            and low not in {"displaced", "unaccompanied", "stranded", "detained"}
            and not _modifies_next_noun(words, i)
        ):
            break
        if low in _DETERMINERS:
            break
        if (
            phrase
            and phrase[-1].lower == "of"
            and i + 1 < len(words)
            and words[i + 1].text[0].isalpha()
        ):
            phrase.append(w)  # "points of entry": one word after "of", then the phrase ends
            break
        if not phrase and _is_participle(low) and w.text[0].islower() and after_list_joiner:
            break  # "..., and 68 conducted ...": the noun is elided
        phrase.append(w)
        i += 1
    while phrase and phrase[-1].lower in _CONJUNCTIONS | {"of"}:
        phrase.pop()
    return phrase


# Verbs that follow the people an amount counts ("helped 500 migrants return home",
# "enabled 2,000 people access services"); after a person noun they are no nouns.
_VERBS_AFTER_PEOPLE = frozenset(
    _word_list(
        "return access reach receive obtain find travel move reintegrate leave go settle "
        "register apply enrol enroll integrate recover rebuild relocate resettle flee cross "
        "start set gain secure get make use need arrive live lack remain face require "
        "depend continue struggle died went fled left came made got lost found"
    )
)


def _modifies_next_noun(words: list[_Word], i: int) -> bool:
    """Is the participle at ``words[i]`` an adjective before a counted noun ("contracted staff")?"""
    nxt = words[i + 1] if i + 1 < len(words) else None
    return nxt is not None and _singular(nxt.text) in _UNIT_OF_NOUN and nxt.text[0].isalpha()


def _head_unit(phrase: list[_Word]) -> str | None:
    if not phrase:
        return None
    lows = [w.lower for w in phrase]
    if "of" in lows:  # "points of entry": the head comes before "of"
        k = lows.index("of")
        if k + 1 < len(lows) and f"{_singular(lows[k - 1])} of {lows[k + 1]}" in _UNIT_OF_NOUN:
            return _UNIT_OF_NOUN[f"{_singular(lows[k - 1])} of {lows[k + 1]}"]
        lows = lows[:k]
    if len(lows) >= 2:
        pair = f"{_singular(lows[-2]) if lows[-2] != 'member' else 'member'} {_singular(lows[-1])}"
        if pair in _UNIT_OF_NOUN:
            return _UNIT_OF_NOUN[pair]
    if not lows:
        return None
    unit = _UNIT_OF_NOUN.get(_singular(lows[-1]))
    if unit is None and len(phrase) == 1 and _DEMONYM_PLURAL.fullmatch(phrase[0].text):
        return "person"  # "700,000 Afghans": people of a nationality
    return unit


def _unit_of_measure(measure: str) -> str:
    """The unit a measure's head noun implies: "followers of accounts" -> person."""
    head = re.split(r"\s+(?:of|in|with|by|for|from|to)\s+", measure, maxsplit=1)[0].split()
    # "migrants receiving information", "people affected": the noun before the participle
    cut = next(
        (
            i
            for i, w in enumerate(head)
            if i
            and (_is_participle(w) or _is_gerund(w))
            and _head_unit([_Word(x, 0, 0) for x in head[:i]]) is not None
        ),
        None,
    )
    if cut is not None:
        head = head[:cut]
    return (_head_unit([_Word(w, 0, 0) for w in head]) if head else None) or "count"


def _predicate_after(
    ctx: _Context, pos: int, limit: int, counted: tuple[int, list[_Word]] | None = None
) -> list[_Word]:
    """A participle phrase after the noun phrase: "reached through shelter assistance"."""
    words = _words(ctx.text, pos, limit)
    if not words or not words[0].text[0].isalpha():
        return []
    first = words[0]
    if first.lower in {"are", "were", "is", "was"}:
        # "4.5 million people are internally displaced": the participle, with its adverb,
        # when the people counted are the clause's subject (``counted``: where the amount
        # starts and its noun): not "webinars in three languages were held", not "the
        # agreement between the two entities was extended"
        if counted is None or not _subject_of(ctx, counted, first.lower):
            return []
        k = 2 if len(words) > 2 and words[1].lower.endswith("ly") else 1
        if len(words) > k and _is_participle(words[k].lower):
            rest = _predicate_after(ctx, words[k].start, limit)
            return [*words[1:k], *rest] if rest else []
        return []
    if first.lower in _VERBS_AFTER_PEOPLE:
        # "21.6 million people need humanitarian assistance": the verb and its object
        out = [first]
        for w in words[1:5]:
            if not w.text[0].isalpha() or _amount_at(ctx, w.start):
                break
            if w.lower in _CONJUNCTIONS and out[-1].lower in _VERBS_AFTER_PEOPLE:
                out.append(w)  # "died or went missing"
                continue
            if w.lower in _STOP | _DETERMINERS | _PREPOSITIONS | _CONJUNCTIONS:
                break
            out.append(w)
        while out and out[-1].lower in _CONJUNCTIONS:
            out.pop()
        return out if len(out) > 1 else []
    if not (_is_participle(first.lower) or _is_gerund(first.lower)):
        return []
    second = words[1] if len(words) > 1 else None
    if (
        _is_participle(first.lower)
        and second is not None
        and second.text[0].isalpha()
        and second.lower not in _PREPOSITIONS - {"to", "as"}
    ):
        return []  # "offices supported awareness campaigns": a main verb, not a description
    out = [first]
    prepositions = 0
    for i, w in enumerate(words[1:], start=1):
        low = w.lower
        if (
            not w.text[0].isalpha()
            or _amount_at(ctx, w.start)
            or _mention_at(ctx, w.start, w.end, "country")
        ):
            break
        if low in _RELATIVES | _AUXILIARIES | {
            "to",
            "as",
            "than",
            "because",
            "since",
        } or _YEAR_WORD.fullmatch(low):
            break
        if low in _PREPOSITIONS:
            prepositions += 1
            nxt = words[i + 1] if i + 1 < len(words) else None
            if (
                prepositions > 1
                or nxt is None
                or _amount_at(ctx, nxt.start)
                or _YEAR_WORD.fullmatch(nxt.text)
            ):
                break
        if (
            low in _CONJUNCTIONS
            and i + 1 < len(words)
            and (_amount_at(ctx, words[i + 1].start) or words[i + 1].lower in _DETERMINERS)
        ):
            break
        out.append(w)
        if len(out) >= 8:
            break
    while out and (out[-1].lower in _STOP | _DETERMINERS | {"of"}):
        out.pop()
    if len(out) == 1 and not _is_participle(out[0].lower):
        return []  # "staff operating (in 523 locations)": the bare verb adds nothing
    return out


def _subject_of(ctx: _Context, counted: tuple[int, list[_Word]], verb: str) -> bool:
    """Whether the amount starting at ``counted[0]`` with noun ``counted[1]`` can be the
    subject of ``verb`` (is/are/was/were): not inside a prepositional phrase, and agreeing
    in number."""
    start, noun = counted
    if not noun or re.search(_AFTER_PREPOSITION, ctx.text[max(0, start - 20) : start]):
        return False
    head = noun[-1].lower
    plural = head.endswith("s") or head in _PLURAL_NOUNS
    either = head in _PLURAL_NOUNS
    return either or plural == (verb in {"are", "were"})


_AFTER_PREPOSITION = r"\b(?:in|with|for|to|from|of|by|at|on|across|among|between|into|than)\s+$"
_PLURAL_NOUNS = frozenset(_word_list("people children women men personnel staff police"))


def _verb_before(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str | None:
    before = _words(ctx.text, sentence.start, n.start)
    if before and before[-1].lower in {"to", "of"} and len(before) >= 2:
        return None
    if before and _is_participle(before[-1].lower) and before[-1].lower not in _CHANGE_VERBS:
        return before[-1].lower
    return None


def _prep_phrase_after(ctx: _Context, pos: int, limit: int) -> list[_Word]:
    """ "in CCCM", "with health promotion activities": a phrase saying how/in what."""
    words = _words(ctx.text, pos, limit)
    if not words or words[0].lower not in {"in", "with", "through", "on", "under"}:
        return []
    out = [words[0]]
    for w in words[1:]:
        if (
            not w.text[0].isalpha()
            or _amount_at(ctx, w.start)
            or _mention_at(ctx, w.start, w.end, "country")
        ):
            break
        if re.fullmatch(r"(19|20)\d\d", w.text) or w.lower in _RELATIVES | _AUXILIARIES | {
            "in",
            "across",
            "during",
            "from",
            "to",
            "by",
        }:
            break
        out.append(w)
        if len(out) >= 8:
            break
    while out and out[-1].lower in _STOP | _DETERMINERS | {"of"}:
        out.pop()
    return out if len(out) > 1 else []


def _clean_phrase(ctx: _Context, words: list[_Word]) -> list[str]:
    """Drop determiners, organization names and possessives: "IOM's total revenue" -> "total revenue"."""
    out: list[str] = []
    for w in words:
        if _mention_at(ctx, w.start, w.end, "organization") and not out:
            continue
        if w.text.endswith(("'s", "’s")) and not out and w.text[0].isupper():
            continue
        if not out and w.lower in _DETERMINERS:
            continue
        out.append(w.text)
    text = " ".join(out)
    text = re.sub(r"^(?:total\s+)?number of\s+", "", text, flags=re.I)
    return text.split()


def _noun_phrase_before(ctx: _Context, sentence: _Sentence, pos: int) -> list[_Word]:
    """The noun phrase ending right before ``pos``: "WASH operations" in "had WASH operations in"."""
    words = _words(ctx.text, sentence.start, pos)
    out: list[_Word] = []
    for w in reversed(words):
        low = w.lower
        if _amount_at(ctx, w.start):
            return []  # "4.8 million people in 60 countries": that noun belongs to a number
        if not w.text[0].isalpha():
            break
        if (
            low in _PREPOSITIONS | _AUXILIARIES | _RELATIVES | {"of", "to"}
            or _is_participle(low)
            or low in _DETERMINERS
        ):
            break
        if low.endswith("ing") and len(low) > 5 and out:
            break
        if re.fullmatch(r"[a-z]+s", low) and out and low not in {"its"} and _is_verb_like(low):
            break
        out.insert(0, w)
        if len(out) >= 6:
            break
    while out and out[0].lower in _CONJUNCTIONS:
        out.pop(0)
    first = words.index(out[0]) if out else 0
    if len(out) > 1 and first > 0 and words[first - 1].lower == "to":
        out.pop(0)  # "to implement activities": the first word is a verb
    return out


def _is_verb_like(word: str) -> bool:
    return word in {"has", "had", "have", "supports", "provides", "implements", "leads", "hosts"}


def _clause_subject(ctx: _Context, sentence: _Sentence) -> list[str]:
    """The subject of the sentence's main clause, skipping an opening adverbial."""
    text = ctx.text[sentence.start : sentence.end]
    opening = _OPENING_ADVERBIALS.match(text)
    start = sentence.start + (opening.end() if opening else 0)
    words = _words(ctx.text, start, sentence.end)
    subject: list[_Word] = []
    for i, w in enumerate(words):
        if not w.text[0].isalpha() or _amount_at(ctx, w.start):
            break
        low = w.lower
        nxt = words[i + 1] if i + 1 < len(words) else None
        acts_as_verb = (
            nxt is None
            or not nxt.text[0].isalpha()
            or nxt.lower in _STOP | _DETERMINERS
            or bool(_amount_at(ctx, nxt.start))
        )
        if (
            low in _AUXILIARIES
            or low in _CHANGE_VERBS
            or (subject and ((_is_participle(low) and acts_as_verb) or _is_verb_like(low)))
        ):
            break
        if low in _RELATIVES and subject:
            break
        if low in _PREPOSITIONS and low != "of" and subject:
            break
        if subject and low in _LEVEL_VERBS:
            break  # "The Administrative Part of the Budget amounts to CHF 72,500,000"
        subject.append(w)
        if len(subject) > 8:
            return []
    return _clean_phrase(ctx, subject)


# Verbs that state an amount and look like plural nouns.
_LEVEL_VERBS = frozenset(["amounts", "totals", "stands", "comes", "represents", "exceeds"])


# "..., of which", "of whom", "of them": what follows is a part of the amount before
_OF_WHICH_BEFORE = re.compile(r"\bof\s+(?:which|whom|these|those|them)\s*$")
_SUBSET_AFTER = re.compile(
    r"\s+of\s+(?:them|whom|these|those)\s+(?:(?:were|are|was|being)\s+)?(?P<noun>[a-z][\w-]+)\b"
)
_SUBSET_VERB = re.compile(r"\s+(?:were|are|was|is)\s+(?P<noun>[a-z][\w-]+)\b")


def _unit_and_measure(
    ctx: _Context,
    sentence: _Sentence,
    n: NumberMatch,
    previous: _Previous | None,
    compared: _Previous | None = None,
) -> tuple[str, str, tuple[str, ...]]:
    """(unit, measure, the noun phrase used) for one amount; ``previous`` is the amount
    read just before in the sentence, ``compared`` the last one that is not a count of
    countries (what "up from 49,795 in 2021" compares with: "helped 63,852 migrants
    return from 120 countries, up from 49,795")."""
    text = ctx.text
    limit = sentence.end
    unit_hint = n.unit_hint
    noun = _noun_phrase_after(ctx, n.end, limit, n.start)
    after_noun = noun[-1].end if noun else n.end
    phrase = _clean_phrase(ctx, noun)

    if unit_hint in {"per cent", "percentage point"}:
        label = "" if noun else _key_figure_label(ctx, sentence, n)
        measure = label or _percent_measure(ctx, sentence, n, noun, previous, compared)
        return unit_hint, measure, ()
    if unit_hint == "cubic metre":
        of = re.match(r"\s+of\s+", text[n.end : limit])
        material = _noun_phrase_after(ctx, n.end + of.end(), limit) if of else []
        return "cubic metre", _style(_clean_phrase(ctx, material)), ()
    if unit_hint in {"day", "week", "month", "year", "hour"}:
        return unit_hint, _style(phrase) if phrase else unit_hint, ()
    if unit_hint:  # a currency
        if phrase:
            return unit_hint, _style(phrase), tuple(phrase)
        return unit_hint, _key_figure_label(ctx, sentence, n) or _amount_owner(ctx, sentence, n), ()

    if not phrase:
        if _OUT_OF_AMOUNT.match(text, n.end, limit):
            return "count", "", ()  # "38 out of 52 transit centres": read by _implicit_measure
        # "2.1 million of them children", "of whom 3,105 were children": a named subset
        subset = _SUBSET_AFTER.match(text, n.end, limit)
        if subset is None and re.search(
            r"\bof\s+(?:which|whom)\s*$", text[sentence.start : n.start]
        ):
            subset = _SUBSET_VERB.match(text, n.end, limit)
        if subset is not None:
            word = subset.group("noun")
            unit = _head_unit([_Word(word, 0, 0)])
            if unit is not None:
                return unit, word.lower(), (word,)
        # "of which 49 were ...", "26 related to CCCM", "and 68 conducted ...": the noun is elided.
        of_which = _OF_WHICH_BEFORE.search(text[sentence.start : n.start])
        listed = re.search(
            r"(?:,|\band|,\s*from|\b(?:up|down|increased|decreased|rising|falling)\s+from"
            r"|\bcompared\s+(?:with|to))\s*$",
            text[sentence.start : n.start],
        )
        if listed and listed.group(0).strip() not in {",", "and"} and compared is not None:
            previous = compared
        if previous is not None and previous.noun and (of_which or listed):
            own = _predicate_after(ctx, n.end, limit)
            if of_which or not own:
                return previous.unit, previous.measure, previous.noun
            return previous.unit, _style([*previous.noun, *(w.text for w in own)]), previous.noun
        # "... 58,200 returnees, including 12,400 who received economic support": a part
        # of the people counted before
        relative = re.match(r"\s+(?:who|that)\s+((?:[a-z][\w-]*\s*){1,6})", text[n.end : limit])
        antecedent = compared or previous
        if relative and antecedent is not None and antecedent.measure:
            clause: list[str] = []
            for word in relative.group(1).split():
                if clause and word in _PREPOSITIONS - {"of"}:
                    break
                clause.append(word)
            measure = f"{antecedent.measure} who {' '.join(clause)}"
            return antecedent.unit, measure, antecedent.noun
        owner = _key_figure_label(ctx, sentence, n) or _amount_owner(ctx, sentence, n)
        return _unit_of_measure(owner), owner, ()

    unit = _head_unit(noun) or "count"
    if unit == "country":
        return unit, _countries_measure(ctx, sentence, n, phrase, previous), tuple(phrase)
    measure = list(phrase)
    predicate = _predicate_after(ctx, after_noun, limit, (n.start, noun))
    if predicate:
        measure += [w.text for w in predicate]
    elif unit == "person":
        verb = _verb_before(ctx, sentence, n)
        if verb:
            measure.append(verb)
            measure += [w.text for w in _prep_phrase_after(ctx, after_noun, limit)]
    return unit, _style(measure[:_MAX_MEASURE_WORDS]), tuple(phrase)


# A fact-sheet label: words only, no clause ("Number of movements tracked").
_KEY_FIGURE_LABEL = re.compile(r"[A-Z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*){0,9}")
_LABEL_LEAD = re.compile(r"^(?:total\s+)?(?:number|no\.?)\s+of\s+", re.IGNORECASE)


def _key_figure_label(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str:
    """ "Number of movements tracked: 97.7 million": a figure after its label, as "facts
    and figures" boxes lay them out (the parser joins a label line and the figure line
    under it with a colon); the passage is the label and the figure alone, and the label
    (less "Number of") is what the figure counts.  "" for anything else."""
    text = ctx.text
    if text[: sentence.start].strip() or text[n.end :].strip(" .;+"):
        return ""
    label = text[sentence.start : n.start].strip()
    if not label.endswith(":"):
        return ""
    label = label[:-1].strip()
    if not _KEY_FIGURE_LABEL.fullmatch(label):
        return ""
    words = _LABEL_LEAD.sub("", label).split()
    return _style(words) if words else ""


def _countries_measure(
    ctx: _Context,
    sentence: _Sentence,
    n: NumberMatch,
    phrase: list[str],
    previous: _Previous | None,
) -> str:
    """ "IOM had WASH operations in 62 countries" -> "countries with WASH operations"."""
    before = ctx.text[sentence.start : n.start]
    prep = re.search(r"\b(in|across)\s+$", before, re.IGNORECASE)
    if not prep:
        return _style(phrase)
    prep_at = sentence.start + prep.start()
    obj = _noun_phrase_before(ctx, sentence, prep_at)
    cleaned = _clean_phrase(ctx, obj)
    if (
        not cleaned
        and previous is not None
        and previous.noun
        and previous.unit not in {"person", "count"}
        and re.search(r"\w\s*$", ctx.text[sentence.start : prep_at])
    ):
        cleaned = list(previous.noun)  # "349 projects in 87 countries" -> "countries with projects"
    if not cleaned or (len(cleaned) == 1 and cleaned[0].lower() in _GENERIC_OBJECTS):
        subject = _clause_subject(ctx, sentence)
        if subject:
            cleaned = subject
    if not cleaned:
        return _style(phrase)
    return _style([*phrase, "with", *cleaned][:_MAX_MEASURE_WORDS])


def _amount_owner(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str:
    """What an amount without a noun belongs to: "a budget of USD 2.5 billion" -> "budget",
    "revenue ... reached USD 2.5 billion" -> "revenue"; "" when the text does not say."""
    before = ctx.text[sentence.start : n.start]
    owner = re.search(
        r"(?:\bof|\bamounting to|\btotalling|\btotaling|\bworth|\bvalued at)\s+$",
        before,
        re.IGNORECASE,
    )
    if owner:
        phrase = _clean_phrase(
            ctx, _noun_phrase_before(ctx, sentence, sentence.start + owner.start())
        )
        if phrase:
            return _style(phrase)
    if re.search(
        r"\b(?:reached|to|totalled|totaled|was|were|is|are|stood at|amounted to|remained"
        r"|exceeded|surpassed|topped|passed|neared|approached"
        r"|(?:estimated|projected|forecast|budgeted|set|capped|valued|put)\s+at)\s+$",
        before,
        re.IGNORECASE,
    ):
        return _style(_clause_subject(ctx, sentence))
    # "USD 45.3 million in pledges": the noun after "in" says what the money is
    after = re.match(r"\s+in\s+((?:[a-z][\w-]*\s*){1,5})", ctx.text[n.end : sentence.end])
    if after:
        words: list[str] = []
        for word in after.group(1).split():
            if word in _AFTER_AMOUNT_STOP:
                break
            words.append(word)
        if words:
            return " ".join(words)
    # "Germany contributed EUR 3,000,000": the verb names the flow of money
    verb = re.search(
        r"\b(\w+)\s+(?:for\s+)?(?:(?:a\s+)?total\s+of\s+|some\s+|over\s+|almost\s+)?$", before
    )
    if verb and verb.group(1).lower() in _MONEY_VERBS:
        return _MONEY_VERBS[verb.group(1).lower()]
    # "..., of which USD 45.5 million for shelter and non-food items": what it is for
    purpose = _purpose_after(ctx, sentence, n)
    if purpose:
        flows = [
            _MONEY_VERBS[w.lower()]
            for w in re.findall(r"[A-Za-z]+", before)
            if w.lower() in _MONEY_VERBS
        ]
        return f"{flows[-1] if flows else 'funding'} for {purpose}"
    return ""


def _purpose_after(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str:
    """ "USD 38 million for water, sanitation and hygiene": the words after "for", up to
    the next amount, bracket or clause end."""
    text = ctx.text
    m = re.match(r"\s+for\s+", text[n.end : sentence.end])
    if not m:
        return ""
    words: list[str] = []
    for w in _words(text, n.end + m.end(), sentence.end):
        low = w.lower
        if w.text == "," and words:
            words[-1] += ","  # "water, sanitation and hygiene"
            continue
        if not w.text[0].isalpha() or _amount_at(ctx, w.start):  # (the next "USD ..." too)
            break
        if low in _AFTER_AMOUNT_STOP and low != "and":
            break
        words.append(w.text)
        if len(words) >= 8:
            break
    if words:
        words[-1] = words[-1].rstrip(",")
    while words and words[-1].lower() in {"and", "the", "of"}:
        words.pop()
        if words:
            words[-1] = words[-1].rstrip(",")
    return _style(words) if words else ""


# Words that end the noun after "USD 5 million in ...": verbs, prepositions, conjunctions.
_AFTER_AMOUNT_STOP = frozenset(
    [
        "had",
        "have",
        "has",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "will",
        "would",
        "from",
        "for",
        "to",
        "by",
        "since",
        "of",
        "in",
        "on",
        "at",
        "and",
        "or",
        "which",
        "that",
        "who",
        "as",
        "with",
        "during",
        "over",
        "under",
        "through",
    ]
)
# Verbs right before an amount, and what the amount then is.
_MONEY_VERBS = {
    "contributed": "contributions",
    "contributes": "contributions",
    "pledged": "pledges",
    "donated": "donations",
    "allocated": "allocation",
    "disbursed": "disbursements",
    "spent": "expenditure",
    "raised": "funds raised",
    "mobilized": "funds mobilized",
    "mobilised": "funds mobilized",
    "received": "funding received",
    "granted": "grants",
    "funded": "funding",
    "invested": "investment",
    "committed": "commitments",
    "transferred": "transfers",
    "earmarked": "earmarked funding",
    "requires": "requirements",
    "required": "requirements",
    "requested": "requirements",
    "seeks": "requirements",
    "sought": "requirements",
    "appealed": "requirements",
}


def _percent_measure(
    ctx: _Context,
    sentence: _Sentence,
    n: NumberMatch,
    noun: list[_Word],
    previous: _Previous | None,
    compared: _Previous | None = None,
) -> str:
    text = ctx.text
    before = text[sentence.start : n.start]
    after = text[n.end : sentence.end]
    # "increased by 17 per cent", "increased in 2021 by 561 per cent"
    verb = re.search(r"\b(\w+)\s+(?:in\s+(?:19|20)\d\d\s+)?by\s+$", before)
    if verb and verb.group(1).lower() in _CHANGE_VERBS:
        change = _CHANGE_VERBS[verb.group(1).lower()]
        what = _clause_subject(ctx, sentence)
        return _style([change, "in", *what]) if what else change
    # "an increase of 17 per cent", "a 561 per cent increase"
    change, change_start = None, n.start
    m = re.search(
        r"\b(increase|decrease|rise|growth|decline|reduction|drop)\s+of\s+$", before, re.I
    )
    if m:
        change, change_start = _CHANGE_NOUNS[m.group(1).lower()], sentence.start + m.start()
    elif noun and noun[0].lower in _CHANGE_NOUNS:
        change = _CHANGE_NOUNS[noun[0].lower]
    if change:
        appositive = re.search(r",\s*(?:an?\s+)?$", text[sentence.start : change_start])
        if (
            appositive
            and previous is not None
            and previous.measure
            and previous.unit not in {"per cent", "percentage point"}
        ):
            return f"{change} in {previous.measure}"  # "reaching 1.9 million beneficiaries, an increase of 17 per cent"
        what = _clause_subject(ctx, sentence)
        return _style([change, "in", *what]) if what else change
    if (
        re.match(r"\s+of\s+(?:which|whom|them|those|these)\b", after)
        and previous is not None
        and previous.measure
    ):
        return f"share of {previous.measure}"
    if _OF_WHICH_BEFORE.search(before) and previous is not None and previous.measure:
        # "2,340 government officials from 58 countries, of whom 46 per cent were women":
        # the people, not the countries
        of = compared if compared is not None and compared.measure else previous
        who = re.match(r"\s+(?:were|are)\s+([a-z]+)\b", after)
        return f"share of {of.measure}" + (f" who were {who.group(1)}" if who else "")
    of = re.match(r"\s+of\s+", after)
    if of:
        share = _of_phrase(ctx, n.end + of.end(), sentence.end)
        if share:
            return _style(["share", "of", *share])
    if noun:
        return _style(["share", *_clean_phrase(ctx, noun)])
    # "contributions totalling EUR 12.8 million, mainly from the EU (62 per cent)": a
    # bracketed share of the amount before
    if before.endswith("(") and previous is not None and previous.measure:
        return f"share of {previous.measure}"
    # "unaccompanied children accounted for 6 per cent": a share of the clause's subject
    part = re.search(_PART_OF, before, re.IGNORECASE)
    if part:
        clause = re.split(r"[;:]|,\s+(?:and|while|whereas)\s+", before[: part.start()])[-1]
        words = [w for w in clause.split() if w.lower() not in _DETERMINERS]
        if words and len(words) <= 6 and not any(c.isdigit() for c in clause):
            return _style(["share", "of", *words])
    # "The share of identified victims who received assistance rose to 64 per cent"
    if re.search(_TO_A_LEVEL, before, re.IGNORECASE):
        what = _clause_subject(ctx, sentence)
        if what and any(word.lower() in _RATIO_NOUNS for word in what[:2]):
            return _style(what)
    return "share"


# Verbs that make the subject a part of a whole: "accounted for", "made up".
_PART_OF = r"\b(?:accounted\s+for|made\s+up|represented|comprised|constituted)\s+$"
# Verbs that bring a subject to a level: "rose to", "reached", "averaged", "stood at".
_TO_A_LEVEL = (
    r"\b(?:rose|grew|increased|fell|dropped|declined|decreased|climbed)\s+to\s+$"
    r"|\b(?:reached|averaged|was|were|is|are|remained|stood\s+at|amounted\s+to)\s+$"
)
# Subjects a percentage is a level of.
_RATIO_NOUNS = frozenset(
    _word_list("share proportion percentage rate ratio cost costs coverage prevalence level")
)


def _of_phrase(ctx: _Context, pos: int, limit: int) -> list[str]:
    words = _words(ctx.text, pos, limit)
    out: list[_Word] = []
    for w in words:
        if not w.text[0].isalpha() or _amount_at(ctx, w.start):
            break
        if w.lower in (_STOP - {"and"}) or (out and w.lower in _RELATIVES):
            break
        out.append(w)
        if len(out) >= 8:
            break
    while out and (out[-1].lower in _STOP | _DETERMINERS | {"of"} or _is_gerund(out[-1].lower)):
        out.pop()
    return _clean_phrase(ctx, out)


# --- when -------------------------------------------------------------------------------------


def _passage_year(text: str) -> int | None:
    """A year that frames a whole passage: its first sentence opens with "In 2020, ..."."""
    m = _SENTENCE_FRAME.match(text)
    return int(m.group(1)) if m else None


def _year(text: str, sentence: _Sentence, n: NumberMatch, ctx: _Context) -> int | None:
    # 1. Right after the amount, in the same phrase: "56 countries in 2020", "(… as of 2020)".
    inside_parens = text.rfind("(", sentence.start, n.start) > text.rfind(
        ")", sentence.start, n.start
    )
    stop_chars = ")" if inside_parens else ",;)("
    end = n.end
    while end < sentence.end and text[end] not in stop_chars:
        if end > n.end and _amount_at(ctx, end):
            break
        end += 1
    m = _FRAMING_YEAR.search(text, n.end, end)
    if m:
        return int(m.group(1))
    # 2. Earlier in the same clause: "increased in 2021 by 561 per cent".
    clause_start = max(text.rfind(c, sentence.start, n.start) for c in ",;()") + 1
    clause_start = max(clause_start, sentence.start)
    # "... compared with 2020, when ... enabled 4,038 migrants": the clause is about that year.
    when = re.search(_YEAR + r"\s*,\s*$", text[sentence.start : clause_start])
    if when and re.match(r"\s*when\b", text[clause_start : n.start], re.IGNORECASE):
        return int(when.group(1))
    for m in _FRAMING_YEAR.finditer(text, clause_start, n.start):
        if not re.search(
            r"(?:compared|than|from|since|launched|established|adopted|founded)\s*(?:with|to)?\s*$",
            text[clause_start : m.start()],
            re.I,
        ):
            return int(m.group(1))
    # 3. The sentence opens with one: "In 2021, ...", "By the end of 2021, ...".
    m = _SENTENCE_FRAME.match(text, sentence.start)
    if m:
        return int(m.group(1))
    return ctx.default_year


# --- where / who ------------------------------------------------------------------------------


def _section_countries(document: Document, by_passage: dict[str, list[Mention]]) -> dict[str, str]:
    """Heading text -> the one country it names ("Box 2. IOM's response ... in Afghanistan")."""
    out: dict[str, str] = {}
    for p in document.passages:
        if p.kind != "heading":
            continue
        keys = {
            m.entity_key
            for m in by_passage.get(p.id, [])
            if (m.entity_key or "").startswith("country/")
        }
        if len(keys) == 1:
            out[p.text.strip()] = next(iter(keys))  # type: ignore[arg-type]
    return out


def _document_area(document: Document) -> str | None:
    """The one country a report's title names ("IOM Yemen Crisis Response Plan 2023"): what
    its figures that name no place of their own are about."""
    keys = {str(key) for _, _, key in country_matcher().find(document.title)}
    return keys.pop() if len(keys) == 1 else None


def _area_of_section(passage: Passage, section_areas: dict[str, str]) -> str | None:
    """The country of the box around the passage, when the box title names exactly one.

    Only boxes: they are self-contained stories about one place, while an ordinary section
    heading naming a country does not reliably scope everything filed under it."""
    innermost = passage.section[-1].strip() if passage.section else ""
    if passage.kind != "box" and not re.match(r"box\b", innermost, re.I):
        return None
    for title in reversed(passage.section):
        if re.match(r"box\b", title.strip(), re.I):
            return section_areas.get(title.strip())
    return section_areas.get(innermost)


def _topic_country(passage: Passage, mentions: list[Mention]) -> str | None:
    """The one country a passage is about: its first sentence names it and no other country
    is named anywhere in the passage ("... indigenous communities in Paraguay. ... 218 families")."""
    keys = {m.entity_key for m in mentions if (m.entity_key or "").startswith("country/")}
    if len(keys) != 1:
        return None
    # Only a country named early in the opening sentence sets the topic, not one in passing.
    first_end = min(_sentences(passage.text)[0].end, _TOPIC_REACH)
    named_first = any(
        (m.entity_key or "").startswith("country/")
        and m.start < first_end
        and passage.text.rfind("(", 0, m.start) <= passage.text.rfind(")", 0, m.start)
        for m in mentions
    )  # a country in brackets is an aside: "one new Member State joined (Russian Federation)"
    return next(iter(keys)) if named_first else None


_TOPIC_REACH = 100  # characters

_WORLDWIDE_AFTER = re.compile(
    r"[^,;.()]*?\b(?:worldwide|globally|around the (?:world|globe)|across the (?:world|globe))\b",
    re.IGNORECASE,
)


def _country_groups(ctx: _Context, sentence: _Sentence) -> list[list[Mention]]:
    """Country mentions of a sentence, grouped into lists ("Bangladesh, Ethiopia and Indonesia")."""
    countries = [
        m
        for m in ctx.mentions
        if (m.entity_key or "").startswith("country/") and sentence.start <= m.start < sentence.end
    ]
    groups: list[list[Mention]] = []
    for m in countries:
        if groups:
            gap = ctx.text[groups[-1][-1].end : m.start]
            if re.fullmatch(r"\s*(?:,|,?\s*(?:and|or))?\s*(?:the\s+)?", gap, re.I):
                groups[-1].append(m)
                continue
        groups.append([m])
    return groups


_ORIGIN_BEFORE = re.compile(
    r"\b(?:refugees|migrants|nationals|returnees|people|persons|arrivals|IDPs|workers|"
    r"students|asylum[- ]seekers|citizens|children|families|evacuees)\s+(?:fleeing\s+|"
    r"(?:coming|originating|returning|displaced)\s+)?from\s+(?:the\s+)?$"
)


def _area(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str | None:
    if _WORLDWIDE_AFTER.match(ctx.text, n.end, min(sentence.end, n.end + 80)):
        return None  # "over 300 clinical staff worldwide"
    text = ctx.text
    groups = _country_groups(ctx, sentence)
    if not groups:
        return ctx.section_area

    def origin(g: list[Mention]) -> bool:
        # "refugees from Ukraine" names where people come from, not where the figure is
        return bool(_ORIGIN_BEFORE.search(text, max(sentence.start, g[0].start - 60), g[0].start))

    # "the Niger (21%)": a number in brackets right after one country; after another
    # name ("the European Union (62 per cent)") it is that one's, not a country's
    if text[n.start - 1 : n.start] == "(":
        for g in groups:
            if (
                len(g) == 1
                and g[0].end < n.start
                and re.fullmatch(r"\s*", text[g[0].end : n.start - 1])
            ):
                return g[0].entity_key
        if any(
            m.end < n.start and re.fullmatch(r"\s*", text[m.end : n.start - 1])
            for m in ctx.mentions
        ):
            return None
    # The clause holding the number, with commas inside country lists not counted.
    in_lists = [(g[0].start, g[-1].end) for g in groups if len(g) > 1]
    cuts = [
        i
        for i in range(sentence.start, sentence.end)
        if text[i] in ",;()–—" and not any(s <= i < e for s, e in in_lists)
    ]
    left = max([c for c in cuts if c < n.start], default=sentence.start)
    right = min([c for c in cuts if c >= n.end], default=sentence.end)
    in_clause = [g for g in groups if left <= g[0].start < right]
    places = [g for g in in_clause if not origin(g)]
    if places and len(places) == len(in_clause):
        return places[0][0].entity_key if len(places) == 1 and len(places[0]) == 1 else None
    if places:
        return None  # a place and an origin in one clause: which one the figure is about is open
    # "In the Republic of Moldova, IOM supported 120,000 refugees from Ukraine"
    fronted = _FRONTED_PLACE.match(text, sentence.start)
    if (
        fronted
        and re.fullmatch(r"(?:the\s+)?", text[fronted.end() : groups[0][0].start], re.I)
        and len(groups[0]) == 1
    ):
        return groups[0][0].entity_key
    if in_clause:
        return None  # only an origin
    keys = {m.entity_key for g in groups for m in g}
    if len(groups) == 1 and len(keys) == 1 and not origin(groups[0]):
        # not when the country comes later, in a clause with an amount of its own: "X
        # funded EUR 45 million, and the Government of Germany contributed EUR 6.5 million"
        # (a country before the amount still frames it: "Remittances to Somalia reached
        # USD 1.7 billion, about 21 per cent of GDP")
        # (brackets do not end that clause: "from the EU (62 per cent) and the United
        # States (21 per cent)")
        clause_cuts = [c for c in cuts if text[c] not in "()"]
        g_left = max([c for c in clause_cuts if c < groups[0][0].start], default=sentence.start)
        g_right = min([c for c in clause_cuts if c >= groups[0][-1].end], default=sentence.end)
        if groups[0][0].start > n.end and any(
            other is not n and other.is_amount and g_left <= other.start < g_right
            for other in ctx.numbers
        ):
            return None
        return groups[0][0].entity_key
    return None


_FRONTED_PLACE = re.compile(r"\s*(?:In|Across|Throughout|Within)\s+")


def _subject(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str | None:
    """The organization the sentence says the number is about (nearest one before it)."""
    noun_end = min(sentence.end, n.end + 40)
    inside = _mention_at(ctx, n.end, noun_end, "organization")
    if (
        inside
        and re.fullmatch(r"[\s\w-]*", ctx.text[n.end : inside.start])
        and len(ctx.text[n.end : inside.start].split()) <= 1
    ):
        return inside.entity_key  # "60 IOM offices"
    before = [
        m
        for m in ctx.mentions
        if (m.entity_key or "").startswith("organization/") and sentence.start <= m.start < n.start
    ]
    return before[-1].entity_key if before else None


def _programme(ctx: _Context, sentence: _Sentence, n: NumberMatch) -> str | None:
    progs = [
        m
        for m in ctx.mentions
        if (m.entity_key or "").startswith("programme/")
        and sentence.start <= m.start < sentence.end
    ]
    if not progs:
        return None
    before = [m for m in progs if m.start < n.start]
    return (before[-1] if before else progs[0]).entity_key


# --- tables -----------------------------------------------------------------------------------

_GRADE = re.compile(
    r"^(?:[A-Z]{1,2}-\d{1,2}[A-Z]?(?:\s*[\u2013\u2014-]\s*[A-Z]{1,2}-\d{1,2}[A-Z]?)?|UG|NO-[A-Z]|Ungraded)$"
)
_SEX = {
    "f": "F",
    "female": "F",
    "women": "F",
    "woman": "F",
    "m": "M",
    "male": "M",
    "men": "M",
    "man": "M",
}
_YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_STAFF_WORDS = re.compile(r"\b(?:staff|personnel|employees|workforce|men and women)\b", re.I)
_MEASURE_LABEL = re.compile(
    r"^(?:number|percentage|per cent|share|proportion|change|increase|decrease|total\s+\w+|average|ratio)\b",
    re.I,
)


def table_cells(document: Document) -> list[TableCell]:
    """Every numeric body cell of every table, with its dimensions (see module docstring)."""
    from graph.reference import country_by_name  # imported here: only tables need it

    def country_key(name: str) -> str | None:
        ref = country_by_name(name)
        return ref.key if ref else None

    row_texts = {p.id: p.text for p in document.passages if p.kind == "table-row"}
    out: list[TableCell] = []
    for table in document.tables:
        out.extend(_cells_of_table(table, document.year, country_key, row_texts))
    return out


def _cell_span(row_text: str, raw_row: list[str], column: int) -> tuple[int, int] | None:
    """Where the row passage ("Label: G-1 8; G-2 31; ...", one "name value" segment per
    non-empty cell, see `graph.parse`) states the cell in ``column``; None when the text
    does not split as expected."""
    head, sep, rest = row_text.partition(": ")
    if not sep:
        return None
    segments = rest.split("; ")
    index = sum(1 for k in range(1, column) if k < len(raw_row) and raw_row[k])
    if index >= len(segments) or not segments[index].endswith(raw_row[column].strip()):
        return None
    start = len(head) + len(sep) + sum(len(s) + 2 for s in segments[:index])
    return start, start + len(segments[index])


def _clean_cell(cell: str) -> str:
    return re.sub(r"\s+", " ", _TAGS.sub("", cell).replace("*", "")).strip()


def _column_labels(table: Table, width: int) -> list[str]:
    """One label per column: the lowest non-empty header cell, group labels carried right."""
    labels = [""] * width
    for row in table.header:
        carried = ""
        for c in range(width):
            cell = _clean_cell(row[c]) if c < len(row) else ""
            if cell:
                carried = cell
                labels[c] = cell
            elif carried and c > 0 and not labels[c]:
                labels[c] = carried
    # A lower header row overrides only where it has a label of its own.
    for row in table.header[1:]:
        for c in range(1, min(width, len(row))):
            cell = _clean_cell(row[c])
            if cell:
                labels[c] = cell
    return labels


_LABELLED_YEAR = re.compile(
    r"^(?P<what>.*?[A-Za-z].*?)\s*[\(\[,]?\s*(?P<year>(?:19|20)\d\d)\s*[\)\]]?$"
)


def _column_dimension(label: str) -> tuple[str, str] | None:
    if not label:
        return None
    if _YEAR_CELL.match(label):
        return ("year", label)
    labelled = _LABELLED_YEAR.match(label)
    if labelled:
        return ("year", labelled.group("year"))  # "Score (2018)": the year; the rest measures
    if label.lower() in _SEX:
        return ("sex", _SEX[label.lower()])
    if _GRADE.match(label):
        return ("grade", "UG" if label.lower() == "ungraded" else label.replace("\u2014", "\u2013"))
    if label.lower().startswith("total"):
        return None  # the total column: no further dimension
    return ("column", label)


def _membership(label: str) -> str | None:
    m = re.match(r"^[^:]*\bnationality\b[^:]*:\s*(.+)$", label, re.I) or re.match(
        r"^([^:]*member\s+states?.*)$", label, re.I
    )
    if not m:
        return None
    rest = re.sub(r"-\s+", "-", m.group(1).strip())
    low = rest.lower()
    if "non-member" in low or "observer" in low:
        return "non-member States"
    if "member state" in low:
        return "Member States"
    return rest


def _table_year(table: Table, default: int | None) -> str | None:
    years = set(re.findall(r"\b(?:19|20)\d\d\b", table.title))
    if len(years) == 1 and not re.search(r"(?:19|20)\d\d\s*[\u2013-]\s*(?:19|20)\d\d", table.title):
        return years.pop()
    for row in table.header[:1]:
        if row and _YEAR_CELL.match(_clean_cell(row[0])):
            return _clean_cell(row[0])
    return str(default) if default else None


# A unit note in a table title: "(USD million)", "(in millions of USD)", "(EUR thousand)".
_CURRENCY_CODES = "USD|EUR|CHF|GBP|JPY|CAD|AUD|SEK|NOK|DKK"
_TITLE_MONEY = re.compile(
    rf"\((?:in\s+)?(?:(?P<cur1>{_CURRENCY_CODES})\s*(?P<scale1>thousands?|millions?|billions?)?"
    rf"|(?P<scale2>thousands?|millions?|billions?)\s+(?:of\s+)?(?P<cur2>{_CURRENCY_CODES}))\)"
)
_SCALES = {"thousand": Decimal(1000), "million": Decimal(10**6), "billion": Decimal(10**9)}
_PERCENT_LABEL = re.compile(r"\s*\((?:%|per cent|percentage)\)|\s*%|\bper cent\b", re.I)


def _title_money(table: Table) -> tuple[str, Decimal] | None:
    """The currency and multiplier a table title declares for its cells, if any."""
    m = _TITLE_MONEY.search(table.title)
    if not m:
        return None
    scale = (m.group("scale1") or m.group("scale2") or "").lower().rstrip("s")
    return m.group("cur1") or m.group("cur2"), _SCALES.get(scale, Decimal(1))


def _percent_column(label: str) -> str | None:
    """ "Women (%)" -> "women": a column of percentages, and what they are a share of."""
    if not label or not _PERCENT_LABEL.search(label):
        return None
    return re.sub(r"\s+", " ", _PERCENT_LABEL.sub(" ", label)).strip().lower()


def _title_measure(table: Table) -> str:
    context = " ".join([table.title, *table.section])
    if _STAFF_WORDS.search(context):
        return "number of staff"
    head = re.split(
        r"\s+(?:by|at|in|for|between|from|during)\s+|\s*\(", table.title.strip(), maxsplit=1
    )[0]
    head = re.sub(r"^(?:table\s+\d+\.?\s*|number of\s+)", "", head, flags=re.I)
    head = head.strip(" ,;:.–-")  # "Migrants assisted to return, by host country"
    return f"number of {head.lower()}" if head else "count"


_YEAR_LABEL = re.compile(r"^(?:year|reference year|period)$", re.IGNORECASE)


def _column_measure(col: tuple[str, str] | None, money) -> str | None:
    """ "IDPs", "Returnees", "Migrants assisted": a column named by what it counts.  Column
    labels that are dimensions (years, sex, grades) have their own dimension instead."""
    if money or col is None or col[0] != "column" or not re.search(r"[A-Za-z]{3}", col[1]):
        return None
    label = re.sub(r"\s*\((?:number|no\.?|#)\)\s*$", "", col[1], flags=re.I).strip()
    if re.search(r"%|per\s*cent|percentage|share|rate", label, re.I):
        return None
    label = re.sub(r"^(?:number|no\.?|total)\s+(?:of\s+)?", "", label, flags=re.I)
    words = label.split()
    if not words or len(words) > 6:
        return None
    text = " ".join(w if sum(ch.isupper() for ch in w) >= 2 else w.lower() for w in words)
    return f"number of {text}"


def _row_label(label: str) -> tuple[str, str | None, bool]:
    """Split a row label into (label without year/unit notes, year in it, says percentage points)."""
    points = bool(re.search(r"percentage points?", label, re.I))
    cleaned = re.sub(r"\s*\((?:percentage points?|per cent|%|number)\)\s*", " ", label, flags=re.I)
    year = None
    between = re.search(r"\s+between\s+(?:19|20)\d\d\s+and\s+(?:19|20)\d\d\b", cleaned, re.I)
    if between:
        cleaned = cleaned.replace(between.group(0), "")
    single = re.search(r"\s+in\s+((?:19|20)\d\d)\b", cleaned, re.I)
    if single:
        year = single.group(1)
        cleaned = cleaned.replace(single.group(0), "")
    return re.sub(r"\s+", " ", cleaned).strip(), year, points


def _cells_of_table(
    table: Table,
    doc_year: int | None,
    country_key: Callable[[str], str | None],
    row_texts: dict[str, str] | None = None,
) -> list[TableCell]:
    width = max([len(r) for r in (*table.header, *table.rows)], default=0)
    labels = _column_labels(table, width)
    column_dims = [_column_dimension(labels[c]) if c > 0 else None for c in range(width)]
    year_columns = [c for c in range(1, width) if _YEAR_LABEL.match(labels[c])]
    header_rows = {tuple(_clean_cell(c) for c in row) for row in table.header}
    table_year = _table_year(table, doc_year)
    title_measure = _title_measure(table)
    money = _title_money(table)
    if money:
        # "Expenditure by region (USD million)": an amount, not a count of expenditures
        title_measure = title_measure.removeprefix("number of ")
    by_nationality = (
        "nationalit"
        in " ".join([table.title, *(_clean_cell(c) for r in table.header for c in r[:1])]).lower()
    )
    membership = (
        _membership(_clean_cell(table.header[0][0])) if table.header and table.header[0] else None
    )
    # The parse stage records a section header row it folded away as a note:
    # "Country of nationality: non-member States: rows from Bahrain on".
    section_starts: dict[str, str] = {}
    for note in table.notes:
        m = re.match(r"^(.*):\s*rows from (.+?) on\.?$", note.strip())
        if m and _membership(m.group(1)):
            section_starts[m.group(2).strip().casefold()] = _membership(m.group(1)) or ""

    out: list[TableCell] = []
    for i, row in enumerate(table.rows):
        cells = [_clean_cell(c) for c in row]
        if not cells or tuple(cells) in header_rows:
            continue
        numbers = [parse_number(c) for c in cells[1:]]
        label = cells[0]
        if not any(numbers):
            section = _membership(label)
            if section:
                membership = (
                    section  # "Country of nationality: non-member States" sets the rows below
                )
            continue
        if label.casefold() in section_starts:
            membership = section_starts[label.casefold()]
        passage_id = (
            table.row_passage_ids[i]
            if i < len(table.row_passage_ids)
            else f"{table.id}-row-{i + 1}"
        )
        text_label, row_year, points = _row_label(label)
        for c in year_columns:  # a "Year" column dates its row
            if c < len(cells) and _YEAR_CELL.match(cells[c]):
                row_year = cells[c]
                numbers[c - 1] = None
        row_dims: list[tuple[str, str]] = []
        key = country_key(text_label) if text_label else None
        if key:
            row_dims.append(("nationality" if by_nationality else "country", key))
        elif text_label.lower() in _SEX:
            row_dims.append(("sex", _SEX[text_label.lower()]))
        elif text_label:
            row_dims.append(("category", text_label))
        is_total_row = text_label.lower().startswith("total") and "member" not in text_label.lower()
        if membership and not is_total_row:
            row_dims.append(("membership", membership))
        row_measure = (
            text_label.lower()
            if _MEASURE_LABEL.match(text_label)
            and text_label.lower() != "total"
            and not text_label.lower().startswith("total in")
            else None
        )
        for c, expr in enumerate(numbers, start=1):
            if expr is None or expr.is_ordinal:
                continue
            dims = list(row_dims)
            col = column_dims[c] if c < len(column_dims) else None
            if col is None and c < len(labels) and not labels[c]:
                col = ("column", str(c))
            if col:
                dims.append(col)
            if not any(d == "year" for d, _ in dims):
                year = row_year or table_year
                if year:
                    dims.append(("year", year))
            percent_of = _percent_column(labels[c]) if c < len(labels) else None
            value = expr.value
            if expr.unit_hint == "per cent":
                unit = "per cent"
            elif points or expr.unit_hint == "percentage point":
                unit = "percentage point"
            elif percent_of is not None:
                unit = "per cent"  # the column header carries the "%" ("-16" in "Change (%)")
            elif expr.sign:
                unit = "percentage point"
            elif money:
                unit, value = money[0], expr.value * money[1]
                if value == value.to_integral_value():
                    value = value.quantize(Decimal(1))
            else:
                unit = "count"
            labelled = _LABELLED_YEAR.match(labels[c]) if c < len(labels) else None
            if labelled and not row_measure and not money:
                measure = labelled.group("what").strip().lower()  # "Score (2018)" -> "score"
            elif unit in ("count",) or (money and unit == money[0]):
                measure = row_measure or _column_measure(col, money) or title_measure
            elif percent_of:
                measure = row_measure or f"percentage of {percent_of}"
            else:
                measure = row_measure or "percentage"
            span = None
            if row_texts and passage_id in row_texts and c < len(row):
                span = _cell_span(row_texts[passage_id], list(row), c)
            out.append(
                TableCell(
                    table_id=table.id,
                    passage_id=passage_id,
                    value=value,
                    unit=unit,
                    measure=measure,
                    dimensions=tuple(dims),
                    start=span[0] if span else None,
                    end=span[1] if span else None,
                )
            )
    return out
