"""The browse UI: server-rendered HTML pages over the published graph (works without JS).

Pages: home ``/``, classes ``/classes/<name>``, search ``/search``, reading view
``/read/<doc>``, query editor ``/query``, SHACL report ``/validation``, charts ``/charts``.
Listings and search come from the per-build SQLite index (``server.search``); everything
else asks the store with SPARQL in which user input only ever appears as a checked IRI
(``iri_ref``).  Templates are autoescaped; nothing user-supplied is marked safe.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup, escape

from graph.config import QUERIES_DIR, Settings
from graph.namespaces import STANDARD_PREFIXES, Vocab, vocab
from graph.remote import store_for
from graph.store import SHACL_REPORT, EmbeddedStore, StoreError
from server import charts as charts_mod
from server import linkeddata, sparql
from server.executor import QueryExecutor, QueryFailed, QueryRequest
from server.results import GRAPH
from server.search import SORTS, Hit, UiIndex, iri_ref, local_name

bp = Blueprint("ui", __name__)

PER_PAGE_CHOICES = (25, 50, 100, 200)
HTML_ROW_LIMIT = 1000  # rows shown in the query page; downloads carry everything
DOWNLOAD_FORMATS = (
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("json", "SPARQL JSON"),
    ("xml", "SPARQL XML"),
)
GRAPH_FORMATS = (
    ("ttl", "Turtle"),
    ("nt", "N-Triples"),
    ("jsonld", "JSON-LD"),
    ("rdfxml", "RDF/XML"),
    ("nq", "N-Quads"),
    ("trig", "TriG"),
)
STORE_EXTENSION = "migkg.store"  # app.extensions key of the shared EmbeddedStore
QUERIES_DIR_CONFIG = "MIGKG_QUERIES_DIR"  # app.config override of the examples folder


# --- access to the store -----------------------------------------------------------------


def settings() -> Settings:
    return current_app.config["MIGKG"]


def store() -> EmbeddedStore:
    """The app's shared store (created on first use when the app did not set one)."""
    existing = current_app.extensions.get(STORE_EXTENSION)
    if existing is None:
        # an http(s) URL is a remote SPARQL store (graph.remote); else the embedded one
        existing = store_for(settings().store, timeout=settings().query_timeout)
        current_app.extensions[STORE_EXTENSION] = existing
    return existing


def graph_vocab() -> Vocab:
    base = store().info.get("base_iri") or settings().base_iri
    return vocab(base)


def index() -> UiIndex:
    return UiIndex.for_store(store(), graph_vocab())


def warm_index(app) -> None:
    """Build the browse index of the published build now (serve start-up), so the first
    visitor does not wait for it; a no-op when it exists.  Safe in several workers: each
    writes a temporary file and renames it."""
    with app.app_context(), contextlib.suppress(StoreError):  # nothing published: pages say so
        index()


def select(sparql: str) -> list[dict]:
    return store().select(graph_vocab().sparql_prolog() + sparql)


def text(term) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


# --- template helpers ----------------------------------------------------------------------


def href(iri: str | None) -> str:
    """Link target of an IRI, the same as on the linked-data pages: entity pages for our
    entities, paths for our other IRIs, external IRIs as they are."""
    return linkeddata.link(iri)


def curie(iri: str) -> str:
    prefixes = {**STANDARD_PREFIXES, **graph_vocab().prefixes()}
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(prefixes.get(best, "")):
            best = prefix
    if best:
        rest = iri[len(prefixes[best]) :]
        if re.fullmatch(r"[\w.\-/]*", rest):
            return f"{best}:{rest}"
    return iri


