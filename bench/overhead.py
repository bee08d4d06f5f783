"""Fixed cost of a SPARQL request, without the engine's work (prints numbers).

    .venv/bin/python bench/overhead.py STORE_DIR [--url http://127.0.0.1:8000/sparql]

Times ``ASK {}`` (a query the engine answers in ~15 us) through the query executor
(pipe to the query process and back) and, with ``--url``, over HTTP with one keep-alive
connection (gunicorn, Flask, executor).
"""

from __future__ import annotations

import argparse
import http.client
import time
from urllib.parse import urlencode, urlsplit

from server.executor import EmbeddedExecutor, QueryRequest

ASK = "ASK {}"


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p50, p90 = samples[len(samples) // 2], samples[int(len(samples) * 0.9)]
    return f"p50 {p50 * 1e6:7.0f} us  p90 {p90 * 1e6:7.0f} us  ({len(samples)} requests)"


def executor_round_trips(store: str, count: int) -> list[float]:
    executor = EmbeddedExecutor(store, base_iri="http://127.0.0.1:8000/", timeout=10, row_limit=10)
    request = QueryRequest(ASK, solutions_format="json", graph_format="nt")
    try:
        for _ in range(200):  # start the query process, warm up
            executor.execute(request)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            executor.execute(request)
            times.append(time.perf_counter() - started)
        return times
    finally:
        executor.close()


def http_round_trips(url: str, count: int) -> list[float]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80)
    body = urlencode({"query": ASK})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    }
    times = []
    for i in range(count + 200):
        started = time.perf_counter()
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if i >= 200:
            times.append(time.perf_counter() - started)
    connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store")
    parser.add_argument("--url", help="a running endpoint to time over HTTP as well")
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print("executor  ", percentiles(executor_round_trips(args.store, args.requests)))
    if args.url:
        print("HTTP      ", percentiles(http_round_trips(args.url, args.requests)))


if __name__ == "__main__":
    main()
