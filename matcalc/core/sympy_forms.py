"""SymPy forms of matcalc operations that SymPy has no single class for (sum, softmax, …).

Spec rows build their SymPy counterparts with these; ``matcalc.interop`` reads the same forms
back.  A matcalc scalar is a SymPy scalar, and a 1×1 matrix expression becomes its entry
``M[0, 0]`` where SymPy needs a scalar.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.matrices.expressions.special import OneMatrix

from matcalc.core.shapes import ONE, Shape, is_scalar_shape
from matcalc.core.spec import FUNCTIONS


def scalar(s: Any) -> Any:
    """A scalar's SymPy form where SymPy needs a scalar: the entry of a 1×1 matrix."""
    return MatrixElement(s, 0, 0) if isinstance(s, MatrixExpr) else s


def sum_of(X: Any, shape: Shape) -> Any:
    """sum(X) as ones(1, r) @ X @ ones(c, 1), dropping a ones factor of size 1."""
    if is_scalar_shape(shape):
        return scalar(X)
    rows, cols = shape
    factors = ([OneMatrix(1, rows)] if rows != ONE else []) + [X] + (
        [OneMatrix(cols, 1)] if cols != ONE else [])
    return sympy.MatMul(*factors)


def elementwise(name: str, X: Any, is_scalar: bool) -> Any:
    """f applied to a scalar, or elementwise to a matrix (an ElementwiseApplyFunction)."""
    f = FUNCTIONS[name].sympy  # every entry has one
    if is_scalar:
        return f(scalar(X))
    d = sympy.Dummy("d")
    return ElementwiseApplyFunction(sympy.Lambda(d, f(d)), X)
