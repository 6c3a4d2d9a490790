"""Hypothesis strategies: random well-shaped expressions, built shape-first, from the tables.

Leaves come from a fixed pool of symbols over the dimensions n, m (distinct sizes in checks).
Every elementwise function in the function table and every one-argument node in the node table
can be drawn: a function's argument is mapped into its domain (from the entry's Interval), and a
node's argument has the kind its spec row names (square, vector, any), made positive definite
where the row says so (inv, det, logdet).  The binary and leaf nodes are listed here.
"""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

import matcalc as mc
from matcalc.core.expr import Const, Func
from matcalc.core.functions import FUNCTIONS
from matcalc.core.nodes import NODE_TYPES, Unary

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
SPD = {"nn": mc.matrix("P", n, spd=True), "mm": mc.matrix("Q", m, spd=True)}
TRANSPOSED = {"s": "s", "n": None, "m": None, "nn": "nn", "mn": "nm", "nm": "mn", "mm": "mm"}
#: the keys an argument kind of a spec row admits
ARGUMENT_KEYS = {"any": ["n", "m", "nn", "mn", "nm", "mm"], "square": ["nn", "mm"],
                 "vector": ["n", "m"]}
#: node types drawn only where a placeholder is meant (derivations), never in a random expression
PLACEHOLDERS = {"Differential", "PendingDifferential", "Partial"}
#: the factors first derivatives of matrix and spectral functions are made of (L_f(X)[E], K_f(X),
#: the divided differences F⁽¹⁾_f(S), the eigenvectors, U Vᵀ, u₁v₁ᵀ): never differentiated (a second derivative through them is an
#: UnsupportedError), so a random expression to differentiate does not contain them
DERIVATIVE_FACTORS = {"ExpmKron", "LogmKron", "SqrtmKron", "SecondFrechet", "SecondKroneckerForm",
                      "EigenGaps", "ExpmDivdiff2", "LogmDivdiff2", "SqrtmDivdiff2"}
#: the factors first derivatives are made of (L_f(X)[E], the divided differences F⁽¹⁾_f(S), the
#: eigenvectors, U Vᵀ, u₁v₁ᵀ): differentiated once, for Hessians (each has a numeric example),
#: but not drawn in random expressions, whose Hessians through them would be third derivatives
FIRST_ORDER_FACTORS = {"Frechet", "ExpmDivdiff", "LogmDivdiff", "SqrtmDivdiff", "Eigvecsh", "Polar",
                       "TopSingular"}
#: well-conditioned matrices of each shape: a small bounded change of one keeps full rank,
#: distinct eigenvalues and a simple top singular value (the assumptions of pinv, eigvalsh,
#: nuclear_norm and spectral_norm)
WELL_POSED = {"nn": mc.matrix("P", n, spd=True), "mm": mc.matrix("Q", m, spd=True),
              "mn": POOL["mn"][0], "nm": POOL["nm"][0], "n": POOL["n"][0], "m": POOL["m"][0]}


def leaf(key: str):
    options = list(POOL[key])
    if key == "s":
        options += [Const.new(2), Const.new(-0.5)]
    else:
        options += [mc.zeros(*SHAPES[key]) + POOL[key][0]]  # a zero that simplifies away
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


def in_domain(name: str, a):
    """f(a) with a mapped into f's domain, read off the function table, and kept within
    a few units, so that finite differences stay accurate: mid + half-width · sin(a) on a
    bounded domain, low + ½ + a² on one bounded below, 2 sin(a) on the real line."""
    domain = FUNCTIONS[name].domain
    lo, hi = domain.low, domain.high
    if math.isfinite(lo) and math.isfinite(hi):
        arg = (lo + hi) / 2 + 0.45 * (hi - lo) * mc.sin(a)
    elif math.isfinite(lo):
        arg = lo + 0.5 + a**2
    elif math.isfinite(hi):
        arg = hi - 0.5 - a**2
    else:
        arg = 2 * mc.sin(a)
    return Func.new(name, arg)


def _result_key(result: str, arg_key: str) -> str | None:
    return {"scalar": "s", "same": arg_key, "transposed": TRANSPOSED[arg_key],
            "diagonal": {"n": "nn", "m": "mm"}.get(arg_key),
            "diagonal part": {"nn": "n", "mm": "m"}.get(arg_key)}.get(result)


def _operation(cls, arg_key: str):
    def build(a):
        if cls.spec.definite_argument:  # inv, det, logdet, logm, sqrtm
            a = SPD[arg_key] + a @ a.T / 10
        elif cls.__name__ == "Expm":
            a = mc.sin(a)  # bounded: no overflow
        elif cls.__name__ in ("Pinv", "Eigvalsh", "NuclearNorm", "SpectralNorm"):
            a = WELL_POSED[arg_key] + mc.sin(a) / 10
        return cls.new(a)

    return build


def operation_options(key: str, sub) -> list:
    """Every one-argument node whose row gives a result of shape ``key``."""
    out = []
    for cls in NODE_TYPES:
        never = DERIVATIVE_FACTORS | FIRST_ORDER_FACTORS
        if issubclass(cls, Unary) and cls.spec.argument and cls.__name__ not in never:
            for arg_key in ARGUMENT_KEYS[cls.spec.argument]:
                if _result_key(cls.spec.result, arg_key) == key:
                    out.append(st.builds(_operation(cls, arg_key), sub(arg_key)))
    return out


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
        st.builds(in_domain, st.sampled_from(sorted(FUNCTIONS)), sub(key)),
        st.builds(lambda a: a**2, sub(key)),
        st.builds(lambda a, b: a / (1 + b**2), sub(key), sub("s")),
        *operation_options(key, sub),
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
            st.builds(lambda a, b: mc.sum(mc.kron(a, b)), sub("n"), sub("m")),
            # vec and the commutation matrix: K₍ₘ,ₙ₎ vec(W) = vec(Wᵀ)
            st.builds(lambda a, b: mc.vec(a).T @ mc.commutation(m, n) @ mc.vec(b),
                      sub("nm"), sub("mn")),
        ]
    if key == "n":
        options.append(st.builds(lambda a, b: mc.diag(a) @ b, sub("n"), sub("n")))
    if key in ("mn", "nm", "nn"):  # along an axis: each row, each column
        options += [st.builds(lambda a, k: mc.softmax(a, axis=k), sub(key), st.sampled_from([0, 1])),
                    st.builds(lambda a, k: mc.log_softmax(a, axis=k), sub(key),
                              st.sampled_from([0, 1]))]
    if key == "m":
        options.append(st.builds(lambda a: mc.logsumexp(a, axis=1), sub("mn")))
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
