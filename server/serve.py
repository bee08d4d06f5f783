"""Production server: gunicorn with threaded workers, each owning a query process.

Configuration for a small (2-core) machine, the defaults of `run`:

- ``workers=1`` gunicorn process: the query work happens in the query processes, so a
  second serving process bought little speed (the Python side of a request is short) but
  cost a second set of query processes and store handles (measured: RSS after the bench
  mix at 1M triples 1055 MiB with 2 workers x 2 query processes; see bench/README.md).
- ``threads=8`` (``gthread``): a SPARQL request mostly *waits* on the query process's
  pipe, so threads are cheap concurrency.
- ``query_workers=2`` queries at a time, as threads of one pyoxigraph process (one store
  handle and RocksDB cache, ~100 MB at 1M triples; two processes took ~75 MB more):
  pyoxigraph releases the GIL, so they run in parallel; a runaway query is killed with
  its process at the timeout and the others in it are re-sent to the next one; repeated
  queries never reach it (`server.resultcache`).
- dumps and the browse index are written by a short-lived child process at start-up
  (`warm_in_subprocess`), so their peak memory is returned to the system.
- no ``preload_app``: query workers must be started by the process that uses them.
- ``graceful_timeout`` > the query timeout, so in-flight queries finish on SIGTERM; then
  the ``worker_exit`` hook kills the query processes (they also die with their parent).

Equivalent command line (settings from ``MIGKG_*`` variables)::

    gunicorn --worker-class gthread --workers 1 --threads 8 --bind 127.0.0.1:8000 server.wsgi:app
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

from graph.config import Settings
from server import memory
from server.executor import DEFAULT_QUERY_WORKERS

if TYPE_CHECKING:  # flask is imported by the workers only, not the master
    from flask import Flask

DEFAULT_WORKERS = 1
DEFAULT_THREADS = 8


def _stop_query_workers(arbiter, worker) -> None:
    # gunicorn hook, runs in the exiting worker process (also in the master for a lost worker)
    from flask import Flask

    from server import sparql

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        sparql.shutdown(app)


def gunicorn_options(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    threads: int,
    accesslog: str | None = "-",
) -> dict[str, object]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": False,
        # gthread heartbeats from its main loop, so slow requests never trip this; it only
        # catches a wedged process.
        "timeout": max(30, int(settings.query_timeout * 3)),
        "graceful_timeout": int(settings.query_timeout) + 5,
        "keepalive": 5,
        "accesslog": accesslog,
        "worker_exit": _stop_query_workers,
        # gunicorn >= 25 opens a control socket at one fixed per-user path; two servers on
        # one machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


class _Server(BaseApplication):
    def __init__(self, app_factory, options: dict[str, object]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings:  # skip options this gunicorn version does not have
                self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self._factory()
        settings = app.config["MIGKG"]
        # In the background, so the endpoint answers at once (cold start); once no request
        # has come for a moment, so it does not take cores from live traffic; in a separate
        # short-lived process, so the memory that building the dumps and the browse index
        # takes (hundreds of MB at 1M triples) goes back to the system when it is done.
        # Pages that need them first build them (or wait on their file locks) themselves.
        threading.Thread(
            target=_warm_when_idle, args=(settings,), name="migkg-warm", daemon=True
        ).start()
        # the pages' own store handle: opened now, not by the first visitor (~50 ms at 1M)
        threading.Thread(target=_open_page_store, args=(app,), daemon=True).start()
        return app


# Long enough that a client pausing between batches of requests (a benchmark between
# phases, a crawler) is not mistaken for an idle server; pages that need the index or
# the dumps before then build them on demand.
WARM_AFTER_QUIET_SECONDS = 30.0


def _open_page_store(app: Flask) -> None:
    from server import linkeddata

    with app.app_context(), contextlib.suppress(Exception):  # pages report a missing store
        linkeddata.store().build_id  # noqa: B018 (opens the database, reads build.json)


def _warm_when_idle(settings: Settings) -> None:
    from server import activity

    activity.wait_until_idle(WARM_AFTER_QUIET_SECONDS)
    warm_in_subprocess(settings)


def warm_in_subprocess(settings: Settings) -> int:
    """Write the current build's dumps and browse index (and its listing index, if an older
    load did not) in a child process; its exit code."""
    command = [sys.executable, "-m", "server.serve", "--warm", json.dumps(asdict(settings))]
    return subprocess.run(command, check=False).returncode


def _warm(settings_json: str) -> None:
    from server import ui
    from server.app import create_app
    from server.linkeddata import warm_dumps

    settings = Settings(**json.loads(settings_json))
    if not settings.store_is_remote:
        from graph import indexes

        indexes.ensure(settings.store)  # stores loaded before the indexes existed
    app = create_app(settings)
    warm_dumps(app).join()
    ui.warm_index(app)


def run(
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = DEFAULT_WORKERS,
    threads: int = DEFAULT_THREADS,
    query_workers: int = DEFAULT_QUERY_WORKERS,
    accesslog: str | None = "-",
) -> None:
    """Serve the app with gunicorn until SIGTERM/SIGINT (blocks).

    ``accesslog``: "-" for stdout, a file path, or None for no access log.
    """
    settings = settings or Settings()
    memory.limit_arenas()  # before gunicorn forks its worker and threads
    options = gunicorn_options(settings, host, port, workers, threads, accesslog)

    def app_factory() -> Flask:
        # imported in the worker, not the master: the master only supervises (~30 MB less)
        from server.app import create_app

        return create_app(settings, query_workers=query_workers)

    _Server(app_factory, options).run()


if __name__ == "__main__" and sys.argv[1:2] == ["--warm"]:
    _warm(sys.argv[2])
