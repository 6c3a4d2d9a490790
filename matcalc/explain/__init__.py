"""Derivations: ``derive(f, wrt, layout)`` explains what ``diff`` computes, step by step."""

from __future__ import annotations

from typing import Any, Optional

from ..derivation import RULES, Derivation, Step
from ..derive import differentiate, upstream_scalar
from ..expr import Symbol, as_expr
from ..rules.simplify import substitute
from ..layout import Case
from .backprop import backprop_derivation
from .forward import forward_derivation


def derive(f: Any, wrt: Any, layout: str = "denominator", *,
           upstream: Optional[Any] = None) -> Derivation:
    """The derivation of ∂f/∂wrt in ``layout``: named intermediates, one step per rule, and
    ``.result == mc.diff(f, wrt, layout)``.  With ``upstream=G`` (G = ∂L/∂f for an array f),
    the backward pass ∂L/∂wrt of one layer."""
    f = as_expr(f)
    if upstream is not None:
        scalar = upstream_scalar(f, upstream)
        d = differentiate(scalar, wrt, layout)
        return backprop_derivation(f, d.wrt, layout, d.result, upstream=as_expr(upstream))
    d = differentiate(f, wrt, layout)
    if d.wrt.props:
        # derived with a plain variable (unstructured, as diff does); the last step brings
        # the declared properties back into the result
        plain = Symbol.new(d.wrt.name, d.wrt.shape)
        inner = derive(substitute(f, {d.wrt: plain}), plain, layout)
        steps = inner.steps
        if steps[-1].after is not d.result:
            steps += (Step(RULES["properties"], steps[-1].lhs, d.result),)
        return Derivation(f, d.wrt, layout, steps, d.result)
    if d.case in (Case.SCALAR_BY_ARRAY, Case.SCALAR_BY_SCALAR):
        return backprop_derivation(f, d.wrt, layout, d.result)
    if d.case is Case.VECTOR_BY_VECTOR:
        from .chain import chain_derivation

        chained = chain_derivation(d)
        if chained is not None:
            return chained
    return forward_derivation(d)
