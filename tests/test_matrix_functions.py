"""Matrix and spectral functions (issue 11, points 3 and 4): pinv, expm, logm, sqrtm through
the Fréchet derivative, eigvalsh, nuclear_norm, spectral_norm.  Their finite-difference checks
in every layout are examples in test_rules_numeric.py; here: their closed forms, printing,
text, generated code against finite differences, SymPy, the refusals and the assumptions."""

import numpy as np
import pytest
import scipy.linalg

import matcalc as mc
from matcalc.numeric.codegen import Generated
from matcalc.numeric.sampling import choose_sizes, sample_inputs

n, m = mc.dims("n m")
X, A, B = mc.matrix("X", n), mc.matrix("A", n), mc.matrix("B", n)
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)
W, V = mc.matrix("W", m, n), mc.matrix("V", n, m)
x, c = mc.vector("x", n), mc.scalar("c")

rng = np.random.default_rng(5)
Xv = np.eye(4) * 2 + 0.3 * rng.standard_normal((4, 4))  # eigenvalues near 2: logm, sqrtm defined
Av = rng.standard_normal((4, 4))
Wv = rng.standard_normal((3, 4))
Sv = rng.standard_normal((4, 4))
Sv = Sv + Sv.T


def _f_and_grad(f, wrt, layout=None):
    return Generated(mc.codegen(f, wrt=wrt, layout=layout), "f_and_grad", []).compile()


def _central_differences(fn, value, h=1e-6):
    out = np.zeros_like(value)
    for idx in np.ndindex(*value.shape):
        up, down = value.copy(), value.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (fn(up) - fn(down)) / (2 * h)
    return out


# -- closed forms --------------------------------------------------------------------------


def test_a_matrix_function_gradient_is_the_adjoint_frechet_derivative_at_the_transpose():
    for f in (mc.expm, mc.logm, mc.sqrtm):
        g = mc.diff(mc.tr(A @ f(X)), X)
        name = {mc.expm: "expm", mc.logm: "logm", mc.sqrtm: "sqrtm"}[f]
        assert str(g) == f"{name}_frechet(X.T, A.T)"
    function = {"expm": "exp", "logm": "log", "sqrtm": "sqrt"}
    for name, fn in function.items():
        assert mc.unicode(mc.diff(mc.tr(A @ getattr(mc, name)(X)), X)) == f"L_{fn}(Xᵀ)[Aᵀ]"
    assert mc.latex(mc.diff(mc.tr(A @ mc.expm(X)), X)) == (
        r"L_{\exp}\left(X^{\top}\right)\left[A^{\top}\right]")


def test_at_a_symmetric_matrix_the_frechet_derivative_takes_the_eigen_form():
    """L_f(S)[E] = V (F⁽¹⁾ ⊙ (Vᵀ E V)) Vᵀ with the divided differences of f at the eigenvalues."""
    for name, f in (("expm", "exp"), ("logm", "log"), ("sqrtm", "sqrt")):
        g = mc.diff(mc.tr(A @ getattr(mc, name)(P)), P)
        assert str(g) == (f"eigvecsh(P) @ ({name}_divdiff(P) * (eigvecsh(P).T @ A.T @ eigvecsh(P)))"
                          " @ eigvecsh(P).T")
        assert mc.unicode(mc.simplify(getattr(mc, f"{name}_divdiff")(P))) == f"F⁽¹⁾_{f}(P)"
        for layout in mc.LAYOUTS:
            assert mc.check(mc.tr(A @ getattr(mc, name)(P)), P, layout).ok
    assert mc.latex(mc.expm_divdiff(P)) == r"F^{(1)}_{\exp}\left(P\right)"


def test_generated_divided_differences_match_the_frechet_derivative_even_at_close_eigenvalues():
    """The eigen form evaluated by generated code against scipy's Fréchet derivative, also where
    two eigenvalues are 1e-9 apart (the divided difference tends to f′, without cancellation)."""
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    E = rng.standard_normal((4, 4))
    for lam in ([0.5, 1.0, 2.0, 3.5], [0.7, 0.7 + 1e-9, 2.0, 2.0]):
        Pv = Q @ np.diag(lam) @ Q.T
        Pv = (Pv + Pv.T) / 2
        for name in ("expm", "logm", "sqrtm"):
            eigen = mc.lambdify(mc.simplify(getattr(mc, f"{name}_frechet")(P, A)))
            assert "_divdiff_" in eigen.source
            general = mc.lambdify(getattr(mc, f"{name}_frechet")(X, A))
            np.testing.assert_allclose(eigen(P=Pv, A=E), general(X=Pv, A=E), rtol=1e-7, atol=1e-9)


