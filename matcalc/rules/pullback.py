"""The reverse (pullback) reading of a scalar differential: df = ⟨G, dX⟩ gives G.

It is the transpose of the linear map dX ↦ df, computed as reverse accumulation over the linear
nodes of df: each node passes its cotangent to its linear argument, cotangents of a node used in
several places (a copy gate) are summed first.  One rule per linear node type.
"""

from __future__ import annotations

from typing import Callable, Optional

from matcalc.core.errors import MatcalcError
from matcalc.core.rule import Rule
from matcalc.core.expr import Add, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet
from matcalc.core.nodes import Differential, Diag, DiagPart, Identity, Kron, Sum, Trace, Vec
from matcalc.core.shapes import is_column_shape
from matcalc.core.walk import postorder
from matcalc.rules import records
from matcalc.rules.linear import inner, linear_factor, linear_nodes, the_linear_arg
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_frechet, c_kron, c_matmul, c_mul, c_second_frechet, c_transpose,
    c_vec, const,
)  # fmt: skip
from matcalc.rules.simplify.kronecker import kron_shuffle, unvec


# -- cotangent rules: node, its cotangent G -> [(linear argument, its cotangent)] -------------

Pull = Callable[[Expr, Expr, dict], list[tuple[Expr, Expr]]]


def carries(record: Rule) -> Callable[[Pull], Pull]:
    """Attach the record of the identity a cotangent rule applies."""
    def attach(rule: Pull) -> Pull:
        rule.record = record  # type: ignore[attr-defined]
        return rule

    return attach


