"""Per-build index of the RDF Data Cube observations, for SPARQL aggregates over them.

"Count and sum of one measure's observations by country and year" makes the engine look
up every property of every matching observation: five lookups of ~3 µs each per
observation in pyoxigraph's on-disk store, ~90 ms for 5,000 observations at 1M triples.
The graph is read-only between builds, so the load stage writes the observations'
single-valued properties as one table (``<build dir>/observations-v<N>.sqlite``: a row
per ``qb:Observation``, a column per property, values as term ids) and
`server.aggregate_queries` reads the rows a star pattern selects from it in one indexed
scan.

The rows are the engine's own: one query per property (``SELECT ?s ?o WHERE { ?s a
qb:Observation ; P ?o }``, same default graph as the endpoint), so a star pattern over
the columns has exactly the solutions the engine would find.  A property is a column
only when no observation has two values of it (two values multiply solutions; such
patterns stay with the engine), and only when observations are typed once each (a member
typed in two named graphs is two rows of the union default graph).  Which properties are
columns is decided by a sample of the observations; a property left out only means its
queries go to the engine.  Terms are kept as the engine writes them in a TSV result.
Numbers (xsd:integer and xsd:decimal values) are also kept as scaled 64-bit integers, so
that SQLite sums them exactly.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from graph.listing_index import RDF_TYPE
from graph.sqlitefile import ReadOnlyIndex, written_atomically
from graph.store import tsv_rows, union_options

INDEX_VERSION = 1
INDEX_NAME = f"observations-v{INDEX_VERSION}.sqlite"
OBSERVATION = "http://purl.org/linked-data/cube#Observation"
SAMPLE = 2000  # observations whose properties are the candidate columns
MIN_SAMPLE = 50  # values a property needs in the sample to be judged an identifier
MAX_SCALE = 18  # fraction digits kept (Oxigraph's decimals have 18)
_INT64 = 2**63
XSD = "http://www.w3.org/2001/XMLSchema#"
# How the engine writes numbers in TSV: integers and most decimals bare, the others typed.
_BARE_INTEGER = re.compile(r"[+-]?\d+")
_BARE_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_TYPED_DECIMAL = re.compile(r'"([+-]?(?:\d+(?:\.\d*)?|\.\d+))"\^\^<' + re.escape(XSD) + r"decimal>")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE columns (
    name TEXT PRIMARY KEY,           -- a column of table obs: term ids
    predicate TEXT UNIQUE NOT NULL,
    exclusive INTEGER NOT NULL,      -- every subject of the predicate is an observation
    scale INTEGER                    -- numbers kept as value * 10^scale in n<name>, with
                                     -- d<name> 1 for xsd:decimal, 0 for xsd:integer and
                                     -- NULL for other terms; NULL: no numbers kept
);
-- terms as the engine writes them in a TSV result
CREATE TABLE terms (id INTEGER PRIMARY KEY, term TEXT UNIQUE NOT NULL);
"""


@dataclass(frozen=True)
class CubeStats:
    observations: int
    columns: int
    skipped: int  # candidate properties some observation has twice (left to the engine)
    seconds: float


@dataclass(frozen=True)
class Column:
    name: str
    predicate: str
    exclusive: bool
    scale: int | None  # see the schema


def number(term: str) -> tuple[bool, Decimal] | None:
    """(whether xsd:decimal, value) of an xsd:integer or a valid xsd:decimal as the engine
    writes it in TSV; None for any other term (doubles, ill-typed literals...)."""
    if _BARE_INTEGER.fullmatch(term):
        return False, Decimal(term)
    if _BARE_DECIMAL.fullmatch(term):
        return True, Decimal(term)
    match = _TYPED_DECIMAL.fullmatch(term)
    return None if match is None else (True, Decimal(match.group(1)))


def index_path(build_dir: str | Path) -> Path:
    return Path(build_dir) / INDEX_NAME


