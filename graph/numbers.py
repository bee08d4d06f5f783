"""Number expressions in report prose and table cells.

``find_numbers`` scans text for every number a reader would take as a number, with
the words around it that change its meaning: a qualifier ("over", "approximately"),
a currency or unit ("USD 2.5 billion", "17 per cent", "2,165m3"), a range
("80,000 to 100,000"), or its being a year or an ordinal.  Numbers that are part of
a name or a reference ("COVID-19", "P-5", "objective 2", "A/RES/73/326", "resolution
1244 (1999)", URLs, footnote markers, paragraph numbers) are not returned at all.

Values are exact ``Decimal``s: "4.63 million" is ``Decimal("4630000")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


def _word_list(text: str) -> list[str]:
    """Whitespace-separated words of a vocabulary block."""
    return text.split()


# --- vocabulary ---------------------------------------------------------------------------

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_NUMBER_WORDS = {**_UNITS_WORDS, **_TENS_WORDS, **_SCALE_WORDS}

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
    "thousandth": 1000,
}  # fmt: skip

# Written qualifier -> normalised qualifier (a small closed vocabulary for queries).
QUALIFIERS: dict[str, str] = {
    "more than": "more than",
    "over": "over",
    "just over": "over",
    "above": "more than",
    "in excess of": "more than",
    "upwards of": "more than",
    "approximately": "approximately",
    "approx.": "approximately",
    "about": "approximately",
    "around": "approximately",
    "some": "approximately",
    "roughly": "approximately",
    "circa": "approximately",
    "close to": "nearly",
    "nearly": "nearly",
    "almost": "nearly",
    "just under": "nearly",
    "at least": "at least",
    "a minimum of": "at least",
    "up to": "up to",
    "at most": "up to",
    "a maximum of": "up to",
    "less than": "less than",
    "fewer than": "less than",
    "under": "less than",
    "below": "less than",
    "an estimated": "estimated",
    "estimated": "estimated",
    "a total of": "total",
    "a total": "total",
    "total of": "total",
}

# Words before a number that make it a label or reference, not an amount.
_LABEL_WORDS = frozenset(
    _word_list(
        """
        objective objectives cluster clusters priority priorities paragraph paragraphs
        para section sections chapter chapters annex annexes table tables box boxes
        figure figures fig footnote footnotes note notes resolution resolutions decision
        decisions article articles goal goals target targets sdg sdgs phase level grade
        step pillar pillars page pages pp no no. nos number round session tier item
        volume vol issue outcome outcomes output outputs indicator indicators rule rules
        window principle principles recommendation recommendations alliance agenda
        vision strategy framework version part parts region zone sector result results
        stage track
        """
    )
)

# Capitalised words that may precede an amount (sentence openers, prepositions, qualifiers).
_FUNCTION_WORDS = frozenset(
    _word_list(
        """
        a an the in on at by of for from to with within without into onto over under
        about above below across among amongst between during since until till through
        throughout after before around some nearly almost approximately more less fewer
        than up least most just only all each every and or but nor yet so as per while
        when whereas where whereby including excluding also additionally moreover
        furthermore overall further besides however thus hence therefore these those
        this that its their his her our your my total estimated roughly approx another
        other both either neither many several such then now today still already again
        here there once finally lastly first second third of reaching reached providing
        provided supporting supported assisting assisted with
        """
    )
)

_MONTHS = frozenset(
    _word_list(
        """
        january february march april may june july august september october november
        december jan feb mar apr jun jul aug sep sept oct nov dec
        """
    )
)

# A following plural noun that makes a year-like number an amount ("1950 people").
_COUNT_NOUN_AFTER_YEARLIKE = re.compile(
    r"\s+(?:[a-z-]+\s+)?(?:people|persons|individuals|migrants|beneficiaries|staff|refugees|"
    r"households|families|children|women|men|returnees|workers|participants|projects|"
    r"officials|cases|units|sites|items|doses|kits)\b",
    re.IGNORECASE,
)

_MAGNITUDES = {
    "thousand": 1000,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
    "bn": 10**9,
    "m": 10**6,
    "mn": 10**6,
    "k": 1000,
}
_ABBREVIATED_MAGNITUDES = frozenset({"bn", "m", "mn", "k"})  # only after a currency

_CURRENCY_BEFORE = re.compile(
    r"(?:\b(?P<code>USD|US\$|EUR|CHF|GBP|JPY|CAD|AUD)\s?|(?P<sym>[$€£]))$"
)
_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_AFTER = re.compile(
    r"\s+(?:(?P<code>USD|EUR|CHF|GBP)\b|(?P<usd>(?:United States|US|U\.S\.)\s+dollars?\b)|"
    r"(?P<dollars>dollars?\b)|(?P<euros>euros?\b)|(?P<francs>Swiss francs?\b))"
)

_NUMERAL = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)"  # 4,390,523  1,561.5
    r"|\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d,]|\.\d)"  # 1 052 (space, nbsp, thin space)
    r"|\d+(?:\.\d+)?"  # 2021  3.6  1090
)
_SIGN_CHARS = "+-\u2212"  # plus, hyphen-minus, minus sign
_RANGE_JOINER = re.compile(r"\s*(?:[-\u2010\u2011\u2012\u2013\u2014]|\s(?:to|and)\s)\s*", re.I)
_PEOPLE_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:people|persons|individuals|migrants|refugees|IDPs|returnees|"
    r"beneficiaries|children|households|families|women|men|girls|boys|workers|students)\b"
)
_MAGNITUDE_AFTER = re.compile(r"\s?(thousand|million|billion|trillion|bn|mn|m|k)\b", re.I)
_PERCENT_AFTER = re.compile(
    r"\s?(?:(?P<pct>%|per\s?cent\b|percent\b)(?:\s+(?P<pts>points?)\b)?|(?P<pp>percentage[ -]points?\b|pp\b))",
    re.I,
)
_CUBIC_AFTER = re.compile(r"(?:\s?m(?:3|³|<sup>3</sup>)(?![\w])|\s+cubic\s+met(?:re|er)s?\b)", re.I)
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_TIME_HYPHEN_UNITS = {
    "day": "day",
    "week": "week",
    "month": "month",
    "year": "year",
    "hour": "hour",
}

# Spans inside which no number is read: links, e-mail addresses, phone numbers,
# document symbols such as A/RES/73/326 or E/CN.9/2021/2.
_MASKS = re.compile(
    r"<sup>[^<]*</sup>|https?://\S+|www\.\S+|<https?:[^>]*>|\S+@\S+\.\w+"
    r"|(?:\+|\b00)\d{1,3}[\s.\-]?\(?\d{1,4}\)?(?:[\s.\-]\d{2,4}){2,}"
    r"|\b[A-Z]{1,6}(?:/[A-Z0-9.]+)*/\d[\w.]*(?:/[\w.]+)*"
    # "[1]", "[12]": a footnote or citation marker
    r"|\[\d{1,3}\]"
    # "one in five migrants": a ratio, not a count of one or of five
    r"|\b(?:[Oo]ne|1)\s+in\s+(?:every\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|"
    r"twenty|hundred|a\s+hundred|a\s+thousand)\b"
)
_LIST_JOINER = re.compile(r"\s*(?:,|,?\s+and|,?\s+or|[-\u2013]|\s+to)\s*", re.I)
_LEADING_LIST_NUMBER = re.compile(r"\s*\(?\d{1,3}(?:\.\d{1,3})*[.)]\s+(?=\S)")


@dataclass(frozen=True)
class NumberExpr:
    """A parsed number expression (see module docstring)."""

    value: Decimal
    value_max: Decimal | None = None  # upper end of a range
    qualifier: str | None = None  # normalised, see QUALIFIERS
    unit_hint: str | None = (
        None  # USD | EUR | ... | per cent | percentage point | cubic metre | day | ...
    )
    sign: str | None = None  # "+" or "-" when written ("+4" in a change column)
    is_year: bool = False
    is_ordinal: bool = False
    is_word: bool = False  # spelled out ("Thirty")
    magnitude: int | None = None  # 10**6 for "3.2 million"

    @property
    def is_amount(self) -> bool:
        """True for numbers that state a quantity (not a year, not an ordinal)."""
        return not (self.is_year or self.is_ordinal)


@dataclass(frozen=True)
class NumberMatch(NumberExpr):
    """A number expression found in a text, with its span (qualifier and unit included)."""

    start: int = 0
    end: int = 0
    surface: str = ""


# --- public API ---------------------------------------------------------------------------


_EMPTY_CELLS = frozenset({"", "-", "\u2013", "\u2014", "\u2212", "..", "...", "n/a", "na", "x"})


def parse_number(text: str) -> NumberExpr | None:
    """Parse a string that is one number expression (a table cell, a phrase).

    Returns None for anything else, including "-" (a dash cell means "no value", not 0).
    """
    stripped = text.strip()
    if stripped.casefold() in _EMPTY_CELLS:
        return None
    matches = find_numbers(stripped)
    if len(matches) != 1 or matches[0].start != 0 or matches[0].end != len(stripped):
        return None
    m = matches[0]
    return NumberExpr(
        value=m.value,
        value_max=m.value_max,
        qualifier=m.qualifier,
        unit_hint=m.unit_hint,
        sign=m.sign,
        is_year=m.is_year,
        is_ordinal=m.is_ordinal,
        is_word=m.is_word,
        magnitude=m.magnitude,
    )


def find_numbers(text: str) -> list[NumberMatch]:
    """Every number expression in ``text``, in order of appearance."""
    masked = [(m.start(), m.end()) for m in _MASKS.finditer(text)]
    leading = _LEADING_LIST_NUMBER.match(text)
    if leading:  # "14. In 2021, ..." / "1.1. UN NETWORK": a paragraph or section number
        masked.append((leading.start(), leading.end()))
    found: list[NumberMatch] = []
    taken_until = 0
    label_end = -1  # end of the last label number ("objectives 6, 7, 17 and 23")
    for m in _NUMERAL.finditer(text):
        if m.start() < taken_until or _inside(m.start(), masked):
            continue
        before_word = _word_before(text, m.start())[0].lower().rstrip(".")
        if before_word in _LABEL_WORDS or (
            label_end >= 0 and _LIST_JOINER.fullmatch(text[label_end : m.start()])
        ):
            label_end = m.end()
            continue
        match = _read_numeral(text, m.start(), m.end())
        if match is None:
            continue
        found.append(match)
        taken_until = match.end
    found.extend(_find_number_words(text, masked, found))
    # "two thirds of them", "one-quarter": a fraction, not a count of thirds
    found = [n for n in found if not _FRACTION_AFTER.match(text, n.end)]
    found.sort(key=lambda n: n.start)
    return found


_FRACTION_AFTER = re.compile(r"[\s-]*(?:thirds?|quarters?|fifths?|tenths?|halves)\b(?!-)", re.I)


def exact(value: Decimal) -> Decimal:
    """A Decimal without a spurious exponent or trailing zeros: 3.2 * 10**6 -> 3200000."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# --- numerals -----------------------------------------------------------------------------


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _numeral_value(raw: str) -> Decimal:
    return Decimal(re.sub(r"[,\s\u00a0\u2009\u202f]", "", raw))


