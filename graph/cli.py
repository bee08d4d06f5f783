"""`migkg`: build, validate, export, inspect, load and serve the knowledge graph."""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph import indexes, store
from graph.config import DEFAULT_STORE, Settings
from graph.errors import MigkgError
from graph.namespaces import base_of_classes, normalise_base, vocab

EXPORT_FORMATS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "ttl": ox.RdfFormat.TURTLE,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
LOAD_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "store", None):
        settings.store = args.store
    if getattr(args, "base_iri", None):
        settings.base_iri = normalise_base(args.base_iri)
    return settings


def embedded_location(settings: Settings) -> str:
    if settings.store_is_remote:
        raise MigkgError(
            f"{settings.store} is a remote store; this command needs an embedded store path"
        )
    return settings.store


# --- commands ------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    from graph import pipeline  # lazy: load/serve must not import the extraction stages

    settings = settings_from(args)
    location = embedded_location(settings)
    if args.if_needed and not pipeline.is_stale(location, args.files, settings.base_iri):
        print(
            f"store at {location} is up to date ({store.read_info(location).get('build_id', '')[:12]})"
        )
        return 0
    from server.prepare import prepare_build

    progress = pipeline.quiet if args.quiet else pipeline.stderr_progress
    result = pipeline.build(
        args.files,
        location=location,
        base=settings.base_iri,
        progress=progress,
        prepare=prepare_build,
    )
    print(summary(location))
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from graph import pipeline  # lazy: load/serve must not import the extraction stages
    from graph.validate import validate

    settings = settings_from(args)
    if args.files:
        from rdflib import Graph

        data = Graph()
        for f in args.files:
            data.parse(f)
    else:
        location = embedded_location(settings)
        v = vocab(store.read_info(location).get("base_iri") or settings.base_iri)
        data = pipeline.data_graph(pipeline.load_graphs(location), v)
    result = validate(data, settings.base_iri if args.files else v.base)
    if args.report:
        result.report.serialize(args.report, format="turtle")
    if result.conforms:
        print(f"conforms: {len(data)} triples, 0 violations")
        return 0
    print(result.text(limit=args.limit))
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = store.open_store(embedded_location(settings))
    fmt = EXPORT_FORMATS[args.format]
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    try:
        if fmt.supports_datasets:
            db.dump(out, format=fmt)
        else:
            # triple formats: the union of all graphs, as a client of the endpoint sees it
            triples = db.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
            )
            triples.serialize(out, format=fmt)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    print(summary(embedded_location(settings_from(args)), per_document=True))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.store_is_remote:
        return load_remote(args, settings)
    location = embedded_location(settings)
    paths = [Path(f) for f in args.files]
    graph = ox.NamedNode(args.graph) if args.graph else None
    formats = [load_format(path) for path in paths]  # reject unknown formats before writing
    for path, fmt in zip(paths, formats, strict=True):
        if graph is not None and fmt.supports_datasets:
            raise MigkgError(f"{path}: --graph applies to triple formats, not quads")
        if not path.is_file():
            raise MigkgError(f"{path}: no such file")
    started = time.perf_counter()
    build_id = uuid.uuid4().hex  # a load is a new build: caches keyed by build id start afresh
    build_dir = store.new_build_dir(location, build_id)
    try:
        db = store.open_store(build_dir, read_only=False)
        for path, fmt in zip(paths, formats, strict=True):
            print(f"loading {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
            file_started = time.perf_counter()
            with open_rdf(path) as handle:
                try:
                    if graph is not None:
                        db.bulk_load(handle, format=fmt, to_graph=graph)
                    else:
                        db.bulk_load(handle, format=fmt)
                except SyntaxError as exc:  # the previous graph stays published
                    raise MigkgError(f"{path}: {exc}") from exc
            print(f"  {path.name}: {time.perf_counter() - file_started:.1f} s", file=sys.stderr)
        db.flush()
        db.optimize()
        del db
        store.write_info(
            build_dir,
            {
                "build_id": build_id,
                "loaded_files": [str(path.resolve()) for path in paths],
                "base_iri": settings.base_iri,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )
        write_indexes(build_dir, settings.base_iri)
        store.publish(location, build_dir)
    except BaseException:
        store.discard(build_dir)
        raise
    classes = class_counts(location)
    print(summary(location, classes=classes))
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    other = base_of_classes([cls for _, cls in classes], settings.base_iri)
    if other is not None:
        print(
            f"note: no class of this base's ontology ({settings.base_iri}ontology#) is in the "
            f"data; its classes are under {other}ontology#, so the browse pages will be "
            f"empty. Load it again with --base-iri {other} to browse it (SPARQL works "
            "either way).",
            file=sys.stderr,
        )
    return 0


def write_indexes(build_dir: Path, base_iri: str) -> None:
    """The query indexes (`graph.indexes`) and the browse index of a loaded build, side by
    side: the query indexes in processes of their own (in threads, all were bound by one
    GIL; as processes they keep both cores busy)."""
    from server.prepare import prepare_build  # lazy: the server's side of a build

    started = time.perf_counter()
    # spawn, not fork: the parent has pyoxigraph's threads and an open store
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        labels = pool.submit(indexes.build_labels_in, str(build_dir))
        observations = pool.submit(indexes.build_observations_in, str(build_dir))
        prepare_build(build_dir, base_iri, with_dumps=False)
        # their errors, if any, are raised here
        built = indexes.IndexesBuilt(*labels.result(), observations.result())
    print(
        f"  indexes: {built.summary()}, browse index: {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def load_remote(args: argparse.Namespace, settings: Settings) -> int:
    """`migkg load --store URL`: stream the files to the store's Graph Store Protocol."""
    from graph.remote import RemoteStore

    remote = RemoteStore(settings.store, gsp_url=args.gsp_url)
    report = remote.load_files(
        args.files,
        graph=args.graph,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
        info={"base_iri": settings.base_iri},
    )
    print(f"store: {remote.url} (graph store {remote.gsp_url})")
    print(f"build: {remote.build_id}  triples visible in the default graph: {len(remote)}")
    print(f"loaded {report.bytes_sent / 1e6:.1f} MB in {report.seconds:.1f} s")
    return 0


def open_rdf(path: Path) -> IO[bytes]:
    """A binary reader of an RDF file, decompressing ``.gz`` on the fly (never in memory)."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")  # noqa: SIM115


def load_format(path: Path) -> ox.RdfFormat:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in LOAD_FORMATS:
        raise MigkgError(
            f"{path}: unknown RDF format (use .nt, .nq, .ttl, .trig, .jsonld, .rdf, optionally .gz)"
        )
    return LOAD_FORMATS[suffixes[-1]]


def default_serving_base(settings: Settings, host: str, port: int, default_store: bool) -> str:
    """The base IRI to serve when none is configured.

    Minted IRIs must dereference where they are served, so the default store is (re)built
    under the address being served; another store keeps the base it was built or loaded with.
    """
    if not default_store:
        recorded = None if settings.store_is_remote else store.read_info(settings.store)
        if recorded and recorded.get("base_iri"):
            return recorded["base_iri"]
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # bound to every interface: name the loopback one
    return normalise_base(
        f"http://{host}:{port}/" if ":" not in host else f"http://[{host}]:{port}/"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from server.serve import run

    settings = settings_from(args)
    if args.timeout:
        settings.query_timeout = args.timeout
    default = Path(settings.store).absolute() == DEFAULT_STORE.absolute()
    if not args.base_iri and "MIGKG_BASE_IRI" not in os.environ:
        settings.base_iri = default_serving_base(settings, args.host, args.port, default)
    if not settings.store_is_remote and default and not args.no_build:
        # lazy: serving a given store must not import the extraction stages (cold start)
        from graph import pipeline
        from server.prepare import prepare_build

        if pipeline.is_stale(settings.store, None, settings.base_iri):
            print("building the graph from seeds/ (first run or seeds changed)", file=sys.stderr)
            pipeline.build(
                None, location=settings.store, base=settings.base_iri, prepare=prepare_build
            )
    options = {"query_workers": args.workers} if args.workers else {}
    run(settings, host=args.host, port=args.port, **options)
    return 0


# --- output --------------------------------------------------------------------------------

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
OBS_PER_DOCUMENT = """
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?doc (COUNT(?obs) AS ?n) WHERE {
  ?obs a qb:Observation ; prov:wasDerivedFrom ?passage .
  ?passage dct:isPartOf ?doc .
} GROUP BY ?doc ORDER BY ?doc
"""


def class_counts(location: str) -> list[tuple[int, str]]:
    """(instances, class IRI) of every class of the published build, most used first."""
    rows = store.EmbeddedStore(location).select(CLASS_COUNTS)
    return [(int(row["n"].value), row["class"].value) for row in rows]


def summary(
    location: str, per_document: bool = False, classes: list[tuple[int, str]] | None = None
) -> str:
    """What the published build holds; ``classes``: `class_counts` when already read."""
    es = store.EmbeddedStore(location)
    info = es.info
    lines = [f"store: {location} -> {es.directory}"]
    if info.get("build_id"):
        lines.append(f"build: {info['build_id'][:12]}  base IRI: {info.get('base_iri')}")
    lines.append(f"quads: {len(es)}")
    lines.append("instances per class:")
    for count, cls in class_counts(location) if classes is None else classes:
        lines.append(f"  {count:>8}  {cls}")
    if per_document:
        lines.append("observations per document:")
        for row in es.select(OBS_PER_DOCUMENT):
            lines.append(f"  {int(row['n'].value):>8}  {row['doc'].value}")
    return "\n".join(lines)


# --- argument parsing ----------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="migkg", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def store_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--store",
            help=f"store directory or SPARQL URL (default $MIGKG_STORE or {DEFAULT_STORE})",
        )
        sp.add_argument(
            "--base-iri",
            help="base of minted IRIs (default $MIGKG_BASE_IRI or http://127.0.0.1:8000/)",
        )

    b = sub.add_parser("build", help="build the graph from report documents (default: seeds/)")
    b.add_argument("files", nargs="*", help="report files or folders (default: seeds/)")
    b.add_argument("--if-needed", action="store_true", help="skip when the store is up to date")
    b.add_argument("--quiet", action="store_true")
    store_args(b)
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="validate the published graph (or RDF files) with SHACL")
    v.add_argument("files", nargs="*", help="RDF files to validate instead of the store")
    v.add_argument("--report", help="write the SHACL report (Turtle) to this file")
    v.add_argument("--limit", type=int, default=50, help="violations to print")
    store_args(v)
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("export", help="write the graph as RDF")
    e.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="nq")
    e.add_argument("-o", "--output", default="-", help="output file, - for stdout")
    store_args(e)
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("stats", help="counts per class and observations per document")
    store_args(s)
    s.set_defaults(func=cmd_stats)

    lo = sub.add_parser(
        "load", help="load RDF files (.nt .nq .ttl .trig .jsonld .rdf, .gz) into a store"
    )
    lo.add_argument("files", nargs="+")
    lo.add_argument("--graph", help="load triples into this named graph (default graph otherwise)")
    lo.add_argument(
        "--gsp-url",
        help="Graph Store Protocol URL of a remote store (default: Oxigraph's …/store for …/query)",
    )
    store_args(lo)
    lo.set_defaults(func=cmd_load)

    sv = sub.add_parser("serve", help="serve the SPARQL endpoint, linked data and the browse UI")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument(
        "--workers",
        type=int,
        default=None,
        help="SPARQL queries run at a time (threads of the query process; default 2)",
    )
    sv.add_argument("--timeout", type=float, help="seconds per SPARQL query (default 10)")
    sv.add_argument("--no-build", action="store_true", help="never build the default store")
    store_args(sv)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MigkgError as exc:
        print(f"migkg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
