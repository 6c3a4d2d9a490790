"""mc.codegen: the one generator behind lambdify, the CLI's --code and the benchmarks."""

import numpy as np
import pytest
import sympy

import matcalc as mc
from matcalc.core.expr import Const
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


y = mc.vector("y", n)
rng12 = np.random.default_rng(12)
xv3, yv3, Av3 = rng12.standard_normal(3), rng12.standard_normal(3), rng12.standard_normal((3, 3))


def sig(u):
    return 1 / (1 + np.exp(-u))


# regression: the minus of a sum starting with a negated term (-x + y) spread over the whole sum
def test_a_sum_starting_with_a_negated_term_keeps_its_signs_inside_a_function():
    e = mc.sum(mc.sigmoid(y - x))  # written -x + y: the minus belongs to x alone
    assert mc.lambdify(e)(x=xv3, y=yv3) == pytest.approx(sig(yv3 - xv3).sum())
    e = mc.sum(mc.sigmoid(-1 - x * y))
    assert mc.lambdify(mc.simplify(e))(x=xv3, y=yv3) == pytest.approx(sig(-1 - xv3 * yv3).sum())
    assert mc.check(mc.sum(mc.sigmoid(x - 1) ** 2), x).ok
    source = mc.codegen(mc.sum(mc.sigmoid(x - 1) ** 2), wrt=[x])
    value, grad = _function(source, "f_and_grad")(x=xv3)
    s = sig(xv3 - 1)
    np.testing.assert_allclose(grad[:, 0], 2 * s * s * (1 - s))


# regression: generated code lost the sign of (-3)**2 and could not evaluate sqrt(2)
def test_negative_numbers_keep_their_sign_under_a_power_and_irrational_constants_evaluate():
    e = Const.new(-3) ** 2 * mc.sum(x)  # not simplified: lambdify runs it as built
    assert mc.lambdify(e)(x=xv3) == pytest.approx(9 * xv3.sum())
    assert mc.lambdify(x.T @ x * sympy.sqrt(2))(x=xv3) == pytest.approx(np.sqrt(2) * xv3 @ xv3)
    e = mc.sum(x) * mc.tr(mc.eye(n)) ** sympy.Rational(1, 2)
    assert mc.lambdify(mc.simplify(e))(x=xv3) == pytest.approx(np.sqrt(3) * xv3.sum())


# regression: generated code could not evaluate step of a number
def test_step_of_a_number_evaluates():
    assert mc.lambdify(mc.step(Const.new(2)) * mc.sum(x))(x=xv3) == pytest.approx(xv3.sum())
    assert mc.lambdify(mc.simplify(mc.step(mc.tr(mc.eye(n))) * mc.sum(x)))(x=xv3) == \
        pytest.approx(xv3.sum())


# regression: 1×1 factors (diag(2), tr(A), a norm) inside or ending a product did not evaluate
def test_one_by_one_factors_anywhere_in_a_product_evaluate():
    t = float(np.trace(Av3))
    assert np.allclose(mc.lambdify(x @ mc.diag(2))(x=xv3)[:, 0], 2 * xv3)
    assert np.allclose(mc.lambdify(mc.kron(x, y) @ mc.tr(A))(x=xv3, y=yv3, A=Av3)[:, 0],
                       np.kron(xv3, yv3) * t)
    assert np.allclose(mc.lambdify(x.T @ mc.kron(2, A))(x=xv3, A=Av3), 2 * xv3 @ Av3)
    assert mc.lambdify(mc.det(mc.vec(Const.new(2))))() == pytest.approx(2)
    chain = A
    for _ in range(12):
        chain = chain @ A
    e = chain @ x @ mc.tr(A) @ mc.norm2(x)
    expected = np.linalg.matrix_power(Av3, 13) @ xv3 * t * np.linalg.norm(xv3)
    np.testing.assert_allclose(mc.lambdify(e)(A=Av3, x=xv3)[:, 0], expected, rtol=1e-10)


