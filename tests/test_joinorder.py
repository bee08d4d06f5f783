"""Join-order hints (`server.joinorder`): a BGP's patterns are written again most selective
first, nothing else in the query text changes, and the engine's answers stay the same."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.config import QUERIES_DIR
from graph.store import open_store, resolve
from server import joinorder
from server.executor import EmbeddedExecutor, JoinPlans, QueryRequest
from tests.conftest import build_store

EX = "http://example.org/"
PROLOGUE = f"PREFIX ex: <{EX}>\n"


def counts_by_object(table: dict[str, int], default: int = 1000):
    """A count callback: matches per constant object value (others: ``default``)."""

    def count(s, p, o, cap):
        return min(cap, table.get(o[1], default) if o is not None else default)

    return count


def group_of(query: str) -> list[str]:
    """The rewritten patterns of the (first) group, one per entry."""
    inner = query[query.index("{") + 1 : query.rindex("}")].strip()
    return [line.strip() for line in inner.removesuffix(" .").split(" .\n")]


def test_most_selective_pattern_is_written_first() -> None:
    query = PROLOGUE + (
        "SELECT ?p ?label WHERE { ?p ex:objective ex:o13 ; ex:country ex:SRB ; "
        "ex:label ?label . ?obs ex:programme ?p }\nORDER BY ?label"
    )
    out = joinorder.reorder(query, counts_by_object({EX + "o13": 647, EX + "SRB": 75}))
    assert group_of(out) == [
        "?p ex:country ex:SRB",
        "?p ex:objective ex:o13",  # all bound now: a check
        "?p ex:label ?label",  # subject bound: a lookup
        "?obs ex:programme ?p",  # object bound
    ]
    # only the group changed
    assert out.startswith(PROLOGUE + "SELECT ?p ?label WHERE {")
    assert out.endswith(" . }\nORDER BY ?label")


def test_an_order_that_is_already_best_is_left_as_written() -> None:
    query = PROLOGUE + "SELECT * WHERE {\n  ?p ex:country ex:SRB ;\n     ex:label ?l .\n}"
    assert joinorder.reorder(query, counts_by_object({EX + "SRB": 3})) is query


def test_terms_are_kept_as_written_and_counted_as_constants() -> None:
    seen = []

    def count(s, p, o, cap):
        seen.append((s, p, o))
        return 5 if o else cap

    query = (
        PROLOGUE
        + "SELECT * WHERE { ?x ex:p ?y . ?x a ex:C ; ex:name \"Ünï {#} 'q'\"@en-GB , "
        + '"7"^^<http://www.w3.org/2001/XMLSchema#int> ; ex:n -1 , 2.5 , 1e3 , true . }'
    )
    out = joinorder.reorder(query, count)
    patterns = group_of(out)
    assert "?x ex:name \"Ünï {#} 'q'\"@en-GB" in patterns
    assert '?x ex:name "7"^^<http://www.w3.org/2001/XMLSchema#int>' in patterns
    assert "?x ex:n 2.5" in patterns and "?x ex:n 1e3" in patterns and "?x ex:n true" in patterns
    assert patterns[-1] == "?x ex:p ?y"  # the only pattern without a constant object
    constants = {o for _, _, o in seen if o}
    assert ("iri", EX + "C", None, None) in constants
    assert ("literal", "Ünï {#} 'q'", "en-GB", None) in constants
    assert ("literal", "2.5", None, "http://www.w3.org/2001/XMLSchema#decimal") in constants
    assert ("literal", "true", None, "http://www.w3.org/2001/XMLSchema#boolean") in constants


@pytest.mark.parametrize(
    "where",
    [
        "?x ex:p ex:big . BIND(1 AS ?one) ?x ex:q ex:small",
        "?x ex:p/ex:r ex:big . ?x ex:q ex:small",
        "?x ex:p [ ex:q ex:small ] . ?x ex:q ex:small",
        "?x ex:p ( ex:a ex:b ) . ?x ex:q ex:small",
        "?x ex:p ex:big . ?x ex:q ex:small . ?x ex:q ex:small %",
        "SELECT ?x WHERE { ?x ex:q ex:small }",
    ],
)
def test_groups_that_are_not_plain_triples_are_left_alone(where: str) -> None:
    query = PROLOGUE + "SELECT * WHERE { " + where + " }"
    assert joinorder.reorder(query, counts_by_object({EX + "small": 1})) is query


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?x ex:p ex:big . ?x ex:q ex:small } WHERE { ?x ex:q ex:small }",
        "SELECT * WHERE { VALUES ?x { ex:a ex:big ex:small } ?x ex:q ?y }",
        "SELECT * WHERE { GRAPH ?g { ?x ex:p ex:big . ?x ex:q ex:small } }",
    ],
)
def test_templates_and_data_blocks_are_not_patterns(query: str) -> None:
    out = joinorder.reorder(PROLOGUE + query, counts_by_object({EX + "small": 1}))
    if "GRAPH" in query:  # a GRAPH group is a pattern
        assert "{ ?x ex:q ex:small .\n  ?x ex:p ex:big . }" in out
    else:
        assert out == PROLOGUE + query


def test_each_triples_block_is_reordered_on_its_own() -> None:
    """FILTER, OPTIONAL, BIND... stay where they are; patterns never cross them."""
    query = PROLOGUE + (
        "SELECT * WHERE { ?x ex:p ex:big . ?x ex:q ex:small . BIND(1 AS ?one) "
        "?y ex:p ex:big . ?y ex:q ex:small FILTER(?x != ?y) "
        "OPTIONAL { ?x ex:p ex:big . ?x ex:q ex:small FILTER NOT EXISTS { ?x ex:r ?z } } "
        "FILTER regex(?y, 'a{2}') ?z ex:p ex:big . ?z ex:q ex:small }"
    )
    out = joinorder.reorder(query, counts_by_object({EX + "small": 1}))
    expected = PROLOGUE + (
        "SELECT * WHERE { ?x ex:q ex:small .\n  ?x ex:p ex:big . BIND(1 AS ?one) "
        "?y ex:q ex:small .\n  ?y ex:p ex:big . FILTER(?x != ?y) "
        "OPTIONAL { ?x ex:q ex:small .\n  ?x ex:p ex:big . FILTER NOT EXISTS { ?x ex:r ?z } } "
        "FILTER regex(?y, 'a{2}') ?z ex:q ex:small .\n  ?z ex:p ex:big . }"
    )
    assert out == expected


def test_relative_iris_are_counted_against_the_base() -> None:
    seen = []
    query = "PREFIX o: <ontology#>\nSELECT * WHERE { ?x o:p <id/y> . ?x o:q <id/x> }"
    joinorder.reorder(query, lambda s, p, o, cap: seen.append((p, o)) or 1, "http://h/base/")
    assert (
        ("iri", "http://h/base/ontology#q", None, None),
        ("iri", "http://h/base/id/x", None, None),
    ) in seen


# --- same answers from the engine ------------------------------------------------------------


def _random_graph(seed: int) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(300):
        node = f"<{EX}n{i}>"
        lines.append(f"{node} <{EX}kind> <{EX}k{rng.randrange(4)}> .")
        lines.append(f"{node} <{EX}group> <{EX}g{rng.randrange(40)}> .")
        for _ in range(rng.randrange(3)):
            lines.append(f"{node} <{EX}link> <{EX}n{rng.randrange(300)}> .")
        lines.append(f'{node} <{EX}label> "node {i % 50}"@en .')
        lines.append(f"{node} <{EX}size> {rng.randrange(5)} .")
    return "<urn:g> {\n" + "\n".join(lines) + "\n}\n"


RANDOM_QUERIES = [
    "SELECT * WHERE { ?a ex:kind ex:k1 ; ex:group ex:g7 ; ex:link ?b . ?b ex:label ?l }",
    "SELECT ?a ?l WHERE { ?a ex:link ?b . ?b ex:group ex:g3 . ?a ex:label ?l . ?b ex:size 2 }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ex:kind ?k ; ex:size 4 ; ex:group ex:g1 }",
    'SELECT * WHERE { ?a ex:label "node 7"@en ; ex:link ?b . ?b ex:link ?c . ?c ex:kind ex:k0 }',
    "SELECT DISTINCT ?g WHERE { ?a ex:group ?g ; ex:kind ex:k2 . ?a ex:link ?a2 . "
    "?a2 ex:group ?g }",
    "SELECT * WHERE { ?a ex:kind ex:k3 . OPTIONAL { ?a ex:link ?b . ?b ex:kind ex:k3 } }",
    "ASK { ?a ex:group ex:g5 ; ex:kind ex:k1 ; ex:size 0 }",
    "SELECT * WHERE { ?a ex:group ex:g9 . ?b ex:group ex:g9 . ?a ex:link ?b }",
    "SELECT * WHERE { ?a ex:group ex:g2 . ?b ex:group ex:g8 }",
    "SELECT * WHERE { ?a ex:kind ex:k1 ; ex:group ?g . FILTER(?g != ex:g3) ?a ex:size 2 . "
    "OPTIONAL { ?a ex:link ?b . ?b ex:kind ex:k1 } }",
    "SELECT * WHERE { { ?a ex:group ex:g4 ; ex:kind ?k } UNION { ?a ex:group ex:g5 ; ex:size 1 } "
    "MINUS { ?a ex:kind ex:k0 ; ex:size 3 } }",
    "SELECT * WHERE { GRAPH ?g { ?a ex:link ?b ; ex:group ex:g6 } BIND(STR(?b) AS ?s) "
    "?b ex:kind ex:k2 ; ex:size ?n }",
]


def _solutions(executor: EmbeddedExecutor, query: str) -> Counter:
    result = executor.execute(QueryRequest(query, solutions_format="json", graph_format="nt"))
    answer = json.loads(result.body)
    if "boolean" in answer:
        return Counter([answer["boolean"]])
    return Counter(json.dumps(row, sort_keys=True) for row in answer["results"]["bindings"])


def _engines(location: Path, base: str) -> tuple[EmbeddedExecutor, EmbeddedExecutor]:
    def make(hints: bool) -> EmbeddedExecutor:
        return EmbeddedExecutor(
            str(location),
            base_iri=base,
            timeout=30,
            row_limit=100_000,
            workers=1,
            join_order_hints=hints,
        )

    return make(True), make(False)


def test_random_graph_answers_are_the_same_with_hints(tmp_path: Path) -> None:
    location = build_store(tmp_path / "store", _random_graph(7))
    plans = JoinPlans(open_store(resolve(location)), union=True)
    rewritten = [q for q in RANDOM_QUERIES if plans.rewrite(PROLOGUE + q) != PROLOGUE + q]
    assert len(rewritten) >= 9, "the hints should change most of these queries"
    with_hints, without = _engines(location, EX)
    try:
        for query in RANDOM_QUERIES:
            text = PROLOGUE + query
            assert _solutions(with_hints, text) == _solutions(without, text), query
    finally:
        with_hints.close()
        without.close()


def test_seed_build_example_queries_answer_the_same_with_hints(built_store) -> None:
    location, base = built_store
    queries = {path.name: path.read_text() for path in sorted(QUERIES_DIR.glob("*.rq"))}
    assert queries
    with_hints, without = _engines(Path(location), base)
    try:
        for name, query in queries.items():
            assert _solutions(with_hints, query) == _solutions(without, query), name
    finally:
        with_hints.close()
        without.close()


def test_join_plans_count_with_a_cap_and_remember(tmp_path: Path) -> None:
    location = build_store(tmp_path / "store", _random_graph(3))
    plans = JoinPlans(open_store(resolve(location)), union=True)
    kind = ("iri", EX + "kind", None, None)
    assert plans.count(None, kind, None, 100) == 100  # stopped at the cap
    assert plans.count(None, kind, None, 1000) == 300  # counted further when asked
    assert plans.count(None, kind, None, 100) == 100  # remembered, still capped
    assert plans.count(None, None, None, 1000) == 1000  # 1500+ triples
    assert plans.count(None, ("iri", "not an iri", None, None), None, 50) == 50  # a wildcard
    assert plans.count(None, kind, ("literal", "x", None, None), 50) == 0
    assert len(plans._counts) == 4
    assert isinstance(plans.store, ox.Store)


def test_counting_goes_further_only_when_every_start_is_large() -> None:
    caps = []

    def count(s, p, o, cap):
        caps.append(cap)
        return min(cap, {EX + "a": 5000, EX + "b": 300}[o[1]])

    out = joinorder.reorder(PROLOGUE + "SELECT * WHERE { ?x ex:p ex:a . ?x ex:q ex:b }", count)
    assert caps == [joinorder.SMALL_CAP] * 2 + [joinorder.LARGE_CAP] * 2
    assert group_of(out) == ["?x ex:q ex:b", "?x ex:p ex:a"]


def test_random_queries_answer_the_same_rewritten() -> None:
    """Random groups of triples blocks, FILTER, OPTIONAL, BIND, UNION and MINUS (``;`` and
    ``,`` lists, blank nodes, literals): the rewritten text is valid and has the same
    solutions, on an in-memory store, with the engine's own counts."""
    rng = random.Random(11)
    store = ox.Store()
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for i in range(200):
        node = ox.NamedNode(f"{EX}n{i}")
        store.add(
            ox.Quad(node, ox.NamedNode(EX + "kind"), ox.NamedNode(f"{EX}k{rng.randrange(4)}"))
        )
        store.add(
            ox.Quad(node, ox.NamedNode(EX + "link"), ox.NamedNode(f"{EX}n{rng.randrange(200)}"))
        )
        store.add(
            ox.Quad(
                node, ox.NamedNode(EX + "size"), ox.Literal(str(rng.randrange(5)), datatype=integer)
            )
        )
        store.add(
            ox.Quad(node, ox.NamedNode(EX + "label"), ox.Literal(f"node {i % 20}", language="en"))
        )
    plans = JoinPlans(store, union=False)
    objects = ["?a", "?b", "?c", "ex:k1", "ex:k2", "ex:n3", "3", '"node 4"@en', '"2"^^xsd:integer']

    def block() -> str:
        patterns = []
        for _ in range(rng.randint(1, 4)):
            subject = rng.choice(["?a", "?b", "?c", "?d", "ex:n5", "$a"])
            if rng.random() < 0.3:
                patterns.append(
                    f"{subject} ex:kind {rng.choice(objects)} ; "
                    f"ex:link {rng.choice(objects)} , {rng.choice(objects)}"
                )
            else:
                predicate = rng.choice(["ex:kind", "ex:link", "ex:size", "ex:label", "a", "?p"])
                patterns.append(f"{subject} {predicate} {rng.choice(objects)}")
        return " . ".join(patterns) + " ."

    def group(depth: int = 0) -> str:
        parts = [block()]
        for _ in range(rng.randint(0, 2)):
            choice = rng.random()
            if choice < 0.25:
                parts.append(f"FILTER(?a != ex:n{rng.randrange(10)})")
            elif choice < 0.45 and depth < 2:
                parts.append("OPTIONAL { " + group(depth + 1) + " }")
            elif choice < 0.6:
                parts.append("BIND(1 AS ?z)")
            elif choice < 0.75 and depth < 2:
                parts.append("{ " + group(depth + 1) + " } UNION { " + group(depth + 1) + " }")
            elif depth < 2:
                parts.append("MINUS { " + group(depth + 1) + " }")
            parts.append(block())
        return " ".join(parts)

    def solutions(text: str) -> list[tuple[str, ...]]:
        return sorted(tuple(map(str, row)) for row in store.query(text))

    prologue = PROLOGUE + "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    compared = rewritten = 0
    for _ in range(300):
        query = prologue + "SELECT * WHERE { " + group() + " }"
        try:
            expected = solutions(query)
        except SyntaxError:  # e.g. BIND of a variable already bound: not a query to test
            continue
        text = plans.rewrite(query)
        rewritten += text != query
        compared += 1
        assert solutions(text) == expected, (query, text)
    assert compared > 250 and rewritten > compared // 2
