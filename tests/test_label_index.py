"""Label searches from the per-build label index: the engine's solutions, without a scan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASE, build_store, engine_and_indexed

from graph import label_index
from server.executor import EmbeddedExecutor, QueryRequest, ResultTooLarge
from server.indexed import IndexedQueries
from server.label_queries import parse_label_search

EX = "http://example.org/"
PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX dct: <http://purl.org/dc/terms/>\n"
)
# Case mappings with traps (Turkish dotted I, final sigma, ß), escapes, an IRI and a
# number as label values, a blank node, language tags, the same label in two graphs and
# under two predicates.
TRIG = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
<graph/a> {{
  <{EX}a> rdfs:label "Côte d'Ivoire"@fr , "COTE D'IVOIRE" ; skos:prefLabel "Côte d'Ivoire"@fr .
  <{EX}b> rdfs:label "İSTANBUL office" , "ΟΔΟΣ" , "Straße" .
  <{EX}c> rdfs:label "say \\"hi\\"\\tthen\\nbye" , <{EX}iri-as-label> , 2019 , _:x .
  <{EX}d> skos:altLabel "IOM"@en , "iom" ; dct:title "Migration Data Portal" .
}}
<graph/b> {{
  <{EX}a> rdfs:label "COTE D'IVOIRE" .
  <{EX}e> rdfs:label "migration governance"@en-GB , "Migrationsgovernance"@de .
}}
"""
NEEDLES = [
    "",
    "o",
    "ot",
    "côte",
    "cote",
    "i̇stanbul",
    "istanbul",
    "οδος",
    "ς",
    "ss",
    "ß",
    '\\"hi',
    "hi",
    "iri-as",
    "2019",
    "io",
    "iom",
    "migration",
    "zzz",
    "d'i",
    " ",
]
PATHS = [
    "rdfs:label",
    "rdfs:label|skos:prefLabel|skos:altLabel",
    "(skos:altLabel|dct:title)",
    "rdfs:label|rdfs:label",
]


@pytest.fixture(scope="module")
def executors(tmp_path_factory) -> Iterator[tuple[EmbeddedExecutor, IndexedQueries]]:
    location = build_store(tmp_path_factory.mktemp("labels") / "store", TRIG)
    with engine_and_indexed(location) as (engine, indexed):
        yield engine, indexed


def _rows(body: bytes) -> tuple[bytes, list[bytes]]:
    header, *rows = body.rstrip(b"\n").split(b"\n")
    return header, sorted(rows)


@pytest.mark.parametrize("path", PATHS)
def test_search_answers_are_the_engines_solutions(executors, path: str) -> None:
    engine, indexed = executors
    before = indexed.answered
    for needle in NEEDLES:
        if "\\" in needle:
            continue  # escapes in the needle: the query goes to the engine (tested below)
        query = (
            PREFIXES + "SELECT DISTINCT ?s ?l WHERE { ?s " + path + " ?l . "
            f'FILTER(CONTAINS(LCASE(STR(?l)), "{needle}")) }} LIMIT 1000'
        )
        assert parse_label_search(query) is not None, query
        expected, got = (x.execute(QueryRequest(query, "tsv", None)) for x in (engine, indexed))
        assert _rows(got.body) == _rows(expected.body), (needle, path)
        # a page: any rows of the answer, as many as the engine's page has
        paged = query.replace("LIMIT 1000", "LIMIT 2 OFFSET 1")
        page = indexed.execute(QueryRequest(paged, "json", None))
        assert page.count == engine.execute(QueryRequest(paged, "json", None)).count
    assert indexed.answered - before == 2 * sum("\\" not in n for n in NEEDLES)


