"""Benchmark our own service on the synthetic graph and print the numbers (never pass/fail).

    .venv/bin/python bench/run.py --scales 1,53

For each scale: generate the data (bench/gen_data.py, once), time ``migkg load`` into a
fresh embedded store, time the same query mix directly on ``EmbeddedStore`` (the engine
without HTTP), start ``migkg serve --store … --no-build`` on a free 127.0.0.1 port (cold
start = process start -> first answered ``ASK {}``), then measure p50/p95 of every query
and HTML page at concurrency 1 and the whole mix's throughput at concurrency 4 (bounded
in time), the server's RSS (all its processes), and cross-check the row count of every
concrete SPARQL request against the direct run.  Results: a table on stdout and
``bench/out/results-s<scale>.json``.  Everything binds 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from graph.store import EmbeddedStore  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "queries"
JSON_RESULTS = "application/sparql-results+json"


@dataclass
class Item:
    """One entry of the mix: a SPARQL template or an HTML page family."""

    name: str
    params: list[dict]
    sparql: str | None = None  # template text; None for HTML pages
    is_construct: bool = False

    def concrete(self, i: int, base: str) -> str:
        values = self.params[i % len(self.params)]
        if self.sparql is None:
            return values["PATH"]
        text = self.sparql.replace("{{BASE}}", base)
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return text


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    cold_ms: list[float] = field(default_factory=list)  # answers computed for this request
    hit_ms: list[float] = field(default_factory=list)  # answers from the server's result cache
    errors: int = 0
    rows: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        ms = sorted(self.ms)
        cold, hits = sorted(self.cold_ms), sorted(self.hit_ms)
        return {
            "cold_n": len(cold),
            "cold_p50_ms": round(statistics.median(cold), 2) if cold else None,
            "cold_p95_ms": round(cold[min(len(cold) - 1, int(0.95 * len(cold)))], 2)
            if cold
            else None,
            "hits": len(hits),
            "hit_p50_ms": round(statistics.median(hits), 2) if hits else None,
            "n": len(ms),
            "errors": self.errors,
            "p50_ms": round(statistics.median(ms), 2) if ms else None,
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2) if ms else None,
            "rows_mean": round(statistics.fmean(self.rows), 1) if self.rows else None,
        }


def load_mix(params: dict) -> list[Item]:
    items = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        marker = next(line for line in text.splitlines() if "bench:params=" in line)
        set_name = marker.split("bench:params=")[1].strip()
        is_construct = "CONSTRUCT" in text.upper().split("WHERE")[0]
        items.append(Item(path.stem, params[set_name], text, is_construct))
    items.append(Item("html_entity_page", params["entity_path"]))
    items.append(Item("html_search", params["search_path"]))
    items.append(Item("html_class_listing", params["class_path"]))
    return items


# --- the engine directly ---------------------------------------------------------------------


def run_direct(store: EmbeddedStore, items: list[Item], base: str, args) -> dict:
    results = {}
    for item in items:
        if item.sparql is None:
            continue
        timings = Timings()
        started = time.perf_counter()
        for i in range(args.requests):
            if i >= 3 and time.perf_counter() - started > args.query_seconds:
                break
            query = item.concrete(i, base)
            t0 = time.perf_counter()
            result = store.query(query)
            rows = sum(1 for _ in result)
            elapsed_ms = (time.perf_counter() - t0) * 1000
            timings.ms.append(elapsed_ms)
            timings.cold_ms.append(elapsed_ms)
            timings.rows.append(rows)
        results[item.name] = timings
    return results


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One keep-alive HTTP connection (one per thread)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict
    ) -> tuple[int, str, bytes, str, bool]:
        for attempt in (1, 2):  # one retry on a connection the server closed
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return (
                    response.status,
                    response.getheader("Content-Type", ""),
                    data,
                    response.getheader("Location", ""),
                    response.getheader("X-Cache", "") == "HIT",  # server's result cache
                )
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def send(client: Client, item: Item, i: int, base: str) -> tuple[int | None, bool]:
    """Run request ``i`` of ``item``; returns its row count (None for HTML) and whether the
    server answered from its result cache; raises on error."""
    target = item.concrete(i, base)
    if item.sparql is None:
        for _ in range(3):  # follow /id/… -> 303 -> /page/id/…, as a browser does
            status, ctype, body, location, _ = client.request(
                "GET", target, None, {"Accept": "text/html"}
            )
            if status not in (301, 302, 303, 307) or not location:
                break
            target = urlsplit(location)._replace(scheme="", netloc="").geturl()
        if status != 200 or "html" not in ctype:
            raise RuntimeError(f"{target}: HTTP {status} {ctype}")
        return None, False
    accept = "text/turtle" if item.is_construct else JSON_RESULTS
    body = urlencode({"query": target}).encode()
    headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
    status, ctype, data, _, hit = client.request("POST", "/sparql", body, headers)
    if status != 200:
        raise RuntimeError(f"{item.name}: HTTP {status}: {data[:200]!r}")
    if item.is_construct:
        return sum(1 for _ in ox.parse(data, format=ox.RdfFormat.TURTLE)), hit
    return len(json.loads(data)["results"]["bindings"]), hit


def process_tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    return sum(rss for _, rss, _ in process_tree(pid))


def process_tree(pid: int) -> list[tuple[int, int, str]]:
    """(pid, resident bytes, command line) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text().splitlines()
            command = Path(f"/proc/{current}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        rss = next((int(x.split()[1]) * 1024 for x in status if x.startswith("VmRSS:")), 0)
        found.append((current, rss, command.decode(errors="replace")[:100].strip()))
    return found


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, process_tree_rss(self.pid))


