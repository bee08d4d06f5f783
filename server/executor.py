"""Timeout-safe SPARQL query execution.

pyoxigraph cannot cancel a running query (a COUNT over a huge cross product never
yields a row to check a clock on), so queries run in a separate *query process*: it
opens the store read-only once and answers several requests at a time over a pipe, one
thread each (pyoxigraph releases the GIL, so they run in parallel on one store handle
and one RocksDB cache).  The parent waits at most ``timeout`` seconds for an answer,
then kills the process and starts a new one; the other queries that were in it are
sent again with the time they have left.  The query process also serialises the result
(with pyoxigraph's own serialisers) and enforces the row/triple and byte caps, so an
oversized result is an error, never a silently truncated answer.

`QueryExecutor` is the interface the endpoint uses; `EmbeddedExecutor` implements it
for an embedded store.  A remote store backend (``MIGKG_STORE=http://...``) slots in
as another implementation returned by `make_executor`.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin

import pyoxigraph as ox

from graph.store import OXIGRAPH_DIR, EmbeddedStore, StoreError, union_options
from server import joinorder, memory, results
from server.results import GRAPH, SOLUTIONS

if TYPE_CHECKING:  # worker processes import this module: keep rdflib out of them (~20 MB each)
    from graph.config import Settings

DEFAULT_QUERY_WORKERS = 2  # queries at a time (threads of one query process)
DEFAULT_BYTE_LIMIT = 64 * 1024 * 1024  # serialised result size cap
WORKER_STARTUP_TIMEOUT = 60.0  # seconds for a new worker to import modules and open the store


# --- errors ---------------------------------------------------------------------------------


class QueryFailed(Exception):
    """A query could not be answered; ``http_status`` says how the endpoint reports it."""

    http_status = 500


class QuerySyntaxError(QueryFailed):
    http_status = 400


class InvalidDataset(QueryFailed):
    http_status = 400


class NotAcceptable(QueryFailed):
    http_status = 406


class ResultTooLarge(QueryFailed):
    # 4xx: the client can fix it (LIMIT/OFFSET paging), the server is fine.
    http_status = 400


class QueryTimeout(QueryFailed):
    http_status = 503


class EndpointBusy(QueryFailed):
    http_status = 503
    retry_after = 1  # seconds; unlike a timeout, trying again soon may well succeed


class StoreUnavailable(QueryFailed):
    http_status = 503


class BackendNotImplemented(QueryFailed):
    http_status = 501


class UpstreamFailed(QueryFailed):
    """A remote store answered with an error that is not the client's fault."""

    http_status = 502


# --- requests and results -------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    query: str
    solutions_format: str | None  # format key for SELECT/ASK; None = nothing acceptable
    graph_format: str | None  # format key for CONSTRUCT/DESCRIBE; None = nothing acceptable
    default_graphs: tuple[str, ...] = ()  # protocol default-graph-uri (absolute IRIs)
    named_graphs: tuple[str, ...] = ()  # protocol named-graph-uri (absolute IRIs)


@dataclass(frozen=True)
class QueryResult:
    kind: str  # results.SOLUTIONS or results.GRAPH
    format_key: str
    body: bytes
    count: int  # rows, triples, or 1 for ASK


class QueryExecutor(Protocol):
    def execute(self, request: QueryRequest) -> QueryResult: ...

    def close(self) -> None: ...


