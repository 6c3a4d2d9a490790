"""The web playground under load: 300 requests from 10 concurrent clients over loopback, a fifth
of them malformed (benchmarks/web_load.py, run as a script): every request is answered, as
expected (200 with a derivative, or 4xx with a message), and none with a 5xx.  The latency it
reports is a benchmark figure (benchmarks/RESULTS-web.md), not asserted here."""

import json
import subprocess
import sys

import pytest

from tests.web_server import ROOT

pytest.importorskip("starlette")


def test_three_hundred_requests_from_ten_clients_are_all_answered_without_a_server_error():
    done = subprocess.run([sys.executable, "benchmarks/web_load.py", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    stats = json.loads(done.stdout)
    assert (stats["requests"], stats["clients"], stats["malformed"]) == (300, 10, 60)
    assert stats["lost"] == [] and stats["server_errors"] == 0
    assert stats["valid"]["count"] == 240 and stats["bad"]["count"] == 60
    assert stats["statuses"].get("200") == 240 and stats["server_exit"] == 0
    assert {"median_ms", "p95_ms"} <= set(stats["valid"])
