"""The Jacobian reading of a vector differential: dy = J dx gives J (numerator layout), and
the reading by a scalar: df = D dt gives D.

J is read bottom-up over the vector-valued linear nodes, compactly: diagonal matrices and
Hadamard products stay as such.  A matrix-valued linear node is read through the product, trace
or diagonal that contains it; where no compact reading applies the engine uses the vec reading.
"""

from __future__ import annotations

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.nodes import Delta, Diag, DiagPart, Identity, Kron, Sum, Trace
from matcalc.core.shapes import ONE, is_column_shape
from matcalc.core.walk import postorder
from matcalc.rules.linear import linear_factor, linear_nodes, the_linear_arg
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_kron, c_matmul, c_mul, c_sum, c_trace, c_transpose,
    const, split_scalars, substitute,
)  # fmt: skip


def jacobian_of(dy: Expr, delta: Delta) -> Expr:
    """J with vec(dy) = J dx, for dy a column, a row or a scalar and dx a column vector."""
    linear = linear_nodes(dy)
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
        linear.update(linear_nodes(e))
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
    i = the_linear_arg(X, linear)
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
    i = the_linear_arg(e, linear)
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
