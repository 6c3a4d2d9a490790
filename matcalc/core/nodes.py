"""The named operations and the leaves: each node class carries its spec row.

A node's row (``spec``, a :class:`~matcalc.core.spec.NodeSpec`) holds what it is for those who
present it: its names, text, LaTeX, unicode, numpy and SymPy.  Its rules (differential, canonical
form, the readers) are in ``matcalc.rules``, one entry per table.  Adding a one-argument node is a
class here with its row, plus its rules.
"""

from __future__ import annotations

import numbers

from typing import Any, Iterable

import sympy
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matcalc.core import sympy_forms
from matcalc.core.errors import ShapeError
from matcalc.core.expr import (
    Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose, as_expr, describe,
)  # fmt: skip
from matcalc.core.shapes import ONE, SCALAR, Shape, as_dim
from matcalc.core.spec import NodeSpec
from matcalc.core.unary import Unary
from matcalc.core.matrix_nodes import (
    Eigvalsh, Eigvecsh, Expm, ExpmDivdiff, ExpmKron, Frechet, Logm, LogmDivdiff, LogmKron,
    NuclearNorm, Pinv, Polar, SpectralNorm, Sqrtm, SqrtmDivdiff, SqrtmKron, TopSingular,
)  # fmt: skip
from matcalc.core.second_order_nodes import (
    EigenGaps, ExpmDivdiff2, LogmDivdiff2, SecondFrechet, SecondKroneckerForm, SqrtmDivdiff2,
)  # fmt: skip

PROPERTIES = ("symmetric", "spd", "invertible", "diagonal")


# ---------------------------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------------------------


class Symbol(Expr):
    """A named scalar, vector or matrix variable with optional properties."""

    __slots__ = ()
    is_symbol = True

    @classmethod
    def new(cls, name: str, shape: Shape, props: Iterable[str] = ()) -> "Symbol":
        return cls._make((), (name, shape, frozenset(props)), shape)  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return self.params[0]

    @property
    def props(self) -> frozenset[str]:
        return self.params[2]

    @property
    def symmetric(self) -> bool:
        return bool(self.props & {"symmetric", "spd", "diagonal"}) or self.is_scalar

    @property
    def spd(self) -> bool:
        return "spd" in self.props

    @property
    def invertible(self) -> bool:
        return bool(self.props & {"invertible", "spd"})

    @property
    def diagonal(self) -> bool:
        return "diagonal" in self.props


class Differential(Expr):
    """The differential dX of a symbol X: a leaf, so differentiating again treats it as constant."""

    __slots__ = ()

    @classmethod
    def new(cls, var: Symbol) -> "Differential":
        return cls._make((), (var,), var.shape)  # type: ignore[return-value]

    @property
    def var(self) -> Symbol:
        return self.params[0]


class PendingDifferential(Expr):
    """d(e): the differential of an expression, not yet taken.  A leaf that derivations show
    while they expand a differential rule by rule; it never reaches a result."""

    __slots__ = ()

    @classmethod
    def new(cls, e: Expr) -> "PendingDifferential":
        return cls._make((), (e,), e.shape)  # type: ignore[return-value]

    @property
    def of(self) -> Expr:
        return self.params[0]


class Identity(Expr):
    __slots__ = ()

    @classmethod
    def new(cls, n: sympy.Expr) -> "Identity":
        return cls._make((), (n,), (n, n))  # type: ignore[return-value]


class Zero(Expr):
    __slots__ = ()

    @classmethod
    def new(cls, shape: Shape) -> "Zero":
        return cls._make((), shape, shape)  # type: ignore[return-value]


