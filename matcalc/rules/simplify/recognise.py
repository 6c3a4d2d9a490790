"""Functions recognised in their written-out form, so that a result reads as a textbook
writes it and its code takes the stable form: exp(z) ⊘ sum(exp(z)) is softmax(z), and
log(sum(exp(z))) is logsumexp(z) (matrixcalculus.org's spelling of log-sum-exp)."""

from __future__ import annotations

import sympy

from matcalc.core.expr import Expr, Func
from matcalc.core.nodes import Softmax, Sum
from matcalc.core.shapes import is_column_shape


def exponentials_summed(e: Expr) -> Expr | None:
    """z when e is sum(exp(z)) of a column vector z."""
    if isinstance(e, Sum) and isinstance(e.args[0], Func) \
            and e.args[0].name == "exp" and is_column_shape(e.args[0].shape):
        return e.args[0].arg
    return None


def recognise_softmax(bases: dict[Expr, sympy.Expr]) -> None:
    """exp(z) ⊘ sum(exp(z)) = softmax(z) for a column vector z, in place."""
    for base, k in list(bases.items()):
        z = exponentials_summed(base)
        e = None if z is None else Func.new("exp", z)
        if k != -1 or bases.get(e) != 1:
            continue
        del bases[base], bases[e]
        s = Softmax.new(z)
        bases[s] = bases.get(s, sympy.Integer(0)) + 1
