"""Derivations: ``derive(f, wrt, layout)`` explains what ``diff`` computes, step by step."""

from __future__ import annotations

from typing import Any, Optional

from matcalc.core.guards import recursion_guarded
from matcalc.engine.derivation import STEP_RULES, Derivation, Step
from matcalc.engine.diff import hessian
from matcalc.engine.differentiation import (
    Differentiation, differentiate, plain_variables, resolve_wrt, upstream_scalar,
)  # fmt: skip
from matcalc.core.gc_pause import gc_paused
from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Expr, as_expr
from matcalc.core.nodes import NODE_TYPES, Kron, Partial, Symbol, Unary
from matcalc.core.walk import postorder
from matcalc.rules.simplify import substitute
from matcalc.engine.layout import Case, Layout
from matcalc.explain.backprop import LOSS, backprop_derivation
from matcalc.explain.chain import chain_derivation, chain_name, is_chain
from matcalc.explain.differential import differential_derivation, differential_name


def _properties_back(f, wrt: Symbol, layout: str, result, inner: Derivation) -> Derivation:
    """A derivation made with a plain variable, whose last step brings the declared
    properties back into the result (Sᵀ = S)."""
    steps = inner.steps
    if steps[-1].after is not result:
        steps += (Step(STEP_RULES["properties"], steps[-1].lhs, result),)
    return Derivation(f, wrt, layout, steps, result)


def _second_order(f: Any, wrt: Any) -> Derivation:
    H = hessian(f, wrt)  # validates: a scalar f, a symbol wrt
    plain = plain_variables([wrt])
    if plain:
        # unstructured, as hessian is (the gradient simplified with Sᵀ = S is not
        # differentiable entry by entry)
        inner = _second_order(substitute(as_expr(f), plain), plain[wrt])
        return _properties_back(as_expr(f), wrt, Layout.NUMERATOR, H, inner)
    first = derive(f, wrt, Layout.DENOMINATOR)
    x = first.wrt
    # names of their own: the second half's intermediates are g₁, g₂, … (h₁, h₂, … are the
    # first half's), and the Hessian's name is free in f
    second = derive(first.result, x, Layout.NUMERATOR, _prefix="g")
    gradient_name = second.steps[0].lhs  # what the second derivation calls the gradient
    taken = {s.name for s in as_expr(f).free_symbols()}
    hessian_name = Symbol.new(next(nm for nm in ("H", "H2", "Hf", "Hess") if nm not in taken),
                              H.shape)
    steps = (
        *first.steps,
        Step(STEP_RULES["gradient_again"], gradient_name, first.result),
        Step(STEP_RULES["hessian"], hessian_name,
             Partial.new(gradient_name.name, x.name, H.shape, vec=x.cols != 1)),
        *second.steps[1:],
        Step(STEP_RULES["hessian_result"], hessian_name, H),
    )
    return Derivation(as_expr(f), x, Layout.NUMERATOR, steps, H)


@recursion_guarded
@gc_paused
def derive(f: Any, wrt: Any, layout: str | None = None, *,
           upstream: Optional[Any] = None, order: int = 1, _prefix: str = "h") -> Derivation:
    """The derivation of ∂f/∂wrt in ``layout``: named intermediates, one step per rule, and
    ``.result == mc.diff(f, wrt, layout)``.  With ``upstream=G`` (G = ∂L/∂f for an array f),
    the backward pass ∂L/∂wrt of one layer.  With ``order=2`` (a scalar f, a vector or matrix
    wrt): the Hessian, as the Jacobian of the gradient; ``.result == mc.hessian(f, wrt)``."""
    wrt = resolve_wrt(f, wrt)  # a name stands for f's variable of that name
    if order == 2:
        if upstream is not None:
            raise MatcalcError("order=2 takes no upstream gradient: it is the Hessian of a scalar")
        return _second_order(f, wrt)
    if order != 1:
        raise MatcalcError(f"order must be 1 or 2, got {order!r}")
    f = as_expr(f)
    if upstream is not None:
        scalar = upstream_scalar(f, upstream)
        d = differentiate(scalar, wrt, layout)
        return backprop_derivation(f, d.wrt, d.layout, d.result, upstream=as_expr(upstream))
    d = differentiate(f, wrt, layout)
    plain = plain_variables([d.wrt])
    if plain:  # unstructured, as diff is
        inner = derive(substitute(f, plain), plain[d.wrt], d.layout, _prefix=_prefix)
        return _properties_back(f, d.wrt, d.layout, d.result, inner)
    if _is_backward_pass(d):
        return backprop_derivation(f, d.wrt, d.layout, d.result, prefix=_prefix)
    if is_chain(d):
        return chain_derivation(d, _prefix)
    return differential_derivation(d)


def function_name(d: Differentiation) -> str:
    """The name ``derive(d.f, d.wrt, d.layout)`` gives the function in its first step, found
    without deriving: L for a backward pass, o for a chain of layers, else f, y or F (by the
    differential's choice), so that a face names the function alike with steps and without."""
    plain = plain_variables([d.wrt])
    if plain:  # derived with the plain variable, as derive does
        d = differentiate(substitute(d.f, plain), plain[d.wrt], d.layout)
    if _is_backward_pass(d):
        return LOSS
    if is_chain(d):
        return chain_name(d.canonical)
    return differential_name(d.f)


def _is_backward_pass(d: Differentiation) -> bool:
    return d.case in (Case.SCALAR_BY_ARRAY, Case.SCALAR_BY_SCALAR) and _is_a_network(d.canonical)


#: nodes of matrix calculus proper, as their spec rows say (and the Kronecker product): where
#: a function contains one, its derivation is the differential taken rule by rule
#: (Magnus–Neudecker), not a backward pass through gates
MATRIX_FUNCTIONS = (Kron, *(cls for cls in NODE_TYPES
                           if issubclass(cls, Unary) and cls.spec.matrix_function))


def _is_a_network(f: Expr) -> bool:
    """A composition of gates (sums, products, activations, norms): read as a backward pass."""
    return not any(isinstance(n, MATRIX_FUNCTIONS) for n in postorder(f))
