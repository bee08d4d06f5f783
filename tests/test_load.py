"""`migkg load FILE... --store PATH` into the embedded store, for every supported format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import cli, store

EX = "http://example.org/"
NT = f'<{EX}a> <{EX}p> "one" .\n<{EX}b> <{EX}p> <{EX}a> .\n'
NQ = f'<{EX}c> <{EX}p> "two" <{EX}g> .\n'
TTL = f'@prefix ex: <{EX}> .\nex:d ex:p "three", "four" .\n'


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def quads(location: Path) -> set[tuple[str, str, str, str]]:
    db = store.open_store(location)
    return {
        (
            q.subject.value,
            q.predicate.value,
            q.object.value,
            "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value,
        )
        for q in db
    }


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("data.nt", NT, 2),
        ("data.nt.gz", NT, 2),
        ("data.nq", NQ, 1),
        ("data.nq.gz", NQ, 1),
        ("data.ttl", TTL, 2),
        ("data.ttl.gz", TTL, 2),
    ],
)
def test_each_format_loads(tmp_path, name, text, expected):
    location = tmp_path / "store"
    assert cli.main(["load", str(write(tmp_path / name, text)), "--store", str(location)]) == 0
    assert len(quads(location)) == expected


def test_several_files_keep_their_graphs_and_info_is_written(tmp_path):
    location = tmp_path / "store"
    files = [write(tmp_path / "a.nt", NT), write(tmp_path / "b.nq", NQ)]
    assert cli.main(["load", *map(str, files), "--store", str(location)]) == 0
    loaded = quads(location)
    assert (f"{EX}c", f"{EX}p", "two", f"{EX}g") in loaded
    assert (f"{EX}a", f"{EX}p", "one", "") in loaded
    info = json.loads((store.resolve(location) / store.BUILD_INFO).read_text())
    assert info["build_id"] and len(info["loaded_files"]) == 2
    assert store.EmbeddedStore(location).build_id == info["build_id"]


def test_graph_option_puts_triples_in_that_graph(tmp_path):
    location = tmp_path / "store"
    source = write(tmp_path / "a.ttl.gz", TTL)
    assert cli.main(["load", str(source), "--graph", f"{EX}named", "--store", str(location)]) == 0
    assert {q[3] for q in quads(location)} == {f"{EX}named"}


def test_graph_option_with_quads_is_refused_before_writing(tmp_path):
    location = tmp_path / "store"
    source = write(tmp_path / "b.nq", NQ)
    assert cli.main(["load", str(source), "--graph", f"{EX}g2", "--store", str(location)]) == 1
    assert not store.exists(location)


def test_unknown_format_and_missing_file_fail_cleanly(tmp_path):
    location = tmp_path / "store"
    assert cli.main(["load", str(write(tmp_path / "x.csv", "a,b")), "--store", str(location)]) == 1
    assert cli.main(["load", str(tmp_path / "missing.nt"), "--store", str(location)]) == 1
    assert not (tmp_path / "builds").exists() or not any((tmp_path / "builds").iterdir())


def test_reload_replaces_the_published_graph_and_changes_build_id(tmp_path):
    location = tmp_path / "store"
    assert cli.main(["load", str(write(tmp_path / "a.nt", NT)), "--store", str(location)]) == 0
    first = store.EmbeddedStore(location).build_id
    assert cli.main(["load", str(write(tmp_path / "b.ttl", TTL)), "--store", str(location)]) == 0
    again = store.EmbeddedStore(location)
    assert again.build_id != first
    assert {q[0] for q in quads(location)} == {f"{EX}d"}


def test_syntax_error_keeps_the_previous_graph(tmp_path):
    location = tmp_path / "store"
    assert cli.main(["load", str(write(tmp_path / "a.nt", NT)), "--store", str(location)]) == 0
    broken = write(tmp_path / "broken.nt", "<http://example.org/x> not rdf .\n")
    assert cli.main(["load", str(broken), "--store", str(location)]) == 1
    assert len(quads(location)) == 2


def _answer(location: Path, query: str) -> bytes:
    from server.executor import EmbeddedExecutor, QueryRequest

    executor = EmbeddedExecutor(str(location), base_iri=EX, timeout=30, row_limit=1000, workers=1)
    try:
        return executor.execute(QueryRequest(query, "tsv", None)).body
    finally:
        executor.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"SELECT ?o FROM <{EX}nowhere> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_default_graph_only_store_answers_like_a_union_of_graphs(tmp_path, query):
    """Without named graphs the union flag is skipped (faster): same answers either way."""
    plain, named = tmp_path / "plain", tmp_path / "named"
    source = write(tmp_path / "a.ttl", TTL + NT)
    assert cli.main(["load", str(source), "--store", str(plain)]) == 0
    assert cli.main(["load", str(source), "--graph", f"{EX}g", "--store", str(named)]) == 0
    assert not store.EmbeddedStore(plain).needs_union
    assert store.EmbeddedStore(named).needs_union
    plain_answer, named_answer = _answer(plain, query), _answer(named, query)
    if "GRAPH ?g" in query:
        assert plain_answer == b"?g\n"  # no named graph to match
        assert set(named_answer.splitlines()) == {b"?g", f"<{EX}g>".encode()}
    else:
        assert plain_answer == named_answer


FOREIGN = (
    "<https://kg.example.org/iom/country/AFG> a <https://kg.example.org/iom/ontology#Country> .\n"
    "<https://kg.example.org/iom/org/x> a <https://kg.example.org/iom/ontology#Organization> .\n"
    f"<{EX}s> a <http://www.w3.org/2004/02/skos/core#Concept> .\n"
)


def test_a_graph_built_under_another_base_gets_a_hint(tmp_path, capsys):
    location = tmp_path / "store"
    data = write(tmp_path / "foreign.ttl", FOREIGN)
    assert cli.main(["load", str(data), "--store", str(location)]) == 0
    assert "--base-iri https://kg.example.org/iom/ to browse it" in capsys.readouterr().err
    base = "https://kg.example.org/iom/"
    assert cli.main(["load", str(data), "--store", str(location), "--base-iri", base]) == 0
    assert "--base-iri" not in capsys.readouterr().err
    assert store.read_info(location)["base_iri"] == base


def test_base_of_classes() -> None:
    from graph.namespaces import base_of_classes

    ours = "http://127.0.0.1:8000/"
    assert base_of_classes([ours + "ontology#Country"], ours) is None
    assert base_of_classes(["http://www.w3.org/2004/02/skos/core#Concept"], ours) is None
    assert base_of_classes([], ours) is None
    found = [
        "https://a.org/kg/ontology#Country",
        "https://a.org/kg/ontology#Unit",
        "https://b.org/ontology#Thing",
    ]
    assert base_of_classes(found, ours) == "https://a.org/kg/"


def test_stores_side_by_side_keep_each_others_builds(tmp_path: Path) -> None:
    """`data/store` and `data/store-1m` share `data/builds/`: publishing one many times
    prunes only its own old builds, never the other's published (or previous) build."""
    from conftest import build_store

    small = "<urn:x:a> <urn:x:p> 1 ."
    first, second = tmp_path / "store", tmp_path / "store-1m"
    build_store(second, small, build_id="other0")
    build_store(second, small, build_id="other1")
    for i in range(store.KEEP_BUILDS + 3):
        build_store(first, small, build_id=f"mine{i}")
    assert store.exists(second) and len(store.EmbeddedStore(second)) == 1
    builds = sorted(p.name for p in store.builds_dir(first).iterdir())
    assert sum(name.startswith("store-1m-") for name in builds) == 2  # both of its builds
    mine = [name for name in builds if name.startswith("store-2")]
    assert len(mine) == store.KEEP_BUILDS and first.resolve().name in mine
    build_store(second, small, build_id="other2")
    assert store.exists(first) and len(store.EmbeddedStore(first)) == 1
