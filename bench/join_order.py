"""Engine time of a query template with and without join-order hints (prints numbers).

    .venv/bin/python bench/join_order.py STORE_DIR TEMPLATE.rq PARAMS.json [--reps 2]

STORE_DIR is a published store (`migkg load … --store DIR`), TEMPLATE a query with
``{{NAME}}`` slots and a ``# bench:params=<set>`` line, PARAMS the JSON the data generator
wrote.  Each parameter set is run once per repetition, as written and as rewritten by
`server.joinorder` (the first repetition plans cold: its counts are made then).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from graph.store import EmbeddedStore
from server.executor import JoinPlans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store")
    parser.add_argument("template", type=Path)
    parser.add_argument("params", type=Path)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()

    template = args.template.read_text()
    found = re.search(r"bench:params=(\w+)", template)
    sets = json.loads(args.params.read_text())[found.group(1)] if found else [{}]
    queries = []
    for values in sets:
        query = template
        for name, value in values.items():
            query = query.replace("{{" + name + "}}", value)
        queries.append(query)

    embedded = EmbeddedStore(args.store)
    store, union = embedded.current, embedded.needs_union
    options = {"use_default_graph_as_union": True} if union else {}
    plans = JoinPlans(store, union=union)
    for rep in range(args.reps):
        for label, rewrite in (("as written", None), ("join-order hints", plans.rewrite)):
            times = []
            for query in queries:
                started = time.perf_counter()
                text = rewrite(query) if rewrite else query
                list(store.query(text, **options))
                times.append(time.perf_counter() - started)
            times.sort()
            p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
            print(
                f"rep {rep + 1}  {label:17s} p50 {p50 * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"
                f"  ({len(queries)} queries)"
            )


if __name__ == "__main__":
    main()
