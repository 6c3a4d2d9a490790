"""The core issue's acceptance results: structural equality with the expected compact forms."""

import pytest

import matcalc as mc
from matcalc import simplify
from matcalc.core.walk import postorder


def same(result, expected):
    """Structural equality after canonical ordering of the expected expression."""
    assert result == simplify(expected), f"got {result}, expected {simplify(expected)}"


def test_linear_form(s):
    same(mc.diff(s.a.T @ s.x, s.x), s.a)


def test_squared_norm_as_inner_product(s):
    same(mc.diff(s.x.T @ s.x, s.x), 2 * s.x)


def test_quadratic_form_collects_into_a_sum_of_matrices(s):
    same(mc.diff(s.x.T @ s.A @ s.x, s.x), (s.A + s.A.T) @ s.x)
    same(mc.diff(s.x.T @ s.A @ s.x, s.x, "numerator"), s.x.T @ (s.A + s.A.T))


def test_quadratic_form_with_symmetric_matrix(s):
    same(mc.diff(s.x.T @ s.S @ s.x, s.x), 2 * s.S @ s.x)


@pytest.mark.parametrize("layout,expected", [("denominator", "W.T"), ("numerator", "W"),
                                             ("mixed", "W")])
def test_linear_propagation_in_each_layout(s, layout, expected):
    same(mc.diff(s.W @ s.x, s.x, layout), s.W.T if expected == "W.T" else s.W)


def test_least_squares(s):
    A, b = s.W, s.bm
    same(mc.diff(mc.norm2(A @ s.x - b) ** 2, s.x), 2 * A.T @ (A @ s.x - b))


def test_trace_of_a_product(s):
    A, B, X = mc.matrix("A", s.p, s.m), mc.matrix("B", s.n, s.p), mc.matrix("X", s.m, s.n)
    same(mc.diff(mc.tr(A @ X @ B), X), A.T @ B.T)


def test_trace_quadratic(s):
    same(mc.diff(mc.tr(s.X.T @ s.A @ s.X), s.X), (s.A + s.A.T) @ s.X)


def test_determinant(s):
    same(mc.diff(mc.det(s.X), s.X), mc.det(s.X) * mc.inv(s.X).T)


def test_log_determinant(s):
    same(mc.diff(mc.logdet(s.X), s.X), mc.inv(s.X).T)


def test_bilinear_form_of_the_inverse(s):
    a, b = s.a, s.b
    same(mc.diff(a.T @ mc.inv(s.X) @ b, s.X), -mc.inv(s.X).T @ a @ b.T @ mc.inv(s.X).T)


def test_sigmoid_layer_jacobian_is_a_scaled_weight_matrix(s):
    u = s.W @ s.x
    sd = mc.sigmoid(u) * (1 - mc.sigmoid(u))
    same(mc.jacobian(mc.sigmoid(u), s.x), mc.diag(sd) @ s.W)


def test_two_layer_backprop_is_a_hadamard_and_an_outer_product(s):
    W1, W2, t = mc.matrix("W1", s.m, s.n), mc.matrix("W2", s.p, s.m), mc.vector("t", s.p)
    r = W2 @ mc.tanh(W1 @ s.x) - t
    L = mc.norm2(r) ** 2
    g = mc.diff(L, W1)
    same(g, 2 * ((W2.T @ r) * (1 - mc.tanh(W1 @ s.x) ** 2)) @ s.x.T)
    kinds = {type(n).__name__ for n in postorder(g)}
    assert "Diag" not in kinds and "Kron" not in kinds


@pytest.mark.parametrize("layout", mc.LAYOUTS)
def test_every_acceptance_result_checks_numerically(s, layout):
    W1, W2, t = mc.matrix("W1", s.m, s.n), mc.matrix("W2", s.p, s.m), mc.vector("t", s.p)
    A, B, X = mc.matrix("A", s.p, s.m), mc.matrix("B", s.n, s.p), mc.matrix("X", s.m, s.n)
    cases = [
        (s.a.T @ s.x, s.x), (s.x.T @ s.x, s.x), (s.x.T @ s.A @ s.x, s.x),
        (s.x.T @ s.S @ s.x, s.x), (s.W @ s.x, s.x), (mc.norm2(s.W @ s.x - s.bm) ** 2, s.x),
        (mc.tr(A @ X @ B), X), (mc.tr(s.X.T @ s.A @ s.X), s.X), (mc.det(s.X), s.X),
        (mc.logdet(s.X), s.X), (s.a.T @ mc.inv(s.X) @ s.b, s.X),
        (mc.sigmoid(s.W @ s.x), s.x), (mc.norm2(W2 @ mc.tanh(W1 @ s.x) - t) ** 2, W1),
    ]
    for f, x in cases:
        report = mc.check(f, x, layout)
        assert report.ok, str(report)


n, m = mc.dims("n m")
x, a = mc.vector("x", n), mc.vector("a", n)
y = mc.vector("y", m)
A = mc.matrix("A", m, n)


# regression: the gradient of kron(x, y)ᵀkron(x, y) by x or by y was not 2(yᵀy)x or 2(xᵀx)y
def test_gradient_of_a_kron_of_vectors_by_either_factor():
    f = mc.kron(x, y).T @ mc.kron(x, y)
    assert mc.diff(f, y) == mc.simplify(2 * (x.T @ x) * y)
    assert mc.diff(f, x) == mc.simplify(2 * (y.T @ y) * x)
    assert all(mc.check(f, v, layout).ok for v in (x, y) for layout in mc.LAYOUTS)


# regression: sums did not cancel or collect after distributing (cross-entropy, -(x + a) + a + x)
def test_sums_that_cancel_or_collect_after_distributing():
    s = mc.sigmoid(A @ x)
    bce = mc.sum(y * mc.log(s) + (1 - y) * mc.log(1 - s))
    assert mc.diff(bce, x) == mc.simplify(A.T @ (y - s))
    assert mc.simplify(-(x + a) + a + x) == mc.zeros(n)
    assert mc.simplify(1 - (1 - x)) == x
    assert mc.simplify(mc.diag(x) + mc.diag(a)) == mc.diag(mc.simplify(x + a))


# regression: an all-negative sum in a product kept its minus signs, −(…)(−… − …)K
def test_an_all_negative_sum_in_a_product_gives_its_sign_to_the_front():
    Z, A = mc.matrix("Z", n), mc.matrix("A", n)
    H = mc.hessian(mc.tr(mc.inv(Z) @ A), Z)
    assert "-" not in str(H), str(H)  # (Z⁻¹ ⊗ Z⁻ᵀ)(AZ⁻¹ ⊗ I + I ⊗ AᵀZ⁻ᵀ)K, not −(…)(−… − …)K
    assert mc.check(mc.gradient(mc.tr(mc.inv(Z) @ A), Z), Z, "numerator").ok
