"""The variables a derivative was taken from, which its expression may no longer show.

∂tr(X)/∂X = I has lost X, yet its size is X's.  ``diff`` and ``hessian`` record with each result
the variables of f and the symbols they differentiated by (``remembers``); ``lambdify`` and
``codegen`` read sizes from them (``variables_of``, ``sources_of_sizes``).  Nodes are interned,
so one result may come from several derivatives (and be built by hand too): lambdify accepts
the variables of all of them, which only widens the arrays it takes for sizes; generated code
takes those of the latest, so that codegen(diff(tr(X), X)) is def f(X) whatever came before.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, Callable, Iterable

from matcalc.core.expr import Expr, as_expr
from matcalc.core.nodes import Symbol

#: each result's variables: all that were recorded with it, and the latest record
_VARIABLES: "weakref.WeakKeyDictionary[Expr, tuple[frozenset, frozenset]]" = \
    weakref.WeakKeyDictionary()


def remember(result: Any, variables: Iterable[Symbol]) -> None:
    """Record ``variables`` with a result (an expression, or a tuple of them)."""
    latest = frozenset(variables)
    for r in result if isinstance(result, tuple) else (result,):
        if isinstance(r, Expr):
            every, _ = _VARIABLES.get(r, (frozenset(), frozenset()))
            _VARIABLES[r] = (every | latest, latest)


def remembers(front: Callable) -> Callable:
    """A derivative's front (diff, hessian) that records, with what it returns, the variables
    of f (and of an upstream gradient) and the symbols it differentiates by."""

    @functools.wraps(front)
    def taking_note(f: Any, *args: Any, **options: Any) -> Any:
        result = front(f, *args, **options)
        variables = set(as_expr(f).free_symbols())
        if options.get("upstream") is not None:
            variables |= as_expr(options["upstream"]).free_symbols()
        for a in args:
            for w in a if isinstance(a, (list, tuple)) else (a,):
                if isinstance(w, Symbol):
                    variables.add(w)
        remember(result, variables)
        return result

    return taking_note


def variables_of(expr: Any, latest: bool = False) -> list[Symbol]:
    """The variables recorded with ``expr`` (with ``latest``, those of the latest derivative
    that gave it), by name; none for an expression no derivative gave."""
    records = _VARIABLES.get(expr) if isinstance(expr, Expr) else None
    return sorted(records[latest] if records else (), key=lambda s: s.name)


def sources_of_sizes(roots: Iterable[Expr], dims: set) -> list[Symbol]:
    """The variables of the latest derivatives that gave the roots which carry a size in
    ``dims`` that the roots' own symbols do not show (X for ∂tr(X)/∂X = I of size n), one for
    each such size."""
    roots = list(roots)
    shown = {d for r in roots for s in r.free_symbols() for d in s.shape if d.is_Symbol}
    names = {s.name for r in roots for s in r.free_symbols()}
    out: list[Symbol] = []
    for v in sorted({v for r in roots for v in variables_of(r, latest=True)},
                    key=lambda s: s.name):
        carries = {d for d in v.shape if d.is_Symbol}
        if v.name not in names and carries & (set(dims) - shown):
            out.append(v)
            shown |= carries
    return out
