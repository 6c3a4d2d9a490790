"""The canonical order of terms and factors.

Terms sort by the first symbol a reader meets (so ``A + A.T``, ``A @ x - b``), then by size, then
by a structural fingerprint, which makes the order total and the same on every run and machine.
"""

from __future__ import annotations

import weakref

from matcalc.core.expr import Const, Expr, Mul, Ones
from matcalc.core.nodes import Differential, PendingDifferential, Identity, Symbol, Zero
from matcalc.core.walk import cached_fold

_LEAD: "weakref.WeakKeyDictionary[Expr, str]" = weakref.WeakKeyDictionary()


def _lead_rule(node: Expr, child_leads: list[str]) -> str:
    if isinstance(node, Symbol):
        return node.name
    if isinstance(node, Differential):
        return node.var.name + "~"  # dX sorts right after X
    if isinstance(node, PendingDifferential):
        return lead(node.of) + "~"
    if isinstance(node, (Const, Identity, Ones, Zero)):
        return ""
    for child_lead in child_leads:
        if child_lead:
            return child_lead
    return ""


def lead(e: Expr) -> str:
    """The name of the first symbol met when reading ``e`` left to right ('' for constants)."""
    return cached_fold(e, _lead_rule, _LEAD)  # type: ignore[arg-type]


def is_constant_term(e: Expr) -> bool:
    """A number, or a number broadcast over an array (``1`` in ``1 - y``)."""
    if isinstance(e, (Const, Ones)):
        return True
    return isinstance(e, Mul) and all(isinstance(a, (Const, Ones)) for a in e.args)


def key(e: Expr) -> tuple:
    return (lead(e), e.size, e.sort_key)


def term_key(e: Expr) -> tuple:
    """Order of terms in a sum: constants first (``1 - tanh(u)**2``), then by :func:`key`."""
    return (0 if is_constant_term(e) else 1, *key(_strip_coefficient(e)))


def factor_key(e: Expr) -> tuple:
    """Order of factors in an elementwise product: numbers, then scalars, then arrays."""
    return (0 if isinstance(e, Const) else 1 if e.is_scalar else 2, *key(e))


def _strip_coefficient(e: Expr) -> Expr:
    if isinstance(e, Mul) and isinstance(e.args[0], Const) and len(e.args) > 1:
        rest = e.args[1:]
        return rest[0] if len(rest) == 1 else Mul.new(*rest)
    return e

