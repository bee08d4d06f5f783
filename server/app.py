"""Flask application factory (see `create_app`)."""

from __future__ import annotations

from flask import Flask

from graph.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MIGKG"] = settings
    return app
