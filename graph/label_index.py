"""Per-build text index of labels, for SPARQL label searches.

``FILTER(CONTAINS(LCASE(STR(?label)), "term"))`` over every label is a full scan in every
engine (0.3 s at 1M triples for a term that matches little).  The load stage writes each
label predicate's (subject, value) pairs with ``LCASE(STR(value))`` into
``<build dir>/labels-v<N>.sqlite`` under an FTS5 trigram index (exact, case-sensitive
substring matching on the lower-cased text), so `server.label_queries` answers such a
search with an index lookup.

The rows are the engine's (one query per predicate, same default graph as the endpoint);
the lexical form is read back from the TSV term and lower-cased with Python's
``str.lower`` (full Unicode case mapping, as Rust's ``to_lowercase`` that Oxigraph's LCASE
uses).  Blank-node values are left out (``STR`` of one is an error, so the FILTER drops
it).  A predicate with a value whose escapes cannot be read is not indexed at all.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.listing_index import LABEL_PREDICATES
from graph.sqlitefile import ReadOnlyIndex, written_atomically
from graph.store import tsv_rows
from graph.tsvorder import lexical_form

INDEX_VERSION = 1
INDEX_NAME = f"labels-v{INDEX_VERSION}.sqlite"

_SCHEMA = """
CREATE TABLE predicate (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
-- subject and value are the terms as the engine writes them in a TSV result;
-- folded is LCASE(STR(value))
CREATE TABLE label (
    id INTEGER PRIMARY KEY,
    predicate INTEGER NOT NULL,
    subject TEXT NOT NULL,
    value TEXT NOT NULL,
    folded TEXT NOT NULL
);
"""
_FTS = (
    "CREATE VIRTUAL TABLE label_text USING fts5("
    "folded, content='label', content_rowid='id', tokenize='trigram case_sensitive 1')"
)


@dataclass(frozen=True)
class LabelIndexStats:
    predicates: int
    rows: int
    full_text: bool  # FTS5 trigram available (else searches scan the table)
    seconds: float


def index_path(build_dir: str | Path) -> Path:
    return Path(build_dir) / INDEX_NAME


def fts5_trigram_available() -> bool:
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as conn:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.Error:
        return False


def build(db: ox.Store, build_dir: str | Path, *, union: bool = True) -> LabelIndexStats:
    """Write the label index of ``db`` into ``build_dir`` (temp file + rename)."""
    started = time.perf_counter()
    full_text = fts5_trigram_available()
    predicates = rows = 0
    with written_atomically(index_path(build_dir), _SCHEMA) as conn:
        for predicate in LABEL_PREDICATES:
            entries = _labels(db, predicate, union)
            if entries is None:
                continue  # unreadable escapes: searches on it go to the engine
            predicates += 1
            rows += len(entries)
            cursor = conn.execute("INSERT INTO predicate (iri) VALUES (?)", (predicate,))
            conn.executemany(
                "INSERT INTO label (predicate, subject, value, folded) VALUES (?, ?, ?, ?)",
                ((cursor.lastrowid, *entry) for entry in entries),
            )
        conn.execute("CREATE INDEX label_predicate ON label (predicate)")
        if full_text:
            conn.execute(_FTS)
            conn.execute("INSERT INTO label_text (label_text) VALUES ('rebuild')")
    return LabelIndexStats(predicates, rows, full_text, time.perf_counter() - started)


def _labels(db: ox.Store, predicate: str, union: bool) -> list[tuple[str, str, str]] | None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"
    entries = []
    for subject, value in tsv_rows(db, query, union=union):
        if value.startswith("_:"):
            continue
        lexical = lexical_form(value)
        if lexical is None:
            return None
        entries.append((subject, value, lexical.lower()))
    return entries


class LabelIndex(ReadOnlyIndex):
    """Read side: label search of one build."""

    file_name = INDEX_NAME

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._predicates = dict(self.conn.execute("SELECT iri, id FROM predicate"))
        self.full_text = bool(
            self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'label_text'").fetchone()
        )

    def search(
        self,
        predicates: list[str],
        needle: str,
        columns: tuple[str, ...],
        offset: int,
        limit: int,
    ) -> list[tuple[str, ...]] | None:
        """Distinct ``columns`` ("subject"/"value") of labels of ``predicates`` whose
        LCASE(STR(value)) contains ``needle``, rows ``[offset, offset + limit)`` in index
        order; None when a predicate is not indexed."""
        ids = []
        for predicate in predicates:
            if predicate not in self._predicates:
                return None
            ids.append(self._predicates[predicate])
        marks = ",".join("?" * len(ids))
        selected = ", ".join(f"label.{c}" for c in columns)
        if self.full_text and len(needle) >= 3:
            # the trigram match narrows the rows; instr() keeps the test exact
            # (FTS5 yields matches in rowid order itself: no sort of all the matches)
            source = "label_text JOIN label ON label.id = label_text.rowid"
            condition = "label_text MATCH ? AND instr(label.folded, ?) > 0"
            params: list = ['"' + needle.replace('"', '""') + '"', needle]
            order = "label_text.rowid"
        else:
            source, condition, params = "label", "instr(label.folded, ?) > 0", [needle]
            order = "label.id"
        sql = (
            f"SELECT {selected} FROM {source} WHERE {condition} "
            f"AND label.predicate IN ({marks}) ORDER BY {order}"
        )
        rows: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        with self.lock:
            # rows come in id order: stop at the page's end, like the engine stops at LIMIT
            for row in self.conn.execute(sql, [*params, *ids]):
                if limit <= 0 or len(rows) >= limit:
                    break
                if row in seen:
                    continue  # DISTINCT
                seen.add(row)
                if len(seen) > offset:
                    rows.append(row)
        return rows
