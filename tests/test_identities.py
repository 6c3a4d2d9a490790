"""The named identities of the canonical form: each gives the compact form a textbook writes,
and each is checked on numbers computed here with numpy, not through matcalc's own evaluation
(which simplifies first, so it could not catch a wrong identity)."""

import numpy as np
import pytest

import matcalc as mc

n, m = mc.dims("n m")
X, A = mc.matrix("X", n, n), mc.matrix("A", n, n)
B, B_ = mc.matrix("B", m, m), mc.matrix("B", n, n)
Z, G = mc.matrix("Z", m, n), mc.matrix("G", m, n)
x, z = mc.vector("x", n), mc.vector("z", n)
rng = np.random.default_rng(7)
N, M = 4, 3
Xv, Av, Bv = rng.normal(size=(N, N)), rng.normal(size=(N, N)), rng.normal(size=(M, M))
Zv, Gv = rng.normal(size=(M, N)), rng.normal(size=(M, N))
xv, zv = rng.normal(size=(N, 1)), rng.normal(size=(N, 1))
VALUES = {"X": Xv, "A": Av, "B": Bv, "Z": Zv, "G": Gv, "x": xv, "z": zv}


def value(e, *also):
    """``e`` at the test point, through generated numpy code (``also``: variables that only
    give sizes)."""
    symbols = [*e.free_symbols(), *also]
    fn = mc.lambdify(e, symbols)
    return np.asarray(fn(**{s.name: VALUES[s.name] for s in symbols}), dtype=float)


