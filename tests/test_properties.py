"""Property tests of the engine on random well-shaped expressions (depth 4, every operation)."""

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcalc as mc
from matcalc.core.expr import Func
from matcalc.core.functions import FUNCTIONS
from matcalc.core.nodes import NODE_TYPES
from matcalc.core.walk import postorder
from matcalc.numeric.check import evaluate
from matcalc.numeric.sampling import choose_sizes, sample_inputs
from tests.strategies import (
    DERIVATIVE_FACTORS, FIRST_ORDER_FACTORS, PLACEHOLDERS, exprs, problems,
)

# CI runs 200 fixed examples per property; MATCALC_STRESS=N runs N fresh random ones.
_STRESS = int(os.environ.get("MATCALC_STRESS", "0"))
SETTINGS = settings(max_examples=_STRESS or 200, deadline=None, derandomize=not _STRESS,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(problems())
def test_diff_matches_finite_differences_in_every_layout(problem):
    f, wrt = problem
    for layout in mc.LAYOUTS:
        report = mc.check(f, wrt, layout, tolerance=1e-5)
        assert report.ok, f"{f}\n{report}"


@SETTINGS
@given(problems())
def test_numerator_is_the_transpose_of_denominator(problem):
    """Structurally, except where a symmetric variable makes two canonical forms equal only
    in value ((S M⁻¹)ᵀ = M⁻¹S when S and M commute): then numerically."""
    f, wrt = problem
    num, den = mc.diff(f, wrt, "numerator"), mc.diff(f, wrt, "denominator")
    transposed = mc.simplify(den.T)
    if num is not transposed:
        assert any(s.props for s in num.free_symbols()), (num, transposed)
        a, b = _values([f, num, transposed])[1:]
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def _values(exprs, seed=3):
    """Each expression evaluated at one point drawn for the first (same sizes, same arrays)."""
    sizes = choose_sizes(exprs)
    symbols = sorted(exprs[0].free_symbols(), key=lambda s: s.name)
    inputs = sample_inputs(exprs[0], symbols, sizes, seed)
    return [evaluate(mc.lambdify(e), inputs, sizes) for e in exprs]


@SETTINGS
@given(st.sampled_from(["s", "n", "nn", "mn"]).flatmap(lambda k: exprs(k, 4)))
def test_simplify_keeps_the_value_and_is_idempotent(e):
    s = mc.simplify(e)
    assert mc.simplify(s) is s
    before, after = _values([e, s])
    assert before.shape == after.shape
    np.testing.assert_allclose(after, before, rtol=1e-8, atol=1e-8)


@SETTINGS
@given(st.lists(exprs("n", 2), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_shuffled_sums_reach_the_same_normal_form(terms, rnd):
    shuffled = list(terms)
    rnd.shuffle(shuffled)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    other = shuffled[0]
    for t in shuffled[1:]:
        other = other + t
    assert mc.simplify(total) is mc.simplify(other)


@SETTINGS
@given(problems())
def test_printers_never_raise(problem):
    f, wrt = problem
    for e in (f, mc.diff(f, wrt)):
        assert str(e) and mc.latex(e) and mc.unicode(e)


@SETTINGS
@given(exprs("s", 3), st.sampled_from(["x", "y", "A", "W"]))
def test_hessian_matches_differences_of_the_gradient_and_is_symmetric(f, name):
    """Second derivatives of random scalar expressions by a vector, and by a matrix in the
    vec convention d²f/d vec(X) d vec(X)ᵀ."""
    x = next((s for s in f.free_symbols() if s.name == name), None)
    if x is None:
        return
    H = mc.hessian(f, x)
    report = mc.check(mc.gradient(f, x), x, "numerator", tolerance=1e-5)
    assert report.ok, f"{f}\n{report}"
    sizes = choose_sizes([f, H])
    symbols = sorted(f.free_symbols() | H.free_symbols(), key=lambda s: s.name)
    inputs = sample_inputs(f, symbols, sizes, seed=5)
    value = evaluate(mc.lambdify(H), inputs, sizes)
    np.testing.assert_allclose(value, value.T, rtol=1e-8, atol=1e-8)


def test_the_strategies_draw_every_node_type_and_every_function():
    seen: set[str] = set()

    @settings(max_examples=1500, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.sampled_from(["s", "n", "nn", "mn"]).flatmap(lambda k: exprs(k, 3)))
    def draw(e):
        for node in postorder(e):
            seen.add(f"function {node.name}" if isinstance(node, Func) else type(node).__name__)

    draw()
    wanted = ({t.__name__ for t in NODE_TYPES} - PLACEHOLDERS - DERIVATIVE_FACTORS
              - FIRST_ORDER_FACTORS - {"Func"}
              | {f"function {name}" for name in FUNCTIONS})
    assert not wanted - seen, f"never drawn: {sorted(wanted - seen)}"
