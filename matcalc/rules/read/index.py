"""The index reading of a differential: dF index by index, as terms of indexed factors.

A matrix product contracts an index, a transpose swaps two, a trace ties two, elementwise
products share them, and dX_{ab} becomes δ_{ak} δ_{bl}; deltas on summed indices are then
contracted away (``contract``), so d(AXB) reads A_{ik} B_{lj} dX_{kl}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy

from matcalc.core.errors import UnsupportedError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Transpose
from matcalc.core.nodes import Delta, Diag, DiagPart, Sum, Trace
from matcalc.core.shapes import ONE
from matcalc.rules.linear import linear_nodes
from matcalc.rules.simplify import const

Index = Optional[str]  # None: an axis of length 1
SUMMED = "abcdefghmnopqrstuvwxyz"


@dataclass(frozen=True)
class Term:
    """coefficient × Π factor[indices] × Π δ[a, b]; summed over the indices not free."""

    coefficient: tuple[Expr, ...]  #: scalar factors
    factors: tuple[tuple[Expr, tuple[Index, Index]], ...]
    deltas: tuple[tuple[str, str], ...]


class Translator:
    """dF index by index: each node with the indices of its two axes gives a list of terms."""

    def __init__(self, df: Expr, dX: Delta, free_x: tuple[Index, Index]):
        self.linear = linear_nodes(df)
        self.dX, self.free_x = dX, free_x
        self.names = (f"{c}{k or ''}" for k in range(10**6) for c in SUMMED)
        self.dims: dict[str, sympy.Expr] = {}

    def fresh(self, dim) -> Index:
        if dim == ONE:
            return None
        name = next(self.names)
        self.dims[name] = dim
        return name

    def factor(self, e: Expr, idx) -> list[tuple[Expr, tuple]]:
        if e.is_scalar:
            return [(e, (None, None))]
        if isinstance(e, Transpose):
            return [(e.args[0], (idx[1], idx[0]))]
        return [(e, idx)]

    def terms(self, e: Expr, idx) -> list[Term]:
        if not self.linear.get(e):
            return []
        if isinstance(e, Delta):
            deltas = tuple((a, b) for a, b in zip(idx, self.free_x) if a or b)
            return [Term((), (), deltas)]
        if isinstance(e, Add):
            return [t for a in e.args for t in self.terms(a, idx)]
        if isinstance(e, Transpose):
            return self.terms(e.args[0], (idx[1], idx[0]))
        if isinstance(e, Mul):
            i = next(k for k, a in enumerate(e.args) if self.linear.get(a))
            lin = e.args[i]
            others = [a for k, a in enumerate(e.args) if k != i]
            inner = self.terms(lin, (None, None) if lin.is_scalar else idx)
            return [self.times(t, [f for a in others for f in self.factor(a, idx)]) for t in inner]
        if isinstance(e, MatMul):
            f = e.args
            cuts = [idx[0]] + [self.fresh(a.cols) for a in f[:-1]] + [idx[1]]
            i = next(k for k, a in enumerate(f) if self.linear.get(a))
            others = [pair for k, a in enumerate(f) if k != i
                      for pair in self.factor(a, (cuts[k], cuts[k + 1]))]
            return [self.times(t, others) for t in self.terms(f[i], (cuts[i], cuts[i + 1]))]
        if isinstance(e, Trace):
            s = self.fresh(e.args[0].rows)
            return self.terms(e.args[0], (s, s))
        if isinstance(e, Sum):
            A = e.args[0]
            return self.terms(A, (self.fresh(A.rows), self.fresh(A.cols)))
        if isinstance(e, Diag):
            return [Term(t.coefficient, t.factors, t.deltas + ((idx[0], idx[1]),))
                    for t in self.terms(e.args[0], (idx[0], None))]
        if isinstance(e, DiagPart):
            return self.terms(e.args[0], (idx[0], idx[0]))
        raise UnsupportedError(
            f"the index form of {type(e).__name__} ({e}) is not supported: its entries have "
            "composite indices; use the Kronecker (vec) form")

    @staticmethod
    def times(t: Term, factors) -> Term:
        scalars = tuple(e for e, idx in factors if idx == (None, None))
        arrays = tuple((e, idx) for e, idx in factors if idx != (None, None))
        return Term(t.coefficient + scalars, t.factors + arrays, t.deltas)


def contract(t: Term, free: set, dims: dict) -> Term:
    """δ on a summed index: rename it away.  δ_{aa} summed is the dimension; free, 1."""
    coefficient, factors, deltas = list(t.coefficient), list(t.factors), list(t.deltas)
    changed = True
    while changed:
        changed = False
        for n, (a, b) in enumerate(deltas):
            if a == b or a is None or b is None:
                del deltas[n]
                elsewhere = any(a in idx for _, idx in factors) or any(a in d for d in deltas)
                if a == b and a not in free and a is not None and not elsewhere:
                    coefficient.append(const(dims[a]))  # Σₐ δₐₐ = n; else δₐₐ = 1 in the sum
                changed = True
                break
            old, new = (a, b) if a not in free else (b, a) if b not in free else (None, None)
            if old is None:
                continue
            rename = {old: new}
            factors = [(e, tuple(rename.get(x, x) for x in idx)) for e, idx in factors]
            deltas = [tuple(rename.get(x, x) for x in d) for k, d in enumerate(deltas) if k != n]
            changed = True
            break
    return Term(tuple(coefficient), tuple(factors), tuple(deltas))


def collect(terms: list[Term]) -> tuple[Term, ...]:
    """Equal terms once, with their count: X_il δ_ik + X_il δ_ik = 2 X_il δ_ik."""
    counts: dict[Term, int] = {}
    for t in terms:
        counts[t] = counts.get(t, 0) + 1
    return tuple(t if k == 1 else Term((const(k), *t.coefficient), t.factors, t.deltas)
                 for t, k in counts.items())