def make_executor(settings: Settings, *, workers: int = DEFAULT_QUERY_WORKERS) -> QueryExecutor:
    """The executor for ``settings.store`` (an embedded directory or a remote SPARQL URL),
    behind a result cache (`server.resultcache`) when ``result_cache_bytes`` > 0; for an
    embedded store, its per-build indexes (`server.indexed`) answer listings and searches
    in front of all and pre-aggregate aggregates behind the cache."""
    byte_limit = settings.result_byte_limit
    executor: QueryExecutor
    if settings.store_is_remote:
        executor = RemoteExecutor(
            settings.store,
            base_iri=settings.base_iri,
            timeout=settings.query_timeout,
            row_limit=settings.result_limit,
            byte_limit=byte_limit,
        )
    else:
        executor = EmbeddedExecutor(
            settings.store,
            base_iri=settings.base_iri,
            timeout=settings.query_timeout,
            row_limit=settings.result_limit,
            byte_limit=byte_limit,
            workers=workers,
            join_order_hints=settings.join_order_hints,
        )
    indexes = None
    if not settings.store_is_remote:
        from server.indexed import BuildIndexes, PreAggregated

        indexes = BuildIndexes(settings.store)
        executor = PreAggregated(executor, indexes)
    if settings.result_cache_bytes > 0:
        from server.resultcache import CachingExecutor

        executor = CachingExecutor(executor, max_bytes=settings.result_cache_bytes)
    if indexes is None:
        return executor
    from server.indexed import IndexedQueries

    return IndexedQueries(executor, settings.store, indexes)


# --- query dataset --------------------------------------------------------------------------

# Strings, IRIs and comments can contain the word FROM; blank them before looking for it.
_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
_FROM_KEYWORD = re.compile(r"(?<![\w?$:.\-])FROM(?![\w:\-])", re.IGNORECASE)


def has_dataset_clause(query: str) -> bool:
    """Whether a query names its own dataset with FROM / FROM NAMED."""
    return _FROM_KEYWORD.search(_NOT_CODE.sub(" ", query)) is not None


def resolve_graph_iri(iri: str, base_iri: str) -> str:
    """A protocol graph IRI, relative ones resolved against the dataset base; ValueError if invalid."""
    absolute = urljoin(base_iri, iri.strip())
    ox.NamedNode(absolute)  # raises ValueError for an invalid IRI
    return absolute


def dataset_options(
    query: str,
    default_graphs: tuple[str, ...],
    named_graphs: tuple[str, ...],
    *,
    union: bool = True,
) -> dict:
    """pyoxigraph ``Store.query`` options for the SPARQL 1.1 Protocol dataset rules.

    - default-graph-uri / named-graph-uri given: they *are* the dataset and override the
      query's FROM / FROM NAMED; a missing one of the two means an empty part.
    - else the query's own FROM / FROM NAMED, if any.
    - else the service default: default graph = union of all graphs, all named graphs
      (``union=False`` when the store has no named graphs: then the default graph is that
      union already, and pyoxigraph is faster without the flag).
    """
    if default_graphs or named_graphs:
        return {
            "default_graph": [ox.NamedNode(g) for g in default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in named_graphs],
        }
    if has_dataset_clause(query) or not union:
        return {}
    return {"use_default_graph_as_union": True}


# --- worker process -------------------------------------------------------------------------


class _LimitExceeded(Exception):
    pass


class _CappedBuffer(io.RawIOBase):
    """A write target that refuses more than ``max_bytes`` (and, counting newlines, rows)."""

    def __init__(self, max_bytes: int, max_lines: int | None = None) -> None:
        self._chunks: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.max_bytes = max_bytes
        self.max_lines = max_lines
        self.exceeded: str | None = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.exceeded = "bytes"
            raise _LimitExceeded("bytes")
        if self.max_lines is not None:
            self.lines += chunk.count(b"\n")
            if self.lines > self.max_lines:
                self.exceeded = "rows"
                raise _LimitExceeded("rows")
        self._chunks.append(chunk)
        return len(chunk)

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


class _WorkerStore(EmbeddedStore):
    def current(self) -> ox.Store:
        """The pyoxigraph store of the published build (re-opened after a new publish)."""
        return self._current()


@dataclass(frozen=True)
class Limits:
    base_iri: str
    max_rows: int
    max_bytes: int
    prefixes: dict[str, str]
    join_order_hints: bool = False  # rewrite BGPs most selective first (`server.joinorder`)


