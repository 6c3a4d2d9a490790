"""A k-layer tanh network for the depth tests: L = sum(h_k) or ‖h_k − t‖²."""

import matcalc as mc


def mlp(k: int, loss: str = "sum"):
    """(L, [W1, …, Wk]) with h_p = tanh(W_p h_{p−1}), h_0 = x, each layer its own dimension."""
    dims = mc.dims(" ".join(f"d{i}" for i in range(k + 1)))
    dims = dims if isinstance(dims, tuple) else (dims,)
    h = mc.vector("x", dims[0])
    weights = []
    for i in range(k):
        weights.append(mc.matrix(f"W{i + 1}", dims[i + 1], dims[i]))
        h = mc.tanh(weights[-1] @ h)
    if loss == "sum":
        return mc.sum(h), weights
    return mc.norm2(h - mc.vector("t", dims[-1])) ** 2, weights
