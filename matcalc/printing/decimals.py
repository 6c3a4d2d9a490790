"""Terminating decimals: an exact rational that a user typed as a float prints as a decimal.

Numbers stay exact SymPy rationals inside (``1e-5`` is 1/100000, so canonical forms compare
equal and arithmetic is exact); only their spelling changes.  A rational whose denominator has
both 2 and 5 as factors and no other (10, 20, 100000, 50000) is what a decimal typed by a user
becomes — 0.05, 1e-5, 2.5e-5 — and prints as that decimal; a fraction a user means (1/2, 3/4,
1/5, 1/3) keeps its slash.  A decimal is written only where a float reads it back to the same
rational (at most 15 significant digits), so the text form still rebuilds the same expression.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import NamedTuple, Optional

import sympy

#: a float holds 15 significant decimal digits exactly; past that the fraction is kept
_DIGITS = 15


class Decimal10(NamedTuple):
    """A positive terminating decimal: ``mantissa`` (digits with at most one point) times 10 to
    ``exponent``, the exponent None when the number is written positionally (0.05)."""

    mantissa: str
    exponent: Optional[int]


def decimal_form(value: sympy.Expr) -> Optional[Decimal10]:
    """|value| as a decimal, where it is a non-integer rational a decimal typed by a user
    becomes, else None.  Written as Python writes the float: positionally from 10⁻⁴ to 10¹⁶,
    otherwise in scientific notation (1e-05)."""
    if not value.is_Rational or value.is_Integer:
        return None
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1 or not (twos and fives):
        return None
    with localcontext() as context:
        context.prec = len(str(value.p)) + len(str(value.q)) + 2  # the quotient is exact
        d = (Decimal(abs(int(value.p))) / Decimal(int(value.q))).normalize()
    digits = "".join(map(str, d.as_tuple().digits))
    if len(digits) > _DIGITS:
        return None
    exponent = d.adjusted()
    if -4 <= exponent < 16:
        return Decimal10(format(d, "f"), None)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return Decimal10(mantissa, exponent)
