"""Numbers in expressions: exact SymPy rationals, or expressions in dimensions."""

from __future__ import annotations

from fractions import Fraction
from numbers import Number
from typing import Any

import sympy

from matcalc.core.errors import MatcalcError


#: exact numbers are kept to this many bits (about 4,000 digits) in numerator and denominator;
#: beyond it a number is refused (Python cannot even print integers past 4,300 digits)
MAX_NUMBER_BITS = 13287


def check_size(value: sympy.Expr) -> sympy.Expr:
    """``value``, or a MatcalcError if it is a rational with more than about 4,000 digits."""
    if isinstance(value, sympy.Rational) and max(
            abs(int(value.p)).bit_length(), int(value.q).bit_length()) > MAX_NUMBER_BITS:
        raise MatcalcError("a number with more than 4,000 digits arose (a power or product of "
                           "constants); matcalc keeps numbers exact and refuses ones this large")
    return value


def as_number(value: Any) -> sympy.Expr:
    """A finite real number as an exact SymPy number: 0.1 is 1/10, 1/3 is 1/3."""
    if isinstance(value, bool):
        raise MatcalcError(f"expected a number, got {value!r}")
    if isinstance(value, sympy.Expr):
        return check_size(value)
    if isinstance(value, int):
        return check_size(sympy.Integer(value))
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
