"""Regressions from the independent review of the code generator (lambdify runs its code)."""

import numpy as np
import pytest
import sympy

import matcalc as mc
from matcalc.core.expr import Const

n = mc.dims("n")
x, y = mc.vector("x", n), mc.vector("y", n)
A = mc.matrix("A", n)
rng = np.random.default_rng(12)
xv, yv, Av = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((3, 3))


def sig(u):
    return 1 / (1 + np.exp(-u))


def test_a_sum_starting_with_a_negated_term_keeps_its_signs_inside_a_function():
    e = mc.sum(mc.sigmoid(y - x))  # written -x + y: the minus belongs to x alone
    assert mc.lambdify(e)(x=xv, y=yv) == pytest.approx(sig(yv - xv).sum())
    e = mc.sum(mc.sigmoid(-1 - x * y))
    assert mc.lambdify(mc.simplify(e))(x=xv, y=yv) == pytest.approx(sig(-1 - xv * yv).sum())
    assert mc.check(mc.sum(mc.sigmoid(x - 1) ** 2), x).ok
    source = mc.codegen(mc.sum(mc.sigmoid(x - 1) ** 2), wrt=[x])
    value, grad = _compile(source, "f_and_grad")(x=xv)
    s = sig(xv - 1)
    np.testing.assert_allclose(grad[:, 0], 2 * s * s * (1 - s))


def test_negative_numbers_keep_their_sign_under_a_power_and_irrational_constants_evaluate():
    e = Const.new(-3) ** 2 * mc.sum(x)  # not simplified: lambdify runs it as built
    assert mc.lambdify(e)(x=xv) == pytest.approx(9 * xv.sum())
    assert mc.lambdify(x.T @ x * sympy.sqrt(2))(x=xv) == pytest.approx(np.sqrt(2) * xv @ xv)
    e = mc.sum(x) * mc.tr(mc.eye(n)) ** sympy.Rational(1, 2)
    assert mc.lambdify(mc.simplify(e))(x=xv) == pytest.approx(np.sqrt(3) * xv.sum())


def test_step_of_a_number():
    assert mc.lambdify(mc.step(Const.new(2)) * mc.sum(x))(x=xv) == pytest.approx(xv.sum())
    assert mc.lambdify(mc.simplify(mc.step(mc.tr(mc.eye(n))) * mc.sum(x)))(x=xv) == \
        pytest.approx(xv.sum())


def test_one_by_one_factors_anywhere_in_a_product_evaluate():
    t = float(np.trace(Av))
    assert np.allclose(mc.lambdify(x @ mc.diag(2))(x=xv)[:, 0], 2 * xv)
    assert np.allclose(mc.lambdify(mc.kron(x, y) @ mc.tr(A))(x=xv, y=yv, A=Av)[:, 0],
                       np.kron(xv, yv) * t)
    assert np.allclose(mc.lambdify(x.T @ mc.kron(2, A))(x=xv, A=Av), 2 * xv @ Av)
    assert mc.lambdify(mc.det(mc.vec(Const.new(2))))() == pytest.approx(2)
    chain = A
    for _ in range(12):
        chain = chain @ A
    e = chain @ x @ mc.tr(A) @ mc.norm2(x)
    expected = np.linalg.matrix_power(Av, 13) @ xv * t * np.linalg.norm(xv)
    np.testing.assert_allclose(mc.lambdify(e)(A=Av, x=xv)[:, 0], expected, rtol=1e-10)


def test_names_the_generated_code_cannot_use_are_refused_or_avoided():
    assert mc.lambdify(mc.sum(mc.vector("f", n)))(f=xv) == pytest.approx(xv.sum())
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


def test_wide_sums_compile():
    terms = [mc.vector(f"v{i}", n) for i in range(3000)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    arrays = {f"v{i}": np.full(3, 1.0) for i in range(3000)}
    np.testing.assert_allclose(mc.lambdify(mc.sum(total))(**arrays), 9000.0)


def test_every_shared_product_is_computed_once():
    Ax = A @ x
    source = mc.codegen(mc.sum(mc.tanh(Ax)) + mc.sum(mc.exp(Ax)) + mc.sum(Ax))
    assert source.count("(A @ x)") == 1


def test_f_and_grad_takes_every_variable_even_one_the_results_lost():
    source = mc.codegen(mc.sum(y) + 0 * mc.sum(A @ x), wrt=[A, x, y])
    assert "def f_and_grad(A, x, y):" in source
    value, gA, gx, gy = _compile(source, "f_and_grad")(A=Av, x=xv, y=yv)
    assert value == pytest.approx(yv.sum()) and not gA.any() and not gx.any()


def test_jacobians_the_compact_reader_cannot_read_come_from_the_vec_rules():
    z, F = mc.vector("z", 2), mc.matrix("F", 2, n)
    f = mc.norm2(mc.ones(2, 2) @ mc.diag(z) @ F)
    mc.hessian(f, z)  # once UnsupportedError
    assert mc.check(mc.gradient(f, z), z, "numerator").ok


def _compile(source, name):
    from matcalc.numeric.codegen import Generated

    return Generated(source, name, []).compile()
