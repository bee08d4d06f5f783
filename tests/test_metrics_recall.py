"""Recall of prose metrics against facts read by hand from both seed reports.

``tests/data/metric_facts.csv`` holds one row per stated quantity (value, unit, year, area,
qualifier, what is measured), written by reading the reports, never by running the code.
Each fact is looked up in the built graph through SPARQL: the value and the passage locator
must match (recall); year, unit, qualifier and area are compared and reported.

Run on its own (prints the misses):  .venv/bin/pytest -m slow tests/test_metrics_recall.py -s
Or score an existing store:  .venv/bin/python -m tests.test_metrics_recall /tmp/h10/store
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from graph import store
from graph.namespaces import vocab

FACTS = Path(__file__).parent / "data" / "metric_facts.csv"

# Thresholds reached honestly on the two seed reports (see the lead's report for the numbers).
MIN_VALUE_RECALL = 0.99  # reached: 100% (328/328)
MIN_AGREEMENT = 0.93  # year, unit and area each; reached: 99.4%, 97.3%, 96.0%
MIN_QUALIFIER_AGREEMENT = 0.95  # reached: 100%


@dataclass(frozen=True)
class Fact:
    doc_id: str
    locator: str
    value: Decimal
    value_max: Decimal | None
    qualifier: str
    unit: str
    year: int | None
    area: str  # ISO3 or "" for the world
    measure: str


@dataclass(frozen=True)
class Observed:
    doc_id: str
    locator: str
    value: Decimal
    value_max: Decimal | None
    qualifier: str
    unit: str
    year: int | None
    area: str
    measure: str


def load_facts(path: Path = FACTS) -> list[Fact]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Fact(
                doc_id=r["doc_id"],
                locator=r["locator"],
                value=Decimal(r["value"]),
                value_max=Decimal(r["value_max"]) if r["value_max"] else None,
                qualifier=r["qualifier"],
                unit=r["unit"],
                year=int(r["year"]) if r["year"] else None,
                area=r["area"],
                measure=r["measure"],
            )
            for r in csv.DictReader(f)
        ]


_QUERY = """
SELECT ?passage ?loc ?value ?max ?qual ?unit ?year ?area ?measure WHERE {
  ?obs ont:quote ?quote ;
       sdmx-measure:obsValue ?value ;
       prov:wasDerivedFrom ?passage ;
       sdmx-attribute:unitMeasure/rdfs:label ?unit ;
       ont:measure/rdfs:label ?measure ;
       sdmx-dimension:refArea ?area .
  ?passage ont:locator ?loc .
  OPTIONAL { ?obs ont:valueMax ?max }
  OPTIONAL { ?obs ont:qualifier ?qual }
  OPTIONAL { ?obs ont:year ?year }
}"""


def observations(location: str, base: str | None = None) -> list[Observed]:
    """Every prose observation of the store (table cells carry no ont:quote)."""
    v = vocab(base) if base else vocab()
    rows = store.EmbeddedStore(location).select(v.sparql_prolog() + _QUERY)

    def text(term) -> str:
        return term.value if term is not None else ""

    out = []
    for r in rows:
        doc = re.search(r"/document/([^/]+)/passage/", text(r["passage"]))
        area = text(r["area"])
        country = re.search(r"/country/([A-Z]{3})$", area)
        out.append(
            Observed(
                doc_id=doc.group(1) if doc else "",
                locator=text(r["loc"]),
                value=Decimal(text(r["value"])),
                value_max=Decimal(text(r.get("max"))) if r.get("max") is not None else None,
                qualifier=text(r.get("qual")),
                unit=text(r["unit"]),
                year=int(text(r.get("year"))) if r.get("year") is not None else None,
                area=country.group(1) if country else "",
                measure=text(r["measure"]),
            )
        )
    return out


_FIELDS = ("year", "unit", "area", "qualifier", "value_max")


def _agrees(fact: Fact, obs: Observed, name: str) -> bool:
    if name == "year" and fact.year is None:
        return True  # the report states no period for this fact
    return getattr(fact, name) == getattr(obs, name)


@dataclass
class Score:
    facts: int
    found: int
    agree: dict[str, int]
    misses: list[Fact]
    disagreements: list[tuple[Fact, Observed, list[str]]]
    measure_overlap: int

    def rate(self, name: str) -> float:
        return self.agree[name] / self.found if self.found else 0.0

    def report(self) -> str:
        lines = [
            f"value recall: {self.found}/{self.facts} = {self.found / self.facts:.1%}",
            *(f"{n} agreement: {self.agree[n]}/{self.found} = {self.rate(n):.1%}" for n in _FIELDS),
            f"measure shares a content word: {self.measure_overlap}/{self.found}"
            f" = {self.measure_overlap / max(1, self.found):.1%}",
            "--- missed (value + locator not found):",
            *(f"  {f.doc_id[:12]} | {f.locator} | {f.value} | {f.measure}" for f in self.misses),
            "--- found, fields disagree (expected -> observed):",
        ]
        for f, o, bad in self.disagreements:
            diffs = ", ".join(f"{n}: {getattr(f, n)!r}->{getattr(o, n)!r}" for n in bad)
            lines.append(f"  {f.locator} | {f.value} | {diffs} | measure {o.measure!r}")
        return "\n".join(lines)


_STOPWORDS = frozenset(
    [
        "of",
        "in",
        "to",
        "by",
        "the",
        "a",
        "an",
        "and",
        "with",
        "for",
        "on",
        "from",
        "at",
        "as",
        "per",
    ]
)


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9-]+", text.lower())
    return {w.rstrip("s") for w in words if w not in _STOPWORDS}


def score(facts: Iterable[Fact], observed: list[Observed]) -> Score:
    by_key: dict[tuple[str, str, Decimal], list[Observed]] = {}
    for o in observed:
        by_key.setdefault((o.doc_id, o.locator, o.value), []).append(o)
    facts = list(facts)
    result = Score(len(facts), 0, dict.fromkeys(_FIELDS, 0), [], [], 0)
    for f in facts:
        candidates = by_key.get((f.doc_id, f.locator, f.value), [])
        if not candidates:
            result.misses.append(f)
            continue
        result.found += 1
        # The same value twice in one passage: judge the reading that fits best.
        best = max(candidates, key=lambda o: sum(_agrees(f, o, n) for n in _FIELDS))
        bad = [n for n in _FIELDS if not _agrees(f, best, n)]
        for n in _FIELDS:
            result.agree[n] += n not in bad
        if bad:
            result.disagreements.append((f, best, bad))
        if _content_words(f.measure) & _content_words(best.measure):
            result.measure_overlap += 1
    return result


@pytest.mark.slow
def test_metric_facts_are_in_the_graph(built_store):
    location, base = built_store
    facts = load_facts()
    assert len(facts) >= 150
    result = score(facts, observations(location, base))
    print("\n" + result.report())
    assert result.found / result.facts >= MIN_VALUE_RECALL
    for name in ("year", "unit", "area"):
        assert result.rate(name) >= MIN_AGREEMENT, name
    assert result.rate("qualifier") >= MIN_QUALIFIER_AGREEMENT


def test_facts_file_is_well_formed():
    facts = load_facts()
    assert len(facts) >= 150
    assert {f.doc_id for f in facts} == {
        "iom-annual-report-2021",
        "iom-gcm-implementation-support-excerpt",
    }
    for f in facts:
        assert f.area == "" or re.fullmatch(r"[A-Z]{3}", f.area), f
        assert f.value_max is None or f.value_max > f.value, f
        assert f.measure.strip(), f


if __name__ == "__main__":  # score an already built store without pytest
    print(score(load_facts(), observations(sys.argv[1])).report())
