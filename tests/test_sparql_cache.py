"""The result cache and the ordered-page cut (server.resultcache, server.slices) against
the real engine: every answer must be byte-for-byte what the engine itself returns."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, build_store

from server.executor import EmbeddedExecutor, QueryRequest
from server.resultcache import CachingExecutor
from server.slices import slice_shape

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EX = "http://example.org/"
# Letters that sort differently by code point than by any human collation.
ALPHABET = [
    "a",
    "B",
    "b",
    "é",
    "E",
    "z",
    "Z",
    " ",
    "10",
    "9",
    "ä",
    "\u00e9",
    "e\u0301",
    "\U0001f600",
    # written escaped in TSV results: the order is of the unescaped values
    '"',
    "\\",
    "\n",
    "\t",
    "\u0007",
]


def _random_label(rng: random.Random, mode: str) -> str:
    text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3)))
    literal = ox.Literal(text)
    if mode == "lang":
        literal = ox.Literal(text, language="en")
    elif mode == "mixed":
        choice = rng.randrange(4)
        if choice == 1:
            literal = ox.Literal(text, language=rng.choice(["en", "fr"]))
        elif choice == 2:
            literal = ox.Literal(
                str(rng.randint(0, 3)).zfill(rng.randint(1, 2)),
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
            )
    return str(literal)


def _trig(seed: int, mode: str, members: int = 60) -> str:
    rng = random.Random(seed)
    lines = ["@prefix ex: <http://example.org/> .", "<graph/a> {"]
    for i in range(members):
        subject = f"<{EX}m{rng.randint(0, members // 2)}>"  # repeats: several labels each
        lines.append(f"{subject} a ex:C ; <{RDFS_LABEL}> {_random_label(rng, mode)} .")
        if rng.random() < 0.2:  # some members without a label
            lines.append(f"<{EX}bare{i}> a ex:C .")
    lines.append("}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=["plain", "lang", "mixed"])
def executors(request, tmp_path_factory) -> Iterator[tuple[str, EmbeddedExecutor, CachingExecutor]]:
    store = build_store(
        tmp_path_factory.mktemp(f"cache-{request.param}") / "store",
        _trig(seed=len(request.param), mode=request.param),
        build_id=request.param,
    )
    engine = EmbeddedExecutor(str(store), base_iri=BASE, timeout=30, row_limit=10_000, workers=1)
    cached = CachingExecutor(
        EmbeddedExecutor(str(store), base_iri=BASE, timeout=30, row_limit=10_000, workers=1),
        max_bytes=8 * 1024 * 1024,
    )
    try:
        yield request.param, engine, cached
    finally:
        engine.close()
        cached.close()


LISTINGS = [
    "SELECT ?s ?label WHERE {{ ?s a <{ex}C> ; <{label}> ?label }} ORDER BY ?label ?s LIMIT {n} OFFSET {m}",
    "SELECT DISTINCT ?s ?label WHERE {{ ?s a <{ex}C> ; <{label}> ?label }} ORDER BY DESC(?label) ?s OFFSET {m} LIMIT {n}",
    "SELECT ?s ?label WHERE {{ ?s a <{ex}C> OPTIONAL {{ ?s <{label}> ?label }} }} ORDER BY ASC(?label) DESC(?s) LIMIT {n} OFFSET {m}",
    "SELECT ?label WHERE {{ ?s a <{ex}C> ; <{label}> ?label }} ORDER BY ?label LIMIT {n} OFFSET {m}",
    "SELECT DISTINCT ?label WHERE {{ ?s <{label}> ?label }} ORDER BY ?label OFFSET {m}",
]


def test_pages_are_the_engines_bytes(executors) -> None:
    _, engine, cached = executors
    rng = random.Random(7)
    for _ in range(40):
        template = rng.choice(LISTINGS)
        query = template.format(ex=EX, label=RDFS_LABEL, n=rng.randint(0, 12), m=rng.randint(0, 40))
        assert slice_shape(query) is not None, query
        for fmt in ("json", "tsv", "csv", "xml"):
            request = QueryRequest(query, fmt, None)
            expected = engine.execute(request)
            got = cached.execute(request)
            assert got.body == expected.body, (query, fmt)
            assert got.count == expected.count


def test_pages_are_cut_only_when_no_two_rows_can_tie(executors) -> None:
    mode, _, cached = executors
    query = LISTINGS[0].format(ex=EX, label=RDFS_LABEL, n=5, m=3)
    before = cached.stats.pages_cut
    cached.execute(QueryRequest(query + " ", "json", None))  # a new text: a miss
    cut = cached.stats.pages_cut > before
    # strings (with or without one language tag) order strictly; integers "1"/"01" and
    # labels in two languages can tie, so those builds must go to the engine
    assert cut == (mode != "mixed")


def test_shapes_that_are_not_safe_to_cut() -> None:
    assert slice_shape("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2") is not None
    # a long prologue once made the shape regex backtrack for minutes
    prologue = "".join(f"PREFIX p{i}: <http://example.org/{i}#>\n" for i in range(40))
    assert slice_shape(prologue + "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2")
    assert slice_shape(prologue + "SELECT ?c FROM <g> WHERE { ?c a p1:C }") is None
    unsafe = [
        "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2",  # ?o not ordered: ties
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2",
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2",  # no ORDER BY
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY STR(?s) LIMIT 2",
        "SELECT (STR(?s) AS ?x) WHERE { ?s ?p ?o } ORDER BY ?x LIMIT 2",
        "SELECT REDUCED ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2",
        "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2 } }",
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2 VALUES ?s { <a> }",
        'SELECT ?s WHERE { ?s ?p "} ORDER BY ?s LIMIT 2" }',
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2",
    ]
    for query in unsafe:
        assert slice_shape(query) is None, query


def test_repeats_are_hits_and_a_new_build_is_not(tmp_path: Path) -> None:
    location = tmp_path / "store"
    build_store(location, f'<g> {{ <{EX}a> <{RDFS_LABEL}> "one" }}', build_id="one")
    cached = CachingExecutor(
        EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=100, workers=1),
        max_bytes=1024 * 1024,
    )
    query = QueryRequest(f"SELECT ?l WHERE {{ <{EX}a> <{RDFS_LABEL}> ?l }}", "tsv", None)
    try:
        first = cached.execute(query)
        assert not cached.last_hit
        assert cached.execute(query).body == first.body and cached.last_hit
        other_format = QueryRequest(query.query, "json", None)
        cached.execute(other_format)
        assert not cached.last_hit
        build_store(location, f'<g> {{ <{EX}a> <{RDFS_LABEL}> "two" }}', build_id="two")
        fresh = cached.execute(query)
        assert not cached.last_hit and b'"two"' in fresh.body
    finally:
        cached.close()


def test_the_cache_stays_within_its_budget(test_store: Path) -> None:
    cached = CachingExecutor(
        EmbeddedExecutor(str(test_store), base_iri=BASE, timeout=30, row_limit=100, workers=1),
        max_bytes=4000,
    )
    try:
        for i in range(40):
            cached.execute(QueryRequest(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {i}", "json", None))
            assert cached.stats.bytes <= 4000
        assert 0 < cached.stats.entries < 40
    finally:
        cached.close()


class _CountingExecutor:
    """The real executor, counting the queries that reach it."""

    def __init__(self, inner: EmbeddedExecutor) -> None:
        self.inner = inner
        self.queries: list[str] = []

    def execute(self, request: QueryRequest):
        self.queries.append(request.query)
        return self.inner.execute(request)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_concurrent_first_pages_of_one_listing_build_it_once(tmp_path: Path) -> None:
    import threading

    location = tmp_path / "store"
    build_store(location, _trig(seed=3, mode="plain", members=200), build_id="flight")
    counting = _CountingExecutor(
        EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=10_000, workers=2)
    )
    cached = CachingExecutor(counting, max_bytes=8 * 1024 * 1024)
    template = LISTINGS[0]
    pages = [template.format(ex=EX, label=RDFS_LABEL, n=5, m=5 * k) for k in range(6)]
    answers: dict[int, bytes] = {}
    try:
        threads = [
            threading.Thread(
                target=lambda k=k: answers.__setitem__(
                    k, cached.execute(QueryRequest(pages[k], "tsv", None)).body
                )
            )
            for k in range(len(pages))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        full = [q for q in counting.queries if "LIMIT" not in q]
        assert len(full) == 1  # the listing was run and sorted once, not once per page
        for k, page in enumerate(pages):
            assert answers[k] == counting.inner.execute(QueryRequest(page, "tsv", None)).body
    finally:
        cached.close()