def page_url(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


DISPLAY_LABELS = Path(__file__).resolve().parent.parent / "ontology" / "display-labels.csv"


@functools.lru_cache(maxsize=4)
def _display_labels(prefixes: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    """IRI -> (label, inverse label) of standard-vocabulary terms, from the reference file
    (written as CURIEs so it does not depend on the base IRI)."""
    known = dict(prefixes)
    found: dict[str, tuple[str, str]] = {}
    with DISPLAY_LABELS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            prefix, _, rest = row["term"].partition(":")
            if prefix in known:
                found[known[prefix] + rest] = (row["label"], row["inverse_label"])
    return found


def display_labels() -> dict[str, tuple[str, str]]:
    return _display_labels(tuple(sorted(graph_vocab().prefixes().items())))


@bp.app_template_global("term_label")
def term_label(iri: str, inverse: bool = False) -> str | None:
    """Readable name of a property or class of a standard vocabulary (None when unknown);
    ``inverse`` names the property read backwards ("mentioned in" for schema:mentions)."""
    try:
        label, inverse_label = display_labels().get(iri, ("", ""))
    except (StoreError, OSError):
        return None
    return (inverse_label if inverse else label) or None


@bp.app_template_global("ui_country_charts")
def ui_country_charts(country_iri: str) -> Markup:
    """Inline SVG charts for a country page (for entity.html: ``{{ ui_country_charts(iri) }}``)."""
    try:
        found = charts_mod.country_charts(store(), graph_vocab(), country_iri)
    except ValueError:
        return Markup("")
    return Markup("").join(
        Markup('<figure class="chart-figure">{}<figcaption>{}</figcaption></figure>').format(
            c.svg(href), c.title
        )
        for c in found
    )


@bp.app_context_processor
def _helpers() -> dict:
    return {"href": href, "curie": curie, "page_url": page_url}


# --- home ------------------------------------------------------------------------------------


@dataclass
class Example:
    name: str
    question: str
    query: str


def examples() -> list[Example]:
    """Example queries: each ``queries/*.rq`` file starts with a ``# question`` line."""
    folder = Path(current_app.config.get(QUERIES_DIR_CONFIG) or QUERIES_DIR)
    found = []
    for path in sorted(folder.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        first = query.lstrip().splitlines()[0] if query.strip() else ""
        question = (
            first.lstrip("#").strip() if first.startswith("#") else path.stem.replace("-", " ")
        )
        found.append(Example(path.stem, question, query))
    return found


def documents() -> list[dict]:
    rows = select(
        """SELECT ?doc (SAMPLE(?t) AS ?title) (SAMPLE(?y) AS ?year) (SAMPLE(?pl) AS ?publisher)
                  (SAMPLE(?src) AS ?source) WHERE {
             ?doc a ont:SourceDocument .
             OPTIONAL { ?doc dct:title ?t } OPTIONAL { ?doc ont:reportingYear ?y }
             OPTIONAL { ?doc dct:source ?src FILTER(isLiteral(?src)) }
             OPTIONAL { ?doc dct:publisher ?p . OPTIONAL { ?p rdfs:label ?pl } }
           } GROUP BY ?doc ORDER BY ?title"""
    )
    return [
        {
            "iri": text(r["doc"]),
            "slug": doc_slug(text(r["doc"])),
            "title": text(r["title"]) if "title" in r else local_name(text(r["doc"])),
            "year": text(r["year"]) if "year" in r else None,
            "publisher": text(r["publisher"]) if "publisher" in r else None,
            "source": text(r["source"]) if "source" in r else None,
        }
        for r in rows
    ]


def doc_slug(doc_iri: str) -> str:
    marker = "id/document/"
    return doc_iri.split(marker, 1)[1] if marker in doc_iri else local_name(doc_iri)


@bp.route("/")
def home():
    try:
        info = store().info
        classes = index().classes()
    except StoreError as err:
        return render_template("ui/no_store.html", message=str(err)), 503
    featured = charts_mod.sex_by_year_charts(store(), graph_vocab())[:1]
    scalars = {
        k: v for k, v in info.items() if isinstance(v, str | int | float) and k != "base_iri"
    }
    return render_template(
        "ui/home.html",
        info=info,
        scalars=scalars,
        counts=info.get("counts") if isinstance(info.get("counts"), dict) else {},
        classes=classes,
        documents=documents(),
        examples=examples(),
        featured=featured,
    )


# --- classes ---------------------------------------------------------------------------------


MAX_PAGE = 10**9  # past the last page anyway; keeps the number a 64-bit SQLite integer


@bp.route("/classes/")
def classes_index():
    return render_template("ui/classes.html", classes=index().classes())


@bp.route("/classes/<path:name>")
def class_page(name: str):
    idx = index()
    info = idx.resolve_class(name)
    if info is None:
        abort(404, description=f"No class named {name!r} in this graph.")
    sort = request.args.get("sort", "label")
    if sort not in SORTS or (sort == "mentions" and not info.has_mentions):
        sort = "label"
    if sort == "observations" and not info.has_observations:
        sort = "label"
    order = request.args.get("order", "asc" if sort == "label" else "desc")
    per_page = request.args.get("per_page", 50, type=int)
    per_page = per_page if per_page in PER_PAGE_CHOICES else 50
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    listing = idx.members(
        info.iri, sort=sort, descending=order == "desc", page=page, per_page=per_page
    )
    if page > listing.pages:
        return redirect(page_url(page=listing.pages))
    return render_template(
        "ui/class.html",
        cls=info,
        listing=listing,
        sort=sort,
        order=order,
        per_page=per_page,
        per_page_choices=PER_PAGE_CHOICES,
    )


@bp.route("/documents/")
def documents_page():
    return render_template("ui/documents.html", documents=documents())


@bp.route("/documents/<path:doc>")
def document_redirect(doc: str):
    return redirect(url_for("ui.read", doc=doc))


# --- search ----------------------------------------------------------------------------------


SEARCH_FETCH = 300  # matches read from the index; facets count these
SEARCH_SHOWN = 100  # matches shown per group
# Classes whose members are records about the text (where something is said), listed
# after the things themselves; concepts (measures, units) come after named entities.
RECORD_CLASSES = ("Mention", "SourcePassage", "Statement", "Observation")
CONCEPT_CLASSES = ("Measure", "Unit", "Dataset", "Section", "SourceDocument")


def arrange_hits(hits: list[Hit], classes: list) -> tuple[list[Hit], list[Hit]]:
    """(things, records): named entities before concepts within each match rank, then the
    text records (mentions, passages, statements, observations) in their own list."""
    ont = str(graph_vocab().ont)
    label_of = {c.iri: c.label for c in classes}
    records = {label_of.get(ont + name) for name in RECORD_CLASSES} - {None}
    concepts = {label_of.get(ont + name) for name in CONCEPT_CLASSES} - {None}
    things, texts = [], []
    for position, hit in enumerate(hits):
        if hit.classes and set(hit.classes) <= records:
            texts.append(hit)
        else:
            concept = bool(hit.classes) and set(hit.classes) <= concepts
            things.append((hit.rank, concept, position, hit))
    return [t[-1] for t in sorted(things, key=lambda t: t[:3])], texts


@bp.route("/search")
def search():
    q = request.args.get("q", "").strip()[:200]
    type_name = request.args.get("type", "").strip()
    idx = index()
    classes = idx.classes()
    cls = idx.resolve_class(type_name) if type_name else None
    hits = idx.search(q, cls_iri=cls.iri if cls else None, limit=SEARCH_FETCH) if q else []
    things, records = arrange_hits(hits, classes)
    by_label = {c.label: c for c in classes}
    facets = Counter(label for h in hits for label in h.classes if label in by_label)
    return render_template(
        "ui/search.html",
        q=q,
        type_name=type_name,
        cls=cls,
        classes=classes,
        hits=things[:SEARCH_SHOWN],
        records=records[:SEARCH_SHOWN],
        total=len(hits),
        more=len(hits) >= SEARCH_FETCH,
        facets=[(by_label[label], n) for label, n in facets.most_common()],
    )


# --- reading view ------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])(?:\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+)(?:\.\d+)?(?:\s?(?:%|per\s?cent))?(?![\w])"
)


@dataclass
class PassageBlock:
    iri: str
    anchor: str
    kind: str
    locator: str
    section: str | None
    html: Markup
    entities: list[tuple[str, str]] = field(default_factory=list)


def _highlight_numbers(chunk: str) -> Markup:
    out, last = [], 0
    for m in _NUMBER.finditer(chunk):
        out.append(escape(chunk[last : m.start()]))
        out.append(Markup('<mark class="num">{}</mark>').format(m.group(0)))
        last = m.end()
    out.append(escape(chunk[last:]))
    return Markup("").join(out)


def annotate(passage_text: str, spans: list[tuple[int, int, str, str]]) -> Markup:
    """Passage text with entity mentions linked (start, end, IRI, label) and numbers marked.
    Overlapping or out-of-range spans are skipped; everything is escaped."""
    out, cursor = [], 0
    for start, end, iri, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < cursor or end > len(passage_text) or start >= end:
            continue
        out.append(_highlight_numbers(passage_text[cursor:start]))
        out.append(
            Markup('<a class="mention" href="{}" title="{}">{}</a>').format(
                href(iri), label, passage_text[start:end]
            )
        )
        cursor = end
    out.append(_highlight_numbers(passage_text[cursor:]))
    return Markup("").join(out)


@dataclass
class SectionNode:
    """A section of a document in reading order, with its sub-sections."""

    iri: str
    slug: str
    label: str
    level: int
    order: int
    parent: str | None
    passages: int
    children: list[SectionNode] = field(default_factory=list)


UNSECTIONED = "_unsectioned"  # pseudo-section of passages that belong to no section


def _document_head(doc: str) -> tuple[str, dict]:
    """(document IRI, its title/year/publisher) or a 404 for unknown or unsafe slugs."""
    if "/" in doc:
        abort(404)
    try:
        doc_ref = iri_ref(graph_vocab().entity(f"document/{doc}"))
    except ValueError:
        abort(404)
    head = select(
        f"""SELECT ?title ?year ?pl WHERE {{ {doc_ref} a ont:SourceDocument .
              OPTIONAL {{ {doc_ref} dct:title ?title }} OPTIONAL {{ {doc_ref} ont:reportingYear ?year }}
              OPTIONAL {{ {doc_ref} dct:publisher ?p . ?p rdfs:label ?pl }} }} LIMIT 1"""
    )
    if not head:
        abort(404, description="No such document in this graph.")
    row = head[0]
    return doc_ref, {
        "iri": graph_vocab().entity(f"document/{doc}"),
        "slug": doc,
        "title": text(row["title"]) if "title" in row else doc,
        "year": text(row["year"]) if "year" in row else None,
        "publisher": text(row["pl"]) if "pl" in row else None,
    }


def section_outline(doc_ref: str) -> tuple[list[SectionNode], list[SectionNode], int]:
    """(top-level sections with nested children, all sections in reading order, number of
    passages in no section).  Reading order follows ``ont:order`` within each parent, so
    a section's sub-sections come right after it."""
    rows = select(
        f"""SELECT ?s (SAMPLE(?l) AS ?label) (MIN(?o) AS ?order) (MIN(?lv) AS ?level)
                   (SAMPLE(?par) AS ?parent) (COUNT(DISTINCT ?p) AS ?n) WHERE {{
              ?s a ont:Section ; dct:isPartOf {doc_ref} .
              OPTIONAL {{ ?s rdfs:label ?l }} OPTIONAL {{ ?s ont:order ?o }} OPTIONAL {{ ?s ont:level ?lv }}
              OPTIONAL {{ ?s ont:parentSection ?par }} OPTIONAL {{ ?p ont:inSection ?s }}
            }} GROUP BY ?s"""
    )
    nodes = {
        text(r["s"]): SectionNode(
            iri=text(r["s"]),
            slug=local_name(text(r["s"])),
            label=text(r["label"]) if "label" in r else local_name(text(r["s"])),
            level=int(text(r["level"])) if "level" in r else 1,
            order=int(text(r["order"])) if "order" in r else 0,
            parent=text(r["parent"]) if "parent" in r else None,
            passages=int(text(r["n"])),
        )
        for r in rows
    }
    roots = []
    for node in sorted(nodes.values(), key=lambda n: (n.order, n.label)):
        parent = nodes.get(node.parent) if node.parent else None
        (parent.children if parent and parent is not node else roots).append(node)
    ordered: list[SectionNode] = []

    def walk(items: list[SectionNode]) -> None:
        for item in items:
            ordered.append(item)
            walk(item.children)

    walk(roots)
    loose = select(
        f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a ont:SourcePassage ; dct:isPartOf {doc_ref} .
              FILTER NOT EXISTS {{ ?p ont:inSection ?any }} }}"""
    )
    return roots, ordered, int(text(loose[0]["n"])) if loose else 0


@bp.route("/read/<doc>")
def read(doc: str):
    """A document's table of contents: nested sections, each a page of its own."""
    doc_ref, head = _document_head(doc)
    roots, ordered, loose = section_outline(doc_ref)
    return render_template(
        "ui/read_toc.html",
        doc=head,
        roots=roots,
        sections=len(ordered),
        passages=sum(s.passages for s in ordered) + loose,
        loose=loose,
        unsectioned=UNSECTIONED,
    )


@bp.route("/read/<doc>/section/<section>")
def read_section(doc: str, section: str):
    """One section of a document: its passages (entities linked, numbers marked), its
    sub-sections, the path to it and the previous/next section in reading order."""
    doc_ref, head = _document_head(doc)
    roots, ordered, loose = section_outline(doc_ref)
    if section == UNSECTIONED and loose:
        current = SectionNode("", UNSECTIONED, "Text outside any section", 1, -1, None, loose)
        ordered = [current, *ordered]
        where = f"?p dct:isPartOf {doc_ref} . FILTER NOT EXISTS {{ ?p ont:inSection ?any }}"
    else:
        current = next((s for s in ordered if s.slug == section), None)
        if current is None:
            abort(404, description="No such section in this document.")
        where = f"?p ont:inSection {iri_ref(current.iri)} ."
    position = ordered.index(current)
    by_iri = {s.iri: s for s in ordered}
    trail, parent = [], by_iri.get(current.parent or "")
    while parent is not None and parent not in trail:
        trail.insert(0, parent)
        parent = by_iri.get(parent.parent or "")
    return render_template(
        "ui/read.html",
        doc=head,
        section=current,
        trail=trail,
        previous=ordered[position - 1] if position > 0 else None,
        following=ordered[position + 1] if position + 1 < len(ordered) else None,
        blocks=passage_blocks(where),
        roots=roots,
        unsectioned=UNSECTIONED,
        loose=loose,
    )


@bp.route("/read/<doc>/passage/<passage>")
def read_passage(doc: str, passage: str):
    """A passage's place in the reading view: its section page, scrolled to it."""
    _document_head(doc)
    try:
        ref = iri_ref(graph_vocab().entity(f"document/{doc}/passage/{passage}"))
    except ValueError:
        abort(404)
    rows = select(
        f"SELECT ?s WHERE {{ {ref} a ont:SourcePassage . OPTIONAL {{ {ref} ont:inSection ?s }} }} LIMIT 1"
    )
    if not rows:
        abort(404, description="No such passage in this document.")
    section = local_name(text(rows[0]["s"])) if "s" in rows[0] else UNSECTIONED
    return redirect(url_for("ui.read_section", doc=doc, section=section) + "#" + passage)


def passage_blocks(where: str) -> list[PassageBlock]:
    """Passages matching the SPARQL pattern ``where`` (binding ``?p``), in order, with
    their mentions linked."""
    passages = select(
        f"""SELECT ?p (SAMPLE(?v) AS ?text) (MIN(?o) AS ?order)
                   (SAMPLE(?loc) AS ?locator) (SAMPLE(?k) AS ?kind) WHERE {{
              {where} ?p a ont:SourcePassage ; rdf:value ?v .
              OPTIONAL {{ ?p ont:order ?o }} OPTIONAL {{ ?p ont:locator ?loc }} OPTIONAL {{ ?p ont:passageKind ?k }}
            }} GROUP BY ?p ORDER BY ?order ?p"""
    )
    mentions = select(
        f"""SELECT DISTINCT ?p ?start ?end ?body WHERE {{
              {where} ?t oa:hasSource ?p ; oa:hasSelector ?sel .
              ?m oa:hasTarget ?t ; oa:hasBody ?body . ?sel oa:start ?start ; oa:end ?end }}"""
    )
    labels = index().labels(sorted({text(r["body"]) for r in mentions}))
    spans: dict[str, list[tuple[int, int, str, str]]] = {}
    for r in mentions:
        body = text(r["body"])
        spans.setdefault(text(r["p"]), []).append(
            (int(text(r["start"])), int(text(r["end"])), body, labels.get(body, local_name(body)))
        )
    blocks = []
    for r in passages:
        iri = text(r["p"])
        found = spans.get(iri, [])
        blocks.append(
            PassageBlock(
                iri=iri,
                anchor=local_name(iri),
                kind=text(r["kind"]) if "kind" in r else "text",
                locator=text(r["locator"]) if "locator" in r else "",
                section=None,
                html=annotate(text(r["text"]), found),
                entities=sorted({(iri_, label) for _, _, iri_, label in found}, key=lambda e: e[1]),
            )
        )
    return blocks


@bp.app_template_global("reading_link")
def reading_link(iri: str) -> str | None:
    """Where the reading view shows a document, section or passage IRI (None otherwise),
    so linked-data pages can offer "read in context"."""
    prefix = graph_vocab().entity("document/")
    if not iri.startswith(prefix):
        return None
    parts = iri[len(prefix) :].split("/")
    if len(parts) == 1:
        return url_for("ui.read", doc=parts[0])
    if len(parts) == 3 and parts[1] == "section":
        return url_for("ui.read_section", doc=parts[0], section=parts[2])
    if len(parts) == 3 and parts[1] == "passage":
        return url_for("ui.read_passage", doc=parts[0], passage=parts[2])
    return None


# --- query page ----------------------------------------------------------------------------------


@dataclass
class QueryOutcome:
    kind: str = ""  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # pyoxigraph terms or None
    boolean: bool | None = None
    truncated: bool = False
    error: str | None = None


def query_executor() -> QueryExecutor:
    """The executor of the /sparql endpoint (same worker pool, timeout and limits)."""
    return sparql.get_executor()


def execute(query: str) -> QueryOutcome:
    """Run a user query through the endpoint's executor (timeout, caps, syntax errors as
    the endpoint reports them), parse the SPARQL JSON / N-Triples answer back into terms
    and keep at most HTML_ROW_LIMIT rows for display (downloads carry everything)."""
    request_ = QueryRequest(query=query, solutions_format="json", graph_format="nt")
    try:
        answer = query_executor().execute(request_)
    except QueryFailed as err:
        return QueryOutcome(error=str(err))
    if answer.kind == GRAPH:
        outcome = QueryOutcome(kind="graph", variables=["subject", "predicate", "object"])
        for triple in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES):
            if len(outcome.rows) >= HTML_ROW_LIMIT:
                outcome.truncated = True
                break
            outcome.rows.append([triple.subject, triple.predicate, triple.object])
        return outcome
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return QueryOutcome(kind="ask", boolean=bool(parsed))
    names = [v.value for v in parsed.variables]
    outcome = QueryOutcome(kind="select", variables=names)
    for solution in parsed:
        if len(outcome.rows) >= HTML_ROW_LIMIT:
            outcome.truncated = True
            break
        outcome.rows.append([solution[n] for n in names])
    return outcome


