"""Stable numbers (issue 12, point 5): values and derivatives are finite wherever the true value
is, in lambdify and in generated code, at |z| = 1000 and at z = (0, −800, 1)."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.codegen import Generated
from matcalc.numeric.stable import stable

n, k = mc.dims("n k")
z = mc.vector("z", n)
Z = mc.matrix("Z", n, k)
EXTREME = [np.array([1000.0, -1000.0, 3.0]), np.array([0.0, -800.0, 1.0])]
ZV = np.array([[1000.0, -1000.0], [0.0, -800.0], [1.0, 2.0]])


def _softplus(u):
    return np.logaddexp(0.0, u)


def _log_softmax(u, axis=0):
    top = u.max(axis=axis, keepdims=True)
    return u - top - np.log(np.exp(u - top).sum(axis=axis, keepdims=True))


def _compiled(f, wrt):
    source = mc.codegen(f, wrt=wrt)
    return Generated(source, "f_and_grad", []).compile(), source


#: (f, its value at a vector, its gradient (denominator layout) at a vector)
SCALAR_CASES = {
    "sum(log(1 + exp(z)))": (mc.sum(mc.log(1 + mc.exp(z))), lambda u: _softplus(u).sum(),
                             lambda u: np.exp(-_softplus(-u))),
    "logsumexp(z)": (mc.logsumexp(z), lambda u: np.logaddexp.reduce(u),
                     lambda u: np.exp(_log_softmax(u))),
    "log(sum(exp(z)))": (mc.log(mc.sum(mc.exp(z))), lambda u: np.logaddexp.reduce(u),
                         lambda u: np.exp(_log_softmax(u))),
    "sum(log(sigmoid(z)))": (mc.sum(mc.log(mc.sigmoid(z))), lambda u: -_softplus(-u).sum(),
                             lambda u: np.exp(-_softplus(u))),
    "sum(1 / (1 + exp(z)))": (mc.sum(1 / (1 + mc.exp(z))), lambda u: np.exp(-_softplus(u)).sum(),
                              lambda u: -np.exp(-_softplus(u) - _softplus(-u))),
    "sum(log_softmax(z) * w)": (mc.sum(mc.log(mc.softmax(z)) * mc.vector("w", n)), None, None),
}


@pytest.mark.parametrize("name", SCALAR_CASES)
@pytest.mark.parametrize("zv", EXTREME, ids=["1000", "0,-800,1"])
def test_values_and_gradients_are_finite_and_right_at_extreme_inputs(name, zv):
    f, value, gradient = SCALAR_CASES[name]
    args = {"z": zv} if "w" not in name else {"z": zv, "w": np.array([0.5, -1.0, 2.0])}
    got_value = mc.lambdify(f)(**args)
    got_gradient = mc.lambdify(mc.diff(f, z))(**args)
    fn, _ = _compiled(f, [z])
    code_value, code_gradient = fn(**args)
    assert np.isfinite(got_value) and np.all(np.isfinite(got_gradient))
    assert code_value == pytest.approx(got_value)
    np.testing.assert_allclose(code_gradient, got_gradient, rtol=1e-12, atol=1e-300)
    if value is not None:
        assert got_value == pytest.approx(value(zv), rel=1e-12)
        np.testing.assert_allclose(got_gradient[:, 0], gradient(zv), rtol=1e-12, atol=1e-300)


def test_the_value_of_sum_log_one_plus_exp_at_1000_is_1000():
    f = mc.sum(mc.log(1 + mc.exp(z)))
    assert mc.lambdify(f)(z=np.array([1000.0])) == 1000.0
    assert _compiled(f, [z])[0](z=np.array([1000.0]))[0] == 1000.0


def test_the_jacobian_of_log_softmax_has_no_nan_row_where_softmax_underflows():
    zv = np.array([0.0, -800.0, 1.0])
    s = np.exp(_log_softmax(zv))
    expected = np.eye(3) - np.outer(np.ones(3), s)  # ∂ log softmax(z)/∂z = I − 𝟏 softmax(z)ᵀ
    for layout, want in (("numerator", expected), ("denominator", expected.T)):
        J = mc.lambdify(mc.diff(mc.log(mc.softmax(z)), z, layout))(z=zv)
        np.testing.assert_allclose(J, want, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(mc.lambdify(mc.log(mc.softmax(z)))(z=zv)[:, 0], _log_softmax(zv))


@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_logsumexp_and_log_softmax_along_an_axis_use_the_max_shift(axis):
    for f, want in ((mc.softmax(Z, axis=axis), np.exp(_log_softmax(ZV, axis))),
                    (mc.log(mc.softmax(Z, axis=axis)), _log_softmax(ZV, axis)),
                    (mc.log_softmax(Z, axis=axis), _log_softmax(ZV, axis)),
                    (mc.logsumexp(Z, axis=axis), np.logaddexp.reduce(ZV, axis=axis,
                                                                     keepdims=True))):
        got = mc.lambdify(f)(Z=ZV)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    W = mc.matrix("W", n, k)
    f = mc.sum(mc.log(mc.softmax(Z, axis=axis)) * W)
    Wv = np.arange(6.0).reshape(3, 2)
    grad = mc.lambdify(mc.diff(f, Z))(Z=ZV, W=Wv)
    fn, _ = _compiled(f, [Z])
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(fn(Z=ZV, W=Wv)[1], grad)
    # ∂/∂Z Σ W ⊙ log_softmax(Z) = W − softmax(Z) ⊙ (W summed along the axis)
    s = np.exp(_log_softmax(ZV, axis))
    np.testing.assert_allclose(grad, Wv - s * Wv.sum(axis=axis, keepdims=True), atol=1e-12)


def test_the_stable_form_is_what_the_generated_source_says():
    source = mc.codegen(mc.sum(mc.log(1 + mc.exp(z))) + mc.logsumexp(z) + mc.sum(mc.softmax(z)))
    assert "np.logaddexp(0.0, " in source and "np.log(1.0 + " not in source
    assert "z.max(" in source or "logaddexp.reduce" in source
    assert "max(axis=axis, keepdims=True)" in source  # softmax's max shift
    assert str(stable(mc.log(mc.sigmoid(z)))) == "-softplus(-z)"
    assert str(stable(mc.log(mc.softmax(z)))) == "log_softmax(z)"


def test_the_stable_forms_agree_with_the_plain_forms_where_both_are_finite():
    zv = np.random.default_rng(3).standard_normal(5)
    e, s = np.exp(zv), np.exp(zv) / np.exp(zv).sum()
    cases = [(mc.log(1 + mc.exp(z)), np.log(1 + e)),
             (mc.log(mc.sigmoid(z)), np.log(1 / (1 + np.exp(-zv)))),
             (mc.log(mc.softmax(z)), np.log(s)),
             (mc.exp(z) / mc.sum(mc.exp(z)), s),
             (mc.exp(z) * (1 + mc.exp(z)) ** -2, e / (1 + e) ** 2),
             (mc.diff(mc.log(mc.softmax(z)), z, "numerator"),
              np.diag(1 / s) @ (np.diag(s) - np.outer(s, s)))]
    for f, naive in cases:
        got = mc.lambdify(f)(z=zv)
        np.testing.assert_allclose(got.reshape(naive.shape), naive, rtol=1e-12, atol=1e-14)
