"""Expression nodes: the base class, and the algebra Python's operators build.

Every node is interned: building the same structure twice returns the same object, so structural
equality is identity, hashing is O(1) and shared subexpressions are shared in memory (a deep
network stays linear in size).  Constructors check shapes and never simplify; rewriting lives in
``matcalc.rules.simplify`` so that a derivation can show every rewrite as a step.

This module holds :class:`Expr` and the nodes its operators make (numbers, broadcast ones, sums,
elementwise and matrix products, powers, elementwise functions, transposes), with the operator
sugar itself; the named operations and the leaves are in ``matcalc.core.nodes``.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from fractions import Fraction
from numbers import Number
from typing import Any, ClassVar

import sympy

from matcalc.core.errors import MatcalcError, ShapeError
from matcalc.core.numbers import as_number
from matcalc.core.render import render
from matcalc.core.shapes import SCALAR, Shape, fmt_shape, is_column_shape, is_scalar_shape
from matcalc.core.spec import FUNCTIONS
from matcalc.core.walk import postorder

_INTERNED: "weakref.WeakValueDictionary[tuple, Expr]" = weakref.WeakValueDictionary()


def _params_bytes(params: tuple) -> bytes:
    """The bytes of a node's parameters for its digest; cached because SymPy numbers print
    slowly and the same few parameters (-1, 2, a name) recur in every node built.  The cache
    key holds each parameter's type, so 2, 2.0 and sympy's 2 (equal, with one hash) keep
    their own bytes and the digest never depends on which was built first."""
    return _typed_params_bytes(tuple((type(p), p) for p in params))


@functools.lru_cache(maxsize=65536)
def _typed_params_bytes(typed: tuple) -> bytes:
    return repr(tuple(p for _, p in typed)).encode()


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
            h.update(_params_bytes(params))
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

    #: True for variables (``matcalc.core.nodes.Symbol``)
    is_symbol: ClassVar[bool] = False

    def free_symbols(self) -> set[Any]:
        """The variables (symbols) the expression contains."""
        return {n for n in postorder(self) if n.is_symbol}

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
        return render("sympy", self)

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
        return render("text", self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        return f"${render('latex', self)}$"

    def __rich__(self):
        return render("rich", self)


def _rebuild(cls, args, params, shape):
    return cls._make(args, params, shape)


def describe(e: Expr, limit: int = 40) -> str:
    """Short text naming an operand in an error message, with its shape."""
    text = str(e)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{text} ({fmt_shape(e.shape)})"


# ---------------------------------------------------------------------------------------------
# Numbers and the algebra of the operators
# ---------------------------------------------------------------------------------------------


class Const(Expr):
    """A scalar constant: an exact rational, or an expression in dimensions (``n`` from tr(I_n))."""

    __slots__ = ()

    @classmethod
    def new(cls, value: Any) -> "Const":
        return cls._make((), (as_number(value),), SCALAR)  # type: ignore[return-value]

    @property
    def value(self) -> sympy.Expr:
        return self.params[0]


class Ones(Expr):
    """The all-ones array; a scalar broadcast over an array is ``c * Ones``."""

    __slots__ = ()

    @classmethod
    def new(cls, shape: Shape) -> "Ones":
        return cls._make((), shape, shape)  # type: ignore[return-value]





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
        return cls._make((base,), (as_number(exponent),), base.shape)

    @property
    def base(self) -> Expr:
        return self.args[0]

    @property
    def exponent(self) -> sympy.Expr:
        return self.params[0]


class Func(Expr):
    """An elementwise function from the table in ``matcalc.core.functions``."""

    __slots__ = ()

    @classmethod
    def new(cls, name: str, arg: Expr) -> Expr:
        if name not in FUNCTIONS:
            raise MatcalcError(f"unknown elementwise function {name!r}")
        return cls._make((arg,), (name,), arg.shape)

    @property
    def function(self):
        """The function's entry in the table (``matcalc.core.functions``)."""
        return FUNCTIONS[self.name]

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


def add_all(terms: list[Any]) -> Expr:
    """``terms[0] + terms[1] + …`` as one sum, scalars spread over the arrays' shape: linear
    in the number of terms, where adding them pairwise copies the terms so far each time."""
    terms = [as_expr(t) for t in terms]
    if len(terms) == 1:
        return terms[0]
    shape = next((t.shape for t in terms if not t.is_scalar), terms[0].shape)
    flat = []
    for t in terms:
        t = broadcast(t, shape) if t.is_scalar and not is_scalar_shape(shape) else t
        flat.extend(t.args if isinstance(t, Add) else (t,))
    return Add.new(*flat)


def mul_all(factors: list[Any]) -> Expr:
    """``factors[0] * factors[1] * …`` (elementwise) as one product."""
    return _n_ary(Mul, factors)


def matmul_all(factors: list[Any]) -> Expr:
    """``factors[0] @ factors[1] @ …`` as one matrix product."""
    return _n_ary(MatMul, factors)


def _n_ary(cls: type, items: list[Any]) -> Expr:
    flat: list[Expr] = []
    for item in map(as_expr, items):
        flat.extend(item.args if isinstance(item, cls) else (item,))
    return flat[0] if len(flat) == 1 else cls.new(*flat)


def add(a: Any, b: Any) -> Expr:
    return add_all([a, b])


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
    return _n_ary(Mul, [a, b])


def matmul(a: Any, b: Any) -> Expr:
    return _n_ary(MatMul, [a, b])


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