def test_a_matrix_function_by_itself_is_the_kronecker_form_of_its_frechet_derivative():
    assert str(mc.diff(mc.expm(X), X)) == "expm_kron(X)"
    assert mc.unicode(mc.diff(mc.logm(X), X)) == "K_log(X)"
    assert mc.latex(mc.diff(mc.sqrtm(X), X)) == r"K_{\operatorname{sqrt}}\left(X\right)"


def test_a_spectral_function_of_the_eigenvalues_has_gradient_v_diag_g_prime_v_transpose():
    g = mc.diff(mc.sum(mc.eigvalsh(S) ** 3), S)
    assert str(g) == "eigvecsh(S) @ diag(3 * eigvalsh(S)**2) @ eigvecsh(S).T"
    value = mc.lambdify(g)(S=Sv)
    lam, vecs = np.linalg.eigh(Sv)
    np.testing.assert_allclose(value, vecs @ np.diag(3 * lam**2) @ vecs.T, atol=1e-10)


def test_eigenvectors_are_orthogonal_so_the_sum_of_eigenvalues_has_gradient_identity():
    assert mc.diff(mc.sum(mc.eigvalsh(S)), S) is mc.eye(n)  # V Vᵀ = I: ∂ tr(S)/∂S
    V = mc.eigvecsh(S)
    assert mc.simplify(V.T @ V @ A) is A
    assert mc.check(mc.sum(mc.eigvalsh(A @ S)), S).ok  # the eigenvalues of the symmetric part


def test_the_nuclear_and_spectral_norm_gradients_are_the_singular_vector_products():
    assert mc.diff(mc.nuclear_norm(W), W) is mc.polar(W)
    assert mc.diff(mc.spectral_norm(W), W) is mc.top_singular(W)
    U, s, Vt = np.linalg.svd(Wv, full_matrices=False)
    np.testing.assert_allclose(mc.lambdify(mc.polar(W))(W=Wv), U @ Vt, atol=1e-12)
    np.testing.assert_allclose(mc.lambdify(mc.top_singular(W))(W=Wv), np.outer(U[:, 0], Vt[0]),
                               atol=1e-12)
    assert mc.lambdify(mc.nuclear_norm(W))(W=Wv) == pytest.approx(s.sum())
    assert mc.lambdify(mc.spectral_norm(W))(W=Wv) == pytest.approx(s[0])
    assert mc.unicode(mc.nuclear_norm(W) + mc.spectral_norm(W)) == "‖W‖_* + ‖W‖₂"


def test_pinv_is_printed_with_a_plus_and_has_the_transposed_shape():
    assert mc.pinv(W).shape == (n, m)
    assert mc.unicode(mc.pinv(W)) == "W⁺" and mc.latex(mc.pinv(W)) == "W^{+}"
    np.testing.assert_allclose(mc.lambdify(mc.pinv(W))(W=Wv), np.linalg.pinv(Wv), atol=1e-12)


def test_scalar_and_vector_cases_are_the_scalar_functions_and_the_euclidean_norm():
    s = mc.simplify
    assert s(mc.expm(c)) is mc.exp(c) and s(mc.logm(c)) is mc.log(c)
    assert s(mc.sqrtm(c)) is mc.sqrt(c)
    assert s(mc.pinv(c)) is s(1 / c) and s(mc.eigvalsh(c)) is c
    assert s(mc.nuclear_norm(x)) is mc.norm2(x) and s(mc.spectral_norm(x.T)) is mc.norm2(x)
    assert s(mc.expm(mc.zeros(n, n))) is mc.eye(n)
    assert s(mc.pinv(W.T)) is mc.pinv(W).T


# -- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "pinv(W)", "expm(X) + logm(X) - sqrtm(X)", "eigvalsh(S)", "nuclear_norm(W) + spectral_norm(W)",
    "expm_frechet(X, A) + logm_frechet(X, A) + sqrtm_frechet(X, A)", "expm_kron(X)",
    "expm_divdiff(S) + logm_divdiff(S) + sqrtm_divdiff(S)",
])
def test_the_text_syntax_reads_every_matrix_and_spectral_function(text):
    symbols = {"X": X, "A": A, "S": S, "W": W}
    e = mc.parse(text, symbols)
    assert mc.parse(str(e), symbols) is e


def test_eigvalsh_of_a_non_square_matrix_is_a_shape_error_that_names_it():
    with pytest.raises(mc.ShapeError, match="eigvalsh needs a square matrix, got W"):
        mc.eigvalsh(W)
    with pytest.raises(mc.ParseError, match="eigvalsh needs a square matrix"):
        mc.parse("eigvalsh(W)", {"W": W})
    with pytest.raises(mc.ShapeError, match="expm needs a square matrix"):
        mc.expm(W)