# regression: generated code let names shadow its own (f, float, np, lambda) or bad function names
def test_names_the_generated_code_cannot_use_are_refused_or_avoided():
    assert mc.lambdify(mc.sum(mc.vector("f", n)))(f=xv3) == pytest.approx(xv3.sum())
    with pytest.raises(mc.MatcalcError, match="'float' would hide"):
        mc.lambdify(mc.scalar("float") ** 2)
    for bad in ("np", "lambda", "_expect"):
        with pytest.raises(mc.MatcalcError, match="dimension"):
            mc.lambdify(mc.sum(mc.vector("v", mc.dims(bad))))
    for bad in ("np", "my f", "def"):
        with pytest.raises(mc.MatcalcError, match="function name"):
            mc.codegen(mc.sum(x), name=bad)
    with pytest.raises(mc.MatcalcError, match="also a symbol's name"):
        mc.codegen(mc.sum(x), name="x")


# regression: the generated code of a sum of 3000 terms did not compile
def test_wide_sums_compile():
    terms = [mc.vector(f"v{i}", n) for i in range(3000)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    arrays = {f"v{i}": np.full(3, 1.0) for i in range(3000)}
    np.testing.assert_allclose(mc.lambdify(mc.sum(total))(**arrays), 9000.0)


# regression: generated code computed a shared product (A @ x) more than once
def test_every_shared_product_is_computed_once():
    Ax = A @ x
    source = mc.codegen(mc.sum(mc.tanh(Ax)) + mc.sum(mc.exp(Ax)) + mc.sum(Ax))
    assert source.count("(A @ x)") == 1


# regression: f_and_grad dropped a variable the simplified results no longer mention
def test_f_and_grad_takes_every_variable_even_one_the_results_lost():
    source = mc.codegen(mc.sum(y) + 0 * mc.sum(A @ x), wrt=[A, x, y])
    assert "def f_and_grad(A, x, y):" in source
    value, gA, gx, gy = _function(source, "f_and_grad")(A=Av3, x=xv3, y=yv3)
    assert value == pytest.approx(yv3.sum()) and not gA.any() and not gx.any()


def test_an_inverse_applied_to_something_is_a_solve_never_an_explicit_inverse():
    n_ = mc.dims("n")
    A, B, b = mc.matrix("A", n_), mc.matrix("B", n_), mc.vector("b", n_)
    for e in (mc.solve(A, b), B @ mc.inv(A), b.T @ mc.solve(A, B) @ b, mc.tr(B @ mc.inv(A))):
        f = mc.lambdify(e)
        assert "np.linalg.solve(" in f.source and "np.linalg.inv(" not in f.source, f.source
        rng = np.random.default_rng(1)
        values = {"A": rng.standard_normal((3, 3)) + 3 * np.eye(3),
                  "B": rng.standard_normal((3, 3)), "b": rng.standard_normal(3)}
        inv = np.linalg.inv(values["A"])
        expected = {0: inv @ values["b"][:, None], 1: values["B"] @ inv,
                    2: values["b"] @ inv @ values["B"] @ values["b"],
                    3: np.trace(values["B"] @ inv)}
        i = [mc.solve(A, b), B @ mc.inv(A), b.T @ mc.solve(A, B) @ b,
             mc.tr(B @ mc.inv(A))].index(e)
        np.testing.assert_allclose(f(**{k: values[k] for k in f.names}), expected[i], rtol=1e-12)
    with pytest.raises(mc.NumericError, match="singular"):
        mc.lambdify(mc.solve(A, b))(A=np.zeros((3, 3)), b=np.ones(3))


# regression: codegen of solve(A.T, x) built the inverse (the canonical form is (A⁻¹)ᵀx)
def test_a_transposed_inverse_applied_to_something_is_a_solve_with_the_transpose():
    n_ = mc.dims("n")
    A, x_ = mc.matrix("A", n_), mc.vector("x", n_)
    source = mc.codegen(mc.solve(A.T, x_))
    assert "np.linalg.solve(A.T, x)" in source and "np.linalg.inv" not in source