class Partial(Expr):
    """A named derivative ∂of/∂by standing for its value in a derivation (∂h₂/∂h₁); a leaf,
    with the shape the derivative has in the derivation's layout."""

    __slots__ = ()

    @classmethod
    def new(cls, of: str, by: str, shape: Shape, via: str = "", vec: bool = False) -> "Partial":
        """``via`` names the path of one contribution: ∂L/∂x through h₂; ``vec`` makes it the
        vec-convention derivative d vec(of)/d vec(by)ᵀ."""
        return cls._make((), (of, by, shape, via, vec), shape)  # type: ignore[return-value]

    @property
    def vec(self) -> bool:
        return self.params[4]

    @property
    def via(self) -> str:
        return self.params[3]

    @property
    def of(self) -> str:
        return self.params[0]

    @property
    def by(self) -> str:
        return self.params[1]


def _same(s: Any) -> Any:
    return s


class Trace(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "tr", latex=r"\operatorname{tr}", unicode="tr", numpy="np.trace({})", numpy_scalar="{}",
        sympy=lambda node, X: sympy.Trace(X), sympy_scalar=_same,
        matrix_function=True, argument="square", result="scalar", public="tr",
        doc="The trace of a square matrix.")


class Det(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "det", latex=r"\det", unicode="det", numpy="np.linalg.det({})", numpy_scalar="{}",
        sympy=lambda node, X: sympy.Determinant(X), sympy_scalar=_same,
        matrix_function=True, argument="square", result="scalar", definite_argument=True,
        public="det",
        doc="The determinant of a square matrix.")


class LogDet(Unary):
    """log det X, defined where det X > 0."""

    __slots__ = ()
    spec = NodeSpec(
        "logdet", latex=r"\log\det", unicode="log det", numpy="_logdet({})",
        numpy_scalar="np.log({})", sympy=lambda node, X: sympy.log(sympy.Determinant(X)),
        sympy_scalar=sympy.log, matrix_function=True, argument="square", result="scalar",
        definite_argument=True,
        public="logdet",
        doc="log det X, for det X > 0.")


class Inverse(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "inv", numpy="np.linalg.inv({})", numpy_scalar="(1.0 / {})",
        sympy=lambda node, X: sympy.Inverse(X), sympy_scalar=lambda s: 1 / s,
        matrix_function=True, argument="square", result="same", definite_argument=True,
        public="inv",
        doc="The inverse of a square matrix.")


class Sum(Unary):
    """The sum of all entries."""

    __slots__ = ()
    spec = NodeSpec(
        "sum", latex=r"\operatorname{sum}", unicode="sum", numpy="np.sum({})", numpy_scalar="{}",
        sympy=lambda node, X: sympy_forms.sum_of(X, node.arg.shape), sympy_scalar=_same,
        argument="any", result="scalar", public="sum", doc="The sum of all entries.")


def _norm2_sympy(node: Expr, X: Any) -> Any:
    gram = sympy.MatMul(sympy.Transpose(X), X)
    inner = sympy_forms.scalar(gram) if node.args[0].cols == ONE else sympy.Trace(gram)
    return sympy.sqrt(inner)


class Norm2(Unary):
    """The Euclidean norm of a vector, the Frobenius norm of a matrix."""

    __slots__ = ()
    spec = NodeSpec(
        "norm2", numpy="np.linalg.norm({})", numpy_scalar="np.abs({})",
        sympy=_norm2_sympy, sympy_scalar=sympy.Abs, argument="any", result="scalar",
        public="norm2", aliases=("normF", "norm_fro"), doc="The Euclidean norm of a vector, the Frobenius norm of a matrix.")


class Norm1(Unary):
    """The entrywise 1-norm: the sum of the absolute values of the entries."""

    __slots__ = ()
    spec = NodeSpec(
        "norm1", latex=r"\left\lVert {} \right\rVert_{{1}}", unicode="‖{}‖₁",
        numpy="np.sum(np.abs({}))",
        numpy_scalar="np.abs({})",
        sympy=lambda node, X: sympy_forms.sum_of(
            sympy_forms.elementwise("abs", X, False), node.arg.shape),
        sympy_scalar=sympy.Abs, argument="any", result="scalar", public="norm1",
        doc="The entrywise 1-norm ‖X‖₁ = Σᵢⱼ |Xᵢⱼ| (of a vector, Σᵢ |xᵢ|).")


