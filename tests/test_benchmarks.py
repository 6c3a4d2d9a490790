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
    assert "library calls alone (% of limit)" in text


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
    # "1.01 (0.97–1.04); apart 1.03": side by side, its quartiles, then the separate runs
    assert all(r != "—" and float(r.split()[0]) > 0 and "apart" in r for r in ratios), ratios


def test_where_a_framework_wins_the_report_splits_the_gap_into_products_and_the_rest():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import evaluation
    from cases import CASES

    case = CASES["mlp"](True)
    case.flops = 2e9  # 2 GFLOP of products

    def timed(seconds):
        return {"timings": {"x": {"median": seconds, "min": seconds, "max": seconds}}}

    limits = {"gemm": 50e9, "gemm-jax": 50e9, "gemm-torch": 100e9}
    # torch: 30 ms, of which 20 ms products at its 100 GFLOP/s; ours 45 ms, 40 ms of products
    rows = [(case, {"generated": timed(0.045), "jax": timed(0.060), "torch": timed(0.030)})]
    lines = evaluation.why_frameworks_win(rows, limits)
    text = "\n".join(lines)
    assert "PyTorch" in text and "JAX (" not in text  # JAX is slower: not listed
    assert "20 ms at PyTorch's measured GEMM rate (100.0 GFLOP/s) and 40 ms at numpy's" in text
    assert "the rest takes 10 ms in PyTorch and 5 ms in matcalc's numpy" in text
    assert "of the 15 ms gap, 20 ms are in the products and -5 ms outside them, mostly in the " \
        "matrix products" in text
    rows = [(case, {"generated": timed(0.070), "jax": timed(0.050), "torch": timed(0.090)})]
    text = "\n".join(evaluation.why_frameworks_win(rows, limits))
    assert "mostly outside the products" in text and "XLA" in text
    assert evaluation.why_frameworks_win(
        [(case, {"generated": timed(0.01), "jax": timed(0.05), "torch": timed(0.05)})],
        limits) == []