# -- generated code against finite differences ---------------------------------------------


@pytest.mark.parametrize("name,f,wrt,values", [
    ("pinv", mc.sum(mc.pinv(W) ** 2), W, {"W": Wv}),
    ("expm", mc.tr(A @ mc.expm(X)), X, {"A": Av, "X": Xv}),
    ("logm", mc.tr(A @ mc.logm(X)), X, {"A": Av, "X": Xv}),
    ("sqrtm", mc.tr(A @ mc.sqrtm(X)), X, {"A": Av, "X": Xv}),
    ("eigvalsh", mc.sum(mc.exp(mc.eigvalsh(S))), S, {"S": Sv}),
    ("nuclear_norm", mc.nuclear_norm(W), W, {"W": Wv}),
    ("spectral_norm", mc.spectral_norm(W), W, {"W": Wv}),
    ("norm1", mc.norm1(W @ X), X, {"W": Wv, "X": Xv}),
    ("solve", mc.sum(mc.solve(X, A)), X, {"A": Av, "X": Xv}),
])
@pytest.mark.parametrize("layout", mc.LAYOUTS)
def test_generated_gradient_agrees_with_finite_differences(name, f, wrt, values, layout):
    fn = _f_and_grad(f, [wrt], layout)
    value, grad = fn(**values)
    assert value == pytest.approx(mc.lambdify(f)(**values))

    def at(v):
        return fn(**{**values, wrt.name: v})[0]

    expected = _central_differences(at, values[wrt.name])
    if layout == "numerator":
        expected = expected.T
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)


def test_generated_frechet_derivatives_are_the_differences_of_the_matrix_functions():
    E = rng.standard_normal((4, 4))
    for name, ref in (("expm", scipy.linalg.expm), ("logm", scipy.linalg.logm),
                      ("sqrtm", scipy.linalg.sqrtm)):
        L = mc.lambdify(getattr(mc, f"{name}_frechet")(X, A))(X=Xv, A=E)
        h = 1e-6
        expected = (np.real(ref(Xv + h * E)) - np.real(ref(Xv - h * E))) / (2 * h)
        np.testing.assert_allclose(L, expected, rtol=1e-6, atol=1e-7)
        K = mc.lambdify(getattr(mc, f"{name}_kron")(X))(X=Xv)
        np.testing.assert_allclose(K @ E.reshape(-1, order="F"), L.reshape(-1, order="F"),
                                   rtol=1e-9, atol=1e-10)


def test_generated_code_imports_scipy_linalg_and_computes_the_function_with_it():
    source = mc.codegen(mc.tr(A @ mc.expm(X)), wrt=[X])
    assert "import scipy.linalg" in source and "scipy.linalg.expm_frechet(" in source


def test_logm_of_a_matrix_with_a_negative_eigenvalue_is_a_numeric_error():
    with pytest.raises(mc.NumericError, match="negative real axis"):
        mc.lambdify(mc.logm(X))(X=-np.eye(4))
    with pytest.raises(mc.NumericError, match="negative real axis"):
        mc.lambdify(mc.sqrtm(X))(X=np.diag([1.0, 2.0, -3.0, 4.0]))


# -- assumptions, refusals, SymPy ----------------------------------------------------------


def test_check_draws_inputs_in_each_functions_domain():
    """logm and sqrtm need no eigenvalue on the closed negative real axis, pinv full rank,
    eigvalsh distinct eigenvalues: mc.check's draws meet them, at several points."""
    for f, wrt in ((mc.sum(mc.logm(X) * A), X), (mc.tr(mc.sqrtm(X)), X),
                   (mc.sum(mc.pinv(V) ** 2), V), (mc.sum(mc.eigvalsh(X) ** 2), X),
                   (mc.nuclear_norm(V) + mc.spectral_norm(V), V)):
        report = mc.check(f, wrt, points=4)
        assert report.ok, str(report)