def _too_large(what: str, limits: Limits) -> ResultTooLarge:
    if what == "rows":
        return ResultTooLarge(
            f"the result has more than {limits.max_rows} rows/triples (the endpoint's limit); "
            "use LIMIT and OFFSET to fetch it in pages"
        )
    return ResultTooLarge(
        f"the serialised result is larger than {limits.max_bytes} bytes (the endpoint's limit); "
        "use LIMIT and OFFSET to fetch it in pages"
    )


def _serialise_solutions(
    solutions: ox.QuerySolutions, key: str, limits: Limits
) -> tuple[bytes, int]:
    # Rows are counted on a TSV serialisation (one line per row, newlines in values are
    # escaped) which stops as soon as the cap is crossed; TSV is lossless, so other formats
    # are re-serialised from it by pyoxigraph, still without Python per-row work.
    tsv = _CappedBuffer(limits.max_bytes, max_lines=limits.max_rows + 1)  # + header line
    try:
        solutions.serialize(tsv, format=ox.QueryResultsFormat.TSV)
    except Exception:
        if tsv.exceeded:
            raise _too_large(tsv.exceeded, limits) from None
        raise
    data = tsv.getvalue()
    rows = max(0, data.count(b"\n") - 1)
    if key == "tsv":
        return data, rows
    out = _CappedBuffer(limits.max_bytes)
    try:
        parsed = ox.parse_query_results(data, ox.QueryResultsFormat.TSV)
        parsed.serialize(out, format=results.BY_KEY[key].oxigraph)
    except Exception:
        if out.exceeded:
            raise _too_large(out.exceeded, limits) from None
        raise
    return out.getvalue(), rows


def _serialise_triples(triples: Iterable[ox.Triple], key: str, limits: Limits) -> tuple[bytes, int]:
    count = 0

    def counted() -> Iterator[ox.Triple]:
        nonlocal count
        for triple in triples:
            count += 1
            if count > limits.max_rows:
                raise _LimitExceeded("rows")
            yield triple

    out = _CappedBuffer(limits.max_bytes)
    rdf_format = results.BY_KEY[key].oxigraph
    prefixes = limits.prefixes if key in ("ttl", "trig") else None
    try:
        ox.serialize(counted(), out, rdf_format, prefixes=prefixes)
    except Exception:
        if out.exceeded or count > limits.max_rows:
            raise _too_large(out.exceeded or "rows", limits) from None
        raise
    return out.getvalue(), count


def solutions_from_tsv(tsv: bytes, key: str, limits: Limits | None) -> QueryResult | None:
    """A SELECT answer computed outside the engine (TSV, one row per line) in the format
    ``key``, or None when it is over the row or byte cap (the engine then reports it
    exactly as usual)."""
    count = tsv.count(b"\n") - 1
    if limits is not None and count > limits.max_rows:
        return None
    if key == "tsv":
        body = tsv
    else:
        parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        body = parsed.serialize(format=results.BY_KEY[key].oxigraph)
    if limits is not None and len(body) > limits.max_bytes:
        return None
    return QueryResult(SOLUTIONS, key, body, count)


def run_query(
    store: ox.Store,
    request: QueryRequest,
    limits: Limits,
    *,
    union: bool = True,
    plans: JoinPlans | None = None,
) -> QueryResult:
    """Evaluate and serialise one request against an open store (runs in a worker);
    ``union``: whether the store has named graphs to merge into the default graph;
    ``plans``: join-order hints for this store (None: the query as written)."""
    options = dataset_options(
        request.query, request.default_graphs, request.named_graphs, union=union
    )
    query = _with_join_order(request.query, plans)
    try:
        try:
            answer = store.query(query, base_iri=limits.base_iri, **options)
        except SyntaxError:
            if query is request.query:
                raise
            # never let a hint cost an answer: the text as sent decides
            answer = store.query(request.query, base_iri=limits.base_iri, **options)
    except SyntaxError as error:
        raise QuerySyntaxError(syntax_error_message(request.query, str(error))) from None
    return serialise_answer(answer, request, limits)


def _with_join_order(query: str, plans: JoinPlans | None) -> str:
    if plans is None:
        return query
    try:
        return plans.rewrite(query)
    except Exception:  # a planning failure costs speed, not the answer
        return query