def _word_before(text: str, pos: int) -> tuple[str, int]:
    """The word ending just before ``pos`` (one space allowed) and where it starts."""
    m = re.search(r"([A-Za-z]+\.?)[ \u00a0]?$", text[max(0, pos - 40) : pos])
    if not m:
        return "", pos
    return m.group(1), pos - len(m.group(0))


def _word_after(text: str, pos: int) -> str:
    m = re.match(r"[ \u00a0]?([A-Za-z]+)", text[pos : pos + 40])
    return m.group(1) if m else ""


def _is_name_part(text: str, start: int, end: int) -> bool:
    """Is the numeral at text[start:end] glued into a code or name ("COVID-19", "A1", "3D")?"""
    before = text[start - 1] if start > 0 else ""
    before2 = text[start - 2] if start > 1 else ""
    if "\ue000" in text[max(0, start - 2) : start]:
        return True  # right after dropped OCR garbage: a footnote marker (see graph.textclean)
    if before and (before.isalnum() or before in "_/\\#@&" or before == "." and before2.isdigit()):
        return True
    if before and before in "-\u2010\u2011" and before2.isalnum():
        return True
    after = text[end] if end < len(text) else ""
    after2 = text[end + 1] if end + 1 < len(text) else ""
    if after == "/" and after2.isdigit():
        return True
    return bool(after) and after in "-\u2010\u2011" and after2.isalpha() and after2.isupper()


