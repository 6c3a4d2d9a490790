"""Generated code that does the least work (issue 13, point 1): each transformation is seen in
the generated source and checked numerically, against plain numpy and finite differences."""

import re

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.codegen import Generated

m, n, r = mc.dims("m n r")
X, U, V = mc.matrix("X", m, n), mc.matrix("U", m, r), mc.matrix("V", n, r)
z, x, mu = mc.vector("z", n), mc.vector("x", n), mc.vector("mu", n)
rng = np.random.default_rng(13)
Xv, Uv, Vv = rng.standard_normal((5, 4)), rng.standard_normal((5, 2)), rng.standard_normal((4, 2))


def _body(source: str, name: str) -> list[str]:
    """The computing lines of the generated function: after its input checks."""
    lines = source[source.index(f"def {name}("):].splitlines()
    return [line for line in lines if re.match(r"    t\d+(, t\d+)* = |    return ", line)]


def _compiled(source: str, name: str):
    return Generated(source, name, []).compile()


def test_the_matrix_factorisation_gradient_computes_uvt_once_and_folds_its_scaling():
    f = mc.norm2(X - U @ V.T) ** 2
    source = mc.codegen(f, wrt=[U, V])
    body = "\n".join(_body(source, "f_and_grad"))
    assert body.count("@ V.T") == 1 and "V @ U.T" not in body  # VUᵀ is (UVᵀ)ᵀ: t.T
    assert "np.vdot(" in body and "norm" not in body  # ‖E‖² as ⟨E, E⟩
    assert not re.search(r"\* \(\w+(\.T)? @", body)  # −2 scales a factor, not the product
    value, gU, gV = _compiled(source, "f_and_grad")(U=Uv, V=Vv, X=Xv)
    E = Xv - Uv @ Vv.T
    assert value == pytest.approx(np.sum(E * E), rel=1e-13)
    np.testing.assert_allclose(gU, -2 * E @ Vv, rtol=1e-13)
    np.testing.assert_allclose(gV, -2 * E.T @ Uv, rtol=1e-13)
    assert mc.check(f, U).ok and mc.check(f, V).ok


def test_a_trace_of_a_product_is_an_elementwise_sum_with_no_matrix_product():
    E = X - U @ V.T
    f = mc.tr(E.T @ E)
    body = _body(mc.codegen(f), "f")
    value_lines = [line for line in body if "vdot" in line or "einsum" in line]
    assert value_lines and not any("@" in line and "vdot" in line for line in body)
    assert sum(line.count("@") for line in body) == 1  # UVᵀ only; never the n×n EᵀE
    Ev = Xv - Uv @ Vv.T
    assert mc.lambdify(f)(U=Uv, V=Vv, X=Xv) == pytest.approx(np.trace(Ev.T @ Ev), rel=1e-13)
    A, B, C = mc.matrix("A", m, n), mc.matrix("B", n, n), mc.matrix("C", m, n)
    g = mc.tr(A.T @ C) + mc.tr(A @ B @ C.T)  # ⟨A, C⟩ and a three-factor trace
    Av, Bv, Cv = rng.standard_normal((5, 4)), rng.standard_normal((4, 4)), rng.standard_normal((5, 4))
    body = _body(mc.codegen(g), "f")
    assert "np.trace" not in "\n".join(body)
    assert mc.lambdify(g)(A=Av, B=Bv, C=Cv) == pytest.approx(
        np.trace(Av.T @ Cv) + np.trace(Av @ Bv @ Cv.T), rel=1e-12)
    assert mc.check(g, A).ok and mc.check(g, B).ok


