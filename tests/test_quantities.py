"""graph.quantities: amounts in prose and table cells, on small hand-made documents and on
the seed annual report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.config import SEEDS_DIR
from graph.model import Document, Mention, Passage, Quantity, Table, TableCell
from graph.quantities import extract_quantities, table_cells

# --- helpers ----------------------------------------------------------------------------------


def _doc(*passages: Passage, tables: tuple[Table, ...] = (), year: int | None = 2021) -> Document:
    return Document(
        id="test-doc",
        path="test-doc.txt",
        title="Annual report",
        publisher="IOM",
        year=year,
        text="\n".join(p.text for p in passages),
        sha256="0" * 64,
        passages=passages,
        tables=tables,
    )


def _para(pid: str, text: str, kind: str = "paragraph", section: tuple[str, ...] = ()) -> Passage:
    return Passage(id=pid, doc_id="test-doc", kind=kind, text=text, locator=pid, section=section)


def _mentions(passage: Passage, **keys: str) -> list[Mention]:
    """Mentions of every occurrence of each surface (keyword arg names use _ for spaces)."""
    out = []
    for surface, key in keys.items():
        surface = surface.replace("_", " ")
        start = passage.text.find(surface)
        while start >= 0:
            out.append(
                Mention(passage.id, start, start + len(surface), surface, key.split("/")[0], key)
            )
            start = passage.text.find(surface, start + 1)
    return out


def _one(quantities: list[Quantity], surface: str) -> Quantity:
    found = [q for q in quantities if q.surface == surface]
    assert len(found) == 1, [q.surface for q in quantities]
    return found[0]


# --- prose ------------------------------------------------------------------------------------


def test_cccm_sentence() -> None:
    p = _para(
        "para-14",
        "In 2021, IOM's CCCM operations reached over 3.2 million people living in 1,561 displacement sites across 35 countries.",
    )
    qs = extract_quantities(_doc(p, year=2022), _mentions(p, IOM="organization/iom"))
    people = _one(qs, "over 3.2 million")
    assert people.value == Decimal("3200000")
    assert (people.qualifier, people.unit, people.year) == ("over", "person", 2021)
    assert people.measure.startswith("people")
    assert people.subject_key == "organization/iom"
    assert people.area_key is None
    sites = _one(qs, "1,561")
    assert (sites.value, sites.unit, sites.measure) == (1561, "location", "displacement sites")
    countries = _one(qs, "35")
    assert countries.unit == "country" and countries.area_key is None
    assert countries.measure == "countries with displacement sites"
    assert [q.surface for q in qs] == ["over 3.2 million", "1,561", "35"]  # the year is no quantity


def test_comparison_year_belongs_to_its_number() -> None:
    p = _para(
        "para-21",
        "Cash-based interventions were used by IOM to implement activities in 119 countries, compared with 56 countries in 2020, reaching close to 1.9 million beneficiaries, an increase of 17 per cent from 2020.",
    )
    qs = extract_quantities(_doc(p), _mentions(p, IOM="organization/iom"))
    assert _one(qs, "119").year == 2021  # the reporting year
    assert _one(qs, "56").year == 2020
    beneficiaries = _one(qs, "close to 1.9 million")
    assert (beneficiaries.qualifier, beneficiaries.unit, beneficiaries.year) == (
        "nearly",
        "person",
        2021,
    )
    change = _one(qs, "17 per cent")
    assert (change.unit, change.year) == ("per cent", 2021)  # "from 2020" is the base, not the year
    assert change.measure == "increase in beneficiaries"


def test_families_and_people_with_nested_qualifier() -> None:
    p = _para(
        "gcm-p1",
        "The project engages with four communities as beneficiaries and benefits 218 families reaching a total of approximately 1090 people.",
    )
    qs = extract_quantities(_doc(p), [])
    assert (_one(qs, "218").unit, _one(qs, "218").measure) == ("family", "families")
    people = _one(qs, "a total of approximately 1090")
    assert (people.value, people.qualifier, people.unit) == (1090, "approximately", "person")
    assert _one(qs, "four").value == 4


def test_country_list_gives_no_single_area() -> None:
    p = _para(
        "para-22",
        "Thirty IOM missions (Bangladesh, Brazil, Chad, Kosovo) reported using the Framework.",
    )
    mentions = _mentions(
        p,
        IOM="organization/iom",
        Bangladesh="country/BGD",
        Brazil="country/BRA",
        Chad="country/TCD",
        Kosovo="country/XKX",
    )
    (q,) = extract_quantities(_doc(p), mentions)
    assert (q.value, q.unit, q.area_key) == (30, "office", None)
    assert "missions" in q.measure
    assert q.subject_key == "organization/iom"


def test_one_country_in_the_sentence_is_the_area() -> None:
    p = _para("p1", "In Somalia, around 20 points of entry implement the system.")
    (q,) = extract_quantities(_doc(p), _mentions(p, Somalia="country/SOM"))
    assert (q.value, q.qualifier, q.unit, q.measure) == (
        20,
        "approximately",
        "location",
        "points of entry",
    )
    assert q.area_key == "country/SOM"


def test_list_of_countries_in_the_clause_blocks_the_area() -> None:
    p = _para(
        "p1",
        "In 2021, IOM continued to support three pilot projects in Bangladesh, Ethiopia and Indonesia.",
    )
    mentions = _mentions(
        p, Bangladesh="country/BGD", Ethiopia="country/ETH", Indonesia="country/IDN"
    )
    (q,) = extract_quantities(_doc(p), mentions)
    assert (q.value, q.unit, q.area_key) == (3, "project", None)


def test_box_about_one_country_sets_the_area() -> None:
    heading = _para("box-2-h", "Box 2. IOM's response to the crisis in Afghanistan", kind="heading")
    section = ("Operations", "Box 2. IOM's response to the crisis in Afghanistan")
    body = _para(
        "box-2-p2", "The DTM is being used in all 34 provinces of the country.", "box", section
    )
    qs = extract_quantities(_doc(heading, body), _mentions(heading, Afghanistan="country/AFG"))
    (q,) = qs
    assert (q.value, q.unit, q.area_key) == (34, "location", "country/AFG")


def test_percent_change_revenue_and_money() -> None:
    p = _para(
        "fw-p8",
        "At the end of the year, IOM's total combined revenue, comprising assessed contributions, voluntary contributions and other income, increased by 17 per cent compared with 2020 and reached USD 2.5 billion.",
    )
    qs = extract_quantities(_doc(p), _mentions(p, IOM="organization/iom"))
    change = _one(qs, "17 per cent")
    assert (change.value, change.unit, change.measure) == (
        17,
        "per cent",
        "increase in total combined revenue",
    )
    money = _one(qs, "USD 2.5 billion")
    assert (money.value, money.unit, money.measure) == (
        Decimal("2500000000"),
        "USD",
        "total combined revenue",
    )
    assert money.subject_key == "organization/iom"


def test_measures_from_noun_phrases() -> None:
    p = _para(
        "para-20",
        "IOM supported the running of 601 primary health-care facilities, and provided 4,390,523 primary health consultations and 424,507 antenatal consultations in humanitarian contexts.",
    )
    qs = extract_quantities(_doc(p), [])
    assert (_one(qs, "601").unit, _one(qs, "601").measure) == (
        "facility",
        "primary health-care facilities",
    )
    consultations = _one(qs, "4,390,523")
    assert (consultations.unit, consultations.measure) == (
        "consultation",
        "primary health consultations",
    )
    assert _one(qs, "424,507").measure == "antenatal consultations"


def test_people_reached_through_assistance() -> None:
    p = _para(
        "fw-p4",
        "This report reflects the 4.63 million people reached through shelter and non-food item assistance across 60 countries.",
    )
    qs = extract_quantities(_doc(p), [])
    people = _one(qs, "4.63 million")
    assert people.measure == "people reached through shelter and non-food item assistance"
    assert _one(qs, "60").measure == "countries with shelter and non-food item assistance"


def test_cubic_metres_and_staff() -> None:
    p = _para(
        "p17",
        "The hubs delivered 2,165m³ of non-food items to 13 IOM field missions. IOM has 17,761 staff operating in 523 locations.",
    )
    qs = extract_quantities(_doc(p), _mentions(p, IOM="organization/iom"))
    volume = _one(qs, "2,165m³")
    assert (volume.value, volume.unit, volume.measure) == (2165, "cubic metre", "non-food items")
    assert (_one(qs, "13").unit, _one(qs, "13").measure) == ("office", "field missions")
    assert (_one(qs, "17,761").unit, _one(qs, "17,761").measure) == ("person", "staff")
    assert _one(qs, "523").unit == "location"


def test_sentence_year_and_passage_year() -> None:
    p1 = _para("p1", "In 2020, the office trained 40 officials. Later it hosted 12 events.")
    p2 = _para("p2", "By the end of 2019, 102 States had granted privileges.")
    p3 = _para("p3", "The office trained 7 officials.")
    qs = extract_quantities(_doc(p1, p2, p3, year=2021), [])
    assert _one(qs, "40").year == 2020
    assert _one(qs, "12").year == 2020  # the passage opens with "In 2020,"
    assert _one(qs, "102").year == 2019
    assert _one(qs, "7").year == 2021  # the document's reporting year


def test_table_rows_are_not_prose() -> None:
    row = _para("annex-1-table-1-row-1", "Men 788 928", kind="table-row")
    assert extract_quantities(_doc(row), []) == []


def test_deterministic() -> None:
    p = _para(
        "p1", "In 2021, IOM trained 20,787 people in CCCM, an 86 per cent increase from 2020."
    )
    doc = _doc(p)
    first = extract_quantities(doc, _mentions(p, IOM="organization/iom"))
    assert first == extract_quantities(doc, _mentions(p, IOM="organization/iom"))
    assert _one(first, "20,787").measure == "people trained in CCCM"
    assert _one(first, "86 per cent").measure == "increase in people trained in CCCM"


# --- tables -----------------------------------------------------------------------------------


def _table(**kw: object) -> Table:
    defaults: dict[str, object] = {
        "id": "annex-1-table-1",
        "doc_id": "test-doc",
        "title": "Number of men and women at the international Professional level (2017–2021)",
        "locator": "Annex I, Table 1",
        "section": ("Annex I", "Statistics relating to IOM staff"),
    }
    defaults.update(kw)
    rows = defaults["rows"]
    defaults.setdefault(
        "row_passage_ids", tuple(f"{defaults['id']}-row-{i + 1}" for i in range(len(rows)))
    )  # type: ignore[arg-type]
    return Table(**defaults)  # type: ignore[arg-type]


def _cell(cells: list[TableCell], **dims: str) -> TableCell:
    wanted = {(k, v) for k, v in dims.items()}
    found = [c for c in cells if wanted <= set(c.dimensions)]
    assert len(found) == 1, found
    return found[0]


def test_year_columns_sex_rows_and_percentages() -> None:
    table = _table(
        header=(("", "2020", "2021"),),
        rows=(
            ("Men", "1 119", "1 194"),
            ("Women", "1 066", "1 162"),
            ("Total", "2 185", "2 356"),
            ("Percentage of women", "49%", "49%"),
        ),
    )
    cells = table_cells(_doc(tables=(table,)))
    assert len(cells) == 8
    women = _cell(cells, sex="F", year="2021")
    assert (women.value, women.unit, women.measure) == (1162, "count", "number of staff")
    assert women.passage_id == "annex-1-table-1-row-2"
    total = _cell(cells, category="Total", year="2020")
    assert total.value == 2185
    share = _cell(cells, category="Percentage of women", year="2021")
    assert (share.value, share.unit, share.measure) == (49, "per cent", "percentage of women")


def test_grades_row_years_and_percentage_point_changes() -> None:
    table = _table(
        id="annex-1-table-2",
        title="Increase/decrease in the number of women at the international professional level between 2019 and 2021, by grade",
        header=(("2021", "Ungraded", "P-1", "D-1–D-2"),),
        rows=(
            ("Women", "233", "15", "23"),
            ("Percentage of women in 2019", "52%", "31%", "34%"),
            (
                "Change in percentage of women between 2019 and 2021 (percentage points)",
                "+4",
                "-",
                "+1",
            ),
        ),
    )
    cells = table_cells(_doc(tables=(table,)))
    assert len(cells) == 8  # the "-" cell is no value
    assert _cell(cells, sex="F", grade="UG").value == 233
    assert dict(_cell(cells, sex="F", grade="P-1").dimensions)["year"] == "2021"
    old = _cell(cells, category="Percentage of women", grade="P-1")
    assert dict(old.dimensions)["year"] == "2019"
    change = _cell(cells, category="Change in percentage of women", grade="D-1–D-2")
    assert (change.value, change.unit, change.measure) == (
        1,
        "percentage point",
        "change in percentage of women",
    )


def test_nationality_rows_membership_sections_and_header_columns() -> None:
    pytest.importorskip("graph.reference")
    table = _table(
        id="annex-2",
        title="General Service staff worldwide by nationality, grade and sex",
        locator="Annex II",
        section=("Annex II",),
        header=(
            ("Country of nationality: Member States", "Category/Grade", "", "Total", "Sex", ""),
            ("", "G-1", "NO-A", "", "F", "M"),
        ),
        rows=(
            ("Afghanistan", "", "8", "243", "52", "191"),
            ("Antigua and Barbuda", "", "", "0", "", ""),
            (
                "Country of nationality: observer States, non- member States and other",
                "Category/Grade",
                "",
                "Total",
                "Sex",
                "",
            ),
            ("Qatar", "1", "", "1", "1", ""),
            ("Other", "", "", "42", "15", "27"),
            ("Total", "245", "823", "15 405", "7 102", "8 303"),
        ),
    )
    cells = table_cells(_doc(tables=(table,), year=2021))
    afg_total = [
        c
        for c in cells
        if ("nationality", "country/AFG") in c.dimensions and len(c.dimensions) == 3
    ]
    assert [c.value for c in afg_total] == [243]
    assert set(afg_total[0].dimensions) == {
        ("nationality", "country/AFG"),
        ("membership", "Member States"),
        ("year", "2021"),
    }
    assert _cell(cells, nationality="country/AFG", sex="F").value == 52
    assert _cell(cells, nationality="country/AFG", grade="NO-A").value == 8
    assert _cell(cells, nationality="country/ATG").value == 0  # a stated zero is a value
    qatar = _cell(cells, nationality="country/QAT", grade="G-1")
    assert ("membership", "non-member States") in qatar.dimensions
    assert ("membership", "non-member States") in _cell(cells, category="Other", sex="M").dimensions
    grand = _cell(cells, category="Total", sex="F")
    assert grand.value == 7102 and not any(d == "membership" for d, _ in grand.dimensions)
    assert all(c.measure == "number of staff" and c.unit == "count" for c in cells)
    # every cell of a row is told apart by its dimensions (they make the observation IRI)
    keys = [(c.passage_id, tuple(sorted(c.dimensions)), c.measure) for c in cells]
    assert len(keys) == len(set(keys))


def test_membership_section_recorded_as_a_note() -> None:
    pytest.importorskip("graph.reference")
    table = _table(
        id="annex-3",
        title="Professional and higher category staff by nationality, grade and sex",
        header=(
            ("Country of nationality: Member States", "Category/Grade", "", ""),
            ("", "P-5", "Total", "F"),
        ),
        rows=(("Albania", "1", "3", "2"), ("Bahrain", "", "0", ""), ("Indonesia", "1", "25", "18")),
        notes=(
            "Country of nationality: observer States, non- member States and other: rows from Bahrain on",
        ),
    )
    cells = table_cells(_doc(tables=(table,)))
    assert ("membership", "Member States") in _cell(
        cells, nationality="country/ALB", grade="P-5"
    ).dimensions
    indonesia_total = [
        c for c in cells if ("nationality", "country/IDN") in c.dimensions and c.value == 25
    ]
    assert ("membership", "non-member States") in indonesia_total[0].dimensions


# --- the seed report --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annual_report() -> Document:
    parse = pytest.importorskip("graph.parse")
    return parse.parse_file(SEEDS_DIR / "iom-annual-report-2021.txt")


def test_seed_tables(annual_report: Document) -> None:
    pytest.importorskip("graph.reference")
    cells = table_cells(annual_report)
    by_table: dict[str, list[TableCell]] = {}
    for c in cells:
        by_table.setdefault(c.table_id, []).append(c)
    table1 = next(t for t in annual_report.tables if t.locator == "Annex I, Table 1")
    assert _cell(by_table[table1.id], sex="F", year="2021").value == 1162
    annex2 = next(t for t in annual_report.tables if t.locator == "Annex II")
    afg = [c for c in by_table[annex2.id] if ("nationality", "country/AFG") in c.dimensions]
    assert [c.value for c in afg if not any(d in {"grade", "sex"} for d, _ in c.dimensions)] == [
        243
    ]
    assert [c.value for c in afg if ("sex", "F") in c.dimensions] == [52]
    annex3 = next(t for t in annual_report.tables if t.locator == "Annex III")
    grand = [
        c
        for c in by_table[annex3.id]
        if set(c.dimensions) == {("category", "Total"), ("year", "2021")}
    ]
    assert [c.value for c in grand] == [2359]
    annex4 = next(t for t in annual_report.tables if t.locator == "Annex IV")
    total = _cell(by_table[annex4.id], category="Total nationalities represented", year="2021")
    assert total.value == 143


def test_seed_prose(annual_report: Document) -> None:
    qs = extract_quantities(annual_report, [])
    assert len(qs) > 300
    assert not any(q.passage_id.startswith("annex-") and "row" in q.passage_id for q in qs)
    values = {(q.value, q.unit) for q in qs}
    assert (Decimal("3200000"), "person") in values
    assert (Decimal("2500000000"), "USD") in values
    assert (Decimal("2165"), "cubic metre") in values
    assert not any(q.value in (19, 2021) and q.unit == "count" for q in qs if "COVID" in q.surface)


# --- units, elided nouns, areas (added with tests/test_metrics_recall.py) ---------------------


def test_demonym_and_people_nouns_count_people() -> None:
    p = _para(
        "p1",
        "In 2021, more than 700,000 Afghans were displaced. The survey had almost 10,000 "
        "migrant respondents, 7,000 field enumerators and 2,003 third-party contracted staff.",
    )
    qs = extract_quantities(_doc(p), [])
    for surface in ("more than 700,000", "almost 10,000", "7,000", "2,003"):
        assert _one(qs, surface).unit == "person", surface
    assert _one(qs, "2,003").measure == "third-party contracted staff"


def test_elided_noun_after_up_from_takes_the_earlier_noun() -> None:
    p = _para("p1", "In 2021, 81 IOM offices provided expertise, up from 68 in 2020.")
    q = _one(extract_quantities(_doc(p), []), "68")
    assert (q.unit, q.year) == ("office", 2020)


def test_when_clause_takes_the_year_before_it() -> None:
    p = _para(
        "p1",
        "This is an increase compared with 2020, when the programme enabled 4,038 migrants "
        "to return.",
    )
    assert _one(extract_quantities(_doc(p), []), "4,038").year == 2020


def test_owner_phrase_gives_the_unit() -> None:
    p = _para(
        "p1", "The number of followers of regional accounts remained approximately 2 million."
    )
    q = _one(extract_quantities(_doc(p), []), "approximately 2 million")
    assert q.unit == "person"
    assert "followers" in q.measure


def test_topic_country_of_a_passage_and_worldwide() -> None:
    text = (
        "A project with the Government of Paraguay supports indigenous communities. "
        "The project benefits 218 families."
    )
    p = _para("p1", text, kind="text")
    qs = extract_quantities(_doc(p), _mentions(p, Paraguay="country/PRY"))
    assert _one(qs, "218").area_key == "country/PRY"
    aside = _para(
        "p2", "In 2021, one new Member State joined (Paraguay). There were 163 observers."
    )
    qs = extract_quantities(_doc(aside), _mentions(aside, Paraguay="country/PRY"))
    assert _one(qs, "163").area_key is None


def test_worldwide_after_the_noun_means_no_country() -> None:
    p = _para(
        "p1", "IOM accredited over 300 clinical staff worldwide from its laboratory in Kenya."
    )
    qs = extract_quantities(_doc(p), _mentions(p, Kenya="country/KEN"))
    assert _one(qs, "over 300").area_key is None


def test_currency_tables_and_percentage_columns() -> None:
    money = _table(
        header=(("Region", "2021", "2022"),),
        rows=(("Africa", "512.8", "601.5"),),
        title="Expenditure by region (USD million)",
        section=(),
    )
    staff = Table(
        id="table-2", doc_id="test-doc", title="Staff by country office", locator="Table 2",
        header=(("Country", "Staff", "Women (%)"),), rows=(("Ukraine", "1 240", "58"),),
        row_passage_ids=("table-2-row-1",),
    )  # fmt: skip
    cells = table_cells(_doc(tables=(money, staff)))
    africa = _cell(cells, category="Africa", year="2022")
    assert (africa.value, africa.unit, africa.measure) == (601500000, "USD", "expenditure")
    women = next(c for c in cells if ("column", "Women (%)") in c.dimensions)
    assert (women.value, women.unit, women.measure) == (58, "per cent", "percentage of women")
    assert ("country", "country/UKR") in women.dimensions


def test_what_an_amount_is_from_in_phrase_or_money_verb() -> None:
    p = _para(
        "para-1",
        "The Fund received USD 45.3 million in pledges since its launch. "
        "Germany contributed EUR 3,000,000 to the network.",
    )
    found = extract_quantities(_doc(p), _mentions(p, Germany="country/DEU"))
    assert _one(found, "USD 45.3 million").measure == "pledges"
    euros = _one(found, "EUR 3,000,000")
    assert (euros.value, euros.unit, euros.measure) == (Decimal(3000000), "EUR", "contributions")


def test_where_people_come_from_is_not_the_area() -> None:
    p = _para(
        "p1",
        "In the Republic of Moldova, IOM supported 120,000 refugees from Ukraine. "
        "IOM assisted 5,000 refugees from South Sudan.",
    )
    mentions = _mentions(
        p,
        Republic_of_Moldova="country/MDA",
        Ukraine="country/UKR",
        South_Sudan="country/SSD",
    )
    qs = extract_quantities(_doc(p), mentions)
    assert _one(qs, "120,000").area_key == "country/MDA"  # the place named up front
    assert _one(qs, "5,000").area_key is None  # only an origin: the place is not stated


def test_a_country_opening_a_funders_name_is_not_the_area() -> None:
    p = _para("p1", "USD 12 million came from the United States Department of State.")
    mentions = _mentions(p, the_United_States="country/USA")
    mentions += _mentions(p, United_States_Department_of_State="organization/dos")
    (q,) = extract_quantities(_doc(p), mentions)
    assert q.area_key is None


def test_fractions_are_not_counts() -> None:
    p = _para(
        "p1", "Two thirds of them were men, and one-quarter were children; 2,003 third-party staff."
    )
    qs = extract_quantities(_doc(p), [])
    assert [q.surface for q in qs] == ["2,003"]


def test_amounts_without_a_noun_take_what_the_sentence_counts() -> None:
    p = _para(
        "p1",
        "By the end of the year, 38 out of the 73 work items were completed. Of these "
        "courses, 159 were developed by IOM. Five new staff associations were created, "
        "bringing the total number to 61. IOM registered 312,450 movements along the route.",
    )
    qs = extract_quantities(_doc(p), [])
    assert _one(qs, "38").measure == "work items"
    assert _one(qs, "159").measure == "courses"
    assert _one(qs, "61").measure == _one(qs, "Five").measure != ""
    assert _one(qs, "312,450").measure == "movements"


def test_the_number_of_which_counts_the_noun_before_it() -> None:
    p = _para(
        "p1",
        "It also supported the Global Compact Champion Countries, the number of which "
        "increased to 29, in all regions.",
    )
    assert _one(extract_quantities(_doc(p), []), "29").measure == (
        "global compact champion countries"
    )


def test_from_a_year_to_an_amount_is_not_a_range_and_the_change_names_the_measure() -> None:
    p = _para(
        "p1",
        "The number of international migrants increased from 153 million in 1990 to 281 "
        "million in 2020. Staff numbers rose from 1,467 in 2017 to 2,356 in 2021. The Fund "
        "received contributions of EUR 4.2 million and CHF 1.5 million.",
    )
    qs = extract_quantities(_doc(p), [])
    early = _one(qs, "153 million")
    assert (early.value, early.value_max, early.year) == (153_000_000, None, 1990)
    assert (early.measure, early.unit) == ("international migrants", "person")
    staff = _one(qs, "1,467")
    assert (staff.year, staff.measure) == (2017, "staff numbers")
    assert (_one(qs, "2,356").value_max, _one(qs, "2,356").year) == (None, 2021)
    assert _one(qs, "CHF 1.5 million").measure == "contributions"
    p = _para("p2", "The budget was USD 2.5 billion in 2022, up from USD 2.1 billion in 2021.")
    assert _one(extract_quantities(_doc(p), []), "USD 2.1 billion").measure == "budget"


def test_table_cells_know_where_their_row_states_them() -> None:
    from graph.parse import parse_text

    text = "\n".join(
        [
            "# Staff report 2021",
            "",
            "IOM staff work in many duty stations across the world and grow every year. " * 20,
            "",
            "Nationality\tG-1\tG-2\tTotal",
            "Bangladesh\t8\t1 061\t1 069",
            "Chad\t\t6\t6",
        ]
    )
    doc = parse_text(text, "staff")
    rows = {p.id: p.text for p in doc.passages if p.kind == "table-row"}
    cells = table_cells(doc)
    assert cells
    for cell in cells:
        assert cell.start is not None, cell
        stated = rows[cell.passage_id][cell.start : cell.end]
        assert stated.replace(" ", "").endswith(str(cell.value)), (stated, cell)
    chad_g2 = next(c for c in cells if rows[c.passage_id].startswith("Chad") and c.value == 6)
    assert rows[chad_g2.passage_id][chad_g2.start : chad_g2.end] in ("G-2 6", "Total 6")


def test_a_named_subset_counts_its_own_noun() -> None:
    p = _para(
        "p1",
        "The DTM tracked 5.9 million IDPs across 25 countries, 2.1 million of them children. "
        "The centres assisted 24,877 migrants, of whom 3,105 were children.",
    )
    qs = extract_quantities(_doc(p), [])
    for surface in ("2.1 million", "3,105"):
        assert (_one(qs, surface).unit, _one(qs, surface).measure) == ("person", "children")


# --- fact sheets and comparisons (layouts of reports the seeds do not use) -----------------------


def test_a_figure_under_its_label_counts_what_the_label_says() -> None:
    """A "facts and figures" box: the parser joins the label line and the figure line
    with a colon, and the label (less "Number of") is the measure."""
    from graph.parse import parse_text

    filler = " ".join(["IOM works with governments and partners on migration."] * 30)
    doc = parse_text(
        "## Facts and figures\n\n"
        "People affected by disasters reached\n31.1 million\n\n"
        "Number of movements tracked\n97.7 million\n\n"
        "Migrants receiving safe migration information\n6.3 million\n\n"
        f"## Overview\n\n{filler}\n",
        "fact-sheet",
    )
    texts = [p.text for p in doc.passages]
    assert "Number of movements tracked: 97.7 million" in texts
    found = {q.surface: q for q in extract_quantities(doc, [])}
    assert (found["31.1 million"].measure, found["31.1 million"].unit) == (
        "people affected by disasters reached",
        "person",
    )
    assert (found["97.7 million"].measure, found["97.7 million"].unit) == (
        "movements tracked",
        "count",
    )
    assert found["6.3 million"].measure == "migrants receiving safe migration information"
    assert found["6.3 million"].unit == "person"


def test_prose_ending_on_a_number_is_no_label() -> None:
    p = _para(
        "p1", "The number of followers of regional accounts remained approximately 2 million."
    )
    q = _one(extract_quantities(_doc(p), []), "approximately 2 million")
    assert (
        "followers" in q.measure
        and q.measure != "number of followers of regional accounts remained"
    )


def test_up_from_compares_with_the_people_not_the_countries() -> None:
    p = _para(
        "p1",
        "The programme helped 63,852 migrants return home from 120 host countries in 2022, "
        "up from 49,795 in 2021.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p, year=2022), [])}
    # "return" is a verb of the migrants, not a noun: the people are the head
    assert found["63,852"].unit == "person" and found["63,852"].measure.startswith("migrants")
    assert found["120"].unit == "country"
    assert (found["49,795"].measure, found["49,795"].year) == (found["63,852"].measure, 2021)


def test_fractions_of_a_million_are_numbers() -> None:
    p = _para("p1", "IOM delivered shelter to nearly half a million people in Mozambique.")
    q = _one(extract_quantities(_doc(p), []), "nearly half a million")
    assert (q.value, q.qualifier, q.unit) == (Decimal(500000), "nearly", "person")


def test_key_figures_of_every_kind_take_their_labels() -> None:
    from graph.parse import parse_text

    filler = " ".join(["IOM works with governments and partners on migration."] * 30)
    doc = parse_text(
        "## Key figures\n\nTotal expenditure\nUSD 3.05 billion\n\nCountries with offices\n171\n\n"
        "Share of women staff\n49%\n\nStaff: 20,000+\n\n"
        f"## Overview\n\n{filler}\n",
        "key-figures",
    )
    found = {q.surface: (q.measure, q.unit) for q in extract_quantities(doc, [])}
    assert found["USD 3.05 billion"] == ("total expenditure", "USD")
    assert found["171"] == ("countries with offices", "country")  # a colon is no footnote mark
    assert found["49%"] == ("share of women staff", "per cent")
    assert found["20,000"] == ("staff", "person")


def test_a_country_in_a_later_clause_with_its_own_amount_is_not_the_area() -> None:
    p = _para(
        "p1",
        "The European Union Emergency Trust Fund for Africa funded EUR 45 million of regional "
        "projects, and the Government of Germany contributed EUR 6.5 million to the forum.",
    )
    mentions = _mentions(p, Germany="country/DEU")
    found = {q.surface: q for q in extract_quantities(_doc(p), mentions)}
    assert (found["EUR 45 million"].measure, found["EUR 45 million"].area_key) == ("funding", None)
    assert found["EUR 6.5 million"].area_key == "country/DEU"


def test_a_country_before_the_amount_still_frames_an_appositive() -> None:
    p = _para(
        "p1",
        "Remittances to Somalia reached USD 1.7 billion in 2022, equivalent to about 21 per "
        "cent of gross domestic product.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), _mentions(p, Somalia="country/SOM"))}
    assert found["about 21 per cent"].area_key == "country/SOM"
    assert found["about 21 per cent"].measure == "share of gross domestic product"


def test_a_percentage_a_ratio_rose_to_is_that_ratio() -> None:
    p = _para(
        "p1",
        "The share of identified victims who received assistance rose to 64 per cent. "
        "The cost of sending USD 200 to Kenya averaged 8.6 per cent.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), [])}
    assert found["64 per cent"].measure == "share of identified victims"
    assert found["8.6 per cent"].measure.startswith("cost of sending")


@pytest.mark.parametrize(
    "phrase",
    ["in the third quarter of 2022", "as of 31 December 2022", "in Q3 2022", "by the end of 2022"],
)
def test_parts_of_a_year_give_the_year(phrase: str) -> None:
    p = _para(
        "p1", f"In Ethiopia, 2.3 million internally displaced persons were recorded {phrase}."
    )
    q = _one(extract_quantities(_doc(p, year=2023), []), "2.3 million")
    assert q.year == 2022


def test_a_report_about_one_country_frames_its_placeless_figures() -> None:
    """The title names one country: figures whose sentence names no place are about it."""
    p = _para("p1", "An estimated 21.6 million people need humanitarian assistance in 2023.")
    doc = _doc(p)
    doc = type(doc)(**{**doc.__dict__, "title": "IOM Yemen Crisis Response Plan 2023"})
    q = _one(extract_quantities(doc, []), "An estimated 21.6 million")
    assert (q.area_key, q.unit) == ("country/YEM", "person")
    assert q.measure == "people need humanitarian assistance"


def test_people_counted_with_their_state_and_abbreviated_millions() -> None:
    p = _para(
        "p1",
        "In 2022, 4.5 million people are internally displaced. IOM reached 1.2m people with "
        "health services. The number of migrants assisted doubled, from 2,800 in 2021 to 5,600.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p, year=2022), [])}
    assert found["4.5 million"].measure == "people internally displaced"
    assert (found["1.2m"].value, found["1.2m"].unit) == (Decimal(1200000), "person")
    assert found["2,800"].year == 2021 and "migrants" in found["2,800"].measure


def test_money_for_a_purpose_under_a_requirement() -> None:
    p = _para(
        "p1",
        "IOM requires USD 170 million in 2023, of which USD 45.5 million for shelter and "
        "non-food items, USD 38 million for water, sanitation and hygiene (WASH) and USD 22.3 "
        "million for health.",
    )
    found = {q.surface: q.measure for q in extract_quantities(_doc(p), [])}
    assert found["USD 170 million"] == "requirements"
    assert found["USD 45.5 million"] == "requirements for shelter and non-food items"
    assert found["USD 38 million"] == "requirements for water, sanitation and hygiene"
    assert found["USD 22.3 million"] == "requirements for health"


def test_a_state_after_the_people_needs_them_as_its_subject() -> None:
    p = _para(
        "p1",
        "Six global webinars in three languages were held. The agreement between the two "
        "entities was extended. About 1,630 personnel were trained on data protection.",
    )
    found = {q.surface: q.measure for q in extract_quantities(_doc(p), [])}
    assert found["three"] == "languages"  # inside "in ...": not what was held
    assert found["two"] == "entities"  # "entities was": not its subject
    assert found["About 1,630"] == "personnel trained on data protection"


def test_a_comparison_after_a_comma_and_a_share_of_the_people() -> None:
    p = _para(
        "p1",
        "The number of GCM Champion Countries rose to 33, from 27 in 2022. In 2023, IOM "
        "trained 2,340 government officials from 58 countries, of whom 46 per cent were women. "
        "The programme received USD 2.5 million and contributes to Objective 6.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p, year=2023), [])}
    assert (found["27"].measure, found["27"].year) == (found["33"].measure, 2022)
    assert found["46 per cent"].measure == "share of government officials trained who were women"
    assert found["USD 2.5 million"].measure == "funding received"


def test_out_of_exceeded_and_bracketed_shares() -> None:
    p = _para(
        "p1",
        "A total of 9,870 migrants were assisted, 38 out of 52 transit centres remained "
        "operational. The number of internally displaced persons in Burkina Faso exceeded "
        "2 million. The Office received contributions totalling EUR 12.8 million, mainly from "
        "the European Union (62 per cent) and the United States (21 per cent).",
    )
    mentions = _mentions(
        p,
        Burkina_Faso="country/BFA",
        European_Union="organization/eu",
        the_United_States="country/USA",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), mentions)}
    assert (found["38"].measure, found["38"].unit) == ("transit centres", "facility")
    assert (found["2 million"].measure, found["2 million"].unit) == (
        "internally displaced persons",
        "person",
    )
    assert found["EUR 12.8 million"].area_key is None  # the countries are its sources
    assert found["62 per cent"].measure == "share of contributions"
    assert found["62 per cent"].area_key is None  # the EU's share, not the United States'
    assert found["21 per cent"].area_key == "country/USA"


def test_shares_a_subject_accounts_for_and_people_who_died_or_went_missing() -> None:
    p = _para(
        "p1",
        "Women and girls made up 28 per cent of travellers; unaccompanied children accounted "
        "for 6 per cent. At least 1,450 migrants died or went missing on the route.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), [])}
    assert found["28 per cent"].measure == "share of travellers"
    assert found["6 per cent"].measure == "share of unaccompanied children"
    assert (found["At least 1,450"].unit, found["At least 1,450"].measure) == (
        "person",
        "migrants died or went missing",
    )


def test_a_signed_change_in_a_percent_column_and_a_title_ending_on_a_comma() -> None:
    returns = Table(
        id="table-5", doc_id="test-doc", title="Migrants assisted to return, by host country, 2021-2022",
        locator="Table 5", header=(("Host country", "2022", "Change (%)"),),
        rows=(("Niger", "12 011", "14"), ("Germany", "5 862", "-16")),
        row_passage_ids=("table-5-row-1", "table-5-row-2"),
    )  # fmt: skip
    cells = table_cells(_doc(tables=(returns,)))
    counts = [c for c in cells if c.unit == "count"]
    assert {c.measure for c in counts} == {"number of migrants assisted to return"}
    changes = [c for c in cells if ("column", "Change (%)") in c.dimensions]
    assert {c.unit for c in changes} == {"per cent"}  # "-16" like "14": the header says %
    assert sorted(c.value for c in changes) == [-16, 14]


def test_a_relative_clause_after_an_amount_is_a_part_of_the_people_before() -> None:
    p = _para(
        "p1",
        "Reintegration assistance was provided to 58,200 returnees in 96 countries of origin, "
        "including 12,400 who received economic support to start a small business.",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), [])}
    assert (found["12,400"].unit, found["12,400"].measure) == (
        "person",
        "returnees who received economic support",
    )


def test_a_funders_country_and_a_regional_plans_country_are_not_the_area() -> None:
    p = _para(
        "p1",
        "The COMPASS programme, funded by the Government of the Netherlands, assisted 7,300 "
        "victims of trafficking. Under the Regional Migrant Response Plan for the Horn of "
        "Africa and Yemen, 48 partners appealed for USD 84 million.",
    )
    mentions = _mentions(
        p,
        Government_of_the_Netherlands="organization/government-of-the-netherlands",
        Netherlands="country/NLD",
        Regional_Migrant_Response_Plan_for_the_Horn_of_Africa_and_Yemen="programme/mrp",
        Yemen="country/YEM",
    )
    found = {q.surface: q for q in extract_quantities(_doc(p), mentions)}
    assert found["7,300"].area_key is None
    assert found["USD 84 million"].area_key is None
    assert found["USD 84 million"].measure == "requirements"  # "appealed for"


def test_budget_amounts_take_the_part_of_the_budget_they_state() -> None:
    p = _para(
        "p1",
        "The Administrative Part of the Budget amounts to CHF 72,500,000. The Operational Part "
        "of the Budget is estimated at USD 1.5 billion, compared with USD 1.37 billion in 2023. "
        "Discretionary income is projected at USD 180 million, of which USD 35 million will be "
        "allocated to the Fund. The number of staff will rise from 420 to 445 positions.",
    )
    found = {q.surface: q.measure for q in extract_quantities(_doc(p, year=2024), [])}
    assert found["CHF 72,500,000"] == "administrative part of the budget"
    assert found["USD 1.5 billion"] == found["USD 1.37 billion"] == "operational part of the budget"
    assert found["USD 180 million"] == found["USD 35 million"] == "discretionary income"
    assert found["420"] == "staff"
