"""The evaluation benchmark's cases: twelve derivatives, each with matcalc's generated code
(numpy and JAX), the best numpy we can write by hand (for speed: syrk where a Gram matrix
appears, scaling on the small factor, in-place updates), a straightforward numpy reference it
is checked against, the loss that JAX and PyTorch differentiate, and its FLOP and byte counts
(the least work any implementation must do, for the physical-limit column).

Four cases are the old ones, where a closed form wins by construction (xᵀAx's Hessian is the
constant A + Aᵀ); the other eight were not chosen for matcalc: matrix factorisation in its two
spellings, log-sum-exp's gradient and Hessian, a Gaussian log-likelihood by Σ, softmax
regression over a batch, a 2-layer tanh network's Hessian by its input, ridge regression's
gradient and Hessian, and attention's gradients.  ``CASES[key](quick)`` builds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.linalg
import scipy.linalg.lapack

import matcalc as mc
from matcalc.numeric.codegen import source as generated_source
from matcalc.rules.simplify import simplify

Outputs = tuple


@dataclass
class Case:
    key: str
    title: str
    #: "gradient" (value and gradients), "Hessian", "Jacobian", "gradient and Hessian"
    kind: str
    size: str
    #: the matcalc function(s): the loss with its variables (gradient kinds), or the outputs
    loss_expr: Any
    wrt: list
    inputs: dict[str, np.ndarray]
    reference: Callable[..., Outputs]
    fast: Callable[..., Outputs]
    #: loss(xp, *args) in numpy, jax.numpy or torch; args in this order, the first n_wrt
    #: differentiated (a Jacobian's function returns a vector)
    loss: Callable[..., Any]
    args: tuple[str, ...]
    flops: float
    bytes: float
    closed_form: bool = False
    n_wrt: int = 1
    #: ``library_only(**inputs)`` gives a call of no arguments that makes only the library
    #: calls of the hand-written formula that no numpy code can avoid (its matrix products and
    #: factorisations, and one exp or tanh of each element the loss takes it of), on operands
    #: computed beforehand: what numpy's BLAS and LAPACK reach on the case's shapes
    library_only: Callable[..., Callable[[], Any]] | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def source(self, backend: str = "numpy") -> str:
        if backend not in self.sources:
            self.sources[backend] = _generate(self, backend)
        return self.sources[backend]

    @property
    def name(self) -> str:
        return "f_and_grad" if self.kind == "gradient" else "f"


def _generate(case: Case, backend: str) -> str:
    f = case.loss_expr
    if case.kind == "gradient":
        return mc.codegen(f, wrt=case.wrt, backend=backend)
    if case.kind == "gradient and Hessian":
        x = case.wrt[0]
        outputs = [simplify(f), mc.diff(f, x), mc.hessian(f, x)]
        return generated_source(outputs, "f", ["f", "∇f", "∇²f"], backend=backend)
    if case.kind == "Hessian":
        return mc.codegen(mc.hessian(f, case.wrt[0]), backend=backend)
    return mc.codegen(mc.jacobian(f, case.wrt[0]), backend=backend)


def _torch(xp: Any) -> bool:
    return xp.__name__ == "torch"


def _max(xp, z, axis):
    return xp.amax(z, dim=axis, keepdim=True) if _torch(xp) else xp.max(z, axis=axis,
                                                                        keepdims=True)


def _sum(xp, z, axis):
    return z.sum(dim=axis, keepdim=True) if _torch(xp) else xp.sum(z, axis=axis, keepdims=True)


def logsumexp(xp, z, axis=0):
    top = _max(xp, z, axis)
    return top + xp.log(_sum(xp, xp.exp(z - top), axis))


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _col(v):
    return v.reshape(-1, 1)


# --- matrix factorisation ---------------------------------------------------------------------


def _mf(quick: bool, trace_form: bool) -> Case:
    m, n, r = (12, 9, 3) if quick else (1200, 900, 40)
    md, nd, rd = mc.dims("m n r")
    X, U, V = mc.matrix("X", md, nd), mc.matrix("U", md, rd), mc.matrix("V", nd, rd)
    E = X - U @ V.T
    f = mc.tr(E.T @ E) if trace_form else mc.norm2(E) ** 2
    rng = np.random.default_rng(1)
    inputs = {"U": rng.standard_normal((m, r)), "V": rng.standard_normal((n, r)),
              "X": rng.standard_normal((m, n))}

    def reference(U, V, X):
        E = X - U @ V.T
        return np.trace(E.T @ E), -2 * E @ V, -2 * E.T @ U

    def fast(U, V, X):
        E = U @ V.T
        np.subtract(X, E, out=E)  # one m×n array, reused
        return np.vdot(E, E), E @ (-2.0 * V), E.T @ (-2.0 * U)

    def loss(xp, U, V, X):
        E = X - U @ V.T
        return xp.trace(E.T @ E) if trace_form else xp.sum(E * E)

    def library_only(U, V, X):
        E = X - U @ V.T
        return lambda: (U @ V.T, E @ V, E.T @ U)

    spelled = "tr((X − UVᵀ)ᵀ(X − UVᵀ))" if trace_form else "‖X − UVᵀ‖²_F"
    return Case("mf-trace" if trace_form else "mf", f"{spelled} by U and V", "gradient",
                f"X {m}×{n}, rank {r}", f, [U, V], inputs, reference, fast, loss,
                ("U", "V", "X"), flops=6.0 * m * n * r, bytes=8.0 * (2 * m * n), n_wrt=2,
                library_only=library_only)


# --- log-sum-exp, softmax regression, attention -----------------------------------------------


def _lse(quick: bool) -> Case:
    n = 7 if quick else 1500
    z = mc.vector("z", mc.dims("n"))
    inputs = {"z": np.random.default_rng(2).standard_normal(n)}

    def reference(z):
        s = softmax(z, 0)
        return np.logaddexp.reduce(z), _col(s), np.diag(s) - np.outer(s, s)

    def fast(z):
        top = z.max()
        e = np.exp(z - top)
        total = e.sum()
        s = e / total
        H = np.multiply.outer(-s, s)  # one n×n array, its diagonal then raised in place
        H.flat[:: n + 1] += s
        return top + np.log(total), _col(s), H

    return Case("lse", "log-sum-exp gradient and Hessian", "gradient and Hessian", f"n = {n}",
                mc.logsumexp(z), [z], inputs, reference, fast,
                lambda xp, z: logsumexp(xp, z)[0], ("z",), flops=2.0 * n * n,
                bytes=8.0 * n * n)


def _softmax_regression(quick: bool) -> Case:
    B, d, k = (8, 5, 3) if quick else (2000, 500, 50)
    Bd, dd, kd = mc.dims("B d k")
    X, W, Y = mc.matrix("X", Bd, dd), mc.matrix("W", dd, kd), mc.matrix("Y", Bd, kd)
    f = -mc.sum(Y * mc.log_softmax(X @ W, axis=1))
    rng = np.random.default_rng(3)
    Yv = np.eye(k)[rng.integers(0, k, B)]
    inputs = {"W": rng.standard_normal((d, k)) / np.sqrt(d), "X": rng.standard_normal((B, d)),
              "Y": Yv}

    def reference(W, X, Y):
        Z = X @ W
        logp = Z - Z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        return -np.sum(Y * logp), X.T @ (np.exp(logp) * Y.sum(axis=1, keepdims=True) - Y)

    def fast(W, X, Y):
        Z = X @ W
        Z -= Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        total = E.sum(axis=1, keepdims=True)
        value = np.log(total)[:, 0] @ Y.sum(axis=1) - np.vdot(Y, Z)
        E *= Y.sum(axis=1, keepdims=True) / total
        E -= Y
        return value, X.T @ E

    def loss(xp, W, X, Y):
        Z = X @ W
        return -xp.sum(Y * (Z - logsumexp(xp, Z, 1)))

    def library_only(W, X, Y):
        Z = X @ W
        Z -= Z.max(axis=1, keepdims=True)
        E = softmax(Z, 1) - Y
        return lambda: (X @ W, np.exp(Z), X.T @ E)

    return Case("softmax", "softmax regression over a batch, by W", "gradient",
                f"B = {B}, d = {d}, k = {k}", f, [W], inputs, reference, fast, loss,
                ("W", "X", "Y"), flops=4.0 * B * d * k, bytes=8.0 * B * d,
                library_only=library_only)


def _attention(quick: bool) -> Case:
    T, d = (6, 3) if quick else (512, 64)
    Td, dd = mc.dims("T d")
    Q, K, V, G = (mc.matrix(s, Td, dd) for s in "QKVG")
    f = mc.sum(G * (mc.softmax(Q @ K.T, axis=1) @ V))
    rng = np.random.default_rng(4)
    inputs = {s: rng.standard_normal((T, d)) / (np.sqrt(d) if s in "QK" else 1) for s in "GKQV"}

    def reference(G, K, Q, V):
        S = softmax(Q @ K.T, 1)
        dS = G @ V.T
        dZ = S * (dS - (S * dS).sum(axis=1, keepdims=True))
        return np.sum(G * (S @ V)), dZ @ K, dZ.T @ Q, S.T @ G

    def fast(G, K, Q, V):
        S = Q @ K.T
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        S /= S.sum(axis=1, keepdims=True)
        dS = G @ V.T
        dS -= np.einsum("ij,ij->i", S, dS)[:, None]
        dS *= S
        return np.vdot(G, S @ V), dS @ K, dS.T @ Q, S.T @ G

    def loss(xp, Q, K, V, G):
        Z = Q @ K.T
        S = xp.exp(Z - logsumexp(xp, Z, 1))
        return xp.sum(G * (S @ V))

    def library_only(G, K, Q, V):
        Z = Q @ K.T
        Z -= Z.max(axis=1, keepdims=True)
        S = softmax(Z, 1)
        dZ = S * (G @ V.T)
        return lambda: (Q @ K.T, np.exp(Z), S @ V, G @ V.T, dZ @ K, dZ.T @ Q, S.T @ G)

    return Case("attention", "attention gradients by Q, K, V", "gradient", f"T = {T}, d = {d}",
                f, [Q, K, V], inputs, reference, fast, loss, ("Q", "K", "V", "G"),
                flops=12.0 * T * T * d, bytes=8.0 * 3 * T * T, n_wrt=3,
                library_only=library_only)


# --- Gaussian log-likelihood, ridge ----------------------------------------------------------


def _gaussian(quick: bool) -> Case:
    n = 5 if quick else 400
    nd = mc.dims("n")
    S, C = mc.matrix("S", nd, spd=True), mc.matrix("C", nd, symmetric=True)
    f = mc.logdet(S) + mc.tr(mc.inv(S) @ C)
    rng = np.random.default_rng(5)
    A, D = rng.standard_normal((n, n)), rng.standard_normal((2 * n, n))
    inputs = {"C": D.T @ D / (2 * n), "S": A @ A.T / n + np.eye(n)}

    def reference(C, S):
        Si = np.linalg.inv(S)
        return np.linalg.slogdet(S)[1] + np.trace(Si @ C), Si - Si @ C @ Si

    def fast(C, S):
        L, info = scipy.linalg.lapack.dpotrf(S, lower=True, clean=False)
        Si, info = scipy.linalg.lapack.dpotri(L, lower=True)  # n³ flops, not n solves' 2n³
        # potri writes the lower triangle; the upper one is its mirror, copied in place in
        # blocks of columns (tril temporaries' page faults cost more than potri here)
        U = Si.T
        for i in range(0, n, 64):
            j = min(i + 64, n)
            U[j:, i:j] = U[i:j, j:].T
            np.copyto(U[i:j, i:j], U[i:j, i:j].T, where=np.tri(j - i, k=-1, dtype=bool))
        A = Si @ C
        G = A @ Si
        np.subtract(Si, G, out=G)
        return 2 * np.sum(np.log(np.diag(L))) + np.trace(A), G

    def loss(xp, S, C):
        return xp.linalg.slogdet(S)[1] + xp.trace(xp.linalg.solve(S, C))

    def library_only(C, S):
        L = scipy.linalg.lapack.dpotrf(S, lower=True, clean=False)[0]
        Si = np.linalg.inv(S)
        A = Si @ C
        return lambda: (scipy.linalg.lapack.dpotrf(S, lower=True, clean=False),
                        scipy.linalg.lapack.dpotri(L, lower=True), Si @ C, A @ Si)

    return Case("gaussian", "Gaussian negative log-likelihood by Σ", "gradient", f"n = {n}",
                f, [S], inputs, reference, fast, loss, ("S", "C"), flops=5.0 * n ** 3,
                bytes=8.0 * 4 * n * n, library_only=library_only)


def _ridge(quick: bool) -> Case:
    m, n = (9, 4) if quick else (4000, 500)
    md, nd = mc.dims("m n")
    X, w, y, lam = mc.matrix("X", md, nd), mc.vector("w", nd), mc.vector("y", md), mc.scalar("lam")
    f = mc.norm2(X @ w - y) ** 2 + lam * mc.norm2(w) ** 2
    rng = np.random.default_rng(6)
    inputs = {"X": rng.standard_normal((m, n)), "lam": np.array(0.5), "w": rng.standard_normal(n),
              "y": rng.standard_normal(m)}

    def reference(X, lam, w, y):
        r = X @ w - y
        return (r @ r + lam * w @ w, _col(2 * X.T @ r + 2 * lam * w),
                2 * X.T @ X + 2 * lam * np.eye(n))

    def fast(X, lam, w, y):
        r = X @ w - y
        H = X.T @ X  # syrk: one triangle
        H *= 2.0
        H.flat[:: n + 1] += 2.0 * lam
        return np.vdot(r, r) + lam * np.vdot(w, w), _col(2.0 * (r @ X) + 2.0 * lam * w), H

    def loss(xp, w, X, y, lam):
        r = X @ w - y
        return xp.sum(r * r) + lam * xp.sum(w * w)

    def library_only(X, lam, w, y):
        r = X @ w - y
        return lambda: (X @ w, r @ X, X.T @ X)

    return Case("ridge", "ridge regression gradient and Hessian", "gradient and Hessian",
                f"m, n = {m}, {n}", f, [w], inputs, reference, fast, loss,
                ("w", "X", "y", "lam"), flops=1.0 * m * n * n, bytes=8.0 * m * n,
                library_only=library_only)


# --- networks ---------------------------------------------------------------------------------


def _tanh_hessian(quick: bool) -> Case:
    n, h = (4, 5) if quick else (400, 400)
    nd, hd = mc.dims("n h")
    x, a = mc.vector("x", nd), mc.vector("a", hd)
    W1, W2 = mc.matrix("W1", hd, nd), mc.matrix("W2", hd, hd)
    f = a.T @ mc.tanh(W2 @ mc.tanh(W1 @ x))
    rng = np.random.default_rng(7)
    inputs = {"W1": rng.standard_normal((h, n)) / np.sqrt(n),
              "W2": rng.standard_normal((h, h)) / np.sqrt(h), "a": rng.standard_normal(h),
              "x": rng.standard_normal(n)}

    def parts(W1, W2, a, x):
        u = np.tanh(W1 @ x)
        du = 1 - u * u
        v = np.tanh(W2 @ u)
        dv = 1 - v * v
        return u, du, v, dv, W2.T @ (dv * a)

    def reference(W1, W2, a, x):
        u, du, v, dv, g = parts(W1, W2, a, x)
        M = np.diag(-2 * u * du * g) + np.diag(du) @ W2.T @ np.diag(-2 * v * dv * a) @ W2 @ np.diag(du)
        return (W1.T @ M @ W1,)

    def fast(W1, W2, a, x):
        u, du, v, dv, g = parts(W1, W2, a, x)
        B = W2 * du  # W2 diag(du), by broadcasting
        M = (B.T * (-2.0 * v * dv * a)) @ B
        M.flat[:: h + 1] -= 2.0 * u * du * g
        return (W1.T @ (M @ W1),)

    def loss(xp, x, W1, W2, a):
        return a @ xp.tanh(W2 @ xp.tanh(W1 @ x))

    def library_only(W1, W2, a, x):
        u, du, v, dv, g = parts(W1, W2, a, x)
        B = W2 * du
        Bs = B.T * (-2.0 * v * dv * a)
        M = Bs @ B
        MW = M @ W1
        return lambda: (np.tanh(W1 @ x), np.tanh(W2 @ u), W2.T @ g, Bs @ B, M @ W1, W1.T @ MW)

    return Case("tanh-hessian", "2-layer tanh network's Hessian by its input", "Hessian",
                f"n = {n}, h = {h}", f, [x], inputs, reference, fast, loss,
                ("x", "W1", "W2", "a"), flops=2.0 * (h ** 3 + h * h * n + n * n * h),
                bytes=8.0 * (2 * h * h + h * n + n * n), library_only=library_only)


def _mlp(quick: bool) -> Case:
    B, d, h, k = (4, 3, 5, 2) if quick else (512, 1024, 1024, 10)
    Bd, dd, hd, kd = mc.dims("B d h k")
    X, T = mc.matrix("X", Bd, dd), mc.matrix("T", Bd, kd)
    W1, W2 = mc.matrix("W1", dd, hd), mc.matrix("W2", hd, kd)
    R = mc.tanh(X @ W1) @ W2 - T
    rng = np.random.default_rng(8)
    inputs = {"W1": rng.standard_normal((d, h)) / np.sqrt(d),
              "W2": rng.standard_normal((h, k)) / np.sqrt(h),
              "X": rng.standard_normal((B, d)), "T": rng.standard_normal((B, k))}

    def reference(T, W1, W2, X):
        H = np.tanh(X @ W1)
        R = H @ W2 - T
        G = (R @ W2.T) * (1 - H * H)
        return np.sum(R * R) / 2, X.T @ G, H.T @ R, G @ W1.T

    def fast(T, W1, W2, X):
        H = X @ W1
        np.tanh(H, out=H)
        R = H @ W2
        R -= T
        G = R @ W2.T
        G *= 1.0 - H * H
        return 0.5 * np.vdot(R, R), X.T @ G, H.T @ R, G @ W1.T

    def loss(xp, W1, W2, X, T):
        R = xp.tanh(X @ W1) @ W2 - T
        return xp.sum(R * R) / 2

    def library_only(T, W1, W2, X):
        Z = X @ W1
        H = np.tanh(Z)
        R = H @ W2 - T
        G = (R @ W2.T) * (1.0 - H * H)
        return lambda: (X @ W1, np.tanh(Z), H @ W2, R @ W2.T, X.T @ G, H.T @ R, G @ W1.T)

    return Case("mlp", "2-layer MLP gradient by W1, W2, X", "gradient",
                f"B = {B}, d = {d}, h = {h}, k = {k}", mc.sum(R * R) / 2, [W1, W2, X], inputs,
                reference, fast, loss, ("W1", "W2", "X", "T"), flops=6.0 * B * d * h,
                bytes=8.0 * (B * d + d * h), n_wrt=3, library_only=library_only)


def _logistic(quick: bool) -> Case:
    m, n = (7, 4) if quick else (2000, 500)
    md, nd = mc.dims("m n")
    X, w, y = mc.matrix("X", md, nd), mc.vector("w", nd), mc.vector("y", md)
    rng = np.random.default_rng(9)
    inputs = {"X": rng.standard_normal((m, n)), "w": rng.standard_normal(n) / np.sqrt(n),
              "y": rng.choice([-1.0, 1.0], size=m)}

    def reference(X, w, y):
        p = 1 / (1 + np.exp(y * (X @ w)))
        return (X.T @ np.diag(p * (1 - p) * y * y) @ X,)

    def fast(X, w, y):
        p = 1 / (1 + np.exp(y * (X @ w)))
        Xs = X * (np.sqrt(p * (1 - p)) * np.abs(y))[:, None]
        return (Xs.T @ Xs,)  # syrk

    def loss(xp, w, X, y):
        return xp.sum(xp.log(1 + xp.exp(-y * (X @ w))))

    def library_only(X, w, y):
        z = y * (X @ w)
        Xs = X * 0.5  # the scaled rows: syrk's cost does not depend on the values
        return lambda: (X @ w, np.exp(z), Xs.T @ Xs)

    return Case("logistic", "logistic-regression Hessian", "Hessian", f"m, n = {m}, {n}",
                mc.sum(mc.log(1 + mc.exp(-y * (X @ w)))), [w], inputs, reference, fast, loss,
                ("w", "X", "y"), flops=1.0 * m * n * n, bytes=8.0 * m * n, closed_form=True,
                library_only=library_only)


def _quadratic(quick: bool) -> Case:
    n = 5 if quick else 2000
    nd = mc.dims("n")
    x, A = mc.vector("x", nd), mc.matrix("A", nd)
    rng = np.random.default_rng(10)
    inputs = {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}
    return Case("quadratic", "xᵀAx Hessian", "Hessian", f"n = {n}", x.T @ A @ x, [x], inputs,
                lambda A, x: (A + A.T,), lambda A, x: (np.add(A, A.T),),
                lambda xp, x, A: x @ A @ x, ("x", "A"), flops=1.0 * n * n,
                bytes=8.0 * 3 * n * n, closed_form=True)


def _sigmoid_jacobian(quick: bool) -> Case:
    m = n = 5 if quick else 1000
    md, nd = mc.dims("m n")
    W, x = mc.matrix("W", md, nd), mc.vector("x", nd)
    rng = np.random.default_rng(11)
    inputs = {"W": rng.standard_normal((m, n)) / np.sqrt(n), "x": rng.standard_normal(n)}

    def reference(W, x):
        s = 1 / (1 + np.exp(-(W @ x)))
        return (np.diag(s * (1 - s)) @ W,)

    def fast(W, x):
        s = 1 / (1 + np.exp(-(W @ x)))
        return ((s * (1 - s))[:, None] * W,)

    return Case("sigmoid", "Jacobian of σ(Wx)", "Jacobian", f"m = n = {n}", mc.sigmoid(W @ x),
                [x], inputs, reference, fast,
                lambda xp, x, W: 1 / (1 + xp.exp(-(W @ x))), ("x", "W"), flops=3.0 * m * n,
                bytes=8.0 * 2 * m * n, closed_form=True)


CASES: dict[str, Callable[[bool], Case]] = {
    "mf": lambda q: _mf(q, False), "mf-trace": lambda q: _mf(q, True), "lse": _lse,
    "gaussian": _gaussian, "softmax": _softmax_regression, "tanh-hessian": _tanh_hessian,
    "ridge": _ridge, "attention": _attention, "mlp": _mlp, "logistic": _logistic,
    "quadratic": _quadratic, "sigmoid": _sigmoid_jacobian,
}
