"""vec and Kronecker identities the readers share: unvec, and the shuffle of vec(A ⊗ B)."""

from __future__ import annotations

from matcalc.core.expr import Expr, Ones
from matcalc.core.nodes import Identity, Vec
from matcalc.core.shapes import ONE
from matcalc.rules.simplify import (
    c_commutation, c_kron, c_matmul, c_mul, c_transpose, c_vec, split_scalars,
)  # fmt: skip


def _eye(n) -> Expr:
    return Identity.new(n)


def unvec(g: Expr, rows, cols) -> Expr:
    """unvec₍ₘ,ₙ₎(g) = (vec(Iₙ)ᵀ ⊗ Iₘ)(Iₙ ⊗ g): the m×n matrix whose vec is g; unvec(vec A)
    = A and unvec(𝟏) = 𝟏 directly."""
    if cols == ONE:
        return g
    if rows == ONE:
        return c_transpose(g)
    scalars, core = split_scalars(g)
    if isinstance(core, Vec) and core.args[0].shape == (rows, cols):
        return c_mul([*scalars, core.args[0]]) if scalars else core.args[0]
    if isinstance(core, Ones):
        return c_mul([*scalars, Ones.new((rows, cols))]) if scalars else Ones.new((rows, cols))
    return c_matmul([c_kron(c_transpose(c_vec(_eye(cols))), _eye(rows)), c_kron(_eye(cols), g)])


def kron_shuffle(a: Expr, b: Expr) -> Expr:
    """T with vec(A ⊗ B) = T (vec A ⊗ vec B): T = Iₙ ⊗ K₍q,m₎ ⊗ Iₚ for A m×n, B p×q."""
    return c_kron(c_kron(_eye(a.cols), c_commutation(b.cols, a.rows)), _eye(b.rows))
