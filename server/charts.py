"""Server-side SVG charts built from the graph's statistical observations.

Why SVG on the server: charts must work without JavaScript and be accessible, so each chart
is an inline ``<svg role="img">`` with ``<title>``/``<desc>``, labelled axes and a data
table fallback in the page.  The data is found generically by the observations'
dimensions (sex x year, nationality, reference area), never by hard-coded IRIs, so a new
report with the same kind of tables gets the same charts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from markupsafe import Markup, escape

from graph.namespaces import Vocab
from server.search import iri_ref

PALETTE = ("#1f5f99", "#d9822b", "#3c8d5a", "#8e44ad", "#c0392b", "#7f8c8d")
# SDMX code list for sex (public reference: SDMX cross-domain code list CL_SEX).
SDMX_SEX = {"F": "Women", "M": "Men", "T": "Total", "_T": "Total", "U": "Unknown"}
_PERCENT = re.compile(r"per\s*cent|percent|percentage|%", re.IGNORECASE)


@dataclass
class Chart:
    """Data of one chart: categories on one axis, one or more series of values."""

    slug: str
    title: str
    description: str
    categories: list[str]
    series: dict[str, list[float]]  # series name -> one value per category
    x_label: str
    y_label: str
    kind: str = "columns"  # columns (grouped, vertical) | bars (horizontal)
    links: list[str | None] = field(default_factory=list)  # per category, for bars

    def svg(self, href=None) -> Markup:
        """The chart as inline SVG; ``href`` maps a category's IRI to a link (bar charts)."""
        return render_bars(self, href) if self.kind == "bars" else render_columns(self)


def _value(term) -> str:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else str(term)


def _number(term) -> float:
    try:
        return float(_value(term))
    except ValueError:
        return 0.0


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def sex_label(term, label: str | None) -> str:
    if label:
        return label
    code = _local(_value(term))
    code = code.split("-", 1)[1] if code.lower().startswith("sex-") else code
    return SDMX_SEX.get(code.upper(), code)


def _is_percentage(unit: str | None, unit_label: str | None, measure_label: str | None) -> bool:
    return any(t and _PERCENT.search(t) for t in (unit_label, measure_label, unit and _local(unit)))


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:,.1f}"


# --- data ------------------------------------------------------------------------------


def sex_by_year_charts(store, vocab: Vocab) -> list[Chart]:
    """One grouped-column chart per data set holding counts by sex and year (no other
    breakdown): e.g. staff at the Professional level 2017-2021 by sex."""
    rows = store.select(
        vocab.sparql_prolog()
        + """
SELECT ?ds ?dsLabel ?year ?sex ?sexLabel ?value ?unit ?unitLabel ?measureLabel WHERE {
  ?o a qb:Observation ; qb:dataSet ?ds ; sdmx-dimension:sex ?sex ; ont:year ?year ;
     sdmx-measure:obsValue ?value .
  FILTER NOT EXISTS { ?o ont:grade ?grade }
  FILTER NOT EXISTS { ?o ont:nationality ?nationality }
  FILTER NOT EXISTS { ?o ont:staffCategory ?category }
  OPTIONAL { ?ds rdfs:label ?dsLabel }
  OPTIONAL { ?sex rdfs:label ?sexLabel }
  OPTIONAL { ?o sdmx-attribute:unitMeasure ?unit OPTIONAL { ?unit rdfs:label ?unitLabel } }
  OPTIONAL { ?o ont:measure/rdfs:label ?measureLabel }
}"""
    )
    grouped: dict[str, dict] = {}
    for r in rows:
        unit = _value(r["unit"]) if "unit" in r else None
        if _is_percentage(
            unit,
            r.get("unitLabel") and _value(r["unitLabel"]),
            r.get("measureLabel") and _value(r["measureLabel"]),
        ):
            continue
        ds = _value(r["ds"])
        g = grouped.setdefault(
            ds, {"label": _value(r["dsLabel"]) if "dsLabel" in r else _local(ds), "cells": {}}
        )
        sex = sex_label(r["sex"], _value(r["sexLabel"]) if "sexLabel" in r else None)
        g["cells"][(int(_number(r["year"])), sex)] = _number(r["value"])
    charts = []
    for ds, g in sorted(grouped.items(), key=lambda kv: kv[1]["label"]):
        years = sorted({y for y, _ in g["cells"]})
        if len(years) < 2:
            continue  # a single year is a table, not a trend
        sexes = sorted({s for _, s in g["cells"]})
        series = {s: [g["cells"].get((y, s), 0.0) for y in years] for s in sexes}
        charts.append(
            Chart(
                slug="sex-year-" + _local(ds),
                # table titles usually state the period already
                title=g["label"]
                if str(years[0]) in g["label"]
                else f"{g['label']}, {years[0]}–{years[-1]}",
                description=(
                    f"Grouped columns, one group per year from {years[0]} to {years[-1]}, one column per "
                    f"sex ({', '.join(sexes)}). Source: data set {g['label']}."
                ),
                categories=[str(y) for y in years],
                series=series,
                x_label="Year",
                y_label="Number",
            )
        )
    return charts