def test_one_cholesky_factor_serves_log_det_and_the_inverse_of_a_matrix_declared_spd():
    S = mc.matrix("S", n, spd=True)
    f = mc.logdet(S) + (x - mu).T @ mc.inv(S) @ (x - mu)
    source = mc.codegen(f, wrt=[S, mu])
    body = "\n".join(_body(source, "f_and_grad"))
    assert body.count("_cho_factor(") == 1
    assert "np.linalg.inv" not in body and "_logdet(S)" not in body and "slogdet" not in body
    Q = rng.standard_normal((4, 4))
    Sv, xv, mv = Q @ Q.T + 4 * np.eye(4), rng.standard_normal(4), rng.standard_normal(4)
    value, gS, gmu = _compiled(source, "f_and_grad")(S=Sv, mu=mv, x=xv)
    d, Si = xv - mv, np.linalg.inv(Sv)
    assert value == pytest.approx(np.linalg.slogdet(Sv)[1] + d @ Si @ d, rel=1e-12)
    np.testing.assert_allclose(gS, Si - Si @ np.outer(d, d) @ Si, rtol=1e-10)
    np.testing.assert_allclose(gmu[:, 0], -2 * Si @ d, rtol=1e-10)
    assert mc.check(f, S).ok and mc.check(f, mu).ok


def test_the_inverse_of_an_spd_matrix_comes_from_its_cholesky_factor_and_is_symmetric():
    S = mc.matrix("S", n, spd=True)
    C = mc.matrix("C", n, symmetric=True)
    f = mc.logdet(S) + mc.tr(mc.inv(S) @ C)  # the Gaussian NLL by Σ: Σ⁻¹ − Σ⁻¹CΣ⁻¹
    source = mc.codegen(f, wrt=[S])
    assert "potri" in source and "np.eye" not in source  # not n solves against I
    Q, R = rng.standard_normal((5, 5)), rng.standard_normal((7, 5))
    Sv, Cv = Q @ Q.T + np.eye(5), R.T @ R
    value, grad = _compiled(source, "f_and_grad")(S=Sv, C=Cv)
    inverse = mc.lambdify(mc.inv(S))(S=Sv)
    np.testing.assert_array_equal(inverse, inverse.T)  # both triangles, mirrored exactly
    Si = np.linalg.inv(Sv)
    np.testing.assert_allclose(inverse, Si, rtol=1e-12, atol=1e-14)
    assert value == pytest.approx(np.linalg.slogdet(Sv)[1] + np.trace(Si @ Cv), rel=1e-12)
    np.testing.assert_allclose(grad, Si - Si @ Cv @ Si, rtol=1e-10, atol=1e-13)
    for layout in mc.LAYOUTS:
        assert mc.check(f, S, layout).ok


def test_one_lu_factorisation_serves_det_log_det_and_solves_of_a_general_matrix():
    A = mc.matrix("A", n)
    f = mc.logdet(A) + mc.det(A) + x.T @ mc.inv(A) @ mu + mu.T @ mc.inv(A).T @ x
    source = mc.codegen(f)
    body = "\n".join(_body(source, "f"))
    assert body.count("_lu_factor(") == 1
    assert "_lu_inv" not in body and "np.linalg" not in body  # solves, never the inverse
    assert "_lu_solve(" in body
    Av = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    xv, mv = rng.standard_normal(4), rng.standard_normal(4)
    Ai = np.linalg.inv(Av)
    expected = np.log(np.linalg.det(Av)) + np.linalg.det(Av) + xv @ Ai @ mv + mv @ Ai.T @ xv
    assert mc.lambdify(f)(A=Av, x=xv, mu=mv) == pytest.approx(expected, rel=1e-12)
    assert mc.check(f, A).ok and mc.check(f, x).ok
    with pytest.raises(mc.NumericError, match="singular"):
        mc.lambdify(f)(A=np.zeros((4, 4)), x=xv, mu=mv)


def test_the_log_sum_exp_hessian_is_built_in_one_array():
    H = mc.hessian(mc.logsumexp(z), z)
    body = _body(mc.codegen(H), "f")
    text = "\n".join(body)
    assert "_add_diagonal(" in text and "np.diag(" not in text
    assert "@" not in text  # −ssᵀ is a broadcast product of (−s) and sᵀ; diag(s) added in place
    assert "True)" not in text  # the sign is on the vector, not a pass over the n×n array
    zv = rng.standard_normal(6)
    s = np.exp(zv - np.logaddexp.reduce(zv))
    np.testing.assert_allclose(mc.lambdify(H)(z=zv), np.diag(s) - np.outer(s, s), atol=1e-15)
    assert mc.check_hessian(mc.logsumexp(z), z).ok


