"""SymPy interop: :func:`from_sympy` reads SymPy matrix expressions, :func:`to_sympy` writes them.

Both directions are exact rewrites, node by node; nothing is parsed from strings and nothing is
guessed: a SymPy construct without a matcalc counterpart raises :class:`UnsupportedError` naming
its SymPy type.

**SymPy → matcalc** (:func:`from_sympy`)

=======================================  ================================================
SymPy                                    matcalc
=======================================  ================================================
``MatrixSymbol`` m×n / n×1 / 1×1         ``mc.matrix`` / ``mc.vector`` / ``mc.scalar``
``Symbol`` (a scalar)                    ``mc.scalar``; a dimension's name: the constant
``Integer``, ``Rational``, ``Float``, π  ``Const`` (a Float by its value)
``MatMul``, ``MatAdd``                   ``@`` (scalar factors: ``*``), ``+``
``Transpose``, ``Inverse``               ``.T``, ``inv``
``Trace``, ``Determinant``               ``tr``, ``det`` (of a 1×1 matrix: the entry)
``log(Determinant(X))``                  ``logdet(X)``
``MatPow(X, k)``, integer k              ``X @ … @ X``; ``eye`` for 0; ``inv(X) @ …`` for k < 0
``HadamardProduct``, ``HadamardPower``   elementwise ``*``, ``**`` (numeric exponent)
``Identity``, ``ZeroMatrix``, ``OneMatrix``  ``eye``, ``zeros``, ``ones``
``ElementwiseApplyFunction(Lambda)``     the body applied elementwise (below)
``KroneckerProduct``                     ``kron``
``DiagMatrix(v)``, ``DiagonalOf(X)``     ``diag(v)``, ``diag(X)``
``DiagonalMatrix(X)``                    ``diag(diag(X))``
``M[0, 0]`` of a 1×1 ``M``               ``M`` (matcalc scalars are 1×1)
``Add``, ``Mul``, ``Pow`` of scalars     ``+``, ``*``, ``**`` (numeric exponent)
=======================================  ================================================

Scalar functions, applied to scalars or, inside an ``ElementwiseApplyFunction``, elementwise:
``exp log sin cos tan tanh Abs sign`` by name, ``x**(1/2)`` → ``sqrt``, ``Max(0, x)`` →
``relu``, ``Heaviside(x, 0)`` → ``step``, ``1/(1 + exp(-x))`` → ``sigmoid``, ``log(1 + exp(x))``
→ ``softplus``.  The forms :func:`to_sympy` writes for ``sum``, ``norm2``, ``softmax`` and
``logsumexp`` are read back as those nodes: ``OneMatrix(1, r) * X * OneMatrix(c, 1)`` →
``sum(X)`` (either ones factor may be absent for a vector), ``sqrt(Trace(U.T*U))`` and
``sqrt((u.T*u)[0, 0])`` → ``norm2(U)``, ``log(sum(exp(z)))`` → ``logsumexp(z)``,
``exp(z) / sum(exp(z))`` → ``softmax(z)``.

Dimensions become matcalc dimensions by name (``Symbol("n")`` → ``mc.dims("n")``, a positive
integer symbol), whatever the SymPy symbol's assumptions.  SymPy symbols carry no matrix
properties; pass ``symbols={"S": mc.matrix("S", n, symmetric=True)}`` to map a name to a given
matcalc symbol.

**matcalc → SymPy** (:func:`to_sympy`): the inverse of the table above.  A matcalc array symbol
becomes a ``MatrixSymbol`` (its properties are dropped), a scalar symbol a plain ``Symbol``; an
elementwise product of arrays is a ``HadamardProduct`` and a scalar times an array a ``MatMul``
with a scalar coefficient; an elementwise function of an array is an
``ElementwiseApplyFunction`` of a ``Lambda``; ``sum(X)`` is ``OneMatrix(1, r) * X *
OneMatrix(c, 1)`` (a 1×1 matrix); ``norm2(X)`` is ``sqrt(Trace(X.T*X))`` (for a vector
``sqrt((x.T*x)[0, 0])``); ``logsumexp(z)`` is ``log(sum(exp(z)))`` and ``softmax(z)`` is
``exp(z) / sum(exp(z))``; ``diag`` is ``DiagMatrix`` or ``DiagonalOf``, ``kron`` a
``KroneckerProduct``.  A 1×1 matrix product stays a 1×1 ``MatMul`` at the top, and becomes its
entry ``M[0, 0]`` (a ``MatrixElement``) where SymPy needs a scalar (in a sum with a scalar, as a
coefficient, under a scalar function).  Derivation-only nodes (differentials ``dX``, named
partial derivatives) raise :class:`UnsupportedError`.
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Callable, Mapping

import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
from sympy.matrices.expressions.kronecker import KroneckerProduct
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.matrices.expressions.special import OneMatrix

from matcalc.core import builders as ops
from matcalc.core.errors import MatcalcError, ShapeError, UnsupportedError
from matcalc.core.expr import (
    Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose, add, broadcast, describe, matmul,
    mul,
)  # fmt: skip
from matcalc.core.nodes import (
    Det, Diag, DiagPart, Identity, Inverse, Kron, LogDet, LogSumExp, Norm1, Norm2, Softmax, Sum,
    Symbol, Trace, Zero,
)  # fmt: skip
from matcalc.core.spec import FUNCTIONS, ElementwiseFunction
from matcalc.core.shapes import ONE, SCALAR, Shape, as_dim, fmt_shape, is_scalar_shape

__all__ = ["from_sympy"]

_HALF = sympy.Rational(1, 2)


def _from_function() -> dict[type, ElementwiseFunction]:
    """SymPy scalar function classes read by name, from the function table; sqrt, relu, step,
    sigmoid and softplus are read as patterns below."""
    return {fn.sympy_class: fn for fn in FUNCTIONS.values() if fn.sympy_class is not None}


_FROM_FUNCTION = _from_function()


def _unsupported(expr: Any, why: str = "") -> UnsupportedError:
    kind = type(expr).__name__
    text = str(expr)
    if len(text) > 60:
        text = text[:59] + "…"
    detail = f": {why}" if why else ""
    return UnsupportedError(f"cannot convert the SymPy {kind} {text} to matcalc{detail}")


# ---------------------------------------------------------------------------------------------
# SymPy -> matcalc
# ---------------------------------------------------------------------------------------------


def from_sympy(expr: Any, symbols: Mapping[str, Symbol] | None = None) -> Expr:
    """Convert a SymPy matrix (or scalar) expression to a matcalc expression.

    ``symbols`` maps a name to the matcalc symbol to use for it (to give it properties such as
    ``symmetric=True``); its shape must match.  Raises :class:`UnsupportedError` naming the SymPy
    type of any part without a matcalc counterpart.  See the module docstring for the mapping.
    """
    if isinstance(expr, (bool, str)) or not isinstance(expr, (sympy.Basic, int, float)):
        raise UnsupportedError(
            f"from_sympy needs a SymPy expression, got a {type(expr).__name__} {expr!r}"
        )
    overrides = dict(symbols or {})
    for name, sym in overrides.items():
        if not isinstance(sym, Symbol):
            raise MatcalcError(
                f"symbols[{name!r}] must be a matcalc symbol (mc.matrix, mc.vector, mc.scalar), "
                f"got a {type(sym).__name__}"
            )
    if not isinstance(expr, sympy.Basic):
        return Const.new(expr)
    return _FromSympy(overrides, _dimension_names(expr), {}).convert(expr)


def _dimension_names(expr: sympy.Basic) -> set[str]:
    """Names of the symbols in the shapes of the matrices in ``expr``."""
    names: set[str] = set()
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, MatrixExpr):
            for d in node.shape:
                if isinstance(d, sympy.Basic):
                    names |= {s.name for s in d.free_symbols if isinstance(s, sympy.Symbol)}
    return names


def _dim(d: Any) -> sympy.Expr:
    """A SymPy shape entry as a matcalc dimension: symbols by name, as positive integers."""
    if not isinstance(d, sympy.Basic):
        return as_dim(d)
    syms = {s: sympy.Symbol(s.name, integer=True, positive=True) for s in d.free_symbols
            if isinstance(s, sympy.Symbol)}  # fmt: skip
    return as_dim(d.xreplace(syms) if syms else d)


def _shape(m: sympy.Basic) -> Shape:
    rows, cols = m.shape  # type: ignore[attr-defined]
    return (_dim(rows), _dim(cols))


class _FromSympy:
    """One conversion: ``env`` binds the variables of an enclosing ``Lambda`` to arrays."""

    def __init__(self, overrides: dict[str, Symbol], dim_names: set[str],
                 env: dict[sympy.Basic, Expr]) -> None:
        self.overrides = overrides
        self.dim_names = dim_names
        self.env = env
        self.memo: dict[sympy.Basic, Expr] = {}

    def convert(self, e: sympy.Basic) -> Expr:
        out = self.memo.get(e)
        if out is None:
            out = self._convert(e)
            self.memo[e] = out
        return out

    # -- dispatch -----------------------------------------------------------------------------
    def _convert(self, e: sympy.Basic) -> Expr:
        if e in self.env:
            return self.env[e]
        if isinstance(e, MatrixExpr):
            handler = _MATRIX_HANDLERS.get(type(e))
            if handler is None:
                raise _unsupported(e, "no matcalc counterpart")
            return handler(self, e)
        if isinstance(e, (sympy.Number, sympy.NumberSymbol)):
            return self._number(e)
        handler = _SCALAR_HANDLERS.get(type(e))
        if handler is not None:
            return handler(self, e)
        fn = _FROM_FUNCTION.get(type(e))  # type: ignore[arg-type]
        if fn is not None:
            return self._function(fn.name, e)
        raise _unsupported(e, "no matcalc counterpart")

    # -- leaves -------------------------------------------------------------------------------
    def _number(self, e: sympy.Expr) -> Expr:
        if e.is_Rational:
            return Const.new(e)
        if e.is_Float:
            return Const.new(float(e))
        if e.is_extended_real and e.is_finite:
            return Const.new(e)  # an exact real constant such as pi or sqrt(2)
        raise _unsupported(e, "only finite real numbers")

    def _override(self, name: str, shape: Shape) -> Symbol | None:
        sym = self.overrides.get(name)
        if sym is not None and sym.shape != shape:
            raise ShapeError(
                f"symbols[{name!r}] is {describe(sym)} but the SymPy expression has {name} as "
                f"{fmt_shape(shape)}"
            )
        return sym

    def matrix_symbol(self, e: sympy.MatrixSymbol) -> Expr:
        shape = _shape(e)
        sym = self._override(e.name, shape)
        if sym is not None:
            return sym
        if is_scalar_shape(shape):
            return _new_symbol(e.name, SCALAR)
        return _new_symbol(e.name, shape)

    def scalar_symbol(self, e: sympy.Symbol) -> Expr:
        if isinstance(e, sympy.Dummy):
            raise _unsupported(e, "a variable outside its Lambda")
        sym = self._override(e.name, SCALAR)
        if sym is not None:
            return sym
        if e.name in self.dim_names:  # a dimension as a number, as in tr(I_n) = n
            return Const.new(sympy.Symbol(e.name, integer=True, positive=True))
        return _new_symbol(e.name, SCALAR)

    def identity(self, e: sympy.Identity) -> Expr:
        n = _dim(e.rows)
        return Const.new(1) if n == ONE else Identity.new(n)

    def zero_matrix(self, e: sympy.ZeroMatrix) -> Expr:
        shape = _shape(e)
        return Const.new(0) if is_scalar_shape(shape) else Zero.new(shape)

    def one_matrix(self, e: OneMatrix) -> Expr:
        shape = _shape(e)
        return Const.new(1) if is_scalar_shape(shape) else Ones.new(shape)

    # -- matrix operations --------------------------------------------------------------------
    def mat_add(self, e: sympy.MatAdd) -> Expr:
        return reduce(add, (self.convert(a) for a in e.args))

    def mat_mul(self, e: sympy.MatMul) -> Expr:
        scalars = [self.convert(a) for a in e.args if not isinstance(a, MatrixExpr)]
        arrays = [a for a in e.args if isinstance(a, MatrixExpr)]
        product = self._chain(arrays) if arrays else None
        factors = scalars + ([product] if product is not None else [])
        if not factors:
            raise _unsupported(e, "an empty product")
        out = reduce(mul, factors)
        return _recognize_softmax(out)

    def _chain(self, arrays: list[sympy.Basic]) -> Expr:
        """A matrix product; a 1×1 product ``ones(1, r) @ Y``, ``Y @ ones(c, 1)`` or
        ``ones(1, r) @ Y @ ones(c, 1)`` is ``sum(Y)`` (to_sympy's form of sum)."""
        if len(arrays) >= 2 and arrays[0].shape[0] == 1 and arrays[-1].shape[1] == 1:
            left = isinstance(arrays[0], OneMatrix)
            right = isinstance(arrays[-1], OneMatrix)
            inner = arrays[int(left): len(arrays) - int(right)]
            if (left or right) and inner:
                summed = reduce(matmul, (self.convert(a) for a in inner))
                if isinstance(summed, Func) and summed.name == "abs":  # to_sympy's norm1
                    return Norm1.new(summed.arg)
                return Sum.new(summed)
        return reduce(matmul, (self.convert(a) for a in arrays))

    def transpose(self, e: sympy.Transpose) -> Expr:
        return Transpose.new(self.convert(e.arg))

    def inverse(self, e: sympy.Inverse) -> Expr:
        return Inverse.new(self.convert(e.arg))

    def mat_pow(self, e: sympy.MatPow) -> Expr:
        base, k = e.args
        if not isinstance(k, sympy.Integer):
            raise _unsupported(e, "only integer powers of a square matrix")
        b = self.convert(base)
        if b.rows != b.cols:
            raise ShapeError(f"a matrix power needs a square matrix, got {describe(b)}")
        k = int(k)
        if k == 0:
            return Const.new(1) if b.is_scalar else Identity.new(b.rows)
        factor = b if k > 0 else Inverse.new(b)
        return factor if abs(k) == 1 else MatMul.new(*([factor] * abs(k)))

    def hadamard_product(self, e: HadamardProduct) -> Expr:
        return reduce(mul, (self.convert(a) for a in e.args))

    def hadamard_power(self, e: HadamardPower) -> Expr:
        base, k = e.args
        if isinstance(k, MatrixExpr) or not isinstance(k, sympy.Number):
            raise _unsupported(e, "only a numeric exponent")
        return Pow.new(self.convert(base), self._exponent(e, k))

    def _exponent(self, e: sympy.Basic, k: sympy.Basic) -> Any:
        if isinstance(k, sympy.Rational):
            return k
        if isinstance(k, sympy.Float):
            return float(k)
        raise _unsupported(e, "only a rational or floating-point exponent")

    def applyfunc(self, e: ElementwiseApplyFunction) -> Expr:
        f, arg = e.function, self.convert(e.expr)
        if isinstance(f, sympy.Lambda) and len(f.variables) == 1:
            var, body = f.variables[0], f.expr
        elif isinstance(f, sympy.FunctionClass):
            var = sympy.Dummy("d")
            body = f(var)
        else:
            raise _unsupported(e, f"the function {f} is not a one-variable Lambda")
        inner = _FromSympy(self.overrides, self.dim_names, {**self.env, var: arg})
        out = inner.convert(body)
        return broadcast(out, arg.shape) if out.is_scalar and not arg.is_scalar else out

    def kronecker(self, e: KroneckerProduct) -> Expr:
        return reduce(Kron.new, (self.convert(a) for a in e.args))

    def diag_matrix(self, e: DiagMatrix) -> Expr:
        v = self.convert(e.args[0])
        if v.rows == ONE and v.cols != ONE:
            v = Transpose.new(v)
        return Diag.new(v)

    def diagonal_of(self, e: DiagonalOf) -> Expr:
        X = self.convert(e.arg)
        if X.rows != X.cols:
            raise _unsupported(e, "the diagonal of a non-square matrix")
        return X if X.is_scalar else DiagPart.new(X)

    def diagonal_matrix(self, e: DiagonalMatrix) -> Expr:
        X = self.convert(e.arg)
        if X.rows != X.cols:
            raise _unsupported(e, "the diagonal of a non-square matrix")
        return X if X.is_scalar else Diag.new(DiagPart.new(X))

    # -- scalar operations --------------------------------------------------------------------
    def trace(self, e: sympy.Trace) -> Expr:
        X = self.convert(e.arg)
        return X if X.is_scalar else Trace.new(X)

    def determinant(self, e: sympy.Determinant) -> Expr:
        X = self.convert(e.arg)
        return X if X.is_scalar else Det.new(X)

    def matrix_element(self, e: MatrixElement) -> Expr:
        parent, i, j = e.args
        if parent.shape == (1, 1) and i == 0 and j == 0:
            return self.convert(parent)
        raise _unsupported(e, "an entry of a matrix; only M[0, 0] of a 1×1 M is a matcalc scalar")

    def scalar_add(self, e: sympy.Add) -> Expr:
        return reduce(add, (self.convert(a) for a in e.args))

    def scalar_mul(self, e: sympy.Mul) -> Expr:
        return _recognize_softmax(reduce(mul, (self.convert(a) for a in e.args)))

    def scalar_pow(self, e: sympy.Pow) -> Expr:
        base, k = e.args
        if not isinstance(k, sympy.Number):
            raise _unsupported(e, "only a numeric exponent")
        w = _one_plus_exp(base)
        if k == -1 and w is not None:  # 1/(1 + exp(-u)) is sigmoid(u)
            return Func.new("sigmoid", self.convert(-w))
        if k == _HALF:
            return _recognize_norm(self.convert(base))
        return Pow.new(self.convert(base), self._exponent(e, k))

    def _function(self, name: str, e: sympy.Function) -> Expr:
        (arg,) = e.args
        if name == "log":
            if isinstance(arg, sympy.Determinant):
                X = self.convert(arg.arg)
                return Func.new("log", X) if X.is_scalar else LogDet.new(X)
            w = _one_plus_exp(arg)
            if w is not None:  # log(1 + exp(u)) is softplus(u)
                return Func.new("softplus", self.convert(w))
            u = self.convert(arg)
            if isinstance(u, Sum) and isinstance(u.arg, Func) and u.arg.name == "exp" \
                    and u.arg.arg.is_vector:
                return LogSumExp.new(u.arg.arg)
            return Func.new("log", u)
        return Func.new(name, self.convert(arg))

    def max_(self, e: sympy.Max) -> Expr:
        if len(e.args) == 2 and sympy.S.Zero in e.args:
            other = e.args[0] if e.args[1] == sympy.S.Zero else e.args[1]
            return Func.new("relu", self.convert(other))
        raise _unsupported(e, "only Max(0, x), which is relu")

    def heaviside(self, e: sympy.Heaviside) -> Expr:
        if len(e.args) == 2 and e.args[1] == 0:
            return Func.new("step", self.convert(e.args[0]))
        raise _unsupported(e, "only Heaviside(x, 0), which is step (0 at 0)")


def _one_plus_exp(e: sympy.Basic) -> sympy.Expr | None:
    """w if ``e`` is ``1 + exp(w)``, else None."""
    if isinstance(e, sympy.Add) and len(e.args) == 2 and sympy.S.One in e.args:
        other = e.args[0] if e.args[1] == sympy.S.One else e.args[1]
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def _new_symbol(name: str, shape: Shape) -> Symbol:
    if is_scalar_shape(shape):
        return ops.scalar(name)
    return ops.matrix(name, shape[0], shape[1]) if shape[1] != ONE else ops.vector(name, shape[0])


def _is_gram(e: Expr) -> Expr | None:
    """U for ``U.T @ U``, else None."""
    if isinstance(e, MatMul) and len(e.args) == 2 and isinstance(e.args[0], Transpose) \
            and e.args[0].args[0] is e.args[1]:
        return e.args[1]
    return None


def _recognize_norm(base: Expr) -> Expr:
    """sqrt(tr(U.T @ U)) and sqrt(u.T @ u) are norm2(U); any other base is sqrt(base)."""
    inner = base.arg if isinstance(base, Trace) else base
    u = _is_gram(inner)
    if u is not None and not u.is_scalar:
        return Norm2.new(u)
    return Func.new("sqrt", base)


def _recognize_softmax(e: Expr) -> Expr:
    """sum(exp(z))**-1 * exp(z) is softmax(z) for a column vector z."""
    if isinstance(e, Mul) and len(e.args) == 2:
        for s, v in (e.args, e.args[::-1]):
            if (isinstance(s, Pow) and s.exponent == -1 and isinstance(s.base, Sum)
                    and s.base.arg is v and isinstance(v, Func) and v.name == "exp"
                    and v.arg.is_vector):
                return Softmax.new(v.arg)
    return e


_MATRIX_HANDLERS: dict[type, Callable[[_FromSympy, Any], Expr]] = {
    sympy.MatrixSymbol: _FromSympy.matrix_symbol,
    sympy.Identity: _FromSympy.identity,
    sympy.ZeroMatrix: _FromSympy.zero_matrix,
    OneMatrix: _FromSympy.one_matrix,
    sympy.MatAdd: _FromSympy.mat_add,
    sympy.MatMul: _FromSympy.mat_mul,
    sympy.Transpose: _FromSympy.transpose,
    sympy.Inverse: _FromSympy.inverse,
    sympy.MatPow: _FromSympy.mat_pow,
    HadamardProduct: _FromSympy.hadamard_product,
    HadamardPower: _FromSympy.hadamard_power,
    ElementwiseApplyFunction: _FromSympy.applyfunc,
    KroneckerProduct: _FromSympy.kronecker,
    DiagMatrix: _FromSympy.diag_matrix,
    DiagonalOf: _FromSympy.diagonal_of,
    DiagonalMatrix: _FromSympy.diagonal_matrix,
}

_SCALAR_HANDLERS: dict[type, Callable[[_FromSympy, Any], Expr]] = {
    sympy.Symbol: _FromSympy.scalar_symbol,
    sympy.Dummy: _FromSympy.scalar_symbol,
    sympy.Trace: _FromSympy.trace,
    sympy.Determinant: _FromSympy.determinant,
    MatrixElement: _FromSympy.matrix_element,
    sympy.Add: _FromSympy.scalar_add,
    sympy.Mul: _FromSympy.scalar_mul,
    sympy.Pow: _FromSympy.scalar_pow,
    sympy.Max: _FromSympy.max_,
    sympy.Heaviside: _FromSympy.heaviside,
}


