"""Work a generated function does once and reuses: arrays that are each other's transpose, and
one factorisation of a matrix for every inverse, solve, determinant and log-determinant of it.

* **Transpose twins.**  The gradient of ‖X − UVᵀ‖² by V contains X ᵀ − VUᵀ, the transpose of
  X − UVᵀ from the value: the second is written ``t1.T`` (a view), not computed again.  The
  evaluation order treats a twin as depending on its partner only, so nothing under it is
  computed for it.
* **Shared factorisations.**  A matrix whose inverse, determinant or log-determinant is needed
  more than once (the Gaussian log-likelihood needs log det Σ and Σ⁻¹), or any of them of a
  matrix declared spd, is factorised once: Cholesky when it is declared spd, LU otherwise
  (``scipy.linalg.cho_factor`` / ``lu_factor``; Golub and Van Loan, Matrix Computations §3.2,
  §4.2).  An inverse applied to something is then a triangular solve with the factors.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from matcalc.core.expr import Add, Expr, MatMul, Transpose
from matcalc.core.nodes import Det, Inverse, LogDet, Symbol
from matcalc.core.walk import postorder
from matcalc.rules.simplify import c_transpose


def transpose_twins(order: list[Expr]) -> dict[Expr, Expr]:
    """node -> an earlier node of ``order`` whose transpose it is (VUᵀ -> UVᵀ), for products
    and sums (a transposed symbol is free anyway)."""
    index = {node: i for i, node in enumerate(order)}
    twins: dict[Expr, Expr] = {}
    for i, node in enumerate(order):
        if isinstance(node, (MatMul, Add)) and not node.is_scalar:
            t = c_transpose(node)
            if t is not node and index.get(t, i) < i:
                twins[node] = t
    return twins


def evaluation_order(roots: list[Expr], twins: dict[Expr, Expr]) -> tuple[list[Expr], Counter]:
    """Every node needed once, children first, a twin depending only on its partner; and how
    many times each node is used."""
    def kids(node: Expr) -> tuple[Expr, ...]:
        return (twins[node],) if node in twins else node.args

    order: list[Expr] = []
    seen: set[Expr] = set()
    for root in roots:
        for node in postorder(root, kids):
            if node not in seen:
                seen.add(node)
                order.append(node)
    uses: Counter = Counter()
    for node in order:
        for k in kids(node):
            uses[k] += 1
    return order, uses


#: the nodes that a factorisation of their argument serves
FACTORED_NODES = (Inverse, Det, LogDet)


def factorisations(order: list[Expr], uses: Counter) -> dict[Expr, str]:
    """matrix -> "cho" (declared spd) or "lu": the matrices factorised once for all uses."""
    need: Counter = Counter()
    for node in order:
        if isinstance(node, FACTORED_NODES) and not node.args[0].is_scalar:
            need[node.args[0]] += max(uses[node], 1) if isinstance(node, Inverse) else 1
    return {M: "cho" if isinstance(M, Symbol) and M.spd else "lu" for M, count in need.items()
            if count >= 2 or (isinstance(M, Symbol) and M.spd)}


def only_in_products(order: list[Expr], twins: dict[Expr, Expr]) -> set[Expr]:
    """The inverses (and transposed inverses) used only as factors of products: those are
    solves with the factors and never formed."""
    parents: dict[Expr, list[Expr]] = {}
    for node in order:
        for k in ((twins[node],) if node in twins else node.args):
            parents.setdefault(k, []).append(node)

    def in_product(node: Expr) -> bool:
        return all(isinstance(p, MatMul) or (isinstance(p, Transpose) and all(
            isinstance(q, MatMul) for q in parents.get(p, [None]))) for p in parents[node])

    def inverse(n: Expr) -> bool:
        return isinstance(n, Inverse) or (isinstance(n, Transpose)
                                          and isinstance(n.args[0], Inverse))

    return {n for n in order if inverse(n) and n in parents and in_product(n)}


class Factors:
    """The factorisation of each matrix, emitted the first time it is needed."""

    def __init__(self, kinds: dict[Expr, str], emit: Callable[[str], str]):
        self.kinds, self.emit, self.names = kinds, emit, {}

    def render(self, node: Expr, arg_text: str) -> str | None:
        """The code of an inverse, det or log det from the factors, or None if not factored."""
        M = node.args[0]
        kind = self.kinds.get(M)
        if kind is None:
            return None
        if M not in self.names:
            self.names[M] = self.emit(f"_{kind}_factor({arg_text})")
        what = {Inverse: "inv", Det: "det", LogDet: "logdet"}[type(node)]
        return f"_{kind}_{what}({self.names[M]})"
