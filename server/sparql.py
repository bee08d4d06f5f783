"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (read-only) and its service description.

Protocol: GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) and
POST ``application/sparql-query`` (the query as body); ``default-graph-uri`` /
``named-graph-uri`` (repeatable) set the dataset and override the query's FROM clauses.
Relative IRIs in queries resolve against the dataset base IRI (``PREFIX ont: <ontology#>``).
GET without a query returns an ``sd:Service`` description (or redirects a browser to
``/query``).  Every query runs in `server.executor` under the configured timeout and caps.
"""

from __future__ import annotations

import json
import threading

import pyoxigraph as ox
from flask import Blueprint, Flask, Request, Response, current_app, redirect, request
from werkzeug.datastructures import MultiDict

from graph.config import Settings
from server import results
from server.executor import (
    DEFAULT_QUERY_WORKERS,
    QueryExecutor,
    QueryFailed,
    QueryRequest,
    make_executor,
    resolve_graph_iri,
)

bp = Blueprint("sparql", __name__)

EXTENSION_KEY = "migkg.sparql"
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
QUERY_UI_PATH = "/query"
MAX_DIRECT_QUERY_BYTES = 1024 * 1024
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
HTML_TYPES = ("text/html", "application/xhtml+xml")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- wiring ---------------------------------------------------------------------------------


class _LazyExecutor:
    """Creates the executor (and its query process) on first use, in the serving process."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._executor: QueryExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> QueryExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = make_executor(self.settings, workers=self.workers)
            return self._executor

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()


def init_app(app: Flask, *, query_workers: int | None = None) -> None:
    """Register the endpoint; the app's settings are in ``app.config["MIGKG"]``."""
    settings: Settings = app.config["MIGKG"]
    app.extensions[EXTENSION_KEY] = _LazyExecutor(settings, query_workers or DEFAULT_QUERY_WORKERS)
    app.register_blueprint(bp)


def get_executor(app: Flask | None = None) -> QueryExecutor:
    """The app's timeout-safe query executor (other views may run SPARQL through it too)."""
    return (app or current_app).extensions[EXTENSION_KEY].get()


def shutdown(app: Flask) -> None:
    """Stop the app's query process (server shutdown, test teardown)."""
    holder = app.extensions.get(EXTENSION_KEY)
    if holder is not None:
        holder.close()


def _settings() -> Settings:
    return current_app.config["MIGKG"]


# --- responses ------------------------------------------------------------------------------


def _text(status: int, message: str, **headers: str) -> Response:
    response = Response(message.rstrip("\n") + "\n", status, mimetype="text/plain")
    response.headers.update(headers)
    return response


@bp.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError) -> Response:
    headers = {"Allow": ALLOWED_METHODS} if error.status == 405 else {}
    return _text(error.status, str(error), **headers)


@bp.errorhandler(QueryFailed)
def _query_failed(error: QueryFailed) -> Response:
    if error.http_status >= 500:  # operators want to see timeouts, crashes and overload
        current_app.logger.warning("SPARQL %s: %s", type(error).__name__, error)
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return _text(error.http_status, str(error), **headers)


@bp.after_request
def _cors(response: Response) -> Response:
    # A public read-only endpoint: any web page may query it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- request parsing ------------------------------------------------------------------------


def _parameters(req: Request) -> tuple[MultiDict, list[str]]:
    """The protocol parameters and the query strings of a request (ProtocolError if malformed)."""
    if req.method in ("GET", "HEAD"):
        return req.args, req.args.getlist("query")
    mimetype = req.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        params = MultiDict(req.args)
        for key, values in req.form.lists():
            params.setlist(key, params.getlist(key) + values)
        return params, params.getlist("query")
    if mimetype == "application/sparql-query":
        return req.args, [_direct_body(req), *req.args.getlist("query")]
    if mimetype == "application/sparql-update":
        raise _read_only()
    shown = mimetype or "none"
    raise ProtocolError(
        400,
        f"unsupported Content-Type for a SPARQL query POST: {shown}; send the query as "
        "application/x-www-form-urlencoded (query=...) or as an application/sparql-query body",
    )


def _direct_body(req: Request) -> str:
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(400, f"a SPARQL query body must be UTF-8, not {charset}")
    if (req.content_length or 0) > MAX_DIRECT_QUERY_BYTES:
        raise ProtocolError(413, f"the query is longer than {MAX_DIRECT_QUERY_BYTES} bytes")
    try:
        return req.get_data(cache=False).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the query body is not valid UTF-8") from None


def _read_only() -> ProtocolError:
    return ProtocolError(
        403, "this SPARQL endpoint is read-only: SPARQL Update operations are not accepted"
    )