def test_other_projections_and_spellings(executors) -> None:
    engine, indexed = executors
    for query in (
        'SELECT DISTINCT ?s WHERE { FILTER(CONTAINS(LCASE(STR(?l)), "cote")) ?s rdfs:label ?l } LIMIT 50',
        "select distinct ?l { ?s rdfs:label ?l filter (contains(lcase(str(?l)), 'o')) } offset 0 limit 50",
        "SELECT DISTINCT ?l ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "ß")) } LIMIT 9',
    ):
        assert parse_label_search(PREFIXES + query) is not None, query
        request = QueryRequest(PREFIXES + query, "csv", None)
        assert _rows(indexed.execute(request).body) == _rows(engine.execute(request).body)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) }',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(?l), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(STR(?l), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:comment ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?s)), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?x WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a"@en)) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "\\"")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) '
        'FILTER(CONTAINS(LCASE(STR(?l)), "b")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label/rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) } LIMIT 5',
        'SELECT DISTINCT ?s ?l FROM <http://x/> WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "a")) } LIMIT 5',
    ],
)
def test_other_queries_are_not_label_searches(query: str) -> None:
    assert parse_label_search(PREFIXES + query) is None


def test_answers_over_the_row_cap_are_the_engines_error(tmp_path: Path) -> None:
    location = build_store(tmp_path / "store", TRIG)
    inner = EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=2, workers=1)
    indexed = IndexedQueries(inner, str(location))
    try:
        query = PREFIXES + (
            'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "")) } LIMIT 1000'
        )
        with pytest.raises(ResultTooLarge):
            indexed.execute(QueryRequest(query, "json", None))
        assert indexed.answered == 0
    finally:
        indexed.close()


def test_an_old_build_without_the_index_goes_to_the_engine(tmp_path: Path) -> None:
    location = build_store(tmp_path / "store", TRIG)
    label_index.index_path(Path(location).resolve()).unlink()
    query = PREFIXES + (
        'SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "cote")) } LIMIT 5'
    )
    inner = EmbeddedExecutor(str(location), base_iri=BASE, timeout=30, row_limit=100, workers=1)
    indexed = IndexedQueries(inner, str(location))
    try:
        assert indexed.execute(QueryRequest(query, "tsv", None)).count == 1  # "Côte" has ô
        assert indexed.answered == 0
    finally:
        indexed.close()


def test_searches_of_the_seed_build_are_the_engines(built_store) -> None:
    location, base = built_store
    with engine_and_indexed(location, base=base, row_limit=10**6, timeout=60) as (engine, indexed):
        needles = ("migra", "iom", "côte", "global compact", "unhcr", "objective 2", "zz")
        paths = "rdfs:label|skos:prefLabel|skos:altLabel"
        _assert_same_searches(engine, indexed, paths, needles, limit=100000)
        assert indexed.answered == 7


def test_without_fts5_trigrams_searches_scan_with_the_same_answers(tmp_path, monkeypatch) -> None:
    """An SQLite without the trigram tokenizer (older builds) still gets an exact index."""
    monkeypatch.setattr(label_index, "fts5_trigram_available", lambda: False)
    location = build_store(tmp_path / "store", TRIG)
    index = label_index.LabelIndex.open(Path(location).resolve())
    assert index is not None and not index.full_text
    index.close()
    with engine_and_indexed(location) as (engine, indexed):
        needles = ("côte", "o", "migration", "zzz")
        _assert_same_searches(engine, indexed, "rdfs:label|skos:altLabel", needles, limit=1000)
        assert indexed.answered == 4


def _assert_same_searches(engine, indexed, paths: str, needles, *, limit: int) -> None:
    """Each needle's label search gives the index's rows exactly as the engine's."""
    for needle in needles:
        query = PREFIXES + (
            f"SELECT DISTINCT ?s ?l WHERE {{ ?s {paths} ?l "
            f'FILTER(CONTAINS(LCASE(STR(?l)), "{needle}")) }} LIMIT {limit}'
        )
        request = QueryRequest(query, "tsv", None)
        assert _rows(indexed.execute(request).body) == _rows(engine.execute(request).body)