def nationality_charts(store, vocab: Vocab, top: int = 15) -> list[Chart]:
    """Top nationalities per data set with a nationality dimension (e.g. General Service
    staff by nationality).  Uses the total cells of a row when the table has them (no sex and
    no grade), else sums the cells by sex, else the cells by grade."""
    rows = store.select(
        vocab.sparql_prolog()
        + """
SELECT ?ds ?dsLabel ?nat ?natLabel ?value ?sex ?grade ?unit ?unitLabel WHERE {
  ?o a qb:Observation ; qb:dataSet ?ds ; ont:nationality ?nat ; sdmx-measure:obsValue ?value .
  OPTIONAL { ?o sdmx-dimension:sex ?sex }
  OPTIONAL { ?o ont:grade ?grade }
  OPTIONAL { ?ds rdfs:label ?dsLabel }
  OPTIONAL { ?nat rdfs:label ?natLabel }
  OPTIONAL { ?o sdmx-attribute:unitMeasure ?unit OPTIONAL { ?unit rdfs:label ?unitLabel } }
}"""
    )
    per_ds: dict[str, dict] = {}
    for r in rows:
        unit = _value(r["unit"]) if "unit" in r else None
        if _is_percentage(unit, r.get("unitLabel") and _value(r["unitLabel"]), None):
            continue
        ds = _value(r["ds"])
        d = per_ds.setdefault(
            ds,
            {
                "label": _value(r["dsLabel"]) if "dsLabel" in r else _local(ds),
                "total": defaultdict(float),
                "sex": defaultdict(float),
                "grade": defaultdict(float),
                "names": {},
            },
        )
        nat = _value(r["nat"])
        d["names"][nat] = _value(r["natLabel"]) if "natLabel" in r else _local(nat)
        value = _number(r["value"])
        if "sex" not in r and "grade" not in r:
            d["total"][nat] = max(d["total"][nat], value)
        elif "sex" in r and "grade" not in r:
            d["sex"][nat] += value
        elif "grade" in r and "sex" not in r:
            d["grade"][nat] += value
    charts = []
    for ds, d in sorted(per_ds.items(), key=lambda kv: kv[1]["label"]):
        totals = d["total"] or d["sex"] or d["grade"]
        best = sorted(totals.items(), key=lambda kv: (-kv[1], d["names"][kv[0]]))[:top]
        if not best:
            continue
        charts.append(
            Chart(
                slug="nationality-" + _local(ds),
                title=f"{d['label']}: top {len(best)} nationalities",
                description=(
                    f"Horizontal bars, the {len(best)} nationalities with the most staff in data set "
                    f"{d['label']}, largest first. Largest: {d['names'][best[0][0]]} ({_fmt(best[0][1])})."
                ),
                categories=[d["names"][n] for n, _ in best],
                series={"Staff": [v for _, v in best]},
                x_label="Number of staff",
                y_label="Nationality",
                kind="bars",
                links=[n for n, _ in best],
            )
        )
    return charts


