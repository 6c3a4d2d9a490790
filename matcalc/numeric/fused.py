"""Fused forms the generator writes instead of the literal operations, each doing less work
for the same value:

* tr(LR) = Σᵢⱼ Lᵢⱼ Rⱼᵢ: an elementwise sum (``np.vdot``), never the full product LR
  (tr(AᵀB) = ⟨A, B⟩; for a longer product, the split with the cheapest two halves);
* ‖E‖² = ⟨E, E⟩ (``np.vdot``), not a square root squared;
* diag(v) + M (and diag(v) − M) written into the fresh array M: the log-sum-exp Hessian
  diag(s) − ssᵀ makes one n×n array, not three;
* c · (A B ⋯) = (c A) B ⋯ with c on the smallest factor: one small array scaled, not the result;
* sum(A ⊙ B) = ⟨A, B⟩ (``np.vdot``): no product array to sum.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from matcalc.core.expr import Add, Const, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.nodes import Commutation, Diag, Identity, Inverse, Kron, Norm2
from matcalc.numeric.products import matmul_code, size_estimate
from matcalc.rules.simplify import c_transpose


def _area(e: Expr) -> int:
    return size_estimate(e.rows) * size_estimate(e.cols)


def _chain_cost(factors: tuple[Expr, ...]) -> int:
    """The multiplications of a product of these factors from the left (an estimate)."""
    cost, rows = 0, size_estimate(factors[0].rows)
    for left, right in zip(factors, factors[1:]):
        cost += rows * size_estimate(left.cols) * size_estimate(right.cols)
    return cost


def _half(factors: tuple[Expr, ...], text_of: dict, emit) -> tuple[Optional[Expr], str]:
    if len(factors) == 1:
        return factors[0], text_of[factors[0]]
    node = MatMul.new(*factors)
    return None, matmul_code(node, [text_of[f] for f in factors], text_of, emit)


def trace_code(node: Expr, text_of: dict, emit: Callable[[str], str]) -> Optional[str]:
    """tr(L R) as Σ L ⊙ Rᵀ, for a trace of a product of plain factors; None otherwise."""
    P = node.args[0]
    if not isinstance(P, MatMul) or P.is_scalar or any(
            isinstance(f, (Diag, Kron, Commutation)) or f not in text_of
            or (isinstance(f, Inverse) and not text_of[f].isidentifier())  # a solve, unformed
            for f in P.args):  # (a product written as a twin's transpose has no factor texts)
        return None
    factors = P.args
    split = min(range(1, len(factors)),
                key=lambda s: _chain_cost(factors[:s]) + _chain_cost(factors[s:]))
    L, left = _half(factors[:split], text_of, emit)
    R, right = _half(factors[split:], text_of, emit)
    if isinstance(R, Transpose):
        return f"np.vdot({left}, {text_of[R.args[0]]})"
    if isinstance(L, Transpose):
        return f"np.vdot({text_of[L.args[0]]}, {right})"
    for side, other, first in ((R, left, True), (L, right, False)):
        if side is not None and c_transpose(side) in text_of:
            twin = text_of[c_transpose(side)]
            return f"np.vdot({other}, {twin})" if first else f"np.vdot({twin}, {other})"
    return f'np.einsum("ij,ji->", {left}, {right})'


def sum_code(node: Expr, text_of: dict, uses: dict) -> Optional[str]:
    """sum(c A ⊙ B) as c ⟨A, B⟩, for an elementwise product of two arrays (and numbers) used
    only in this sum; None otherwise."""
    P = node.args[0]
    if not isinstance(P, Mul) or P.is_scalar or uses.get(P, 0) > 1 or text_of[P].isidentifier():
        return None
    arrays = [f for f in P.args if not f.is_scalar]
    numbers = [text_of[f] for f in P.args if f.is_scalar]
    if len(arrays) != 2:
        return None
    inner = f"np.vdot({text_of[arrays[0]]}, {text_of[arrays[1]]})"
    return f"({' * '.join([*numbers, inner])})" if numbers else inner


def squared_norm_code(base: Expr, text_of: dict) -> Optional[str]:
    """‖E‖² as ⟨E, E⟩, for the square of a norm2 of an array; None otherwise."""
    if isinstance(base, Norm2) and not base.args[0].is_scalar:
        E = text_of[base.args[0]]
        return f"np.vdot({E}, {E})"
    return None


#: a name, a number or a transposed name, however bracketed: (t13) is an array held elsewhere
_HELD = re.compile(r"\(*-?[\w.]+\)*")


def fresh(term: Expr, text: str) -> bool:
    """The text makes a new array that nothing else holds: a product or a sum written inline
    (never a bracketed name such as (t13), a temporary that later lines read again)."""
    return (isinstance(term, (MatMul, Mul, Add)) and text.startswith("(")
            and not text.endswith(".T") and not _HELD.fullmatch(text))


def add_with_diagonal(node: Add, args: list[str], text_of: dict,
                      add_terms: Callable[[list[Expr], list[str]], str],
                      emit: Callable[[str], str]) -> Optional[str]:
    """diag(v) + rest, with rest computed into a new array and v added to its diagonal in
    place (``_add_diagonal``; its negation is also taken in place); None if not such a sum."""
    diagonals = [i for i, t in enumerate(node.args) if _diagonal(t, text_of)]
    if node.is_scalar or len(diagonals) != 1 or len(node.args) < 2:
        return None
    i = diagonals[0]
    v = _diagonal(node.args[i], text_of)
    terms = [t for k, t in enumerate(node.args) if k != i]
    texts = [a for k, a in enumerate(args) if k != i]
    if len(terms) == 1:
        term, text = terms[0], texts[0]
        if (isinstance(term, Mul) and isinstance(term.args[0], Const) and term.args[0].value == -1
                and len(term.args) == 2 and fresh(term.args[1], text_of_negated(text))):
            folded = scaled_product(term, text_of, {}, emit)  # −ssᵀ as (−s) sᵀ: one pass
            if folded is not None:
                return f"_add_diagonal({folded}, {v})"
            return f"_add_diagonal({text_of_negated(text)}, {v}, True)"
        if fresh(term, text):
            return f"_add_diagonal({text}, {v})"
        return f"_plus_diagonal({text}, {v})"
    return f"_add_diagonal({add_terms(terms, texts)}, {v})"


def _diagonal(term: Expr, text_of: dict) -> Optional[str]:
    """The text of v where term is diag(v), c·diag(v), I or c·I (v a number), else None."""
    if isinstance(term, Diag):
        return text_of[term.args[0]]
    if isinstance(term, Identity):
        return "1.0"
    if isinstance(term, Mul) and isinstance(term.args[-1], (Diag, Identity)) and all(
            f.is_scalar for f in term.args[:-1]):
        last = term.args[-1]
        scale = " * ".join(text_of[f] for f in term.args[:-1])
        return f"({scale})" if isinstance(last, Identity) else (
            f"({scale} * {text_of[last.args[0]]})")
    return None


def text_of_negated(text: str) -> str:
    """The text of x where ``text`` is (-x)."""
    return text[2:-1] if text.startswith("(-") and text.endswith(")") else ""


def _gram(P: MatMul) -> bool:
    """AᵀA or AAᵀ: numpy computes one triangle (syrk), so the product is scaled after."""
    if len(P.args) != 2 or P.args[0].cols == 1:  # an outer product is a broadcast
        return False
    a, b = P.args
    return (isinstance(a, Transpose) and a.args[0] is b) or (isinstance(b, Transpose)
                                                             and b.args[0] is a)


def scaled_product(node: Mul, text_of: dict, uses: dict, emit) -> Optional[str]:
    """c · (A B ⋯) with c moved onto the smallest plain factor, where the product is used only
    here (otherwise it is computed once and scaled); None if not such a product."""
    if len(node.args) != 2 or not isinstance(node.args[0], Const):
        return None
    c, P = node.args
    # a diagonal factor may be merged into a Gram product by its neighbours, which must
    # then be unscaled, so a product with one keeps its scalar outside
    # −(A B) inside a sum is a subtraction, free; elsewhere (a result, a shared array) the
    # sign goes on the smallest factor too
    if (not isinstance(P, MatMul) or P.is_scalar or uses.get(P, 0) > 1
            or (c.value == -1 and uses.get(node, 0) == 1)
            or any(f.is_scalar or isinstance(f, Diag) or f not in text_of for f in P.args)):
        return None
    plain = [k for k, f in enumerate(P.args)  # the factors a product takes as arrays
             if not isinstance(f, (Diag, Kron, Commutation, Inverse, Ones))
             and not (isinstance(f, Transpose) and isinstance(f.args[0], Inverse))]
    if not plain or _gram(P):
        return None
    # among equal estimates the last factor: a chain usually ends thin (… @ x, … @ V)
    k = min(reversed(plain), key=lambda j: _area(P.args[j]))
    texts = [text_of[f] for f in P.args]
    texts[k] = f"({text_of[c]} * {texts[k]})"
    return matmul_code(P, texts, text_of, emit)
