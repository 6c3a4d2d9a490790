"""The vec convention (Magnus–Neudecker): reading d vec F = J d vec X off a differential.

vec stacks columns.  One rule per node type a differential can be linear through, each the
identity it states; J is written with Kronecker products, the commutation matrix K₍ₘ,ₙ₎
(K vec A = vec Aᵀ) and diagonal matrices, which the code generator applies implicitly.
A scalar piece of the differential is read as a gradient: ds = ⟨G, dX⟩ gives vec(G)ᵀ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.matrix_nodes import KRONECKER_FORMS, Frechet
from matcalc.core.second_order_nodes import SecondFrechet
from matcalc.core.nodes import Differential, Diag, DiagPart, Identity, Kron, Sum, Trace, Vec
from matcalc.core.shapes import ONE, is_column_shape, is_row_shape
from matcalc.rules.linear import linear_factor, linear_nodes, the_linear_arg
from matcalc.rules.pullback import gradient_of
from matcalc.rules.simplify.kronecker import kron_shuffle
from matcalc.rules.simplify import (
    c_add, c_commutation, c_diag, c_kron, c_matmul, c_mul, c_second_kronecker_form, c_transpose,
    c_vec, split_scalars,
)  # fmt: skip


def _eye(n) -> Expr:
    return Identity.new(n)


def _linear_args(e: Expr, linear: dict) -> list[Expr]:
    return [a for a in e.args if linear.get(a)]


def vec_jacobian_of(dF: Expr, dX: Differential) -> Expr:
    """J with vec(dF) = J vec(dX): (size of F) × (size of X)."""
    linear = linear_nodes(dF)
    size = dX.rows * dX.cols
    done: dict[Expr, Expr] = {}
    reading = _Reading(dX, size, linear, done)
    # bottom-up over the array-valued linear nodes, without recursion; a scalar linear node
    # is a leaf here, read as a gradient
    stack: list[tuple[Expr, bool]] = [(dF, False)]
    while stack:
        e, expanded = stack.pop()
        if e in done:
            continue
        if e.is_scalar and not isinstance(e, Differential):
            done[e] = vec_reduction(e, reading)
            continue
        if not expanded and not isinstance(e, Differential):
            stack.append((e, True))
            stack.extend((a, False) for a in _linear_args(e, linear) if a not in done)
            continue
        try:
            rule = VEC[type(e)]
        except KeyError:  # pragma: no cover - the reader-coverage test guards this
            raise MatcalcError(f"internal: no vec rule for {type(e).__name__}") from None
        done[e] = rule(e, reading)
    return done[dF]


@dataclass(frozen=True)
class _Reading:
    """One vec reading: the differential of X, its size, the linear nodes, the nodes done."""

    dX: Differential
    size: Any
    linear: dict
    done: dict


def vec_delta(e: Differential, r: _Reading) -> Expr:
    """vec(dX) = I vec(dX)."""
    if e is not r.dX:
        raise MatcalcError("internal: differential of another variable")
    return _eye(r.size)


def vec_add(e: Expr, r: _Reading) -> Expr:
    """vec(dA + dB) = vec(dA) + vec(dB)."""
    return c_add([r.done[t] for t in _linear_args(e, r.linear)])


def vec_transpose(e: Expr, r: _Reading) -> Expr:
    """vec(uᵀ) = vec(u); vec(Aᵀ) = K vec(A) (Magnus–Neudecker)."""
    A = e.args[0]
    if is_column_shape(A.shape) or is_row_shape(A.shape):
        return r.done[A]
    return c_matmul([c_commutation(A.rows, A.cols), r.done[A]])


def vec_diag(e: Expr, r: _Reading) -> Expr:
    """vec(diag(u)) = diag(vec I) (𝟏 ⊗ I) u: the column u repeated, masked to the diagonal."""
    u = e.args[0]
    n = u.rows
    return c_matmul([c_diag(c_vec(_eye(n))), c_kron(Ones.new((n, ONE)), _eye(n)), r.done[u]])


def vec_diagpart(e: Expr, r: _Reading) -> Expr:
    """diag(M) = (𝟏ᵀ ⊗ I) diag(vec I) vec(M): the diagonal entries, summed over columns."""
    M = e.args[0]
    n = M.rows
    return c_matmul([c_kron(c_transpose(Ones.new((n, ONE))), _eye(n)),
                     c_diag(c_vec(_eye(n))), r.done[M]])


def vec_kron(e: Expr, r: _Reading) -> Expr:
    """vec(A ⊗ B) = T (vec A ⊗ vec B), T = Iₙ ⊗ K₍q,m₎ ⊗ Iₚ (Magnus–Neudecker, Thm 3.10)."""
    a, b = e.args
    T = kron_shuffle(a, b)
    if the_linear_arg(e, r.linear) == 1:
        return c_matmul([T, c_kron(c_vec(a), _eye(b.rows * b.cols)), r.done[b]])
    return c_matmul([T, c_kron(_eye(a.rows * a.cols), c_vec(b)), r.done[a]])


def vec_vec(e: Expr, r: _Reading) -> Expr:
    """vec(vec(dA)) = vec(dA)."""
    return r.done[e.args[0]]


def vec_frechet(e: Expr, r: _Reading) -> Expr:
    """vec L_f(X)[dE] = K_f(X) vec dE, with the Kronecker form K_f(X) (Higham §3.2)."""
    return c_matmul([KRONECKER_FORMS[e.function].new(e.at), r.done[e.direction]])


def vec_second_frechet(e: Expr, r: _Reading) -> Expr:
    """vec L²_f(X)[E, dF] = K²_f(X, E) vec dF (L²_f is symmetric in E and F, so likewise with
    dE), with the Kronecker form K²_f(X, E) of the second Fréchet derivative."""
    i = the_linear_arg(e, r.linear)
    return c_matmul([c_second_kronecker_form(e.function, e.at, e.args[3 - i]),
                     r.done[e.args[i]]])


def vec_reduction(e: Expr, r: _Reading) -> Expr:
    """A scalar (tr, sum) is read as a gradient: ds = ⟨G, dX⟩ gives vec(G)ᵀ."""
    return c_transpose(c_vec(gradient_of(e, r.dX)))


def vec_mul(e: Expr, r: _Reading) -> Expr:
    """vec(P ⊙ dA) = diag(vec P) vec(dA); vec(s dA) = s vec(dA); vec(P ds) = vec(P) ds."""
    A, P = linear_factor(e, r.linear)
    if A.shape == e.shape:
        if P.is_scalar:
            return c_mul([P, r.done[A]])
        scalars, core = split_scalars(P)
        return c_mul([*scalars, c_matmul([c_diag(c_vec(core)), r.done[A]])])
    return c_matmul([c_vec(P), r.done[A]])  # a linear scalar times an array P


def vec_matmul(e: Expr, r: _Reading) -> Expr:
    """vec(L dX R) = (Rᵀ ⊗ L) vec(dX)  (Magnus–Neudecker; Matrix Cookbook (520))."""
    f = list(e.args)
    i = the_linear_arg(e, r.linear)
    X, left, right = f[i], f[:i], f[i + 1:]
    L = c_matmul(left) if left else _eye(X.rows)
    Rt = c_transpose(c_matmul(right)) if right else _eye(X.cols)
    return c_matmul([c_kron(Rt, L), r.done[X]])


#: linear node type -> rule(node, reading) -> J with vec(d node) = J vec(dX)
VEC: dict[type[Expr], Callable[[Any, _Reading], Expr]] = {
    Differential: vec_delta,
    Add: vec_add,
    Mul: vec_mul,
    MatMul: vec_matmul,
    Transpose: vec_transpose,
    Trace: vec_reduction,
    Sum: vec_reduction,
    Diag: vec_diag,
    DiagPart: vec_diagpart,
    Kron: vec_kron,
    Vec: vec_vec,
    Frechet: vec_frechet,
    SecondFrechet: vec_second_frechet,
}
