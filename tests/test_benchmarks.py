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
    _every_case_has_a_jax_ratio(text)


def _every_case_has_a_jax_ratio(text):
    """Section (c) compares matcalc's JAX backend with hand-written JAX on every case (when
    jax is installed): no row has "—" for the ratio."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "hand-written JAX (jit) |" in line)
    column = [c.strip() for c in lines[start].split("|")].index(
        "matcalc → JAX / hand-written JAX")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    ratios = [[c.strip() for c in row.split("|")][column] for row in rows]
    assert len(ratios) >= 12
    assert all(r != "—" and float(r) > 0 for r in ratios), ratios