def start_server(store: Path, base: str, port: int, args) -> tuple[subprocess.Popen, float]:
    command = [sys.executable, "-m", "graph.cli", "serve", "--store", str(store), "--no-build",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = {**os.environ, "MIGKG_BASE_IRI": base, "PYTHONPATH": str(ROOT)}
    log = open(args.out / f"server-{port}.log", "wb")  # noqa: SIM115 (lives as long as the server)
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    client = Client(port, timeout=5)
    path = "/sparql?" + urlencode({"query": "ASK {}"})
    while time.perf_counter() - started < args.start_timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); see {log.name}")
        try:
            status, _, _, _, _ = client.request("GET", path, None, {"Accept": JSON_RESULTS})
            if status == 200:
                return proc, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    stop_server(proc)
    raise RuntimeError(f"server did not answer within {args.start_timeout} s; see {log.name}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def run_latency(port: int, items: list[Item], base: str, args, expected: dict) -> tuple[dict, list]:
    client = Client(port, timeout=args.request_timeout)
    results, mismatches = {}, []
    for item in items:
        timings = Timings()
        for i in range(args.warmup):
            with contextlib.suppress(OSError, RuntimeError, http.client.HTTPException, ValueError):
                send(client, item, 10_000 + i, base)
        started = time.perf_counter()
        for i in range(args.requests):
            if i >= 3 and time.perf_counter() - started > args.query_seconds:
                break
            t0 = time.perf_counter()
            try:
                rows, hit = send(client, item, i, base)
            except (OSError, RuntimeError, http.client.HTTPException, ValueError) as exc:
                timings.errors += 1
                if timings.errors == 1:
                    print(f"  error in {item.name}: {exc}", file=sys.stderr)
                continue
            elapsed_ms = (time.perf_counter() - t0) * 1000
            timings.ms.append(elapsed_ms)
            (timings.hit_ms if hit else timings.cold_ms).append(elapsed_ms)
            if rows is not None:
                timings.rows.append(rows)
                direct = expected.get(item.name)
                if direct and i < len(direct.rows) and direct.rows[i] != rows:
                    mismatches.append(
                        f"{item.name}[{i}]: server {rows} rows, engine {direct.rows[i]}"
                    )
        results[item.name] = timings
    return results, mismatches


def run_throughput(port: int, items: list[Item], base: str, args) -> dict:
    deadline = time.perf_counter() + args.c4_seconds
    counter = iter(range(10**9))
    lock = threading.Lock()
    done, errors = [0], [0]

    def worker() -> None:
        client = Client(port, timeout=args.request_timeout)
        while time.perf_counter() < deadline:
            with lock:
                k = next(counter)
            item = items[k % len(items)]
            try:
                send(client, item, k // len(items), base)
                with lock:
                    done[0] += 1
            except (OSError, RuntimeError, http.client.HTTPException, ValueError):
                with lock:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:  # bounded: in-flight requests get request_timeout at most
        thread.join(timeout=args.c4_seconds + args.request_timeout + 5)
    elapsed = time.perf_counter() - started
    return {"requests": done[0], "errors": errors[0], "seconds": round(elapsed, 1),
            "req_per_s": round(done[0] / elapsed, 1)}  # fmt: skip


# --- one scale ---------------------------------------------------------------------------------


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, **kwargs)
    return time.perf_counter() - started


def bench_scale(scale: str, args) -> dict:
    data = args.out / f"s{scale}.nq"
    params_path = args.out / f"s{scale}.params.json"
    generator = ROOT / "bench" / "gen_data.py"
    stale = not params_path.exists() or params_path.stat().st_mtime < generator.stat().st_mtime
    if not data.exists() or stale:
        timed(
            [sys.executable, str(ROOT / "bench" / "gen_data.py"), "--scale", scale, "-o", str(data)]
        )
    params = json.loads(params_path.read_text(encoding="utf-8"))
    base = params["base"]
    items = load_mix(params)
    db = args.out / f"db-s{scale}"
    shutil.rmtree(db, ignore_errors=True)
    store_path = db / "store"
    print(f"\n== scale {scale}: {params['_stats']['quads']} quads ({data})", file=sys.stderr)
    load_s = timed([sys.executable, "-m", "graph.cli", "load", str(data), "--store", str(store_path)],
                   stdout=subprocess.DEVNULL)  # fmt: skip
    record: dict = {"scale": scale, "quads": params["_stats"]["quads"], "load_s": round(load_s, 2)}

    direct = run_direct(EmbeddedStore(store_path), items, base, args)
    record["direct"] = {name: t.summary() for name, t in direct.items()}
    record["server"] = None
    if not args.direct_only:
        port = args.port or free_port()
        proc, cold = start_server(store_path, base, port, args)
        sampler = RssSampler(proc.pid)
        sampler.start()
        try:
            record["cold_start_s"] = round(cold, 2)
            record["rss_idle_mib"] = round(process_tree_rss(proc.pid) / 2**20, 1)
            latency, mismatches = run_latency(port, items, base, args, direct)
            record["server"] = {name: t.summary() for name, t in latency.items()}
            record["row_count_mismatches"] = mismatches
            record[f"throughput_c{args.concurrency}"] = run_throughput(port, items, base, args)
            record["rss_after_mib"] = round(process_tree_rss(proc.pid) / 2**20, 1)
            record["rss_after_by_process"] = [
                {"pid": p, "mib": round(rss / 2**20, 1), "command": command}
                for p, rss, command in process_tree(proc.pid)
            ]
        finally:
            sampler.stop.set()
            stop_server(proc)
        record["rss_peak_mib"] = round(sampler.peak / 2**20, 1)
    if not args.keep_store:
        shutil.rmtree(db, ignore_errors=True)
    return record


def print_table(record: dict) -> None:
    print(f"\nscale {record['scale']}: {record['quads']} quads, load {record['load_s']} s", end="")
    if record.get("server") is not None:
        print(f", cold start {record['cold_start_s']} s, RSS idle {record['rss_idle_mib']} MiB,"
              f" after {record['rss_after_mib']} MiB, peak {record['rss_peak_mib']} MiB")  # fmt: skip
    else:
        print(" (server not measured)")
    head = (f"{'query':<22}{'n':>4}{'err':>5}{'p50 ms':>10}{'p95 ms':>10}{'cold n':>7}{'cold p50':>9}"
            f"{'cold p95':>9}{'hits':>5}{'hit p50':>8}{'rows':>9}   {'engine p50':>10}{'p95':>9}")  # fmt: skip
    print(head)
    print("-" * len(head))
    server = record.get("server") or {}
    names = list(dict.fromkeys([*record["direct"], *server]))
    for name in names:
        s = server.get(name, {})
        d = record["direct"].get(name, {})

        def cell(value, width: int) -> str:
            return f"{'-' if value is None else value:>{width}}"

        print(f"{name:<22}{cell(s.get('n'), 4)}{cell(s.get('errors'), 5)}{cell(s.get('p50_ms'), 10)}"
              f"{cell(s.get('p95_ms'), 10)}{cell(s.get('cold_n'), 7)}{cell(s.get('cold_p50_ms'), 9)}"
              f"{cell(s.get('cold_p95_ms'), 9)}{cell(s.get('hits'), 5)}{cell(s.get('hit_p50_ms'), 8)}"
              f"{cell(s.get('rows_mean') or d.get('rows_mean'), 9)}   "
              f"{cell(d.get('p50_ms'), 10)}{cell(d.get('p95_ms'), 9)}")  # fmt: skip
    for key, value in record.items():
        if key.startswith("throughput"):
            print(f"{key}: {value}")
    if record.get("row_count_mismatches"):
        print("row-count MISMATCH:", *record["row_count_mismatches"][:10], sep="\n  ")
    elif record.get("server") is not None:
        print("row counts: server = engine for every request")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="1", help="comma-separated, e.g. 1,53")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument(
        "--workers", type=int, default=None, help="`migkg serve --workers` (query processes)"
    )
    ap.add_argument("--requests", type=int, default=30, help="per query at c=1")
    ap.add_argument("--query-seconds", type=float, default=8.0, help="time bound per query at c=1")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--c4-seconds", type=float, default=15.0, help="throughput phase duration")
    ap.add_argument("--request-timeout", type=float, default=60.0)
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--direct-only", action="store_true", help="skip the server (engine only)")
    ap.add_argument("--keep-store", action="store_true")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for scale in args.scales.split(","):
        record = bench_scale(scale.strip(), args)
        (args.out / f"results-s{scale.strip()}.json").write_text(json.dumps(record, indent=1))
        print_table(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
