"""A bounded in-memory cache of serialised SPARQL answers, in front of any executor.

Safe because the served graph is read-only between builds: an answer depends only on the
data (the executor's ``build_key``), the query text, the protocol dataset and the format,
which together are the key.  A new build changes ``build_key``, so old entries are never
hit again and age out of the LRU.  Errors (timeouts, syntax errors) are not cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from server import results
from server.executor import (
    QueryExecutor,
    QueryFailed,
    QueryRequest,
    QueryResult,
    solutions_from_tsv,
)
from server.slices import (
    OrderedRows,
    SliceShape,
    slice_shape,
    sort_unordered,
    strictly_ordered,
)

# Answers bigger than this share of the budget are not kept: one huge result would evict
# hundreds of the small ones that make up most traffic.  Full ordered results (pages of
# class listings are cut from them, `server.slices`) may take up to half of it.
MAX_ENTRY_SHARE = 8
MAX_ORDERED_SHARE = 2
ENTRY_OVERHEAD = 200  # bytes of bookkeeping per entry, roughly
_UNSLICEABLE = OrderedRows(b"", [])  # marks a full query whose pages go to the engine


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    pages_cut: int = 0  # misses answered from a full ordered result
    entries: int = 0
    bytes: int = 0


class CachingExecutor:
    """Answers repeated requests from memory; ``last_hit`` says whether this thread's most
    recent `execute` was a hit (the endpoint reports it in a response header)."""

    def __init__(self, inner: QueryExecutor, *, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        # key -> (QueryResult or OrderedRows, cost in bytes)
        self._items: OrderedDict[tuple, tuple[QueryResult | OrderedRows, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Lock] = {}  # ordered results being built
        self._local = threading.local()
        self.stats = CacheStats()

    @property
    def last_hit(self) -> bool:
        return getattr(self._local, "hit", False)

    def execute(self, request: QueryRequest) -> QueryResult:
        build_key = getattr(self.inner, "build_key", None)
        if build_key is None:  # the data's identity is unknown: never serve a stale answer
            self._local.hit = False
            return self.inner.execute(request)
        key = (build_key, request)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.stats.hits += 1
                self._local.hit = True
                return found[0]
            self.stats.misses += 1
        self._local.hit = False
        result = self._page(build_key, request)
        if result is None:
            result = self.inner.execute(request)  # outside the lock: misses run in parallel
        cost = len(result.body) + len(request.query) + ENTRY_OVERHEAD
        if cost * MAX_ENTRY_SHARE <= self.max_bytes:
            self._put(key, result, cost)
        return result

    def _put(self, key: tuple, value: QueryResult | OrderedRows, cost: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, cost)
            self._size += cost
            while self._size > self.max_bytes and self._items:
                _, (_, old_cost) = self._items.popitem(last=False)
                self._size -= old_cost
            self.stats.entries, self.stats.bytes = len(self._items), self._size

    def _get(self, key: tuple):
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    # -- pages of ordered results (server.slices) ----------------------------------------

    def _page(self, build_key: str, request: QueryRequest) -> QueryResult | None:
        """The request's page cut from the full ordered result, or None (ask the engine)."""
        key_format = request.solutions_format
        shape = slice_shape(request.query) if key_format is not None else None
        if shape is None:
            return None
        rows = self._ordered(build_key, request, shape)
        if rows is _UNSLICEABLE:
            return None
        page = rows.page(shape.offset, shape.limit)
        answer = solutions_from_tsv(page, key_format, getattr(self.inner, "limits", None))
        if answer is not None:
            with self._lock:
                self.stats.pages_cut += 1
        return answer

    def _ordered(self, build_key: str, request: QueryRequest, shape: SliceShape) -> OrderedRows:
        key = ("ordered", build_key, shape.full_query, request.default_graphs, request.named_graphs)
        found = self._get(key)
        if found is not None:
            return found
        # one build per full result: concurrent first requests for pages of the same listing
        # wait for it instead of each sorting the whole class again (time and memory)
        with self._lock:
            flight = self._building.setdefault(key, threading.Lock())
        with flight:
            found = self._get(key)
            if found is not None:
                return found
            try:
                return self._build_ordered(key, request, shape)
            finally:
                with self._lock:
                    self._building.pop(key, None)

    def _build_ordered(self, key: tuple, request: QueryRequest, shape: SliceShape) -> OrderedRows:
        rows = self._sorted_here(request, shape)
        if rows is None:
            full = QueryRequest(
                shape.full_query, "tsv", None, request.default_graphs, request.named_graphs
            )
            try:
                answer = self.inner.execute(full)
            except QueryFailed:  # too large, too slow...: pages go to the engine one by one
                rows = _UNSLICEABLE
            else:
                good = answer.kind == results.SOLUTIONS and strictly_ordered(
                    answer.body, shape.key_vars
                )
                rows = OrderedRows.from_tsv(answer.body) if good else _UNSLICEABLE
        cost = rows.size + len(shape.full_query) + ENTRY_OVERHEAD
        if cost * MAX_ORDERED_SHARE <= self.max_bytes:
            self._put(key, rows, cost)
        return rows

    def _sorted_here(self, request: QueryRequest, shape: SliceShape) -> OrderedRows | None:
        """The full ordered result from the unordered query sorted here (see
        `server.slices.sort_unordered`), or None to let the engine sort."""
        if not shape.unordered_query:
            return None
        unordered = QueryRequest(
            shape.unordered_query, "tsv", None, request.default_graphs, request.named_graphs
        )
        try:
            answer = self.inner.execute(unordered)
        except QueryFailed:
            return None
        if answer.kind != results.SOLUTIONS:
            return None
        return sort_unordered(answer.body, shape.key_vars, shape.descending)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def close(self) -> None:
        self.clear()
        self.inner.close()

    def __getattr__(self, name: str):
        # worker_pids(), size, timeout ... of the wrapped executor
        return getattr(self.inner, name)
