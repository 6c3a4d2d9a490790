"""Regressions from the independent review of the vec convention and the index form."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.check import _evaluate
from tests.test_vec import SIZES, differences_4d, jacobian_by_differences, point

m, n, p = mc.dims("m n p")
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)
Y = mc.matrix("Y", n, p)
X = mc.matrix("X", mc.dims("m"), n)


@pytest.mark.parametrize("f,first,second", [
    (mc.tr(S @ S), S, S),
    (mc.logdet(P), P, P),
    (mc.tr(Y.T @ S @ Y), Y, S),
    (mc.tr(Y.T @ S @ Y), S, Y),
    (mc.tr(mc.inv(P) @ mc.matrix("A", n)), P, P),
], ids=["tr(SS)", "logdet P", "mixed (Y, S)", "mixed (S, Y)", "tr(P⁻¹A)"])
def test_hessian_by_a_declared_symmetric_matrix_is_unstructured_both_times(f, first, second):
    # the gradient simplified with Sᵀ = S holds only for symmetric perturbations; the Hessian
    # must be the derivative entry by entry, like every other derivative by default
    H = mc.hessian(f, first, second)
    plain = {v: mc.matrix(v.name, *v.shape) for v in {first, second}}
    # at a point with the declared properties, against differences that move every entry
    # of the plain variable on its own
    inputs = point(f, H, seed=6)
    G = mc.gradient(_plain(f, plain), plain[first])
    expected = jacobian_by_differences(G, plain[second], inputs)
    got = _evaluate(mc.lambdify(H), inputs, SIZES)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if first is second:
        d = mc.derive(f, first, order=2)
        assert d.result is H


def _plain(e, mapping):
    from matcalc.rules.simplify import substitute

    return substitute(e, mapping)


def test_mixed_hessians_with_a_scalar_follow_the_vec_convention():
    s = mc.scalar("s")
    f = s * mc.tr(X.T @ X)
    assert mc.hessian(f, X, s) == mc.simplify(2 * mc.vec(X))
    assert mc.hessian(f, s, X) == mc.simplify(2 * mc.vec(X).T)
    inputs = point(f, seed=4)
    got = mc.lambdify(mc.hessian(f, s, X))(**{k: inputs[k] for k in ("X",)})
    np.testing.assert_allclose(got, 2 * inputs["X"].reshape(1, -1, order="F"))


def test_a_repeated_summed_index_is_not_a_dimension_factor():
    x, A, C = mc.vector("x", n), mc.matrix("A", m, n), mc.matrix("C", m)
    for f in (mc.tr(mc.hadamard(mc.diag(A @ x), C)), mc.tr(mc.tanh(mc.diag(A @ x)))):
        assert mc.check(f, x, form="index").ok


def test_index_forms_with_many_summed_indices_have_names_for_all():
    C = mc.matrix("C", n, p)
    G = X @ X.T @ X @ C
    F = mc.inv(G @ G.T + mc.eye(m)) @ X
    form = mc.diff(F, X, form="index")
    inputs = point(F, seed=5)
    got = mc.lambdify(form)(**inputs)
    np.testing.assert_allclose(got, differences_4d(F, X, inputs), rtol=1e-5, atol=1e-6)


def test_index_form_latex_of_subscripted_names_has_no_double_subscript():
    W1, W2, Z = mc.matrix("W1", m, n), mc.matrix("W2", p, m), mc.matrix("Z", n, p)
    form = mc.diff(mc.tanh(W2 @ mc.tanh(W1 @ Z)), W1, form="index")
    assert "_{1}_" not in form.latex() and r"{W_{1}}_{kl}" in form.latex()
    assert str(form).startswith("∂F_ij/∂W₁_kl = ")
    assert mc.latex(form) == form.latex() and mc.unicode(form) == str(form)
    with pytest.raises(mc.MatcalcError, match="mc.lambdify"):
        mc.codegen(form)


def test_index_form_brackets_compound_factors_and_collects_equal_terms():
    B = mc.matrix("B", n, p)
    assert "(XB)_" in str(mc.diff(mc.sigmoid(X @ B) * (X @ B), X, form="index"))
    assert str(mc.diff(mc.diag(X @ X.T), X, form="index")) == "∂F_i/∂X_kl = 2 X_il δ_ik"


def test_gradients_through_vec_read_as_the_matrices_they_are():
    assert mc.diff(mc.vec(X).T @ mc.vec(X), X) == mc.simplify(2 * X)
    assert mc.diff(mc.sum(mc.vec(X)), X) == mc.ones(3, 4).__class__.new(X.shape)
    assert str(mc.hessian(mc.vec(X).T @ mc.vec(X), X)) == "2 * eye(m*n)"


def test_check_and_codegen_use_the_default_layout_of_diff():
    A, B = mc.matrix("A", p, mc.dims("m")), mc.matrix("B", n, p)
    report = mc.check(A @ X @ B, X)
    assert report.ok and report.layout == "numerator"
    assert "np.kron(B.T, A)" in mc.codegen(A @ X @ B, wrt=X)
    with pytest.raises(mc.MatcalcError, match="unknown form"):
        mc.check(A @ X @ B, X, form="bogus")


def test_sizes_in_subscripts_are_never_read_as_nested_subscripts():
    assert mc.unicode(mc.kron(mc.eye(n**2), X)) == "I_(n²) ⊗ X"
    assert mc.unicode(mc.kron(mc.eye(n), X)) == "Iₙ ⊗ X"



def test_an_all_negative_sum_in_a_product_gives_its_sign_to_the_front():
    Z, A = mc.matrix("Z", n), mc.matrix("A", n)
    H = mc.hessian(mc.tr(mc.inv(Z) @ A), Z)
    assert "-" not in str(H), str(H)  # (Z⁻¹ ⊗ Z⁻ᵀ)(AZ⁻¹ ⊗ I + I ⊗ AᵀZ⁻ᵀ)K, not −(…)(−… − …)K
    assert mc.check(mc.gradient(mc.tr(mc.inv(Z) @ A), Z), Z, "numerator").ok


def test_check_hessian_checks_the_hessian_itself_also_for_a_symmetric_variable():
    f = mc.tr(S @ S)
    report = mc.check_hessian(f, S)
    assert report.ok and report.derivative == str(mc.hessian(f, S)) == "2 * commutation(n, n)"
    s = mc.scalar("s")
    g = s * mc.tr(X.T @ X)
    assert all(mc.check_hessian(g, a, b).ok for a, b in ((X, s), (s, X), (X, X)))
    from tests.test_cli import run

    out = run("hessian", "tr(S*S)", "--wrt", "S", "--var", "S: matrix(n, n) symmetric",
              "--check", check_exit=0).stdout
    assert "2K₍ₙ,ₙ₎" in out and "derivative      2 * commutation(n, n)" in out
