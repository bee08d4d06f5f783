"""Counts and sums over observations pre-aggregated from the observation index: the
engine's answer, byte for byte (or row for row where ORDER BY leaves ties)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import pytest
from conftest import BASE, build_store, engine_and_indexed

from graph import cube_index
from server import aggregate_queries
from server.aggregate_queries import parse_aggregate
from server.executor import EmbeddedExecutor, QueryRequest
from server.indexed import IndexedQueries

EX = "http://example.org/"
PREFIXES = (
    "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>\n"
    "PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>\n"
    "PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>\n"
    f"PREFIX ex: <{EX}>\n"
)
MEASURES = ["ex:m1", "ex:m2", "ex:m3", "ex:doubles"]


@pytest.fixture(autouse=True)
def every_aggregate_from_the_index(monkeypatch) -> None:
    """The test graphs are small: below `MIN_ROWS` the engine would answer them all."""
    monkeypatch.setattr(aggregate_queries, "MIN_ROWS", 0)


def _value(rng: random.Random, measure: str) -> str:
    if measure == "ex:doubles":
        return f"{rng.uniform(0, 100):.3e}"
    if measure == "ex:m3":  # decimals of different scales, some integral, some negative
        return rng.choice(
            [
                f"{rng.randint(-50, 900)}.{rng.randint(0, 99):02d}",
                f'"{rng.randint(0, 9)}"^^xsd:decimal',
                "0.5",
            ]
        )
    return rng.choice([str(rng.randint(0, 10**6)), f"{rng.randint(0, 999)}.{rng.randint(0, 9)}"])


def _trig(seed: int, mode: str, observations: int = 160) -> str:
    """Observations in two named graphs, countries with 0-2 notations; "messy" adds what
    the index must refuse: an observation with two years, an ill-typed value, subjects
    that are not observations using an observation property, one observation typed in
    both graphs (then the index answers nothing and everything goes to the engine)."""
    rng = random.Random(seed)
    lines = [
        "@prefix ex: <http://example.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix qb: <http://purl.org/linked-data/cube#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .",
        "@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .",
        "@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .",
        "<graph/countries> {",
    ]
    for c in range(8):
        notations = rng.choice([[], [f'"C{c}"'], [f'"C{c}"', f'"X{c}"']])
        for notation in notations:
            lines.append(f"ex:country{c} skos:notation {notation} .")
    lines.append("}")
    for graph in ("a", "b"):
        lines.append(f"<graph/{graph}> {{")
        for i in range(observations // 2):
            obs = f"ex:obs-{graph}{i}"
            measure = rng.choice(MEASURES)
            props = ["a qb:Observation", f"ex:measure {measure}"]
            if rng.random() < 0.95:
                props.append(f"sdmx-dimension:refArea ex:country{rng.randint(0, 9)}")
            if rng.random() < 0.9:
                props.append(f"ex:year {rng.randint(2018, 2022)}")
            if rng.random() < 0.9:
                props.append(f"sdmx-measure:obsValue {_value(rng, measure)}")
            if rng.random() < 0.7:
                props.append(f"sdmx-attribute:unitMeasure ex:{rng.choice(['persons', 'usd'])}")
            props.append(f'ex:note "observation {i}"@en')
            lines.append(f"{obs} {' ; '.join(props)} .")
        lines.append("}")
    if mode == "messy":
        lines += [
            "<graph/a> {",
            "ex:obs-a0 ex:year 1999 .",  # a second year
            "ex:obs-z a qb:Observation ; ex:measure ex:m1 ; sdmx-dimension:refArea ex:country1 ;",
            '  sdmx-measure:obsValue "many"^^xsd:integer .',
            "ex:programme1 sdmx-dimension:refArea ex:country1 ; ex:measure ex:m1 .",
            "}",
        ]
    if mode == "typed-twice":
        lines += ["<graph/b> { ex:obs-a2 a qb:Observation . }"]
    return "\n".join(lines)


def _built(tmp_path, seed: int, mode: str, observations: int = 160):
    """A store of `_trig` observations in ``tmp_path``."""
    location = tmp_path / "store"
    build_store(location, _trig(seed=seed, mode=mode, observations=observations))
    return location


@pytest.fixture(scope="module", params=["clean", "messy", "typed-twice"])
def executors(request, tmp_path_factory) -> Iterator[tuple[str, EmbeddedExecutor, IndexedQueries]]:
    location = tmp_path_factory.mktemp(f"cube-{request.param}") / "store"
    build_store(location, _trig(seed=7, mode=request.param))
    with engine_and_indexed(location) as (engine, indexed):
        yield request.param, engine, indexed


def _random_query(rng: random.Random) -> tuple[str, bool]:
    """(an aggregate of the shape the index takes, whether its ORDER BY fixes the order)."""
    star = []
    if rng.random() < 0.7:
        star.append("a qb:Observation")
    if rng.random() < 0.8:
        star.append(f"ex:measure {rng.choice([*MEASURES, 'ex:nothing'])}")
    available = []
    for var, prop in [
        ("?area", "sdmx-dimension:refArea"),
        ("?year", "ex:year"),
        ("?unit", "sdmx-attribute:unitMeasure"),
    ]:
        if rng.random() < 0.7:
            star.append(f"{prop} {var}")
            available.append(var)
    summed = rng.random() < 0.7
    if summed:
        star.append("sdmx-measure:obsValue ?value")
    rng.shuffle(star)
    others = []
    if "?area" in available and rng.random() < 0.5:
        others.append("?area skos:notation ?iso .")
        available.append("?iso")
    if not available:
        star.append("sdmx-dimension:refArea ?area")
        available.append("?area")
    # one in five: no GROUP BY (one row of totals, also over nothing)
    keys = [] if rng.random() < 0.2 else rng.sample(available, rng.randint(1, len(available)))
    aggregates = [rng.choice(["(COUNT(?obs) AS ?n)", "(COUNT(*) AS ?n)", "(count(?obs) as ?n)"])]
    if summed:
        aggregates.append("(SUM(?value) AS ?total)")
    projected = rng.sample(keys, rng.randint(0, len(keys))) + aggregates
    rng.shuffle(projected)
    where = "?obs " + " ; ".join(star) + " .\n" + "\n".join(others)
    if rng.random() < 0.5:
        where = "\n".join(others) + "\n?obs " + " ;\n  ".join(star)
    total = rng.random() < 0.7
    order = ""
    if total:
        conditions = [
            rng.choice(["{}", "ASC({})", "DESC({})"]).format(k) for k in rng.sample(keys, len(keys))
        ]
        if summed and rng.random() < 0.5:
            conditions.insert(0, "DESC(?total)")
        order = "ORDER BY " + " ".join(conditions) if conditions else ""
        if rng.random() < 0.5:
            order += f" LIMIT {rng.randint(0, 8)}"
        if rng.random() < 0.3:
            order += f" OFFSET {rng.randint(0, 5)}"
    query = (
        f"{PREFIXES}SELECT {' '.join(projected)} WHERE {{\n{where}\n}}\n"
        + (f"GROUP BY {' '.join(keys)}\n" if keys else "")
        + order
    )
    return query, total


def _same_answer(engine, indexed, query: str, ordered: bool) -> None:
    for fmt in ("json", "tsv", "xml"):
        request = QueryRequest(query, fmt, None)
        expected, got = engine.execute(request), indexed.execute(request)
        if ordered or fmt != "tsv":
            if ordered:
                assert got.body == expected.body, (query, fmt)
        else:
            assert sorted(got.body.split(b"\n")) == sorted(expected.body.split(b"\n")), query
        assert got.count == expected.count, query


def test_aggregates_are_the_engines_answers(executors) -> None:
    mode, engine, indexed = executors
    rng = random.Random(5)
    before = indexed.pre_aggregated
    for _ in range(120):
        query, ordered = _random_query(rng)
        assert parse_aggregate(query, BASE) is not None, query
        _same_answer(engine, indexed, query, ordered)
    used = indexed.pre_aggregated - before
    if mode == "typed-twice":
        assert used == 0  # an observation typed in two graphs is two rows: not a column
    else:
        # sums over doubles go to the engine, and in "messy" the year (one observation
        # has two), sums with the ill-typed value, and stars without the type pattern
        # (a programme has observation properties); the rest are pre-aggregated
        assert used >= (200 if mode == "clean" else 9), (mode, used)


def test_the_index_refuses_what_it_cannot_answer_exactly(executors, tmp_path) -> None:
    mode, _, indexed = executors
    cube = indexed._index().observations
    assert cube is not None
    if mode == "typed-twice":
        assert cube.columns == {}
        return
    measure = cube.columns[f"{EX}measure"]
    year = cube.columns.get(f"{EX}year")
    area = cube.columns["http://purl.org/linked-data/sdmx/2009/dimension#refArea"]
    assert f"{EX}note" not in cube.columns  # language-tagged: not a column
    if mode == "messy":
        assert year is None  # one observation has two years
        assert not measure.exclusive and not area.exclusive  # a programme has them too
    else:
        assert year is not None and measure.exclusive and area.exclusive
    value = cube.columns["http://purl.org/linked-data/sdmx/2009/measure#obsValue"]
    assert value.scale == 2  # decimals with up to two fraction digits


def test_decimal_sums_are_exact(tmp_path) -> None:
    """Sums of many decimals of different scales, integers among them: exact, and the
    type the engine gives (integer only when every value is)."""
    rng = random.Random(3)
    lines = [
        "@prefix ex: <http://example.org/> .",
        "@prefix qb: <http://purl.org/linked-data/cube#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    expected: dict[str, Decimal] = {}
    for i in range(400):
        group = f"g{i % 7}"
        value = rng.choice(
            [
                Decimal(rng.randint(-(10**9), 10**9)).scaleb(-rng.randint(0, 9)),
                Decimal(rng.randint(0, 10)),
            ]
        )
        text = f'"{value:f}"^^xsd:decimal' if group != "g0" else str(int(value))
        if group == "g0":
            value = Decimal(int(value))
        expected[group] = expected.get(group, Decimal(0)) + value
        lines.append(f"ex:o{i} a qb:Observation ; ex:group ex:{group} ; ex:value {text} .")
    location = tmp_path / "store"
    build_store(location, "\n".join(lines))
    query = (
        "PREFIX ex: <http://example.org/> PREFIX qb: <http://purl.org/linked-data/cube#>\n"
        "SELECT ?g (SUM(?v) AS ?t) (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:group ?g ; ex:value ?v }"
        " GROUP BY ?g ORDER BY ?g"
    )
    with engine_and_indexed(location) as (engine, indexed):
        _same_answer(engine, indexed, query, True)
        assert indexed.pre_aggregated == 3
        rows = indexed.execute(QueryRequest(query, "tsv", None)).body.decode().splitlines()[1:]
    got = {row.split("\t")[0].rsplit("/", 1)[1][:-1]: row.split("\t")[1] for row in rows}
    assert got["g0"] == str(expected["g0"])  # integers only: an xsd:integer
    for group in ("g1", "g5"):
        cell = got[group]
        number = Decimal(cell.split('"')[1]) if cell.startswith('"') else Decimal(cell)
        assert number == expected[group]


@pytest.mark.parametrize(
    "query",
    [
        # HAVING, DISTINCT aggregates, AVG, FILTER, OPTIONAL: the engine's
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a } GROUP BY ?a HAVING (COUNT(?o) > 1)",
        "SELECT ?a (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a } GROUP BY ?a",
        "SELECT ?a (AVG(?v) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a ; ex:v ?v } GROUP BY ?a",
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a FILTER(?a != ex:x) } GROUP BY ?a",
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation OPTIONAL { ?o ex:a ?a } } GROUP BY ?a",
        # a projected variable without GROUP BY, or not grouped; ORDER BY a non-key
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a }",
        "SELECT ?a ?b (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a ; ex:b ?b } GROUP BY ?a",
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a ; ex:b ?b } GROUP BY ?a ORDER BY ?b",
        # a variable predicate (its variable could be a dimension of the star)
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a . ?a ?p ?x } GROUP BY ?a",
        # COUNT of a variable the patterns do not name (0 in SPARQL)
        "SELECT ?a (COUNT(?zz) AS ?n) WHERE { ?o a qb:Observation ; ex:a ?a } GROUP BY ?a",
    ],
)
def test_other_shapes_are_left_to_the_engine(query: str) -> None:
    assert parse_aggregate(PREFIXES + query, BASE) is None


def test_star_variables_used_elsewhere_stay_with_the_engine(executors) -> None:
    """The observation itself as a key (one row per observation) and a sum over another
    pattern's value are the engine's; both still answer correctly."""
    _, engine, indexed = executors
    before = indexed.pre_aggregated
    for query in [
        "SELECT ?obs (COUNT(?obs) AS ?n) WHERE { ?obs a qb:Observation ; ex:measure ex:m1 } GROUP BY ?obs ORDER BY ?obs",
        "SELECT ?area (SUM(?x) AS ?t) WHERE { ?obs a qb:Observation ; sdmx-dimension:refArea ?area . "
        "?area ex:size ?x } GROUP BY ?area ORDER BY ?area",
    ]:
        assert parse_aggregate(PREFIXES + query, BASE) is not None
        _same_answer(engine, indexed, PREFIXES + query, True)
    assert indexed.pre_aggregated == before


def test_an_old_build_without_the_index_answers_from_the_engine(tmp_path) -> None:
    location = _built(tmp_path, seed=1, mode="clean", observations=20)
    cube_index.index_path(location.resolve()).unlink()
    query = (
        PREFIXES
        + "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; sdmx-dimension:refArea ?a } GROUP BY ?a ORDER BY ?a"
    )
    with engine_and_indexed(location) as (engine, indexed):
        _same_answer(engine, indexed, query, True)
        assert indexed.pre_aggregated == 0


def test_sparqlwrapper_gets_the_engines_answer_over_http(tmp_path) -> None:
    """The real app over HTTP with a real client: the harness-shaped aggregate (dimension
    notation joined, ordered by the sum) as the engine answers it."""
    from conftest import live_server
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    location = _built(tmp_path, seed=2, mode="clean")
    query = PREFIXES + (
        "SELECT ?area ?iso ?year (COUNT(?obs) AS ?n) (SUM(?value) AS ?total) WHERE {\n"
        "  ?obs a qb:Observation ; ex:measure ex:m1 ; sdmx-dimension:refArea ?area ;\n"
        "       ex:year ?year ; sdmx-measure:obsValue ?value .\n"
        "  ?area skos:notation ?iso .\n"
        "} GROUP BY ?area ?iso ?year ORDER BY DESC(?total) ?iso ?year"
    )
    with engine_and_indexed(location) as (engine, _):
        expected = engine.execute(QueryRequest(query, "json", None)).body
    with live_server(location) as url:
        client = SPARQLWrapper(url + "/sparql")
        client.setQuery(query)
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        got = client.query().convert()
    import json

    want = json.loads(expected)
    assert got["results"]["bindings"] == want["results"]["bindings"]
    assert len(want["results"]["bindings"]) > 5


@pytest.mark.slow
def test_the_example_query_is_pre_aggregated_on_the_seeds(built_store) -> None:
    """queries/19 (metrics per measure, unit and year) on the seed build: the engine's
    answer, from the observation index."""
    from graph.config import QUERIES_DIR

    location, base = built_store
    query = (QUERIES_DIR / "19-metrics-per-measure-and-year.rq").read_text(encoding="utf-8")
    with engine_and_indexed(location, base=base) as (engine, indexed):
        _same_answer(engine, indexed, query, True)
        assert indexed.pre_aggregated == 3
        assert engine.execute(QueryRequest(query, "tsv", None)).count > 50


def test_few_observations_go_to_the_engine(executors, monkeypatch) -> None:
    """Below `MIN_ROWS` matching observations the engine is as fast: it answers."""
    _, engine, indexed = executors
    monkeypatch.setattr(aggregate_queries, "MIN_ROWS", 10**6)
    before = indexed.pre_aggregated
    query = PREFIXES + (
        "SELECT ?area (COUNT(?obs) AS ?n) WHERE { ?obs a qb:Observation ; "
        "sdmx-dimension:refArea ?area } GROUP BY ?area ORDER BY ?area"
    )
    _same_answer(engine, indexed, query, True)
    assert indexed.pre_aggregated == before


def test_an_unreadable_index_answers_from_the_engine(tmp_path) -> None:
    """A damaged observation index costs speed, not answers (nor the other indexes)."""
    location = _built(tmp_path, seed=1, mode="clean", observations=20)
    cube_index.index_path(location.resolve()).write_bytes(b"not a database" * 100)
    query = PREFIXES + (
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation ; "
        "sdmx-dimension:refArea ?a } GROUP BY ?a ORDER BY ?a"
    )
    with engine_and_indexed(location) as (engine, indexed):
        _same_answer(engine, indexed, query, True)
        assert indexed.pre_aggregated == 0
        assert indexed._index().listings is not None


def test_a_repeated_aggregate_is_a_cache_hit_under_its_own_text(tmp_path) -> None:
    """The pre-aggregation sits behind the result cache: the second request of a text is
    answered from the cache without reading the index again."""
    from graph.config import Settings
    from server.executor import make_executor

    location = _built(tmp_path, seed=4, mode="clean")
    query = PREFIXES + (
        "SELECT ?area (COUNT(?obs) AS ?n) (SUM(?v) AS ?t) WHERE { ?obs a qb:Observation ; "
        "ex:measure ex:m1 ; sdmx-dimension:refArea ?area ; sdmx-measure:obsValue ?v } "
        "GROUP BY ?area ORDER BY ?area"
    )
    settings = Settings(base_iri=BASE, store=str(location), result_cache_bytes=10**7)
    executor = make_executor(settings, workers=1)
    try:
        first = executor.execute(QueryRequest(query, "json", None))
        assert not executor.last_hit and executor.pre_aggregated == 1
        second = executor.execute(QueryRequest(query, "json", None))
        assert executor.last_hit and executor.pre_aggregated == 1
        assert second.body == first.body
    finally:
        executor.close()