def _read_numeral(text: str, start: int, end: int) -> NumberMatch | None:
    raw = text[start:end]
    if _is_name_part(text, start, end):
        # "2021/22" is still a year; anything else glued to letters or slashes is a code.
        if re.fullmatch(r"(19|20)\d\d", raw) and re.match(r"/\d{2,4}\b", text[end : end + 5]):
            stop = end + re.match(r"/\d{2,4}", text[end:]).end()
            return NumberMatch(
                value=Decimal(raw), is_year=True, start=start, end=stop, surface=text[start:stop]
            )
        return None
    value = _numeral_value(raw)
    span_start, _span_end = start, end
    sign = None
    if (
        start > 0
        and text[start - 1] in _SIGN_CHARS
        and (start == 1 or not text[start - 2].isalnum())
    ):
        sign = "+" if text[start - 1] == "+" else "-"
        span_start -= 1
        if sign == "-":
            value = -value

    # Ordinals written with digits ("70th") are not amounts.
    suffix = _ORDINAL_SUFFIX.match(text, end)
    if suffix and (end == len(text) or text[end].isalpha()):
        return NumberMatch(
            value=value,
            is_ordinal=True,
            start=start,
            end=suffix.end(),
            surface=text[start : suffix.end()],
        )

    currency = None
    cur = _CURRENCY_BEFORE.search(text[max(0, start - 6) : span_start])
    if cur and sign is None:
        currency = cur.group("code") or cur.group("sym")
        currency = _CURRENCY_SYMBOLS.get(currency, currency)
        span_start -= len(cur.group(0))

    # Magnitude, unit after the numeral.
    magnitude = None
    pos = end
    mag = _MAGNITUDE_AFTER.match(text, pos)
    abbreviated = bool(mag) and mag.group(1).lower() in _ABBREVIATED_MAGNITUDES
    # "1.2m people": an abbreviation counts people too ("1.2m" alone may be metres)
    counts_people = abbreviated and bool(_PEOPLE_AFTER.match(text, mag.end()))
    if mag and (not abbreviated or currency or counts_people) and not _CUBIC_AFTER.match(text, pos):
        magnitude = _MAGNITUDES[mag.group(1).lower()]
        pos = mag.end()
    unit_hint = currency
    cubic = _CUBIC_AFTER.match(text, pos)
    pct = _PERCENT_AFTER.match(text, pos)
    if cubic:
        unit_hint, pos = "cubic metre", cubic.end()
    elif pct:
        unit_hint = "percentage point" if pct.group("pp") or pct.group("pts") else "per cent"
        pos = pct.end()
    elif currency is None:
        cur_after = _CURRENCY_AFTER.match(text, pos)
        if cur_after and (magnitude or cur_after.group("code") or cur_after.group("usd")):
            unit_hint = cur_after.group("code") or (
                "EUR" if cur_after.group("euros") else "CHF" if cur_after.group("francs") else "USD"
            )
            pos = cur_after.end()
    hyphen_unit = re.match(r"[-\u2010\u2011]([a-z]+)\b", text[pos : pos + 12])
    if hyphen_unit and hyphen_unit.group(1) in _TIME_HYPHEN_UNITS and unit_hint is None:
        unit_hint = _TIME_HYPHEN_UNITS[hyphen_unit.group(1)]  # "three-day", "10-year"
    elif pos < len(text) and text[pos].isalpha() and pos == end:
        return None  # "5G", "3rd-party"-like codes without a known suffix
    if magnitude:
        value = exact(value * magnitude)

    # A range "80,000 to 100,000", "2017–2021", "between 5 and 10".
    value_max = None
    joined = _RANGE_JOINER.match(text, pos)
    before_word, before_start = _word_before(text, span_start)
    if joined and sign is None:
        second = _NUMERAL.match(text, joined.end())
        joiner = joined.group(0).strip().lower()
        allowed = joiner != "and" or before_word.lower() == "between"
        if joiner == "to" and before_word.lower() == "from":
            allowed = False  # "from 56 to 119" is a change, not a range
        if second and _word_after(text, second.end()).lower() in _MONTHS and value <= 31:
            return None  # "from 10 to 11 November 2021": days of a date
        if second and allowed and not _is_name_part(text, second.start(), second.end()):
            other = _read_numeral(text, second.start(), second.end())
            year_then_amount = bool(re.fullmatch(r"(?:18|19|20)\d\d", raw)) and (
                before_word.lower() in ("in", "since", "by", "until")
                or bool(other is not None and (other.magnitude or other.unit_hint))
            )  # "from 153 million in 1990 to 281 million", "from 1,467 in 2017 to 2,356"
            if (
                other is not None
                and not other.is_ordinal
                and other.value_max is None
                and not year_then_amount
            ):
                hi = other.value
                low, low_magnitude = value, magnitude
                if other.magnitude and not magnitude:  # "2 to 3 million"
                    low, low_magnitude = exact(value * other.magnitude), other.magnitude
                if hi > low:
                    value, magnitude, value_max = low, low_magnitude, hi
                    unit_hint = unit_hint or other.unit_hint
                    pos = other.end
    if value_max is not None and before_word.lower() == "between":
        span_start = before_start

    qualifier = None
    if value_max is None or before_word.lower() != "between":
        qualifier, span_start = _qualifier_before(text, span_start)

    is_year = _looks_like_year(
        raw, value_max, magnitude, unit_hint, currency, sign, qualifier, text, pos
    )
    if not is_year and _is_label_or_reference(
        text, start, span_start, pos, raw, unit_hint, magnitude, currency
    ):
        return None
    if is_year:
        span_start, qualifier = start, None
    return NumberMatch(
        value=value,
        value_max=value_max,
        qualifier=qualifier,
        unit_hint=unit_hint,
        sign=sign,
        is_year=is_year,
        magnitude=magnitude,
        start=span_start,
        end=pos,
        surface=text[span_start:pos],
    )