@bp.route("/query")
def query_page():
    query = request.args.get("query", "")
    example_name = request.args.get("example", "")
    known = examples()
    if example_name and (not query.strip() or request.args.get("load")):
        query = next((e.query for e in known if e.name == example_name), "")
    outcome = execute(query) if query.strip() else None
    formats = GRAPH_FORMATS if outcome and outcome.kind == "graph" else DOWNLOAD_FORMATS
    downloads = [
        (label, "/sparql?" + urlencode({"query": query, "format": fmt})) for fmt, label in formats
    ]
    labels = {}
    if outcome and outcome.rows:
        iris = {t.value for row in outcome.rows for t in row if isinstance(t, ox.NamedNode)}
        labels = index().labels(sorted(iris)) if len(iris) <= 5000 else {}
    return render_template(
        "ui/query.html",
        query=query or default_query(),
        ran=bool(query.strip()),
        outcome=outcome,
        examples=known,
        example_name=example_name,
        downloads=downloads,
        labels=labels,
        prolog=graph_vocab().sparql_prolog(),
    )


def default_query() -> str:
    return (
        "PREFIX ont: <"
        + str(graph_vocab().ont)
        + ">\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
        "SELECT ?country ?name WHERE {\n  ?country a ont:Country ; rdfs:label ?name .\n}\nORDER BY ?name\nLIMIT 20\n"
    )


