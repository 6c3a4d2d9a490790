"""The engine: simplify, take the differential, identify the derivative, arrange the layout.

``differentiate`` is one derivative with every stage kept; ``matcalc.engine.diff`` is the
public front (several variables, an upstream gradient, the index form, Hessians).

Cost: linear in the size of the expression DAG for chains, long sums and products, weights used
many times and deep networks (``tests/test_scaling.py``, ``tests/test_depth.py``, benchmark
section (e)).  Not where a level uses the variable's path twice inside an elementwise product,
as in p ⊙ sin(v + p) nested k deep: the canonical form multiplies sums of Hadamard products out
and does not factor a shared Hadamard factor back, so the differential doubles its terms at
every level (exponential in k; 14 levels take seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import Expr, as_expr, describe
from matcalc.core.nodes import Differential, Symbol
from matcalc.core.walk import postorder
from matcalc.engine.layout import (
    Case, Layout, arrange, check_layout, classify, natural_shape, resolve_layout,
)
from matcalc.rules.differential import differential
from matcalc.rules.linear import NOT_APPLICABLE
from matcalc.rules.pullback import gradient_of, gradients_of
from matcalc.rules.read.jacobian import derivative_by_scalar, jacobian_of
from matcalc.rules.read.vec import vec_jacobian_of
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_mul, c_sum, c_transpose, c_vec, const, is_zero, simplify,
    substitute, zero,
)


@dataclass(frozen=True)
class Differentiation:
    """Every stage of one derivative, for printing how it was found."""

    f: Expr
    wrt: Symbol
    layout: Layout
    case: Case
    canonical: Expr  #: f in canonical form
    differential: Expr  #: df, linear in dX (0 when f does not depend on X)
    natural: Expr  #: the derivative read off df, before the layout is applied
    result: Expr  #: the derivative in the requested layout
    structure: str = "unstructured"  #: or "symmetric": by the free entries of a symmetric S


def resolve_wrt(f: Any, wrt: Any, text: str | None = None) -> Any:
    """``wrt`` with each name (a str) replaced by f's variable of that name, so that an
    expression read from text is differentiated by ``"x"``; anything else is left to
    ``check_wrt``.  ``text`` is how the error quotes f (the text the user typed)."""
    if isinstance(wrt, (list, tuple)):
        return type(wrt)(resolve_wrt(f, w, text) for w in wrt)
    if not isinstance(wrt, str):
        return wrt
    by_name = {s.name: s for s in as_expr(f).free_symbols()}
    if wrt not in by_name:
        raise MatcalcError(f"{wrt} does not appear in {text if text is not None else str(f)!r}; "
                           f"its variables are {', '.join(sorted(by_name)) or 'none'}")
    return by_name[wrt]


def check_wrt(wrt: Any) -> Symbol:
    if isinstance(wrt, Symbol):
        return wrt
    if isinstance(wrt, Expr):
        raise MatcalcError(
            f"can only differentiate with respect to a symbol, got {describe(wrt)}; "
            "introduce a symbol for it"
        )
    raise MatcalcError(
        f"can only differentiate with respect to a symbol, got {type(wrt).__name__} {wrt!r}"
    )


STRUCTURES = ("unstructured", "symmetric", "diagonal")


def _no_differentials(f: Expr) -> None:
    if any(isinstance(n, Differential) for n in postorder(f)):
        raise MatcalcError("the expression contains a differential; differentiate f, not df")
    _distinct_names(f)


def _distinct_names(f: Expr) -> None:
    """Two symbols of one name would print alike and collide in code: refused."""
    seen: dict[str, Symbol] = {}
    for s in sorted(f.free_symbols(), key=lambda s: (s.name, str(s.shape))):
        if s.name in seen:
            raise MatcalcError(f"two different symbols are named {s.name}: "
                               f"{describe(seen[s.name])} and {describe(s)}; rename one")
        seen[s.name] = s


def differentiate(f: Any, wrt: Any, layout: str | None = None,
                  structure: str = "unstructured") -> Differentiation:
    f = as_expr(f)
    x = check_wrt(resolve_wrt(f, wrt))
    check_layout(layout)
    if structure != "unstructured":
        return _structured(f, x, layout, structure)
    _no_differentials(f)
    case = classify(f, x)
    layout = resolve_layout(layout, case)
    if x.props:
        # unstructured: every entry of a symmetric (spd, diagonal) variable is independent,
        # so f is read with a plain variable of the same name, and the properties come back
        # in the result, where Sᵀ = S holds at every point the variable can take
        plain = Symbol.new(x.name, x.shape)
        d = differentiate(substitute(f, {x: plain}), plain, layout)
        back = {plain: x}
        return Differentiation(f, x, layout, case, d.canonical, d.differential,
                               substitute(d.natural, back), substitute(d.result, back))
    canonical = simplify(f)
    df = differential(canonical, [x])
    if df is None or is_zero(df):
        natural = zero(natural_shape(case, f.shape, x.shape))
        df = zero(f.shape)
    else:
        dx = Differential.new(x)
        if case is Case.SCALAR_BY_ARRAY:
            natural = gradient_of(df, dx)
        elif case is Case.VECTOR_BY_VECTOR:
            natural = jacobian_of(df, dx)  # compact: diagonals, Hadamard products
            if natural is NOT_APPLICABLE:
                natural = vec_jacobian_of(df, dx)  # general: every linear node has a rule
        elif case is Case.VEC:
            natural = vec_jacobian_of(df, dx)
        else:
            natural = derivative_by_scalar(df, dx)
    result = simplify(arrange(case, natural, layout))
    return Differentiation(f, x, layout, case, canonical, df, natural, result)


def _structured(f: Expr, x: Symbol, layout: str | None, structure: str) -> Differentiation:
    """The derivative by the free entries of a structured matrix (Matrix Cookbook §2.8): for a
    symmetric S, whose entries Sᵢⱼ = Sⱼᵢ are one variable, ∂f/∂S = G + Gᵀ − G ⊙ I; by the
    diagonal of a square matrix D (its only free entries when D is diagonal), G ⊙ I; with G the
    unstructured gradient."""
    if structure not in STRUCTURES:
        raise MatcalcError(f"unknown structure {structure!r}; choose one of "
                           f"{', '.join(repr(s) for s in STRUCTURES)}")
    if structure == "diagonal":
        if x.is_scalar or x.rows != x.cols:
            raise MatcalcError(f"structure='diagonal' needs a square matrix, got {describe(x)}")
        return _by_free_entries(f, x, layout, structure, lambda G: c_diag(c_diagpart(G)))
    if not (x.symmetric and not x.is_scalar) or x.diagonal:
        raise MatcalcError(f"structure='symmetric' needs a matrix declared symmetric (or spd), "
                           f"not diagonal, got {describe(x)}; declare it symmetric: "
                           f"mc.matrix(\"{x.name}\", n, symmetric=True), or on the command "
                           f"line --var \"{x.name}: matrix(n, n) symmetric\"")
    return _by_free_entries(f, x, layout, structure, lambda G: c_add(
        [G, c_transpose(G), c_mul([const(-1), c_diag(c_diagpart(G))])]))


def _by_free_entries(f: Expr, x: Symbol, layout: str | None, structure: str,
                     from_gradient) -> Differentiation:
    d = differentiate(f, x, Layout.DENOMINATOR)
    if d.case is not Case.SCALAR_BY_ARRAY:
        raise UnsupportedError("structured derivatives are for a scalar function of a matrix")
    natural = from_gradient(d.natural)
    layout = resolve_layout(layout, d.case)
    result = simplify(arrange(d.case, natural, layout))
    return Differentiation(f, x, layout, d.case, d.canonical, d.differential, natural, result,
                           structure)


def upstream_scalar(f: Any, upstream: Any) -> Expr:
    """⟨G, f⟩ = sum(G ⊙ f): the loss whose gradient is the backward pass given ∂L/∂f = G."""
    f, G = as_expr(f), as_expr(upstream)
    if G.shape != f.shape:
        raise MatcalcError(
            f"the upstream gradient must have the shape of the expression: got {describe(G)} "
            f"for {describe(f)}"
        )
    return c_sum(c_mul([G, simplify(f)]))


def gradients_at_once(f: Any, wrt: Any, layout: str, structure: str):
    """The gradients of a scalar by several plain variables from one backward sweep, so the
    gradient of a k-layer network by all its weights costs O(k), not O(k²)."""
    f = as_expr(f)
    xs = [check_wrt(w) for w in resolve_wrt(f, wrt)]
    check_layout(layout)
    _no_differentials(f)
    if (not f.is_scalar or structure != "unstructured" or any(x.props for x in xs)
            or len(set(xs)) != len(xs)):
        return None
    cases = [classify(f, x) for x in xs]
    if any(c is not Case.SCALAR_BY_ARRAY for c in cases):
        return None
    layout = resolve_layout(layout, Case.SCALAR_BY_ARRAY)
    df = differential(simplify(f), xs)
    if df is None or is_zero(df):
        return tuple(simplify(arrange(c, zero(x.shape), layout)) for c, x in zip(cases, xs))
    grads = gradients_of(df, [Differential.new(x) for x in xs])
    return tuple(simplify(arrange(c, grads[Differential.new(x)], layout)) for c, x in zip(cases, xs))


def plain_variables(variables: list[Symbol]) -> dict[Symbol, Symbol]:
    """Each variable with declared properties, mapped to a plain symbol of its name: the
    unstructured convention differentiates every entry on its own."""
    return {v: Symbol.new(v.name, v.shape) for v in dict.fromkeys(variables) if v.props}


def hessian_as_derivative(f: Expr, x: Symbol, y: Symbol) -> tuple[Expr, Symbol, Layout]:
    """(F, y, layout) with the Hessian of f by x and y the first derivative diff(F, y, layout)
    of F = vec(∂f/∂x): for plain variables; by a scalar x and a matrix y it is that
    derivative's vec, transposed (a row, d(∂f/∂x)/d vec(y)ᵀ)."""
    G = differentiate(f, x, Layout.DENOMINATOR).result
    if x.is_scalar and y.cols != 1:
        return G, y, Layout.DENOMINATOR
    return c_vec(G), y, Layout.NUMERATOR
