"""When the last request came, so background work yields to traffic.

Preparing a large build's dumps (or the browse index of an older store) takes a core and
hundreds of MB for tens of seconds at 1M triples; run while requests are being answered,
it slows them down.  The server starts that work once no request has started or ended for
a while (`wait_until_idle`); a page that needs it before then builds it itself, as it
always could.  (No count of requests in flight: one whose teardown never ran, e.g. an
abandoned stream, would hold background work back forever.)
"""

from __future__ import annotations

import time

from flask import Flask

_last_seen = time.monotonic()


def init_app(app: Flask) -> None:
    app.before_request(_seen)
    app.teardown_request(lambda _error=None: _seen())


def _seen() -> None:
    # A plain store (atomic under the GIL): waking the waiting thread on every request
    # would cost each request a thread switch; the waiter rechecks when its wait ends.
    global _last_seen
    _last_seen = time.monotonic()


def wait_until_idle(quiet_seconds: float, *, poll: float = 0.25) -> None:
    """Block until no request has started or ended for ``quiet_seconds``."""
    while (quiet_for := time.monotonic() - _last_seen) < quiet_seconds:
        time.sleep(max(poll, quiet_seconds - quiet_for))
