"""Deep input does not crash, and derivatives of deep networks stay linear in size.

Counts, not times: timings belong in benchmarks/.
"""

import gc
from contextlib import contextmanager

import numpy as np
import pytest

import matcalc as mc
from matcalc.core.expr import Expr
from matcalc.core.walk import postorder
from matcalc.rules import simplify as simplification
from tests.networks import mlp
from tests.scaling_cases import CASES


def chain(k: int):
    n = mc.dims("n")
    x = mc.vector("x", n)
    Ws = [mc.matrix(f"W{i}", n) for i in range(1, k + 1)]
    h = mc.tanh(Ws[0] @ x)
    for W in Ws[1:]:
        h = W @ h
    return x, Ws, h


def test_a_5000_layer_chain_builds_derives_prints_and_evaluates():
    x, Ws, h = chain(5000)
    L = mc.sum(h)
    g = mc.diff(L, Ws[0])
    assert str(g) and mc.latex(g) and mc.unicode(g) and str(mc.diff(L, x))
    assert mc.jacobian(h, x).shape == (x.rows, x.rows)
    assert len(mc.derive(L, Ws[0])) > 3
    rng = np.random.default_rng(0)
    mats = [np.eye(3) + 0.01 * rng.standard_normal((3, 3)) for _ in Ws]
    xv = rng.standard_normal(3)
    values = {f"W{i + 1}": M for i, M in enumerate(mats)}
    # the gradient by W1 is (v ⊙ tanh′(W1 x)) xᵀ with v = W2ᵀ⋯W_kᵀ 1
    v = np.ones(3)
    for M in reversed(mats[1:]):
        v = M.T @ v
    expected = np.outer(v * (1 - np.tanh(mats[0] @ xv) ** 2), xv)
    np.testing.assert_allclose(mc.lambdify(g)(x=xv, **values), expected, rtol=1e-9)


def distinct_nodes(exprs) -> int:
    seen = set()
    for e in exprs:
        seen.update(postorder(e))
    return len(seen)


def test_the_gradient_by_every_weight_grows_linearly_with_depth():
    ks = (1, 2, 4, 8, 16, 32, 64)
    counts = []
    for k in ks:
        L, Ws = mlp(k, loss="squared")
        counts.append(distinct_nodes(mc.diff(L, Ws)))
    per_layer = (counts[-1] - counts[0]) / (ks[-1] - ks[0])
    for k, c in zip(ks, counts):
        assert c == counts[0] + per_layer * (k - 1), (ks, counts)
    assert per_layer <= 20


def test_gradients_by_several_variables_at_once_equal_the_separate_ones():
    L, Ws = mlp(6, loss="squared")
    x = next(s for s in L.free_symbols() if s.name == "x")
    for layout in mc.LAYOUTS:
        together = mc.diff(L, [*Ws, x], layout)
        for g, w in zip(together, [*Ws, x]):
            assert g == mc.diff(L, w, layout)
            assert mc.check(L, w, layout).ok


# -- issue 15: the cost of each scaling case grows linearly ------------------------------------

@contextmanager
def counting_work():
    """Counts the work of building nodes: one per node made or looked up, plus its arguments
    (a node of k arguments costs k to hash and store, so flattening k terms costs k)."""
    counter = [0]
    make = Expr.__dict__["_make"]

    def counted(cls, args, params, shape):
        counter[0] += 1 + len(args)
        return make.__func__(cls, args, params, shape)

    Expr._make = classmethod(counted)
    try:
        yield counter
    finally:
        Expr._make = make


def work_at(make, k: int) -> int:
    simplification._CANONICAL.clear()  # no help from an earlier, smaller run
    simplification.c_transpose.cache_clear()
    gc.collect()
    job = make(k)
    with counting_work() as counter:
        job()
    return counter[0]


@pytest.mark.parametrize("name", CASES)
def test_the_work_of_each_scaling_case_grows_linearly(name):
    make, _, (k1, k2) = CASES[name]
    w1, w2 = work_at(make, k1), work_at(make, k2)
    assert w2 / w1 <= 1.1 * k2 / k1, (name, k1, w1, k2, w2)