class Diag(Unary):
    """The diagonal matrix with a vector on its diagonal."""

    __slots__ = ()
    spec = NodeSpec(
        "diag", latex=r"\operatorname{diag}", unicode="diag", numpy="np.diag({}[:, 0])",
        numpy_scalar="np.reshape({}, (1, 1))", sympy=lambda node, v: DiagMatrix(v),
        sympy_scalar=_same, matrix_function=True, argument="vector", result="diagonal")


class DiagPart(Unary):
    """The diagonal of a square matrix, as a column vector."""

    __slots__ = ()
    spec = NodeSpec(
        "diag", latex=r"\operatorname{diag}", unicode="diag", numpy="np.diag({})[:, None]",
        numpy_scalar="np.reshape({}, (1, 1))", sympy=lambda node, X: DiagonalOf(X),
        sympy_scalar=_same, matrix_function=True, argument="square", result="diagonal part")


class AlongAxis(Unary):
    """A one-argument operation along an axis, numpy's meaning with dimensions kept: of a column
    vector without an axis, of a matrix along axis 0 (each column) or 1 (each row)."""

    __slots__ = ()

    @classmethod
    def new(cls, a: Any, axis: Any = None) -> Expr:
        a = as_expr(a)
        axis = along(cls.spec.call, a, axis)
        return cls._make((a,), (axis,), cls.axis_shape(a, axis))

    @classmethod
    def axis_shape(cls, a: Expr, axis: Any) -> Shape:
        return a.shape

    @property
    def axis(self) -> Any:
        return self.params[0]


def along(name: str, a: Expr, axis: Any) -> Any:
    """The axis of ``name`` on ``a``: None for a column vector (its own axis, also given as 0),
    0 or 1 for a matrix, which needs one; anything else is a ShapeError that says so."""
    if not (axis is None or (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
                             and int(axis) in (0, 1))):
        raise ShapeError(f"{name} takes axis=None, 0 or 1 (numpy's meaning), got axis={axis!r}")
    axis = None if axis is None else int(axis)
    if a.cols == ONE and axis in (None, 0):
        return None
    if axis is None:
        raise ShapeError(f"{name} of a matrix needs an axis: axis=1 for each row, axis=0 for "
                         f"each column; got {describe(a)} without one")
    return axis


def _softmax_sympy(node: Expr, z: Any) -> Any:
    if node.axis is not None:
        return None
    e = sympy_forms.elementwise("exp", z, False)
    return sympy.MatMul(sympy.Pow(sympy_forms.scalar(sympy_forms.sum_of(e, node.shape)), -1), e)


class Softmax(AlongAxis):
    __slots__ = ()
    spec = NodeSpec(
        "softmax", latex=r"\operatorname{softmax}", unicode="softmax",
        numpy="_softmax({}, axis={axis})", numpy_scalar="np.ones((1, 1))", sympy=_softmax_sympy,
        sympy_scalar=lambda s: sympy.Integer(1), argument="vector", result="same",
        public="softmax", doc="softmax(z) = exp(z) / sum(exp(z)) for a column vector z; of a "
        "matrix along axis=1 (each row) or axis=0 (each column).")


def _logsumexp_sympy(node: Expr, z: Any) -> Any:
    if node.axis is not None:
        return None
    return sympy.log(sympy_forms.scalar(sympy_forms.sum_of(
        sympy_forms.elementwise("exp", z, False), node.args[0].shape)))


class LogSumExp(AlongAxis):
    __slots__ = ()
    spec = NodeSpec(
        "logsumexp", latex=r"\operatorname{logsumexp}", unicode="logsumexp",
        numpy="_logsumexp({}, axis={axis})", numpy_scalar="{}", sympy=_logsumexp_sympy,
        sympy_scalar=_same, argument="vector", result="scalar", public="logsumexp",
        doc="log sum exp(z) for a column vector z; of a matrix along axis=1 (the column of each "
        "row's) or axis=0 (the row of each column's).")

    @classmethod
    def axis_shape(cls, a: Expr, axis: Any) -> Shape:
        return SCALAR if axis is None else (ONE, a.cols) if axis == 0 else (a.rows, ONE)