def test_a_diagonal_plus_a_shared_array_leaves_that_array_unchanged():
    A = mc.matrix("A", n)
    e = A @ A.T
    f = mc.diag(z) + e  # e is also returned: it must not be written into
    fn = mc.lambdify(mc.vec(f) + mc.vec(e))  # e shared by both terms
    Av, zv = rng.standard_normal((3, 3)), rng.standard_normal(3)
    expected = (np.diag(zv) + 2 * Av @ Av.T).reshape(-1, 1, order="F")
    np.testing.assert_allclose(fn(A=Av, z=zv), expected, rtol=1e-13)


def test_a_product_with_a_ones_matrix_is_a_sum_not_a_matrix_product():
    T, d = mc.dims("T d")
    Q, K, V, G = (mc.matrix(s, T, d) for s in "QKVG")
    f = mc.sum(G * (mc.softmax(Q @ K.T, axis=1) @ V))  # attention: row sums of a T×T array
    source = mc.codegen(f, wrt=[Q, K, V])
    body = "\n".join(_body(source, "f_and_grad"))
    assert "np.ones" not in body and "_row_sums(" in body
    args = {s: rng.standard_normal((5, 3)) for s in "QKVG"}
    value, gQ, gK, gV = _compiled(source, "f_and_grad")(**args)
    S = np.exp(args["Q"] @ args["K"].T)
    S /= S.sum(axis=1, keepdims=True)
    assert value == pytest.approx(np.sum(args["G"] * (S @ args["V"])), rel=1e-13)
    for w in (Q, K, V):
        assert mc.check(f, w).ok
    ones = mc.ones(T) @ mc.ones(T).T
    A = mc.matrix("A", T, T)
    g = A @ ones + ones @ A  # row sums in every column, column sums in every row
    Av = rng.standard_normal((4, 4))
    np.testing.assert_allclose(mc.lambdify(g)(A=Av), Av @ np.ones((4, 4)) + np.ones((4, 4)) @ Av,
                               rtol=1e-13)


def test_diagonals_at_both_ends_of_a_product_are_applied_not_built():
    n_, h = mc.dims("n h")
    x_, a = mc.vector("x", n_), mc.vector("a", h)
    W1, W2 = mc.matrix("W1", h, n_), mc.matrix("W2", h, h)
    f = a.T @ mc.tanh(W2 @ mc.tanh(W1 @ x_))  # its Hessian has diag(u) W2ᵀ diag(v) W2 diag(u)
    H = mc.hessian(f, x_)
    body = "\n".join(_body(mc.codegen(H), "f"))
    assert "np.diag(" not in body and "_add_diagonal(" in body
    assert mc.check_hessian(f, x_).ok



def test_a_transposed_inverse_only_applied_is_never_formed_and_keeps_its_sign():
    A, Xm = mc.matrix("A", n), mc.matrix("X", n)
    f = mc.sum(mc.solve(Xm, A))  # ∂f/∂X = −X⁻ᵀ 𝟏𝟏ᵀ Aᵀ X⁻ᵀ: the sign sits on a plain factor
    source = mc.codegen(f, wrt=[Xm])
    body = "\n".join(_body(source, "f_and_grad"))
    assert "_lu_inv" not in body and body.count("_lu_factor(") == 1
    Av, Xv = rng.standard_normal((4, 4)), rng.standard_normal((4, 4)) + 4 * np.eye(4)
    _, grad = _compiled(source, "f_and_grad")(A=Av, X=Xv)
    Xi = np.linalg.inv(Xv)
    np.testing.assert_allclose(grad, -Xi.T @ np.ones((4, 4)) @ Av.T @ Xi.T, rtol=1e-12)


