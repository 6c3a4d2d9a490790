"""Canonical forms, the small pieces every topic uses: numbers, zeros, coefficients and scalars
split off, and the canonical diagonal and commutation matrices."""

from __future__ import annotations

from typing import Sequence

import sympy

from matcalc.core.expr import Add, Const, Expr, Func, Mul, Ones, Transpose
from matcalc.core.nodes import (
    Commutation, Diag, Identity, Zero,
)  # fmt: skip
from matcalc.core.shapes import ONE, Shape, is_column_shape, is_row_shape, is_scalar_shape
from matcalc.rules.simplify.order import factor_key


def const(value) -> Const:
    return Const.new(value)


def zero(shape: Shape) -> Expr:
    """The canonical zero: the number 0 for scalars, the zero array otherwise."""
    return Const.new(0) if is_scalar_shape(shape) else Zero.new(shape)


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Const) and e.value == 0)


def split_coefficient(e: Expr) -> tuple[sympy.Expr, Expr | None]:
    """``2*x -> (2, x)``; a bare number ``c -> (c, None)``."""
    if isinstance(e, Const):
        return e.value, None
    if isinstance(e, Mul) and isinstance(e.args[0], Const):
        rest = e.args[1:]
        return e.args[0].value, (rest[0] if len(rest) == 1 else Mul.new(*rest))
    return sympy.Integer(1), e


def split_scalars(e: Expr) -> tuple[list[Expr], Expr]:
    """An array expression as (scalar factors, array part): ``2*a*(u*v) -> ([2, a], u*v)``."""
    if isinstance(e, Mul) and not e.is_scalar:
        scalars = [f for f in e.args if f.is_scalar]
        arrays = [f for f in e.args if not f.is_scalar]
        if scalars:
            return scalars, (arrays[0] if len(arrays) == 1 else Mul.new(*arrays))
    return [], e


def common_scalars(items: list[tuple[Expr | None, sympy.Expr]]) -> list[Expr]:
    """The scalar factors (not numbers) that every term of an array sum has."""
    if len(items) < 2 or any(not isinstance(rest, Mul) for rest, _ in items):
        return []
    shared = None
    for rest, _ in items:
        scalars = {f for f in rest.args if f.is_scalar and not isinstance(f, Const)}
        shared = scalars if shared is None else shared & scalars
    return sorted(shared or (), key=factor_key)


def shared_symbolic_coefficient(items: list[tuple[Expr | None, sympy.Expr]]) -> sympy.Expr | None:
    """The coefficient that holds a symbol (1/N) and that every term of a sum has up to a
    number (±1/N, 2/N), positive; None if there is none (plain numbers stay with their terms:
    2x + 2y is not rewritten)."""
    if len(items) < 2 or any(rest is None for rest, _ in items):
        return None
    first = items[0][1]
    if not getattr(first, "free_symbols", None):
        return None
    if any(not (c / first).is_Rational for _, c in items):
        return None
    return -first if first.could_extract_minus_sign() else first


#: a sum or product of more terms than this enters another as one term, not flattened: one
#: grown a term per level of a deep expression would otherwise be copied at every level
#: (quadratic); nested, each level shares the one below.  Only very long sums and products are
#: affected, and their value is the same either way.
FLAT_LIMIT = 24


def flatten(items: Sequence[Expr], cls: type) -> list[Expr]:
    out: list[Expr] = []
    for it in items:
        if isinstance(it, cls) and len(it.args) <= FLAT_LIMIT:
            out.extend(it.args)
        else:
            out.append(it)
    return out


def c_diag(v: Expr) -> Expr:
    """diag(1) = I, diag(0) = 0; diag(−v) = −diag(v), so that a sign stands in front, where
    another cancels it (a number otherwise stays inside: V diag(3λ²) Vᵀ, as g′(λ) is written)."""
    if v.is_scalar:
        return v
    if isinstance(v, Ones):
        return Identity.new(v.rows)
    if is_zero(v):
        return Zero.new((v.rows, v.rows))
    c, rest = split_coefficient(v)
    if c.could_extract_minus_sign() and rest is not None:
        # −c v with its factors flat, as c_mul writes a product: 3cx, not 3(cx)
        inner = rest if c == -1 else Mul.new(
            const(-c), *(rest.args if isinstance(rest, Mul) else (rest,)))
        return Mul.new(const(-1), c_diag(inner))
    return Diag.new(v)


def c_commutation(m, n) -> Expr:
    """K₍ₘ,₁₎ = K₍₁,ₙ₎ = I: a vector and its transpose have the same vec."""
    if m == ONE or n == ONE:
        return Identity.new(m * n)
    return Commutation.new(m, n)


def one_plus_exp(e: Expr) -> Expr | None:
    """u when e is 1 + exp(u) (a broadcast 1 for arrays)."""
    if isinstance(e, Add) and len(e.args) == 2:
        one, other = e.args
        if (isinstance(one, Ones) or (isinstance(one, Const) and one.value == 1)) and (
            isinstance(other, Func) and other.name == "exp"
        ):
            return other.arg
    return None


def transpose_goes_outside(u: Expr) -> bool:
    """An elementwise function or power of a row, or of a transposed matrix, is written as the
    transpose of one of a column or a matrix: f(uᵀ) = f(u)ᵀ, f(Aᵀ) = f(A)ᵀ."""
    if is_row_shape(u.shape):
        return True
    return isinstance(u, Transpose) and not (
        is_row_shape(u.args[0].shape) or is_column_shape(u.args[0].shape))


def is_scaled_identity(e: Expr) -> bool:
    return isinstance(split_scalars(e)[1], Identity)