def _log_softmax_sympy(node: Expr, z: Any) -> Any:
    soft = _softmax_sympy(node, z)
    return None if soft is None else sympy_forms.elementwise("log", soft, False)


class LogSoftmax(AlongAxis):
    """log softmax(z) = z − logsumexp(z), computed without forming softmax."""

    __slots__ = ()
    spec = NodeSpec(
        "log_softmax", latex=r"\operatorname{log\,softmax}", unicode="log softmax",
        numpy="_log_softmax({}, axis={axis})", numpy_scalar="np.zeros((1, 1))",
        sympy=_log_softmax_sympy, sympy_scalar=lambda s: sympy.Integer(0), argument="vector",
        result="same", public="log_softmax",
        doc="log softmax(z) = z − logsumexp(z) for a column vector z; of a matrix along axis=1 "
        "(each row) or axis=0 (each column).")


class Vec(Unary):
    """vec(A): the columns of A stacked into one column (Magnus–Neudecker)."""

    __slots__ = ()
    spec = NodeSpec(
        "vec", latex=r"\operatorname{vec}", unicode="vec", numpy='{}.reshape(-1, 1, order="F")',
        numpy_scalar="np.reshape({}, (1, 1))", matrix_function=True, argument="any",
        result="vec", public="vec",
        doc="vec(A): the columns of A stacked into one column.")


class Kron(Expr):
    """The Kronecker product A ⊗ B."""

    __slots__ = ()

    @classmethod
    def new(cls, a: Any, b: Any) -> Expr:
        a, b = as_expr(a), as_expr(b)
        return cls._make((a, b), (), (a.rows * b.rows, a.cols * b.cols))


class Commutation(Expr):
    """The commutation matrix K₍ₘ,ₙ₎ (mn×mn): K₍ₘ,ₙ₎ vec(A) = vec(Aᵀ) for A of shape m×n."""

    __slots__ = ()

    @classmethod
    def new(cls, m: Any, n: Any) -> "Commutation":
        m, n = as_dim(m), as_dim(n)
        return cls._make((), (m, n), (m * n, m * n))  # type: ignore[return-value]

    @property
    def m(self) -> sympy.Expr:
        return self.params[0]

    @property
    def n(self) -> sympy.Expr:
        return self.params[1]


#: every node type; a test checks that each rule table covers all of them
NODE_TYPES: tuple[type[Expr], ...] = (
    Symbol, Differential, PendingDifferential, Const, Identity, Ones, Zero, Add, Mul, MatMul,
    Pow, Func, Transpose, Trace, Det, LogDet, Inverse, Sum, Norm2, Norm1, Diag, DiagPart,
    Softmax, LogSumExp, LogSoftmax, Kron,
    Partial, Vec, Commutation,
    Pinv, Expm, Logm, Sqrtm, Frechet, ExpmKron, LogmKron, SqrtmKron, ExpmDivdiff, LogmDivdiff,
    SqrtmDivdiff, Eigvalsh, Eigvecsh,
    NuclearNorm, SpectralNorm, Polar, TopSingular,
    SecondFrechet, SecondKroneckerForm, EigenGaps, ExpmDivdiff2, LogmDivdiff2, SqrtmDivdiff2,
)  # fmt: skip


def dimension_symbols(nodes: Iterable[Expr]) -> set[sympy.Symbol]:
    """The dimension symbols in shapes and in constants (tr(I_n) = n)."""
    found: set[sympy.Symbol] = set()
    for node in nodes:
        for dim in node.shape:
            found |= dim.free_symbols
        if isinstance(node, Const):
            found |= node.value.free_symbols
    return found
