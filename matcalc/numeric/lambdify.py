"""Numpy evaluation: ``lambdify(expr)`` returns a function of arrays passed by symbol name.

Each distinct node is computed once (the DAG is the common-subexpression elimination), in one
pass over a precomputed order, with one numpy rule per node type.  Dimensions are read from the
arrays and checked for consistency.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy

from ..errors import MatcalcError, NumericError
from ..expr import (
    Add, Const, Delta, Det, Diag, DiagPart, Expr, Func, Identity, Inverse, Kron, LogDet,
    LogSumExp, MatMul, Mul, Norm2, Ones, Partial, Pow, Softmax, Sum, Symbol, Trace, Transpose,
    Zero, as_expr,
)  # fmt: skip
from ..functions import FUNCTIONS
from ..shapes import fmt_shape
from ..walk import postorder

Env = dict[sympy.Symbol, int]


def _dims(shape, env: Env) -> tuple[int, int]:
    return tuple(int(d.subs(env)) if not d.is_Integer else int(d) for d in shape)  # type: ignore


def _scalar(x) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(1, 1)


def _pow(base: np.ndarray, k: sympy.Expr) -> np.ndarray:
    if k.is_Integer:
        k = int(k)
        return base**k if k >= 0 else 1.0 / base ** (-k)
    return np.power(base, float(k))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _logdet(X: np.ndarray) -> np.ndarray:
    sign, logabs = np.linalg.slogdet(X)
    return _scalar(logabs if sign > 0 else np.nan)


def _inv(node, X: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(X)
    except np.linalg.LinAlgError:
        raise NumericError(f"{node} is undefined here: the matrix {node.arg} is singular") from None


def _matmul(values: list[np.ndarray]) -> np.ndarray:
    if len(values) == 2:
        return values[0] @ values[1]
    if len(values) <= 12:  # numpy's optimal ordering costs O(k³): worth it for short chains
        return np.linalg.multi_dot(values)
    # a long chain: from the thin end, so a product ending in a vector stays matrix-vector
    if values[-1].shape[1] <= values[0].shape[0]:
        out = values[-1]
        for v in reversed(values[:-1]):
            out = v @ out
        return out
    out = values[0]
    for v in values[1:]:
        out = out @ v
    return out


def _product(values: list[np.ndarray]) -> np.ndarray:
    out = values[0]
    for v in values[1:]:
        out = out * v
    return out


def _delta(node, vals, env):
    raise MatcalcError(f"cannot evaluate {node}: it stands for a derivative or a differential; "
                       "evaluate the derivation's result instead")


#: node type -> rule(node, values of its args, dimension environment) -> 2-D array
RULES: dict[type[Expr], Callable[[Any, list[np.ndarray], Env], np.ndarray]] = {
    Const: lambda n, v, env: _scalar(float(n.value.subs(env))),
    Identity: lambda n, v, env: np.eye(_dims(n.shape, env)[0]),
    Ones: lambda n, v, env: np.ones(_dims(n.shape, env)),
    Zero: lambda n, v, env: np.zeros(_dims(n.shape, env)),
    Delta: _delta,
    Partial: _delta,
    Add: lambda n, v, env: np.sum(v, axis=0) if len(v) > 2 else v[0] + v[1],
    Mul: lambda n, v, env: _product(v),
    MatMul: lambda n, v, env: _matmul(v),
    Pow: lambda n, v, env: _pow(v[0], n.exponent),
    Func: lambda n, v, env: FUNCTIONS[n.name].numpy(v[0]),
    Transpose: lambda n, v, env: v[0].T,
    Trace: lambda n, v, env: _scalar(np.trace(v[0])),
    Det: lambda n, v, env: _scalar(np.linalg.det(v[0])),
    LogDet: lambda n, v, env: _logdet(v[0]),
    Inverse: lambda n, v, env: _inv(n, v[0]),
    Sum: lambda n, v, env: _scalar(v[0].sum()),
    Norm2: lambda n, v, env: _scalar(np.linalg.norm(v[0])),
    Diag: lambda n, v, env: np.diag(v[0][:, 0]),
    DiagPart: lambda n, v, env: np.diag(v[0]).reshape(-1, 1).copy(),
    Softmax: lambda n, v, env: _softmax(v[0]),
    LogSumExp: lambda n, v, env: _scalar(np.logaddexp.reduce(v[0], axis=None)),
    Kron: lambda n, v, env: np.kron(v[0], v[1]),
}


def _size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise NumericError(f"the dimension {name} must be a positive integer, got {value!r}")
    return int(value)


def _as_array(sym: Symbol, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NumericError(
            f"{sym.name} must be a number or an array of numbers, got {type(value).__name__}"
        ) from None
    rows, cols = sym.shape
    if sym.is_scalar:
        if arr.size != 1:
            raise NumericError(f"{sym.name} is a scalar but got an array of shape {arr.shape}")
        return arr.reshape(1, 1)
    if arr.ndim == 1 and cols == 1:
        return arr.reshape(-1, 1)  # a 1-D array is a column vector
    if arr.ndim != 2:
        kind = "vector" if cols == 1 else "matrix"
        raise NumericError(
            f"{sym.name} is a {kind} ({fmt_shape(sym.shape)}) but got an array with "
            f"{arr.ndim} dimensions (shape {arr.shape})"
        )
    return arr


def bind_dimensions(symbols: list[Symbol], arrays: dict[str, np.ndarray], given: Env) -> Env:
    """Read every dimension symbol off the arrays; refuse inconsistent sizes, naming both."""
    env: Env = dict(given)
    source: dict[sympy.Symbol, str] = {d: "the keyword argument" for d in given}
    for sym in symbols:
        arr = arrays[sym.name]
        for axis, (d, actual) in enumerate(zip(sym.shape, arr.shape)):
            what = "rows" if axis == 0 else "columns"
            if d.is_Integer:
                if int(d) != actual:
                    raise NumericError(
                        f"{sym.name} must have {d} {what} ({fmt_shape(sym.shape)}), "
                        f"got an array of shape {arr.shape}"
                    )
            elif d.is_Symbol:
                if d in env and env[d] != actual:
                    raise NumericError(
                        f"{sym.name} has {actual} {what} but {d} = {env[d]} from "
                        f"{source[d]} ({sym.name} is {fmt_shape(sym.shape)})"
                    )
                env[d] = actual
                source[d] = sym.name
    for sym in symbols:  # compound dimensions such as n*m
        arr = arrays[sym.name]
        for d, actual in zip(sym.shape, arr.shape):
            if not (d.is_Integer or d.is_Symbol):
                value = d.subs(env)
                if value.is_Integer and int(value) != actual:
                    raise NumericError(
                        f"{sym.name} must be {fmt_shape(sym.shape)} = "
                        f"{_dims(sym.shape, env)}, got {arr.shape}"
                    )
    return env


def dimension_symbols(nodes: list[Expr]) -> set[sympy.Symbol]:
    """The dimension symbols in shapes and in constants (tr(I_n) = n)."""
    found: set[sympy.Symbol] = set()
    for node in nodes:
        for dim in node.shape:
            found |= dim.free_symbols
        if isinstance(node, Const):
            found |= node.value.free_symbols
    return found


class NumpyFunction:
    """A compiled expression: call it with arrays by symbol name (or a dict)."""

    def __init__(self, expr: Expr):
        self.expr = as_expr(expr)
        self.order = postorder(self.expr)
        self.symbols = sorted(
            (n for n in self.order if isinstance(n, Symbol)), key=lambda s: s.name
        )
        names = [s.name for s in self.symbols]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise MatcalcError(
                f"two different symbols share the name {sorted(dup)[0]!r}; rename one"
            )
        self.dimensions = sorted(dimension_symbols(self.order), key=str)
        self.names = names
        clash = set(names) & {str(d) for d in self.dimensions}
        if clash:
            name = sorted(clash)[0]
            raise MatcalcError(
                f"the symbol {name!r} has the name of the dimension {name}; rename one, since "
                "arrays and sizes are both passed by name"
            )

    def __call__(self, *args: Any, **kwargs: Any):
        if args:
            if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
                kwargs = dict(args[0])
            else:
                raise MatcalcError(
                    f"pass arrays by symbol name, e.g. f({', '.join(f'{n}=...' for n in self.names)})"
                )
        dim_names = {str(d): d for d in self.dimensions}
        given: Env = {}
        arrays: dict[str, np.ndarray] = {}
        by_name = {s.name: s for s in self.symbols}
        for key, value in kwargs.items():
            if key in by_name:
                arrays[key] = _as_array(by_name[key], value)
            elif key in dim_names:
                given[dim_names[key]] = _size(key, value)
            # other names are ignored, so f and ∂f can be called with the same arrays; a
            # misspelt name still fails below as a missing array
        missing = [s for s in self.symbols if s.name not in arrays]
        if missing:
            raise NumericError(
                "missing array for "
                + ", ".join(f"{s.name} ({fmt_shape(s.shape)})" for s in missing)
            )
        env = bind_dimensions(self.symbols, arrays, given)
        unbound = [d for d in self.dimensions if d not in env]
        if unbound:
            raise NumericError(
                f"dimension {unbound[0]} cannot be read from the arrays; pass it, e.g. "
                f"{unbound[0]}=3"
            )
        values: dict[Expr, np.ndarray] = {}
        with np.errstate(all="ignore"):
            for node in self.order:
                if isinstance(node, Symbol):
                    values[node] = arrays[node.name]
                else:
                    values[node] = RULES[type(node)](node, [values[a] for a in node.args], env)
        out = values[self.expr]
        if self.expr.is_scalar:
            return float(out.reshape(-1)[0])
        return out

    def __repr__(self) -> str:
        return f"<numpy function of {', '.join(self.names)}: {self.expr}>"


def lambdify(expr: Any) -> NumpyFunction:
    """A numpy function of ``expr``: call it with arrays by symbol name; vectors may be 1-D or
    n×1.  A scalar comes back as a float, anything else as a 2-D array of the expression's
    shape (an n×1 column, a 1×n row)."""
    return NumpyFunction(as_expr(expr))
