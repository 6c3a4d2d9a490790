"""mc.check(f, x, against=G): a gradient derived by hand, checked against finite differences of
f in the same layout, so that a user can test their own formula and see matcalc's beside it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import matcalc as mc

n, m = mc.dims("n m")
x, A, W, y = mc.vector("x", n), mc.matrix("A", n), mc.matrix("W", m, n), mc.vector("y", m)
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("layout", mc.LAYOUTS)
def test_a_right_formula_passes_in_its_layout_and_a_wrong_one_fails(layout):
    f = mc.norm2(W @ x - y) ** 2
    column = mc.diff(f, x, layout).shape == x.shape  # numerator layout: a row

    def arranged(g):
        return g if column else g.T

    report = mc.check(f, x, layout, against=arranged(2 * W.T @ (W @ x - y)))
    assert report.ok and report.max_rel_error < 1e-6
    report = mc.check(f, x, layout, against=arranged(2 * W.T @ W @ x))  # forgot y
    assert not report.ok
    assert f"matcalc's derivative: {mc.unicode(mc.diff(f, x, layout))}" in report.detail


def test_a_formula_read_from_text_with_the_expressions_symbols_is_checked():
    f = mc.parse("x'*A*x")
    symbols = {s.name: s for s in f.free_symbols()}
    assert mc.check(f, "x", against=mc.parse("(A + A')*x", symbols)).ok
    assert not mc.check(f, "x", against=mc.parse("2*A*x", symbols)).ok  # only if A = Aᵀ
    with pytest.raises(mc.MatcalcError, match=r"against= takes an expression; read text with "
                                              r"mc.parse\(text, symbols\)"):
        mc.check(f, "x", against="2*A*x")
    S = mc.matrix("S", n, symmetric=True)
    assert mc.check(x.T @ S @ x, x, against=2 * S @ x).ok


def test_a_formula_of_the_wrong_shape_fails_and_says_which_shape_was_expected():
    report = mc.check(x.T @ A @ x, x, against=x.T @ (A + A.T))
    assert not report.ok
    assert "the formula is 1×n, but ∂f/∂x in denominator layout is n×1" in report.detail


def test_a_formula_with_a_symbol_the_expression_lacks_is_refused():
    z = mc.vector("z", n)
    with pytest.raises(mc.MatcalcError, match=r"the formula uses z, which the expression does "
                                              r"not; its variables are A, x"):
        mc.check(x.T @ A @ x, x, against=A @ z)
    with pytest.raises(mc.MatcalcError, match="against= checks one variable's derivative"):
        mc.check(x.T @ A @ x, [x, A], against=A @ x)
    with pytest.raises(mc.MatcalcError, match="the index form"):
        mc.check(x.T @ A @ x, x, against=A @ x, form="index")


def run(*args):
    return subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_the_command_checks_a_formula_with_against_and_exits_1_when_it_is_wrong():
    out = run("check", "norm2(W*x - y)^2", "--wrt", "x", "--against", "2*W'*(W*x - y)")
    assert out.returncode == 0 and "check ok" in out.stdout, out.stderr
    assert "your formula    (2 * W.T) @ (W @ x - y)" in out.stdout
    out = run("check", "norm2(W*x - y)^2", "--wrt", "x", "--against", "2*W'*W*x", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 1 and data["ok"] is False
    assert "matcalc's derivative" in data["derivatives"][0]["check"]["detail"]
    out = run("diff", "x'*x", "--wrt", "x", "--against", "2*x")
    assert out.returncode == 2 and "--against checks a formula: use it with check" in out.stderr
