"""Matrix-by-matrix derivatives and Hessians by a matrix in the vec convention
d vec(F)/d vec(X)ᵀ (vec stacks columns), against finite differences written here on their own
(not ``mc.check``'s arrangement), with distinct small sizes so a missing K or transpose shows."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.check import evaluate
from matcalc.numeric.sampling import sample_inputs

m, n, p, q = mc.dims("m n p q")
SIZES = {m: 3, n: 4, p: 2, q: 5}
X, C = mc.matrix("X", m, n), mc.matrix("C", m, n)
A, B = mc.matrix("A", p, m), mc.matrix("B", n, q)
Y, Z = mc.matrix("Y", n), mc.matrix("Z", n)
M = mc.matrix("M", m)
W, x, u = mc.matrix("W", p, m), mc.vector("x", n), mc.vector("u", m)
P = mc.matrix("P", p, n)
K = mc.commutation


def vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, 1, order="F")


def jacobian_by_differences(F, wrt, inputs, h=1e-6) -> np.ndarray:
    """d vec(F)/d vec(X)ᵀ by central differences, column k perturbing entry k of vec(X)."""
    fn = mc.lambdify(F)
    x0 = inputs[wrt.name]
    columns = []
    for k in range(x0.size):
        E = np.zeros(x0.size)
        E[k] = h
        E = E.reshape(x0.shape, order="F")
        plus = evaluate(fn, dict(inputs, **{wrt.name: x0 + E}), SIZES)
        minus = evaluate(fn, dict(inputs, **{wrt.name: x0 - E}), SIZES)
        columns.append(vec((plus - minus) / (2 * h)))
    return np.hstack(columns)


def point(*exprs, seed=0):
    symbols = sorted(set().union(*(e.free_symbols() for e in exprs)), key=lambda s: s.name)
    inputs = sample_inputs(exprs[0], symbols, SIZES, seed=seed, constrained=True)
    return inputs


def agrees(F, wrt, J, seed=0):
    inputs = point(F, J, seed=seed)
    got = evaluate(mc.lambdify(J), inputs, SIZES)
    expected = jacobian_by_differences(F, wrt, inputs)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    return got


#: the issue's examples: (name, F, X, the Kronecker form expected)
KRONECKER = [
    ("AXB", A @ X @ B, X, mc.kron(B.T, A)),
    ("transpose", X.T, X, K(m, n)),
    ("inverse", mc.inv(Y), Y, -mc.kron(mc.inv(Y).T, mc.inv(Y))),
    ("gram XᵀX", X.T @ X, X, mc.kron(mc.eye(n), X.T) + mc.kron(X.T, mc.eye(n)) @ K(m, n)),
    ("hadamard", X * C, X, mc.diag(mc.vec(C))),
]


@pytest.mark.parametrize("name,F,wrt,expected", KRONECKER, ids=[k[0] for k in KRONECKER])
def test_issue_examples_have_their_kronecker_forms_and_agree_with_differences(name, F, wrt,
                                                                              expected):
    J = mc.diff(F, wrt)
    assert J == mc.simplify(expected), mc.unicode(J)
    agrees(F, wrt, J)


def test_hessian_by_a_matrix_of_a_trace_quadratic_is_I_kron_A_plus_At():
    f = mc.tr(X.T @ M @ X)
    H = mc.hessian(f, X)
    assert H == mc.simplify(mc.kron(mc.eye(n), M + M.T))
    agrees(mc.gradient(f, X), X, H)


#: at least eight more, each checked in value (no expected form: what the engine writes)
MORE = [
    ("right product", X @ B, X),
    ("left product", A @ X, X),
    ("square", Y @ Y, Y),
    ("outer gram XXᵀ", X @ X.T, X),
    ("layer tanh(WX)", mc.tanh(W @ X), X),
    ("layer by its weights", mc.tanh(W @ X), W),
    ("trace times a matrix", mc.tr(Y) * Z, Y),
    ("adjugate det(Y)Y⁻¹", mc.det(Y) * mc.inv(Y), Y),
    ("inverse transpose", mc.inv(Y).T, Y),
    ("kron with a constant", mc.kron(A, X), X),
    ("kron, variable first", mc.kron(X, A), X),
    ("diagonal part and back", mc.diag(mc.diag(Y)), Y),
    ("elementwise product with a function of X", mc.exp(X) * X, X),
    ("sandwich XᵀMX", X.T @ M @ X, X),
    ("solve Y⁻¹P", mc.inv(Y) @ P.T, Y),
    ("difference of squares", (X + C).T @ (X - C), X),
    ("vector by matrix Wu", W @ u, W),
    ("matrix by vector x xᵀ", x @ x.T, x),
    ("row by vector", x.T @ Y, x),
]


@pytest.mark.parametrize("name,F,wrt", MORE, ids=[k[0] for k in MORE])
def test_matrix_by_matrix_derivatives_agree_with_differences_of_vec(name, F, wrt):
    J = mc.diff(F, wrt)
    assert J.shape == (F.rows * F.cols, wrt.rows * wrt.cols)
    agrees(F, wrt, J)


@pytest.mark.parametrize("name,F,wrt", MORE[:6], ids=[k[0] for k in MORE[:6]])
def test_layouts_of_the_vec_convention(name, F, wrt):
    J = mc.diff(F, wrt)  # default: the vec convention's own form
    assert mc.diff(F, wrt, "numerator") is J and mc.diff(F, wrt, "mixed") is J
    assert mc.diff(F, wrt, "denominator") is mc.simplify(J.T)
    assert mc.jacobian(F, wrt) is J
    for layout in ("denominator", "numerator", "mixed"):
        assert mc.check(F, wrt, layout).ok


HESSIANS = [
    ("squared residual ‖AX − P‖²", mc.norm2(A @ X - P) ** 2, X, X),
    ("log det", mc.logdet(Y), Y, Y),
    ("trace of a square", mc.tr(Y @ Y), Y, Y),
    ("sum of tanh", mc.sum(mc.tanh(X)), X, X),
    ("mixed: by X then M", mc.tr(X.T @ M @ X), X, M),
    ("mixed: matrix and vector", u.T @ mc.tanh(X) @ x, X, x),
]


@pytest.mark.parametrize("name,f,first,second", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_hessians_by_matrices_agree_with_second_differences(name, f, first, second):
    H = mc.hessian(f, first, second)
    assert H.shape == (first.rows * first.cols, second.rows * second.cols)
    inputs = point(f, H, seed=1)
    got = agrees(mc.gradient(f, first), second, H, seed=1)
    if first is second:
        np.testing.assert_allclose(got, got.T, rtol=1e-8, atol=1e-8)
    # and directly from f: second differences of f itself
    fn, x0 = mc.lambdify(f), inputs[first.name]
    y0, h = inputs[second.name], 1e-4
    for i, j in [(0, 0), (1, 2), (x0.size - 1, 0)]:
        j = min(j, y0.size - 1)
        Ei = np.zeros(x0.size)
        Ei[i] = h
        Ej = np.zeros(y0.size)
        Ej[j] = h
        Ei, Ej = Ei.reshape(x0.shape, order="F"), Ej.reshape(y0.shape, order="F")

        def at(di, dj):
            moved = dict(inputs)
            moved[first.name] = x0 + di
            moved[second.name] = moved[second.name] + dj
            return fn(**{k: v for k, v in moved.items() if k in fn.names})

        if first is second:
            value = (at(Ei + Ej, 0) - at(Ei - Ej, 0) - at(Ej - Ei, 0) + at(-Ei - Ej, 0)) / (4 * h * h)
        else:
            value = (at(Ei, Ej) - at(Ei, -Ej) - at(-Ei, Ej) + at(-Ei, -Ej)) / (4 * h * h)
        assert value == pytest.approx(got[i, j], rel=1e-4, abs=1e-5)


def test_generated_code_applies_kronecker_and_commutation_matrices_implicitly():
    V = mc.matrix("V", m, n)
    H = mc.hessian(mc.tr(X.T @ M @ X), X)
    hv = H @ mc.vec(V)  # a Hessian-vector product: (I ⊗ (M + Mᵀ)) vec V
    kv = mc.kron(X.T, A.T) @ K(p, m) @ mc.vec(W)
    for e in (hv, kv):
        source = mc.lambdify(e).source
        assert "np.kron(" not in source and "_commutation(" not in source, source
        inputs = point(e, seed=2)
        got = evaluate(mc.lambdify(e), inputs, SIZES)
        A_, M_, V_, W_, X_ = (inputs.get(s) for s in "AMVWX")
        if e is hv:
            expected = np.kron(np.eye(4), M_ + M_.T) @ vec(V_)
        else:
            Kpm = np.eye(6)[np.arange(6).reshape((2, 3), order="F").T.reshape(-1, order="F")]
            expected = np.kron(X_.T, A_.T) @ Kpm @ vec(W_)
        np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_the_convention_is_stated_in_the_derivation():
    d = mc.derive(A @ X @ B, X)
    assert d.result is mc.diff(A @ X @ B, X)
    text = d.text()
    assert "vec convention" in text and "∂vec F/∂vec Xᵀ = Bᵀ ⊗ A" in text
    assert r"\operatorname{vec}(X)^{\top}" in d.latex()
    second = mc.derive(mc.tr(X.T @ M @ X), X, order=2)
    assert second.result is mc.hessian(mc.tr(X.T @ M @ X), X)
    assert "∂vec F/∂vec Xᵀ" in second.text()


def test_vec_and_commutation_print_parse_and_evaluate():
    e = K(m, n) @ mc.vec(X)
    assert str(e) == "commutation(m, n) @ vec(X)"
    assert mc.latex(e) == r"K_{m,n} \operatorname{vec}\left(X\right)"
    assert mc.parse(str(e), {"X": X}) is e
    assert mc.parse("commutation(m, n) * vec(X)") == e
    inputs = point(e)
    np.testing.assert_allclose(evaluate(mc.lambdify(e), inputs, SIZES), vec(inputs["X"].T))


def differences_4d(F, wrt, inputs, h=1e-6) -> np.ndarray:
    """d4[i, j, k, l] = ∂F_ij/∂X_kl by central differences."""
    fn, x0 = mc.lambdify(F), inputs[wrt.name]
    f0 = evaluate(fn, inputs, SIZES)
    d4 = np.zeros((*f0.shape, *x0.shape))
    for k, l in np.ndindex(x0.shape):
        E = np.zeros(x0.shape)
        E[k, l] = h
        plus = evaluate(fn, dict(inputs, **{wrt.name: x0 + E}), SIZES)
        minus = evaluate(fn, dict(inputs, **{wrt.name: x0 - E}), SIZES)
        d4[:, :, k, l] = (plus - minus) / (2 * h)
    return d4


INDEX_CASES = [(name, F, wrt) for name, F, wrt, _ in KRONECKER] + [
    c for c in MORE if not c[0].startswith("kron")] + [
    ("scalar by matrix", mc.tr(X.T @ M @ X), X), ("scalar by vector", x.T @ Y @ x, x)]


@pytest.mark.parametrize("name,F,wrt", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
def test_index_form_agrees_with_differences_as_a_4d_array(name, F, wrt):
    form = mc.diff(F, wrt, form="index")
    inputs = point(F, seed=3)
    arrays = {k: v for k, v in inputs.items()}
    got = mc.lambdify(form)(**arrays)
    np.testing.assert_allclose(got, differences_4d(F, wrt, inputs), rtol=1e-5, atol=1e-6)
    assert form.latex().startswith(r"\frac{\partial ") and str(form).startswith("∂")


def test_index_forms_read_like_the_textbook():
    assert str(mc.diff(A @ X @ B, X, form="index")) == "∂F_ij/∂X_kl = A_ik B_lj"
    assert str(mc.diff(X.T, X, form="index")) == "∂F_ij/∂X_kl = δ_jk δ_il"
    assert str(mc.diff(mc.inv(Y), Y, form="index")) == "∂F_ij/∂Y_kl = −(Y⁻¹)_ik (Y⁻¹)_lj"
    assert mc.diff(X * C, X, form="index").latex() == (
        r"\frac{\partial F_{ij}}{\partial X_{kl}} = C_{ij} \delta_{ik} \delta_{jl}")


def test_index_form_refuses_what_it_cannot_write_and_bad_options():
    with pytest.raises(mc.UnsupportedError, match="index form of Kron"):
        mc.diff(mc.kron(A, X), X, form="index")
    with pytest.raises(mc.MatcalcError, match="no layout"):
        mc.diff(X.T, X, "numerator", form="index")
    with pytest.raises(mc.MatcalcError, match="unknown form"):
        mc.diff(X.T, X, form="einsum")


def test_check_compares_an_index_form_with_differences_as_a_4d_array():
    report = mc.check(A @ X @ B, X, form="index")
    assert report.ok and report.layout == "index form" and report.shape == (5, 6, 3, 4)  # p×q by m×n
    assert "A_ik B_lj" in str(report)


# regression: the index form read a repeated summed index as a dimension factor
def test_a_repeated_summed_index_is_not_a_dimension_factor():
    x, A, C = mc.vector("x", n), mc.matrix("A", m, n), mc.matrix("C", m)
    for f in (mc.tr(mc.hadamard(mc.diag(A @ x), C)), mc.tr(mc.tanh(mc.diag(A @ x)))):
        assert mc.check(f, x, form="index").ok


# regression: index forms with many summed indices ran out of index names
def test_index_forms_with_many_summed_indices_have_names_for_all():
    C = mc.matrix("C", n, p)
    G = X @ X.T @ X @ C
    F = mc.inv(G @ G.T + mc.eye(m)) @ X
    form = mc.diff(F, X, form="index")
    inputs = point(F, seed=5)
    got = mc.lambdify(form)(**inputs)
    np.testing.assert_allclose(got, differences_4d(F, X, inputs), rtol=1e-5, atol=1e-6)


# regression: the index form's LaTeX of a subscripted name (W1) had a double subscript
def test_index_form_latex_of_subscripted_names_has_no_double_subscript():
    W1, W2, Z = mc.matrix("W1", m, n), mc.matrix("W2", p, m), mc.matrix("Z", n, p)
    form = mc.diff(mc.tanh(W2 @ mc.tanh(W1 @ Z)), W1, form="index")
    assert "_{1}_" not in form.latex() and r"{W_{1}}_{kl}" in form.latex()
    assert str(form).startswith("∂F_ij/∂W₁_kl = ")
    assert mc.latex(form) == form.latex() and mc.unicode(form) == str(form)
    with pytest.raises(mc.MatcalcError, match="mc.lambdify"):
        mc.codegen(form)


# regression: the index form did not bracket compound factors ((XB)_…) nor collect equal terms
def test_index_form_brackets_compound_factors_and_collects_equal_terms():
    B = mc.matrix("B", n, p)
    assert "(XB)_" in str(mc.diff(mc.sigmoid(X @ B) * (X @ B), X, form="index"))
    assert str(mc.diff(mc.diag(X @ X.T), X, form="index")) == "∂F_i/∂X_kl = 2 X_il δ_ik"


# regression: gradients through vec(X) did not come back as the matrices they are
def test_gradients_through_vec_read_as_the_matrices_they_are():
    assert mc.diff(mc.vec(X).T @ mc.vec(X), X) == mc.simplify(2 * X)
    assert mc.diff(mc.sum(mc.vec(X)), X) == mc.ones(3, 4).__class__.new(X.shape)
    assert str(mc.hessian(mc.vec(X).T @ mc.vec(X), X)) == "2 * eye(m*n)"


# regression: mc.check and mc.codegen did not use mc.diff's default layout (numerator here)
def test_check_and_codegen_use_the_default_layout_of_diff():
    A, B = mc.matrix("A", p, mc.dims("m")), mc.matrix("B", n, p)
    report = mc.check(A @ X @ B, X)
    assert report.ok and report.layout == "numerator"
    assert "np.kron(B.T, A)" in mc.codegen(A @ X @ B, wrt=X)
    with pytest.raises(mc.MatcalcError, match="unknown form"):
        mc.check(A @ X @ B, X, form="bogus")


# regression: a term of an index form that is only a number (d(st)/ds = t) gave einsum nothing
def test_an_index_form_of_scalars_evaluates():
    s, t = mc.scalar("s"), mc.scalar("t")
    value = mc.lambdify(mc.diff(s * t + 3 * s, s, form="index"))(s=0.3, t=0.2)
    np.testing.assert_allclose(value, [[[[3.2]]]])
