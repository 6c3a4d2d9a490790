"""Expression nodes: immutable, hash-consed, shape-checked on construction.

Every node is interned: building the same structure twice returns the same object, so structural
equality is identity, hashing is O(1) and shared subexpressions are shared in memory (a deep
network stays linear in size).  Constructors check shapes and never simplify; rewriting lives in
``matcalc.rules.simplify`` so that a derivation can show every rewrite as a step.
"""

from __future__ import annotations

import hashlib
import weakref
from fractions import Fraction
from numbers import Number
from typing import Any, ClassVar, Iterable

import sympy

from matcalc.core.errors import MatcalcError, ShapeError
from matcalc.core.shapes import (
    ONE,
    SCALAR,
    Shape,
    as_dim,
    fmt_shape,
    is_column_shape,
    is_scalar_shape,
    is_square_shape,
)

PROPERTIES = ("symmetric", "spd", "invertible", "diagonal")

_INTERNED: "weakref.WeakValueDictionary[tuple, Expr]" = weakref.WeakValueDictionary()


class Expr:
    """Base class of all nodes.  ``args`` are child expressions, ``params`` the rest of the data."""

    __slots__ = ("args", "params", "shape", "_hash", "_digest", "_size", "__weakref__")

    # Lets ``2 * x`` and ``ndarray * x`` reach our reflected operators instead of numpy's.
    __array_ufunc__ = None

    args: tuple["Expr", ...]
    params: tuple[Any, ...]
    shape: Shape

    @classmethod
    def _make(cls, args: tuple["Expr", ...], params: tuple[Any, ...], shape: Shape) -> "Expr":
        key = (cls, args, params)
        node = _INTERNED.get(key)
        if node is None:
            node = object.__new__(cls)
            object.__setattr__(node, "args", args)
            object.__setattr__(node, "params", params)
            object.__setattr__(node, "shape", shape)
            object.__setattr__(node, "_hash", hash(key))
            h = hashlib.blake2b(digest_size=8)
            h.update(cls.__name__.encode())
            h.update(repr(params).encode())
            for a in args:
                h.update(a._digest)
            object.__setattr__(node, "_digest", h.digest())
            object.__setattr__(node, "_size", 1 + sum(a._size for a in args))
            _INTERNED[key] = node
        return node

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self):  # pickling rebuilds through the interning table
        return (_rebuild, (type(self), self.args, self.params, self.shape))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    # -- structure ---------------------------------------------------------------------------
    @property
    def rows(self) -> sympy.Expr:
        return self.shape[0]

    @property
    def cols(self) -> sympy.Expr:
        return self.shape[1]

    @property
    def is_scalar(self) -> bool:
        return is_scalar_shape(self.shape)

    @property
    def is_vector(self) -> bool:
        """A column vector that is not a scalar."""
        return is_column_shape(self.shape)

    @property
    def size(self) -> int:
        """Number of nodes in the expression written out as a tree (shared nodes counted again)."""
        return self._size

    @property
    def sort_key(self) -> bytes:
        """A deterministic, platform-independent structural fingerprint."""
        return self._digest

    def free_symbols(self) -> set["Symbol"]:
        from matcalc.core.walk import postorder

        return {n for n in postorder(self) if isinstance(n, Symbol)}

    # -- operator sugar (numpy semantics; see ``matcalc.ops``) -------------------------------
    def __add__(self, other: Any) -> "Expr":
        return add(self, other)

    def __radd__(self, other: Any) -> "Expr":
        return add(other, self)

    def __sub__(self, other: Any) -> "Expr":
        return add(self, neg(as_expr(other)))

    def __rsub__(self, other: Any) -> "Expr":
        return add(other, neg(self))

    def __neg__(self) -> "Expr":
        return neg(self)

    def __pos__(self) -> "Expr":
        return self

    def __mul__(self, other: Any) -> "Expr":
        return mul(self, other)

    def __rmul__(self, other: Any) -> "Expr":
        return mul(other, self)

    def __truediv__(self, other: Any) -> "Expr":
        return div(self, other)

    def __rtruediv__(self, other: Any) -> "Expr":
        return div(other, self)

    def __matmul__(self, other: Any) -> "Expr":
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> "Expr":
        return matmul(other, self)

    def __pow__(self, other: Any) -> "Expr":
        return power(self, other)

    def __rpow__(self, other: Any) -> "Expr":
        raise MatcalcError(
            "a number raised to an expression is not supported; write exp(x * log(c)) instead"
        )

    def to_sympy(self):
        """This expression as a SymPy matrix expression (see ``matcalc.interop``)."""
        from matcalc.interop.sympy import to_sympy

        return to_sympy(self)

    def __abs__(self) -> "Expr":
        return Func.new("abs", self)

    @property
    def T(self) -> "Expr":
        return Transpose.new(self)

    def __bool__(self) -> bool:
        raise MatcalcError(
            "an expression has no truth value; compare structure with `is` or `==` on results"
        )

    # -- printing (the printers live in matcalc.printing) ------------------------------------
    def __str__(self) -> str:
        from matcalc.printing.text import to_text

        return to_text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        from matcalc.printing.latex import to_latex

        return f"${to_latex(self)}$"

    def __rich__(self):
        from matcalc.printing.unicode import to_rich

        return to_rich(self)