def _negotiated(params: MultiDict) -> results.Negotiated:
    override = _format_params(params)
    if override:
        try:
            return results.from_format_params(override)
        except ValueError as error:
            raise ProtocolError(400, str(error)) from None
    return results.negotiate_header(request.headers.get("Accept", ""))


def _format_params(params: MultiDict) -> list[str]:
    return [v for v in params.getlist("format") + params.getlist("output") if v.strip()]


def _graph_iris(params: MultiDict, name: str) -> tuple[str, ...]:
    base = _settings().base_iri
    iris = []
    for value in params.getlist(name):
        try:
            iris.append(resolve_graph_iri(value, base))
        except ValueError:
            raise ProtocolError(400, f"{name} is not a valid IRI: {value!r}") from None
    return tuple(iris)


# --- views ----------------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    params, queries = _parameters(request)
    if "update" in params:
        raise _read_only()
    if len(queries) > 1:
        raise ProtocolError(400, "more than one query in the request; send exactly one")
    if not queries:
        if request.method in ("GET", "HEAD") and not _has_dataset_params(params):
            return _service_description(params)
        raise ProtocolError(400, "missing query: pass the SPARQL query as the `query` parameter")
    query = queries[0]
    if not query.strip():
        raise ProtocolError(400, "the query is empty")
    negotiated = _negotiated(params)
    if negotiated.solutions is None and negotiated.graph is None:
        raise ProtocolError(406, _not_acceptable_message())
    executor = get_executor()
    outcome = executor.execute(
        QueryRequest(
            query=query,
            solutions_format=negotiated.solutions.format.key if negotiated.solutions else None,
            graph_format=negotiated.graph.format.key if negotiated.graph else None,
            default_graphs=_graph_iris(params, "default-graph-uri"),
            named_graphs=_graph_iris(params, "named-graph-uri"),
        )
    )
    choice = negotiated.for_kind(outcome.kind)
    assert choice is not None and choice.format.key == outcome.format_key
    response = Response(outcome.body, 200, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    # whether the answer came from the result cache (benchmarks report hits apart)
    response.headers["X-Cache"] = "HIT" if getattr(executor, "last_hit", False) else "MISS"
    return response


def _has_dataset_params(params: MultiDict) -> bool:
    return "default-graph-uri" in params or "named-graph-uri" in params


def _not_acceptable_message() -> str:
    return (
        "none of the requested media types is available; SELECT/ASK: "
        f"{results.describe_formats(results.SOLUTIONS)}; CONSTRUCT/DESCRIBE: "
        f"{results.describe_formats(results.GRAPH)}"
    )


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    requested = request.headers.get("Access-Control-Request-Headers")
    response.headers["Access-Control-Allow-Headers"] = requested or "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


# --- service description --------------------------------------------------------------------


def _service_description(params: MultiDict) -> Response:
    if _format_params(params):
        choice = _negotiated(params).graph
    else:
        accept = request.accept_mimetypes
        best = accept.best_match([f.media_type for f in results.GRAPH_FORMATS] + list(HTML_TYPES))
        if best in HTML_TYPES:  # a person in a browser: the query page is for them
            return redirect(request.script_root + QUERY_UI_PATH, code=303)
        choice = results.negotiate_kind(accept, results.GRAPH_FORMATS)
    if choice is None:
        raise ProtocolError(
            406,
            f"the service description is available as {results.describe_formats(results.GRAPH)}",
        )
    triples = service_description(_settings(), _named_graphs())
    prefixes = {"sd": SD, "formats": results.W3C_FORMATS}
    body = ox.serialize(triples, format=choice.format.oxigraph, prefixes=prefixes)
    response = Response(body, 200, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _named_graphs() -> list[str]:
    """Named graphs of the store, asked through the executor (timeout-safe)."""
    try:
        outcome = get_executor().execute(
            QueryRequest("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", "json", None)
        )
    except QueryFailed:
        return []  # no store yet, or busy: describe the service without its graphs
    bindings = json.loads(outcome.body)["results"]["bindings"]
    return [b["g"]["value"] for b in bindings if b["g"]["type"] == "uri"]


def service_description(settings: Settings, named_graphs: list[str]) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description triples for the endpoint at ``{base}sparql``."""

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    rdf_type = ox.NamedNode(RDF_TYPE)
    service = ox.NamedNode(settings.base_iri + "sparql")
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        # the default graph is the union of every graph in the store
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            service,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.w3c_iri)) for f in results.ALL_FORMATS
    ]
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
    ]
    for name in named_graphs:
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, rdf_type, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(name)),
        ]
    return triples