_QUALIFIER_BEFORE = re.compile(
    r"\b(" + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True)) + r")\s+$",
    re.IGNORECASE,
)
_TOTAL_BEFORE = re.compile(r"\b(?:a\s+)?total\s+(?:of\s+)?$", re.IGNORECASE)


def _qualifier_before(text: str, start: int) -> tuple[str | None, int]:
    """The qualifier written just before ``start`` and the new span start."""
    window_start = max(0, start - 30)
    m = _QUALIFIER_BEFORE.search(text[window_start:start])
    if not m:
        return None, start
    qualifier = QUALIFIERS[m.group(1).lower()]
    new_start = window_start + m.start()
    if qualifier != "total":  # "a total of approximately 1090": keep the precision word
        total = _TOTAL_BEFORE.search(text[max(0, new_start - 16) : new_start])
        if total:
            new_start -= len(total.group(0))
    return qualifier, new_start


def _looks_like_year(
    raw: str,
    value_max: Decimal | None,
    magnitude: int | None,
    unit_hint: str | None,
    currency: str | None,
    sign: str | None,
    qualifier: str | None,
    text: str,
    end: int,
) -> bool:
    if not re.fullmatch(r"(1[89]|20)\d\d", raw) or magnitude or unit_hint or currency or sign:
        return False
    if value_max is not None and not (1800 <= value_max <= 2099):
        return False
    if qualifier in {
        "approximately",
        "nearly",
        "estimated",
        "total",
        "more than",
        "at least",
        "less than",
    }:
        return False  # "some 1950 people": an amount
    return not _COUNT_NOUN_AFTER_YEARLIKE.match(text, end)