def test_the_ridge_hessian_keeps_its_gram_product_and_adds_the_identity_in_place():
    Xr, w, y, lam = mc.matrix("X", m, n), mc.vector("w", n), mc.vector("y", m), mc.scalar("lam")
    f = mc.norm2(Xr @ w - y) ** 2 + lam * mc.norm2(w) ** 2
    H = mc.hessian(f, w)
    body = "\n".join(_body(mc.codegen(H), "f"))
    assert "(X.T @ X)" in body  # scaled after, so numpy computes one triangle (syrk)
    assert "np.eye" not in body and "_add_diagonal(" in body
    Xv = rng.standard_normal((6, 4))
    np.testing.assert_allclose(mc.lambdify(H)(X=Xv, lam=0.3, w=np.ones(4), y=np.ones(6)),
                               2 * Xv.T @ Xv + 0.6 * np.eye(4), rtol=1e-13)
    assert mc.check_hessian(f, w).ok


def test_a_difference_is_written_into_the_new_array_it_subtracts_and_never_into_an_input():
    source = mc.codegen(mc.norm2(X - U @ V.T) ** 2, wrt=[U])
    body = "\n".join(_body(source, "f_and_grad"))
    # X − UVᵀ: one m×n array (UVᵀ's), not a second for the difference; never −UVᵀ + X
    assert "_minus_into(X, ((U @ V.T)))" in body and "-((U @ V.T)) + X" not in body
    inputs = {"U": Uv.copy(), "V": Vv.copy(), "X": Xv.copy()}
    value, grad = _compiled(source, "f_and_grad")(**inputs)
    E = Xv - Uv @ Vv.T
    assert value == pytest.approx(np.sum(E * E), rel=1e-13)
    np.testing.assert_allclose(grad, -2 * E @ Vv, rtol=1e-13)
    for name, array in (("U", Uv), ("V", Vv), ("X", Xv)):
        np.testing.assert_array_equal(inputs[name], array)  # inputs are only read
    # a symbol subtracted is never written into: Y − X makes a new array
    Y = mc.matrix("Y", m, n)
    body = "\n".join(_body(mc.codegen(Y - X), "f"))
    assert "_minus_into" not in body


def test_a_difference_never_writes_into_a_temporary_that_later_lines_read():
    # regression: −(t1) was taken for a new array, so t1 = tanh(AB) was overwritten by X − t1
    # before the product read it (found through polar(V) + top_singular(V)'s derivative)
    A, B = mc.matrix("A", n), mc.matrix("B", n)
    P = mc.tanh(A @ B)
    F = (mc.matrix("X", n) - P) @ P
    source = mc.codegen(F)
    assert "_minus_into" not in source.split("def f(")[1]
    Av, Bv, Wv = rng.standard_normal((3, 4, 4))
    Pv = np.tanh(Av @ Bv)
    np.testing.assert_allclose(mc.lambdify(F)(A=Av, B=Bv, X=Wv), (Wv - Pv) @ Pv, rtol=1e-13)
    V = mc.matrix("V", m, n)
    for layout in mc.LAYOUTS:
        assert mc.check(mc.polar(V) + mc.top_singular(V), V, layout).ok


def test_softmax_of_a_new_array_is_computed_in_that_array_and_of_an_input_in_a_copy():
    T, d = mc.dims("T d")
    Q, K = mc.matrix("Q", T, d), mc.matrix("K", T, d)
    Qv, Kv = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    body = "\n".join(_body(mc.codegen(mc.softmax(Q @ K.T, axis=1)), "f"))
    assert "_softmax((Q @ K.T), axis=1, own=True)" in body
    Z = mc.matrix("Z", T, T)
    body = "\n".join(_body(mc.codegen(mc.softmax(Z, axis=1) + mc.log_softmax(Z, axis=0)), "f"))
    assert "own=True" not in body
    Zv = rng.standard_normal((6, 6))
    given = Zv.copy()
    got = mc.lambdify(mc.softmax(Z, axis=1) + mc.log_softmax(Z, axis=0))(Z=given)
    np.testing.assert_array_equal(given, Zv)
    S = np.exp(Zv - Zv.max(axis=1, keepdims=True))
    L = Zv - Zv.max(axis=0) - np.log(np.exp(Zv - Zv.max(axis=0)).sum(axis=0))
    np.testing.assert_allclose(got, S / S.sum(axis=1, keepdims=True) + L, rtol=1e-13)
    got = mc.lambdify(mc.log_softmax(Q @ K.T, axis=1))(Q=Qv, K=Kv)
    P = Qv @ Kv.T
    np.testing.assert_allclose(got, P - np.log(np.exp(P).sum(axis=1, keepdims=True)),
                               rtol=1e-12)


