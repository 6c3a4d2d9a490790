"""Linearity: which nodes of a differential depend on a differential, and their linear part.

The readers (pullback, Jacobian, vec, index) all walk the linear nodes of a differential;
these helpers say which they are and split a product into its linear factor and the rest.
"""

from __future__ import annotations

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Expr
from matcalc.core.nodes import Differential
from matcalc.core.walk import fold
from matcalc.rules.simplify import c_mul, c_sum, const


class NotApplicable:
    """What a reader returns when its reading does not apply to a node (not an error: the
    caller tries another reading)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE = NotApplicable()


def linear_nodes(df: Expr) -> dict[Expr, bool]:
    """Which nodes of df depend on a differential (are linear in it)."""
    memo: dict[Expr, bool] = {}
    fold(df, lambda n, a: isinstance(n, Differential) or any(a), memo)
    return memo


def the_linear_arg(node: Expr, linear: dict[Expr, bool]) -> int:
    idx = [i for i, a in enumerate(node.args) if linear[a]]
    if len(idx) != 1:
        raise MatcalcError(f"internal: {type(node).__name__} is not linear in the differential")
    return idx[0]


def linear_factor(node: Expr, linear: dict[Expr, bool]) -> tuple[Expr, Expr]:
    """The one factor A of a product linear in the differential, and the product P of the
    others (1 if none)."""
    i = the_linear_arg(node, linear)
    others = [f for j, f in enumerate(node.args) if j != i]
    return node.args[i], (c_mul(others) if others else const(1))


def inner(G: Expr, P: Expr) -> Expr:
    """⟨G, P⟩ = sum(G ⊙ P) (= Gᵀ P for vectors)."""
    return c_sum(c_mul([G, P]))


