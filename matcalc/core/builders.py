"""Public builders: symbols, constants and functions (``mc.vector``, ``mc.tr``, ``mc.tanh``…)."""

from __future__ import annotations

import numbers

import keyword
from typing import Any


from matcalc.core.errors import MatcalcError, ShapeError
from matcalc.core.expr import (
    Const, Expr, Func, Ones, add_all, as_expr, describe, div, matmul_all, mul,
)  # fmt: skip
from matcalc.core.nodes import (
    NODE_TYPES, AlongAxis, Commutation, Diag, DiagPart, Identity, Inverse, Kron, Sum, Symbol,
    Unary,
    Zero,
)  # fmt: skip
from matcalc.core.functions import FUNCTIONS, ElementwiseFunction
from matcalc.core.matrix_nodes import MATRIX_FUNCTIONS, Frechet
from matcalc.core.second_order_nodes import SecondFrechet, SecondKroneckerForm
from matcalc.core.shapes import ONE, SCALAR, DimLike, as_dim, fmt_shape


#: why no symbol is named I: on paper it could not be told from the identity
IDENTITY_NAME = ("I is how results write the identity matrix, so a symbol named I would read as "
                 "one: for the identity write eye(n) (mc.eye(n) in Python), otherwise choose "
                 "another name")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise MatcalcError(f"a symbol name must be a Python identifier, got {name!r}")
    if name == "I":
        raise MatcalcError(IDENTITY_NAME)
    return name


def scalar(name: str) -> Symbol:
    """A scalar variable."""
    return Symbol.new(_check_name(name), SCALAR)


def vector(name: str, n: DimLike) -> Symbol:
    """A column vector variable with n entries (n×1)."""
    return Symbol.new(_check_name(name), (as_dim(n), ONE))


def matrix(
    name: str,
    m: DimLike,
    n: DimLike | None = None,
    *,
    symmetric: bool = False,
    spd: bool = False,
    invertible: bool = False,
    diagonal: bool = False,
) -> Symbol:
    """An m×n matrix variable (n×n when n is omitted).

    Properties: ``symmetric`` (Sᵀ = S), ``spd`` (symmetric positive definite), ``invertible``,
    ``diagonal``.  They simplify results (Sᵀ = S, so ∂(xᵀSx)/∂x = 2Sx) and shape the random
    inputs of numeric checks; derivatives stay unstructured (every entry independent).
    """
    rows = as_dim(m)
    cols = rows if n is None else as_dim(n)
    props = {p for p, on in (("symmetric", symmetric), ("spd", spd), ("invertible", invertible),
                             ("diagonal", diagonal)) if on}
    if props and rows != cols:
        raise ShapeError(
            f"a {', '.join(sorted(props))} matrix must be square, got {name} "
            f"({fmt_shape((rows, cols))})"
        )
    return Symbol.new(_check_name(name), (rows, cols), props)


def eye(n: DimLike) -> Expr:
    """The n×n identity matrix."""
    return Identity.new(as_dim(n))


def ones(m: DimLike, n: DimLike | None = None) -> Expr:
    """The all-ones column vector of length m, or the m×n all-ones matrix."""
    return Ones.new((as_dim(m), ONE if n is None else as_dim(n)))


def zeros(m: DimLike, n: DimLike | None = None) -> Expr:
    """The zero column vector of length m, or the m×n zero matrix."""
    return Zero.new((as_dim(m), ONE if n is None else as_dim(n)))


def diag(a: Any) -> Expr:
    """A vector to its diagonal matrix; a square matrix to its diagonal, as a vector."""
    a = as_expr(a)
    if a.cols == ONE:
        return Diag.new(a)
    if a.rows == a.cols:
        return DiagPart.new(a)
    raise ShapeError(f"diag needs a column vector or a square matrix, got {describe(a)}")


def hadamard(a: Any, b: Any) -> Expr:
    """The elementwise (Hadamard) product a ⊙ b of two arrays of one shape."""
    a, b = as_expr(a), as_expr(b)
    if a.shape != b.shape:
        raise ShapeError(f"hadamard needs two arrays of one shape, got {describe(a)} and {describe(b)}")
    return mul(a, b)


def kron(a: Any, b: Any) -> Expr:
    """The Kronecker product a ⊗ b."""
    return Kron.new(a, b)


def commutation(m: DimLike, n: DimLike) -> Expr:
    """The commutation matrix K₍ₘ,ₙ₎ (mn×mn): K₍ₘ,ₙ₎ vec(A) = vec(Aᵀ) for an m×n matrix A."""
    return Commutation.new(as_dim(m), as_dim(n))


def _elementwise(fn: ElementwiseFunction):
    def build(a: Any) -> Expr:
        return Func.new(fn.name, as_expr(a))

    build.__name__ = build.__qualname__ = fn.name
    build.__doc__ = f"{fn.name} applied elementwise ({fn.identity})."
    return build


def _operation(cls: type[Unary]):
    if issubclass(cls, AlongAxis):
        def build(a: Any, axis: Any = None) -> Expr:  # type: ignore[misc]
            return cls.new(a, axis)
    else:
        def build(a: Any) -> Expr:  # type: ignore[misc]
            return cls.new(a)

    build.__name__ = build.__qualname__ = cls.spec.public
    build.__doc__ = cls.spec.doc
    return build


#: the builders made from the tables: every elementwise function, every one-argument node
#: whose row names a public builder
ELEMENTWISE = {name: _elementwise(fn) for name, fn in FUNCTIONS.items()}
OPERATIONS = {cls.spec.public: _operation(cls) for cls in NODE_TYPES
              if issubclass(cls, Unary) and cls.spec.public}