def metrics_per_country_chart(store, vocab: Vocab, top: int = 20) -> Chart | None:
    """Countries by number of observations whose reference area is the country."""
    rows = store.select(
        vocab.sparql_prolog()
        + """
SELECT ?c (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?o) AS ?n) WHERE {
  ?o a qb:Observation ; sdmx-dimension:refArea ?c . ?c a ont:Country .
  OPTIONAL { ?c rdfs:label ?label }
} GROUP BY ?c ORDER BY DESC(?n) LIMIT """
        + str(int(top))
    )
    if not rows:
        return None
    rows.sort(key=lambda r: (-_number(r["n"]), _value(r.get("name", r["c"]))))
    names = [_value(r["name"]) if "name" in r else _local(_value(r["c"])) for r in rows]
    return Chart(
        slug="metrics-per-country",
        title=f"Metrics per country (top {len(rows)})",
        description=(
            f"Horizontal bars: number of observations (numbers stated in the reports) about each of the "
            f"{len(rows)} countries with the most, largest first. Largest: {names[0]} ({_fmt(_number(rows[0]['n']))})."
        ),
        categories=names,
        series={"Observations": [_number(r["n"]) for r in rows]},
        x_label="Number of observations",
        y_label="Country",
        kind="bars",
        links=[_value(r["c"]) for r in rows],
    )


def country_charts(store, vocab: Vocab, country_iri: str) -> list[Chart]:
    """Charts for one country page: its nationals among staff by grade, per data set."""
    rows = store.select(
        vocab.sparql_prolog()
        + """
SELECT ?ds ?dsLabel ?grade ?gradeLabel ?value WHERE {
  ?o a qb:Observation ; qb:dataSet ?ds ; ont:nationality COUNTRY ; ont:grade ?grade ;
     sdmx-measure:obsValue ?value .
  FILTER NOT EXISTS { ?o sdmx-dimension:sex ?sex }
  OPTIONAL { ?ds rdfs:label ?dsLabel }
  OPTIONAL { ?grade rdfs:label ?gradeLabel }
}""".replace("COUNTRY", iri_ref(country_iri))
    )
    per_ds: dict[str, dict] = {}
    for r in rows:
        ds = _value(r["ds"])
        d = per_ds.setdefault(
            ds, {"label": _value(r["dsLabel"]) if "dsLabel" in r else _local(ds), "cells": {}}
        )
        grade = _value(r["gradeLabel"]) if "gradeLabel" in r else _value(r["grade"])
        grade = _local(grade) if grade.startswith(("http://", "https://")) else grade
        d["cells"][grade] = d["cells"].get(grade, 0.0) + _number(r["value"])
    charts = []
    for ds, d in sorted(per_ds.items(), key=lambda kv: kv[1]["label"]):
        cells = {g: v for g, v in d["cells"].items() if v}
        if not cells:
            continue
        grades = sorted(cells, key=_grade_order)
        charts.append(
            Chart(
                slug="grades-" + _local(ds),
                title=f"{d['label']}: by grade",
                description=f"Columns, number of staff of this nationality per grade in data set {d['label']}.",
                categories=grades,
                series={"Staff": [cells[g] for g in grades]},
                x_label="Grade",
                y_label="Number of staff",
            )
        )
    return charts


def _grade_order(grade: str) -> tuple:
    """G-1 < G-1A < G-2 ... < NO-A < ... < P-1 < D-1 < UG: letters group, then the number."""
    m = re.match(r"([A-Za-z]+)-?(\d*)(\w*)", grade)
    if not m:
        return (9, grade)
    family = {"G": 0, "NO": 1, "P": 2, "D": 3}.get(m.group(1).upper(), 4)
    return (family, int(m.group(2) or 0), m.group(3), grade)


