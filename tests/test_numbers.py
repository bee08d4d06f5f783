"""graph.numbers: every number form the reports use, and the look-alikes that are not amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.numbers import find_numbers, parse_number


@pytest.mark.parametrize(
    ("text", "value", "unit_hint"),
    [
        ("1,561", "1561", None),
        ("1 052", "1052", None),
        ("1\u2009052", "1052", None),  # thin-space thousands separator
        ("1\u00a0052", "1052", None),  # no-break space
        ("4,390,523", "4390523", None),
        ("3.2 million", "3200000", None),
        ("4.63 million", "4630000", None),
        ("USD 2.5 billion", "2500000000", "USD"),
        ("$1.5 million", "1500000", "USD"),
        ("USD 2,549.5 million", "2549500000", "USD"),
        ("2,165m3", "2165", "cubic metre"),
        ("2,165m<sup>3</sup>", "2165", "cubic metre"),
        ("2,165m³", "2165", "cubic metre"),
        ("561 per cent", "561", "per cent"),
        ("561 percent", "561", "per cent"),
        ("17 per cent", "17", "per cent"),
        ("3.6%", "3.6", "per cent"),
        ("46%", "46", "per cent"),
        ("4 percentage points", "4", "percentage point"),
        ("Thirty", "30", None),
        ("Forty-six", "46", None),
        ("twelve", "12", None),
        ("two", "2", None),
        ("one hundred", "100", None),
        ("two hundred and fifty", "250", None),
        ("0", "0", None),
        ("1090", "1090", None),
    ],
)
def test_parse_number_forms(text: str, value: str, unit_hint: str | None) -> None:
    expr = parse_number(text)
    assert expr is not None, text
    assert expr.value == Decimal(value)
    assert str(expr.value) == value  # exact, no exponent: 3.2 million is 3200000, not 3.2E+6
    assert expr.unit_hint == unit_hint
    assert expr.is_amount


def test_signed_change_and_dash_cells() -> None:
    plus = parse_number("+4")
    assert plus is not None and plus.value == 4 and plus.sign == "+"
    minus = parse_number("-3")
    assert minus is not None and minus.value == -3 and minus.sign == "-"
    for empty in ("-", "\u2013", "", "  ", "n/a"):
        assert parse_number(empty) is None, repr(empty)  # a dash means "no value", not zero


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("80,000 to 100,000", 80000, 100000),
        ("80,000–100,000", 80000, 100000),
        ("between 5 and 10", 5, 10),
        ("2 to 3 million", 2000000, 3000000),
    ],
)
def test_ranges(text: str, low: int, high: int) -> None:
    expr = parse_number(text)
    assert expr is not None
    assert (expr.value, expr.value_max) == (low, high)


def test_change_from_to_is_two_numbers_not_a_range() -> None:
    found = [n for n in find_numbers("rose from 56 to 119 countries") if n.is_amount]
    assert [(n.value, n.value_max) for n in found] == [(56, None), (119, None)]


@pytest.mark.parametrize(
    ("text", "qualifier", "surface"),
    [
        ("reached over 3.2 million people", "over", "over 3.2 million"),
        ("more than 700,000 Afghans", "more than", "more than 700,000"),
        ("approximately 4.8 million people", "approximately", "approximately 4.8 million"),
        ("close to 600,000 individuals", "nearly", "close to 600,000"),
        ("nearly 1.5 million downloads", "nearly", "nearly 1.5 million"),
        ("almost 7,000 enumerators", "nearly", "almost 7,000"),
        ("around 5 million women", "approximately", "around 5 million"),
        ("about 20 points", "approximately", "about 20"),
        ("some 300 staff", "approximately", "some 300"),
        ("at least 67 countries", "at least", "at least 67"),
        ("up to 40 people", "up to", "up to 40"),
        ("less than 5 per cent", "less than", "less than 5 per cent"),
        ("fewer than 10 offices", "less than", "fewer than 10"),
        ("an estimated 281 million migrants", "estimated", "an estimated 281 million"),
        ("A total of 58 IOM offices", "total", "A total of 58"),
        ("a total of approximately 1090 people", "approximately", "a total of approximately 1090"),
    ],
)
def test_qualifiers(text: str, qualifier: str, surface: str) -> None:
    amounts = [n for n in find_numbers(text) if n.is_amount]
    assert len(amounts) == 1
    assert amounts[0].qualifier == qualifier
    assert amounts[0].surface == surface
    assert text[amounts[0].start : amounts[0].end] == surface


@pytest.mark.parametrize(
    "text",
    [
        "COVID-19",
        "G-4",
        "P-5 and higher",
        "D-1–D-2",
        "A/RES/73/326",
        "objective 2",
        "objectives 6, 7, 17, and 23",
        "Cluster II",
        "Thematic Priority 4",
        "Alliance 8.7",
        "Council Resolution No. 1266",
        "Security Council resolution 1244",
        "see Annex 6 and Table 3",
        "https://example.org/files/tmzbdl416/report_1.pdf",
        "call +41 22 717 9111",
        "on 26 November",
        "from 10 to 11 November",
        "the 70th session",
        "its seventieth anniversary",
        "the second year",
        "one of the largest agencies",
        "hundreds and thousands of people",
        "regular migration pathways. 15",  # an unmarked footnote number
        "14. In this paragraph",  # a paragraph number
        "1.1. UN NETWORK",  # a section number
    ],
)
def test_not_amounts(text: str) -> None:
    assert [n.surface for n in find_numbers(text) if n.is_amount] == []


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("In 2021, IOM grew", [(2021, None)]),
        ("in March 2021", [(2021, None)]),
        ("the period 2017–2021", [(2017, 2021)]),
        ("the 2030 Agenda", [(2030, None)]),
        ("resolution 1244 (1999)", [(1999, None)]),
        ("the 2021/22 season", [(2021, None)]),
    ],
)
def test_years_are_flagged_not_amounts(text: str, years: list[tuple[int, int | None]]) -> None:
    found = find_numbers(text)
    assert [(n.value, n.value_max) for n in found if n.is_year] == years
    assert not any(n.is_amount for n in found)


def test_year_like_number_with_a_count_noun_is_an_amount() -> None:
    (n,) = find_numbers("some 1950 people")
    assert n.is_amount and n.value == 1950


def test_ordinals_are_flagged() -> None:
    found = find_numbers("the 70th session and the twenty-first century")
    assert [(n.value, n.is_ordinal) for n in found] == [(70, True), (21, True)]


def test_offsets_and_order_in_a_sentence() -> None:
    text = "In 2021, IOM's CCCM operations reached over 3.2 million people living in 1,561 displacement sites across 35 countries."
    found = find_numbers(text)
    assert [n.surface for n in found] == ["2021", "over 3.2 million", "1,561", "35"]
    assert all(text[n.start : n.end] == n.surface for n in found)
    assert found[0].is_year and not found[1].is_year


def test_number_words_in_prose() -> None:
    text = "Thirty IOM missions and Forty-six offices; One hundred are Member States and two are observer States; one project."
    assert [(n.surface, n.value) for n in find_numbers(text)] == [
        ("Thirty", 30),
        ("Forty-six", 46),
        ("One hundred", 100),
        ("two", 2),
        ("one", 1),
    ]


def test_percent_signs_in_brackets() -> None:
    text = "49,795 migrants (24% female, 76% male, of whom 16% were children)"
    assert [(n.value, n.unit_hint) for n in find_numbers(text)] == [
        (49795, None),
        (24, "per cent"),
        (76, "per cent"),
        (16, "per cent"),
    ]


def test_one_in_n_is_a_ratio_not_two_counts() -> None:
    from graph.numbers import find_numbers

    assert [
        n.surface for n in find_numbers("One in five migrants and 1 in 10 staff; 25 offices")
    ] == ["25"]
