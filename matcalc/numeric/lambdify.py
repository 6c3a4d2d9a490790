"""Numpy evaluation: ``lambdify(expr)`` returns a function of arrays passed by symbol name.

The function is the one the code generator writes (``codegen``), so what a user reads with
``--code`` is exactly what runs here: each distinct node computed once, products in their
cheapest order, diagonals applied by broadcasting.  This module binds arrays and sizes by
name and checks them for consistency, with messages that name the symbol.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import sympy

from matcalc.core.guards import recursion_guarded
from matcalc.core.errors import MatcalcError, NumericError, UnsupportedError
from matcalc.core.expr import Expr, as_expr
from matcalc.core.nodes import Symbol
from matcalc.core.shapes import fmt_shape
from matcalc.core.variables import variables_of
from matcalc.core.walk import postorder
from matcalc.engine.index_form import IndexForm
from matcalc.numeric.backends import backend_named
from matcalc.numeric.codegen import dimension_symbols, generate

Env = dict[sympy.Symbol, int]


def _dims(shape, env: Env) -> tuple[int, int]:
    return tuple(int(d.subs(env)) if not d.is_Integer else int(d) for d in shape)  # type: ignore


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


#: the largest dimension accepted by keyword: an identity of that size already takes 80 GB
MAX_SIZE = 100_000


def _size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise NumericError(f"the dimension {name} must be a positive integer, got {value!r}")
    if value > MAX_SIZE:
        raise NumericError(f"the dimension {name} = {value} is too large to evaluate (at most "
                           f"{MAX_SIZE:,}): arrays of that size would not fit in memory")
    return int(value)


def _as_array(sym: Symbol, value: Any) -> np.ndarray:
    """The value as a float array, refusing what would be silently wrong: text ("2"), complex
    numbers (their imaginary part would be dropped), objects (None), NaN and infinities."""
    if isinstance(value, (str, bytes)):
        raise NumericError(f"{sym.name} must be a number or an array of numbers, got the text "
                           f"{value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # a ragged list
        raise NumericError(f"{sym.name} must be a number or a rectangular array of numbers, "
                           f"got {type(value).__name__}") from None
    if raw.dtype.kind == "O" and not any(v is None or isinstance(v, (str, bytes))
                                         for v in raw.flat):
        try:  # exact numbers (Fraction, Decimal, SymPy's): their float values
            raw = raw.astype(float)
        except (TypeError, ValueError):
            raise NumericError(f"{sym.name} must be an array of numbers; it holds "
                               f"{type(next(v for v in raw.flat if not _is_number(v))).__name__}"
                               " values") from None
    if np.iscomplexobj(raw):
        raise NumericError(f"{sym.name} is complex; matcalc evaluates real arrays (the imaginary "
                           "part would be dropped)")
    if raw.dtype.kind not in "biuf":
        raise NumericError(f"{sym.name} must be a number or an array of numbers, got an array "
                           f"of {raw.dtype} values")
    try:
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise NumericError(
            f"{sym.name} must be a number or an array of numbers, got {type(value).__name__}"
        ) from None
    if not np.all(np.isfinite(arr)):
        raise NumericError(f"{sym.name} has entries that are not finite (NaN or infinite)")
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


def bind_arguments(symbols: list[Symbol], dimensions: list[sympy.Symbol],
                   kwargs: dict[str, Any], optional: list[Symbol] = ()
                   ) -> tuple[dict[str, np.ndarray], Env]:
    """The arrays by symbol name and every dimension's size, from keyword arguments: arrays
    by symbol name, sizes by dimension name (for those no array shows); errors name both.
    ``optional``: symbols whose arrays may be passed for the sizes they carry (the variables
    of a derivative that no longer shows them).  Any other name is refused, with the list."""
    dim_names = {str(d): d for d in dimensions}
    given: Env = {}
    arrays: dict[str, np.ndarray] = {}
    by_name = {s.name: s for s in [*optional, *symbols]}
    for key, value in kwargs.items():
        if key in by_name:
            arrays[key] = _as_array(by_name[key], value)
        elif key in dim_names:
            given[dim_names[key]] = _size(key, value)
        else:
            raise NumericError(f"unknown argument {key!r}{_did_you_mean(key, [*by_name, *dim_names])}"
                               f"; {_expected(symbols, optional, dimensions)}")
    missing = [s for s in symbols if s.name not in arrays]
    if missing:
        raise NumericError(
            "missing array for " + ", ".join(f"{s.name} ({fmt_shape(s.shape)})" for s in missing)
        )
    env = bind_dimensions([*symbols, *(v for v in optional if v.name in arrays
                                       and by_name[v.name] is v)], arrays, given)
    unbound = [d for d in dimensions if d not in env]
    if unbound:
        carriers = [v.name for v in optional if unbound[0] in v.shape]
        also = f", or the array {carriers[0]} it is a size of" if carriers else ""
        raise NumericError(f"dimension {unbound[0]} cannot be read from the arrays; pass it, "
                           f"e.g. {unbound[0]}=3{also}")
    return arrays, env


def _did_you_mean(key: str, names: list[str]) -> str:
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _expected(symbols: list[Symbol], optional: list[Symbol], dimensions: list) -> str:
    """What a function takes: its arrays, the arrays it takes for their sizes, its sizes."""
    names = [*(s.name for s in symbols), *(f"{s.name} (for its sizes)" for s in optional),
             *(f"{d} (a size)" for d in dimensions)]
    return f"expected {', '.join(names) or 'no arguments'}"


class NumpyFunction:
    """A compiled expression: call it with arrays by symbol name (or a dict).  ``variables``:
    symbols it also takes, for their sizes only (see ``lambdify``)."""

    def __init__(self, expr: Expr, variables: Any = ()):
        self.expr = as_expr(expr)
        order = postorder(self.expr)
        self.generated = generate([self.expr], None)
        self.symbols = sorted((n for n in order if isinstance(n, Symbol)), key=lambda s: s.name)
        self.names = [s.name for s in self.symbols]
        for v in variables:
            if not isinstance(v, Symbol):
                raise MatcalcError(f"variables= takes matcalc symbols, got {v!r}")
        self.variables = sorted({v for v in [*variables_of(self.expr), *variables]
                                 if v.name not in self.names}, key=lambda s: s.name)
        self.dimensions = sorted(dimension_symbols(order), key=str)
        self._function = self.generated.compile()

    @property
    def source(self) -> str:
        """The generated numpy source this function runs."""
        return self.generated.source

    def __call__(self, *args: Any, **kwargs: Any):
        if args:
            if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
                kwargs = dict(args[0])
            else:
                raise MatcalcError(
                    f"pass arrays by symbol name, e.g. f({', '.join(f'{n}=...' for n in self.names)})"
                )
        arrays, env = bind_arguments(self.symbols, self.dimensions, kwargs, self.variables)
        by_argument = {**arrays, **{str(d): env[d] for d in self.dimensions}}
        with np.errstate(all="ignore"):
            try:
                return self._function(*(by_argument[a] for a in self.generated.arguments))
            except np.linalg.LinAlgError as error:
                why = "a matrix is singular" if str(error) == "Singular matrix" else str(error)
                raise NumericError(f"{self.expr} is undefined at these inputs: {why}") from None

    def __repr__(self) -> str:
        return f"<numpy function of {', '.join(self.names)}: {self.expr}>"


class BackendFunction:
    """A compiled expression in JAX or PyTorch: call it with arrays by symbol name (and sizes
    no array shows by their names).  ``function`` is the generated function itself, with
    positional arguments in the order of ``arguments``: what ``jax.jit`` and ``jax.vmap``
    take.  Arrays are passed as they are (a torch tensor keeps its device and dtype)."""

    def __init__(self, expr: Expr, variables: Any, backend: str):
        self.expr = as_expr(expr)
        for v in variables:
            if not isinstance(v, Symbol):
                raise MatcalcError(f"variables= takes matcalc symbols, got {v!r}")
        order = postorder(self.expr)
        sized = [v for v in [*variables_of(self.expr), *variables]
                 if any(d in dimension_symbols(order) for d in v.shape)]
        self.generated = generate([self.expr], None, arguments=sized, backend=backend)
        self.backend = backend
        self.arguments = self.generated.arguments
        self.function = self.generated.compile()

    @property
    def source(self) -> str:
        return self.generated.source

    def __call__(self, **kwargs: Any):
        unknown = [k for k in kwargs if k not in self.arguments]
        if unknown:
            raise NumericError(f"unknown argument {unknown[0]!r}"
                               f"{_did_you_mean(unknown[0], self.arguments)}; expected "
                               f"{', '.join(self.arguments) or 'no arguments'}")
        missing = [a for a in self.arguments if a not in kwargs]
        if missing:
            raise NumericError(f"missing argument {missing[0]!r}; expected "
                               f"{', '.join(self.arguments)}")
        return self.function(*(kwargs[a] for a in self.arguments))

    def __repr__(self) -> str:
        return f"<{self.backend} function of {', '.join(self.arguments)}: {self.expr}>"


@recursion_guarded
def lambdify(expr: Any, variables: Any = (), backend: str = "numpy") -> Any:
    """A numpy function of ``expr``: call it with arrays by symbol name; vectors may be 1-D or
    n×1.  A size no array shows is passed by its name (n=3), or read from a variable: a
    derivative knows the variables it was taken from, so ``lambdify(diff(tr(X), X))(X=x0)``
    reads n from X although ∂tr(X)/∂X = I shows no X (and ∂f/∂x takes f's arrays); for an
    expression built by hand, ``variables=[X]`` says the same.  Unknown names are refused.  A scalar comes back as a float, anything else as a 2-D array of the expression's
    shape (an n×1 column, a 1×n row).  An index form (``diff(..., form="index")``) gives the
    4-D array d4[i, j, k, l] = ∂F_ij/∂X_kl, computed with numpy einsum.

    ``backend="jax"`` or ``"torch"``: the same generated function in JAX or PyTorch, taking
    that library's arrays as they are (see :class:`BackendFunction`)."""
    if backend != "numpy":
        if isinstance(expr, IndexForm):
            raise UnsupportedError("an index form is evaluated with numpy einsum only; omit "
                                   "backend= or use the matrix form")
        backend_named(backend)
        return BackendFunction(as_expr(expr), variables, backend)
    if isinstance(expr, IndexForm):
        return IndexFunction(expr)
    return NumpyFunction(as_expr(expr), variables)


def _einsum_args(operands: list, subscripts: list[tuple[str, ...]], out: list[str]) -> list:
    """einsum's interleaved form (operand, axes, …, output axes), index names as integers, so
    a term may have more indices than there are letters."""
    number: dict[str, int] = {}
    args: list = []
    for operand, names in zip(operands, subscripts):
        args += [operand, [number.setdefault(x, len(number)) for x in names]]
    return args + [[number.setdefault(x, len(number)) for x in out]]


class IndexFunction:
    """The 4-D array d4[i, j, k, l] = ∂F_{ij}/∂X_{kl} from an index form, by numpy einsum."""

    def __init__(self, form: IndexForm):
        self.form = form
        self.dims = dict(form.dims)
        self.pieces = []
        for t in form.terms:
            coefficient = [lambdify(c) for c in t.coefficient]
            factors = [(lambdify(e), tuple(x for x in idx if x)) for e, idx in t.factors]
            self.pieces.append((coefficient, factors, t.deltas))
        self.symbols = sorted(form.f.free_symbols() | {form.wrt}, key=lambda s: s.name)
        self.names = [s.name for s in self.symbols]
        dims: set = dimension_symbols(self.symbols)
        for dim in self.dims.values():  # the summed indices' dimensions too
            dims |= dim.free_symbols
        self.dimensions = sorted(dims, key=str)

    def __call__(self, **arrays: Any) -> np.ndarray:
        bound, env = bind_arguments(self.symbols, self.dimensions, arrays)
        sizes = {str(k): v for k, v in env.items()}
        size = {name: int(dim.subs(env)) for name, dim in self.dims.items()}
        shape = tuple(int(s.subs(env)) for s in self.form.shape)

        def value(fn) -> np.ndarray:
            args = {k: bound[k] for k in fn.names}
            args.update({str(d): sizes[str(d)] for d in fn.dimensions})
            return np.asarray(fn(**args), dtype=float)

        out_names = [x for x in self.form.free if x]
        out = np.zeros([size[x] for x in out_names])
        for coefficient, factors, deltas in self.pieces:
            scale = float(np.prod([value(c) for c in coefficient])) if coefficient else 1.0
            operands, subscripts = [], []
            for fn, names in factors:
                operands.append(value(fn).reshape([size[x] for x in names]))
                subscripts.append(names)
            for a, b in deltas:
                operands.append(np.eye(size[a]))
                subscripts.append((a, b))
            seen = {x for names in subscripts for x in names}
            for x in out_names:  # a free index no factor carries: the term is constant in it
                if x not in seen:
                    operands.append(np.ones(size[x]))
                    subscripts.append((x,))
            if operands:
                out = out + scale * np.einsum(*_einsum_args(operands, subscripts, out_names))
            else:  # a term that is a number (d(st)/ds = t): no array to contract
                out = out + scale
        return out.reshape(shape)
