"""Background work waits for a quiet moment (`server.activity`), tested over the real app."""

from __future__ import annotations

import threading
import time

from server import activity
from server.app import create_app


def test_waits_until_requests_stop_for_the_quiet_period(test_store) -> None:
    from graph.config import Settings

    client = create_app(Settings(store=str(test_store))).test_client()
    returned: list[float] = []
    stop = time.monotonic() + 2.0
    last_start = 0.0

    def wait() -> None:
        activity.wait_until_idle(1.0, poll=0.02)
        returned.append(time.monotonic())

    waiter = threading.Thread(target=wait, daemon=True)
    client.get("/sparql?query=ASK%7B%7D")  # traffic from the start
    waiter.start()
    while time.monotonic() < stop:
        last_start = time.monotonic()
        assert client.get("/sparql?query=ASK%7B%7D").status_code == 200
        assert not returned, "background work started while requests were coming in"
        time.sleep(0.05)
    waiter.join(timeout=10)
    # the quiet period counts from the end of the last request, which is after its start
    # (the client itself returns a little after the request's teardown)
    assert returned and returned[0] >= last_start + 1.0
