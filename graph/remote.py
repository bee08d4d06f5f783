"""A remote SPARQL 1.1 store behind the same read interface as ``store.EmbeddedStore``.

Queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST form-encoded so long queries
never hit URL limits); loading uses the Graph Store HTTP Protocol (GSP) and streams files
of any size (N-Triples, N-Quads, Turtle, TriG, JSON-LD, RDF/XML, optionally gzip) without
reading them into memory.

Answers are parsed into pyoxigraph terms (``NamedNode``/``Literal``/``BlankNode``), so code
written against ``EmbeddedStore.select`` works unchanged on a remote store.  ``query_raw``
returns the endpoint's bytes untouched, for a SPARQL endpoint that only passes them through.

**Build id.**  ``migkg load`` writes a marker graph (``BUILD_GRAPH``) holding a fresh random
id and the load's metadata (JSON).  ``build_id`` is a hash of that marker and of the number
of triples the endpoint reports, so a load by another tool (which leaves the marker alone
but changes the count) also changes the id.  The probe costs two small queries and is
re-run at most every ``build_id_ttl`` seconds, which is therefore how long a cache keyed by
the build id may serve answers of the previous build after a reload.

**Default graph.**  The endpoint decides what its default graph is.  Our builds put each
document in a named graph; serve them from Oxigraph with ``--union-default-graph`` (or
load with ``--graph`` into one graph and pass ``default_graph=[...]``).

GSP URLs differ per engine: Oxigraph ``/store``, Fuseki ``/<dataset>/data``, Virtuoso
``/sparql-graph-crud``.  The default is derived for Oxigraph (``…/query`` -> ``…/store``).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import math
import time
import urllib.error
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from graph.errors import MigkgError

DEFAULT_TIMEOUT = 30.0
UPLOAD_CHUNK = 1 << 20  # bytes per write of a streamed upload
BUILD_GRAPH = "urn:migkg:build"
BUILD_ID = "urn:migkg:buildId"
BUILD_INFO = "urn:migkg:buildInfo"
DEFAULT_CACHE_ROOT = Path(__file__).resolve().parent.parent / "data" / "remote-cache"

# Media types sent as Accept when the caller wants parsed results: formats pyoxigraph parses.
SOLUTIONS_MEDIA_TYPE = "application/sparql-results+json"
TRIPLES_MEDIA_TYPE = "application/n-triples"

# Extension -> (GSP Content-Type, holds quads?)
UPLOAD_TYPES: dict[str, tuple[str, bool]] = {
    ".nt": ("application/n-triples", False),
    ".ttl": ("text/turtle", False),
    ".nq": ("application/n-quads", True),
    ".trig": ("application/trig", True),
    ".jsonld": ("application/ld+json", True),
    ".rdf": ("application/rdf+xml", False),
    ".owl": ("application/rdf+xml", False),
}

Progress = Callable[[str], None]
Term = ox.NamedNode | ox.Literal | ox.BlankNode


class RemoteStoreError(MigkgError):
    """The remote store refused or failed a request.  ``status`` is the HTTP status or None."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RemoteQueryTimeout(RemoteStoreError):
    pass


@dataclass(frozen=True)
class RawResult:
    """An endpoint's answer as bytes, for passing through unchanged."""

    body: bytes
    content_type: str
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE

    def parsed(self) -> ox.QuerySolutions | ox.QueryBoolean | RemoteTriples:
        media_type = self.content_type.split(";")[0].strip().lower()
        if self.form in ("SELECT", "ASK"):
            fmt = ox.QueryResultsFormat.from_media_type(media_type)
            if fmt is None:
                raise RemoteStoreError(f"cannot parse SPARQL results of type {media_type!r}")
            return ox.parse_query_results(self.body, format=fmt)
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        if rdf_format is None:
            raise RemoteStoreError(f"cannot parse RDF of type {media_type!r}")
        return RemoteTriples([q.triple for q in ox.parse(self.body, format=rdf_format)])