def _is_label_or_reference(
    text: str,
    start: int,
    span_start: int,
    end: int,
    raw: str,
    unit_hint: str | None,
    magnitude: int | None,
    currency: str | None,
) -> bool:
    """Paragraph/objective/table numbers, dates, footnote markers: not amounts."""
    word, _ = _word_before(text, span_start)
    lowered = word.lower()
    plain = unit_hint is None and magnitude is None and currency is None
    if span_start == start and lowered.rstrip(".") in _LABEL_WORDS | {"no"}:
        return True
    if lowered in _MONTHS and plain and Decimal(_numeral_value(raw)) <= 31:
        return True  # "November 26"
    if plain and _word_after(text, end).lower() in _MONTHS and _numeral_value(raw) <= 31:
        return True  # "26 November 2013"
    if (
        plain
        and span_start == start
        and word[:1].isupper()
        and lowered not in _FUNCTION_WORDS
        and not re.search(r"[,\s\u00a0]", raw)
        and re.search(r"[A-Za-z][ \u00a0]?$", text[max(0, start - 2) : start])
    ):
        return True  # "Thematic Priority 4", "Alliance 8.7", "Kenya 34": part of a name
    if plain and "." not in raw and re.fullmatch(r"\d{1,3}", raw):
        rest = text[end:]
        prev = text[:span_start].rstrip()
        # (not after a colon: "Countries with offices: 171" is a labelled figure)
        if prev.endswith((".", ";", ")", "}", "]", '"', "\u201d")) and (
            not rest.strip() or re.match(r"\s*\d", rest)
        ):
            return True  # an unmarked footnote number at the end of a text
    return False