def softmax(u, axis=0):
    e = np.exp(u - u.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def fd_gradient(f, at):
    """Central differences of a numpy scalar function."""
    g = np.zeros_like(at)
    for idx in np.ndindex(at.shape):
        d = np.zeros_like(at)
        d[idx] = 1e-6
        g[idx] = (f(at + d) - f(at - d)) / 2e-6
    return g


# -- determinants ---------------------------------------------------------------------------------
def test_det_of_a_square_product_with_a_repeated_factor_is_the_product_of_dets():
    assert mc.unicode(mc.simplify(mc.det(X @ A @ X))) == "det(A) det(X)²"
    assert mc.unicode(mc.simplify(mc.det(X @ X @ X))) == "det(X)³"
    assert mc.unicode(mc.simplify(mc.det(X.T @ X))) == "det(X)²"
    assert np.isclose(value(mc.simplify(mc.det(X @ A @ X))), np.linalg.det(Xv @ Av @ Xv))


def test_det_of_distinct_factors_stays_as_the_cookbook_writes_its_derivative():
    assert mc.unicode(mc.simplify(mc.det(A @ X))) == "det(AX)"
    assert mc.unicode(mc.diff(mc.det(A @ X @ B_), X)) == "det(AXB)X⁻ᵀ"


def test_the_inverse_of_a_square_product_is_the_reversed_product_of_inverses():
    e = mc.simplify(mc.inv(A @ X))
    assert mc.unicode(e) == "X⁻¹A⁻¹"
    assert np.allclose(value(e), np.linalg.inv(Av @ Xv))
    W = mc.matrix("W", m, n)
    assert mc.unicode(mc.simplify(mc.inv(W.T @ W))) == "(WᵀW)⁻¹"


def test_det_of_a_scaled_matrix_takes_the_scale_to_the_nth_power():
    e = mc.simplify(mc.det(2 * X))
    assert mc.unicode(e) == "(2^n) det(X)"
    assert np.isclose(value(e), np.linalg.det(2 * Xv))


def test_the_gradient_of_det_xx_is_2_det_squared_times_inverse_transpose():
    g = mc.diff(mc.det(X @ X), X)
    assert mc.unicode(g) == "2det(X)²X⁻ᵀ"
    expected = fd_gradient(lambda V: np.linalg.det(V @ V), Xv)
    assert np.allclose(value(g), expected, rtol=1e-5, atol=1e-6)


def test_det_of_a_non_square_product_stays():
    W = mc.matrix("W", m, n)
    assert mc.unicode(mc.simplify(mc.det(W.T @ W))) == "det(WᵀW)"


def test_log_abs_det_has_the_gradient_inverse_transpose():
    g = mc.diff(mc.log(mc.abs(mc.det(X))), X)
    assert mc.unicode(g) == "X⁻ᵀ"
    expected = fd_gradient(lambda V: np.log(abs(np.linalg.det(V))), Xv)
    assert np.allclose(value(g), expected, rtol=1e-5, atol=1e-6)


# -- traces, Kronecker products, identity matrices --------------------------------------------------
def test_trace_of_a_kronecker_product_is_the_product_of_traces():
    assert mc.unicode(mc.simplify(mc.tr(mc.kron(A, B)))) == "tr(A) tr(B)"
    g = mc.diff(mc.tr(mc.kron(A, B)), A)
    assert mc.unicode(g) == "tr(B)I"
    assert np.allclose(value(g, A), fd_gradient(lambda V: np.trace(np.kron(V, Bv)), Av),
                       rtol=1e-5, atol=1e-6)


def test_an_identity_in_a_product_or_trace_is_dropped():
    assert mc.unicode(mc.simplify(mc.tr(mc.eye(n) @ X))) == "tr(X)"
    assert mc.unicode(mc.simplify(A @ mc.eye(n) @ X)) == "AX"


def test_a_product_next_to_its_inverse_cancels():
    assert mc.unicode(mc.simplify(X @ A @ mc.inv(X @ A))) == "I"
    assert mc.unicode(mc.simplify(mc.inv(X @ A) @ X @ A @ x)) == "x"
    assert mc.unicode(mc.simplify(B @ mc.inv(B))) == "I"


# -- softmax -------------------------------------------------------------------------------------
def test_a_softmax_sums_to_one():
    assert mc.unicode(mc.simplify(mc.sum(mc.softmax(x)))) == "1"
    assert mc.unicode(mc.simplify(mc.sum(mc.softmax(Z, axis=1)))) == "m"
    assert mc.unicode(mc.simplify(mc.sum(mc.softmax(Z, axis=1), axis=1))) == "𝟏"
    assert mc.unicode(mc.simplify(mc.sum(mc.softmax(Z, axis=0), axis=0))) == "𝟏ᵀ"
    assert np.allclose(softmax(Zv, axis=1).sum(axis=1), 1)


def test_the_gradient_of_the_sum_of_a_softmax_is_zero():
    g = mc.diff(mc.sum(mc.softmax(x)), x)
    assert mc.unicode(g) == "0" and g.shape == x.shape


def test_log_of_softmax_is_log_softmax_with_the_compact_jacobian():
    assert mc.unicode(mc.simplify(mc.log(mc.softmax(z)))) == "log softmax(z)"
    for layout, text in (("numerator", "I − 𝟏 softmax(z)ᵀ"),
                         ("denominator", "I − softmax(z)𝟏ᵀ")):
        J = mc.diff(mc.log(mc.softmax(z)), z, layout)
        assert mc.unicode(J) == text
        jac = np.eye(N) - np.ones((N, 1)) @ softmax(zv).T  # numerator layout
        assert np.allclose(value(J), jac if layout == "numerator" else jac.T)
    fd = np.column_stack([
        (np.log(softmax(zv + d)) - np.log(softmax(zv - d))).ravel() / 2e-6
        for d in 1e-6 * np.eye(N)[:, :, None]])
    assert np.allclose(fd, np.eye(N) - np.ones((N, 1)) @ softmax(zv).T, atol=1e-6)


# regression: log(sum(exp(z))), as matrixcalculus.org's users write log-sum-exp, had the
# gradient exp(z)/(sum(exp(z))), not softmax(z), and no max shift in its code
def test_log_of_a_sum_of_exponentials_is_log_sum_exp_with_the_softmax_gradient():
    lse = mc.log(mc.sum(mc.exp(z)))
    assert mc.unicode(mc.simplify(lse)) == "logsumexp(z)"
    assert mc.unicode(mc.diff(lse, z)) == "softmax(z)"
    assert mc.unicode(mc.simplify(mc.exp(z) / mc.sum(mc.exp(z)))) == "softmax(z)"
    assert mc.unicode(mc.simplify(3 * mc.exp(z) / mc.sum(mc.exp(z)))) == "3softmax(z)"
    assert np.allclose(value(mc.simplify(lse)), np.log(np.exp(zv).sum()))
    # a matrix's exponentials summed over every entry are not one softmax: left alone
    assert "softmax" not in mc.unicode(mc.simplify(mc.exp(Z) / mc.sum(mc.exp(Z))))


def test_the_sign_of_a_diagonal_matrix_stands_in_front():
    assert mc.unicode(mc.simplify(mc.diag(-x))) == "−diag(x)"
    assert mc.unicode(mc.simplify(mc.diag(-2 * x))) == "−diag(2x)"
    assert mc.unicode(mc.simplify(mc.diag(2 * x))) == "diag(2x)"
    # one canonical form: the number and a scalar stay one flat product inside diag
    c = mc.scalar("c")
    assert mc.simplify(mc.diag(-3 * c * x)) is mc.simplify(-mc.diag(3 * c * x))
    assert np.allclose(value(mc.simplify(mc.diag(-2 * x))), np.diag(-2 * xv.ravel()))
    S = mc.matrix("S", n, symmetric=True)
    d = mc.diff(x.T @ mc.inv(S) @ x, S, structure="symmetric")
    assert mc.unicode(d) == "diag((S⁻¹x)²) − 2S⁻¹xxᵀS⁻¹"


# -- common factors -------------------------------------------------------------------------------
def test_x_times_its_sign_is_its_absolute_value():
    assert mc.unicode(mc.simplify(mc.abs(x) + x * mc.sign(x))) == "2|x|"
    assert mc.unicode(mc.diff(mc.sum(mc.abs(x) * x), x)) == "2|x|"
    assert np.allclose(value(mc.simplify(x * mc.sign(x))), np.abs(xv))


@pytest.mark.parametrize("layout", mc.LAYOUTS)
@pytest.mark.parametrize("f, wrt", [
    (mc.det(X @ X), X), (mc.log(mc.abs(mc.det(X))), X), (mc.tr(mc.kron(A, B)), A),
    (mc.sum(mc.log(mc.softmax(z)) * x), z), (mc.sum(mc.abs(x) * x), x),
    (mc.det(2 * A @ X), X), (mc.sum(G * mc.log(mc.softmax(Z, axis=1))), Z),
    (mc.log(mc.sum(mc.exp(z))) * mc.sum(x), z), (x.T @ mc.diag(-3 * z) @ x, z),
])
def test_derivatives_through_the_identities_match_finite_differences(f, wrt, layout):
    assert mc.check(f, wrt, layout).ok


def test_ones_transposed_times_ones_is_the_size():
    N = mc.dims("N")
    assert mc.unicode(mc.simplify(mc.ones(N).T @ mc.ones(N))) == "N"
    mu, S, D = mc.vector("mu", n), mc.matrix("S", n, spd=True), mc.matrix("D", N, n)
    R = D - mc.ones(N) @ mu.T
    L = mc.tr(R @ mc.inv(S) @ R.T)  # a batch Gaussian's quadratic term
    assert mc.unicode(mc.hessian(L, mu)) == "(2N)S⁻¹"
    assert mc.check_hessian(L, mu).ok


def test_the_negation_of_a_difference_is_the_difference_the_other_way_round():
    a = mc.vector("a", n)
    for e in (-(x - a), -(2 * x - 4 * a)):
        assert not mc.unicode(mc.simplify(e)).startswith("−(")
    VALUES["a"] = 2 * xv
    try:
        assert np.allclose(value(mc.simplify(-(x - a))), 2 * xv - xv)
        assert np.allclose(value(mc.simplify(-(2 * x - 4 * a))), 8 * xv - 2 * xv)
    finally:
        del VALUES["a"]


@pytest.mark.parametrize("layout", mc.LAYOUTS)
def test_derivatives_through_a_negated_difference_match_finite_differences(layout):
    a = mc.vector("a", n)
    f = mc.sum(mc.exp(-(x - a)) * x) + mc.norm2(-(2 * x - 4 * a)) ** 2
    assert mc.check(f, x, layout).ok and mc.check(f, a, layout).ok


# regression: the attention gradient by Q with a temperature s wrote every term over s, so its
# shared part (GVᵀ) ⊙ softmax(QKᵀ/s) was written out twice instead of named once
def test_a_scalar_every_term_of_an_array_sum_shares_is_written_once():
    c = mc.scalar("c")
    assert mc.unicode(mc.simplify(x / c - z / c)) == "(x − z)/c"
    assert mc.unicode(mc.simplify(c * x + c * X @ z)) == "c(Xz + x)"
    shared = mc.lambdify(mc.simplify(x / c - z / c), [x, z, c])
    assert np.allclose(shared(x=xv, z=zv, c=2.0), (xv - zv) / 2)
    T, d = mc.dims("T d")
    Q, K, V, G = (mc.matrix(s, T, d) for s in "QKVG")
    f = mc.sum(G * (mc.softmax(Q @ K.T / c, axis=1) @ V))
    g = mc.diff(f, Q)
    assert mc.unicode(g).startswith("((t₂ − (t₂𝟏𝟏ᵀ) ⊙ t₁)K)/c\nwhere")
    for layout in mc.LAYOUTS:
        assert mc.check(f, Q, layout).ok


# regression: a batch loss over N wrote (1/N) in front of every term of its gradient
def test_a_symbolic_coefficient_every_term_shares_is_written_once():
    N, d, k = mc.dims("N d k")
    Xb, Wb, Y = mc.matrix("X", N, d), mc.matrix("W", d, k), mc.matrix("Y", N, k)
    f = -mc.sum(Y * mc.log_softmax(Xb @ Wb, axis=1)) / N
    assert mc.unicode(mc.diff(f, Wb)) == "(1/N)Xᵀ(softmax(XW, axis=1) ⊙ (Y𝟏𝟏ᵀ) − Y)"
    assert mc.unicode(mc.simplify(2 * x + 2 * z)) == "2x + 2z"  # plain numbers stay
    for layout in mc.LAYOUTS:
        assert mc.check(f, Wb, layout).ok