def build(db: ox.Store, build_dir: str | Path, *, union: bool = True) -> CubeStats:
    """Write the observation table of ``db`` into ``build_dir`` (atomically).

    ``union``: query with the union of all graphs as the default graph, as the endpoint
    does for a store with named graphs (`graph.store.has_named_graphs`)."""
    started = time.perf_counter()
    query = f"SELECT ?s WHERE {{ ?s <{RDF_TYPE}> <{OBSERVATION}> }}"
    subjects = [row[0] for row in tsv_rows(db, query, union=union)]
    row_of = {subject: row for row, subject in enumerate(subjects)}
    typed_once = len(row_of) == len(subjects)
    columns: list[tuple[str, bool, list[int | None]]] = []  # (predicate, exclusive, ids)
    skipped = 0
    terms: dict[str, int] = {}
    if typed_once and subjects:
        for predicate in _candidate_predicates(db, union):
            values = _column(db, predicate, row_of, terms, union)
            if values is None:
                skipped += 1
            else:
                columns.append((predicate, *values))
    term_of = list(terms)  # id -> term
    with written_atomically(index_path(build_dir), _SCHEMA) as conn:
        table = ["id INTEGER PRIMARY KEY"]
        data: list[list] = [list(range(len(subjects)))]
        for i, (predicate, exclusive, values) in enumerate(columns):
            name = f"c{i}"
            table.append(f"{name} INTEGER")
            data.append(values)
            numbers = _numbers(values, term_of)
            if numbers is not None:
                scale, scaled, decimals = numbers
                table += [f"n{name} INTEGER", f"d{name} INTEGER"]
                data += [scaled, decimals]
            else:
                scale = None
            conn.execute(
                "INSERT INTO columns VALUES (?, ?, ?, ?)", (name, predicate, int(exclusive), scale)
            )
        conn.execute(f"CREATE TABLE obs ({', '.join(table)})")
        conn.executemany(
            f"INSERT INTO obs VALUES ({', '.join('?' * len(table))})", zip(*data, strict=True)
        )
        conn.executemany("INSERT INTO terms VALUES (?, ?)", enumerate(term_of))
        for i in range(len(columns)):
            conn.execute(f"CREATE INDEX obs_c{i} ON obs (c{i})")
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("version", str(INDEX_VERSION)),
                ("class", OBSERVATION),
                ("observations", str(len(subjects))),
                ("typed_once", str(int(typed_once))),
            ],
        )
    return CubeStats(len(subjects), len(columns), skipped, time.perf_counter() - started)


def _candidate_predicates(db: ox.Store, union: bool) -> list[str]:
    """Properties of a sample of the observations, less rdf:type, those with
    language-tagged values (labels and notes) and those linking most observations to a
    resource of their own (their sources): grouping by them would give about one group
    per observation, so there is nothing to pre-aggregate, and their columns would cost
    as much load time as a dimension's."""
    query = f"""SELECT ?p (MAX(COALESCE(LANG(?o), "")) AS ?lang) (COUNT(?o) AS ?n)
        (COUNT(DISTINCT ?o) AS ?distinct) (SUM(IF(isIRI(?o), 1, 0)) AS ?iris) WHERE {{
        {{ SELECT ?s WHERE {{ ?s <{RDF_TYPE}> <{OBSERVATION}> }} LIMIT {SAMPLE} }}
        ?s ?p ?o }} GROUP BY ?p"""
    found = []
    for solution in db.query(query, **union_options(union)):
        predicate, lang = solution["p"], solution["lang"]
        n, distinct, iris = (int(solution[name].value) for name in ("n", "distinct", "iris"))
        if (
            not isinstance(predicate, ox.NamedNode)
            or predicate.value == RDF_TYPE
            or (lang is not None and lang.value)
            or (iris == n >= MIN_SAMPLE and distinct > n // 2)
        ):
            continue
        found.append(predicate.value)
    return sorted(found)


def _column(
    db: ox.Store, predicate: str, row_of: dict[str, int], terms: dict[str, int], union: bool
) -> tuple[bool, list[int | None]] | None:
    """(whether only observations have ``predicate``, the term id of each observation's
    value of it or None), or None when some observation has two values (or one twice)."""
    total = _count(db, predicate, union)
    # Reading every triple of the predicate skips a type lookup per row; when most of
    # its subjects are something else, the join reads fewer.
    scan = total <= 2 * len(row_of)
    if scan:
        query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"
    else:
        query = f"SELECT ?s ?o WHERE {{ ?s <{RDF_TYPE}> <{OBSERVATION}> ; <{predicate}> ?o }}"
    values: list[int | None] = [None] * len(row_of)
    present = 0
    for subject, value in tsv_rows(db, query, union=union):
        row = row_of.get(subject)
        if row is None:
            continue  # not an observation (only read when scanning)
        if values[row] is not None:
            return None
        term = terms.get(value)
        if term is None:
            term = terms[value] = len(terms)
        values[row] = term
        present += 1
    return total == present, values


def _numbers(
    values: list[int | None], term_of: list[str]
) -> tuple[int, list[int | None], list[int | None]] | None:
    """(scale, value * 10^scale, 1 if decimal else 0) of a column's numbers (None where
    the term is no number), or None when it has none or they do not fit in 64 bits."""
    parsed: dict[int, tuple[bool, Decimal] | None] = {}
    for term in set(values) - {None}:
        parsed[term] = number(term_of[term])
    found = [n for n in parsed.values() if n is not None]
    if not found:
        return None
    scale = max(-min(int(value.as_tuple().exponent), 0) for _, value in found)
    if scale > MAX_SCALE:
        return None
    scaled_of: dict[int, tuple[int, int] | None] = {}
    for term, parsed_number in parsed.items():
        if parsed_number is None:
            scaled_of[term] = None
            continue
        scaled = int(parsed_number[1].scaleb(scale))
        if not -_INT64 <= scaled < _INT64:
            return None
        scaled_of[term] = (scaled, int(parsed_number[0]))
    cells = [None if value is None else scaled_of[value] for value in values]
    return (
        scale,
        [None if cell is None else cell[0] for cell in cells],
        [None if cell is None else cell[1] for cell in cells],
    )


def _count(db: ox.Store, predicate: str, union: bool) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate}> ?o }}"
    return int(next(iter(db.query(query, **union_options(union))))["n"].value)