# --- validation ----------------------------------------------------------------------------------


@dataclass
class ViolationGroup:
    shape: str
    shape_iri: str | None
    path: str | None
    severity: str
    message: str
    focus_nodes: list[str]
    total: int


def validation_groups(
    report_path: Path, focus_limit: int = 50
) -> tuple[bool | None, list[ViolationGroup]]:
    """The SHACL report as (conforms, groups of results by shape and message)."""
    import rdflib
    from rdflib.namespace import SH

    graph = rdflib.Graph()
    graph.parse(report_path, format="turtle")
    conforms_values = list(graph.objects(None, SH.conforms))
    conforms = bool(conforms_values[0].toPython()) if conforms_values else None
    groups: dict[tuple, ViolationGroup] = {}
    for result in graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = graph.value(result, SH.sourceShape)
        path = graph.value(result, SH.resultPath)
        severity = graph.value(result, SH.resultSeverity)
        message = graph.value(result, SH.resultMessage)
        focus = graph.value(result, SH.focusNode)
        shape_iri = str(shape) if isinstance(shape, rdflib.URIRef) else None
        shape_name = curie(shape_iri) if shape_iri else "anonymous shape"
        path_name = curie(str(path)) if isinstance(path, rdflib.URIRef) else None
        key = (shape_name, path_name, str(message or ""))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ViolationGroup(
                shape=shape_name,
                shape_iri=shape_iri,
                path=path_name,
                severity=local_name(str(severity)) if severity else "Violation",
                message=str(message or ""),
                focus_nodes=[],
                total=0,
            )
        group.total += 1
        if focus is not None and len(group.focus_nodes) < focus_limit:
            group.focus_nodes.append(str(focus))
    ordered = sorted(groups.values(), key=lambda g: (-g.total, g.shape, g.message))
    for g in ordered:
        g.focus_nodes.sort()
    return conforms, ordered


@bp.route("/validation/report.ttl")
def validation_report():
    report = store().directory / SHACL_REPORT
    if not report.is_file():
        abort(404, description="This build has no SHACL report.")
    return send_file(report, mimetype="text/turtle")


@bp.route("/validation")
def validation():
    info = store().info
    report = store().directory / SHACL_REPORT
    summary = info.get("validation") if isinstance(info.get("validation"), dict) else {}
    conforms, groups, error = summary.get("conforms", info.get("conforms")), [], None
    if report.is_file():
        try:
            parsed, groups = validation_groups(report)
            conforms = parsed if parsed is not None else conforms
        except Exception as err:  # a damaged report is shown as such, not as a server error
            error = f"The SHACL report could not be read: {err}"
    else:
        error = "This build has no SHACL report."
    return render_template(
        "ui/validation.html",
        info=info,
        conforms=conforms,
        groups=groups,
        total=sum(g.total for g in groups),
        error=error,
    )


# --- charts --------------------------------------------------------------------------------------


@bp.route("/charts")
def charts_page():
    return render_template("ui/charts.html", charts=charts_mod.all_charts(store(), graph_vocab()))
