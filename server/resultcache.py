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

from server.executor import QueryExecutor, QueryRequest, QueryResult

# Answers bigger than this share of the budget are not kept: one huge result would evict
# hundreds of the small ones that make up most traffic.
MAX_ENTRY_SHARE = 8


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


class CachingExecutor:
    """Answers repeated requests from memory; ``last_hit`` says whether this thread's most
    recent `execute` was a hit (the endpoint reports it in a response header)."""

    def __init__(self, inner: QueryExecutor, *, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
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
                return found
            self.stats.misses += 1
        self._local.hit = False
        result = self.inner.execute(request)  # outside the lock: misses run in parallel
        cost = len(result.body) + len(request.query) + 200
        if cost * MAX_ENTRY_SHARE <= self.max_bytes:
            with self._lock:
                if key not in self._items:
                    self._items[key] = result
                    self._size += cost
                    while self._size > self.max_bytes and self._items:
                        old_key, old = self._items.popitem(last=False)
                        self._size -= len(old.body) + len(old_key[1].query) + 200
                self.stats.entries, self.stats.bytes = len(self._items), self._size
        return result

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