def _rebuild(cls, args, params, shape):
    return cls._make(args, params, shape)


def describe(e: Expr, limit: int = 40) -> str:
    """Short text naming an operand in an error message, with its shape."""
    text = str(e)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{text} ({fmt_shape(e.shape)})"


# ---------------------------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------------------------


class Symbol(Expr):
    """A named scalar, vector or matrix variable with optional properties."""

    __slots__ = ()

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


class Delta(Expr):
    """The differential dX of a symbol X: a leaf, so differentiating again treats it as constant."""

    __slots__ = ()

    @classmethod
    def new(cls, var: Symbol) -> "Delta":
        return cls._make((), (var,), var.shape)  # type: ignore[return-value]

    @property
    def var(self) -> Symbol:
        return self.params[0]


def _as_number(value: Any) -> sympy.Expr:
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
        return _as_number(float(value))  # numpy scalars
    raise MatcalcError(f"expected a number, got {type(value).__name__} {value!r}")


class Const(Expr):
    """A scalar constant: an exact rational, or an expression in dimensions (``n`` from tr(I_n))."""

    __slots__ = ()

    @classmethod
    def new(cls, value: Any) -> "Const":
        return cls._make((), (_as_number(value),), SCALAR)  # type: ignore[return-value]

    @property
    def value(self) -> sympy.Expr:
        return self.params[0]


class Identity(Expr):
    __slots__ = ()

    @classmethod
    def new(cls, n: sympy.Expr) -> "Identity":
        return cls._make((), (n,), (n, n))  # type: ignore[return-value]


class Ones(Expr):
    """The all-ones array; a scalar broadcast over an array is ``c * Ones``."""

    __slots__ = ()

    @classmethod
    def new(cls, shape: Shape) -> "Ones":
        return cls._make((), shape, shape)  # type: ignore[return-value]


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



# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------


class Add(Expr):
    """A sum of two or more terms of one shape."""

    __slots__ = ()

    @classmethod
    def new(cls, *terms: Expr) -> Expr:
        if len(terms) < 2:
            raise MatcalcError("Add needs at least two terms")
        shape = terms[0].shape
        for t in terms[1:]:
            if t.shape != shape:
                raise ShapeError(
                    f"cannot add {describe(terms[0])} + {describe(t)}: shapes differ"
                )
        return cls._make(tuple(terms), (), shape)


class Mul(Expr):
    """An elementwise product with numpy broadcasting of scalars: ``2*A``, ``a*b``, ``u*v`` (⊙)."""

    __slots__ = ()

    @classmethod
    def new(cls, *factors: Expr) -> Expr:
        if len(factors) < 2:
            raise MatcalcError("Mul needs at least two factors")
        shape = SCALAR
        first = None
        for f in factors:
            if f.is_scalar:
                continue
            if first is None:
                first, shape = f, f.shape
            elif f.shape != shape:
                raise ShapeError(
                    f"cannot multiply elementwise {describe(first)} * {describe(f)}: shapes "
                    "differ (use @ for the matrix product)"
                )
        return cls._make(tuple(factors), (), shape)


