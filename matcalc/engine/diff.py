"""The public front of the engine: ``diff``, ``gradient``, ``jacobian`` and ``hessian``."""

from __future__ import annotations

from typing import Any

from matcalc.core.guards import recursion_guarded
from matcalc.core.gc_pause import gc_paused
from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Expr, as_expr, describe
from matcalc.core.variables import remembers
from matcalc.engine.differentiation import (
    check_wrt, differentiate, gradients_at_once, hessian_as_derivative, plain_variables,
    resolve_wrt, upstream_scalar,
)  # fmt: skip
from matcalc.engine.index_form import index_form
from matcalc.engine.layout import Layout
from matcalc.rules.simplify import c_transpose, c_vec, simplify, substitute


@recursion_guarded
@remembers  # the variables, whose sizes a result such as ∂tr(X)/∂X = I needs (lambdify)
@gc_paused
def diff(f: Any, wrt: Any, layout: str | None = None, *, upstream: Any = None,
         structure: str = "unstructured", form: str = "matrix") -> Any:
    """∂f/∂wrt in compact canonical form, in the given layout ("denominator", "numerator" or
    "mixed"; see ``matcalc.layout``).  Without a layout: denominator, except for a matrix by
    a matrix (or any pair other than scalars and column vectors), which takes the vec
    convention d vec(f)/d vec(wrt)ᵀ, written with ⊗ and the commutation matrix; its
    denominator layout is the transpose.  ``wrt`` is a symbol or its name (``"x"``, for an
    expression read by ``mc.parse``), or a list of them: then a tuple.
    ``form="index"``: the layout-free index form ∂F_{ij}/∂X_{kl} (an ``IndexForm``, which
    ``lambdify`` turns into numpy einsum calls returning the 4-D array).
    With ``upstream=G`` for an array f: the backward pass ∂L/∂wrt given ∂L/∂f = G.
    ``structure="symmetric"``: by the free entries of a symmetric matrix, G + Gᵀ − G ⊙ I."""
    if form not in ("matrix", "index"):
        raise MatcalcError(f"unknown form {form!r}; choose 'matrix' or 'index'")
    if upstream is not None:
        f = upstream_scalar(f, upstream)
    wrt = resolve_wrt(f, wrt)  # a name stands for f's variable of that name
    if form == "index":
        if layout is not None or structure != "unstructured":
            raise MatcalcError("the index form ∂F_ij/∂X_kl has no layout and no structure; "
                               "leave them out")
        if isinstance(wrt, (list, tuple)):
            return tuple(index_form(f, check_wrt(w)) for w in wrt)
        return index_form(f, check_wrt(wrt))
    if isinstance(wrt, (list, tuple)):
        together = gradients_at_once(f, wrt, layout, structure)
        if together is not None:
            return together
        return tuple(differentiate(f, w, layout, structure).result for w in wrt)
    return differentiate(f, wrt, layout, structure).result


def gradient(f: Any, x: Any) -> Expr:
    """The gradient of a scalar: ∂f/∂x in denominator layout, the shape of x."""
    f = as_expr(f)
    if not f.is_scalar:
        raise MatcalcError(
            f"gradient needs a scalar expression, got {describe(f)}; use jacobian() for a vector"
        )
    return diff(f, x, Layout.DENOMINATOR)


def jacobian(y: Any, x: Any) -> Expr:
    """The Jacobian ∂y/∂x of a vector (or scalar) y by a vector (or scalar) x: m×n; for
    matrices, d vec(y)/d vec(x)ᵀ (the vec convention)."""
    y = as_expr(y)
    x = check_wrt(resolve_wrt(y, x))
    if y.is_scalar and not x.is_scalar:
        raise MatcalcError(
            f"jacobian needs an array-valued expression, got the scalar {describe(y)}; "
            "for a scalar function use gradient()"
        )
    return diff(y, x, Layout.NUMERATOR)


@recursion_guarded
@remembers
@gc_paused
def hessian(f: Any, x: Any, y: Any = None) -> Expr:
    """The Hessian ∂²f/∂x∂xᵀ of a scalar f by a vector x (n×n, symmetric), or with ``y`` the
    mixed second derivative ∂²f/∂x∂yᵀ: rows by x, columns by y.  By matrices, in the vec
    convention: d²f/d vec(X) d vec(Y)ᵀ = d vec(G)/d vec(Y)ᵀ with G = ∂f/∂X.  Layout-free and
    unstructured: a variable declared symmetric (spd, diagonal) is differentiated entry by entry
    both times, its properties used only in the result."""
    f = as_expr(f)
    if not f.is_scalar:
        raise MatcalcError(f"hessian needs a scalar expression, got {describe(f)}")
    x = check_wrt(resolve_wrt(f, x))
    y = x if y is None else check_wrt(resolve_wrt(f, y))
    plain = plain_variables([x, y])
    if plain:
        # the gradient by a plain variable, not one simplified with Sᵀ = S, which only holds
        # for symmetric perturbations
        H = hessian(substitute(f, plain), plain.get(x, x), plain.get(y, y))
        return simplify(substitute(H, {p: v for v, p in plain.items()}))
    F, by, layout = hessian_as_derivative(f, x, y)
    H = diff(F, by, layout)
    return simplify(c_transpose(c_vec(H))) if layout is Layout.DENOMINATOR else H


