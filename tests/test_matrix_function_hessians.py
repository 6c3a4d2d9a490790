"""Hessians of the matrix and spectral functions (issue 11, point 7): expm, logm and sqrtm
through the second Fréchet derivative L²_f(X)[E, F], at a symmetric argument through the
derivatives of the eigenvectors and divided differences, eigvalsh, nuclear_norm and
spectral_norm through those of the eigenvectors, the polar factor and the top singular vectors.
Each Hessian is compared with second central differences of f itself (through the generated
code, which lambdify runs), its Jacobian-of-the-gradient reading is checked in every layout,
and its text, unicode and LaTeX are checked; third derivatives are refused clearly."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.check import evaluate
from matcalc.numeric.codegen import Generated
from matcalc.numeric.sampling import choose_sizes, sample_inputs

from tests.test_matrix_functions import A, B, P, S, V, W, X, c, n, x  # the same symbols

#: (name, f, variable): by plain variables, so that f can be moved in any direction
CASES = [
    ("expm: sum of squares", mc.sum(mc.expm(X) ** 2), X),
    ("expm: distance to a target", mc.norm2(mc.expm(X) - A) ** 2, X),
    ("expm: bilinear, by the other factor too", mc.tr(A @ mc.expm(X) @ B @ mc.expm(X)), X),
    ("logm: linear functional", mc.tr(A @ mc.logm(X)), X),
    ("logm: distance to a target", mc.norm2(mc.logm(X) - A) ** 2, X),
    ("sqrtm: sum of entries", mc.sum(mc.sqrtm(X)), X),
    ("sqrtm: a product of two", mc.tr(A @ mc.sqrtm(X) @ A.T @ mc.sqrtm(X)), X),
    ("expm: a symmetric argument, X + Xᵀ", mc.sum(mc.expm(X + X.T) ** 2), X),
    ("sqrtm: gram of a tall matrix", mc.sum(mc.sqrtm(V.T @ V)), V),
    # a declared symmetric matrix plus a symmetric term: the eigen form V (F⁽¹⁾ ⊙ (Vᵀ E V)) Vᵀ,
    # whose eigenvectors and divided differences are differentiated
    ("expm: eigen form", mc.sum(mc.expm(S + x @ x.T) ** 2), x),
    ("logm: eigen form", mc.tr(A @ mc.logm(P + V @ V.T)), V),
    ("sqrtm: eigen form", mc.sum(mc.sqrtm(P + x @ x.T) * A), x),
    ("eigvalsh: cubes", mc.sum(mc.eigvalsh(X) ** 3), X),
    ("eigvalsh: exp of the eigenvalues", mc.sum(mc.exp(mc.eigvalsh(X))), X),
    ("nuclear_norm: wide", mc.nuclear_norm(W), W),
    ("nuclear_norm: tall", mc.nuclear_norm(V), V),
    ("nuclear_norm: square", mc.nuclear_norm(X), X),
    ("spectral_norm: wide", mc.spectral_norm(W), W),
    ("spectral_norm: squared, tall", mc.spectral_norm(V) ** 2, V),
    ("expm: by a vector inside", mc.sum(mc.expm(x @ x.T - A)), x),
    ("eigvalsh: by a vector inside", mc.sum(mc.eigvalsh(x @ x.T + A + A.T) ** 3), x),
    ("nuclear_norm: by a vector inside", mc.nuclear_norm(A + x @ x.T), x),
    ("spectral_norm: by a vector inside", mc.spectral_norm(A + x @ x.T), x),
    ("expm: by a scalar", mc.sum(mc.expm(c * X) @ A), c),
    # these two needed nothing new: their derivatives are made of inverses and pseudo-inverses
    ("solve: by the matrix", mc.sum(mc.solve(X, V) ** 2), X),
    ("solve: by the right-hand side", mc.sum(mc.solve(X, V) ** 2), V),
    ("pinv: wide", mc.sum(mc.pinv(W) ** 2), W),
    ("pinv: tall, inside a norm", mc.norm2(mc.pinv(V) @ x) ** 2, V),
]
IDS = [case[0] for case in CASES]


def _point(f, H, seed=3):
    sizes = choose_sizes([f, H])
    symbols = sorted(f.free_symbols() | H.free_symbols(), key=lambda s: s.name)
    return sample_inputs(f, symbols, sizes, seed), sizes


def second_differences(f, v, inputs, sizes, h=1e-3):
    """∂²f/∂vec(v)∂vec(v)ᵀ by second central differences of f, entry by entry (vec stacks
    columns), with one fourth-order Richardson step so that h can stay large."""
    fn = mc.lambdify(f)
    v0 = inputs[v.name]
    size = v0.size

    def unit(k, step):
        e = np.zeros(size)
        e[k] = step
        return e.reshape(v0.shape, order="F")

    def at(delta):
        return float(evaluate(fn, dict(inputs, **{v.name: v0 + delta}), sizes)[0, 0])

    def estimate(step):
        H = np.zeros((size, size))
        for i in range(size):
            for j in range(i, size):
                ei, ej = unit(i, step), unit(j, step)
                H[i, j] = H[j, i] = (at(ei + ej) - at(ei - ej) - at(ej - ei) + at(-ei - ej)) / (
                    4 * step * step)
        return H

    return (4 * estimate(h / 2) - estimate(h)) / 3


@pytest.mark.parametrize("name,f,v", CASES, ids=IDS)
def test_the_hessian_matches_second_differences_of_the_function(name, f, v):
    H = mc.hessian(f, v)
    inputs, sizes = _point(f, H)
    got = evaluate(mc.lambdify(H), inputs, sizes)
    expected = second_differences(f, v, inputs, sizes)
    del H
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    np.testing.assert_allclose(got, got.T, rtol=1e-8, atol=1e-8 * np.abs(got).max())


@pytest.mark.parametrize("name,f,v", CASES, ids=IDS)
def test_the_hessian_is_the_derivative_of_the_gradient_in_every_layout(name, f, v):
    assert mc.check_hessian(f, v).ok
    G = mc.gradient(f, v)
    for layout in mc.LAYOUTS:
        report = mc.check(G, v, layout)
        assert report.ok, f"{layout}: {report}"


@pytest.mark.parametrize("f,v", [
    (mc.sum(mc.eigvalsh(S) ** 3), S), (mc.tr(A @ mc.logm(S @ S + mc.eye(n))), S),
    (mc.nuclear_norm(S), S),
])
def test_hessians_by_a_declared_symmetric_matrix_are_checked(f, v):
    """Unstructured both times, as for every variable: the entries of S move on their own."""
    assert mc.check_hessian(f, v).ok


def test_mixed_hessians_through_the_second_frechet_derivative():
    f = mc.sum(mc.expm(c * X) @ A)
    assert str(mc.hessian(f, X, c)) == ("vec(expm_frechet(c * X.T, ones(n, n) @ A.T)) "
                                        "+ c * vec(expm_frechet2(c * X.T, ones(n, n) @ A.T, X.T))")
    assert mc.check_hessian(f, X, c).ok and mc.check_hessian(f, c, X).ok


def test_the_hessian_of_a_matrix_exponential_is_compact_and_prints_in_every_notation():
    H = mc.hessian(mc.sum(mc.expm(X) ** 2), X)
    assert str(H) == ("2 * (expm_kron(X.T) @ expm_kron(X) "
                      "+ expm_kron2(X.T, expm(X)) @ commutation(n, n))")
    assert mc.unicode(H) == "2(K_exp(Xᵀ) K_exp(X) + K²_exp(Xᵀ, expm(X))K₍ₙ,ₙ₎)"
    assert r"K^{2}_{\exp}\left(X^{\top}, \operatorname{expm}\left(X\right)\right)" in mc.latex(H)
    assert mc.parse(str(H), {"X": X}) is H


def test_the_new_nodes_print_and_parse_back():
    symbols = {"X": X, "A": A, "B": B}
    for e, uni, tex in [
        (mc.expm_frechet2(X, A, B), "L²_exp(X)[A, B]",
         r"L^{2}_{\exp}\left(X\right)\left[A, B\right]"),
        (mc.logm_kron2(X, A), "K²_log(X, A)", r"K^{2}_{\log}\left(X, A\right)"),
        (mc.eigh_gaps(X), "Ω(X)", r"\Omega\left(X\right)"),
        (mc.sqrtm_divdiff2(X), "F⁽²⁾_sqrt(X)", r"F^{(2)}_{\operatorname{sqrt}}\left(X\right)"),
    ]:
        assert (mc.unicode(e), mc.latex(e)) == (uni, tex)
        assert mc.parse(str(e), symbols) is e
    assert mc.logm_kron2(X, A).shape == (n**2, n**2)


def test_generated_code_evaluates_the_new_factors_as_their_definitions():
    """L²_f by the block-triangular identity against differences of L_f; K²_f column by column;
    Ω and F⁽²⁾ against their entrywise definitions."""
    rng = np.random.default_rng(0)
    Xv = 2 * np.eye(3) + 0.3 * rng.standard_normal((3, 3))
    Ev, Fv = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for name in ("expm", "logm", "sqrtm"):
        first = mc.lambdify(getattr(mc, f"{name}_frechet")(X, A))
        second = mc.lambdify(getattr(mc, f"{name}_frechet2")(X, A, B))(A=Ev, B=Fv, X=Xv)
        h = 1e-4
        difference = (first(A=Ev, X=Xv + h * Fv) - first(A=Ev, X=Xv - h * Fv)) / (2 * h)
        np.testing.assert_allclose(second, difference, rtol=1e-6, atol=1e-7)
        K = mc.lambdify(getattr(mc, f"{name}_kron2")(X, A))(A=Ev, X=Xv)
        np.testing.assert_allclose(K @ Fv.reshape(-1, order="F"), second.reshape(-1, order="F"),
                                   rtol=1e-10, atol=1e-12)
    Sv = rng.standard_normal((3, 3))
    Sv = Sv @ Sv.T + np.eye(3)
    lam = np.linalg.eigvalsh(Sv)
    gaps = mc.lambdify(mc.eigh_gaps(X))(X=Sv)
    for i in range(3):
        for j in range(3):
            assert gaps[i, j] == (0 if i == j else pytest.approx(1 / (lam[j] - lam[i])))
    for name, f, f1, f2 in [("expm", np.exp, np.exp, np.exp),
                            ("logm", np.log, lambda t: 1 / t, lambda t: -1 / t**2),
                            ("sqrtm", np.sqrt, lambda t: 0.5 / np.sqrt(t),
                             lambda t: -0.25 * t ** -1.5)]:
        got = mc.lambdify(getattr(mc, f"{name}_divdiff2")(X))(X=Sv)
        for i in range(3):
            for j in range(3):
                a, b = lam[i], lam[j]
                want = f2(a) / 2 if i == j else (f1(a) - (f(a) - f(b)) / (a - b)) / (a - b)
                assert got[i, j] == pytest.approx(want, rel=1e-9)


def test_the_generated_code_of_a_hessian_is_a_function_that_agrees_with_differences():
    f = mc.nuclear_norm(A) + mc.tr(B @ mc.logm(A @ A.T + mc.eye(n))) + mc.spectral_norm(A)
    H = mc.hessian(f, A)
    source = mc.codegen(H)
    assert all(f"def {helper}(" in source for helper in ("_eigh_gaps", "_divdiff2_log", "_polar"))
    fn = Generated(source, "f", []).compile()
    inputs, sizes = _point(f, H)
    value = np.asarray(fn(**inputs))
    expected = second_differences(f, A, inputs, sizes)
    del H
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("f,wrt,what", [
    (mc.sum(mc.expm_frechet2(X, A, B)), X, "second Fréchet derivative"),
    (mc.sum(mc.expm_kron2(X, A)), X, "Kronecker form K²"),
    (mc.sum(mc.eigh_gaps(X)), X, "eigenvalue gaps"),
    (mc.sum(mc.logm_divdiff2(X)), X, "second divided differences"),
    (mc.sum(mc.expm_kron(X)), X, "Kronecker form K_exp"),
])
def test_a_third_derivative_through_a_second_order_factor_is_refused_clearly(f, wrt, what):
    with pytest.raises(mc.UnsupportedError, match=f"{what}.*beyond the second"):
        mc.diff(f, wrt)


@pytest.mark.parametrize("e,node", [
    (mc.expm_frechet2(X, A, B), "SecondFrechet"), (mc.expm_kron2(X, A), "SecondKroneckerForm"),
    (mc.eigh_gaps(X), "EigenGaps"), (mc.expm_divdiff2(X), "ExpmDivdiff2"),
])
def test_sympy_conversion_of_the_new_nodes_names_them(e, node):
    with pytest.raises(mc.UnsupportedError, match=f"node {node} has no SymPy counterpart"):
        e.to_sympy()


def test_the_index_form_through_a_second_frechet_derivative_is_refused():
    with pytest.raises(mc.UnsupportedError, match="Fréchet derivative L_f.* no finite sum"):
        mc.diff(mc.expm_frechet(X, A), X, form="index")


@pytest.mark.parametrize("f,rule", [
    (mc.sum(mc.expm(x @ x.T - A)), "second Fréchet derivative (Higham–Relton)"),
    (mc.sum(mc.eigvalsh(x @ x.T + A + A.T) ** 3), "eigenvector perturbation"),
    (mc.sum(mc.expm(x @ x.T + S)), "divided differences"),
    (mc.nuclear_norm(A + x @ x.T), "polar factor"),
    (mc.spectral_norm(A + x @ x.T), "top singular vectors"),
])
def test_second_order_derivations_name_the_new_rules(f, rule):
    text = str(mc.derive(f, x, order=2))
    assert rule in text