class RemoteTriples:
    """CONSTRUCT/DESCRIBE answer: iterates ``ox.Triple`` and serialises like ``QueryTriples``."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(self, output=None, format: ox.RdfFormat | None = None):  # noqa: A002
        return ox.serialize(self._triples, output, format or ox.RdfFormat.N_TRIPLES)


@dataclass(frozen=True)
class LoadReport:
    files: list[str]
    bytes_sent: int
    seconds: float


def default_gsp_url(query_url: str) -> str | None:
    """Oxigraph serves queries at ``…/query`` and the GSP at ``…/store``; others need it given."""
    parts = urlsplit(query_url)
    if parts.path.endswith("/query"):
        return parts._replace(path=parts.path[: -len("query")] + "store", query="").geturl()
    return None


class RemoteStore:
    """Read (and load) access to a SPARQL 1.1 endpoint with the Graph Store HTTP Protocol."""

    def __init__(
        self,
        url: str,
        *,
        gsp_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        build_id_ttl: float = 2.0,
        cache_root: str | Path | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise RemoteStoreError(f"not an http(s) SPARQL endpoint URL: {url!r}")
        self.url = url
        self.gsp_url = gsp_url or default_gsp_url(url)
        self.timeout = timeout
        self.build_id_ttl = build_id_ttl
        self.cache_root = Path(cache_root) if cache_root else DEFAULT_CACHE_ROOT
        self._probed_at = -math.inf
        self._build_id = ""
        self._info: dict = {}

    # --- queries ---------------------------------------------------------------------------

    def query_raw(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        base_iri: str | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> RawResult:
        """Run a query and return the endpoint's bytes in the ``accept`` media type
        (default: SPARQL JSON results, or N-Triples for CONSTRUCT/DESCRIBE)."""
        if base_iri:
            # the protocol has no base parameter; BASE may precede PREFIXes in the prologue
            sparql = f"BASE <{base_iri}>\n{sparql}"
        wrapper = SPARQLWrapper(self.url)
        wrapper.setMethod(POST)  # form-encoded: no URL length limit
        wrapper.setOnlyConneg(True)  # no engine-specific format=/output= parameters
        wrapper.setTimeout(max(1, math.ceil(timeout or self.timeout)))
        with warnings.catch_warnings():
            # it warns on text it cannot classify; the endpoint's 400 says more
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(sparql)
        if wrapper.isSparqlUpdateRequest():
            raise RemoteStoreError("updates are not accepted through the read interface", 400)
        form = wrapper.queryType
        if accept is None:
            accept = SOLUTIONS_MEDIA_TYPE if form in ("SELECT", "ASK") else TRIPLES_MEDIA_TYPE
        wrapper.addCustomHttpHeader("Accept", accept)
        for graph in default_graph or ():
            wrapper.addDefaultGraph(graph)
        for graph in named_graphs or ():
            wrapper.addNamedGraph(graph)
        try:
            response = wrapper.query().response
            body = response.read()
        except SPARQLWrapperException as exc:
            status = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404}.get(
                type(exc).__name__, 502
            )
            raise RemoteStoreError(f"{self.url}: {_message(exc)}", status) from exc
        except urllib.error.HTTPError as exc:
            raise RemoteStoreError(f"{self.url}: HTTP {exc.code} {exc.reason}", exc.code) from exc
        except TimeoutError as exc:
            raise RemoteQueryTimeout(f"{self.url}: no answer within {self.timeout} s", 504) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise RemoteQueryTimeout(
                    f"{self.url}: no answer within {self.timeout} s", 504
                ) from exc
            raise RemoteStoreError(f"{self.url}: {exc.reason}", 502) from exc
        content_type = response.headers.get("Content-Type", accept)
        return RawResult(body=body, content_type=content_type, form=form)

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | RemoteTriples:
        """Parsed answer, shaped like ``EmbeddedStore.query``'s (pyoxigraph terms)."""
        return self.query_raw(
            sparql, base_iri=base_iri, default_graph=default_graph, named_graphs=named_graphs
        ).parsed()

    def select(self, sparql: str, **kwargs) -> list[dict[str, Term]]:
        """Rows of a SELECT query as dicts (unbound variables left out)."""
        result = self.query(sparql, **kwargs)
        if not isinstance(result, ox.QuerySolutions):
            raise RemoteStoreError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]:
        """Triples matching a pattern, as quads.  Without ``graph`` this is the endpoint's
        default graph (what its clients see), reported in ``ox.DefaultGraph``."""
        terms = {"s": subject, "p": predicate, "o": obj}
        pattern = " ".join(f"?{n}" if t is None else _sparql_term(t) for n, t in terms.items())
        where = f"GRAPH {_sparql_term(graph)} {{ {pattern} }}" if graph is not None else pattern
        names = [n for n, t in terms.items() if t is None]
        head = " ".join(f"?{n}" for n in names) or "*"
        graph_name = graph if graph is not None else ox.DefaultGraph()
        for row in self.select(f"SELECT {head} WHERE {{ {where} }}"):
            bound = {n: row.get(n) if t is None else t for n, t in terms.items()}
            yield ox.Quad(bound["s"], bound["p"], bound["o"], graph_name)

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value) if rows else 0

    def ping(self) -> bool:
        try:
            return bool(self.query("ASK {}", named_graphs=None))
        except RemoteStoreError:
            return False

    # --- build id, info, cache directory -----------------------------------------------------

    def _probe(self) -> None:
        now = time.monotonic()
        if now - self._probed_at < self.build_id_ttl:
            return
        rows = self.select(
            f"SELECT ?id ?info WHERE {{ GRAPH <{BUILD_GRAPH}> {{ "
            f"<{BUILD_GRAPH}> <{BUILD_ID}> ?id . OPTIONAL {{ <{BUILD_GRAPH}> <{BUILD_INFO}> ?info }} }} }}"
        )
        marker = rows[0]["id"].value if rows else ""
        info = json.loads(rows[0]["info"].value) if rows and "info" in rows[0] else {}
        count = len(self)
        self._build_id = hashlib.sha256(f"{self.url}|{marker}|{count}".encode()).hexdigest()[:16]
        self._info = {
            **info,
            "store": self.url,
            "gsp_url": self.gsp_url,
            "build_id": self._build_id,
            "marker": marker,
            "triples": count,
        }
        self._probed_at = now

    @property
    def build_id(self) -> str:
        self._probe()
        return self._build_id

    @property
    def info(self) -> dict:
        self._probe()
        return dict(self._info)

    @property
    def directory(self) -> Path:
        """A local directory for caches of the current build (e.g. the UI's search index),
        so code that keeps per-build files next to an embedded store works here too."""
        url_key = hashlib.sha256(self.url.encode()).hexdigest()[:12]
        path = self.cache_root / url_key / self.build_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- loading (Graph Store HTTP Protocol) ---------------------------------------------------

    def load_files(
        self,
        paths: Iterable[str | Path],
        graph: str | None = None,
        progress: Progress | None = None,
        info: dict | None = None,
    ) -> LoadReport:
        """POST each file to the GSP (``?graph=`` or ``?default``; quad formats to the
        dataset), streamed in chunks; then replace the build marker so ``build_id`` changes."""
        say = progress or (lambda _message: None)
        paths = [Path(p) for p in paths]
        plans = [(p, *upload_type(p)) for p in paths]  # fail on an unknown format before sending
        for path, _, has_quads in plans:
            if has_quads and graph:
                raise RemoteStoreError(f"{path}: --graph applies to triple formats, not quads")
        started = time.perf_counter()
        sent = 0
        for path, content_type, has_quads in plans:
            target = None if has_quads else (graph or "")
            sent += self._upload(path, content_type, target, say)
        self.write_marker(
            {
                **(info or {}),
                "loaded_files": [str(p.resolve()) for p in paths],
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        return LoadReport([str(p) for p in paths], sent, time.perf_counter() - started)

    def write_marker(self, info: dict) -> str:
        """Replace the marker graph with a new id (GSP PUT); returns the id."""
        marker = uuid.uuid4().hex
        body = (
            f"<{BUILD_GRAPH}> <{BUILD_ID}> {_nt_literal(marker)} .\n"
            f"<{BUILD_GRAPH}> <{BUILD_INFO}> {_nt_literal(json.dumps(info, sort_keys=True))} .\n"
        ).encode()
        self._send("PUT", self._gsp_target(BUILD_GRAPH), "application/n-triples", [body], len(body))
        self._probed_at = -math.inf  # the next build_id reflects the new marker
        return marker

    def _gsp_target(self, graph: str | None) -> str:
        """GSP URL for a named graph, the default graph (``""``) or the dataset (None)."""
        if not self.gsp_url:
            raise RemoteStoreError(
                f"no Graph Store Protocol URL for {self.url}: pass --gsp-url "
                "(Oxigraph …/store, Fuseki …/<dataset>/data, Virtuoso …/sparql-graph-crud)"
            )
        if graph is None:
            return self.gsp_url
        sep = "&" if "?" in self.gsp_url else "?"
        if graph == "":
            return f"{self.gsp_url}{sep}default"
        return f"{self.gsp_url}{sep}graph={quote(graph, safe='')}"

    def _upload(self, path: Path, content_type: str, graph: str | None, say: Progress) -> int:
        size = path.stat().st_size
        compressed = path.suffix.lower() == ".gz"
        opener = gzip.open if compressed else open
        where = "the dataset" if graph is None else (graph or "the default graph")
        say(f"loading {path} ({size / 1e6:.1f} MB) into {where}")
        with open(path, "rb") as raw, opener(raw if compressed else path, "rb") as handle:
            meter = _Meter(path.name, size, raw, say)
            chunks = meter.wrap(iter(lambda: handle.read(UPLOAD_CHUNK), b""))
            # a gzip file's decompressed size is unknown: send it chunked
            length = None if compressed else size
            self._send("POST", self._gsp_target(graph), content_type, chunks, length)
            meter.done()
            return meter.sent

    def _send(
        self,
        method: str,
        url: str,
        content_type: str,
        chunks: Iterable[bytes],
        length: int | None,
    ) -> None:
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        # uploads can be long: the timeout bounds each socket operation, not the whole load
        conn = connection_class(parts.netloc, timeout=max(self.timeout, 60.0))
        headers = {"Content-Type": content_type}
        if length is not None:
            headers["Content-Length"] = str(length)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(method, path, body=chunks, headers=headers, encode_chunked=length is None)
            response = conn.getresponse()
            detail = response.read()[:500].decode("utf-8", "replace")
        except OSError as exc:
            raise RemoteStoreError(f"{method} {url}: {exc}") from exc
        finally:
            conn.close()
        if response.status >= 300:
            raise RemoteStoreError(
                f"{method} {url}: HTTP {response.status} {response.reason}: {detail.strip()}",
                response.status,
            )


def upload_type(path: Path) -> tuple[str, bool]:
    """(GSP Content-Type, holds quads?) from the file name, ignoring a ``.gz`` suffix."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in UPLOAD_TYPES:
        raise RemoteStoreError(
            f"{path}: unknown RDF format (use .nt, .nq, .ttl, .trig, .jsonld, .rdf, optionally .gz)"
        )
    return UPLOAD_TYPES[suffixes[-1]]


class _Meter:
    """Counts bytes sent and reports progress about once a second (in on-disk bytes)."""

    def __init__(self, name: str, size: int, raw: IO[bytes], say: Progress) -> None:
        self.name, self.size, self.raw, self.say = name, size, raw, say
        self.sent = 0
        self.started = self.last = time.perf_counter()

    def wrap(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.sent += len(chunk)
            now = time.perf_counter()
            if now - self.last >= 1.0:
                self.last = now
                done = self.raw.tell()
                pct = 100.0 * done / self.size if self.size else 100.0
                self.say(f"  {self.name}: {pct:5.1f} % ({done / 1e6:.1f} MB read)")
            yield chunk

    def done(self) -> None:
        elapsed = time.perf_counter() - self.started
        self.say(f"  {self.name}: {self.sent / 1e6:.1f} MB sent in {elapsed:.1f} s")


def _sparql_term(term) -> str:
    if isinstance(term, str):
        return f"<{term}>"
    return str(term)  # pyoxigraph terms print in N-Triples/SPARQL syntax


def _nt_literal(text: str) -> str:
    return str(ox.Literal(text))


def _message(exc: Exception) -> str:
    return " ".join(str(exc).split())[:500]


def store_for(location: str, *, timeout: float = DEFAULT_TIMEOUT, gsp_url: str | None = None):
    """The read interface for a store location: ``RemoteStore`` for an http(s) URL, else
    ``EmbeddedStore`` (both offer query/select/quads/build_id/info/directory/len)."""
    if location.startswith(("http://", "https://")):
        return RemoteStore(location, gsp_url=gsp_url, timeout=timeout)
    from graph.store import EmbeddedStore

    return EmbeddedStore(location)
