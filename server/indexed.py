"""The SPARQL queries the per-build indexes answer, around the query executor.

In front of everything (`IndexedQueries`): class listings ordered by label
(`server.listing_queries`, `graph.listing_index`) and label searches
(`server.label_queries`, `graph.label_index`) are recognised token by token and answered
with an index lookup.  Behind the result cache, just before the engine
(`PreAggregated`): counts and sums over observations (`server.aggregate_queries`,
`graph.cube_index`) are pre-aggregated from the observation index and finished by the
engine, so a repeated one is a cache hit under its own text.  Every other query, and
every one an index cannot answer exactly, goes to the engine as written.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
from typing import NamedTuple, TypeVar

from graph.cube_index import CubeIndex
from graph.label_index import LabelIndex
from graph.listing_index import ListingIndex
from server import aggregate_queries
from server.executor import (
    QueryExecutor,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    solutions_from_tsv,
)
from server.label_queries import parse_label_search
from server.listing_queries import ListingQuery, parse_listing


class BuildIndexes:
    """The published build's indexes, opened once per build and shared by the layers."""

    def __init__(self, location: str) -> None:
        self.location = location
        # build directory -> its indexes, each None if missing
        self._opened: dict[str, _Indexes] = {}
        self._lock = threading.Lock()

    def current(self) -> _Indexes:
        build_dir = os.path.realpath(self.location)
        with self._lock:
            if build_dir not in self._opened:
                # a new build: forget the old indexes (a thread still reading one keeps its
                # reference; the connection closes when the last one is gone)
                self._opened = {
                    build_dir: _Indexes(
                        _opened(ListingIndex, build_dir),
                        _opened(LabelIndex, build_dir),
                        _opened(CubeIndex, build_dir),
                    )
                }
            return self._opened[build_dir]

    def close(self) -> None:
        with self._lock:
            opened, self._opened = list(self._opened.values()), {}
        for indexes in opened:
            for index in indexes:
                if index is not None:
                    index.close()


class PreAggregated:
    """Aggregates over observations pre-aggregated from the observation index and
    finished by ``inner`` (the engine); everything else to ``inner`` as written."""

    def __init__(self, inner: QueryExecutor, indexes: BuildIndexes) -> None:
        self.inner = inner
        self.indexes = indexes
        self.pre_aggregated = 0  # aggregates the engine finished from the index (stats)
        self._lock = threading.Lock()
        limits = getattr(inner, "limits", None)
        self.base_iri = limits.base_iri if limits is not None else ""

    def execute(self, request: QueryRequest) -> QueryResult:
        rewritten = self._rewritten(request)
        if rewritten is not None:
            try:
                result = self.inner.execute(rewritten)
            except QuerySyntaxError:
                pass  # never expected: the query as written gets the engine's own answer
            else:
                with self._lock:
                    self.pre_aggregated += 1
                return result
        return self.inner.execute(request)

    def _rewritten(self, request: QueryRequest) -> QueryRequest | None:
        if request.solutions_format is None or request.default_graphs or request.named_graphs:
            return None
        aggregate = aggregate_queries.parse_aggregate(request.query, self.base_iri)
        if aggregate is None:
            return None
        cube = self.indexes.current().observations
        if cube is None:
            return None
        try:
            text = aggregate_queries.rewrite(aggregate, cube)
        except sqlite3.Error:  # an unreadable index costs speed, not the answer
            return None
        return None if text is None else dataclasses.replace(request, query=text)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str):
        # limits, build_key, worker_pids(), stats ... of the wrapped executor
        return getattr(self.inner, name)


class IndexedQueries:
    """Answers class listings and label searches from the published build's indexes,
    everything else (and whatever the indexes cannot answer exactly) through ``inner``."""

    def __init__(
        self, inner: QueryExecutor, location: str, indexes: BuildIndexes | None = None
    ) -> None:
        self.inner = inner
        self.location = location
        self.indexes = indexes if indexes is not None else BuildIndexes(location)
        self._lock = threading.Lock()
        self._local = threading.local()
        self.answered = 0  # queries answered from the index (stats)
        limits = getattr(inner, "limits", None)
        self.base_iri = limits.base_iri if limits is not None else ""

    @property
    def last_hit(self) -> bool:
        """Whether this thread's last answer came from the result cache (not the index)."""
        if getattr(self._local, "indexed", False):
            return False
        return getattr(self.inner, "last_hit", False)

    def execute(self, request: QueryRequest) -> QueryResult:
        result = self._from_index(request)
        self._local.indexed = result is not None
        return result if result is not None else self.inner.execute(request)

    def _index(self) -> _Indexes:
        return self.indexes.current()

    def _from_index(self, request: QueryRequest) -> QueryResult | None:
        key = request.solutions_format
        if key is None or request.default_graphs or request.named_graphs:
            return None
        listing = parse_listing(request.query, self.base_iri)
        search = None if listing is not None else parse_label_search(request.query, self.base_iri)
        if listing is None and search is None:
            return None
        limits = getattr(self.inner, "limits", None)
        # never read more than one row past the cap: over it, the engine reports the error
        cap = None if limits is None else limits.max_rows + 1
        listings, labels, _ = self._index()
        if listing is not None and listings is not None:
            names, rows = listing.names, self._listing_rows(listings, listing, cap)
        elif search is not None and labels is not None:
            names = search.names
            limit = search.limit if cap is None else min(search.limit, cap)
            rows = labels.search(
                list(search.predicates), search.needle, search.columns, search.offset, limit
            )
        else:
            return None
        if rows is None:
            return None
        header = "\t".join(f"?{name}" for name in names)
        tsv = "\n".join([header, *("\t".join(row) for row in rows)]).encode("utf-8") + b"\n"
        answer = solutions_from_tsv(tsv, key, limits)
        if answer is not None:
            with self._lock:
                self.answered += 1
        return answer

    @staticmethod
    def _listing_rows(
        index: ListingIndex, listing: ListingQuery, cap: int | None
    ) -> list[tuple[str, ...]] | None:
        limit = listing.limit
        if cap is not None:
            limit = cap if limit is None else min(limit, cap)
        distinct = None
        if listing.distinct:
            distinct = "values" if listing.projection == ("value",) else "rows"
        rows = index.page(
            listing.cls,
            listing.predicate,
            listing.offset,
            limit,
            listing.descending,
            distinct=distinct,
        )
        if rows is None:
            return None
        return [
            tuple(subject if role == "subject" else value for role in listing.projection)
            for subject, value in rows
        ]

    def close(self) -> None:
        self.indexes.close()
        self.inner.close()

    def __getattr__(self, name: str):
        # limits, build_key, worker_pids(), stats ... of the wrapped executor
        return getattr(self.inner, name)


IndexT = TypeVar("IndexT", ListingIndex, LabelIndex, CubeIndex)


def _opened(kind: type[IndexT], build_dir: str) -> IndexT | None:
    """The build's index of ``kind``; None when it has none or it is unreadable (its
    queries then go to the engine)."""
    try:
        return kind.open(build_dir)
    except sqlite3.Error:
        return None


class _Indexes(NamedTuple):
    listings: ListingIndex | None
    labels: LabelIndex | None
    observations: CubeIndex | None