def _frechet(function: str, call: str):
    def build(X: Any, E: Any) -> Expr:
        return Frechet.new(function, X, E)

    build.__name__ = build.__qualname__ = f"{call}_frechet"
    build.__doc__ = (f"L_{function}(X)[E], the Fréchet derivative of {call} at X in the direction "
                     f"E: linear in E, {call}(X + E) = {call}(X) + L_{function}(X)[E] + o(‖E‖); "
                     "generated code evaluates it with scipy.linalg.")
    return build


#: expm_frechet(X, E), logm_frechet, sqrtm_frechet: the Fréchet derivatives, as text writes them
FRECHET = {f"{cls.spec.call}_frechet": _frechet(f, cls.spec.call)
           for f, cls in MATRIX_FUNCTIONS.items()}


def _second_frechet(function: str, call: str):
    def build(X: Any, E: Any, F: Any) -> Expr:
        return SecondFrechet.new(function, X, E, F)

    def kron_form(X: Any, E: Any) -> Expr:
        return SecondKroneckerForm.new(function, X, E)

    build.__name__ = build.__qualname__ = f"{call}_frechet2"
    build.__doc__ = (f"L²_{function}(X)[E, F], the second Fréchet derivative of {call} at X in "
                     f"the directions E and F (bilinear and symmetric in them): the derivative "
                     f"of L_{function}(X)[E] in the direction F.")
    kron_form.__name__ = kron_form.__qualname__ = f"{call}_kron2"
    kron_form.__doc__ = (f"K²_{function}(X, E), the n²×n² Kronecker form of the second Fréchet "
                         f"derivative of {call}: vec L²_{function}(X)[E, F] = K²_{function}(X, E) "
                         "vec F.")
    return {build.__name__: build, kron_form.__name__: kron_form}


#: expm_frechet2(X, E, F) and expm_kron2(X, E), and those of logm and sqrtm, as text writes them
FRECHET2 = {name: fn for f, cls in MATRIX_FUNCTIONS.items()
            for name, fn in _second_frechet(f, cls.spec.call).items()}
globals().update(ELEMENTWISE)
globals().update(OPERATIONS)
globals().update(FRECHET)
globals().update(FRECHET2)


def _axis(axis: Any, a: Expr, name: str) -> Any:
    if axis is None or (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
                        and int(axis) in (0, 1)):
        return None if axis is None else int(axis)
    raise ShapeError(f"{name} takes axis=None, 0 or 1 (numpy's meaning, dimensions kept), got "
                     f"axis={axis!r} for {describe(a)}")


def sum(a: Any, axis: Any = None) -> Expr:  # noqa: A001 - the name users know from numpy
    """The sum of all entries; with ``axis=0`` the 1×n row of column sums 𝟏ᵀA, with ``axis=1``
    the m×1 column of row sums A𝟏 (numpy's axis, dimensions kept)."""
    a = as_expr(a)
    axis = _axis(axis, a, "sum")
    if axis is None:
        return Sum.new(a)
    if (a.rows if axis == 0 else a.cols) == ONE:
        return a  # the sum over an axis of length 1 is the array itself
    if axis == 0:
        return matmul(Ones.new((a.rows, ONE)).T, a)
    return matmul(a, Ones.new((a.cols, ONE)))


def solve(a: Any, b: Any) -> Expr:
    """A⁻¹B, the solution X of AX = B for a square A: written A⁻¹B, and generated code calls a
    solver (np.linalg.solve), never an explicit inverse."""
    a, b = as_expr(a), as_expr(b)
    if a.is_scalar or a.rows != a.cols:
        raise ShapeError(f"solve needs a square matrix A in solve(A, B), got {describe(a)}")
    if b.is_scalar or a.cols != b.rows:
        raise ShapeError(f"solve(A, B) needs B with as many rows as A has columns, got "
                         f"{describe(a)} and {describe(b)}")
    return matmul(Inverse.new(a), b)


def mean(a: Any, axis: Any = None) -> Expr:
    """The mean of all entries, or along an axis as :func:`sum` (𝟏ᵀA/m, A𝟏/n)."""
    a = as_expr(a)
    axis = _axis(axis, a, "mean")
    count = a.rows * a.cols if axis is None else (a.rows if axis == 0 else a.cols)
    return div(sum(a, axis), Const.new(count))


def add(*terms: Any) -> Expr:
    """``terms[0] + terms[1] + …`` as one sum, in time linear in the number of terms (a
    scalar term is spread over the arrays' shape, as ``+`` does).  Python's ``a + b + c``, or
    ``sum()`` over a list, copies the terms so far at every ``+``: quadratic for thousands."""
    if not terms:
        raise MatcalcError("add needs at least one term")
    return add_all(list(terms))


def matmul(*factors: Any) -> Expr:
    """``factors[0] @ factors[1] @ …`` as one matrix product, in time linear in the number of
    factors (``@`` in a loop copies the factors so far at every step)."""
    if not factors:
        raise MatcalcError("matmul needs at least one factor")
    return matmul_all(list(factors))


__all__ = [
    "scalar", "vector", "matrix", "eye", "ones", "zeros", "diag", "hadamard", "kron", "mean",
    "solve", "add", "matmul",
    "commutation", *OPERATIONS, *ELEMENTWISE, *FRECHET, *FRECHET2,
]  # fmt: skip
