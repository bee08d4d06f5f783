"""Per-build index of class members ordered by label, for SPARQL class listings.

"Page 3 of a class ordered by label" (``SELECT ?s ?label WHERE { ?s a C ; rdfs:label
?label } ORDER BY ?label ?s LIMIT 50 OFFSET 100``) makes every engine sort the whole class
on every request: 0.4-3.6 s for Oxigraph at 1M triples, which is also our engine.  The
graph is read-only between builds, so the load stage sorts each (class, label predicate)
listing once and writes it to ``<build dir>/listings-v<N>.sqlite``;
`server.listing_queries` answers such queries from it with one indexed range read.

The rows are the engine's own: one unordered query per label predicate
(``SELECT ?c ?s ?o WHERE { ?s a ?c ; P ?o }``, same default graph as the endpoint), so
the multiset of (subject, label) rows of each class is exactly what the endpoint would
sort.  They are sorted here by (label, subject) with `graph.tsvorder`, and a listing is
written only when no two distinct rows can tie, so the order is unique and therefore the
engine's, for ``ASC`` and (reversed) ``DESC``.  A listing that cannot be proven (numbers,
blank nodes, labels in two languages next to each other...) is left out and its queries
go to the engine as before.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pyoxigraph as ox

from graph.sqlitefile import ReadOnlyIndex, written_atomically
from graph.store import tsv_rows, union_options
from graph.tsvorder import keys_never_tie, term_key

INDEX_VERSION = 1
INDEX_NAME = f"listings-v{INDEX_VERSION}.sqlite"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# Predicates whose values name a resource: the ones class listings are ordered by.
LABEL_PREDICATES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
    "http://schema.org/name",
    "http://xmlns.com/foaf/0.1/name",
)

_SCHEMA = """
CREATE TABLE listing (
    id INTEGER PRIMARY KEY,
    class TEXT NOT NULL,
    predicate TEXT NOT NULL,
    size INTEGER NOT NULL,
    repeats_rows INTEGER NOT NULL,   -- some (subject, value) row occurs twice
    repeats_values INTEGER NOT NULL, -- some value occurs twice
    UNIQUE (class, predicate)
);
-- subject and value are the terms as the engine writes them in a TSV result
CREATE TABLE entry (
    listing INTEGER NOT NULL,
    pos INTEGER NOT NULL,
    subject TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (listing, pos)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class IndexStats:
    listings: int  # (class, predicate) pairs written, empty ones included
    rows: int
    skipped: int  # pairs whose order is not certain (left to the engine)
    seconds: float


def index_path(build_dir: str | Path) -> Path:
    return Path(build_dir) / INDEX_NAME


def build(db: ox.Store, build_dir: str | Path, *, union: bool = True) -> IndexStats:
    """Write the index of ``db`` into ``build_dir`` (atomically: temp file + rename).

    ``union``: query with the union of all graphs as the default graph, as the endpoint
    does for a store with named graphs (`graph.store.has_named_graphs`)."""
    started = time.perf_counter()
    listings = rows = skipped = 0
    with written_atomically(index_path(build_dir), _SCHEMA) as conn:
        classes = _classes(db, union)
        for predicate in LABEL_PREDICATES:
            listed = dict(_sorted_listings(db, predicate, union))
            # a class none of whose members has the predicate lists nothing: say so
            # (the engine would join every member to find that out)
            for cls in classes - listed.keys():
                listed[cls] = []
            for cls, entries in sorted(listed.items()):
                if entries is None:
                    skipped += 1
                    continue
                listings += 1
                rows += len(entries)
                cursor = conn.execute(
                    "INSERT INTO listing (class, predicate, size, repeats_rows, repeats_values)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        cls,
                        predicate,
                        len(entries),
                        any(a == b for a, b in pairwise(entries)),
                        any(a[1] == b[1] for a, b in pairwise(entries)),
                    ),
                )
                conn.executemany(
                    "INSERT INTO entry VALUES (?, ?, ?, ?)",
                    ((cursor.lastrowid, pos, s, o) for pos, (s, o) in enumerate(entries)),
                )
    return IndexStats(listings, rows, skipped, time.perf_counter() - started)


def _classes(db: ox.Store, union: bool) -> set[str]:
    query = f"SELECT DISTINCT ?c WHERE {{ ?s <{RDF_TYPE}> ?c FILTER(isIRI(?c)) }}"
    return {solution["c"].value for solution in db.query(query, **union_options(union))}


def _sorted_listings(
    db: ox.Store, predicate: str, union: bool
) -> Iterator[tuple[str, list[tuple[str, str]] | None]]:
    """(class IRI, [(subject, value) TSV terms in (value, subject) order] or None when the
    order is not certain) for every class with members that have ``predicate``."""
    query = f"SELECT ?c ?s ?o WHERE {{ ?s <{RDF_TYPE}> ?c ; <{predicate}> ?o }}"
    by_class: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cls, subject, value in tsv_rows(db, query, union=union):
        by_class[cls].append((subject, value))
    for cls_term, members in by_class.items():
        if not (cls_term.startswith("<") and cls_term.endswith(">")):
            continue  # a blank-node class cannot be named in a query
        yield cls_term[1:-1], _sort(members)


def _sort(members: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    keyed = []
    for subject, value in members:
        value_key, subject_key = term_key(value), term_key(subject)
        if value_key is None or subject_key is None:
            return None
        keyed.append(((value_key, subject_key), subject, value))
    keyed.sort(key=lambda item: (item[0][0][:2], item[0][1][:2]))
    if not keys_never_tie(item[0] for item in keyed):
        return None
    return [(subject, value) for _, subject, value in keyed]


class ListingIndex(ReadOnlyIndex):
    """Read side: pages of one build's listings."""

    file_name = INDEX_NAME

    def page(
        self,
        cls: str,
        predicate: str,
        offset: int,
        limit: int | None,
        descending: bool,
        *,
        distinct: str | None = None,
    ) -> list[tuple[str, str]] | None:
        """Rows ``[offset, offset + limit)`` of the listing in (value, subject) order (or
        its reverse), as (subject, value) TSV terms; None when the listing is not indexed.

        ``distinct``: "rows" or "values" for a SELECT DISTINCT of both terms or of the
        values only; None (not answerable here) when such duplicates exist, because
        DISTINCT comes before OFFSET and the positions would no longer be the rows'."""
        with self.lock:
            found = self.conn.execute(
                "SELECT id, size, repeats_rows, repeats_values FROM listing "
                "WHERE class = ? AND predicate = ?",
                (cls, predicate),
            ).fetchone()
        if found is None:
            return None
        listing_id, size, repeats_rows, repeats_values = found
        if (distinct == "rows" and repeats_rows) or (distinct == "values" and repeats_values):
            return None
        end = size if limit is None else min(size, offset + limit)
        if offset >= end:
            return []
        if descending:
            low, high, order = size - end, size - offset, "DESC"
        else:
            low, high, order = offset, end, "ASC"
        with self.lock:
            return self.conn.execute(
                f"SELECT subject, value FROM entry WHERE listing = ? AND pos >= ? AND pos < ? "
                f"ORDER BY pos {order}",
                (listing_id, low, high),
            ).fetchall()
