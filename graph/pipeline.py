"""The whole build: documents -> validated graph -> published store.

Stages run in order and data flows one way::

    parse -> recognise -> link -> quantities -> emit -> validate -> store

A build is atomic: the new store is written into a fresh directory and published (a
symlink swap) only after SHACL validation passes.  Any error leaves the previous graph
untouched.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from graph import emit as emit_stage
from graph import indexes, reference, store
from graph import link as link_stage
from graph import parse as parse_stage
from graph import quantities as quantities_stage
from graph import recognise as recognise_stage
from graph.config import SEEDS_DIR
from graph.errors import InputError, ValidationFailed
from graph.model import Document, Extraction
from graph.namespaces import Vocab, vocab
from graph.validate import ValidationResult, validate

# Bump when the extraction logic changes so `--if-needed` rebuilds stale stores.
PIPELINE_VERSION = "29"
SOURCE_SUFFIXES = (".txt", ".md", ".markdown")

Progress = Callable[[str], None]


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def quiet(_: str) -> None:
    return None


@dataclass
class BuildResult:
    build_id: str
    directory: Path | None
    documents: list[Document]
    quads: int
    validation: ValidationResult
    timings: dict[str, float] = field(default_factory=dict)


def source_files(paths: Sequence[str | Path] | None = None) -> list[Path]:
    """The documents to build: the given files (or folders), default the seeds folder."""
    if not paths:
        paths = [SEEDS_DIR]
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in SOURCE_SUFFIXES and not p.name.upper().startswith("README")
            )
            if not found:
                raise InputError(str(path), "folder holds no .txt/.md report documents")
            files.extend(found)
        else:
            files.append(path)
    return files


def extract(document: Document, shared: tuple[recognise_stage.Definition, ...] = ()) -> Extraction:
    """One document's extraction; ``shared``: names the other documents of the build
    define (`graph.recognise.shareable`)."""
    mentions = recognise_stage.recognise(document, shared)
    linked = link_stage.link(document, mentions, shared)
    quantities = quantities_stage.extract_quantities(document, linked.mentions)
    cells = quantities_stage.table_cells(document)
    return Extraction(
        document=document,
        entities=linked.entities,
        mentions=linked.mentions,
        relations=linked.relations,
        quantities=quantities,
        cells=cells,
        objective_links=linked.objective_links,
    )


def publisher_key(document: Document) -> str | None:
    wanted = document.publisher.casefold()
    for org in reference.organizations():
        names = {org.label.casefold(), *(n.casefold() for n in org.names)}
        names |= {a.casefold() for a in org.acronyms}
        if wanted in names:
            return org.key
    return None


def assemble(documents: Iterable[Document], v: Vocab, progress: Progress) -> dict[str, Graph]:
    """Every graph of the build by name: ontology, reference data, one per document."""
    graphs = {
        v.graph("ontology"): reference.ontology_graph(v.base),
        v.graph("reference"): reference.reference_graph(v.base),
    }
    documents = list(documents)
    taught = {d.id: recognise_stage.shareable(d) for d in documents}
    extractions = []
    for document in documents:
        shared = tuple(x for other, names in taught.items() if other != document.id for x in names)
        extraction = extract(document, shared)
        progress(
            f"  {document.id}: {len(document.passages)} passages, {len(extraction.mentions)} mentions, "
            f"{len(extraction.quantities)} metrics, {len(extraction.cells)} table cells, "
            f"{len(extraction.relations) + len(extraction.objective_links)} relations"
        )
        extractions.append(extraction)
    for extraction in link_stage.unify(extractions):  # one entity across documents
        document = extraction.document
        graphs[v.graph(document.id)] = emit_stage.emit(extraction, v, publisher_key(document))
    return graphs


def nquads_lines(graphs: dict[str, Graph]) -> list[str]:
    """Sorted N-Quads: the canonical form used for the build id and determinism checks.

    Each triple is stored in exactly one named graph, the first that states it (ontology,
    reference, then documents in order).  The endpoint's default graph is the union of the
    named graphs, and a triple stored in two graphs would otherwise be answered twice.
    """
    seen: set[str] = set()
    lines: list[str] = []
    for name, graph in graphs.items():
        suffix = f" <{name}> ."
        for line in sorted(graph.serialize(format="nt").splitlines()):
            if not line.endswith(" .") or line in seen:
                continue
            seen.add(line)
            lines.append(line[:-2] + suffix)
    return sorted(lines)


def data_graph(graphs: dict[str, Graph], v: Vocab) -> Graph:
    """What SHACL validates: reference data plus every document (not the ontology)."""
    union = Graph()
    for name, graph in graphs.items():
        if name != v.graph("ontology"):
            union += graph
    return union


def build(
    paths: Sequence[str | Path] | None = None,
    *,
    location: str | Path,
    base: str,
    progress: Progress = stderr_progress,
    prepare: Callable[[Path, str], None] | None = None,
) -> BuildResult:
    """Parse, extract, validate and publish a new store at ``location``.

    ``prepare(build_dir, base)``: writes what serving the build needs besides the store
    (`server.prepare.prepare_build`: dumps, browse index) before it is published."""
    v = vocab(base)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    files = source_files(paths)
    progress(f"parsing {len(files)} document(s)")
    documents = [parse_stage.parse_file(f) for f in files]
    ids = [d.id for d in documents]
    if len(set(ids)) != len(ids):
        raise InputError(", ".join(map(str, files)), "two documents have the same file name")
    timings["parse"] = time.perf_counter() - t0

    t = time.perf_counter()
    progress("extracting entities, metrics and relations")
    graphs = assemble(documents, v, progress)
    timings["extract+emit"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("validating with SHACL")
    result = validate(data_graph(graphs, v), v.base)
    timings["validate"] = time.perf_counter() - t

    t = time.perf_counter()
    lines = nquads_lines(graphs)
    build_id = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    build_dir = store.new_build_dir(location, build_id)
    try:
        result.report.serialize(build_dir / store.SHACL_REPORT, format="turtle")
        if not result.conforms:
            (build_dir / "FAILED").write_text(result.text(), encoding="utf-8")
            raise ValidationFailed(
                f"the built graph violates the SHACL shapes ({len(result.violations)} violations); "
                f"the previous graph is kept. Report: {build_dir / store.SHACL_REPORT}\n"
                + result.text(limit=20)
            )
        progress(f"loading {len(lines)} quads into the store")
        db = store.open_store(build_dir, read_only=False)
        store.bulk_load_nquads(db, _chunks(lines))
        indexes.build(db, build_dir)
        del db
        info = {
            "build_id": build_id,
            "base_iri": v.base,
            "pipeline_version": PIPELINE_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quads": len(lines),
            "sources": [
                {"id": d.id, "file": Path(d.path).name, "sha256": d.sha256, "title": d.title}
                for d in documents
            ],
            "validation": {"conforms": True, "violations": 0},
        }
        timings["store"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t0
        info["timings"] = {k: round(val, 3) for k, val in timings.items()}
        store.write_info(build_dir, info)
        if prepare is not None:
            t = time.perf_counter()
            progress("writing the dumps and the browse index")
            prepare(build_dir, v.base)
            timings["prepare"] = time.perf_counter() - t
            timings["total"] = time.perf_counter() - t0
            info["timings"] = {k: round(val, 3) for k, val in timings.items()}
            store.write_info(build_dir, info)
        store.publish(location, build_dir)
    except ValidationFailed:
        # keep the failed build's report for inspection, but never publish it
        raise
    except BaseException:
        store.discard(build_dir)
        raise
    progress(f"published build {build_id[:12]} at {location} ({timings['total']:.1f} s)")
    return BuildResult(build_id, build_dir, documents, len(lines), result, timings)


def _chunks(lines: list[str], size: int = 50_000) -> Iterable[bytes]:
    for i in range(0, len(lines), size):
        yield ("\n".join(lines[i : i + size]) + "\n").encode()


def is_stale(location: str | Path, paths: Sequence[str | Path] | None, base: str) -> bool:
    """True when the store is missing or was built from other sources, base IRI or code."""
    if not store.exists(location):
        return True
    info = store.read_info(location)
    if not info.get("build_id"):
        return False  # a store made by `migkg load`: not ours to rebuild
    wanted = sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in source_files(paths))
    have = sorted(s.get("sha256", "") for s in info.get("sources", []))
    return (
        wanted != have
        or info.get("base_iri") != vocab(base).base
        or info.get("pipeline_version") != PIPELINE_VERSION
    )


def load_graphs(location: str | Path) -> dict[str, Graph]:
    """The published store's named graphs as rdflib graphs (for validation through pyshacl)."""
    db = store.open_store(location)
    graphs: dict[str, Graph] = {}
    for name in db.named_graphs():
        data = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        graphs[name.value] = Graph().parse(data=data, format="nt")
    return graphs
