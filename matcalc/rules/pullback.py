"""Identification: reading a derivative off a differential (DESIGN.md §6).

Three readings, each for the shapes it serves:

* ``gradient_of(df, dX)`` for a scalar f: df = ⟨G, dX⟩ = tr(Gᵀ dX) gives G (the shape of X).
  It is the transpose of the linear map dX ↦ df, computed as reverse accumulation over the
  linear nodes of df: each node passes its cotangent to its linear argument, cotangents of a
  node used in several places (a copy gate) are summed first.  One rule per linear node type.
* ``jacobian_of(dy, dx)`` for a vector y and a vector x: dy = J dx gives J (numerator layout).
* ``derivative_by_scalar(df, dt)``: df = D dt gives D, the shape of f.
"""

from __future__ import annotations

from typing import Callable

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import (
    Add, Delta, Diag, DiagPart, Expr, Identity, Kron, MatMul, Mul, Ones, Sum, Trace, Transpose,
    Vec,
)  # fmt: skip
from matcalc.core.shapes import ONE, is_column_shape
from matcalc.core.walk import fold, postorder
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_kron, c_matmul, c_mul, c_sum, c_trace, c_transpose, c_vec,
    const, split_scalars, substitute,
)  # fmt: skip


def _linear_nodes(df: Expr) -> dict[Expr, bool]:
    """Which nodes of df depend on a differential (are linear in it)."""
    memo: dict[Expr, bool] = {}
    fold(df, lambda n, a: isinstance(n, Delta) or any(a), memo)
    return memo


def _the_linear_arg(node: Expr, linear: dict[Expr, bool]) -> int:
    idx = [i for i, a in enumerate(node.args) if linear[a]]
    if len(idx) != 1:
        raise MatcalcError(f"internal: {type(node).__name__} is not linear in the differential")
    return idx[0]


def linear_factor(node: Expr, linear: dict[Expr, bool]) -> tuple[Expr, Expr]:
    """The one factor A of a product linear in the differential, and the product P of the
    others (1 if none)."""
    i = _the_linear_arg(node, linear)
    others = [f for j, f in enumerate(node.args) if j != i]
    return node.args[i], (c_mul(others) if others else const(1))


def inner(G: Expr, P: Expr) -> Expr:
    """⟨G, P⟩ = sum(G ⊙ P) (= Gᵀ P for vectors)."""
    return c_sum(c_mul([G, P]))


# -- cotangent rules: node, its cotangent G -> [(linear argument, its cotangent)] -------------

Pull = Callable[[Expr, Expr, dict], list[tuple[Expr, Expr]]]


