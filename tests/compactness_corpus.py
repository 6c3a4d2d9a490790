"""Textbook forms of derivatives, each with its reference: the compactness corpus.

Each entry is (reference, f, variable, textbook form, order): the textbook writes the
gradient (denominator layout: the variable's shape) or, with order 2, the Hessian of f by the
variable as the given expression.  ``tests/test_compactness.py`` checks that matcalc's result
equals the textbook form at random points and is not much longer than it on paper.

References: MC = The Matrix Cookbook (Petersen & Pedersen, 2012), by equation number;
ML = the standard forms of machine-learning texts (Bishop, PRML 2006; Goodfellow et al.,
Deep Learning 2016; Murphy, PML 2022), by the loss they differentiate.
"""

import matcalc as mc

n, m, p, N, d = mc.dims("n m p N d")

# square n×n matrices, m×n and n×p ones, vectors
X, A, B, C = (mc.matrix(s, n) for s in "XABC")
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)
Y = mc.matrix("Y", m, n)  # a rectangular variable
T = mc.matrix("T", n, m)  # a tall one (full column rank)
U, V = mc.matrix("U", m, p), mc.matrix("V", n, p)
F = mc.matrix("F", m, n)
D = mc.matrix("D", m, m)
E = mc.matrix("E", n, m)
x, a, b, c, s, mu, w = (mc.vector(v, n) for v in ("x", "a", "b", "c", "s", "mu", "w"))
u, t, y = mc.vector("u", m), mc.vector("t", m), mc.vector("y", m)
M = mc.matrix("M", m, n)  # a data matrix: m samples, n features
W1, W2 = mc.matrix("W1", p, n), mc.matrix("W2", m, p)
lam = mc.scalar("lam")
I = mc.eye(n)
tanh, sigmoid, log, exp = mc.tanh, mc.sigmoid, mc.log, mc.exp


def sq(e):
    return mc.norm2(e) ** 2


H1 = tanh(W1 @ x)
R = M @ w - y  # a residual

