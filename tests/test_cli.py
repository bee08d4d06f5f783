"""The `migkg` command line: builds are deterministic and atomic, bad input gets a clear error
and never replaces a good graph, export/stats/validate work on the published store."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from graph import cli, pipeline, store
from graph.config import SEEDS_DIR

SMALL_REPORT = SEEDS_DIR / "iom-gcm-implementation-support-excerpt.txt"


def migkg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    location = tmp_path_factory.mktemp("cli") / "store"
    result = migkg("build", str(SMALL_REPORT), "--store", str(location), "--quiet")
    assert result.returncode == 0, result.stderr
    return location


def test_build_prints_summary_and_publishes(small_store):
    info = store.read_info(small_store)
    assert info["validation"]["conforms"] is True
    assert info["sources"][0]["file"] == SMALL_REPORT.name
    assert (store.resolve(small_store) / store.SHACL_REPORT).is_file()
    assert small_store.is_symlink()
    # published complete: the server has nothing to write for it (dumps, indexes)
    build_dir = store.resolve(small_store)
    manifest = json.loads((build_dir / "dumps" / "manifest.json").read_text())
    assert manifest["build_id"] == info["build_id"] and len(manifest["dumps"]) == 3
    assert (build_dir / "ui-index-v1.sqlite").is_file()
    assert (build_dir / "listings-v1.sqlite").is_file()
    assert "prepare" in info["timings"]


def test_two_builds_of_the_same_input_are_identical(small_store, tmp_path):
    other = tmp_path / "store"
    pipeline.build(
        [SMALL_REPORT], location=other, base=pipeline.vocab().base, progress=pipeline.quiet
    )
    assert store.read_info(other)["build_id"] == store.read_info(small_store)["build_id"]
    dump_a = store.open_store(small_store).dump(format=store.ox.RdfFormat.N_QUADS)
    dump_b = store.open_store(other).dump(format=store.ox.RdfFormat.N_QUADS)
    assert sorted(dump_a.splitlines()) == sorted(dump_b.splitlines())


def test_no_blank_nodes_in_built_data(small_store):
    assert not any(
        isinstance(term, store.ox.BlankNode)
        for quad in store.open_store(small_store)
        for term in (quad.subject, quad.object)
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("latin1.txt", ("Rapport annuel de l'Organisation " * 50 + "é").encode("latin-1"), "UTF-8"),
        ("notes.txt", b"Just a short note.\n", "report"),
    ],
)
def test_bad_input_gets_a_clear_error_and_keeps_the_graph(
    small_store, tmp_path, name, content, message
):
    before = store.read_info(small_store)["build_id"]
    bad = tmp_path / name
    bad.write_bytes(content)
    result = migkg("build", str(bad), "--store", str(small_store), "--quiet")
    assert result.returncode != 0
    assert name in result.stderr and message.lower() in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr
    assert store.read_info(small_store)["build_id"] == before


def test_missing_file(small_store, tmp_path):
    result = migkg("build", str(tmp_path / "nope.txt"), "--store", str(small_store))
    assert (
        result.returncode != 0 and "nope.txt" in result.stderr and "Traceback" not in result.stderr
    )


def test_shacl_violation_fails_the_build_and_keeps_the_graph(small_store, monkeypatch, capsys):
    """A graph that violates the shapes is not published; the report is readable and saved."""
    before = store.read_info(small_store)["build_id"]
    real_emit = pipeline.emit_stage.emit

    def emit_with_a_defect(extraction, vocab, publisher_key=None):
        graph = real_emit(extraction, vocab, publisher_key)
        graph.add((URIRef(vocab.entity("country/AFG")), SKOS.notation, Literal("afghanistan")))
        graph.add((URIRef(vocab.entity("country/AFG")), vocab.ont.iso3, Literal("afg")))
        return graph

    monkeypatch.setattr(pipeline.emit_stage, "emit", emit_with_a_defect)
    code = cli.main(["build", str(SMALL_REPORT), "--store", str(small_store), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "violates the SHACL shapes" in err and "country/AFG" in err
    assert store.read_info(small_store)["build_id"] == before
    failed = sorted(store.builds_dir(small_store).glob("*/FAILED"))
    assert failed, "the failed build keeps its report for inspection"
    report = Graph().parse(failed[-1].parent / store.SHACL_REPORT)
    assert len(report) > 0


@pytest.mark.parametrize(
    ("fmt", "parse_as"), [("nt", "nt"), ("ttl", "turtle"), ("nq", "nquads"), ("jsonld", "json-ld")]
)
def test_export(small_store, tmp_path, fmt, parse_as):
    out = tmp_path / f"kg.{fmt}"
    result = migkg("export", "--format", fmt, "-o", str(out), "--store", str(small_store))
    assert result.returncode == 0, result.stderr
    data = Dataset() if fmt in {"nq", "jsonld"} else Graph()
    data.parse(out, format=parse_as)
    assert (
        len(data) > 1000
        if fmt not in {"nq", "jsonld"}
        else sum(len(g) for g in data.graphs()) > 1000
    )


def test_export_to_stdout(small_store):
    result = migkg("export", "--format", "nt", "-o", "-", "--store", str(small_store))
    assert result.returncode == 0 and result.stdout.count(" .\n") > 1000


def test_stats(small_store):
    result = migkg("stats", "--store", str(small_store))
    assert result.returncode == 0
    assert "ontology#Observation" in result.stdout and "observations per document" in result.stdout


def test_validate_published_store(small_store, tmp_path):
    report = tmp_path / "report.ttl"
    result = migkg("validate", "--store", str(small_store), "--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout and report.is_file()


def test_load_gzip_and_stats(tmp_path):
    data = tmp_path / "tiny.nt.gz"
    with gzip.open(data, "wt") as handle:
        handle.write('<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n')
    location = tmp_path / "loaded"
    result = migkg("load", str(data), "--store", str(location))
    assert result.returncode == 0, result.stderr
    assert len(store.EmbeddedStore(location)) == 1
    assert json.loads((store.resolve(location) / store.BUILD_INFO).read_text())


def test_serving_base_follows_the_served_address_unless_configured(small_store, tmp_path):
    from graph.config import Settings

    fresh = Settings(store=str(tmp_path / "none"), base_iri="http://127.0.0.1:8000/")
    assert cli.default_serving_base(fresh, "127.0.0.1", 8123, True) == "http://127.0.0.1:8123/"
    assert cli.default_serving_base(fresh, "0.0.0.0", 80, True) == "http://127.0.0.1:80/"
    assert cli.default_serving_base(fresh, "::1", 9000, True) == "http://[::1]:9000/"
    # a given store keeps the base it was built with, so its IRIs still resolve to its entities
    built = Settings(store=str(small_store))
    recorded = store.read_info(small_store)["base_iri"]
    assert cli.default_serving_base(built, "127.0.0.1", 8123, False) == recorded
