"""Requests in flight and the time of the last one, so background work yields to traffic.

Preparing a large build's browse index and dumps takes a core and hundreds of MB for tens
of seconds (1M triples); run while requests are being answered, it slows them down.  The
server starts that work once it has been quiet for a moment (`wait_until_idle`); a page
that needs the index before then builds it itself, as it always could.
"""

from __future__ import annotations

import threading
import time

from flask import Flask

_lock = threading.Condition()
_in_flight = 0
_last_seen = time.monotonic()


def init_app(app: Flask) -> None:
    @app.before_request
    def _started() -> None:
        global _in_flight, _last_seen
        with _lock:
            _in_flight += 1
            _last_seen = time.monotonic()

    @app.teardown_request
    def _finished(_error: BaseException | None = None) -> None:
        _end_request()


def _end_request() -> None:
    global _in_flight, _last_seen
    with _lock:
        _in_flight = max(0, _in_flight - 1)
        _last_seen = time.monotonic()
        _lock.notify_all()


def wait_until_idle(quiet_seconds: float, *, poll: float = 0.25) -> None:
    """Block until no request is in flight and none has been for ``quiet_seconds``."""
    with _lock:
        while True:
            quiet_for = time.monotonic() - _last_seen
            if _in_flight == 0 and quiet_for >= quiet_seconds:
                return
            _lock.wait(timeout=max(poll, quiet_seconds - quiet_for))