# --- number words -------------------------------------------------------------------------

# "one" is a pronoun more often than a number: it counts only before a plain noun.
_NOT_AFTER_ONE = frozenset(
    _word_list(
        """
        of another the a an and or to in on at by for with is was are were be been has
        have had that which who whom whose focusing can could may might must should
        would will shall such way hand day time another's
        """
    )
)


# "half a million", "a quarter of a billion", "three quarters of a million"
_FRACTION_OF_SCALE = re.compile(
    r"\b(?P<fraction>half|a\s+quarter|one\s+quarter|three\s+quarters)\s+(?:of\s+)?an?\s+"
    r"(?P<scale>million|billion)\b",
    re.IGNORECASE,
)
_FRACTIONS = {"half": Decimal("0.5"), "quarter": Decimal("0.25"), "quarters": Decimal("0.75")}


def _fractions_of_scale(text: str, masked: list[tuple[int, int]]) -> list[NumberMatch]:
    out = []
    for m in _FRACTION_OF_SCALE.finditer(text):
        if _inside(m.start(), masked):
            continue
        fraction = _FRACTIONS[m.group("fraction").split()[-1].lower()]
        scale = _SCALE_WORDS[m.group("scale").lower()]
        qualifier, start = _qualifier_before(text, m.start())
        out.append(
            NumberMatch(
                value=exact(fraction * scale),
                qualifier=qualifier,
                is_word=True,
                magnitude=scale,
                start=start,
                end=m.end(),
                surface=text[start : m.end()],
            )
        )
    return out