CORPUS = [
    # -- determinants (MC 2.1.1) ------------------------------------------------------------------
    ("MC 49: ∂det(X)/∂X", mc.det(X), X, mc.det(X) * mc.inv(X).T, 1),
    ("MC 51: ∂det(AXB)/∂X", mc.det(A @ X @ B), X, mc.det(A @ X @ B) * mc.inv(X).T, 1),
    ("MC 57: ∂ln det(X)/∂X", mc.logdet(X), X, mc.inv(X).T, 1),
    ("MC 55: ∂ln det(TᵀT)/∂T", mc.logdet(T.T @ T), T, 2 * T @ mc.inv(T.T @ T), 1),
    ("MC 52: ∂det(TᵀPT)/∂T (P symmetric)", mc.det(T.T @ P @ T), T,
     2 * mc.det(T.T @ P @ T) * P @ T @ mc.inv(T.T @ P @ T), 1),
    ("MC 56: ∂det(X³)/∂X", mc.det(X @ X @ X), X, 3 * mc.det(X @ X @ X) * mc.inv(X).T, 1),
    ("MC 50: ∂det(X²)/∂X", mc.det(X @ X), X, 2 * mc.det(X) ** 2 * mc.inv(X).T, 1),
    ("MC 58: ∂ln|det X|/∂X", log(mc.abs(mc.det(X))), X, mc.inv(X).T, 1),
    ("MC 59: ∂det(X⁻¹)/∂X", mc.det(mc.inv(X)), X, -mc.det(mc.inv(X)) * mc.inv(X).T, 1),
    ("MC 54: ∂ln det(XXᵀ)... by P: ∂ln det(P)/∂P (P spd)", mc.logdet(P), P, mc.inv(P), 1),
    # -- inverses (MC 2.2) ----------------------------------------------------------------------
    ("MC 61: ∂aᵀX⁻¹b/∂X", a.T @ mc.inv(X) @ b, X,
     -mc.inv(X).T @ a @ b.T @ mc.inv(X).T, 1),
    ("MC 63: ∂tr(AX⁻¹B)/∂X", mc.tr(A @ mc.inv(X) @ B), X,
     -mc.inv(X).T @ A.T @ B.T @ mc.inv(X).T, 1),
    ("MC 124: ∂tr(X⁻¹)/∂X", mc.tr(mc.inv(X)), X, -mc.inv(X).T @ mc.inv(X).T, 1),
    ("MC 64: ∂tr((X + A)⁻¹)/∂X", mc.tr(mc.inv(X + A)), X,
     -mc.inv(X + A).T @ mc.inv(X + A).T, 1),
    # -- first-order traces (MC 2.5.1) ----------------------------------------------------------
    ("MC 100: ∂tr(X)/∂X", mc.tr(X), X, I, 1),
    ("MC 101: ∂tr(XA)/∂X", mc.tr(X @ A), X, A.T, 1),
    ("MC 102: ∂tr(AXB)/∂X", mc.tr(A @ X @ B), X, A.T @ B.T, 1),
    ("MC 103: ∂tr(AXᵀB)/∂X", mc.tr(A @ X.T @ B), X, B @ A, 1),
    ("MC 104: ∂tr(XᵀA)/∂X", mc.tr(X.T @ A), X, A, 1),
    ("MC 105: ∂tr(AXᵀ)/∂X", mc.tr(A @ X.T), X, A, 1),
    ("MC 106: ∂tr(A ⊗ X)/∂X", mc.tr(mc.kron(A, X)), X, mc.tr(A) * I, 1),
    # -- second-order traces (MC 2.5.2) ----------------------------------------------------------
    ("MC 107: ∂tr(X²)/∂X", mc.tr(X @ X), X, 2 * X.T, 1),
    ("MC 108: ∂tr(X²B)/∂X", mc.tr(X @ X @ B), X, (X @ B + B @ X).T, 1),
    ("MC 109: ∂tr(XᵀBX)/∂X", mc.tr(X.T @ B @ X), X, B @ X + B.T @ X, 1),
    ("MC 110: ∂tr(BXXᵀ)/∂X", mc.tr(B @ X @ X.T), X, B @ X + B.T @ X, 1),
    ("MC 111: ∂tr(XXᵀB)/∂X", mc.tr(X @ X.T @ B), X, B @ X + B.T @ X, 1),
    ("MC 112: ∂tr(XBXᵀ)/∂X", mc.tr(X @ B @ X.T), X, X @ B.T + X @ B, 1),
    ("MC 113: ∂tr(BXᵀX)/∂X", mc.tr(B @ X.T @ X), X, X @ B.T + X @ B, 1),
    ("MC 114: ∂tr(XᵀXB)/∂X", mc.tr(X.T @ X @ B), X, X @ B.T + X @ B, 1),
    ("MC 115: ∂tr(AXBX)/∂X", mc.tr(A @ X @ B @ X), X, A.T @ X.T @ B.T + B.T @ X.T @ A.T, 1),
    ("MC 116: ∂tr(XᵀX)/∂X", mc.tr(X.T @ X), X, 2 * X, 1),
    ("MC 117: ∂tr(BᵀXᵀCXB)/∂X", mc.tr(B.T @ X.T @ C @ X @ B), X,
     C.T @ X @ B @ B.T + C @ X @ B @ B.T, 1),
    ("MC 118: ∂tr(XᵀBXC)/∂X", mc.tr(X.T @ B @ X @ C), X, B @ X @ C + B.T @ X @ C.T, 1),
    ("MC 119: ∂tr(AXBXᵀC)/∂X", mc.tr(A @ X @ B @ X.T @ C), X,
     A.T @ C.T @ X @ B.T + C @ A @ X @ B, 1),
    ("MC 120: ∂tr((AXB + C)(AXB + C)ᵀ)/∂X", mc.tr((A @ X @ B + C) @ (A @ X @ B + C).T), X,
     2 * A.T @ (A @ X @ B + C) @ B.T, 1),
    ("MC 121: ∂tr(X ⊗ X)/∂X", mc.tr(mc.kron(X, X)), X, 2 * mc.tr(X) * I, 1),
    ("MC 122: ∂tr(X³)/∂X", mc.tr(X @ X @ X), X, 3 * (X @ X).T, 1),
    ("MC 125: ∂tr(XᵀSX)/∂X (S symmetric)", mc.tr(X.T @ S @ X), X, 2 * S @ X, 1),
    # -- linear and quadratic forms (MC 2.4) ------------------------------------------------------
    ("MC 69: ∂xᵀa/∂x", x.T @ a, x, a, 1),
    ("MC 69: ∂aᵀx/∂x", a.T @ x, x, a, 1),
    ("MC 70: ∂aᵀXb/∂X", a.T @ X @ b, X, a @ b.T, 1),
    ("MC 71: ∂aᵀXᵀb/∂X", a.T @ X.T @ b, X, b @ a.T, 1),
    ("MC 72: ∂aᵀXa/∂X", a.T @ X @ a, X, a @ a.T, 1),
    ("MC 77: ∂bᵀXᵀXc/∂X", b.T @ X.T @ X @ c, X, X @ (b @ c.T + c @ b.T), 1),
    ("MC 78: ∂(Bx + b)ᵀC(Dx + d)/∂x", (B @ x + b).T @ C @ (A @ x + c), x,
     B.T @ C @ (A @ x + c) + A.T @ C.T @ (B @ x + b), 1),
    ("MC 79: ∂xᵀBx/∂x", x.T @ B @ x, x, (B + B.T) @ x, 1),
    ("MC 80: ∂bᵀXᵀDXc/∂X", b.T @ X.T @ A @ X @ c, X, A.T @ X @ b @ c.T + A @ X @ c @ b.T, 1),
    ("MC 81: ∂(Xb + c)ᵀD(Xb + c)/∂X", (X @ b + c).T @ A @ (X @ b + c), X,
     (A + A.T) @ (X @ b + c) @ b.T, 1),
    ("MC 84: ∂(x − s)ᵀS(x − s)/∂x", (x - s).T @ S @ (x - s), x, 2 * S @ (x - s), 1),
    ("MC 85: ∂(x − As)ᵀS(x − As)/∂s", (x - A @ s).T @ S @ (x - A @ s), s,
     -2 * A.T @ S @ (x - A @ s), 1),
    ("MC 86: ∂(x − As)ᵀS(x − As)/∂A", (x - A @ s).T @ S @ (x - A @ s), A,
     -2 * S @ (x - A @ s) @ s.T, 1),
    ("MC 88: ∂aᵀXXb/∂X", a.T @ X @ X @ b, X, a @ b.T @ X.T + X.T @ a @ b.T, 1),
    ("MC 131: ∂‖x‖²/∂x", x.T @ x, x, 2 * x, 1),
    ("MC 129: ∂‖x − a‖₂/∂x", mc.norm2(x - a), x, (x - a) / mc.norm2(x - a), 1),
    ("MC 145: ∂‖X‖²_F/∂X", sq(X), X, 2 * X, 1),
    ("MC 89: ∂‖Ax − b‖²/∂x", sq(A @ x - b), x, 2 * A.T @ (A @ x - b), 1),
    ("MC 89: ∂‖Ax − b‖²/∂A", sq(A @ x - b), A, 2 * (A @ x - b) @ x.T, 1),
    ("MC 90: ∂(aᵀx)(xᵀb)/∂x", (a.T @ x) * (x.T @ b), x, (b.T @ x) * a + (a.T @ x) * b, 1),
    ("MC 91: ∂(aᵀx)²/∂x", (a.T @ x) ** 2, x, 2 * (a.T @ x) * a, 1),
    ("MC 92: ∂xᵀAy/∂A", x.T @ A @ b, A, x @ b.T, 1),
    # -- Hessians (MC 2.4.2, ML) ------------------------------------------------------------------
    ("MC 81: ∂²xᵀBx/∂x∂xᵀ", x.T @ B @ x, x, B + B.T, 2),
    ("MC 84: ∂²(x − s)ᵀS(x − s)/∂x∂xᵀ", (x - s).T @ S @ (x - s), x, 2 * S, 2),
    ("ML: Hessian of ½‖Mw − y‖²", sq(R) / 2, w, M.T @ M, 2),
    ("ML: Hessian of log-sum-exp", mc.logsumexp(x), x,
     mc.diag(mc.softmax(x)) - mc.softmax(x) @ mc.softmax(x).T, 2),
    ("ML: Hessian of ridge ½‖Mw − y‖² + ½λ‖w‖²", sq(R) / 2 + lam * (w.T @ w) / 2, w,
     M.T @ M + lam * I, 2),
    # -- machine-learning losses --------------------------------------------------------------------
    ("ML: least squares ½‖Mw − y‖²", sq(R) / 2, w, M.T @ R, 1),
    ("ML: mean squared error ‖Mw − y‖²/N", sq(R) / N, w, 2 * M.T @ R / N, 1),
    ("ML: ridge ½‖Mw − y‖² + ½λ‖w‖²", sq(R) / 2 + lam * (w.T @ w) / 2, w,
     M.T @ R + lam * w, 1),
    ("ML: least absolute deviations ‖Mw − y‖₁", mc.norm1(R), w, M.T @ mc.sign(R), 1),
    ("ML: logistic loss Σ log(1 + exp(−y ⊙ Mw))", mc.sum(log(1 + exp(-y * (M @ w)))), w,
     -M.T @ (y * sigmoid(-y * (M @ w))), 1),
    ("ML: sigmoid cross-entropy", -mc.sum(y * log(sigmoid(M @ w))
                                          + (1 - y) * log(1 - sigmoid(M @ w))), w,
     M.T @ (sigmoid(M @ w) - y), 1),
    ("ML: Poisson regression Σ exp(Mw) − yᵀMw", mc.sum(exp(M @ w)) - y.T @ M @ w, w,
     M.T @ (exp(M @ w) - y), 1),
    ("ML: log-sum-exp", mc.logsumexp(x), x, mc.softmax(x), 1),
    ("ML: log-sum-exp of a linear map", mc.logsumexp(M @ w), w, M.T @ mc.softmax(M @ w), 1),
    ("ML: softmax cross-entropy by W", -t.T @ mc.log_softmax(Y @ x), Y,
     (mc.sum(t) * mc.softmax(Y @ x) - t) @ x.T, 1),
    ("ML: softmax cross-entropy by the logits", -t.T @ mc.log_softmax(u), u,
     mc.sum(t) * mc.softmax(u) - t, 1),
    ("ML: Gaussian NLL by μ", (x - mu).T @ mc.inv(P) @ (x - mu) / 2, mu,
     mc.inv(P) @ (mu - x), 1),
    ("ML: Gaussian NLL by Σ", mc.logdet(P) / 2 + (x - mu).T @ mc.inv(P) @ (x - mu) / 2, P,
     (mc.inv(P) - mc.inv(P) @ (x - mu) @ (x - mu).T @ mc.inv(P)) / 2, 1),
    ("ML: Gaussian MLE log det Σ + tr(Σ⁻¹C) by Σ", mc.logdet(P) + mc.tr(mc.inv(P) @ S), P,
     mc.inv(P) - mc.inv(P) @ S @ mc.inv(P), 1),
    ("ML: two-layer network by W₁", sq(W2 @ H1 - t), W1,
     2 * ((1 - H1 ** 2) * (W2.T @ (W2 @ H1 - t))) @ x.T, 1),
    ("ML: two-layer network by W₂", sq(W2 @ H1 - t), W2, 2 * (W2 @ H1 - t) @ H1.T, 1),
    ("ML: sigmoid layer by its input", mc.sum(sigmoid(Y @ x)), x,
     Y.T @ (sigmoid(Y @ x) * (1 - sigmoid(Y @ x))), 1),
    ("ML: ReLU layer by its weight", mc.sum(mc.relu(Y @ x)), Y, mc.step(Y @ x) @ x.T, 1),
    ("ML: softplus layer by its weight", mc.sum(mc.softplus(Y @ x)), Y,
     sigmoid(Y @ x) @ x.T, 1),
    ("ML: tanh readout aᵀtanh(Yx) by Y", u.T @ tanh(Y @ x), Y,
     (u * (1 - tanh(Y @ x) ** 2)) @ x.T, 1),
    ("ML: weight decay ‖Y‖²_F", sq(Y), Y, 2 * Y, 1),
    ("ML: matrix factorisation ‖F − UVᵀ‖² by U", sq(F - U @ V.T), U, -2 * (F - U @ V.T) @ V, 1),
    ("ML: matrix factorisation ‖F − UVᵀ‖² by V", sq(F - U @ V.T), V,
     -2 * (F - U @ V.T).T @ U, 1),
    ("ML: batch linear layer ⟨G, MW⟩ by W", mc.sum(mc.matrix("G", m, p) * (M @ mc.matrix(
        "W", n, p))), mc.matrix("W", n, p), M.T @ mc.matrix("G", m, p), 1),
    ("ML: batch linear layer ⟨G, MW⟩ by M", mc.sum(mc.matrix("G", m, p) * (M @ mc.matrix(
        "W", n, p))), M, mc.matrix("G", m, p) @ mc.matrix("W", n, p).T, 1),
    ("ML: attention output by V: ⟨G, PV⟩", mc.sum(mc.matrix("G", m, p) * (mc.softmax(
        M @ E, axis=1) @ mc.matrix("Vv", m, p))), mc.matrix("Vv", m, p),
     mc.softmax(M @ E, axis=1).T @ mc.matrix("G", m, p), 1),
    ("ML: cosine numerator xᵀa/‖x‖ by x", (x.T @ a) / mc.norm2(x), x,
     a / mc.norm2(x) - (x.T @ a) * x / mc.norm2(x) ** 3, 1),
    ("ML: Rayleigh quotient xᵀSx/xᵀx", (x.T @ S @ x) / (x.T @ x), x,
     2 * (S @ x - (x.T @ S @ x) / (x.T @ x) * x) / (x.T @ x), 1),
    ("ML: mean of x", mc.mean(x), x, mc.ones(n) / n, 1),
    ("ML: sum of exp", mc.sum(exp(x)), x, exp(x), 1),
    ("ML: Hadamard inner product sum(x ⊙ a)", mc.sum(x * a), x, a, 1),
    ("ML: ‖x‖₂", mc.norm2(x), x, x / mc.norm2(x), 1),
    ("ML: log det(I + YYᵀ)… as log det(I + XXᵀ)", mc.logdet(I + X @ X.T), X,
     2 * mc.inv(I + X @ X.T) @ X, 1),
    ("ML: trace regulariser tr(XᵀSX) by S", mc.tr(X.T @ S @ X), S, X @ X.T, 1),
    ("ML: nuclear norm", mc.nuclear_norm(Y), Y, mc.polar(Y), 1),
    ("ML: spectral norm", mc.spectral_norm(Y), Y, mc.top_singular(Y), 1),
    ("ML: trace of the matrix exponential", mc.tr(mc.expm(X)), X, mc.expm(X).T, 1),
    ("ML: L1 penalty ‖x‖₁", mc.norm1(x), x, mc.sign(x), 1),
]