def test_attention_sums_its_product_as_a_dot_and_broadcasts_its_row_sums():
    T, d = mc.dims("T d")
    Q, K, Vm, G = (mc.matrix(s, T, d) for s in "QKVG")
    f = mc.sum(G * (mc.softmax(Q @ K.T, axis=1) @ Vm))
    source = mc.codegen(f, wrt=[Q, K, Vm])
    body = "\n".join(_body(source, "f_and_grad"))
    assert "np.vdot(G, " in body and "np.sum(" not in body  # sum(G ⊙ SV) = ⟨G, SV⟩
    assert re.search(r"_row_sums\(\w+, 1\)", body)  # a column of sums, broadcast
    arrays = {s: rng.standard_normal((5, 3)) for s in "GKQV"}
    kept = {s: a.copy() for s, a in arrays.items()}
    value, gQ, gK, gV = _compiled(source, "f_and_grad")(**arrays)
    for s in "GKQV":
        np.testing.assert_array_equal(arrays[s], kept[s])
    Z = arrays["Q"] @ arrays["K"].T
    S = np.exp(Z - Z.max(axis=1, keepdims=True))
    S /= S.sum(axis=1, keepdims=True)
    dS = arrays["G"] @ arrays["V"].T
    dZ = S * (dS - (S * dS).sum(axis=1, keepdims=True))
    assert value == pytest.approx(np.sum(arrays["G"] * (S @ arrays["V"])), rel=1e-13)
    np.testing.assert_allclose(gQ, dZ @ arrays["K"], rtol=1e-12)
    np.testing.assert_allclose(gK, dZ.T @ arrays["Q"], rtol=1e-12)
    np.testing.assert_allclose(gV, S.T @ arrays["G"], rtol=1e-12)
    for w in (Q, K, Vm):
        for layout in mc.LAYOUTS:
            assert mc.check(f, w, layout).ok


def test_softmax_reuses_log_softmax_where_both_are_needed():
    B, d, k = mc.dims("B d k")
    Xs, W, Y = mc.matrix("X", B, d), mc.matrix("W", d, k), mc.matrix("Y", B, k)
    f = -mc.sum(Y * mc.log_softmax(Xs @ W, axis=1))
    source = mc.codegen(f, wrt=[W])
    body = "\n".join(_body(source, "f_and_grad"))
    assert body.count("_log_softmax") == 1 and "_softmax(" not in body.replace("_log_softmax", "")
    # both from one exponential: exp(log softmax(z)) is not taken a second time
    assert re.search(r"t\d+, t\d+ = _log_softmax_pair\(\(X @ W\), axis=1, own=True\)", body)
    assert "np.exp(" not in body
    Xv, Wv = rng.standard_normal((6, 4)), rng.standard_normal((4, 3))
    Yv = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    value, grad = _compiled(source, "f_and_grad")(W=Wv, X=Xv, Y=Yv)
    Z = Xv @ Wv
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.sum(Yv * np.log(P)), rel=1e-12)
    np.testing.assert_allclose(grad, Xv.T @ (P - Yv), rtol=1e-10)
    assert mc.check(f, W).ok


def test_repeated_sums_stay_full_size_beside_a_number_and_broadcast_beside_an_array():
    T, d = mc.dims("T d")
    M = mc.matrix("M", T, d)
    Mv = rng.standard_normal((5, 3))
    sums = Mv.sum(axis=1, keepdims=True) * np.ones((1, 3))
    for F, want, column in ((M @ mc.ones(d, d) + 2, sums + 2, False),
                            (mc.tanh(M) * (M @ mc.ones(d, d)), np.tanh(Mv) * sums, True)):
        body = "\n".join(_body(mc.codegen(F), "f"))
        assert ("_row_sums(M, 1)" in body) is column, body
        got = mc.lambdify(F)(M=Mv)
        assert got.shape == (5, 3)
        np.testing.assert_allclose(got, want, rtol=1e-13)
