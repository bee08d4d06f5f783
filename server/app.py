"""Flask application factory (see `create_app`)."""

from __future__ import annotations

from flask import Flask, Response

from graph.config import Settings
from server import activity, linkeddata, memory, sparql, ui


class AbsoluteLocationResponse(Response):
    # Linked-data clients written before RFC 7231 expect an absolute Location on a 303.
    autocorrect_location_header = True


def create_app(settings: Settings | None = None, *, query_workers: int | None = None) -> Flask:
    """The web service for one store; its query process starts on the first query.

    ``query_workers``: SPARQL queries at a time per serving process (default
    `server.executor.DEFAULT_QUERY_WORKERS`).
    """
    settings = settings or Settings()
    app = Flask(__name__)
    app.response_class = AbsoluteLocationResponse
    app.config["MIGKG"] = settings
    activity.init_app(app)
    sparql.init_app(app, query_workers=query_workers)
    app.register_blueprint(linkeddata.blueprint)
    app.register_blueprint(ui.bp)  # browse UI

    @app.after_request
    def release_memory(response: Response) -> Response:
        # once a large (or streamed) body is sent, its memory goes back to the system; after
        # a small one there is little to give back, and the ~0.5 ms would delay the next
        # request on the connection
        length = response.calculate_content_length()
        if length is None or length > memory.TRIM_AFTER_BYTES:
            response.call_on_close(memory.trim)
        return response

    return app
