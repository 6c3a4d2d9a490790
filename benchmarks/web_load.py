"""Load on the web playground: 300 requests to ``POST /api/diff`` from 10 concurrent clients over
loopback, a fifth of them malformed, against a ``matcalc serve`` this script starts (127.0.0.1
only) and stops.  Reports the answers by status, the answers lost (no answer, or not the one
expected: 200 with derivatives for a valid request, 4xx with a message for a malformed one) and
the latency, median and 95th percentile, of each kind.

    python benchmarks/web_load.py                 # prints the table
    python benchmarks/web_load.py --json          # the numbers as JSON (tests/test_web_load.py)
    python benchmarks/web_load.py --out benchmarks/RESULTS-web.md

Bounded: a fixed number of requests, each with a timeout; nothing but 127.0.0.1 is addressed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web_server import request, running_server  # noqa: E402

VALID = [
    {"expr": "x'*A*x", "wrt": "x"},
    {"expr": "W*x", "wrt": "x", "layout": "numerator"},
    {"expr": "logsumexp(x)", "wrt": "x", "order": 2},
    {"expr": "sum(log(1 + exp(-y.*(X*w))))", "wrt": "w", "steps": True},
]
MALFORMED = [
    b"not json",
    json.dumps({"expr": "x'*A*x +", "wrt": "x"}).encode(),  # a parse error
    json.dumps({"expr": "__import__('os').system('true')", "wrt": "x"}).encode(),
    json.dumps({"expr": "x", "layout": "sideways"}).encode(),
    json.dumps({"expr": "x+" * 40_000 + "x"}).encode(),  # 80 kB: over the body limit
]
TIMEOUT = 120  # seconds, for one request


def _one(url: str, i: int, every: int) -> dict:
    malformed = i % every == every - 1
    body = MALFORMED[i // every % len(MALFORMED)] if malformed else \
        json.dumps(VALID[i % len(VALID)]).encode()
    started = time.perf_counter()
    try:
        status, _, answer = request(url + "api/diff", body, {"Content-Type": "application/json"},
                                    TIMEOUT)
    except OSError as e:  # no answer: lost
        return {"malformed": malformed, "status": None, "seconds": None, "lost": str(e)}
    seconds = time.perf_counter() - started
    if malformed:
        expected = 400 <= status < 500 and bool(answer["error"]["message"])
    else:
        expected = status == 200 and bool(answer["derivatives"])
    return {"malformed": malformed, "status": status, "seconds": seconds,
            "lost": None if expected else f"unexpected answer {status}"}


def load(url: str, total: int = 300, clients: int = 10, every: int = 5) -> dict:
    """``total`` requests from ``clients`` threads; every ``every``-th is malformed."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda i: _one(url, i, every), range(total)))
    wall = time.perf_counter() - started

    def latency(malformed: bool) -> dict:
        times = sorted(r["seconds"] for r in results
                       if r["malformed"] is malformed and r["seconds"] is not None)
        if not times:
            return {"count": 0}
        return {"count": len(times), "median_ms": 1000 * statistics.median(times),
                "p95_ms": 1000 * times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]}

    return {"requests": total, "clients": clients,
            "malformed": sum(r["malformed"] for r in results),
            "statuses": dict(sorted(Counter(str(r["status"]) for r in results).items())),
            "server_errors": sum(1 for r in results if r["status"] and r["status"] >= 500),
            "lost": [r["lost"] for r in results if r["lost"]],
            "valid": latency(False), "bad": latency(True), "wall_s": wall}


def table(stats: dict) -> str:
    def row(name: str, s: dict) -> str:
        return (f"| {name} | {s['count']} | {s['median_ms']:.0f} ms | {s['p95_ms']:.0f} ms |"
                if s["count"] else f"| {name} | 0 | – | – |")

    return "\n".join([
        f"{stats['requests']} requests from {stats['clients']} concurrent clients over loopback, "
        f"{stats['malformed']} malformed; {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {stats['wall_s']:.1f} s in all.", "",
        "| requests | count | median latency | p95 latency |", "|---|---|---|---|",
        row("valid (200)", stats["valid"]), row("malformed (4xx)", stats["bad"]), "",
        f"Answers by status: {stats['statuses']}; server errors (5xx): "
        f"{stats['server_errors']}; lost answers: {len(stats['lost'])}."])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--out", type=Path, help="write the table to this Markdown file")
    args = parser.parse_args()
    with running_server() as server:
        request(server.url + "api/diff", json.dumps(VALID[0]).encode(),
                {"Content-Type": "application/json"}, TIMEOUT)  # the fork server is up
        stats = load(server.url, args.requests, args.clients)
    stats["server_exit"] = server.process.returncode
    if args.out:
        args.out.write_text("# Web playground under load (benchmarks/web_load.py)\n\n"
                            + table(stats) + "\n")
    print(json.dumps(stats, indent=2) if args.json else table(stats))
    return 0 if not stats["lost"] and not stats["server_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
