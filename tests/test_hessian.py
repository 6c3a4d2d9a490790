"""mc.hessian for vectors: compact second-order forms, checked by second differences."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric.check import evaluate
from matcalc.numeric.sampling import choose_sizes, sample_inputs
from tests.test_vec import SIZES, jacobian_by_differences, point

n, m = mc.dims("n m")
x, w = mc.vector("x", n), mc.vector("w", n)
A, S = mc.matrix("A", n), mc.matrix("S", n, symmetric=True)
W, X = mc.matrix("W", m, n), mc.matrix("X", m, n)
b, y = mc.vector("b", m), mc.vector("y", m)
lam = mc.scalar("lam")
sig = mc.sigmoid(-y * (X @ w))

CASES = [
    ("quadratic form", x.T @ A @ x, x, A + A.T),
    ("least squares", mc.norm2(W @ x - b) ** 2, x, 2 * W.T @ W),
    ("logistic loss", mc.sum(mc.log(1 + mc.exp(-y * (X @ w)))), w,
     X.T @ mc.diag(sig * (1 - sig) * y**2) @ X),
    ("log-sum-exp", mc.logsumexp(x), x,
     mc.diag(mc.softmax(x)) - mc.softmax(x) @ mc.softmax(x).T),
    ("ridge", mc.norm2(W @ x - b) ** 2 + lam * mc.norm2(x) ** 2, x,
     2 * W.T @ W + 2 * lam * mc.eye(n)),
    ("symmetric quadratic", x.T @ S @ x, x, 2 * S),
]


@pytest.mark.parametrize("name,f,v,expected", CASES, ids=[c[0] for c in CASES])
def test_hessian_has_the_compact_form(name, f, v, expected):
    assert mc.hessian(f, v) == mc.simplify(expected), mc.unicode(mc.hessian(f, v))


def second_differences(f, u, v, inputs, sizes, h=1e-4):
    fn = mc.lambdify(f)
    u0, v0 = inputs[u.name], inputs[v.name]
    H = np.zeros((u0.size, v0.size))
    for i in range(u0.size):
        for j in range(v0.size):
            total = 0.0
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = dict(inputs)
                du = np.zeros_like(u0)
                du.flat[i] = si * h
                point[u.name] = u0 + du
                dv = np.zeros_like(v0)
                dv.flat[j] = sj * h
                point[v.name] = point[v.name] + dv if v.name != u.name else point[u.name] + dv
                total += si * sj * float(evaluate(fn, point, sizes)[0, 0])
            H[i, j] = total / (4 * h * h)
    return H


@pytest.mark.parametrize("name,f,v,expected", CASES, ids=[c[0] for c in CASES])
def test_hessian_matches_second_differences(name, f, v, expected):
    H = mc.hessian(f, v)
    sizes = choose_sizes([f, H])
    symbols = sorted(f.free_symbols() | H.free_symbols(), key=lambda s: s.name)
    inputs = sample_inputs(f, symbols, sizes, seed=1)
    numeric = second_differences(f, v, v, inputs, sizes)
    np.testing.assert_allclose(evaluate(mc.lambdify(H), inputs, sizes), numeric,
                               rtol=1e-5, atol=1e-5)
    for layout in mc.LAYOUTS:  # the Hessian is the Jacobian of the gradient
        assert mc.check(mc.gradient(f, v), v, layout).ok


def test_mixed_hessian_rows_by_x_columns_by_y():
    u = mc.vector("u", m)
    f = u.T @ W @ x + mc.sum(mc.tanh(W @ x) * u)
    H = mc.hessian(f, x, u)
    assert H.shape == (n, m)
    sizes = choose_sizes([f, H])
    symbols = sorted(f.free_symbols(), key=lambda s: s.name)
    inputs = sample_inputs(f, symbols, sizes, seed=2)
    np.testing.assert_allclose(evaluate(mc.lambdify(H), inputs, sizes),
                               second_differences(f, x, u, inputs, sizes), rtol=1e-5, atol=1e-5)
    assert mc.hessian(f, u, x) == mc.simplify(H.T)


def test_hessian_errors():
    with pytest.raises(mc.MatcalcError, match="hessian needs a scalar"):
        mc.hessian(W @ x, x)
    with pytest.raises(mc.MatcalcError, match="differentiate with respect to a symbol"):
        mc.hessian(mc.tr(X.T @ X), X.T)


@pytest.mark.parametrize("name,f,v,expected", CASES, ids=[c[0] for c in CASES])
def test_second_order_derivation_ends_in_the_hessian(name, f, v, expected):
    d = mc.derive(f, v, order=2)
    assert d.result == mc.hessian(f, v)
    assert "the Hessian is the Jacobian of the gradient" in d.rules
    assert d.steps[-1].after is d.result and d.latex().startswith("\\begin{aligned}")


def test_second_order_needs_a_scalar_and_a_vector():
    with pytest.raises(mc.MatcalcError):
        mc.derive(W @ x, x, order=2)
    with pytest.raises(mc.MatcalcError, match="order must be 1 or 2"):
        mc.derive(x.T @ x, x, order=3)


def test_second_order_names_are_fresh_and_a_constant_has_a_zero_derivation():
    H = mc.matrix("H", n)
    o = mc.vector("o", n)
    d = mc.derive(x.T @ H @ x + o.T @ x, x, order=2)
    names = [mc.unicode(s.lhs) for s in d]
    assert "H₂ = H + Hᵀ" in [f"{mc.unicode(s.lhs)} = {mc.unicode(s.after)}" for s in d]
    f = mc.norm2(W @ x - b) ** 2
    second_half = mc.derive(f, x, order=2).steps
    defined = [mc.unicode(s.lhs) for s in second_half if s.rule.name == "name an intermediate result"]
    assert len(defined) == len(set(defined)), defined  # no name is defined twice
    zero = mc.derive(mc.tr(A), x)
    assert zero.result == mc.diff(mc.tr(A), x) and zero.steps[-1].rule.name == "no dependence"
    assert names


p = mc.dims("p")
P = mc.matrix("P", n, spd=True)
Y = mc.matrix("Y", n, p)


def _plain(e, mapping):
    from matcalc.rules.simplify import substitute

    return substitute(e, mapping)


# regression: a Hessian by a declared symmetric matrix came from the gradient simplified with Sᵀ = S
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
    got = evaluate(mc.lambdify(H), inputs, SIZES)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if first is second:
        d = mc.derive(f, first, order=2)
        assert d.result is H


# regression: mixed Hessians of a scalar and a matrix did not follow the vec convention
def test_mixed_hessians_with_a_scalar_follow_the_vec_convention():
    s = mc.scalar("s")
    f = s * mc.tr(X.T @ X)
    assert mc.hessian(f, X, s) == mc.simplify(2 * mc.vec(X))
    assert mc.hessian(f, s, X) == mc.simplify(2 * mc.vec(X).T)
    inputs = point(f, seed=4)
    got = mc.lambdify(mc.hessian(f, s, X))(**{k: inputs[k] for k in ("X",)})
    np.testing.assert_allclose(got, 2 * inputs["X"].reshape(1, -1, order="F"))


# regression: check_hessian and hessian --check checked the simplified gradient (2I), not H (2K)
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


# regression: the Hessian of norm2(𝟏𝟏ᵀ diag(z) F) by z raised UnsupportedError
def test_jacobians_the_compact_reader_cannot_read_come_from_the_vec_rules():
    z, F = mc.vector("z", 2), mc.matrix("F", 2, n)
    f = mc.norm2(mc.ones(2, 2) @ mc.diag(z) @ F)
    mc.hessian(f, z)  # once UnsupportedError
    assert mc.check(mc.gradient(f, z), z, "numerator").ok
