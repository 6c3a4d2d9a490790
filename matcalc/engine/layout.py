"""Layout conventions: the only module that knows them (DESIGN.md §1).

The engine computes each derivative in its natural form; this table says, per kind of
derivative and layout, whether the natural form is transposed.  The same table arranges the
finite-difference arrays in ``numeric.check``, so symbolic and numeric results cannot drift.

| derivative        | natural form         | denominator | numerator | mixed |
|-------------------|----------------------|-------------|-----------|-------|
| scalar by scalar  | D (1×1)              | D           | D         | D     |
| scalar by array X | G, the shape of X    | G           | Gᵀ        | G     |
| vector y by x     | J = ∂y/∂x, m×n       | Jᵀ          | J         | J     |
| vector y by t     | D, m×1               | Dᵀ          | D         | D     |
| matrix Y by t     | D, the shape of Y    | D           | D         | D     |
| F by X (vec)      | J = d vec F/d vec Xᵀ | Jᵀ          | J         | J     |

The last row is every other pair (a matrix by a matrix, a matrix by a vector, a vector by a
matrix, a row vector by anything): the vec convention of Magnus and Neudecker, vec stacking
columns, J of size (size of F)×(size of X).  Without a layout, a derivative takes the
denominator layout, except the vec convention's own form J, which is what its literature
writes (d(AXB)/dX = Bᵀ ⊗ A).
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from matcalc.core.errors import MatcalcError
from matcalc.core.layouts import LAYOUTS, Layout  # noqa: F401 - re-exported: the names
from matcalc.core.expr import Expr
from matcalc.rules.simplify import c_transpose
from matcalc.core.shapes import Shape, is_column_shape, is_scalar_shape


class Case(Enum):
    SCALAR_BY_SCALAR = "scalar by scalar"
    SCALAR_BY_ARRAY = "scalar by vector or matrix"
    VECTOR_BY_VECTOR = "vector by vector"
    VECTOR_BY_SCALAR = "vector by scalar"
    MATRIX_BY_SCALAR = "matrix by scalar"
    VEC = "matrix by matrix (vec convention)"


#: (case, layout) -> is the natural form transposed?
_D, _N, _M = Layout.DENOMINATOR, Layout.NUMERATOR, Layout.MIXED
TRANSPOSED: dict[Case, dict[Layout, bool]] = {
    Case.SCALAR_BY_SCALAR: {_D: False, _N: False, _M: False},
    Case.SCALAR_BY_ARRAY: {_D: False, _N: True, _M: False},
    Case.VECTOR_BY_VECTOR: {_D: True, _N: False, _M: False},
    Case.VECTOR_BY_SCALAR: {_D: True, _N: False, _M: False},
    Case.MATRIX_BY_SCALAR: {_D: False, _N: False, _M: False},
    Case.VEC: {_D: True, _N: False, _M: False},
}


def resolve_layout(layout: Layout | str | None, case: Case) -> Layout:
    """The layout to use: the one asked for, else the default of the kind (see above)."""
    if layout is None:
        return Layout.NUMERATOR if case is Case.VEC else Layout.DENOMINATOR
    return check_layout(layout)  # type: ignore[return-value]


def check_layout(layout: Layout | str | None) -> Layout | None:
    """The layout, or None for the default of each kind of derivative."""
    if layout is None or isinstance(layout, Layout):
        return layout
    if layout not in LAYOUTS:
        raise MatcalcError(
            f"unknown layout {layout!r}; choose one of {', '.join(repr(x) for x in LAYOUTS)}"
        )
    return Layout(layout)


def chain_layout(layout: Layout) -> Layout:
    """The layout whose Jacobians compose by the chain rule: mixed takes Jacobians as numerator
    does (its gradients are columns, which do not compose)."""
    return Layout.DENOMINATOR if layout is Layout.DENOMINATOR else Layout.NUMERATOR


def other_layout(layout: Layout) -> Layout:
    """Numerator for denominator and the other way round: the Jacobian transpose."""
    return Layout.NUMERATOR if layout is Layout.DENOMINATOR else Layout.DENOMINATOR


def classify(f: Expr, x: Expr) -> Case:
    """The kind of derivative of f by x."""
    if is_scalar_shape(x.shape):
        if is_scalar_shape(f.shape):
            return Case.SCALAR_BY_SCALAR
        return Case.VECTOR_BY_SCALAR if is_column_shape(f.shape) else Case.MATRIX_BY_SCALAR
    if is_scalar_shape(f.shape):
        return Case.SCALAR_BY_ARRAY
    if is_column_shape(f.shape) and is_column_shape(x.shape):
        return Case.VECTOR_BY_VECTOR
    return Case.VEC


def arrange(case: Case, natural: Expr, layout: Layout | str | None) -> Expr:
    """The natural form of a derivative, in the requested layout."""
    return c_transpose(natural) if TRANSPOSED[case][resolve_layout(layout, case)] else natural


def natural_shape(case: Case, f_shape: Shape, x_shape: Shape) -> Shape:
    if case is Case.SCALAR_BY_ARRAY:
        return x_shape
    if case is Case.VECTOR_BY_VECTOR:
        return (f_shape[0], x_shape[0])
    if case is Case.VEC:
        return (f_shape[0] * f_shape[1], x_shape[0] * x_shape[1])
    return f_shape


def arrange_numeric(case: Case, d4: np.ndarray, layout: Layout | str | None) -> np.ndarray:
    """The derivative in the requested layout from ``d4[i, j, k, l] = ∂F[i, j] / ∂X[k, l]``."""
    if case is Case.SCALAR_BY_ARRAY:
        natural = d4[0, 0]
    elif case is Case.VECTOR_BY_VECTOR:
        natural = d4[:, 0, :, 0]
    elif case is Case.VEC:  # vec stacks columns: entry (i, j) of F is row i + p·j
        p, q, m, n = d4.shape
        natural = d4.transpose(1, 0, 3, 2).reshape(q * p, n * m)
    else:
        natural = d4[:, :, 0, 0]
    return natural.T if TRANSPOSED[case][resolve_layout(layout, case)] else natural

