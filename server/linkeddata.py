"""Linked data: dereferenceable entity IRIs, entity pages, the ontology, VoID and dumps.

Routes
    /id/<key>                    303 See Other -> /page/id/<key> (HTML) or /data/id/<key>.<ext>
    /page/id/<key>               HTML page of the entity (``entity.html``)
    /data/id/<key>[.<ext>]       RDF description; without extension negotiated (200 + Content-Location)
    /<path>, /page/<path>, /data/<path>[.<ext>]
                                 the same for IRIs under the base outside the service's own
                                 spaces (a graph built elsewhere and loaded with its base)
    /ontology[.<ext>]            the ontology document (negotiated; hash IRIs land here)
    /.well-known/void[.<ext>]    VoID + DCAT description of the dataset
    /dumps/ , /dumps/<file>      dump listing and files

Why 303 for entity IRIs and not 200 + Content-Location: ``{base}id/country/AFG`` names a
country, not a document, and 303 is the httpRange-14 answer every linked-data client and
validator understands (Vapour, LodView, Pubby all use it).  rdflib's ``Graph().parse(iri)``
(urllib) and ``curl -L`` follow 303 and pick the parser from the final response's
Content-Type; each document then has its own URL, so caches need no ``Vary`` for it and a
Turtle file saved from the browser has a stable address.  The ontology and the VoID file *are*
documents, so they answer 200 with ``Content-Location`` naming the variant sent.

The request path maps to the IRI with the configured base (``settings.base_iri`` + path),
so it works whatever Host header or proxy is in front.  Rendered responses are cached per
(build id, IRI, format) in a bounded LRU; ETag = build id + path; Last-Modified = build time.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
)
from werkzeug.routing import Map

from graph.config import Settings
from graph.namespaces import vocab
from graph.remote import store_for
from graph.store import EmbeddedStore
from server import describe as d
from server import dumps as dumps_mod
from server.ontodoc import ontology_doc, ontology_triples
from server.rdfdoc import (
    RDF_FORMATS,
    MemoryStore,
    compact_jsonld,
    document_triples,
    negotiate,
    serialize,
)
from server.void import dataset_iri, graph_triples, void_triples

blueprint = Blueprint("linkeddata", __name__)

STORE_EXTENSION = "migkg.store"  # app.extensions key shared with the UI blueprint
CACHE_SIZE = 512
# Incoming links embedded as JSON-LD in an HTML page (the full description is one click away).
EMBEDDED_INCOMING = 20
FORMAT_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}


# --- shared state -------------------------------------------------------------------------


def settings() -> Settings:
    return current_app.config["MIGKG"]


def base() -> str:
    return settings().base_iri


def store() -> EmbeddedStore:
    existing = current_app.extensions.get(STORE_EXTENSION)
    if existing is None:
        existing = current_app.extensions.setdefault(
            STORE_EXTENSION, store_for(settings().store, timeout=settings().query_timeout)
        )
    return existing


class RenderCache:
    """Bounded LRU of rendered bodies; keys start with the build id, so a new build
    simply stops hitting the old entries."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(
        self, key: tuple, render: Callable[[], tuple[bytes, str]]
    ) -> tuple[bytes, str]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = render()  # outside the lock: renders of different pages run in parallel
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def cache() -> RenderCache:
    return current_app.extensions.setdefault("migkg.linkeddata.cache", RenderCache())


def _build_time(s: EmbeddedStore) -> float | None:
    try:
        path = Path(s.directory)
        info = path / "build.json"
        return (info if info.exists() else path).stat().st_mtime
    except (OSError, AttributeError, ValueError):
        return None


def _finish(
    body: bytes,
    content_type: str,
    *,
    status: int = 200,
    vary: bool = False,
    location: str | None = None,
) -> Response:
    """A cacheable response: ETag from build id + full path, Last-Modified from the build."""
    s = store()
    resp = Response(body, status=status, content_type=content_type)
    if vary:
        resp.headers["Vary"] = "Accept"
    if location:
        resp.headers["Content-Location"] = location
    if status == 200:
        tag = hashlib.sha256(
            f"{s.build_id}\n{request.full_path}\n{content_type}".encode()
        ).hexdigest()[:32]
        resp.set_etag(tag)
        built = _build_time(s)
        if built:
            resp.headers["Last-Modified"] = formatdate(built, usegmt=True)
        resp.headers["Cache-Control"] = "public, max-age=300"
        return resp.make_conditional(request)
    return resp


