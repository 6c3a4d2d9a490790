"""Numbers in the text: products with a size kept as one number, powers kept within floats."""

from __future__ import annotations

import math
from fractions import Fraction

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Const, Expr, div, mul, power

#: a power of a number stays within floating point (about 1e±308): 2^100000 is refused, since
#: its exact value (30,103 digits) would only round to infinity or zero, and making it would
#: take as long as its exponent is large (2^123456789012345 never ends)
MAX_DECADES = 308


def scalar_product(a: Expr, b: Expr, op: str) -> Expr:
    """a * b or a / b, where one is a scalar.  Numbers of which one is a size (1/(m*n), as
    printed results write a mean) make one number, so printed text parses back the same."""
    if isinstance(a, Const) and isinstance(b, Const) and (
            a.value.free_symbols or b.value.free_symbols) and not (op == "/" and b.value == 0):
        return Const.new(a.value * b.value if op == "*" else a.value / b.value)
    return mul(a, b) if op == "*" else div(a, b)


def number_power(base: Expr, k: Fraction) -> Expr:
    """base^k, refused when base is a number whose power is beyond floating point."""
    value = base.value if isinstance(base, Const) else None
    if value is not None and value.is_Rational and abs(value) not in (0, 1):
        decades = float(k) * (math.log10(abs(int(value.p))) - math.log10(int(value.q)))
        if abs(decades) > MAX_DECADES:
            raise MatcalcError(f"the power is about 1e{decades:.0f}, beyond floating point "
                               f"(about 1e±{MAX_DECADES})")
    return power(base, Const.new(k))
