"""The index reading of a differential: dF index by index, as terms of indexed factors.

A matrix product contracts an index, a transpose swaps two, a trace ties two, elementwise
products share them, and dX_{ab} becomes δ_{ak} δ_{bl}; deltas on summed indices are then
contracted away (``contract``), so d(AXB) reads A_{ik} B_{lj} dX_{kl}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy

from typing import Callable

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Transpose
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet
from matcalc.core.nodes import Differential, Diag, DiagPart, Kron, Sum, Trace, Vec
from matcalc.core.shapes import ONE
from matcalc.rules.linear import NOT_APPLICABLE, NotApplicable, linear_nodes
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

    def __init__(self, df: Expr, dX: Differential, free_x: tuple[Index, Index]):
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

    def terms(self, e: Expr, idx) -> list[Term] | NotApplicable:
        """The terms of a linear node read with the indices of its two axes, or
        NOT_APPLICABLE where its entries have no index form (vec, Kronecker products)."""
        if not self.linear.get(e):
            return []
        try:
            rule = INDEX[type(e)]
        except KeyError:  # pragma: no cover - the reader-coverage test guards this
            raise MatcalcError(f"internal: no index rule for {type(e).__name__}") from None
        return rule(self, e, idx)

    def each(self, pairs) -> list[Term] | NotApplicable:
        """The terms of several (node, indices) pairs, summed."""
        out: list[Term] = []
        for e, idx in pairs:
            terms = self.terms(e, idx)
            if terms is NOT_APPLICABLE:
                return NOT_APPLICABLE
            out.extend(terms)  # type: ignore[arg-type]
        return out

    @staticmethod
    def times(t: Term, factors) -> Term:
        scalars = tuple(e for e, idx in factors if idx == (None, None))
        arrays = tuple((e, idx) for e, idx in factors if idx != (None, None))
        return Term(t.coefficient + scalars, t.factors + arrays, t.deltas)


def _times(terms, factors) -> list[Term] | NotApplicable:
    if terms is NOT_APPLICABLE:
        return NOT_APPLICABLE
    return [Translator.times(t, factors) for t in terms]


def index_delta(tr: Translator, e: Differential, idx) -> list[Term]:
    """dX_{ab} = δ_{ak} δ_{bl} dX_{kl}."""
    return [Term((), (), tuple((a, b) for a, b in zip(idx, tr.free_x) if a or b))]


def index_add(tr: Translator, e: Expr, idx):
    """(dA + dB)_{ij} = dA_{ij} + dB_{ij}."""
    return tr.each((a, idx) for a in e.args)


def index_transpose(tr: Translator, e: Expr, idx):
    """(dAᵀ)_{ij} = dA_{ji}."""
    return tr.terms(e.args[0], (idx[1], idx[0]))


def index_mul(tr: Translator, e: Expr, idx):
    """(P ⊙ dA)_{ij} = P_{ij} dA_{ij}; a scalar factor has no indices."""
    i = next(k for k, a in enumerate(e.args) if tr.linear.get(a))
    lin = e.args[i]
    others = [f for k, a in enumerate(e.args) if k != i for f in tr.factor(a, idx)]
    return _times(tr.terms(lin, (None, None) if lin.is_scalar else idx), others)


def index_matmul(tr: Translator, e: Expr, idx):
    """(A dX B)_{ij} = Σ_ab A_{ia} dX_{ab} B_{bj}: a product contracts an index."""
    f = e.args
    cuts = [idx[0]] + [tr.fresh(a.cols) for a in f[:-1]] + [idx[1]]
    i = next(k for k, a in enumerate(f) if tr.linear.get(a))
    others = [pair for k, a in enumerate(f) if k != i
              for pair in tr.factor(a, (cuts[k], cuts[k + 1]))]
    return _times(tr.terms(f[i], (cuts[i], cuts[i + 1])), others)


def index_trace(tr: Translator, e: Expr, idx):
    """tr(dA) = Σ_a dA_{aa}: a trace ties two indices."""
    s = tr.fresh(e.args[0].rows)
    return tr.terms(e.args[0], (s, s))


def index_sum(tr: Translator, e: Expr, idx):
    """sum(dA) = Σ_ab dA_{ab}."""
    A = e.args[0]
    return tr.terms(A, (tr.fresh(A.rows), tr.fresh(A.cols)))


def index_diag(tr: Translator, e: Expr, idx):
    """diag(du)_{ij} = du_i δ_{ij}."""
    terms = tr.terms(e.args[0], (idx[0], None))
    if terms is NOT_APPLICABLE:
        return NOT_APPLICABLE
    return [Term(t.coefficient, t.factors, t.deltas + ((idx[0], idx[1]),)) for t in terms]


def index_diagpart(tr: Translator, e: Expr, idx):
    """diag(dM)_i = dM_{ii}."""
    return tr.terms(e.args[0], (idx[0], idx[0]))


def index_composite(tr: Translator, e: Expr, idx):
    """vec and Kronecker products have entries with composite indices, and a Fréchet derivative
    L_f(X)[E] has no finite sum of products for its entries: no index form."""
    return NOT_APPLICABLE


#: linear node type -> rule(translator, node, indices) -> terms, or NOT_APPLICABLE
INDEX: dict[type[Expr], Callable[..., list[Term] | NotApplicable]] = {
    Differential: index_delta,
    Add: index_add,
    Transpose: index_transpose,
    Mul: index_mul,
    MatMul: index_matmul,
    Trace: index_trace,
    Sum: index_sum,
    Diag: index_diag,
    DiagPart: index_diagpart,
    Kron: index_composite,
    Vec: index_composite,
    Frechet: index_composite,
    SecondFrechet: index_composite,
}


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


