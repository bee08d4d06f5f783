"""Per-build browse index: class listings and label search, in one small SQLite file.

Why a side index: sorting a class of 100k members by label, or matching a word inside
every label, is a full scan plus a sort in SPARQL on every page view.  The published graph
never changes (a new build is a new directory), so we compute the listings and the folded
labels once, lazily on first use, into ``<build dir>/ui-index-v<N>.sqlite`` and answer
pages with indexed SQLite lookups.  The file is written to a temporary name and renamed,
so concurrent workers never see a half-written index.

Search ranks exact > prefix > word prefix > substring, then shorter labels first; matching is
case- and accent-insensitive (both sides are folded with :func:`fold`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.namespaces import DCTERMS, RDF, RDFS, SKOS, Vocab
from graph.tsvorder import lexical_form

INDEX_VERSION = 1
INDEX_NAME = f"ui-index-v{INDEX_VERSION}.sqlite"
SORTS = ("label", "mentions", "observations")

# Predicates whose literal values are searchable names of a resource (ont:acronym is added
# per base IRI).  Display labels prefer the first present in DISPLAY_LABELS.
_SEARCH_PREDICATES = (SKOS.prefLabel, RDFS.label, SKOS.altLabel, DCTERMS.title)
_DISPLAY_LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
_LABEL_RANK = {str(p): i for i, p in enumerate(_DISPLAY_LABELS)}

_build_lock = threading.Lock()
_known: dict[str, Path] = {}  # build directory -> ready index file (per process)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded,
    whitespace collapsed.  'Côte d’Ivoire' and 'COTE D’IVOIRE' fold to the same string."""
    if text.isascii():  # nothing to decompose or strip (most labels; 10x faster)
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL query, refusing any IRI that could break out of the brackets
    (the characters SPARQL's IRIREF production forbids)."""
    if _IRI_FORBIDDEN.search(iri) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise ValueError(f"not a safe absolute IRI: {iri!r}")
    return f"<{iri}>"


def local_name(iri: str) -> str:
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


def humanise(name: str) -> str:
    """'GCMObjective' -> 'GCM objective', 'SourcePassage' -> 'Source passage'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    words = spaced.split()
    out = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    return (out[0][:1].upper() + out[0][1:] + "".join(" " + w for w in out[1:])) if out else name


def kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


@dataclass(frozen=True)
class ClassInfo:
    iri: str
    prefixed: str  # "ont:Country"
    slug: str  # "countries"
    label: str  # "Country" (rdfs:label from the ontology, else the humanised local name)
    count: int
    has_mentions: bool
    has_observations: bool


@dataclass(frozen=True)
class Member:
    iri: str
    label: str
    mentions: int
    observations: int
    part_of: str | None
    part_of_label: str | None


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str  # display label of the entity
    matched: str  # the label or acronym that matched
    rank: int  # 0 exact, 1 prefix, 2 word prefix, 3 substring
    classes: tuple[str, ...]  # class labels


@dataclass(frozen=True)
class Page:
    items: list[Member]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE classes (iri TEXT PRIMARY KEY, prefixed TEXT, slug TEXT, label TEXT, count INT,
                      has_mentions INT, has_observations INT);
CREATE TABLE entities (iri TEXT PRIMARY KEY, label TEXT, norm TEXT, mentions INT DEFAULT 0,
                       observations INT DEFAULT 0, part_of TEXT);
CREATE TABLE members (cls TEXT, iri TEXT, norm TEXT, mentions INT, observations INT,
                      PRIMARY KEY (cls, iri)) WITHOUT ROWID;
CREATE TABLE labels (rowid INTEGER PRIMARY KEY, iri TEXT, label TEXT, norm TEXT, len INT,
                     UNIQUE (iri, label));
-- word index over the folded labels (already case- and accent-folded, so no diacritics option)
CREATE VIRTUAL TABLE label_words USING fts5(norm, content='labels', content_rowid='rowid',
                                            tokenize='unicode61');
"""

_INDEXES = """
CREATE INDEX members_label ON members (cls, norm, iri);
CREATE INDEX members_iri ON members (iri);
CREATE INDEX members_mentions ON members (cls, mentions, norm);
CREATE INDEX members_observations ON members (cls, observations, norm);
CREATE INDEX labels_norm ON labels (norm, len);
INSERT INTO label_words (label_words) VALUES ('rebuild');
"""


class UiIndex:
    """Read side of the index of one build.  Use :meth:`for_store`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_store(cls, store, vocab: Vocab) -> UiIndex:
        """The index of the store's current build, built on first use."""
        directory = Path(store.directory)
        key = str(directory)
        path = _known.get(key)
        if path is None or not path.exists():
            with _build_lock:
                path = _known.get(key)
                if path is None or not path.exists():
                    path = _index_path(directory)
                    if not path.exists():
                        with _cross_process_lock(path):  # another process may be building it
                            if not path.exists():
                                build_index(store, vocab, path)
                    _known[key] = path
        return cls(path)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            yield conn
        finally:
            conn.close()

    # -- classes ------------------------------------------------------------------------
    def classes(self) -> list[ClassInfo]:
        with self._db() as db:
            rows = db.execute(
                "SELECT iri, prefixed, slug, label, count, has_mentions, has_observations "
                "FROM classes ORDER BY label"
            ).fetchall()
        return [ClassInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6])) for r in rows]

    def resolve_class(self, name: str) -> ClassInfo | None:
        """A class by prefixed name ('ont:Country'), slug ('countries'), singular slug
        ('country') or full IRI."""
        wanted = name.strip()
        for info in self.classes():
            singular = kebab(local_name(info.iri))
            if wanted in (info.prefixed, info.slug, info.iri, singular) or wanted.lower() in (
                info.slug,
                singular,
            ):
                return info
        return None

    def members(
        self,
        cls_iri: str,
        *,
        sort: str = "label",
        descending: bool = False,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        if sort not in SORTS:
            sort = "label"
        direction = "DESC" if descending else "ASC"
        # the ORDER BY matches an index, so a deep page costs an index walk, not a sort
        order = (
            f"m.norm {direction}, m.iri {direction}"
            if sort == "label"
            else f"m.{sort} {direction}, m.norm ASC, m.iri ASC"
        )
        page = max(1, page)
        with self._db() as db:
            total = db.execute("SELECT count(*) FROM members WHERE cls = ?", (cls_iri,)).fetchone()[
                0
            ]
            # page through the covering index first, then join only the rows shown
            rows = db.execute(
                "SELECT e.iri, e.label, e.mentions, e.observations, e.part_of, p.label "
                f"FROM (SELECT m.iri, m.norm, m.mentions, m.observations FROM members m "
                f"      WHERE m.cls = ? ORDER BY {order} LIMIT ? OFFSET ?) m "
                "JOIN entities e ON e.iri = m.iri LEFT JOIN entities p ON p.iri = e.part_of "
                f"ORDER BY {order}",
                (cls_iri, per_page, (page - 1) * per_page),
            ).fetchall()
        return Page([Member(*r) for r in rows], total, page, per_page)

    # -- labels -------------------------------------------------------------------------
    def label(self, iri: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT label FROM entities WHERE iri = ?", (iri,)).fetchone()
        return row[0] if row else None

    def labels(self, iris: list[str]) -> dict[str, str]:
        if not iris:
            return {}
        out: dict[str, str] = {}
        with self._db() as db:
            for start in range(0, len(iris), 500):
                chunk = iris[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for iri, label in db.execute(
                    f"SELECT iri, label FROM entities WHERE iri IN ({marks})", chunk
                ):
                    out[iri] = label
        return out

    def search(self, query: str, *, cls_iri: str | None = None, limit: int = 50) -> list[Hit]:
        """Entities whose labels match, best rank first, then shorter labels.

        Tiers run cheapest first and stop once ``limit`` entities are found: exact and
        prefix use the B-tree on the folded label, word prefix the FTS5 index, and only
        if those leave room does a substring scan run (the one full scan)."""
        q = fold(query)
        if not q:
            return []
        type_join = "JOIN members m ON m.iri = l.iri AND m.cls = :cls" if cls_iri else ""
        tiers = [
            "l.norm = :q",
            "l.norm >= :q AND l.norm < :q_end",
            "l.rowid IN (SELECT rowid FROM label_words WHERE label_words MATCH :words)",
            "l.norm LIKE :sub ESCAPE '\\'",
        ]
        tokens = re.findall(r"\w+", q)
        params = {
            "q": q,
            "q_end": q + "\U0010ffff",
            # a phrase whose last token is a prefix: the query starts at a word boundary
            "words": '"' + " ".join(tokens) + '"*' if tokens else None,
            "sub": f"%{_like_escape(q)}%",
            "cls": cls_iri,
        }
        found: dict[str, tuple[int, str]] = {}
        with self._db() as db:
            for rank, condition in enumerate(tiers):
                if len(found) >= limit or (rank == 2 and not tokens) or (rank == 3 and len(q) < 2):
                    continue
                rows = db.execute(
                    f"SELECT l.iri, l.label FROM labels l {type_join} WHERE {condition} "
                    "ORDER BY l.len, l.norm",
                    params,
                )
                for iri, label in rows:
                    if iri not in found:
                        found[iri] = (rank, label)
                        if len(found) >= limit:
                            break
            hits = []
            for iri, (rank, matched) in found.items():
                label_row = db.execute(
                    "SELECT label FROM entities WHERE iri = ?", (iri,)
                ).fetchone()
                classes = tuple(
                    r[0]
                    for r in db.execute(
                        "SELECT c.label FROM members m JOIN classes c ON c.iri = m.cls "
                        "WHERE m.iri = ? ORDER BY c.label",
                        (iri,),
                    )
                )
                hits.append(
                    Hit(iri, label_row[0] if label_row else matched, matched, rank, classes)
                )
        return hits

    def stats(self) -> dict[str, str]:
        with self._db() as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())


@contextlib.contextmanager
def _cross_process_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` beside ``path``: the server's warm-up process and a worker
    answering the first search never both build the index (it costs seconds and memory)."""
    import fcntl

    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = open(lock_path, "a+b")  # noqa: SIM115 (closed below)
    except OSError:  # an unwritable location: building without the lock is still correct
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # releases the lock


def _index_path(build_dir: Path) -> Path:
    """Inside the build directory when it is writable, else in the temp dir keyed by it."""
    if os.access(build_dir, os.W_OK):
        return build_dir / INDEX_NAME
    digest = hashlib.sha256(str(build_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"migkg-{digest}-{INDEX_NAME}"


def _text(term) -> str:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else str(term)


def build_index(store, vocab: Vocab, path: Path) -> None:
    """Compute listings and labels of ``store`` into ``path`` (atomic rename)."""
    import time

    started = time.perf_counter()
    ont = str(vocab.ont)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if tmp.exists():
        tmp.unlink()
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        # The collectors are independent reads; pyoxigraph evaluates and serialises without
        # the GIL, so the engine-bound ones run while the Python-bound ones parse.
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="browse-index") as pool:
            observations_f = pool.submit(
                _count, store, vocab, "?o a qb:Observation ; ?p ?e . FILTER(?p != rdf:type)", "?o"
            )
            part_of_f = pool.submit(_collect_part_of, store, vocab)
            exacts_f = pool.submit(_collect_mention_quotes, store, vocab)
            types = _collect_types(store, ont)
            labels, display = _collect_labels(store, ont)
            mentions = _count(store, vocab, "?m oa:hasBody ?e .", "?m")
            locators = _collect_literal(store, ont + "locator")
            observations, part_of, exacts = (
                observations_f.result(),
                part_of_f.result(),
                exacts_f.result(),
            )

        entities = set(types) | set(display)
        rows = []
        for iri in entities:
            label = display.get(iri) or _fallback_label(iri, exacts, locators)
            rows.append(
                (
                    iri,
                    label,
                    fold(label),
                    mentions.get(iri, 0),
                    observations.get(iri, 0),
                    part_of.get(iri),
                )
            )
        db.executemany("INSERT INTO entities VALUES (?,?,?,?,?,?)", rows)
        by_iri = {r[0]: r for r in rows}
        member_rows = [
            (cls, iri, by_iri[iri][2], by_iri[iri][3], by_iri[iri][4])
            for iri, classes in types.items()
            for cls in classes
        ]
        db.executemany("INSERT OR IGNORE INTO members VALUES (?,?,?,?,?)", member_rows)
        folded = {row[1]: row[2] for row in rows}  # display labels are folded already
        db.executemany(
            "INSERT OR IGNORE INTO labels (iri, label, norm, len) VALUES (?,?,?,?)",
            ((iri, label, folded.get(label) or fold(label), len(label)) for iri, label in labels),
        )
        class_labels = _collect_class_labels(store, {c for cs in types.values() for c in cs})
        for cls, count, with_mentions, with_obs in db.execute(
            "SELECT cls, count(*), sum(mentions > 0), sum(observations > 0) FROM members GROUP BY cls"
        ).fetchall():
            name = local_name(cls)
            db.execute(
                "INSERT INTO classes VALUES (?,?,?,?,?,?,?)",
                (
                    cls,
                    f"ont:{name}",
                    plural(kebab(name)),
                    class_labels.get(cls) or humanise(name),
                    count,
                    int(with_mentions > 0),
                    int(with_obs > 0),
                ),
            )
        db.executescript(_INDEXES)
        db.executemany(
            "INSERT INTO meta VALUES (?,?)",
            [
                ("version", str(INDEX_VERSION)),
                ("entities", str(len(rows))),
                ("labels", str(len(labels))),
                ("build_seconds", f"{time.perf_counter() - started:.2f}"),
            ],
        )
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)


def _collect_types(store, ont: str) -> dict[str, set[str]]:
    """Resources typed with a class of the project ontology (every instance has one)."""
    types: dict[str, set[str]] = {}
    for quad in store.quads(None, ox.NamedNode(str(RDF.type)), None, None):
        s, o = quad.subject, quad.object
        if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode) and o.value.startswith(ont):
            types.setdefault(s.value, set()).add(o.value)
    return types


def _collect_labels(store, ont: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    labels: set[tuple[str, str]] = set()
    display: dict[str, tuple[int, int, str]] = {}  # iri -> (predicate rank, language rank, label)
    for predicate in (*_SEARCH_PREDICATES, ont + "acronym"):
        pred = str(predicate)
        for quad in store.quads(None, ox.NamedNode(pred), None, None):
            s, o = quad.subject, quad.object
            if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.Literal):
                continue
            text = " ".join(o.value.split())
            if not text:
                continue
            labels.add((s.value, text))
            if pred in _LABEL_RANK:
                lang = o.language or ""
                lang_rank = 0 if lang in ("", "en") or lang.startswith("en-") else 1
                candidate = (_LABEL_RANK[pred], lang_rank, text)
                if s.value not in display or candidate < display[s.value]:
                    display[s.value] = candidate
    return sorted(labels), {iri: c[2] for iri, c in display.items()}


def _collect_literal(store, predicate: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for quad in store.quads(None, ox.NamedNode(predicate), None, None):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
            out.setdefault(quad.subject.value, quad.object.value)
    return out


def _collect_class_labels(store, classes: set[str]) -> dict[str, str]:
    """English (or untagged) rdfs:label of each class (a few lookups, not a label scan)."""
    out: dict[str, str] = {}
    label = ox.NamedNode(str(RDFS.label))
    for cls in sorted(classes):
        for quad in store.quads(ox.NamedNode(cls), label, None, None):
            if isinstance(quad.object, ox.Literal) and quad.object.language in (None, "en"):
                out.setdefault(cls, quad.object.value)
    return out


def _prolog(vocab: Vocab) -> str:
    return vocab.sparql_prolog()


def _tsv_pairs(store, sparql: str) -> list[tuple[str, str]]:
    """The two columns of a SELECT as strings (``STR()`` of each term), read from TSV: at
    1M triples this is ~4x faster than building a Python term per value.  A blank node or
    an unreadable escape falls back to terms."""
    tsv = store.query(sparql).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
    pairs = []
    for line in tsv.split("\n")[1:]:
        if not line:
            continue
        first, second = line.split("\t")
        if not first or not second:
            continue
        texts = lexical_form(first), lexical_form(second)
        if texts[0] is None or texts[1] is None:
            rows = (list(row.values()) for row in store.select(sparql))
            return [(_text(row[0]), _text(row[1])) for row in rows if len(row) == 2]
        pairs.append(texts)
    return pairs


def _count(store, vocab: Vocab, pattern: str, counted: str) -> dict[str, int]:
    sparql = (
        _prolog(vocab)
        + f"SELECT ?e (COUNT(DISTINCT {counted}) AS ?n) WHERE {{ {pattern} FILTER(isIRI(?e)) }} GROUP BY ?e"
    )
    return {e: int(n) for e, n in _tsv_pairs(store, sparql)}


def _collect_part_of(store, vocab: Vocab) -> dict[str, str]:
    """What a resource belongs to: its document (passages, sections) or its data set."""
    sparql = _prolog(vocab) + (
        "SELECT ?s (MIN(STR(?whole)) AS ?w) WHERE { { ?s dct:isPartOf ?whole } UNION { ?s qb:dataSet ?whole } "
        "FILTER(isIRI(?whole)) } GROUP BY ?s"
    )
    return dict(_tsv_pairs(store, sparql))


def _collect_mention_quotes(store, vocab: Vocab) -> dict[str, str]:
    """The quoted text of each annotation, its name when it has no label."""
    sparql = _prolog(vocab) + (
        "SELECT ?m (MIN(?exact) AS ?x) WHERE { ?m oa:hasTarget ?t . ?t oa:hasSelector ?sel . "
        "?sel oa:exact ?exact } GROUP BY ?m"
    )
    return dict(_tsv_pairs(store, sparql))


def _fallback_label(iri: str, quotes: dict[str, str], locators: dict[str, str]) -> str:
    if iri in quotes:
        return f"“{quotes[iri]}”"
    if iri in locators:
        return locators[iri]
    return local_name(iri)