class MatMul(Expr):
    """A matrix product of two or more factors."""

    __slots__ = ()

    @classmethod
    def new(cls, *factors: Expr) -> Expr:
        if len(factors) < 2:
            raise MatcalcError("MatMul needs at least two factors")
        for left, right in zip(factors, factors[1:]):
            if left.cols != right.rows:
                raise ShapeError(
                    f"cannot multiply {describe(left)} @ {describe(right)}: inner dimensions "
                    f"{left.cols} and {right.rows} differ"
                )
        return cls._make(tuple(factors), (), (factors[0].rows, factors[-1].cols))


class Pow(Expr):
    """An elementwise power by a constant exponent."""

    __slots__ = ()

    @classmethod
    def new(cls, base: Expr, exponent: Any) -> Expr:
        return cls._make((base,), (_as_number(exponent),), base.shape)

    @property
    def base(self) -> Expr:
        return self.args[0]

    @property
    def exponent(self) -> sympy.Expr:
        return self.params[0]


class Func(Expr):
    """An elementwise function from the table in ``matcalc.functions``."""

    __slots__ = ()

    @classmethod
    def new(cls, name: str, arg: Expr) -> Expr:
        from matcalc.core.functions import FUNCTIONS

        if name not in FUNCTIONS:
            raise MatcalcError(f"unknown elementwise function {name!r}")
        return cls._make((arg,), (name,), arg.shape)

    @property
    def name(self) -> str:
        return self.params[0]

    @property
    def arg(self) -> Expr:
        return self.args[0]


class Transpose(Expr):
    __slots__ = ()

    @classmethod
    def new(cls, a: Expr) -> Expr:
        a = as_expr(a)
        return cls._make((a,), (), (a.cols, a.rows))


class Unary(Expr):
    """A one-argument operation such as tr, det or inv; subclasses set ``result_shape``."""

    __slots__ = ()
    #: the name users call it by (``mc.tr``), used in errors and printing
    fname: ClassVar[str] = ""

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        raise NotImplementedError

    @classmethod
    def new(cls, a: Any) -> Expr:
        a = as_expr(a)
        return cls._make((a,), (), cls.result_shape(a))

    @property
    def arg(self) -> Expr:
        return self.args[0]


def _need_square(fname: str, a: Expr) -> None:
    if not is_square_shape(a.shape):
        raise ShapeError(f"{fname} needs a square matrix, got {describe(a)}")


def _need_vector(fname: str, a: Expr) -> None:
    if a.cols != ONE:
        raise ShapeError(f"{fname} needs a column vector, got {describe(a)}")


class Trace(Unary):
    __slots__ = ()
    fname = "tr"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_square(cls.fname, a)
        return SCALAR


class Det(Unary):
    __slots__ = ()
    fname = "det"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_square(cls.fname, a)
        return SCALAR


class LogDet(Unary):
    """log det X, defined where det X > 0."""

    __slots__ = ()
    fname = "logdet"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_square(cls.fname, a)
        return SCALAR


class Inverse(Unary):
    __slots__ = ()
    fname = "inv"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_square(cls.fname, a)
        return a.shape


class Sum(Unary):
    """The sum of all entries."""

    __slots__ = ()
    fname = "sum"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        return SCALAR


class Norm2(Unary):
    """The Euclidean norm of a vector, the Frobenius norm of a matrix."""

    __slots__ = ()
    fname = "norm2"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        return SCALAR


class Diag(Unary):
    """The diagonal matrix with a vector on its diagonal."""

    __slots__ = ()
    fname = "diag"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_vector(cls.fname, a)
        return (a.rows, a.rows)


class DiagPart(Unary):
    """The diagonal of a square matrix, as a column vector."""

    __slots__ = ()
    fname = "diag"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_square(cls.fname, a)
        return (a.rows, ONE)


class Softmax(Unary):
    __slots__ = ()
    fname = "softmax"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_vector(cls.fname, a)
        return a.shape


class LogSumExp(Unary):
    __slots__ = ()
    fname = "logsumexp"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        _need_vector(cls.fname, a)
        return SCALAR