# --- rendering ---------------------------------------------------------------------------


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(maximum: float, count: int = 5) -> list[float]:
    return [maximum * i / count for i in range(count + 1)]


def _open(chart: Chart, width: int, height: int) -> list[str]:
    ident = escape(chart.slug)
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
    ]


def _legend(chart: Chart, x: int, y: int) -> list[str]:
    out = []
    for i, name in enumerate(chart.series):
        lx = x + i * 120
        out.append(
            f'<rect x="{lx}" y="{y - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{lx + 16}" y="{y}" class="legend">{escape(name)}</text>')
    return out


def render_columns(chart: Chart) -> Markup:
    width, height = 640, 340
    left, right, top, bottom = 64, 16, 40, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = _nice_max(max((v for vals in chart.series.values() for v in vals), default=0))
    parts = _open(chart, width, height)
    parts += _legend(chart, left, 20)
    for tick in _ticks(maximum):
        y = top + plot_h - tick / maximum * plot_h
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_fmt(tick)}</text>'
        )
    n_cat, n_ser = max(1, len(chart.categories)), max(1, len(chart.series))
    group_w = plot_w / n_cat
    bar_w = min(group_w * 0.8 / n_ser, 56.0)  # a lone category stays a column, not a slab
    for ci, category in enumerate(chart.categories):
        gx = left + ci * group_w + (group_w - bar_w * n_ser) / 2
        for si, (name, values) in enumerate(chart.series.items()):
            value = values[ci]
            h = value / maximum * plot_h
            x, y = gx + si * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(name)}, {escape(category)}: '
                f"{_fmt(value)}</title></rect>"
            )
        parts.append(
            f'<text x="{left + ci * group_w + group_w / 2:.1f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle" class="tick">{escape(category)}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" class="axis"/>')
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" class="axis"/>'
    )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle" class="axis-label">'
        f"{escape(chart.x_label)}</text>"
    )
    parts.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'class="axis-label">{escape(chart.y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def render_bars(chart: Chart, href=None) -> Markup:
    """Horizontal bars, one series; category labels on the left (linked when ``href``)."""
    row_h, left, right, top, bottom = 22, 200, 60, 16, 44
    width = 640
    height = top + bottom + row_h * max(1, len(chart.categories))
    plot_w = width - left - right
    values = next(iter(chart.series.values()), [])
    maximum = _nice_max(max(values, default=0))
    parts = _open(chart, width, height)
    for tick in _ticks(maximum, 4):
        x = left + tick / maximum * plot_w
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" class="grid"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{_fmt(tick)}</text>'
        )
    for i, (category, value) in enumerate(zip(chart.categories, values, strict=False)):
        y = top + i * row_h
        w = value / maximum * plot_w
        name = escape(category if len(category) <= 30 else category[:29] + "…")
        label = f'<text x="{left - 8}" y="{y + row_h * 0.68:.1f}" text-anchor="end" class="tick">{name}</text>'
        link = chart.links[i] if i < len(chart.links) and href else None
        parts.append(f'<a href="{escape(href(link))}">{label}</a>' if link else label)
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[0]}">'
            f"<title>{escape(category)}: {_fmt(value)}</title></rect>"
        )
        parts.append(
            f'<text x="{left + w + 4:.1f}" y="{y + row_h * 0.68:.1f}" class="value">{_fmt(value)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" class="axis-label">'
        f"{escape(chart.x_label)}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def all_charts(store, vocab: Vocab) -> list[Chart]:
    charts = sex_by_year_charts(store, vocab) + nationality_charts(store, vocab)
    metrics = metrics_per_country_chart(store, vocab)
    return charts + ([metrics] if metrics else [])