class CubeIndex(ReadOnlyIndex):
    """The observation table of one build (see the module docstring)."""

    file_name = INDEX_NAME

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        self.observations = int(meta.get("observations", "0"))
        usable = meta.get("typed_once") == "1"
        self.columns: dict[str, Column] = (
            {
                predicate: Column(name, predicate, bool(exclusive), scale)
                for name, predicate, exclusive, scale in self.conn.execute(
                    "SELECT name, predicate, exclusive, scale FROM columns"
                )
            }
            if usable
            else {}
        )

    def groups(
        self,
        constants: dict[str, str],
        keys: list[str],
        sums: list[str],
        cap: int,
        *,
        present: Sequence[str] = (),
        floor: int = 0,
    ) -> list[tuple] | None:
        """The observations whose column ``p`` holds term ``constants[p]`` for every
        ``p`` and which have a value in every column of ``keys``, ``sums`` and
        ``present`` (predicates), grouped by their ``keys`` terms: rows ``(key term
        ids..., count, then for each of ``sums``: scaled sum, whether any value is a
        decimal, how many values are numbers)``.  None when more than ``cap`` or fewer
        than ``floor`` observations have the constants, or a sum overflows."""
        columns = [self.columns[p] for p in sorted({*keys, *sums, *present})]
        if any(self.columns[p].scale is None for p in sums):
            return None
        with self.lock:
            where, params = [], []
            for predicate, term in constants.items():
                found = self.conn.execute("SELECT id FROM terms WHERE term = ?", (term,)).fetchone()
                if found is None:
                    return []  # no observation has that value
                where.append(f"{self.columns[predicate].name} = ?")
                params.append(found[0])
            # at most this many match: counted in the constants' index alone
            if where:
                (matching,) = self.conn.execute(
                    f"SELECT COUNT(*) FROM obs WHERE {' AND '.join(where)}", params
                ).fetchone()
            else:
                matching = self.observations
            if matching > cap or matching < floor:
                return None
            where += [f"{column.name} IS NOT NULL" for column in columns]
            condition = f" WHERE {' AND '.join(where)}" if where else ""
            key_names = [self.columns[p].name for p in keys]
            selected = [*key_names, "COUNT(*)"]
            for predicate in sums:
                name = self.columns[predicate].name
                selected += [f"SUM(n{name})", f"MAX(d{name})", f"COUNT(n{name})"]
            sql = f"SELECT {', '.join(selected)} FROM obs{condition}"
            if key_names:
                sql += f" GROUP BY {', '.join(key_names)}"
            try:
                rows = self.conn.execute(sql, params).fetchall()
            except sqlite3.Error:  # an integer overflow
                return None
        # without keys, SQL's one row of an empty selection (COUNT 0) is no group
        return [row for row in rows if row[len(keys)]]

    def terms(self, ids: set[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        listed = sorted(ids)
        with self.lock:
            for start in range(0, len(listed), 500):
                chunk = listed[start : start + 500]
                out.update(
                    self.conn.execute(
                        f"SELECT id, term FROM terms WHERE id IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return out
