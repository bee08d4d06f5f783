"""Every example query in queries/ runs on the built seeds and answers its question as the
reports do.  Expected values are read from the reports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from graph import store
from graph.config import QUERIES_DIR

pytestmark = pytest.mark.slow

QUERY_FILES = sorted(QUERIES_DIR.glob("*.rq"))


@pytest.fixture(scope="module")
def run(built_store):
    location, base = built_store
    es = store.EmbeddedStore(location)

    def run_query(name: str) -> list[dict[str, str]]:
        result = es.query((QUERIES_DIR / name).read_text(encoding="utf-8"), base_iri=base)
        names = [v.value for v in result.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in result]

    return run_query


def values(rows: list[dict[str, str]], column: str) -> set[Decimal]:
    return {Decimal(r[column]) for r in rows if column in r}


def test_there_are_at_least_15_queries_each_stating_its_question():
    assert len(QUERY_FILES) >= 15
    for path in QUERY_FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and first.endswith(("?", ")")), path.name


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_runs_and_answers(run, path: Path):
    rows = run(path.name)
    assert rows, f"{path.name} returned nothing"
    assert len({tuple(sorted(r.items())) for r in rows}) == len(rows), "duplicate rows"


def test_wash(run):
    rows = run("01-wash-people-and-countries.rq")
    people = {Decimal(r["value"]) for r in rows if r["unit"] == "person"}
    countries = {Decimal(r["value"]) for r in rows if r["unit"] == "country"}
    assert Decimal(13_300_000) in people  # paragraph 16: support to 13.3 million people
    assert Decimal(62) in countries  # paragraph 16: WASH operations in 62 countries


def test_top_general_service_nationalities(run):
    rows = run("02-top-nationalities-general-service.rq")
    top = [(r["name"], Decimal(r["staff"])) for r in rows[:5]]
    # Annex II, column Total
    assert top[0] == ("Greece", 1052)
    assert top[1] == ("Ethiopia", 966)
    assert top[2] == ("Philippines", 603)
    assert top[3] == ("Bangladesh", 581)
    assert top[4][1] == 494  # Turkey / Türkiye


def test_objective_2_projects(run):
    rows = run("03-projects-for-objective-2.rq")
    paraguay = [r for r in rows if "Paraguay" in r["label"]]
    assert paraguay and "Paraguay" in paraguay[0].get("countries", "")
    assert any("IGAD Region" in r["label"] for r in rows)


def test_afghanistan(run):
    rows = run("04-afghanistan-metrics.rq")
    found = values(rows, "value")
    assert {Decimal(700_000), Decimal(5_500_000), Decimal(600_000)} <= found  # Box 2


def test_co_leads(run):
    rows = run("05-iom-co-leads-with.rq")
    partners = {r["partnerName"] for r in rows}
    assert "International Labour Organization" in partners  # GCM report, Chapter II
    assert "Intergovernmental Authority on Development" in partners


def test_professional_staff_by_sex(run):
    rows = {
        (int(r["year"]), r["sex"]): Decimal(r["staff"])
        for r in run("06-professional-staff-by-sex.rq")
    }
    # Annex I, Table 1
    assert rows[(2017, "men")] == 788
    assert rows[(2017, "women")] == 679
    assert rows[(2019, "men")] == 1061
    assert rows[(2021, "women")] == 1162


def test_objectives_by_cluster(run):
    rows = run("07-gcm-objectives-by-cluster.rq")
    assert len(rows) == 23
    cluster_two = sorted(int(r["number"]) for r in rows if r["cluster"] == "II")
    assert cluster_two == [4, 8, 9, 10, 11, 13, 14, 21]  # A/RES/73/326, as cited by the GCM report


def test_programmes_per_objective(run):
    rows = {int(r["number"]): int(r["programmes"]) for r in run("08-programmes-per-objective.rq")}
    assert rows.get(2, 0) >= 2 and rows.get(9, 0) >= 1 and rows.get(10, 0) >= 1


def test_most_mentioned_country(run):
    assert run("09-most-mentioned-countries.rq")[0]["name"] == "Afghanistan"


def test_organizations_in_annual_report(run):
    rows = run("10-organizations-in-annual-report.rq")
    assert rows[0]["name"] == "International Organization for Migration"
    names = {r["name"] for r in rows}
    assert {"International Labour Organization", "World Health Organization"} <= names


def test_funding(run):
    rows = run("11-funding.rq")
    assert any(
        "Paraguay" in r["fundedName"] and r["funderName"] == "IOM Development Fund" for r in rows
    )


def test_money(run):
    found = values(run("12-money.rq"), "value")
    assert Decimal(16_015_779) in found  # Box 12
    assert Decimal(2_500_000_000) in found  # Introduction / Foreword


def test_women_by_grade(run):
    rows = {
        (r["grade"], int(r["year"])): Decimal(r["percentWomen"])
        for r in run("13-women-by-grade.rq")
    }
    # Annex I, Table 2
    assert rows[("P-4", 2021)] == 47
    assert rows[("P-1", 2020)] == 37
    ungraded = rows.get(("UG", 2019), rows.get(("Ungraded", 2019)))  # the table says "Ungraded"
    assert ungraded == 52


def test_provenance_of_a_number(run):
    rows = run("14-provenance-of-a-number.rq")
    assert rows[0]["locator"] == "paragraph 14"
    assert "3.2 million" in rows[0]["text"]


def test_metrics_per_document(run):
    documents = {r["document"] for r in run("15-metrics-per-document-and-unit.rq")}
    assert len(documents) == 2


def test_relations(run):
    rows = run("16-relations-with-evidence.rq")
    assert any(
        r["subjectName"] == "International Organization for Migration"
        and r["relation"] == "chairs"
        and "Migration Multi-Partner Trust Fund" in r["objectName"]
        for r in rows
    )


def test_south_sudan(run):
    rows = run("17-programmes-in-south-sudan.rq")
    bmm = [r for r in rows if r["label"] == "Better Migration Management Programme"]
    assert bmm and set(bmm[0]["objectives"].split(", ")) >= {"9", "10"}


def test_nationalities_represented(run):
    rows = run("18-nationalities-represented.rq")
    by = {(int(r["year"]), r.get("category", "")): Decimal(r["value"]) for r in rows}
    # Annex IV
    assert by[(2021, "Total nationalities represented")] == 143
    assert by[(2017, "Number of Member States")] == 169
    assert by[(2021, "Percentage of Member States represented")] == 77
