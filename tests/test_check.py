"""A check's report repeats its comparison at other finite-difference steps: the error is
V-shaped against the step (truncation ∝ h² for central differences, ∝ h⁴ extrapolated; rounding
∝ ε/h), and ``report.plot()`` draws that V with matplotlib, an optional extra."""

import subprocess
import sys

import numpy as np
import pytest

import matcalc as mc

n, m = mc.dims("n m")
x, W = mc.vector("x", n), mc.matrix("W", m, n)


def slope(steps, errors, low, high):
    """The least-squares slope of log error against log step over low ≤ h ≤ high."""
    inside = (steps >= low) & (steps <= high)
    return np.polyfit(np.log10(steps[inside]), np.log10(errors[inside]), 1)[0]


@pytest.fixture(scope="module")
def report():
    return mc.check(mc.sum(mc.tanh(W @ x)), W, points=1)


def test_central_difference_error_falls_like_h_squared_and_rises_like_one_over_h(report):
    steps, errors = report.step_sweep(method="central")
    assert len(steps) == len(errors) == 23 and np.all(errors > 0)
    best = errors.min()
    assert errors[np.isclose(steps, 1e-2)][0] > 100 * best
    assert errors[np.isclose(steps, 1e-12)][0] > 10 * best
    assert 1.8 < slope(steps, errors, 1e-3, 1e-1) < 2.2  # truncation, h²
    assert -1.5 < slope(steps, errors, 1e-12, 1e-8) < -0.6  # rounding, ε/h
    assert 1e-7 < steps[errors.argmin()] < 1e-4  # the minimum near ε^(1/3)


def test_extrapolated_error_falls_like_h_to_the_fourth_and_reaches_lower(report):
    steps, errors = report.step_sweep()  # what check uses
    central = report.step_sweep(method="central")[1]
    assert 3.6 < slope(steps, errors, 1e-2, 1e-1) < 4.4
    assert -1.5 < slope(steps, errors, 1e-12, 1e-8) < -0.6
    assert errors.min() < central.min() / 10
    assert steps[errors.argmin()] > steps[central.argmin()]


@pytest.mark.parametrize("options", [{}, {"layout": "numerator"}, {"form": "index"},
                                     {"structure": "symmetric"}])
def test_the_sweep_at_the_checks_own_step_gives_the_reported_error(options):
    S = mc.matrix("S", n, symmetric=True)
    f, wrt = (x.T @ S @ mc.tanh(S @ x), S) if "structure" in options else (mc.tanh(W @ x), W)
    layout = options.pop("layout", None)
    report = mc.check(f, wrt, layout, points=1, **options)
    assert report.ok and report.step > 0
    steps, errors = report.step_sweep([report.step])
    assert steps.tolist() == [report.step]
    assert errors[0] == pytest.approx(report.max_rel_error, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("steps, method, message", [
    ([1e-3, -1e-3], "central", "positive finite"), ([], "central", "positive finite"),
    (["a"], "central", "positive numbers"), (None, "forward", "unknown method"),
])
def test_a_sweep_refuses_bad_steps_and_methods(report, steps, method, message):
    with pytest.raises(mc.MatcalcError, match=message):
        report.step_sweep(steps, method)


def test_a_report_without_a_compared_point_has_nothing_to_sweep():
    bare = mc.CheckReport(ok=False, max_rel_error=np.inf, expr="x", wrt="x", layout="mixed",
                          derivative="1", shape=(1, 1), sizes={}, seed=0, tolerance=1e-6)
    with pytest.raises(mc.MatcalcError, match="nothing to sweep"):
        bare.step_sweep()
    assert bare.step is None


def test_the_plot_draws_both_curves_the_guides_and_the_checks_step_on_log_axes(report):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matcalc.numeric.plotting import LABELS

    ax = report.plot()
    try:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(LABELS.values()) <= set(lines)
        assert len(lines[LABELS["central"]].get_xdata()) == 23
        assert lines[LABELS["step"]].get_xdata()[0] == report.step
        assert len(lines[LABELS["minimum"]].get_xdata()) == 2  # one per curve
        assert "step" in ax.get_xlabel() and "error" in ax.get_ylabel()
        assert "∂W" in ax.get_title()
    finally:
        plt.close(ax.figure)
    fig, given = plt.subplots()
    try:
        assert report.plot(ax=given, steps=np.logspace(-2, -10, 9)) is given
        assert len(given.get_lines()[0].get_xdata()) == 9
    finally:
        plt.close(fig)


def test_plotting_without_matplotlib_says_how_to_install_it(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib then fails
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(mc.MatcalcError, match=r"pip install matcalc\[plot\]"):
        report.plot()


def test_importing_matcalc_does_not_import_matplotlib():
    out = subprocess.run([sys.executable, "-c", "import sys, matcalc; "
                          "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# regression: a steep function failed its check though its derivative was right: the default
# step, scaled up where |f| is large, did not resolve exp(100x)
def test_a_right_derivative_of_a_steep_function_passes_at_a_step_that_resolves_it():
    a = mc.scalar("a")
    for f in (mc.sum(mc.exp(100 * x)), mc.exp(mc.exp(mc.exp(mc.sum(x) / 4))),
              # a large constant: the rounding error limits the steps that may count
              mc.sin(1000 * a) + 1e6, mc.sin(10000 * a) + 1e6):
        report = mc.check(f, a if a in f.free_symbols() else x)
        assert report.ok, report
    wrong = mc.check(mc.sum(mc.exp(100 * x)), x, against=99 * mc.exp(100 * x))
    assert not wrong.ok and wrong.max_rel_error > 1e-3


# regression: a derivative that underflowed to exactly zero at every point passed with error 0
def test_a_derivative_that_is_zero_in_floating_point_everywhere_says_the_check_shows_nothing():
    a = mc.scalar("a")
    for f, wrt in ((mc.exp(1000 * a), a), (mc.exp(-1000 * (x.T @ x)), x)):
        report = mc.check(f, wrt)
        assert report.ok and "that is all this check shows" in report.detail, report
    assert mc.check(mc.sum(mc.softmax(x)), x).ok  # a derivative that is 0 symbolically


# regression (review): the step sweep that rescues a steep f accepted a wrong formula where
# f(x + h) = f(x − h) in floating point (both sides 0) or where one large step agreed by chance
def test_the_step_sweep_never_passes_a_wrong_formula():
    a = mc.scalar("a")
    for f, wrt, wrong in ((a + 1000000, a, 0 * a), (x.T @ x + 1000000, x, 0 * x),
                          (mc.sin(100 * a), a, -23.757910288052457 * mc.cos(100 * a)),
                          (mc.sum(mc.exp(100 * x)), x, 100.001 * mc.exp(100 * x)),
                          # the extrapolated quotient of a sine takes one wrong value at two
                          # neighbouring steps here (ωh ≈ 21.5 and 21.5/√10)
                          (mc.sin(W_ := 21.5470373120687 * 10 ** 5.5 * a), a,
                           -0.127368320019418 * 21.5470373120687 * 10 ** 5.5 * mc.cos(W_))):
        for seed in range(4):
            report = mc.check(f, wrt, against=wrong, seed=seed)
            assert not report.ok, (str(f), seed, report)