@carries(records.PULL_ADD)
def pull_add(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """Add gate: d(A + B) = dA + dB passes G to every term."""
    return [(t, G) for t in node.args if linear[t]]


@carries(records.PULL_MUL)
def pull_mul(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, P ⊙ dA⟩ = ⟨G ⊙ P, dA⟩; for a scalar dA broadcast over an array, ⟨G, P⟩ dA."""
    A, P = linear_factor(node, linear)
    if A.shape == node.shape:
        return [(A, c_mul([G, P]))]
    return [(A, inner(G, P))]


@carries(records.PULL_MATMUL)
def pull_matmul(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, L dA R⟩ = ⟨Lᵀ G Rᵀ, dA⟩ (linear propagation: ∂(Wx)/∂x = Wᵀ)."""
    i = the_linear_arg(node, linear)
    left, right = node.args[:i], node.args[i + 1:]
    parts = []
    if left:
        parts.append(c_transpose(c_matmul(left)))
    parts.append(G)
    if right:
        parts.append(c_transpose(c_matmul(right)))
    return [(node.args[i], c_matmul(parts))]


@carries(records.PULL_TRANSPOSE)
def pull_transpose(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, dAᵀ⟩ = ⟨Gᵀ, dA⟩."""
    return [(node.args[0], c_transpose(G))]


@carries(records.PULL_TRACE)
def pull_trace(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """g tr(dA) = ⟨g I, dA⟩."""
    A = node.args[0]
    return [(A, c_mul([G, Identity.new(A.rows)]))]


@carries(records.PULL_SUM)
def pull_sum(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """g sum(dA) = ⟨g 1, dA⟩."""
    A = node.args[0]
    return [(A, G if A.is_scalar else c_mul([G, Ones.new(A.shape)]))]


@carries(records.PULL_DIAG)
def pull_diag(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, diag(dv)⟩ = ⟨diag(G), dv⟩."""
    return [(node.args[0], c_diagpart(G))]


@carries(records.PULL_DIAG)
def pull_diagpart(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨g, diag(dM)⟩ = ⟨diag(g), dM⟩."""
    return [(node.args[0], c_diag(G))]


@carries(records.PULL_KRON)
def pull_kron(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """For vectors a ∈ Rⁿ, b ∈ Rᵖ: a ⊗ b = (Iₙ ⊗ b) a = (a ⊗ Iₚ) b.  For matrices, through
    vec(A ⊗ B) = T (vec A ⊗ vec B) = T (vec A ⊗ I) vec B = T (I ⊗ vec B) vec A."""
    i = the_linear_arg(node, linear)
    a, b = node.args
    if is_column_shape(a.shape) and is_column_shape(b.shape):
        if i == 0:
            return [(a, c_matmul([c_kron(Identity.new(a.rows), c_transpose(b)), G]))]
        return [(b, c_matmul([c_kron(c_transpose(a), Identity.new(b.rows)), G]))]
    back = c_matmul([c_transpose(kron_shuffle(a, b)), c_vec(G)])
    if i == 0:
        g = c_matmul([c_kron(Identity.new(a.rows * a.cols), c_transpose(c_vec(b))), back])
        return [(a, unvec(g, a.rows, a.cols))]
    g = c_matmul([c_kron(c_transpose(c_vec(a)), Identity.new(b.rows * b.cols)), back])
    return [(b, unvec(g, b.rows, b.cols))]


@carries(records.PULL_VEC)
def pull_vec(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨g, vec(dA)⟩ = ⟨unvec(g), dA⟩."""
    A = node.args[0]
    return [(A, unvec(G, A.rows, A.cols))]


@carries(records.PULL_FRECHET)
def pull_frechet(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, L_f(X)[dE]⟩ = ⟨L_f(Xᵀ)[G], dE⟩: the adjoint of a Fréchet derivative is the Fréchet
    derivative at the transpose (f has real Taylor coefficients)."""
    return [(node.direction, c_frechet(node.function, c_transpose(node.at), G))]


@carries(records.PULL_SECOND_FRECHET)
def pull_second_frechet(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, L²_f(X)[E, dF]⟩ = ⟨L²_f(Xᵀ)[Eᵀ, G], dF⟩ (Higham and Relton 2014; f has real Taylor
    coefficients); L²_f is symmetric in its two directions, so the same holds with dE."""
    i = the_linear_arg(node, linear)
    X, fixed = node.at, node.args[3 - i]
    return [(node.args[i], c_second_frechet(node.function, c_transpose(X), c_transpose(fixed),
                                            G))]


#: linear node type -> cotangent rule; every node a differential can be linear through
PULLBACK: dict[type[Expr], Pull] = {
    Add: pull_add,
    Mul: pull_mul,
    MatMul: pull_matmul,
    Transpose: pull_transpose,
    Trace: pull_trace,
    Sum: pull_sum,
    Diag: pull_diag,
    DiagPart: pull_diagpart,
    Kron: pull_kron,
    Vec: pull_vec,
    Frechet: pull_frechet,
    SecondFrechet: pull_second_frechet,
}


def gradients_of(df: Expr, deltas: list[Differential], fired: Optional[list] = None
                 ) -> dict[Differential, Expr]:
    """For a scalar df linear in the deltas: {dX: G} with df = Σ ⟨G, dX⟩.  With a list
    ``fired``, each rule applied appends (node, its record), from df down to the deltas."""
    if not df.is_scalar:
        raise MatcalcError("internal: gradients_of needs a scalar differential")
    linear = linear_nodes(df)
    pending: dict[Expr, list[Expr]] = {df: [const(1)]}
    found: dict[Differential, Expr] = {}
    for node in reversed(postorder(df)):
        if node not in pending:
            continue
        uses = pending.pop(node)
        G = c_add(uses)  # copy gate: the uses of a node sum their gradients
        if fired is not None and len(uses) > 1:
            fired.append((node, records.COPY))
        if isinstance(node, Differential):
            found[node] = G
            continue
        try:
            rule = PULLBACK[type(node)]
        except KeyError:
            raise MatcalcError(
                f"internal: differential is not linear through {type(node).__name__}"
            ) from None
        if fired is not None:
            fired.append((node, rule.record))  # type: ignore[attr-defined]
        for arg, cot in rule(node, G, linear):
            pending.setdefault(arg, []).append(cot)
    return {d: found.get(d, c_mul([const(0), d])) for d in deltas}


def gradient_of(df: Expr, delta: Differential) -> Expr:
    return gradients_of(df, [delta])[delta]