def _path(iri: str) -> str:
    """Site path of an IRI under the base (with the app's script root)."""
    return request.script_root + "/" + quote(iri[len(base()) :], safe="/#:@!$&'()*+,;=-._~%")


def _own_spaces() -> frozenset[str]:
    """First path segments the service answers itself (from its routes, so a new route
    is never mistaken for a foreign IRI); every other path under the base can name a
    resource of a graph built elsewhere (``migkg load`` of a foreign dump)."""
    return _first_segments(current_app.url_map)


@functools.cache
def _first_segments(url_map: Map) -> frozenset[str]:
    firsts = {""}
    for rule in url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0].split(".", 1)[0]
        if "<" not in first:
            firsts.add(first)
    return frozenset(firsts)


def _foreign_path(rest: str) -> bool:
    """Whether ``rest`` (a path under the base, no leading slash) lies outside the spaces
    this service mints and serves itself."""
    first = rest.split("/", 1)[0].split("#", 1)[0].split(".", 1)[0]
    return first not in _own_spaces()


def link(iri: str | None) -> str:
    """Where a page links an IRI: entity pages directly (saves the 303), our other IRIs by
    path, external IRIs as they are."""
    if not iri:
        return "#"
    b = base()
    if iri.startswith(b + "id/") or (iri.startswith(b) and _foreign_path(iri[len(b) :])):
        return request.script_root + "/page/" + quote(iri[len(b) :], safe="/#:@!$&'()*+,;=-._~%")
    if iri.startswith(b):
        return _path(iri)
    return iri if iri.startswith(("http://", "https://", "urn:", "mailto:")) else "#"


# Namespaces only shown on pages (the ontology's metadata), not declared in documents.
DISPLAY_PREFIXES = {"vann": "http://purl.org/vocab/vann/"}


def _curie(iri: str) -> str:
    """Short text for an IRI without a label: ``prefix:local``, our entities by their key
    (``mention/report/x00``), anything else as is."""
    b = base()
    short = d.curie(iri, {**DISPLAY_PREFIXES, **vocab(b).prefixes()})
    if short:
        return short
    if iri.startswith(b + "id/"):
        return iri[len(b) + 3 :]
    return iri


def _number(value: str | None) -> str:
    """``3200000`` -> ``3,200,000`` (decimals kept as written)."""
    if not value:
        return ""
    whole, dot, frac = value.partition(".")
    try:
        return f"{int(whole):,}" + (dot + frac if frac.strip("0") else "")
    except ValueError:
        return value


def _template_helpers() -> dict:
    return {"link": link, "curie_of": _curie, "number": _number, "format_labels": FORMAT_LABELS}


# --- errors -----------------------------------------------------------------------------