def test_check_draws_spread_spectra_for_pinv_eigvalsh_and_the_singular_value_norms():
    """Full rank, eigenvalues of the symmetric part at least 0.5 apart, a simple largest
    singular value, at every seed; logm's argument keeps eigenvalues of positive real part."""
    Dg = mc.matrix("D", n, diagonal=True)
    f = (mc.sum(mc.pinv(W)) + mc.sum(mc.eigvalsh(X)) + mc.nuclear_norm(S) + mc.spectral_norm(Dg)
         + mc.sum(mc.eigvalsh(P)) + mc.tr(mc.logm(B)) + mc.sum(mc.eigvalsh(B)))
    symbols = sorted(f.free_symbols(), key=lambda s: s.name)
    for seed in range(20):
        values = sample_inputs(f, symbols, choose_sizes([f]), seed)
        for name, a in values.items():
            singular = np.linalg.svd(a, compute_uv=False)
            assert singular.min() > 0.3 and singular[0] - singular[1] > 0.3, (name, singular)
            if a.shape[0] == a.shape[1]:
                assert np.diff(np.linalg.eigvalsh((a + a.T) / 2)).min() > 0.4, name
        assert np.allclose(values["S"], values["S"].T) and np.allclose(values["P"], values["P"].T)
        assert np.linalg.eigvals(values["B"]).real.min() > 0
        assert np.linalg.eigvalsh(values["P"]).min() > 0


@pytest.mark.parametrize("f,wrt", [
    (mc.tr(A @ mc.expm(X)), X), (mc.tr(A @ mc.logm(P)), P), (mc.sum(mc.sqrtm(X)), X),
    (mc.sum(mc.eigvalsh(S) ** 2), S), (mc.nuclear_norm(W), W), (mc.spectral_norm(W), W),
])
def test_a_hessian_through_a_matrix_or_spectral_function_is_supported_and_checked(f, wrt):
    """Refused until issue 11, point 7; tests/test_matrix_function_hessians.py has the rest."""
    assert mc.check_hessian(f, wrt).ok


def test_the_hessian_of_a_pseudo_inverse_is_supported_and_checked():
    assert mc.check_hessian(mc.sum(mc.pinv(W) ** 2), W).ok


def test_a_hessian_whose_gradient_is_a_matrix_function_again_is_supported_and_checked():
    """∂ tr(expm(X))/∂X = expm(X)ᵀ and ∂ tr(logm(X))/∂X = X⁻ᵀ: their derivatives are known."""
    assert mc.check_hessian(mc.tr(mc.expm(X)), X).ok
    assert mc.check_hessian(mc.tr(mc.logm(X)), X).ok


@pytest.mark.parametrize("e,node", [
    (mc.expm(X), "Expm"), (mc.logm(X), "Logm"), (mc.sqrtm(X), "Sqrtm"), (mc.pinv(W), "Pinv"),
    (mc.eigvalsh(S), "Eigvalsh"), (mc.nuclear_norm(W), "NuclearNorm"),
    (mc.spectral_norm(W), "SpectralNorm"), (mc.expm_frechet(X, A), "Frechet"),
])
def test_sympy_conversion_without_a_counterpart_names_the_node(e, node):
    with pytest.raises(mc.UnsupportedError, match=f"node {node} has no SymPy counterpart"):
        e.to_sympy()


def test_derivations_name_the_frechet_rules():
    text = str(mc.derive(mc.tr(A @ mc.expm(X)), X))
    assert "Fréchet derivative: d f(X) = L_f(X)[dX]" in text
    assert "adjoint of the Fréchet derivative" in text
    assert "eigenvalue perturbation" in str(mc.derive(mc.sum(mc.eigvalsh(S)), S))
    assert "Golub–Pereyra" in str(mc.derive(mc.sum(mc.pinv(W)), W))


@pytest.mark.parametrize("f,wrt,expected", [
    (mc.tr(mc.logm(X)), X, "inv(X).T"),  # L_log(Xᵀ)[I] = X⁻ᵀ
    (mc.tr(mc.expm(X)), X, "expm(X).T"),
    (mc.tr(mc.sqrtm(X)), X, "1/2 * inv(sqrtm(X)).T"),
    (mc.expm(c * X), c, "X @ expm(c * X)"),  # L_exp(cX)[X] = X exp(cX): X commutes with cX
    (mc.logm(c * X), c, "eye(n) / c"),
])
def test_a_frechet_derivative_in_a_direction_that_commutes_is_the_derivative_function(f, wrt,
                                                                                      expected):
    assert str(mc.diff(f, wrt)) == expected
    for layout in mc.LAYOUTS:
        assert mc.check(f, wrt, layout).ok


def test_the_index_form_of_a_frechet_derivative_is_refused_and_of_pinv_and_eigvalsh_checked():
    with pytest.raises(mc.UnsupportedError, match="Fréchet derivative L_f.* no finite sum"):
        mc.diff(mc.expm(X), X, form="index")
    assert mc.check(mc.pinv(W), W, form="index").ok
    assert mc.check(mc.eigvalsh(S), S, form="index").ok
