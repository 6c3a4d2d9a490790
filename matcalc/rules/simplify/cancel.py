"""Cancellations in a product's chain that look at more than two neighbours: a product next to
its inverse, and a softmax next to the ones it sums to."""

from __future__ import annotations

from matcalc.core.expr import Expr, MatMul, Ones
from matcalc.core.nodes import Inverse, Softmax
from matcalc.core.shapes import ONE


def rows_sum_to_one(a: Expr | None, b: Expr) -> bool:
    """``a b`` is softmax(Z, axis=1) 𝟏 or 𝟏ᵀ softmax(Z, axis=0)."""
    return (isinstance(a, Softmax) and a.axis == 1 and isinstance(b, Ones) and b.cols == ONE
            or isinstance(a, Ones) and a.rows == ONE and isinstance(b, Softmax) and b.axis == 0)


#: an inverse of a product is looked for this far back in a chain (the cost stays linear)
_INVERSE_REACH = 16


def cancel_inverse_of_product(out: list[Expr]) -> None:
    """(AB⋯)(AB⋯)⁻¹ = I and (AB⋯)⁻¹(AB⋯) = I, in place, where the product's factors stand
    next to its inverse in the chain."""
    last = out[-1]
    if isinstance(last, Inverse) and isinstance(last.arg, MatMul):
        k = len(last.arg.args)
        if len(out) > k and tuple(out[-k - 1:-1]) == last.arg.args:
            del out[-k - 1:]
        return
    for j in range(len(out) - 2, max(-1, len(out) - 2 - _INVERSE_REACH), -1):
        f = out[j]
        if isinstance(f, Inverse) and isinstance(f.arg, MatMul):
            if len(f.arg.args) == len(out) - 1 - j and tuple(out[j + 1:]) == f.arg.args:
                del out[j:]
                return
