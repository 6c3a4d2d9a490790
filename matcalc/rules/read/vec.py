"""The vec convention (Magnus–Neudecker): reading d vec F = J d vec X off a differential.

vec stacks columns.  One rule per node type a differential can be linear through, each the
identity it states; J is written with Kronecker products, the commutation matrix K₍ₘ,ₙ₎
(K vec A = vec Aᵀ) and diagonal matrices, which the code generator applies implicitly.
A scalar piece of the differential is read as a gradient: ds = ⟨G, dX⟩ gives vec(G)ᵀ.
"""

from __future__ import annotations

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.nodes import Delta, Diag, DiagPart, Identity, Kron, Vec
from matcalc.core.shapes import ONE, is_column_shape, is_row_shape
from matcalc.rules.linear import linear_factor, linear_nodes, the_linear_arg
from matcalc.rules.pullback import gradient_of
from matcalc.rules.simplify.kronecker import kron_shuffle
from matcalc.rules.simplify import (
    c_add, c_commutation, c_diag, c_kron, c_matmul, c_mul, c_transpose, c_vec, split_scalars,
)  # fmt: skip


def _eye(n) -> Expr:
    return Identity.new(n)


def _linear_args(e: Expr, linear: dict) -> list[Expr]:
    return [a for a in e.args if linear.get(a)]


def vec_jacobian_of(dF: Expr, dX: Delta) -> Expr:
    """J with vec(dF) = J vec(dX): (size of F) × (size of X)."""
    linear = linear_nodes(dF)
    size = dX.rows * dX.cols
    done: dict[Expr, Expr] = {}
    # bottom-up over the array-valued linear nodes, without recursion; a scalar linear node
    # is a leaf here, read as a gradient
    stack: list[tuple[Expr, bool]] = [(dF, False)]
    while stack:
        e, expanded = stack.pop()
        if e in done:
            continue
        if e.is_scalar and not isinstance(e, Delta):
            done[e] = c_transpose(c_vec(gradient_of(e, dX)))
            continue
        if not expanded and not isinstance(e, Delta):
            stack.append((e, True))
            stack.extend((a, False) for a in _linear_args(e, linear) if a not in done)
            continue
        done[e] = _rule(e, dX, size, linear, done)
    return done[dF]


def _rule(e: Expr, dX: Delta, size, linear: dict, done: dict) -> Expr:
    if isinstance(e, Delta):
        if e is not dX:
            raise MatcalcError("internal: differential of another variable")
        return _eye(size)
    if isinstance(e, Add):
        return c_add([done[t] for t in _linear_args(e, linear)])
    if isinstance(e, Mul):
        return _mul(e, linear, done)
    if isinstance(e, MatMul):
        return _matmul(e, linear, done)
    if isinstance(e, Transpose):
        A = e.args[0]
        if is_column_shape(A.shape) or is_row_shape(A.shape):  # vec(uᵀ) = vec(u)
            return done[A]
        return c_matmul([c_commutation(A.rows, A.cols), done[A]])  # vec(Aᵀ) = K vec(A)
    if isinstance(e, Diag):
        # vec(diag(u)) = diag(vec I) (1 ⊗ I) u: the column u repeated, masked to the diagonal
        u = e.args[0]
        n = u.rows
        return c_matmul([c_diag(c_vec(_eye(n))), c_kron(Ones.new((n, ONE)), _eye(n)), done[u]])
    if isinstance(e, DiagPart):
        # diag(M) = (1ᵀ ⊗ I) diag(vec I) vec(M): the diagonal entries, summed over columns
        M = e.args[0]
        n = M.rows
        return c_matmul([c_kron(c_transpose(Ones.new((n, ONE))), _eye(n)),
                         c_diag(c_vec(_eye(n))), done[M]])
    if isinstance(e, Kron):
        # vec(A ⊗ B) = T (vec A ⊗ vec B), T = Iₙ ⊗ K₍q,m₎ ⊗ Iₚ (Magnus–Neudecker, Thm 3.10)
        a, b = e.args
        T = kron_shuffle(a, b)
        if the_linear_arg(e, linear) == 1:
            return c_matmul([T, c_kron(c_vec(a), _eye(b.rows * b.cols)), done[b]])
        return c_matmul([T, c_kron(_eye(a.rows * a.cols), c_vec(b)), done[a]])
    if isinstance(e, Vec):
        return done[e.args[0]]
    raise MatcalcError(f"internal: a differential is not linear through {type(e).__name__}")


def _mul(e: Mul, linear: dict, done: dict) -> Expr:
    """vec(P ⊙ dA) = diag(vec P) vec(dA); vec(s dA) = s vec(dA); vec(P ds) = vec(P) ds."""
    A, P = linear_factor(e, linear)
    if A.shape == e.shape:
        if P.is_scalar:
            return c_mul([P, done[A]])
        scalars, core = split_scalars(P)
        return c_mul([*scalars, c_matmul([c_diag(c_vec(core)), done[A]])])
    return c_matmul([c_vec(P), done[A]])  # a linear scalar times an array P


def _matmul(e: MatMul, linear: dict, done: dict) -> Expr:
    """vec(L dX R) = (Rᵀ ⊗ L) vec(dX)  (Magnus–Neudecker; Matrix Cookbook (520))."""
    f = list(e.args)
    i = the_linear_arg(e, linear)
    X, left, right = f[i], f[:i], f[i + 1:]
    L = c_matmul(left) if left else _eye(X.rows)
    Rt = c_transpose(c_matmul(right)) if right else _eye(X.cols)
    return c_matmul([c_kron(Rt, L), done[X]])
