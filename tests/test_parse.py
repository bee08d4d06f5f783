"""Parse stage: small inline reports for each messy case, bad inputs, and the two seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph import parse
from graph.config import SEEDS_DIR
from graph.errors import InputError
from graph.model import Document
from graph.parse import doc_id_for, parse_file, parse_text

ANNUAL = SEEDS_DIR / "iom-annual-report-2021.txt"
GCM = SEEDS_DIR / "iom-gcm-implementation-support-excerpt.txt"

# Enough unnumbered prose for the "looks like a report" check (80+ words).
FILLER = "\n\n".join(
    "The Agency worked with partners in many countries to improve services for people on the "
    f"move, drawing on lessons from field offices and national authorities in year {i}. "
    "Its teams trained officials, supported communities and shared data with partners so that "
    "decisions could rest on evidence, and it reported on the results achieved over the period."
    for i in range(4)
)


def report(body: str, head: str = "## BACKGROUND") -> Document:
    return parse_text(f"{head}\n\n{FILLER}\n\n{body}\n", "test-report")


def texts(doc: Document, kind: str) -> list[str]:
    return [p.text for p in doc.passages if p.kind == kind]


def section(doc: Document, title: str):
    return next(s for s in doc.sections if s.title == title)


# --- headings -------------------------------------------------------------------------------


def test_markdown_bold_and_caps_headings_get_levels_and_parents():
    doc = report(
        "## IOM OPERATIONS\n\n### ***Humanitarian response***\n\nSome text here that is long "
        "enough.\n\n**Human resources**\n\n***Staff welfare***\n\nMore text.\n\n"
        "CHAPTER II:\n\nSUPPORT IN GCM IMPLEMENTATION THROUGH PROJECTS\n\n"
        "1.3. MIGRATION MULTI-PARTNER TRUST FUND\n\nThe Fund was set up in 2019.\n"
    )
    ops = section(doc, "IOM OPERATIONS")
    humanitarian = section(doc, "Humanitarian response")
    assert (ops.level, humanitarian.level, humanitarian.parent_id) == (2, 3, ops.id)
    hr = section(doc, "Human resources")
    welfare = section(doc, "Staff welfare")
    assert welfare.parent_id == hr.id and welfare.level == hr.level + 1
    chapter = section(doc, "CHAPTER II: SUPPORT IN GCM IMPLEMENTATION THROUGH PROJECTS")
    fund = section(doc, "1.3. MIGRATION MULTI-PARTNER TRUST FUND")
    assert fund.parent_id == chapter.id and fund.level > chapter.level
    assert doc.passage(fund.id + "-heading").kind == "heading"
    assert "***" not in doc.text and "**" not in doc.text


def test_objective_title_line_is_a_heading_that_carries_its_facts():
    doc = report(
        "Objective 2: Addressing climate-induced mobility of indigenous communities in Paraguay"
        "\n\nThe project implemented by IOM in coordination with the national institute aims to "
        "prevent forced migration of indigenous communities caused by climate change.\n\n"
        "The project was designed with a\n\nIOM also supports other projects in the region.\n"
    )
    headings = texts(doc, "heading")
    assert (
        "Objective 2: Addressing climate-induced mobility of indigenous communities in Paraguay"
        in headings
    )
    # A cut-off sentence followed by a new paragraph is not mistaken for a heading.
    assert "The project was designed with a" not in headings


# --- numbered paragraphs and continuation ------------------------------------------------------


def test_numbered_paragraphs_and_continuation_across_page_break_and_footnotes():
    doc = report(
        "## INTRODUCTION\n\n"
        "1. IOM celebrated its anniversary and worked across many regions of the world in 2021.\n"
        "2. Nearly 50 interventions were made by Member States around the world, represented by "
        "Heads of State,\n\n \n\nMinisters and State Secretaries, underscoring the issue.\n\n"
        "3. IOM supported the running of 601 facilities and provided 4,390,523 primary health "
        "consultations and 424,507 antenatal consultations, and 26,352 people\n\n---\n\n"
        "<sup>1</sup> A footnote that sits at the bottom of the page.\n\n"
        "received care.<sup>1</sup> More work followed.\n\n"
        "4. A new paragraph.\n\nAn unrelated caption line\n"
    )
    p1, p2, p3 = doc.passage("para-1"), doc.passage("para-2"), doc.passage("para-3")
    assert (p1.kind, p1.number, p1.locator) == ("paragraph", 1, "paragraph 1")
    assert p2.text.endswith(
        "Heads of State, Ministers and State Secretaries, underscoring the issue."
    )
    assert p3.text.endswith("26,352 people received care. More work followed.")
    assert p3.footnote_refs == (1,)
    assert doc.passage("fn-1").text == "A footnote that sits at the bottom of the page."
    # After a finished paragraph, an upper-case paragraph is a passage of its own.
    assert "An unrelated caption line" in texts(doc, "text")
    assert [p.number for p in doc.passages if p.kind == "paragraph"] == [1, 2, 3, 4]


def test_list_item_numbers_inside_a_box_are_not_report_paragraphs():
    doc = report(
        "14. IOM co-leads the Global CCCM Cluster.\n\n#### Box 1. Steps\n\n"
        "1. First step of the list.\n\n15. IOM continued.\n"
    )
    assert [p.number for p in doc.passages if p.kind == "paragraph"] == [14, 15]
    assert doc.passage("box-1-p1").text == "1. First step of the list."  # numbering kept


# --- boxes --------------------------------------------------------------------------------------


def test_box_paragraphs_figure_headings_and_end_of_box():
    doc = report(
        "## OPERATIONS\n\n13. IOM's work continued.\n\n"
        "#### **Box 2. IOM's response to the crisis in Afghanistan**\n\n"
        "More than 700,000 Afghans were displaced in 2021.\n\n"
        "### IOM's response in Afghanistan in figures\n\n"
        "IOM also scaled up its health-related activities.\n\n"
        "14. As co-lead of the Global CCCM Cluster, IOM provided leadership.\n"
    )
    b1, b2 = doc.passage("box-2-p1"), doc.passage("box-2-p2")
    assert (b1.kind, b1.locator) == ("box", "Box 2")
    assert b2.text == "IOM also scaled up its health-related activities."
    assert b2.section[-2:] == (
        "Box 2. IOM's response to the crisis in Afghanistan",
        "IOM's response in Afghanistan in figures",
    )
    # The numbered paragraph closes the box and its figure headings.
    assert doc.passage("para-14").section == ("OPERATIONS",)


# --- footnotes and inline markers -------------------------------------------------------------


def test_footnote_styles_and_inline_markers():
    doc = report(
        "The Steering Committee¹¹ is chaired by the Director General. In Cambodia²¹ and "
        "Lesotho²², IOM helps. Over 6,376 migrants<sup>4</sup> returned, and 4,038<sup>5</sup> "
        "before. Hubs delivered 2,165m<sup>3</sup> of items and 40 m² of shelter.\n\n"
        "¹⁵ UN Network on Migration, Migration-MPTF, Regional IGAD Programme.\n\n"
        "<sup>2</sup> References to Kosovo shall be understood in the context of resolution 1244."
    )
    text = next(t for t in texts(doc, "text") if "Steering" in t)
    assert "The Steering Committee is chaired" in text
    assert "In Cambodia and Lesotho, IOM helps." in text
    assert "6,376 migrants returned, and 4,038 before." in text
    assert "2,165m³ of items and 40 m² of shelter" in text  # unit exponents stay
    refs = next(p.footnote_refs for p in doc.passages if p.text == text)
    assert refs == (11, 21, 22, 4, 5)
    fn15, fn2 = doc.passage("fn-15"), doc.passage("fn-2")
    assert (fn15.kind, fn15.number, fn15.locator) == ("footnote", 15, "footnote 15")
    assert fn15.text.startswith("UN Network on Migration")
    assert fn2.text.startswith("References to Kosovo")


def test_plain_number_after_sentence_is_a_marker_only_if_that_footnote_exists():
    doc = report(
        "The programme supports regular migration pathways. 15\n\n"
        "The total number of offices rose to 15\n\n¹⁵ Source: IOM.\n"
    )
    first = next(p for p in doc.passages if p.text.startswith("The programme"))
    assert first.text.endswith("pathways.") and first.footnote_refs == (15,)
    assert "rose to 15" in doc.text


# --- cleaning -----------------------------------------------------------------------------------


def test_ocr_broken_words_are_rejoined_conservatively():
    doc = report(
        "IOM and the IOM Wizard support Development and Diaspora work. IO M's tool, the "
        "'W izard', helps D evelopment through D iaspora Engagement. A new plan covers "
        "vitamin D deficiency and a Plan B option. I think IO M works.\n"
    )
    text = next(t for t in texts(doc, "text") if "Wizard support" in t)
    assert "IOM's tool, the 'Wizard', helps Development through Diaspora Engagement." in text
    assert "A new plan covers vitamin D deficiency and a Plan B option. I think IOM works." in text


def test_ocr_garbage_markup_and_page_artefacts_are_removed():
    doc = report(
        "$\\gamma \\gamma$\tCLUCTEDIA\tODECTIVEC\t\\circ\t\\cap\t10\t11\n"
        "2.2.\tCLUSIER II I\t(O BJECTIVES 4\t, Ö\t, 9,\t, IU\t, 11\t, 137\tA N D\tZI)\n\n"
        "Objective 3: Provision of timely information via \\hat{l}]bZcfa Uh]cb'k]bXck g "
        "\\hat{l} ']b'A YI]W \\hat{l} 35\n\n"
        "Information Hubs provide *safe* and __accurate__ information on <u>migration</u> "
        "procedures, services and [options](#) for migrants in twelve countries.\n\n"
        "The Administrative Agent in the face of the UNDP Multi-PartŽ 2\n\n"
        "A table cell keeps 1 052 and\u00a0spaces, with \\* an escaped star.\n\n"
        "³⁵ Source: IOM Mexico Country Office submission.\n"
    )
    assert "CLUCTEDIA" not in doc.text and "BJECTIVES" not in doc.text
    heading = next(p for p in doc.passages if p.text.startswith("Objective 3"))
    assert heading.kind == "heading"
    assert heading.text == "Objective 3: Provision of timely information via"
    assert heading.footnote_refs == (35,)
    assert (
        "Information Hubs provide safe and accurate information on migration procedures, "
        "services and options for migrants" in doc.text
    )
    assert "the UNDP Multi-Part\n" in doc.text + "\n"
    assert "keeps 1 052 and spaces, with * an escaped star." in doc.text


def test_dollar_amounts_are_money_not_latex():
    """A dollar sign next to a number is a currency; only LaTeX-looking tokens go."""
    doc = report(
        "The Migration Multi-Partner Trust Fund received US$ 12 million from 17 donors, "
        "$5 million in kind, US$4.5m from foundations and $ 300,000 from private donors; "
        "the programme (C$ 2 million) ran in ten countries with further partners.\n"
    )
    for money in ("US$ 12 million", "$5 million", "US$4.5m", "$ 300,000", "(C$ 2 million)"):
        assert money in doc.text, money


# --- tables ---------------------------------------------------------------------------------------

ANNEX_TABLES = (
    "## Annex I\n\n### Statistics relating to staff\n\n"
    "**Table 1. Number of men and women (2017–2021)**\n\n"
    "\t2017\t2018\nMen\t788\t1 061\nWomen\t679\t945\n<b>Total</b>\t<b>1 467</b>\t<b>2 006</b>\n\n"
    "**Annex II**  \n**General Service staff by nationality, grade and sex**\n\n"
    "Country of nationality: Member States\tCategory/Grade\t\tTotal\tSex\t\n"
    "\tG-1\tG-2\t\tF\tM\n"
    "Afghanistan\t\t11\t11\t5\t6\n"
    "Albania\t1\t\t1\t1\t\n\n"
    "<sup>7</sup> A footnote at the page bottom.\n\n"
    "Country of nationality: Member States\tCategory/Grade\t\tTotal\tSex\t\n"
    "\tG-1\tG-2\t\tF\tM\n"
    "Zimbabwe\t2\t\t2\t\t2\n"
    "Country of nationality: observer States and other\tCategory/Grade\t\tTotal\tSex\t\n"
    "\tG-1\tG-2\t\tF\tM\n"
    "Other\t\t3\t3\t1\t2\n"
    "<b>Total</b>\t<b>3</b>\t<b>14</b>\t<b>17</b>\t<b>7</b>\t<b>10</b>\n\n"
    "G: General Service; NO: National Officer; UG: Ungraded positions.\n"
)


def test_annex_tables_captions_repeated_and_multi_row_headers():
    doc = report(ANNEX_TABLES)
    t1, t2 = doc.tables
    assert (t1.id, t1.locator, t1.title) == (
        "annex-1-table-1",
        "Annex I, Table 1",
        "Number of men and women (2017–2021)",
    )
    assert t1.header == (("", "2017", "2018"),)
    assert t1.rows[-1] == ("Total", "1 467", "2 006")  # <b> stripped, "1 467" kept as text
    assert (t2.id, t2.locator) == ("annex-2", "Annex II")
    assert t2.title == "General Service staff by nationality, grade and sex"
    assert t2.header == (
        ("Country of nationality: Member States", "Category/Grade", "", "Total", "Sex", ""),
        ("", "G-1", "G-2", "", "F", "M"),
    )
    assert [r[0] for r in t2.rows] == ["Afghanistan", "Albania", "Zimbabwe", "Other", "Total"]
    assert t2.rows[1] == ("Albania", "1", "", "1", "1", "")  # empty cells keep columns aligned
    assert "G: General Service; NO: National Officer; UG: Ungraded positions." in t2.notes
    assert any("observer States" in n and "Other" in n for n in t2.notes)
    row = doc.passage(t2.row_passage_ids[0])
    assert row.kind == "table-row"
    assert row.text == "Afghanistan: G-2 11; Total 11; F 5; M 6"
    assert row.locator == "Annex II, row Afghanistan"
    assert doc.passage(t1.row_passage_ids[0]).text == "Men: 2017 788; 2018 1 061"
    assert doc.passage("fn-7").kind == "footnote"


def test_acronym_list_and_table_of_contents():
    doc = report(
        "## TABLE OF CONTENTS\n\nACRONYMS.....\tiii\nFOREWORD .....\tiv\n"
        "Box 1. IOM global report on operations.....\t2\n\n**ANNEXES**\n\n"
        "Annex I\u00a0\u00a0 Statistics relating to IOM staff\n\n"
        "## ACRONYMS\n\nDTM\tDisplacement Tracking Matrix\nILO\tInternational Labour Organization\n\n"
        "## FOREWORD\n\n2021 began with hope for the vaccines.\n",
        head="**ANNUAL REPORT FOR 2021**\n\n## BACKGROUND",
    )
    assert ("DTM", "Displacement Tracking Matrix") in doc.acronyms
    assert doc.tables == ()
    assert "ACRONYMS....." not in doc.text and "Box 1. IOM global report" not in doc.text
    assert "Statistics relating to IOM staff" not in doc.text
    assert doc.passage("acronym-dtm").text == "DTM: Displacement Tracking Matrix"
    assert (doc.title, doc.year) == ("Annual Report for 2021", 2021)


def test_publisher_from_dominant_acronym_spelled_out_in_the_text():
    body = " ".join(
        f"ACME ran project {i} with partners and ACME reported on it." for i in range(8)
    )
    doc = report("The Agency for Coastal Management (ACME) works on coasts. " + body)
    assert doc.publisher == "Agency for Coastal Management"


# --- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
        ("Caf\u00e9 report text ".encode("latin-1") * 50, "not valid UTF-8"),
        (b"Too short to be a report.\n", "does not look like a report"),
        (b"A\tB\tC\n1\t2\t3\n4\t5\t6\n" * 100, "does not look like a report"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        parse_file(path)
    assert reason in err.value.reason
    assert str(path) in str(err.value)


def test_missing_file_directory_and_oversized_file(tmp_path: Path, monkeypatch):
    with pytest.raises(InputError, match="not found"):
        parse_file(tmp_path / "absent.txt")
    with pytest.raises(InputError, match="directory"):
        parse_file(tmp_path)
    big = tmp_path / "big.txt"
    big.write_text(FILLER * 3, encoding="utf-8")
    monkeypatch.setattr(parse, "MAX_BYTES", 100)
    with pytest.raises(InputError, match="limit"):
        parse_file(big)


def test_utf8_bom_utf16_and_crlf_are_decoded(tmp_path: Path):
    text = f"## BACKGROUND\n\n{FILLER}\n"
    for name, data in (
        ("bom8.txt", text.encode("utf-8-sig")),
        ("u16.txt", text.encode("utf-16")),
        ("crlf.txt", text.replace("\n", "\r\n").encode("utf-8")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        doc = parse_file(path)
        assert doc.passages[0].text == "BACKGROUND"
        assert not doc.text.startswith("\ufeff") and "\r" not in doc.text


def test_doc_id_is_a_slug_of_the_stem():
    assert doc_id_for("/x/IOM Annual_Report 2021.txt") == "iom-annual-report-2021"
    assert re.fullmatch(r"[a-z0-9-]+", doc_id_for("Ünïcode file.md"))


# --- the seeds ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annual() -> Document:
    return parse_file(ANNUAL)


@pytest.fixture(scope="module")
def gcm() -> Document:
    return parse_file(GCM)


def test_annual_report_metadata(annual: Document):
    assert annual.id == "iom-annual-report-2021"
    assert annual.title == "Annual Report for 2021"
    assert annual.year == 2021
    assert annual.publisher == "International Organization for Migration"


def test_annual_report_paragraphs_1_to_164_each_once(annual: Document):
    numbers = [p.number for p in annual.passages if p.kind == "paragraph"]
    assert numbers == list(range(1, 165))
    # paragraph 9 continues after a page break whose first line starts upper-case
    assert annual.passage("para-9").text.endswith("centrality of this issue for IOM.")
    assert annual.passage("para-56").footnote_refs == (4, 5)


def test_annual_report_boxes_and_footnotes(annual: Document):
    boxes = {int(p.id.split("-")[1]) for p in annual.passages if p.kind == "box"}
    assert boxes == set(range(1, 18))
    assert annual.passage("box-2-p1").locator == "Box 2"
    footnotes = [p.number for p in annual.passages if p.kind == "footnote"]
    assert footnotes == list(range(1, 10))


def test_annual_report_annex_tables(annual: Document):
    tables = {t.id: t for t in annual.tables}
    # Rows counted in the file: Table 1: Men, Women, Total, Percentage; Annex II/III: one
    # row per nationality listed (incl. observer States), plus "Other" and "Total".
    expected = {
        "annex-1-table-1": 4,
        "annex-1-table-2": 7,
        "annex-1-table-3": 5,
        "annex-1-table-4": 4,
        "annex-2": 189,
        "annex-3": 188,
        "annex-4": 5,
    }
    assert {k: len(t.rows) for k, t in tables.items()} == expected
    annex2 = tables["annex-2"]
    assert annex2.locator == "Annex II" and len(annex2.header) == 2
    assert {len(r) for r in annex2.rows} == {19}
    assert annex2.rows[-2][0] == "Other" and annex2.rows[-1][0] == "Total"
    assert annex2.rows[-1][16] == "15 405"
    greece = next(r for r in annex2.rows if r[0] == "Greece")
    assert greece[16] == "1 052"
    assert tables["annex-1-table-1"].locator == "Annex I, Table 1"
    row_ids = [i for t in annual.tables for i in t.row_passage_ids]
    assert len(row_ids) == sum(expected.values()) == len(set(row_ids))


def test_annual_report_acronyms_and_no_toc_passages(annual: Document):
    assert ("DTM", "Displacement Tracking Matrix") in annual.acronyms
    assert not any("....." in p.text for p in annual.passages)


def test_gcm_excerpt_footnotes_and_objective_headings(gcm: Document):
    footnotes = {p.number for p in gcm.passages if p.kind == "footnote"}
    assert {15, 20, 34, 35} <= footnotes
    headings = [p.text for p in gcm.passages if p.kind == "heading"]
    objective_headings = [h for h in headings if re.match(r"Objectives? \d+", h)]
    assert len(objective_headings) == 4
    assert "IO M" not in gcm.text and "W izard" not in gcm.text and "\\hat" not in gcm.text


@pytest.mark.parametrize("path", [ANNUAL, GCM], ids=["annual", "gcm"])
def test_seed_offsets_ids_and_determinism(path: Path):
    doc = parse_file(path)
    for p in doc.passages:
        assert doc.text[p.start : p.end] == p.text
    ids = [p.id for p in doc.passages]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)
    assert len({s.id for s in doc.sections}) == len(doc.sections)
    assert parse_file(path) == doc


# --- layouts of other PDF-to-text converters ------------------------------------------------


def test_acronym_lines_with_dash_colon_or_spaces() -> None:
    doc = report(
        "## ABBREVIATIONS AND ACRONYMS\n\nCCCM – Camp Coordination and Camp Management\n"
        "IDP: internally displaced person\nMGI    Migration Governance Indicators\n\n"
        "## INTRODUCTION\n\nThe report starts here and says what it covers in some detail."
    )
    assert dict(doc.acronyms) == {
        "CCCM": "Camp Coordination and Camp Management",
        "IDP": "internally displaced person",
        "MGI": "Migration Governance Indicators",
    }


def test_markdown_footnotes() -> None:
    doc = report(
        "1. The Compact was adopted in 2018.[^3] It has 23 objectives.\n\n"
        "[^3]: General Assembly resolution 73/195."
    )
    para = doc.passage("para-1")
    assert para.text == "The Compact was adopted in 2018. It has 23 objectives."
    assert para.footnote_refs == (3,)
    assert doc.passage("fn-3").text == "General Assembly resolution 73/195."


def test_plain_number_footnotes_need_a_glued_marker() -> None:
    doc = report(
        "The Network met in Geneva with member States.4 It agreed a plan.\n\n"
        "4 See the report of the meeting.\n\n"
        "12 000 migrants returned home in the year, most of them from Libya and the Niger."
    )
    assert doc.passage("fn-4").text == "See the report of the meeting."
    assert "12 000 migrants returned home" in " ".join(texts(doc, "text"))
    assert not any(p.id == "fn-12" for p in doc.passages)


def test_running_page_headers_are_dropped_and_paragraphs_continue() -> None:
    doc = report(
        "COUNCIL 114th SESSION   Page 7\n\n1. The Organization supported States in their "
        "work on the\n\nCOUNCIL 114th SESSION   Page 8\n\nimplementation of the Compact."
    )
    assert "Page" not in doc.text
    assert doc.passage("para-1").text.endswith(
        "in their work on the implementation of the Compact."
    )


def test_numbered_chapter_headings_and_dotted_paragraphs() -> None:
    doc = report(
        "1. INTRODUCTION\n\n1.1. This report describes the support given to States during the "
        "year under review.\n\n1.2. The Fund received new pledges from several donors during "
        "the year.\n\n2. SUPPORT TO STATES\n\n2.1. NATIONAL PLANS\n\nPlain text follows here."
    )
    assert "1. INTRODUCTION" in texts(doc, "heading")
    p = doc.passage("para-1-2")
    assert (p.kind, p.locator, p.section[-1]) == ("paragraph", "paragraph 1.2", "1. INTRODUCTION")
    assert section(doc, "2.1. NATIONAL PLANS").parent_id == section(doc, "2. SUPPORT TO STATES").id


def test_line_end_hyphens() -> None:
    doc = parse_text(
        "## BACKGROUND\n\n" + FILLER + "\n\nIOM works on migra-\ntion with partners on "
        "reinte-\ngration of returnees, in low- and middle-income countries, and on short-\n"
        "term migration plans; short-term plans matter.\n",
        "test-report",
    )
    body = " ".join(texts(doc, "text"))
    assert "works on migration with partners on reintegration of returnees" in body
    assert "in low- and middle-income countries" in body
    # a compound the report writes with a hyphen elsewhere keeps it
    assert "on short-term migration plans" in body


def test_plain_text_title_lines_and_caption_lines() -> None:
    body = (
        "Annual Review 2022\r\n\r\nPrepared by the Agency\r\n\r\nIntroduction\r\n\r\n"
        + FILLER.replace("\n", "\r\n")
        + "\r\n\r\nTable 1. Expenditure by region (USD million)\r\n\r\n"
        "Region\t2021\t2022\r\nAfrica\t1.0\t2.0\r\nEurope\t3.0\t4.0\r\n"
    )
    doc = parse_text(body, "annual-review")
    assert texts(doc, "heading") == ["Annual Review 2022", "Prepared by the Agency", "Introduction"]
    assert doc.title == "Annual Review 2022"
    (table,) = doc.tables
    assert (table.title, table.locator) == ("Expenditure by region (USD million)", "Table 1")


def test_markdown_pipe_and_html_tables_are_tables() -> None:
    text = "\n".join(
        [
            "# Report 2023",
            "",
            "International Organization for Migration",
            "",
            "IOM works with many partners in many countries and regions of the world every year. "
            * 15,
            "",
            "| Country | IDPs | Year |",
            "|:--------|-----:|------|",
            "| Ethiopia | 3,502,000 | 2023 |",
            "| Somalia | 2,970,000 | 2023 |",
            "",
            "Table 1. Displaced persons by country",
            "",
            "<table>",
            "<tr><th>Region</th><th>Staff</th></tr>",
            "<tr><td>Africa</td><td>1,200</td></tr>",
            "<tr><td>Asia</td><td>900</td></tr>",
            "</table>",
        ]
    )
    doc = parse_text(text, "tables")
    pipe, html = doc.tables
    assert pipe.title == "Displaced persons by country"  # the caption under the table
    assert [r[0] for r in pipe.rows] == ["Ethiopia", "Somalia"]
    assert list(pipe.header[0][:2]) == ["Country", "IDPs"]
    assert [r[1] for r in html.rows] == ["1,200", "900"]
    assert not any("---" in p.text or "<t" in p.text for p in doc.passages)