class JoinPlans:
    """Join-order hints (`server.joinorder`) for one opened store: capped match counts
    of triple patterns and the rewritten texts of recent queries.  The graph is
    read-only between builds, so both hold until the store changes."""

    MAX_ENTRIES = 20_000  # counts (a few hundred bytes each)
    MAX_TEXTS = 1_000  # rewritten queries remembered, each at most MAX_TEXT_CHARS
    MAX_TEXT_CHARS = 4_096

    def __init__(self, store: ox.Store, *, union: bool, base_iri: str = "") -> None:
        self.store = store
        self.union = union
        self.base_iri = base_iri
        self._counts: dict[tuple, tuple[int, bool]] = {}
        self._texts: dict[str, str] = {}

    def rewrite(self, query: str) -> str:
        text = self._texts.get(query)
        if text is None:
            text = joinorder.reorder(query, self.count, self.base_iri)
            if len(query) <= self.MAX_TEXT_CHARS:
                if len(self._texts) >= self.MAX_TEXTS:
                    self._texts.clear()
                self._texts[query] = text
        return text

    def count(
        self,
        s: joinorder.Constant | None,
        p: joinorder.Constant | None,
        o: joinorder.Constant | None,
        cap: int = joinorder.LARGE_CAP,
    ) -> int:
        key = (s, p, o)
        known = self._counts.get(key)  # (matches, whether counting stopped at a cap)
        if known is None or (known[1] and known[0] < cap):
            matches = _capped_count(self.store, key, cap, union=self.union)
            known = (matches, matches >= cap)
            if len(self._counts) >= self.MAX_ENTRIES:
                self._counts.clear()
            self._counts[key] = known
        return min(known[0], cap)


def _sparql_term(constant: joinorder.Constant | None, variable: str) -> str:
    if constant is None:
        return variable
    kind, value, lang, datatype = constant
    try:
        if kind == "iri":
            return str(ox.NamedNode(value))
        if lang:
            return str(ox.Literal(value, language=lang))
        return str(
            ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)
        )
    except (ValueError, TypeError):
        return variable  # not a valid term: count it as any term


def _capped_count(store: ox.Store, pattern: tuple, cap: int, *, union: bool) -> int:
    # counted by the engine (no Python object per match): ~0.05-0.1 ms at 1M triples
    s, p, o = (_sparql_term(c, v) for c, v in zip(pattern, ("?s", "?p", "?o"), strict=True))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * WHERE {{ {s} {p} {o} }} LIMIT {cap} }}"
    for solution in store.query(query, **union_options(union)):  # type: ignore[union-attr]
        return int(solution[0].value)
    return 0


def serialise_answer(
    answer: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple],
    request: QueryRequest,
    limits: Limits,
) -> QueryResult:
    """A query answer in the request's format, within the row and byte caps."""
    if not isinstance(answer, ox.QuerySolutions | ox.QueryBoolean):
        if request.graph_format is None:
            raise NotAcceptable(_not_acceptable_message(GRAPH))
        body, count = _serialise_triples(answer, request.graph_format, limits)
        return QueryResult(GRAPH, request.graph_format, body, count)
    if request.solutions_format is None:
        raise NotAcceptable(_not_acceptable_message(SOLUTIONS))
    key = request.solutions_format
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(SOLUTIONS, key, answer.serialize(format=results.BY_KEY[key].oxigraph), 1)
    body, rows = _serialise_solutions(answer, key, limits)
    return QueryResult(SOLUTIONS, key, body, rows)


_ERROR_POSITION = re.compile(r"^error at (\d+):(\d+): ", re.DOTALL)


def syntax_error_message(query: str, error: str) -> str:
    """pyoxigraph's parse error, with the offending query line and a caret under the column."""
    position = _ERROR_POSITION.match(error)
    if not position:
        return f"SPARQL syntax error: {error}"
    line_number, column = int(position.group(1)), int(position.group(2))
    lines = query.splitlines() or [""]
    line = lines[min(line_number, len(lines)) - 1]
    detail = " ".join(error[position.end() :].split())
    if len(detail) > 200:  # pest lists every expected character class; the start says enough
        detail = detail[:200] + " …"
    return (
        f"SPARQL syntax error at line {line_number}, column {column}: {detail}\n"
        f"    {line}\n    {' ' * max(0, column - 1)}^"
    )


