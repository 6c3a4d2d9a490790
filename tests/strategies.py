"""Hypothesis strategies: random well-shaped expressions, built shape-first.

Leaves come from a fixed pool of symbols over the dimensions n, m (distinct sizes in checks).
Every node type and every elementwise function can appear; functions with a restricted domain
get arguments inside it (log(1 + u**2), sqrt(1 + u**2), inv of an SPD matrix plus a square),
and exponentials get bounded arguments so that finite differences stay accurate.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

import matcalc as mc
from matcalc.core.expr import Func

n, m = mc.dims("n m")
SHAPES = {
    "s": (1, 1), "n": (n, 1), "m": (m, 1), "nn": (n, n), "mn": (m, n), "nm": (n, m), "mm": (m, m),
}
POOL = {
    "s": [mc.scalar("c"), mc.scalar("d")],
    "n": [mc.vector("x", n), mc.vector("y", n)],
    "m": [mc.vector("u", m)],
    "nn": [mc.matrix("A", n), mc.matrix("S", n, symmetric=True)],
    "mn": [mc.matrix("W", m, n)],
    "nm": [mc.matrix("V", n, m)],
    "mm": [mc.matrix("B", m)],
}
P = mc.matrix("P", n, spd=True)
TRANSPOSED = {"s": "s", "n": None, "m": None, "nn": "nn", "mn": "nm", "nm": "mn", "mm": "mm"}
SMOOTH = ["tanh", "sin", "cos", "sigmoid", "softplus"]
KINKED = ["relu", "abs"]


def leaf(key: str):
    options = list(POOL[key])
    if key == "s":
        options += [mc.core.expr.Const.new(2), mc.core.expr.Const.new(-0.5)]
    if key == "nn":
        options += [mc.eye(n)]
    if key in ("n", "m"):
        options += [mc.ones(SHAPES[key][0])]
    return st.sampled_from(options)


def _key_of_shape(rows, cols):
    for k, (r, c) in SHAPES.items():
        if k != "s" and r == rows and c == cols:
            return k
    return None


@functools.lru_cache(maxsize=None)
def exprs(key: str, depth: int):
    if depth <= 0:
        return leaf(key)
    sub = lambda k: exprs(k, depth - 1)  # noqa: E731
    rows, cols = SHAPES[key]
    options = [
        leaf(key),
        st.builds(lambda a, b: a + b, sub(key), sub(key)),
        st.builds(lambda a, b: a - b, sub(key), sub(key)),
        st.builds(lambda c, a: c * a, sub("s"), sub(key)),
        st.builds(lambda a, b: a * b, sub(key), sub(key)),
        st.builds(lambda f, a: Func.new(f, a), st.sampled_from(SMOOTH + KINKED), sub(key)),
        st.builds(lambda a: mc.exp(mc.sin(a)), sub(key)),
        st.builds(lambda a: mc.log(1 + a**2), sub(key)),
        st.builds(lambda a: mc.sqrt(1 + a**2), sub(key)),
        st.builds(lambda a: a**2, sub(key)),
        st.builds(lambda a, b: a / (1 + b**2), sub(key), sub("s")),
    ]
    t = TRANSPOSED[key]
    if t is not None:
        options.append(st.builds(lambda a: a.T, sub(t)))
    # matrix products through an inner dimension
    for inner in ("n", "m"):
        left = _key_of_shape(rows, SHAPES[inner][0])
        right = _key_of_shape(SHAPES[inner][0], cols)
        if key == "s":
            options.append(st.builds(lambda a, b: a.T @ b, sub(inner), sub(inner)))
        elif left and right:
            options.append(st.builds(lambda a, b: a @ b, sub(left), sub(right)))
    if key == "s":
        options += [
            st.builds(mc.sum, sub("mn")),
            st.builds(mc.sum, sub("n")),
            st.builds(mc.tr, sub("nn")),
            st.builds(mc.norm2, sub("n")),
            st.builds(mc.norm2, sub("mn")),
            st.builds(mc.logsumexp, sub("n")),
            st.builds(lambda a: mc.det(mc.eye(n) + a @ a.T / 10), sub("nn")),
            st.builds(lambda a: mc.logdet(P + a @ a.T), sub("nn")),
            st.builds(lambda a, b: mc.sum(mc.kron(a, b)), sub("n"), sub("m")),
        ]
    if key == "n":
        options += [
            st.builds(mc.softmax, sub("n")),
            st.builds(mc.diag, sub("nn")),
            st.builds(lambda a, b: mc.diag(a) @ b, sub("n"), sub("n")),
        ]
    if key == "nn":
        options += [
            st.builds(mc.diag, sub("n")),
            st.builds(lambda a: mc.inv(P + a @ a.T), sub("nn")),
        ]
    return st.one_of(*options)


@st.composite
def problems(draw, min_depth: int = 4):
    """(f, wrt) with f scalar or a vector, and wrt a symbol f can be differentiated by."""
    key = draw(st.sampled_from(["s", "s", "n", "m"]))
    f = draw(exprs(key, 4))
    symbols = sorted(f.free_symbols(), key=lambda s: s.name)
    if key == "s":
        allowed = symbols
    else:
        allowed = [s for s in symbols if s.cols == 1]
    if not allowed:
        allowed = [POOL["s"][0]]
    wrt = draw(st.sampled_from(allowed))
    return f, wrt