class Kron(Expr):
    """The Kronecker product A ⊗ B."""

    __slots__ = ()

    @classmethod
    def new(cls, a: Any, b: Any) -> Expr:
        a, b = as_expr(a), as_expr(b)
        return cls._make((a, b), (), (a.rows * b.rows, a.cols * b.cols))


class Vec(Unary):
    """vec(A): the columns of A stacked into one column (Magnus–Neudecker)."""

    __slots__ = ()
    fname = "vec"

    @classmethod
    def result_shape(cls, a: Expr) -> Shape:
        return (a.rows * a.cols, ONE)


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
    Symbol, Delta, Const, Identity, Ones, Zero, Add, Mul, MatMul, Pow, Func, Transpose,
    Trace, Det, LogDet, Inverse, Sum, Norm2, Diag, DiagPart, Softmax, LogSumExp, Kron, Partial,
    Vec, Commutation,
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Operator sugar: numpy semantics, flattening of n-ary operations, no simplification
# ---------------------------------------------------------------------------------------------


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def as_expr(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, (int, float, Fraction, sympy.Expr)) or (
        isinstance(value, Number) and not isinstance(value, complex)
    ):
        return Const.new(value)
    raise MatcalcError(
        f"cannot use {_article(type(value).__name__)} {type(value).__name__} in a matcalc "
        "expression; use symbols and numbers "
        "(numeric arrays go to lambdify)"
    )


def broadcast(s: Expr, shape: Shape) -> Expr:
    """A scalar spread over an array shape: ``c * ones``."""
    if is_scalar_shape(shape):
        return s
    ones = Ones.new(shape)
    if isinstance(s, Const) and s.value == 1:
        return ones
    return Mul.new(*(s.args if isinstance(s, Mul) else (s,)), ones)


def add(a: Any, b: Any) -> Expr:
    a, b = as_expr(a), as_expr(b)
    if a.is_scalar and not b.is_scalar:
        a = broadcast(a, b.shape)
    elif b.is_scalar and not a.is_scalar:
        b = broadcast(b, a.shape)
    terms = [*(a.args if isinstance(a, Add) else (a,)), *(b.args if isinstance(b, Add) else (b,))]
    return Add.new(*terms)


def neg(a: Expr) -> Expr:
    if isinstance(a, Const):
        return Const.new(-a.value)
    if isinstance(a, Mul) and isinstance(a.args[0], Const):
        c = -a.args[0].value
        rest = a.args[1:]
        if c == 1:
            return rest[0] if len(rest) == 1 else Mul.new(*rest)
        return Mul.new(Const.new(c), *rest)
    return Mul.new(Const.new(-1), a)


def mul(a: Any, b: Any) -> Expr:
    a, b = as_expr(a), as_expr(b)
    factors = [*(a.args if isinstance(a, Mul) else (a,)), *(b.args if isinstance(b, Mul) else (b,))]
    return Mul.new(*factors)


def matmul(a: Any, b: Any) -> Expr:
    a, b = as_expr(a), as_expr(b)
    factors = [
        *(a.args if isinstance(a, MatMul) else (a,)),
        *(b.args if isinstance(b, MatMul) else (b,)),
    ]
    return MatMul.new(*factors)


def div(a: Any, b: Any) -> Expr:
    a, b = as_expr(a), as_expr(b)
    if isinstance(b, Const):
        if b.value == 0:
            raise MatcalcError("division by the constant 0")
        return mul(Const.new(1 / b.value), a) if not isinstance(a, Const) else Const.new(a.value / b.value)
    if not (a.is_scalar or b.is_scalar or a.shape == b.shape):
        raise ShapeError(
            f"cannot divide elementwise {describe(a)} / {describe(b)}: shapes differ"
        )
    inverse = Pow.new(b, -1)
    if isinstance(a, Const) and a.value == 1:
        return inverse
    return mul(a, inverse)


def power(a: Any, k: Any) -> Expr:
    a = as_expr(a)
    if isinstance(k, Const):
        k = k.value
    elif isinstance(k, Expr):
        raise MatcalcError(
            f"the exponent of ** must be a number, got {describe(k)}; "
            "for a symbolic exponent write exp(k * log(x))"
        )
    return Pow.new(a, k)
