"""Named derivations used by the golden snapshots, the KaTeX check and the notebooks' tests:
each name states the identity it shows."""

import matcalc as mc

n, m, p, q, N = mc.dims("n m p q N")
x, a, b = mc.vector("x", n), mc.vector("a", n), mc.vector("b", n)
A, X = mc.matrix("A", n), mc.matrix("X", n)
S = mc.matrix("S", n, symmetric=True)
W = mc.matrix("W", m, n)
bm, y, t = mc.vector("b", m), mc.vector("y", m), mc.vector("t", p)
W1, W2, W3 = mc.matrix("W1", m, n), mc.matrix("W2", p, m), mc.matrix("W3", q, p)
tq = mc.vector("t", q)
Ap, Bp, Xmn = mc.matrix("A", p, m), mc.matrix("B", n, p), mc.matrix("X", m, n)
z, tz = mc.vector("z", n), mc.vector("t", n)
lam, w = mc.scalar("lam"), mc.vector("w", n)
Xb, Wb, bb, G = mc.matrix("X", N, n), mc.matrix("W", n, m), mc.vector("b", m), mc.matrix("G", N, m)
Xa, Ga = mc.matrix("X", N, n), mc.matrix("G", N, n)
Y = Xb @ Wb + mc.ones(N) @ bb.T

#: name -> (f, wrt, layout, upstream)
CASES = {
    "linear_form_gradient": (a.T @ x, x, "denominator", None),
    "quadratic_form_copy_gate": (x.T @ A @ x, x, "denominator", None),
    "quadratic_form_numerator_transpose": (x.T @ A @ x, x, "numerator", None),
    "quadratic_form_symmetric": (x.T @ S @ x, x, "denominator", None),
    "least_squares": (mc.norm2(W @ x - bm) ** 2, x, "denominator", None),
    "ridge_regression": (mc.norm2(W @ x - bm) ** 2 + lam * mc.norm2(x) ** 2, x, "denominator", None),
    "cookbook_49_det_jacobi": (mc.det(X), X, "denominator", None),
    "cookbook_57_logdet": (mc.logdet(X), X, "denominator", None),
    "cookbook_61_inverse_bilinear": (a.T @ mc.inv(X) @ b, X, "denominator", None),
    "cookbook_100_trace_AXB": (mc.tr(Ap @ Xmn @ Bp), Xmn, "denominator", None),
    "softmax_cross_entropy": (-tz.T @ mc.log(mc.softmax(z)), z, "denominator", None),
    "logistic_loss": (mc.sum(mc.log(1 + mc.exp(-y * (W @ w)))), w, "denominator", None),
    "sigmoid_layer_jacobian": (mc.sigmoid(W @ x), x, "numerator", None),
    "vectored_chain_rule_denominator": (W3 @ mc.tanh(W2 @ mc.tanh(W1 @ x)), x, "denominator", None),
    "vectored_chain_rule_numerator": (W3 @ mc.tanh(W2 @ mc.tanh(W1 @ x)), x, "numerator", None),
    "backprop_two_layers_W1": (mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2, W1, "denominator", None),
    "backprop_three_layers_W1": (mc.norm2(W3 @ mc.tanh(W2 @ mc.tanh(W1 @ x)) - tq) ** 2, W1,
                                 "denominator", None),
    "batch_linear_layer_dX": (Y, Xb, "denominator", G),
    "batch_linear_layer_dW": (Y, Wb, "denominator", G),
    "batch_linear_layer_db": (Y, bb, "denominator", G),
    "batch_activation_layer": (mc.sigmoid(Xa), Xa, "denominator", Ga),
}


def derivation(name: str) -> mc.Derivation:
    f, wrt, layout, upstream = CASES[name]
    return mc.derive(f, wrt, layout, upstream=upstream)