def _not_acceptable_message(kind: str) -> str:
    form = "SELECT/ASK" if kind == SOLUTIONS else "CONSTRUCT/DESCRIBE"
    return (
        f"none of the requested media types can represent a {form} result; "
        f"available: {results.describe_formats(kind)}"
    )


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (no orphaned runaway queries)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _worker_main(conns: list[Connection], location: str, limits: Limits) -> None:
    """The query process: one thread per pipe (query slot), all on one store handle.

    pyoxigraph releases the GIL while it evaluates and serialises, so threads run queries
    in parallel; one process (one RocksDB handle, one block cache) instead of one per
    concurrent query saves ~75 MB per query slot at 1M triples.  Each thread owns its
    pipe, so a request reaches the thread that answers it with no hand-off."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    store = _WorkerStore(location)
    store_lock = threading.Lock()  # the store handle is (re)opened by one thread at a time
    plans: JoinPlans | None = None
    with contextlib.suppress(StoreError):
        store.current()  # open now so the first query does not pay for it

    def answer(request: QueryRequest) -> tuple[str, object]:
        nonlocal plans
        try:
            with store_lock:
                current, union = store.current(), store.needs_union
                if limits.join_order_hints and (plans is None or plans.store is not current):
                    plans = JoinPlans(current, union=union, base_iri=limits.base_iri)
                hints = plans
            return ("ok", run_query(current, request, limits, union=union, plans=hints))
        except QueryFailed as error:
            return ("error", error)
        except StoreError as error:
            return ("error", StoreUnavailable(str(error)))
        except Exception as error:  # report, keep serving
            return ("error", QueryFailed(f"query failed: {type(error).__name__}: {error}"))

    def serve(conn: Connection) -> None:
        try:
            conn.send(("ready", None))
            while True:
                reply = answer(conn.recv())
                large = isinstance(reply[1], QueryResult) and (
                    len(reply[1].body) > memory.TRIM_AFTER_BYTES
                )
                conn.send(reply)
                del reply
                if large:
                    memory.trim()  # a large result's pages go back to the system
        except (EOFError, OSError):
            return  # the parent is gone

    servers = [
        threading.Thread(target=serve, args=(conn,), name=f"query-{n}", daemon=True)
        for n, conn in enumerate(conns)
    ]
    for thread in servers:
        thread.start()
    for thread in servers:
        thread.join()


# --- the query process (parent side) ------------------------------------------------------


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: fork from a clean single-threaded process, never from a threaded web worker.
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # platforms without fork
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["server.executor"])
    return ctx


class _WorkerDied(Exception):
    """The query process ended while a query was in it (killed for another query's
    timeout, or crashed)."""


@dataclass
class _Slot:
    """The parent's end of one query thread's pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.ready = False  # the thread's ("ready", None) has been read

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


