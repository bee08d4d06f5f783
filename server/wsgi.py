"""WSGI entry point: ``gunicorn server.wsgi:app`` (settings from MIGKG_* variables).

Prefer `server.serve.run` (``migkg serve``), which also sets the worker model and stops
the query worker processes on shutdown; see its docstring for the equivalent options.
"""

from __future__ import annotations

from server.app import create_app

app = create_app()
