"""The SPARQL queries the per-build indexes answer, in front of the query executor.

Class listings ordered by label (`server.listing_queries`, `graph.listing_index`) and
label searches (`server.label_queries`, `graph.label_index`) are recognised token by
token and answered with an index lookup; every other query, and every one an index
cannot answer exactly, goes to the wrapped executor (result cache, query process).
"""

from __future__ import annotations

import os
import threading

from graph.label_index import LabelIndex
from graph.listing_index import ListingIndex
from server.executor import QueryExecutor, QueryRequest, QueryResult, solutions_from_tsv
from server.label_queries import parse_label_search
from server.listing_queries import ListingQuery, parse_listing


class IndexedQueries:
    """Answers class listings and label searches from the published build's indexes,
    everything else (and whatever the indexes cannot answer exactly) through ``inner``."""

    def __init__(self, inner: QueryExecutor, location: str) -> None:
        self.inner = inner
        self.location = location
        # build directory -> its (listing index, label index), either None if missing
        self._indexes: dict[str, tuple[ListingIndex | None, LabelIndex | None]] = {}
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

    def _index(self) -> tuple[ListingIndex | None, LabelIndex | None]:
        build_dir = os.path.realpath(self.location)
        with self._lock:
            if build_dir not in self._indexes:
                # a new build: forget the old indexes (a thread still reading one keeps its
                # reference; the connection closes when the last one is gone)
                self._indexes = {
                    build_dir: (ListingIndex.open(build_dir), LabelIndex.open(build_dir))
                }
            return self._indexes[build_dir]

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
        listings, labels = self._index()
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
        with self._lock:
            indexes, self._indexes = list(self._indexes.values()), {}
        for pair in indexes:
            for index in pair:
                if index is not None:
                    index.close()
        self.inner.close()

    def __getattr__(self, name: str):
        # limits, build_key, worker_pids(), stats ... of the wrapped executor
        return getattr(self.inner, name)
