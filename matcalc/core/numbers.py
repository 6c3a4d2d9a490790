"""Numbers in expressions: exact SymPy rationals, or expressions in dimensions."""

from __future__ import annotations

from fractions import Fraction
from numbers import Number
from typing import Any

import sympy

from matcalc.core.errors import MatcalcError


def as_number(value: Any) -> sympy.Expr:
    """A finite real number as an exact SymPy number: 0.1 is 1/10, 1/3 is 1/3."""
    if isinstance(value, bool):
        raise MatcalcError(f"expected a number, got {value!r}")
    if isinstance(value, sympy.Expr):
        return value
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, float):  # numpy's float64 too
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise MatcalcError(f"constants must be finite, got {value!r}")
        # the simplest fraction that is this very float: 0.1 -> 1/10, 1/3 -> 1/3 (not a
        # 55-digit binary fraction); otherwise the shortest decimal that round-trips
        simple = Fraction(value).limit_denominator(10**6)
        if float(simple) == value:
            return sympy.Rational(simple.numerator, simple.denominator)
        return sympy.Rational(repr(value))
    if isinstance(value, Number):
        return as_number(float(value))  # numpy scalars
    raise MatcalcError(f"expected a number, got {type(value).__name__} {value!r}")
