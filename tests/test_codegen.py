"""mc.codegen: the one generator behind lambdify, the CLI's --code and the benchmarks."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.codegen import Generated, generate

n, m = mc.dims("n m")
x, A, B = mc.vector("x", n), mc.matrix("A", n), mc.matrix("B", n)
W, b = mc.matrix("W", m, n), mc.vector("b", m)
rng = np.random.default_rng(11)
Av, Bv, Wv = rng.standard_normal((4, 4)), rng.standard_normal((4, 4)), rng.standard_normal((3, 4))
xv, bv = rng.standard_normal(4), rng.standard_normal(3)


def _function(source: str, name: str):
    return Generated(source, name, []).compile()


def test_f_and_grad_returns_the_value_and_every_gradient_in_the_layout_asked_for():
    f = mc.norm2(W @ mc.tanh(A @ x) - b) ** 2
    source = mc.codegen(f, wrt=[W, A, x])
    assert source.splitlines()[-1].startswith("    return ") and "def f_and_grad(A, W, b, x):" in source
    value, gW, gA, gx = _function(source, "f_and_grad")(A=Av, W=Wv, b=bv, x=xv)
    assert value == pytest.approx(mc.lambdify(f)(A=Av, W=Wv, b=bv, x=xv))
    for wrt, got in zip((W, A, x), (gW, gA, gx)):
        assert mc.check(f, wrt).ok
        np.testing.assert_allclose(got, mc.lambdify(mc.diff(f, wrt))(A=Av, W=Wv, b=bv, x=xv))
    numerator = _function(mc.codegen(f, wrt=[W], layout="numerator"), "f_and_grad")
    np.testing.assert_allclose(numerator(A=Av, W=Wv, b=bv, x=xv)[1], gW.T)


def test_without_wrt_the_function_returns_the_expression():
    source = mc.codegen(x.T @ A @ x, name="quadratic")
    assert _function(source, "quadratic")(A=Av, x=xv) == pytest.approx(xv @ Av @ xv)


def test_lambdify_runs_exactly_the_generated_source():
    e = mc.tanh(W @ x + b)
    assert mc.lambdify(e).source == generate([e], "f").source


def test_products_are_associated_in_the_cheapest_order():
    assert "(A @ (B @ x))" in mc.codegen(A @ B @ x)  # two matrix-vector products, not A @ B
    assert "((x.T @ B) @ A)" in mc.codegen(x.T @ B @ A)
    quadratic = mc.codegen(x.T @ A @ x)
    assert "(x.T @ A) @ x" in quadratic or "x.T @ (A @ x)" in quadratic
    C = mc.matrix("C", n, 1)  # a fixed size of 1 is thin, wherever it stands
    assert "(A @ (B @ C))" in mc.codegen(A @ B @ C)


def test_generated_code_checks_its_inputs_shapes_naming_the_argument():
    fn = _function(mc.codegen(W @ x + b), "f")
    np.testing.assert_allclose(fn(W=Wv, b=bv, x=xv)[:, 0], Wv @ xv + bv)
    with pytest.raises(ValueError, match=r"x must be n×1 = \(4, 1\), got an array of shape \(5, 1\)"):
        fn(W=Wv, b=bv, x=np.ones(5))
    with pytest.raises(ValueError, match=r"W is a matrix \(m×n\) but got an array with 1 dim"):
        fn(W=np.ones(4), b=bv, x=xv)
    with pytest.raises(ValueError, match=r"b is a vector \(m×1\) but got an array of shape \(3, 2\)"):
        fn(W=Wv, b=np.ones((3, 2)), x=xv)


def test_one_by_one_values_are_numbers_and_still_evaluate_everywhere():
    c = mc.scalar("c")
    s = x.T @ x
    e = (mc.tr(A).T * mc.det(mc.diag(s)) + mc.logdet(s + c ** 2) + mc.tr(mc.inv(s))
         + mc.sum(mc.softmax(s)) + (x * mc.sum(A)).T @ x)
    xx = xv @ xv
    expected = np.trace(Av) * xx + np.log(xx + 0.25) + 1 / xx + 1 + Av.sum() * xx
    assert mc.lambdify(e)(A=Av, x=xv, c=0.5) == pytest.approx(expected)


def test_a_deep_chain_generates_code_python_can_compile():
    h = x
    Ws = [mc.matrix(f"W{i}", n) for i in range(300)]
    for Wi in Ws:
        h = mc.tanh(Wi @ h)
    arrays = {f"W{i}": np.eye(4) * 0.5 for i in range(300)}
    assert mc.lambdify(mc.sum(h))(x=xv, **arrays) == pytest.approx(
        float(np.sum(_reference_chain(xv, 300))))


def _reference_chain(v, k):
    for _ in range(k):
        v = np.tanh(0.5 * v)
    return v


def test_a_weighted_gram_with_provably_nonnegative_weights_is_one_symmetric_product():
    mm, nn = mc.dims("mm nn")
    X, w, y = mc.matrix("X", mm, nn), mc.vector("w", nn), mc.vector("y", mm)
    H = mc.hessian(mc.sum(mc.log(1 + mc.exp(-y * (X @ w)))), w)  # Xᵀ diag(σ(1−σ)y²) X
    source = mc.codegen(H)
    assert "np.sqrt(" in source and "np.diag" not in source and "for " not in source
    temp = source.split("np.sqrt(")[0].split()[-3]  # the name assigned √w ⊙ X
    assert f"({temp}.T @ {temp})" in source  # numpy computes Bᵀ B as one triangle (syrk)
    Xv, wv, yv = rng.standard_normal((7, 3)), rng.standard_normal(3), rng.choice([-1.0, 1.0], 7)
    p = 1 / (1 + np.exp(yv * (Xv @ wv)))
    np.testing.assert_allclose(mc.lambdify(H)(X=Xv, w=wv, y=yv),
                               Xv.T @ (Xv * (p * (1 - p))[:, None]), rtol=1e-12)
    # weights of unknown sign keep the general product
    u = mc.vector("u", mm)
    assert "np.sqrt(" not in mc.codegen(X.T @ mc.diag(u) @ X)


def test_numbers_are_numbers_and_negations_are_minus_signs_in_generated_code():
    s = mc.sigmoid(W @ x)
    source = mc.codegen(mc.jacobian(s, x))
    assert "np.ones" not in source and "(1.0 - " in source and "-1.0 *" not in source
    v = 1 / (1 + np.exp(-(Wv @ xv)))
    np.testing.assert_allclose(mc.lambdify(mc.jacobian(s, x))(W=Wv, x=xv),
                               (v * (1 - v))[:, None] * Wv, rtol=1e-12)