class _Worker:
    """One query process and a pipe per query thread.  A request's own thread sends on a
    free pipe and reads the reply from it: no reader thread, no hand-off between threads
    (a round trip ~100 us shorter than with one shared pipe)."""

    def __init__(
        self, ctx: multiprocessing.context.BaseContext, location: str, limits: Limits, threads: int
    ):
        pipes = [ctx.Pipe(duplex=True) for _ in range(threads)]
        self.process = ctx.Process(
            target=_worker_main,
            args=([child for _, child in pipes], location, limits),
            name="migkg-query-worker",
            daemon=True,
        )
        self.process.start()
        for _, child in pipes:
            child.close()
        self._free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        for parent, _ in pipes:
            self._free.put(_Slot(parent))
        self._dead = False

    @property
    def dead(self) -> bool:
        return self._dead

    def ask(self, request: QueryRequest, deadline: float) -> tuple | None:
        """The process's reply to ``request``, or None when ``deadline`` (monotonic) came
        first; `_WorkerDied` when the process ended before answering.  Callers hold one
        of the executor's slots, so a free pipe is always there."""
        if self._dead:
            raise _WorkerDied
        try:
            slot = self._free.get(timeout=WORKER_STARTUP_TIMEOUT)
        except queue.Empty:  # pipes are only kept back by a process that is gone
            raise _WorkerDied from None
        try:
            if not slot.ready:
                if not slot.conn.poll(WORKER_STARTUP_TIMEOUT):
                    raise EOFError("the query process did not start in time")
                slot.conn.recv()  # ("ready", None)
                slot.ready = True
            slot.conn.send(request)
            if not slot.conn.poll(max(0.0, deadline - time.monotonic())):
                self._dead = True  # its answer may still come: this pipe is never reused
                slot.close()
                return None
            reply = slot.conn.recv()
        except (EOFError, OSError, ValueError, TypeError):  # the process ended or was killed
            self._dead = True
            slot.close()
            raise _WorkerDied from None
        if self._dead:  # killed meanwhile (another query's timeout): nothing reuses it
            slot.close()
        else:
            self._free.put(slot)
        return reply

    def kill(self) -> None:
        """Kill the process.  The pipes a request thread is using are closed by that
        thread (closing them here could pull one from under its read); the idle ones
        here."""
        self._dead = True
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(timeout=5)
        while True:
            try:
                self._free.get_nowait().close()
            except queue.Empty:
                break


