"""The benchmark script runs (a smoke run; it asserts no timings, which belong in RESULTS.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke_run_writes_its_tables(tmp_path):
    out = tmp_path / "RESULTS.md"
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for heading in ("(a) Derivation time", "(b) Depth", "(c) Evaluation", "(d) Start-up",
                    "(e) Scaling"):
        assert heading in text
    assert "| log det(X) |" in text and "wrong" in text  # SymPy's silent 0 is counted
