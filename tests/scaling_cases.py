"""The inputs whose cost must grow linearly (issue 15): each case makes, for a size k, the
work to do at that size.  ``test_scaling.py`` counts the nodes each builds; the benchmark's
scaling section (``benchmarks/run.py``) times them and fits growth exponents."""

from __future__ import annotations

from typing import Callable

import matcalc as mc


def flat_sum(k: int) -> Callable[[], object]:
    """Parse a sum of k distinct terms, a0 + a1 + … (the text is about 6k characters)."""
    text = " + ".join(f"a{i}" for i in range(k))
    return lambda: mc.parse(text)


def long_product(k: int) -> Callable[[], object]:
    """Parse a product of k matrices, A0*A1*…"""
    text = "*".join(f"A{i}" for i in range(k))
    return lambda: mc.parse(text)


def elementwise_chain(k: int) -> Callable[[], object]:
    """The gradient of sum(exp(0.5 sin(…(x)))), k levels of exp(0.5 sin(·))."""
    x = mc.vector("x", mc.dims("n"))
    e = x
    for _ in range(k):
        e = mc.exp(0.5 * mc.sin(e))
    f = mc.sum(e)
    return lambda: mc.diff(f, x)


def reused_weight(k: int) -> Callable[[], object]:
    """The gradient of ‖A⋯A x‖² (k factors A) by A: one matrix used k times."""
    n = mc.dims("n")
    x, A = mc.vector("x", n), mc.matrix("A", n)
    e = x
    for _ in range(k):
        e = A @ e
    f = mc.norm2(e) ** 2
    return lambda: mc.diff(f, A)


def many_terms(k: int) -> Callable[[], object]:
    """The derivation, step by step, of a sum of k terms sin(aᵢᵀx) by x."""
    n = mc.dims("n")
    x = mc.vector("x", n)
    terms = [mc.sin(mc.vector(f"a{i}", n).T @ x) for i in range(k)]
    f = mc.add(*terms)
    return lambda: mc.derive(f, x)


def deep_hessian(k: int) -> Callable[[], object]:
    """The Hessian by x of sum(tanh(W_k ⋯ tanh(W_1 x))), k layers."""
    n = mc.dims("n")
    x = mc.vector("x", n)
    h = x
    for i in range(k):
        h = mc.tanh(mc.matrix(f"W{i}", n) @ h)
    f = mc.sum(h)
    return lambda: mc.hessian(f, x)


#: name -> (make, sizes the benchmark times, sizes the node-count test uses)
CASES = {
    "parse a flat sum": (flat_sum, (2500, 5000, 10000, 20000), (500, 1000)),
    "parse a long product": (long_product, (1000, 2000, 4000, 8000), (200, 400)),
    "nested elementwise chain": (elementwise_chain, (250, 500, 1000, 2000), (100, 200)),
    "reused weight": (reused_weight, (80, 160, 320, 640, 1280), (20, 40)),
    "derive a sum of terms": (many_terms, (625, 1250, 2500, 5000), (100, 200)),
    "deep Hessian": (deep_hessian, (10, 20, 40, 80), (10, 20)),
}