def pull_add(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """Add gate: d(A + B) = dA + dB passes G to every term."""
    return [(t, G) for t in node.args if linear[t]]


def pull_mul(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, P ⊙ dA⟩ = ⟨G ⊙ P, dA⟩; for a scalar dA broadcast over an array, ⟨G, P⟩ dA."""
    A, P = linear_factor(node, linear)
    if A.shape == node.shape:
        return [(A, c_mul([G, P]))]
    return [(A, inner(G, P))]


def pull_matmul(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, L dA R⟩ = ⟨Lᵀ G Rᵀ, dA⟩ (linear propagation: ∂(Wx)/∂x = Wᵀ)."""
    i = _the_linear_arg(node, linear)
    left, right = node.args[:i], node.args[i + 1:]
    parts = []
    if left:
        parts.append(c_transpose(c_matmul(left)))
    parts.append(G)
    if right:
        parts.append(c_transpose(c_matmul(right)))
    return [(node.args[i], c_matmul(parts))]


def pull_transpose(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, dAᵀ⟩ = ⟨Gᵀ, dA⟩."""
    return [(node.args[0], c_transpose(G))]


def pull_trace(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """g tr(dA) = ⟨g I, dA⟩."""
    A = node.args[0]
    return [(A, c_mul([G, Identity.new(A.rows)]))]


def pull_sum(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """g sum(dA) = ⟨g 1, dA⟩."""
    A = node.args[0]
    return [(A, G if A.is_scalar else c_mul([G, Ones.new(A.shape)]))]


def pull_diag(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨G, diag(dv)⟩ = ⟨diag(G), dv⟩."""
    return [(node.args[0], c_diagpart(G))]


def pull_diagpart(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨g, diag(dM)⟩ = ⟨diag(g), dM⟩."""
    return [(node.args[0], c_diag(G))]


def pull_kron(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """For vectors a ∈ Rⁿ, b ∈ Rᵖ: a ⊗ b = (Iₙ ⊗ b) a = (a ⊗ Iₚ) b.  For matrices, through
    vec(A ⊗ B) = T (vec A ⊗ vec B) = T (vec A ⊗ I) vec B = T (I ⊗ vec B) vec A."""
    from matcalc.rules.read.vec import kron_shuffle, unvec

    i = _the_linear_arg(node, linear)
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


def pull_vec(node: Expr, G: Expr, linear: dict) -> list[tuple[Expr, Expr]]:
    """⟨g, vec(dA)⟩ = ⟨unvec(g), dA⟩."""
    from matcalc.rules.read.vec import unvec

    A = node.args[0]
    return [(A, unvec(G, A.rows, A.cols))]


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
}


def gradients_of(df: Expr, deltas: list[Delta]) -> dict[Delta, Expr]:
    """For a scalar df linear in the deltas: {dX: G} with df = Σ ⟨G, dX⟩."""
    if not df.is_scalar:
        raise MatcalcError("internal: gradients_of needs a scalar differential")
    linear = _linear_nodes(df)
    pending: dict[Expr, list[Expr]] = {df: [const(1)]}
    found: dict[Delta, Expr] = {}
    for node in reversed(postorder(df)):
        if node not in pending:
            continue
        G = c_add(pending.pop(node))  # copy gate: the uses of a node sum their gradients
        if isinstance(node, Delta):
            found[node] = G
            continue
        try:
            rule = PULLBACK[type(node)]
        except KeyError:
            raise MatcalcError(
                f"internal: differential is not linear through {type(node).__name__}"
            ) from None
        for arg, cot in rule(node, G, linear):
            pending.setdefault(arg, []).append(cot)
    return {d: found.get(d, c_mul([const(0), d])) for d in deltas}


def gradient_of(df: Expr, delta: Delta) -> Expr:
    return gradients_of(df, [delta])[delta]


# -- Jacobians of vector-valued differentials ------------------------------------------------


def jacobian_of(dy: Expr, delta: Delta) -> Expr:
    """J with vec(dy) = J dx, for dy a column, a row or a scalar and dx a column vector."""
    linear = _linear_nodes(dy)
    memo: dict[Expr, Expr] = {}
    # bottom-up over the vector-valued linear nodes, so that each rule finds its arguments
    # done and the recursion stays local however deep the network (a matrix-valued node is
    # read by the product, trace or diagonal that contains it)
    for node in postorder(dy):
        if linear.get(node) and node is not dy and (node.cols == ONE or node.rows == ONE):
            try:
                _jac(node, delta, linear, memo)
            except UnsupportedError:
                pass
    return _jac(dy, delta, linear, memo)


def _jac(e: Expr, dx: Delta, linear: dict, memo: dict) -> Expr:
    if e in memo:
        return memo[e]
    if e not in linear:
        linear.update(_linear_nodes(e))
    result = _jac_rule(e, dx, linear, memo)
    memo[e] = result
    return result


def _unsupported(e: Expr) -> UnsupportedError:
    return UnsupportedError(
        f"cannot read a Jacobian off the differential term {e} "
        f"({type(e).__name__} of a matrix that depends on the variable); "
        "differentiate a scalar function of it instead"
    )


def _jac_rule(e: Expr, dx: Delta, linear: dict, memo: dict) -> Expr:
    J = lambda x: _jac(x, dx, linear, memo)  # noqa: E731
    if isinstance(e, Delta):
        if e is not dx:
            raise MatcalcError("internal: differential of another variable")
        return Identity.new(dx.rows)
    if isinstance(e, Add):
        return c_add([J(t) for t in e.args if linear[t]])
    if isinstance(e, Transpose):
        inner_ = e.args[0]
        if inner_.cols == ONE:  # vec of a row is the column it transposes
            return J(inner_)
        raise _unsupported(e)
    if isinstance(e, Mul):
        A, P = linear_factor(e, linear)
        if A.shape == e.shape:
            if P.is_scalar:
                return c_mul([P, J(A)])
            scalars, core = split_scalars(P)
            diag = c_diag(core if core.cols == ONE else c_transpose(core))
            return c_mul([*scalars, c_matmul([diag, J(A)])])
        if A.is_scalar:  # a vector P times a linear scalar: vec(P a) = vec(P) a
            vecP = P if P.cols == ONE else c_transpose(P)
            return c_matmul([vecP, J(A)])
        raise _unsupported(e)
    if isinstance(e, MatMul):
        return _jac_matmul(e, dx, linear, memo)
    if isinstance(e, Trace):
        return _jac_trace(e, dx, linear, memo)
    if isinstance(e, Sum):
        A = e.args[0]
        if A.cols == ONE:
            return c_matmul([c_transpose(Ones.new(A.shape)), J(A)])
        ones_l, ones_r = Ones.new((A.rows, ONE)), Ones.new((A.cols, ONE))
        return J(c_matmul([c_transpose(ones_l), A, ones_r]))
    if isinstance(e, DiagPart):
        M = e.args[0]
        if isinstance(M, Diag):
            return J(M.arg)
        if isinstance(M, Add):
            return c_add([J(c_diagpart(t)) for t in M.args if linear[t]])
        if isinstance(M, MatMul):
            return _jac_diag_of_product(e, M, dx, linear, memo)
        rewritten = _hadamard_to_diagonals(M, linear)
        if rewritten is not None:
            return J(c_diagpart(rewritten))
        rewritten = c_diagpart(M)
        if isinstance(rewritten, DiagPart):
            raise _unsupported(e)
        return J(rewritten)
    if isinstance(e, Kron):
        a, b = e.args
        if is_column_shape(a.shape) and is_column_shape(b.shape):
            if linear[a]:
                return c_matmul([c_kron(Identity.new(a.rows), b), J(a)])
            return c_matmul([c_kron(a, Identity.new(b.rows)), J(b)])
        raise _unsupported(e)
    raise _unsupported(e)


def _hadamard_to_diagonals(X: Expr, linear: dict) -> Expr | None:
    """A matrix Hadamard product linear in a vector, rewritten with diagonal matrices:
    P ⊙ diag(u) = diag(diag(P) ⊙ u), P ⊙ (u vᵀ) = diag(u) P diag(v), distributed over sums."""
    if not isinstance(X, Mul):
        return None
    i = _the_linear_arg(X, linear)
    L = X.args[i]
    P = c_mul([f for j, f in enumerate(X.args) if j != i])
    if isinstance(L, Diag):
        return c_diag(c_mul([P if P.is_scalar else c_diagpart(P), L.arg]))
    if isinstance(L, Add):
        return c_add([c_mul([P, t]) for t in L.args])
    if isinstance(L, MatMul):
        chain = list(L.args)
        for k in range(1, len(chain)):
            if chain[k - 1].cols == ONE:  # an outer product u vᵀ
                u, v = c_matmul(chain[:k]), c_transpose(c_matmul(chain[k:]))
                return c_matmul([c_diag(u), P, c_diag(v)])
        # scaled rows or columns: P ⊙ (diag(u) A) = diag(u)(P ⊙ A), P ⊙ (A diag(u)) = (P ⊙ A) diag(u)
        if isinstance(chain[0], Diag) and linear[chain[0]]:
            return c_matmul([chain[0], c_mul([P, c_matmul(chain[1:])])])
        if isinstance(chain[-1], Diag) and linear[chain[-1]]:
            return c_matmul([c_mul([P, c_matmul(chain[:-1])]), chain[-1]])
    return None


def _distribute_matrix_factor(chain: list[Expr], linear: dict) -> list[Expr] | None:
    """A product whose linear factor is a matrix sum, a scaled matrix or a Hadamard product,
    as a list of products whose sum it is (A (B + C) D = ABD + ACD, and so on)."""
    i = next(k for k, f in enumerate(chain) if linear[f])
    X, left, right = chain[i], chain[:i], chain[i + 1:]
    if X.rows == ONE or X.cols == ONE:
        return None
    if isinstance(X, Add):
        return [c_matmul([*left, t, *right]) for t in X.args if linear[t]]
    if isinstance(X, Transpose) and isinstance(X.args[0], Add):
        return [c_matmul([*left, c_transpose(t), *right]) for t in X.args[0].args if linear[t]]
    scalars, core = split_scalars(X)
    if scalars:
        return [c_mul([*scalars, c_matmul([*left, core, *right])])]
    rewritten = _hadamard_to_diagonals(X, linear)
    if rewritten is not None:
        return [c_matmul([*left, rewritten, *right])]
    return None


def _jac_matmul(e: Expr, dx: Delta, linear: dict, memo: dict) -> Expr:
    J = lambda x: _jac(x, dx, linear, memo)  # noqa: E731
    f = list(e.args)
    i = _the_linear_arg(e, linear)
    X, left, right = f[i], f[:i], f[i + 1:]
    L = c_matmul(left) if left else None
    R = c_matmul(right) if right else None
    if X.cols == ONE:  # X a column: then R is a 1×1 scalar (or absent)
        if R is not None and not R.is_scalar:
            raise _unsupported(e)
        parts = [J(X)] if L is None else [L, J(X)]
        return c_mul([R, c_matmul(parts)]) if R is not None else c_matmul(parts)
    if X.rows == ONE:  # X a row: L X R = L (Rᵀ vec X) with vec X = Xᵀ
        if R is None:
            raise _unsupported(e)
        head = c_transpose(R) if L is None else c_matmul([L, c_transpose(R)])
        return c_matmul([head, J(X)])
    # X is a matrix linear in dx: rewrite the product into vector pieces
    if isinstance(X, Diag) and R is not None and R.cols == ONE:
        return J(c_matmul([*left, c_mul([X.arg, R])]))
    parts = _distribute_matrix_factor(f, linear)
    if parts is not None:
        return c_add([J(part) for part in parts])
    raise _unsupported(e)


def _jac_diag_of_product(e: Expr, M: Expr, dx: Delta, linear: dict, memo: dict) -> Expr:
    """diag(A diag(u) B) = (A ⊙ Bᵀ) u; other linear factors are distributed first."""
    J = lambda x: _jac(x, dx, linear, memo)  # noqa: E731
    chain = list(M.args)
    i = next(k for k, f in enumerate(chain) if linear[f])
    X = chain[i]
    if isinstance(X, Diag):
        left, right = chain[:i], chain[i + 1:]
        if not left:
            weights = c_diagpart(c_matmul(right))
        elif not right:
            weights = c_diagpart(c_matmul(left))
        else:
            weights = c_mul([c_matmul(left), c_transpose(c_matmul(right))])
        if weights.cols == ONE:
            return J(c_mul([weights, X.arg]))
        return J(c_matmul([weights, X.arg]))
    parts = _distribute_matrix_factor(chain, linear)
    if parts is not None:
        return c_add([J(c_diagpart(part)) for part in parts])
    rewritten = c_diagpart(M)
    if isinstance(rewritten, DiagPart):
        raise _unsupported(e)
    return J(rewritten)


def _jac_trace(e: Expr, dx: Delta, linear: dict, memo: dict) -> Expr:
    """tr(A + B) = tr A + tr B; tr(P diag(u)) = diag(P)ᵀ u; a rotation to a 1×1 product."""
    J = lambda x: _jac(x, dx, linear, memo)  # noqa: E731
    A = e.args[0]
    if isinstance(A, Add):
        return c_add([J(c_trace(t)) for t in A.args if linear[t]])
    if isinstance(A, MatMul):
        chain = list(A.args)
        for k in range(len(chain)):
            if chain[k].rows == ONE:
                return J(c_matmul(chain[k:] + chain[:k]))
        for k, X in enumerate(chain):
            if isinstance(X, Diag) and linear[X]:
                P = c_matmul(chain[k + 1:] + chain[:k])
                return J(c_matmul([c_transpose(c_diagpart(P)), X.arg]))
        parts = _distribute_matrix_factor(chain, linear)
        if parts is not None:
            return c_add([J(c_trace(part)) for part in parts])
    if isinstance(A, Diag):
        return J(c_sum(A.arg))
    rewritten = _hadamard_to_diagonals(A, linear)
    if rewritten is not None:
        return J(c_trace(rewritten))
    raise _unsupported(e)


def derivative_by_scalar(df: Expr, delta: Delta) -> Expr:
    """df = D dt gives D: set dt = 1."""
    return substitute(df, {delta: const(1)})