class EmbeddedExecutor:
    """Queries on an embedded store, in one query process started on first use.

    ``workers`` queries run at a time (threads of the query process); more wait up to the
    timeout for a free slot (then `EndpointBusy`).  A query that exceeds the timeout is
    stopped the only way pyoxigraph allows, by killing the process; a new one starts, and
    the other queries that were in flight are sent to it again with their remaining time.
    """

    def __init__(
        self,
        location: str,
        *,
        base_iri: str,
        timeout: float,
        row_limit: int,
        byte_limit: int = DEFAULT_BYTE_LIMIT,
        workers: int = DEFAULT_QUERY_WORKERS,
        join_order_hints: bool = True,
    ) -> None:
        self.location = str(location)
        self.timeout = timeout
        from graph.namespaces import vocab  # parent only (imports rdflib)

        self.size = max(1, workers)
        self._limits = Limits(
            base_iri=base_iri,
            max_rows=row_limit,
            max_bytes=byte_limit,
            prefixes=vocab(base_iri).prefixes(),
            join_order_hints=join_order_hints,
        )
        self._slots = threading.BoundedSemaphore(self.size)
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._ctx: multiprocessing.context.BaseContext | None = None
        self._closed = False

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def build_key(self) -> str:
        """Identifies the published data: the build directory the store link points at and
        the database's modification time (a `migkg load` into a plain directory)."""
        target = os.path.realpath(self.location)
        try:
            stamp = os.stat(os.path.join(target, OXIGRAPH_DIR)).st_mtime_ns
        except OSError:
            stamp = 0
        return f"{target}|{stamp}"

    # the query process

    def _current_worker(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise StoreUnavailable("the query service is shutting down")
            if self._worker is None or self._worker.dead:
                if self._ctx is None:
                    self._ctx = _context()
                    atexit.register(self.close)
                if self._worker is not None:
                    self._worker.kill()
                self._worker = _Worker(self._ctx, self.location, self._limits, self.size)
            return self._worker

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and, if it was the current one, start its successor now."""
        worker.kill()
        with contextlib.suppress(StoreUnavailable):
            self._current_worker()

    def close(self) -> None:
        """Kill the query process (used on server shutdown)."""
        with self._lock:
            self._closed = True
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()

    def worker_pids(self) -> list[int]:
        with self._lock:
            worker = self._worker
        if worker is None or worker.dead or worker.process.pid is None:
            return []
        return [worker.process.pid]

    # queries

    def execute(self, request: QueryRequest) -> QueryResult:
        if self._closed:
            raise StoreUnavailable("the query service is shutting down")
        if not self._slots.acquire(timeout=self.timeout):
            raise EndpointBusy(f"all {self.size} query slots are busy; try again shortly") from None
        try:
            return self._run(request)
        finally:
            self._slots.release()

    def _run(self, request: QueryRequest) -> QueryResult:
        deadline = time.monotonic() + self.timeout
        for _attempt in range(3):
            worker = self._current_worker()
            try:
                reply = worker.ask(request, deadline)
            except _WorkerDied:  # it died before or while answering: try the next one
                if time.monotonic() < deadline:
                    continue
                raise QueryTimeout(
                    f"query exceeded the {self.timeout:g} s timeout and was cancelled"
                ) from None
            if reply is None:
                self._replace(worker)  # the only way to stop a pyoxigraph query
                raise QueryTimeout(
                    f"query exceeded the {self.timeout:g} s timeout and was cancelled"
                )
            status, payload = reply
            if status == "ok":
                return payload
            raise payload
        raise QueryFailed("the query worker crashed (the query was tried three times)")


# --- remote store -----------------------------------------------------------------------------

# Asked of the remote endpoint: lossless line-per-row formats, so the row cap is a line count
# and every output format is re-serialised here exactly as for the embedded store.
_REMOTE_ACCEPT = (
    "text/tab-separated-values, application/sparql-results+json;q=0.9, "
    "application/n-triples;q=0.8, text/turtle;q=0.5"
)


class RemoteExecutor:
    """Forwards queries to a remote SPARQL endpoint (`graph.remote.RemoteStore.query_raw`).

    The remote engine enforces nothing of ours, so the HTTP timeout is the query timeout
    and the answer is re-serialised locally under the same row/byte caps; errors map to
    HTTP statuses (its 400 is the client's syntax error, a timeout is 503, anything else
    502)."""

    def __init__(
        self,
        url: str,
        *,
        base_iri: str,
        timeout: float,
        row_limit: int,
        byte_limit: int = DEFAULT_BYTE_LIMIT,
    ) -> None:
        from graph.namespaces import vocab
        from graph.remote import RemoteStore

        self.store = RemoteStore(url, timeout=timeout)
        self.timeout = timeout
        self._limits = Limits(
            base_iri=base_iri,
            max_rows=row_limit,
            max_bytes=byte_limit,
            prefixes=vocab(base_iri).prefixes(),
        )

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def build_key(self) -> str | None:
        """Changes when the remote data changes (probed at most every few seconds);
        None when the probe fails, which turns caching off for that request."""
        from graph.remote import RemoteStoreError

        try:
            return self.store.build_id
        except RemoteStoreError:
            return None

    def execute(self, request: QueryRequest) -> QueryResult:
        from graph.remote import RemoteQueryTimeout, RemoteStoreError

        try:
            raw = self.store.query_raw(
                request.query,
                accept=_REMOTE_ACCEPT,
                base_iri=self._limits.base_iri,
                default_graph=request.default_graphs or None,
                named_graphs=request.named_graphs or None,
                timeout=self.timeout,
            )
            if len(raw.body) > self._limits.max_bytes:
                raise _too_large("bytes", self._limits)
            answer = raw.parsed()
        except RemoteQueryTimeout:
            raise QueryTimeout(
                f"query exceeded the {self.timeout:g} s timeout of the remote store"
            ) from None
        except RemoteStoreError as error:
            if error.status == 400:
                raise QuerySyntaxError(f"the store rejected the query: {error}") from None
            raise UpstreamFailed(f"the remote store failed: {error}") from None
        except (SyntaxError, ValueError) as error:  # an unparsable answer
            raise UpstreamFailed(f"the remote store sent an unreadable answer: {error}") from None
        try:
            return serialise_answer(answer, request, self._limits)
        except _LimitExceeded as error:
            raise _too_large(str(error), self._limits) from None

    def close(self) -> None:
        pass
