"""Gradients SymPy 1.14 gets wrong (silent 0 or failure) are right here, compact, and verified
numerically in every layout."""

import pytest

import matcalc as mc
from matcalc import simplify

n, m, p, q = mc.dims("n m p q")
x, t, z = mc.vector("x", n), mc.vector("t", n), mc.vector("z", n)
X, A, B = mc.matrix("X", n), mc.matrix("A", n), mc.matrix("B", n)
Am, b, lam = mc.matrix("A", m, n), mc.vector("b", m), mc.scalar("lam")
Xd, w, y = mc.matrix("X", m, n), mc.vector("w", n), mc.vector("y", m)
W1, W2, W3 = mc.matrix("W1", m, n), mc.matrix("W2", p, m), mc.matrix("W3", q, p)
tq = mc.vector("t", q)
mlp = mc.norm2(W3 @ mc.tanh(W2 @ mc.tanh(W1 @ x)) - tq) ** 2
h1 = mc.tanh(W1 @ x)
h2 = mc.tanh(W2 @ h1)
delta2 = (W3.T @ (W3 @ h2 - tq)) * (1 - h2**2)  # backprop: δ₂ = W₃ᵀr ⊙ (1 − h₂²)
delta1 = (W2.T @ delta2) * (1 - h1**2)  # δ₁ = W₂ᵀδ₂ ⊙ (1 − h₁²)

# (name, f, variable, the expected gradient in denominator layout)
CASES = [
    ("log of a squared norm", mc.log(x.T @ x), x, 2 * x / (x.T @ x)),
    ("log-sum-exp", mc.logsumexp(x), x, mc.softmax(x)),
    ("log det", mc.logdet(X), X, mc.inv(X).T),
    ("trace of a Gram matrix", mc.tr(X.T @ X) - 3, X, 2 * X),
    ("sum of traces", mc.tr(A @ X) + mc.tr(B @ X), X, A.T + B.T),
    ("ridge regression", mc.norm2(Am @ x - b) ** 2 + lam * mc.norm2(x) ** 2, x,
     2 * Am.T @ (Am @ x - b) + 2 * lam * x),
    ("softmax cross-entropy", -t.T @ mc.log(mc.softmax(z)), z, mc.sum(t) * mc.softmax(z) - t),
    ("logistic loss", mc.sum(mc.log(1 + mc.exp(-y * (Xd @ w)))), w,
     -Xd.T @ (y * mc.sigmoid(-y * (Xd @ w)))),
    ("3-layer MLP by W1", mlp, W1, 2 * delta1 @ x.T),
    ("3-layer MLP by W2", mlp, W2, 2 * delta2 @ h1.T),
    ("3-layer MLP by W3", mlp, W3, 2 * (W3 @ h2 - tq) @ h2.T),
]


@pytest.mark.parametrize("name,f,var,expected", CASES, ids=[c[0] for c in CASES])
def test_compact_form(name, f, var, expected):
    assert mc.diff(f, var) == simplify(expected), str(mc.diff(f, var))


@pytest.mark.parametrize("layout", mc.LAYOUTS)
@pytest.mark.parametrize("name,f,var,expected", CASES, ids=[c[0] for c in CASES])
def test_verified_numerically(name, f, var, expected, layout):
    report = mc.check(f, var, layout)
    assert report.ok, str(report)


def test_mlp_gradients_are_backprop_forms_without_diagonal_matrices():
    from matcalc.core.walk import postorder

    for W in (W1, W2, W3):
        kinds = {type(node).__name__ for node in postorder(mc.diff(mlp, W))}
        assert "Diag" not in kinds and "Kron" not in kinds
