"""Numbers in expressions: exact SymPy rationals, or expressions in dimensions."""

from __future__ import annotations

from fractions import Fraction
from numbers import Number
from typing import Any

import sympy

from matcalc.core.errors import MatcalcError


#: the most digits an exact constant may have: Python refuses to print an integer over 4,300
#: digits (the interning key is printed), and a float holds at most 309 anyway
MAX_DIGITS = 4000
MAX_NUMBER_BITS = int(MAX_DIGITS * 3.33)


def too_large(bits: float) -> MatcalcError:
    """The error for a constant of ``bits`` bits, past MAX_NUMBER_BITS."""
    return MatcalcError(f"a constant of about {int(bits / 3.3219):,} digits is too large "
                        f"to work with (at most {MAX_DIGITS:,} digits)")


def bits_of(r: sympy.Rational) -> int:
    """The bits of the larger of a rational's numerator and denominator."""
    return max(abs(int(r.p)), int(r.q)).bit_length()


def check_size(value: sympy.Expr) -> sympy.Expr:
    """The number, refused when it is an integer or fraction of over MAX_DIGITS digits (2^100000,
    (1/3)^123456, folded from text, would otherwise end in Python's ValueError)."""
    for r in (value,) if value.is_Rational else value.atoms(sympy.Rational):
        bits = bits_of(r)
        if bits > MAX_NUMBER_BITS:
            raise too_large(bits)
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
        return check_size(sympy.Rational(value.numerator, value.denominator))
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
