"""Dimensions and shapes.

A dimension is a positive integer SymPy symbol (``n``) or a positive integer, stored as a SymPy
expression so that ``n*m`` (the size of a Kronecker product) is a dimension too.  A shape is a
``(rows, cols)`` pair of dimensions; vectors are columns ``(n, 1)`` and scalars are ``(1, 1)``.
"""

from __future__ import annotations

from typing import Union

import sympy

from matcalc.core.errors import MatcalcError

Dim = sympy.Expr
DimLike = Union[int, sympy.Expr, str]
Shape = tuple[sympy.Expr, sympy.Expr]

ONE = sympy.Integer(1)
SCALAR: Shape = (ONE, ONE)


def dims(names: str) -> tuple[sympy.Symbol, ...] | sympy.Symbol:
    """Positive integer dimension symbols: ``n, m, p = dims("n m p")``."""
    parts = names.replace(",", " ").split()
    if not parts:
        raise MatcalcError("dims() needs at least one name, e.g. dims('n m')")
    for part in parts:
        if not part.isidentifier():
            raise MatcalcError(f"dimension name {part!r} is not an identifier")
    syms = tuple(sympy.Symbol(part, integer=True, positive=True) for part in parts)
    return syms[0] if len(syms) == 1 else syms


def as_dim(value: DimLike) -> Dim:
    """Convert an int, a dimension symbol or a name to a dimension, refusing non-positive sizes."""
    if isinstance(value, bool):
        raise MatcalcError(f"a dimension must be a positive integer or a symbol, got {value!r}")
    if isinstance(value, str):
        parsed = dims(value)
        if isinstance(parsed, tuple):
            raise MatcalcError(f"a dimension is one name, got {value!r}")
        return parsed
    if hasattr(value, "__index__") and not isinstance(value, sympy.Basic):
        value = int(value.__index__())  # numpy integers
    if isinstance(value, int):
        if value < 1:
            raise MatcalcError(f"a dimension must be positive, got {value}")
        return sympy.Integer(value)
    if isinstance(value, sympy.Expr):
        if value.is_positive is False or value.is_integer is False:
            raise MatcalcError(f"dimension {value} must be a positive integer")
        if value.is_number and not value.is_Integer:
            raise MatcalcError(f"dimension {value} must be a positive integer")
        return value
    raise MatcalcError(f"a dimension must be a positive integer or a symbol, got {value!r}")


def is_one(d: Dim) -> bool:
    return d == ONE


def is_scalar_shape(shape: Shape) -> bool:
    return shape[0] == ONE and shape[1] == ONE


def is_column_shape(shape: Shape) -> bool:
    """A column vector (n×1) that is not a scalar."""
    return shape[1] == ONE and shape[0] != ONE


def is_row_shape(shape: Shape) -> bool:
    return shape[0] == ONE and shape[1] != ONE


def is_square_shape(shape: Shape) -> bool:
    return shape[0] == shape[1]


def fmt_dim(d: Dim) -> str:
    """n, (m·n), (n²): a compound size in parentheses, products with a middle dot."""
    text = str(d).replace("**2", "²").replace("**3", "³").replace("*", "·")
    return text if d.is_Atom else f"({text})"


def fmt_shape(shape: Shape) -> str:
    return f"{fmt_dim(shape[0])}×{fmt_dim(shape[1])}"