def _not_found(iri: str, fmt: str | None) -> Response:
    if fmt in (None, "html"):
        html = render_template("ld/not_found.html", iri=iri, **_template_helpers())
        resp = Response(html, status=404, content_type="text/html; charset=utf-8")
    else:
        resp = Response(
            f"404 Not Found: no resource <{iri}> in this dataset.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    resp.headers["Vary"] = "Accept"
    return resp


def _not_acceptable() -> Response:
    types = ", ".join(["text/html", *(f.media_type for f in RDF_FORMATS.values())])
    resp = Response(
        f"406 Not Acceptable: available types are {types}.\n",
        status=406,
        content_type="text/plain; charset=utf-8",
    )
    resp.headers["Vary"] = "Accept"
    return resp


# --- entities -------------------------------------------------------------------------------


def _entity_key(rest: str, space: str = "id/") -> tuple[str, str | None]:
    """``country/AFG.ttl`` -> (``country/AFG``, ``ttl``) when the stripped IRI exists."""
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in RDF_FORMATS and d.resource_exists(store(), base() + space + stem):
        return stem, ext
    return rest, None


@blueprint.route("/id/<path:key>")
def dereference(key: str) -> Response:
    return _dereference("id/" + key)


@blueprint.route("/<path:rest>")
def dereference_foreign(rest: str) -> Response:
    """IRIs under the base that a graph built elsewhere minted (``{base}country/AFG``):
    every route of our own wins over this one, so it sees only other paths."""
    if not _foreign_path(rest):
        return _not_found(base() + rest, negotiate(request.accept_mimetypes))
    return _dereference(rest)


def _dereference(rest: str) -> Response:
    iri = base() + rest
    fmt = negotiate(request.accept_mimetypes)
    if not d.resource_exists(store(), iri):
        return _not_found(iri, fmt)
    if fmt is None:
        return _not_acceptable()
    target = f"/page/{rest}" if fmt == "html" else f"/data/{rest}.{fmt}"
    resp = redirect(request.script_root + quote(target, safe="/:@!$&'()*+,;=-._~%"), code=303)
    resp.headers["Vary"] = "Accept"
    return resp


def _description_triples(
    iri: str, document: str, ext: str, *, incoming: int = d.INCOMING_PER_PROPERTY_RDF
) -> list[ox.Triple]:
    b = base()
    generic = document.rsplit(".", 1)[0] if document.endswith("." + ext) else document
    media = RDF_FORMATS[ext].media_type if ext in RDF_FORMATS else "text/html"
    return [
        *d.description(store(), iri, incoming_limit=incoming),
        *document_triples(document, iri, generic, dataset_iri(b), media),
    ]


def _rdf_response(
    iri: str, ext: str, document: str, *, vary: bool = False, location: str | None = None
) -> Response:
    s = store()

    def render() -> tuple[bytes, str]:
        triples = _description_triples(iri, document, ext)
        return serialize(triples, ext, vocab(base()).prefixes()), RDF_FORMATS[
            ext
        ].media_type + "; charset=utf-8"

    body, ctype = cache().get_or_render((s.build_id, iri, ext, document), render)
    return _finish(body, ctype, vary=vary, location=location)


@blueprint.route("/data/id/<path:rest>")
def data(rest: str) -> Response:
    return _data("id/", rest)


@blueprint.route("/data/<path:rest>")
def data_foreign(rest: str) -> Response:
    if not _foreign_path(rest):
        return _not_found(base() + rest, negotiate(request.accept_mimetypes, html=False))
    return _data("", rest)


def _data(space: str, rest: str) -> Response:
    key, ext = _entity_key(rest, space)
    iri = base() + space + key
    if ext is None:  # generic document: negotiated, names the variant in Content-Location
        fmt = negotiate(request.accept_mimetypes, html=False)
        if not d.resource_exists(store(), iri):
            return _not_found(iri, fmt)
        if fmt is None:
            return _not_acceptable()
        document = f"{base()}data/{space}{key}.{fmt}"
        return _rdf_response(iri, fmt, document, vary=True, location=_path(document))
    return _rdf_response(iri, ext, f"{base()}data/{space}{key}.{ext}")


@blueprint.route("/lookup")
def lookup() -> Response:
    """VoID URI lookup (``void:uriLookupEndpoint`` is ``{base}lookup?uri=``): the description
    of any resource of the dataset by its IRI; our own IRIs redirect to where they dereference."""
    iri = request.args.get("uri", "").strip()
    if not iri:
        return Response(
            "400 Bad Request: give the IRI to look up as ?uri=\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    fmt = negotiate(request.accept_mimetypes)
    if not d.resource_exists(store(), iri):
        return _not_found(iri, fmt)
    if iri.startswith(base()):
        resp = redirect(_path(iri), code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    ext = negotiate(request.accept_mimetypes, html=False)  # outside our IRI space: data only
    if ext is None:
        return _not_acceptable()
    return _rdf_response(iri, ext, request.url, vary=True)


def _alternates(rest: str) -> list[tuple[str, str, str]]:
    """(media type, label, href) of each RDF representation of the entity at ``rest``."""
    return [
        (
            f.media_type,
            FORMAT_LABELS[ext],
            request.script_root + quote(f"/data/{rest}.{ext}", safe="/:@!$&'()*+,;=-._~%"),
        )
        for ext, f in RDF_FORMATS.items()
    ]


def _int_arg(name: str, default: int = 0, maximum: int = 10**9) -> int:
    try:
        return min(max(0, int(request.args.get(name, default))), maximum)
    except ValueError:
        return default


@blueprint.route("/page/id/<path:key>")
def page(key: str) -> Response:
    return _entity_page("id/" + key)


@blueprint.route("/page/<path:rest>")
def page_foreign(rest: str) -> Response:
    if not _foreign_path(rest):
        return _not_found(base() + rest, "html")
    return _entity_page(rest)


def _entity_page(rest: str) -> Response:
    iri = base() + rest
    s = store()
    if not d.resource_exists(s, iri):
        return _not_found(iri, "html")
    inverse_prop = request.args.get("inverse")
    offset = _int_arg("offset")
    if inverse_prop is not None and not d.is_safe_iri(inverse_prop):
        return _not_found(iri, "html")

    def render() -> tuple[bytes, str]:
        document = f"{base()}page/{rest}"
        embedded = _description_triples(iri, document, "html", incoming=EMBEDDED_INCOMING)
        context = {
            "iri": iri,
            "alternates": _alternates(rest),
            "jsonld": compact_jsonld(embedded, vocab(base()).prefixes()),
            **_template_helpers(),
        }
        if inverse_prop:  # one property's incoming links, paginated
            group = d.inverse_page(
                s, iri, inverse_prop, offset=offset, limit=d.INVERSE_PAGE_SIZE * 5
            )
            label = d.label_map(s, [iri]).get(iri, d.local_name(iri))
            html = render_template(
                "ld/inverse.html",
                group=group,
                label=label,
                offset=offset,
                page_size=d.INVERSE_PAGE_SIZE * 5,
                **context,
            )
        else:
            view = d.entity_view(s, iri, base())
            table_query = d.observations_table_query(iri, base())
            html = render_template(
                "entity.html",
                view=view,
                ont=str(vocab(base()).ont),
                observations_csv=request.script_root
                + "/sparql?"
                + urlencode({"query": table_query, "format": "csv"}),
                observations_query_page=request.script_root
                + "/query?"
                + urlencode({"query": table_query}),
                **context,
            )
        return html.encode(), "text/html; charset=utf-8"

    body, ctype = cache().get_or_render((s.build_id, iri, "html", inverse_prop, offset), render)
    return _finish(body, ctype)


# --- ontology -----------------------------------------------------------------------------


def _negotiated_document(name: str, ext: str | None, render_rdf, render_html) -> Response:
    """A document (ontology, VoID) at ``/<name>`` (negotiated) and ``/<name>.<ext>``."""
    s = store()
    vary = ext is None
    if ext is None:
        ext = negotiate(request.accept_mimetypes)
        if ext is None:
            return _not_acceptable()
    elif ext != "html" and ext not in RDF_FORMATS:
        return _not_found(base() + name + "." + ext, "html")
    location = f"{request.script_root}/{name}.{ext}" if vary else None
    if ext == "html":
        body, ctype = cache().get_or_render(
            (s.build_id, name, "html"), lambda: (render_html().encode(), "text/html; charset=utf-8")
        )
    else:
        body, ctype = cache().get_or_render(
            (s.build_id, name, ext),
            lambda: (
                serialize(render_rdf(), ext, vocab(base()).prefixes()),
                RDF_FORMATS[ext].media_type + "; charset=utf-8",
            ),
        )
    return _finish(body, ctype, vary=vary, location=location)


@blueprint.route("/ontology", defaults={"ext": None})
@blueprint.route("/ontology.<ext>")
def ontology(ext: str | None) -> Response:
    b = base()

    def html() -> str:
        doc = ontology_doc(store(), b)
        alternates = [
            (f.media_type, FORMAT_LABELS[e], f"{request.script_root}/ontology.{e}")
            for e, f in RDF_FORMATS.items()
        ]
        return render_template(
            "ld/ontology.html", doc=doc, alternates=alternates, **_template_helpers()
        )

    return _negotiated_document("ontology", ext, lambda: ontology_triples(store(), b), html)


def _document_page(triples: list[ox.Triple], topic: str, path: str) -> str:
    """HTML of a small described document (VoID, a named graph) with the entity template."""
    b = base()
    return render_template(
        "entity.html",
        view=d.entity_view(MemoryStore(triples), topic, b),
        iri=topic,
        alternates=[
            (f.media_type, FORMAT_LABELS[e], f"{request.script_root}/{path}.{e}")
            for e, f in RDF_FORMATS.items()
        ],
        jsonld=compact_jsonld(triples, vocab(b).prefixes()),
        ont=str(vocab(b).ont),
        **_template_helpers(),
    )


# --- VoID and dumps -----------------------------------------------------------------------


def current_dumps() -> list[dumps_mod.Dump]:
    return dumps_mod.ensure_dumps(store(), base())


def warm_dumps(app: Flask) -> threading.Thread:
    """Write the current build's dumps in a background thread (call at server start-up so
    the first VoID or dump request does not wait several seconds for them).  Safe in every
    worker: ``ensure_dumps`` serialises writers with a file lock."""

    def run() -> None:
        with app.app_context():
            try:
                current_dumps()
            except Exception:  # no store yet, or a full disk: requests will retry and report
                app.logger.exception("could not write the dumps in the background")

    thread = threading.Thread(target=run, name="migkg-dumps", daemon=True)
    thread.start()
    return thread


@blueprint.route("/.well-known/void", defaults={"ext": None})
@blueprint.route("/.well-known/void.<ext>")
def void(ext: str | None) -> Response:
    b = base()
    triples_cache: list[list[ox.Triple]] = []

    def triples() -> list[ox.Triple]:
        if not triples_cache:
            triples_cache.append(void_triples(store(), b, current_dumps()))
        return triples_cache[0]

    return _negotiated_document(
        ".well-known/void",
        ext,
        triples,
        lambda: _document_page(triples(), dataset_iri(b), ".well-known/void"),
    )


@blueprint.route("/graph/<name>", defaults={"ext": None})
@blueprint.route("/graph/<name>.<ext>")
def named_graph(name: str, ext: str | None) -> Response:
    """A named graph's IRI: its VoID description, negotiated like the ontology and VoID."""
    b = base()
    iri = b + "graph/" + name
    if not d.is_safe_iri(iri):
        return _not_found(iri, "html")
    described: list[list[ox.Triple]] = []

    def triples() -> list[ox.Triple]:
        if not described:
            described.append(graph_triples(store(), b, iri))
        return described[0]

    if not triples():
        return _not_found(iri, negotiate(request.accept_mimetypes))

    path = f"graph/{name}"
    return _negotiated_document(path, ext, triples, lambda: _document_page(triples(), iri, path))


@blueprint.route("/dumps/")
def dumps_index() -> Response:
    s = store()

    def render() -> tuple[bytes, str]:
        html = render_template(
            "ld/dumps.html", dumps=current_dumps(), build_id=s.build_id, **_template_helpers()
        )
        return html.encode(), "text/html; charset=utf-8"

    body, ctype = cache().get_or_render((s.build_id, "/dumps/", "html"), render)
    return _finish(body, ctype)


@blueprint.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    found = dumps_mod.find_dump(current_dumps(), name)
    if found is None:
        return _not_found(base() + "dumps/" + name, "html")
    resp = send_file(
        found.path,
        mimetype=found.served_type,
        as_attachment=True,
        download_name=found.filename,
        conditional=True,
        etag=f"{store().build_id}-{found.sha256[:16]}",
        max_age=300,
    )
    return resp