def _find_number_words(
    text: str, masked: list[tuple[int, int]], numerals: list[NumberMatch]
) -> list[NumberMatch]:
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", text)]
    out: list[NumberMatch] = _fractions_of_scale(text, masked)
    taken = [(n.start, n.end) for n in [*numerals, *out]]
    i = 0
    while i < len(words):
        word, ws, we = words[i]
        lower = word.lower()
        if _inside(ws, masked) or _inside(ws, taken):
            i += 1
            continue
        if lower in _ORDINAL_WORDS or _is_compound_ordinal(text, i, words):
            j, value = _read_ordinal(text, i, words)
            out.append(
                NumberMatch(
                    value=Decimal(value),
                    is_ordinal=True,
                    is_word=True,
                    start=ws,
                    end=words[j][2],
                    surface=text[ws : words[j][2]],
                )
            )
            i = j + 1
            continue
        if lower not in _NUMBER_WORDS or lower in _SCALE_WORDS:
            i += 1
            continue
        j = i  # extend over "forty-six", "one hundred and twenty", "two million"
        while j + 1 < len(words):
            nxt, ns, _ = words[j + 1]
            gap = text[words[j][2] : ns]
            if nxt.lower() in _NUMBER_WORDS and re.fullmatch(r"[ \u00a0-]", gap):
                j += 1
            elif (
                nxt.lower() == "and"
                and j + 2 < len(words)
                and words[j + 2][0].lower() in _NUMBER_WORDS
                and words[j][0].lower() in _SCALE_WORDS
            ):
                j += 2
            else:
                break
        group = [w.lower() for w, _, _ in words[i : j + 1] if w.lower() != "and"]
        end = words[j][2]
        if text[end : end + 1] in "-\u2010" and re.match(r"[-\u2010](?:st|nd|rd|th)\b", text[end:]):
            i = j + 1
            continue
        value = _words_value(group)
        if value is None or not _plausible_word_number(text, group, end, words, j):
            i = j + 1
            continue
        expr_start = ws
        qualifier, expr_start = _qualifier_before(text, expr_start)
        unit_hint = None
        stop = end
        pct = _PERCENT_AFTER.match(text, end)
        hyphen = re.match(r"[-\u2010\u2011]([a-z]+)\b", text[end : end + 12])
        if pct:
            unit_hint = "percentage point" if pct.group("pp") or pct.group("pts") else "per cent"
            stop = pct.end()
        elif hyphen and hyphen.group(1) in _TIME_HYPHEN_UNITS:
            unit_hint = _TIME_HYPHEN_UNITS[hyphen.group(1)]
        magnitude = next(
            (_SCALE_WORDS[w] for w in reversed(group) if w in {"million", "billion"}), None
        )
        out.append(
            NumberMatch(
                value=Decimal(value),
                qualifier=qualifier,
                unit_hint=unit_hint,
                is_word=True,
                magnitude=magnitude,
                start=expr_start,
                end=stop,
                surface=text[expr_start:stop],
            )
        )
        i = j + 1
    return out


def _is_compound_ordinal(text: str, i: int, words: list[tuple[str, int, int]]) -> bool:
    if i + 1 >= len(words) or words[i][0].lower() not in _TENS_WORDS:
        return False
    gap = text[words[i][2] : words[i + 1][1]]
    return gap in ("-", "\u2010") and words[i + 1][0].lower() in _ORDINAL_WORDS


def _read_ordinal(text: str, i: int, words: list[tuple[str, int, int]]) -> tuple[int, int]:
    if words[i][0].lower() in _TENS_WORDS:
        return i + 1, _TENS_WORDS[words[i][0].lower()] + _ORDINAL_WORDS[words[i + 1][0].lower()]
    return i, _ORDINAL_WORDS[words[i][0].lower()]


def _words_value(group: list[str]) -> int | None:
    """English number words to an int: "one hundred twenty" -> 120, "two million" -> 2000000."""
    total, current = 0, 0
    seen_any = False
    for w in group:
        if w in _UNITS_WORDS or w in _TENS_WORDS:
            current += _NUMBER_WORDS[w]
            seen_any = True
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in {"thousand", "million", "billion"}:
            total += (current or 1) * _SCALE_WORDS[w]
            current = 0
        else:
            return None
    return total + current if seen_any else None


def _plausible_word_number(
    text: str, group: list[str], end: int, words: list[tuple[str, int, int]], j: int
) -> bool:
    if group != ["one"]:
        return True
    if j + 1 >= len(words):
        return False
    nxt, ns, _ = words[j + 1]
    if text[end:ns] not in (" ", "\u00a0"):
        return False
    prev = words[j - 1][0].lower() if j > 0 else ""
    return nxt.lower() not in _NOT_AFTER_ONE and prev not in {
        "no",
        "any",
        "every",
        "each",
        "the",
        "this",
        "that",
        "which",
    }
