"""Class listings from the per-build listing index: byte for byte the engine's answer."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASE, build_store, engine_and_indexed
from test_sparql_cache import _random_label

from graph import listing_index
from server.executor import EmbeddedExecutor, QueryRequest, ResultTooLarge
from server.indexed import IndexedQueries
from server.listing_queries import parse_listing

EX = "http://example.org/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
PREFIXES = (
    f"PREFIX ex: <{EX}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)


def _trig(seed: int, mode: str, members: int = 60) -> str:
    """Two classes in two named graphs; some members typed in both graphs (the union
    default graph must not count them twice, or must count them as the engine does)."""
    rng = random.Random(seed)
    lines = ["@prefix ex: <http://example.org/> ."]
    for graph in ("a", "b"):
        lines.append(f"<graph/{graph}> {{")
        for i in range(members):
            subject = f"<{EX}m{rng.randint(0, members // 2)}>"
            cls = rng.choice(["ex:C", "ex:D"])
            predicate = rng.choice([RDFS_LABEL, SKOS_PREF])
            lines.append(f"{subject} a {cls} ; <{predicate}> {_random_label(rng, mode)} .")
            if rng.random() < 0.2:
                lines.append(f"<{EX}bare{i}> a ex:C .")
        lines.append("}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=["plain", "lang", "mixed"])
def executors(request, tmp_path_factory) -> Iterator[tuple[str, EmbeddedExecutor, IndexedQueries]]:
    location = tmp_path_factory.mktemp(f"listings-{request.param}") / "store"
    build_store(location, _trig(seed=len(request.param), mode=request.param))
    with engine_and_indexed(location) as (engine, indexed):
        yield request.param, engine, indexed


# Spellings of listing queries the index answers ({c}: class, {p}: label predicate)
LISTINGS = [
    "SELECT ?s ?label WHERE {{ ?s a {c} ; {p} ?label }} ORDER BY ?label ?s LIMIT {n} OFFSET {m}",
    "SELECT ?label ?s {{ ?s {p} ?label . ?s a {c} . }} ORDER BY DESC(?label) DESC(?s) OFFSET {m} LIMIT {n}",
    "SELECT DISTINCT ?label WHERE {{ ?s a {c};{p} ?label; }} ORDER BY ASC(?label) LIMIT {n}",
    "select ?x where {{ ?x {p} ?l ; a {c} }} order by ?l ?x offset {m}",
    "# a comment\nSELECT DISTINCT $s ?l WHERE {{ $s a {c} . ?s {p} ?l }} ORDER BY ?l ?s LIMIT {n} OFFSET {m}",
]


def test_listings_are_the_engines_bytes(executors) -> None:
    mode, engine, indexed = executors
    rng = random.Random(11)
    before = indexed.answered
    for _ in range(60):
        query = PREFIXES + rng.choice(LISTINGS).format(
            c=rng.choice(["ex:C", "ex:D", f"<{EX}C>", "ex:Nothing"]),
            p=rng.choice(["rdfs:label", "skos:prefLabel", f"<{SKOS_PREF}>"]),
            n=rng.randint(0, 12),
            m=rng.choice([0, 1, 5, 17, 40, 10**12]),
        )
        assert parse_listing(query) is not None, query
        for fmt in ("json", "tsv", "csv", "xml"):
            request = QueryRequest(query, fmt, None)
            expected, got = engine.execute(request), indexed.execute(request)
            assert got.body == expected.body, (query, fmt)
            assert got.count == expected.count
    # plain and single-language labels order uniquely: answered from the index (but not
    # ex:Nothing, nor DISTINCT over repeated rows); in these "mixed" builds every class
    # has typed numbers or two languages that may tie, so all were left to the engine
    answered = indexed.answered - before
    assert (answered > 100) if mode != "mixed" else answered == 0


def test_the_index_leaves_out_listings_whose_order_is_not_certain(tmp_path: Path) -> None:
    location = tmp_path / "store"
    build_store(
        location,
        f'<graph/a> {{ <{EX}a> a <{EX}C> ; <{RDFS_LABEL}> "x"@en . '
        f'<{EX}b> a <{EX}C> ; <{RDFS_LABEL}> "x"@fr . '
        f'<{EX}c> a <{EX}D> ; <{RDFS_LABEL}> "x" , "y" . '
        f"<{EX}e> a <{EX}E> . }}",
    )
    index = listing_index.ListingIndex.open(Path(location).resolve())
    assert index is not None
    assert index.page(f"{EX}C", RDFS_LABEL, 0, 10, False) is None  # "x"@en vs "x"@fr
    assert index.page(f"{EX}D", RDFS_LABEL, 0, 10, True) == [
        (f"<{EX}c>", '"y"'),
        (f"<{EX}c>", '"x"'),
    ]
    assert index.page(f"{EX}D", RDFS_LABEL, 1, None, False) == [(f"<{EX}c>", '"y"')]
    assert index.page(f"{EX}D", RDFS_LABEL, 5, 10, False) == []
    # members without the predicate: an empty listing, not a question for the engine
    assert index.page(f"{EX}E", RDFS_LABEL, 0, 10, False) == []
    assert index.page(f"{EX}Nothing", RDFS_LABEL, 0, 10, False) is None


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l LIMIT 5",  # ?s ties
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l DESC(?s) LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?s ?l LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s",  # no slice
        "SELECT DISTINCT ?s WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l FROM <http://x/> WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C ; ex:other ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C , ex:D ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l FILTER(?l != 'x') } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ?c ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a <C> ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",  # relative
        "SELECT ?s ?l WHERE { ?s a un:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",  # no prefix
        "SELECT * WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
        "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5 LIMIT 6",
        "BASE <http://x/> SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5",
    ],
)
def test_other_queries_are_not_listings(query: str) -> None:
    assert parse_listing(PREFIXES + query) is None


def test_relative_iris_resolve_against_the_base_in_the_simple_cases() -> None:
    base = "http://127.0.0.1:8000/"
    query = "PREFIX ont: <ontology#> SELECT ?s ?l WHERE {{ ?s a {c} ; <{p}> ?l }} ORDER BY ?l ?s LIMIT 5"
    found = parse_listing(query.format(c="ont:Country", p=RDFS_LABEL), base)
    assert found is not None and found.cls == base + "ontology#Country"
    assert parse_listing(query.format(c="<id/x>", p=RDFS_LABEL), base).cls == base + "id/x"
    for tricky in ("<../x>", "<./x>", "</x>", "<?x>", "<#x>"):
        assert parse_listing(query.format(c=tricky, p=RDFS_LABEL), base) is None, tricky
    assert parse_listing(query.format(c="ont:Country", p=RDFS_LABEL), base + "kg") is None


def test_listings_over_the_row_cap_are_the_engines_error(tmp_path: Path) -> None:
    location = tmp_path / "store"
    build_store(location, _trig(seed=3, mode="plain"))
    inner = EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=2, workers=1)
    indexed = IndexedQueries(inner, str(location))
    try:
        for slice_clause in ("OFFSET 0", "LIMIT 1000"):
            query = (
                PREFIXES
                + f"SELECT ?s ?l WHERE {{ ?s a ex:C ; rdfs:label ?l }} ORDER BY ?l ?s {slice_clause}"
            )
            with pytest.raises(ResultTooLarge):
                indexed.execute(QueryRequest(query, "json", None))
        assert indexed.answered == 0
    finally:
        indexed.close()


def test_protocol_dataset_and_old_builds_go_to_the_engine(tmp_path: Path) -> None:
    location = tmp_path / "store"
    build_store(location, f'<graph/a> {{ <{EX}a> a <{EX}C> ; <{RDFS_LABEL}> "x" . }}')
    query = PREFIXES + "SELECT ?s ?l WHERE { ?s a ex:C ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5"
    inner = EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=100, workers=1)
    indexed = IndexedQueries(inner, str(location))
    try:
        dataset = QueryRequest(query, "tsv", None, default_graphs=(f"{BASE}graph/none",))
        assert indexed.execute(dataset).count == 0 and indexed.answered == 0
        assert indexed.execute(QueryRequest(query, "tsv", None)).count == 1
        assert indexed.answered == 1
        listing_index.index_path(Path(location).resolve()).unlink()  # a build without one
        fresh = IndexedQueries(inner, str(location))
        assert fresh.execute(QueryRequest(query, "tsv", None)).count == 1
        assert fresh.answered == 0
    finally:
        indexed.close()


def test_every_listing_of_the_seed_build_is_the_engines(built_store) -> None:
    location, base = built_store
    build_dir = Path(location).resolve()
    index = listing_index.ListingIndex.open(build_dir)
    assert index is not None
    pairs = index.conn.execute("SELECT class, predicate, size FROM listing").fetchall()
    classes = {cls for cls, _, _ in pairs}
    assert f"{base}ontology#Country" in classes and f"{base}ontology#SourcePassage" in classes
    with engine_and_indexed(location, base=base, row_limit=10**6, timeout=60) as (engine, indexed):
        for cls, predicate, size in pairs:
            for order, offset in (("?l ?s", 0), ("DESC(?l) DESC(?s)", max(0, size - 30))):
                query = (
                    f"SELECT ?s ?l WHERE {{ ?s a <{cls}> ; <{predicate}> ?l }} "
                    f"ORDER BY {order} LIMIT 25 OFFSET {offset}"
                )
                request = QueryRequest(query, "json", None)
                assert indexed.execute(request).body == engine.execute(request).body, query
        assert indexed.answered == 2 * len(pairs)
        # the endpoint resolves relative IRIs against its base: so does the index
        relative = (
            "PREFIX ont: <ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?s ?l WHERE { ?s a ont:Country ; rdfs:label ?l } ORDER BY ?l ?s LIMIT 5"
        )
        request = QueryRequest(relative, "csv", None)
        assert indexed.execute(request).body == engine.execute(request).body
        assert indexed.answered == 2 * len(pairs) + 1
