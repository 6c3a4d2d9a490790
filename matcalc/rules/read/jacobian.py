"""The Jacobian reading of a vector differential: dy = J dx gives J (numerator layout), and
the reading by a scalar: df = D dt gives D.

J is read bottom-up over the vector-valued linear nodes, compactly: diagonal matrices and
Hadamard products stay as such.  A matrix-valued linear node is read through the product, trace
or diagonal that contains it.  Where no compact reading applies a rule returns NOT_APPLICABLE,
and the engine uses the vec reading, which applies to every linear node.
"""

from __future__ import annotations

from typing import Callable

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Expr, MatMul, Mul, Ones, Transpose
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet
from matcalc.core.nodes import Differential, Diag, DiagPart, Identity, Kron, Sum, Trace, Vec
from matcalc.core.shapes import ONE, is_column_shape
from matcalc.core.walk import postorder
from matcalc.rules.linear import (
    NOT_APPLICABLE, NotApplicable, linear_factor, linear_nodes, the_linear_arg,
)  # fmt: skip
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_kron, c_matmul, c_mul, c_sum, c_trace, c_transpose,
    const, split_scalars, substitute,
)  # fmt: skip


Read = Expr | NotApplicable


def jacobian_of(dy: Expr, delta: Differential) -> Read:
    """J with vec(dy) = J dx, for dy a column, a row or a scalar and dx a column vector; or
    NOT_APPLICABLE where a matrix-valued term has no compact reading."""
    reader = _Reader(delta, linear_nodes(dy))
    # bottom-up over the vector-valued linear nodes, so that each rule finds its arguments
    # done and the recursion stays local however deep the network (a matrix-valued node is
    # read by the product, trace or diagonal that contains it)
    for node in postorder(dy):
        if reader.linear.get(node) and node is not dy and (node.cols == ONE or node.rows == ONE):
            reader.J(node)
    return reader.J(dy)


class _Reader:
    """One reading: the differential of x, which nodes are linear, and the Jacobians so far."""

    def __init__(self, dx: Differential, linear: dict[Expr, bool]):
        self.dx, self.linear = dx, linear
        self.memo: dict[Expr, Read] = {}

    def J(self, e: Expr) -> Read:
        if e in self.memo:
            return self.memo[e]
        if e not in self.linear:
            self.linear.update(linear_nodes(e))
        rule = JACOBIAN.get(type(e))
        result = NOT_APPLICABLE if rule is None else rule(e, self)
        self.memo[e] = result
        return result

    def each(self, parts: list[Expr]) -> list[Expr] | NotApplicable:
        """The Jacobians of all parts, or NOT_APPLICABLE if any has none."""
        out = [self.J(part) for part in parts]
        return NOT_APPLICABLE if any(j is NOT_APPLICABLE for j in out) else out  # type: ignore


def _then(j: Read, build: Callable[[Expr], Expr]) -> Read:
    return j if j is NOT_APPLICABLE else build(j)  # type: ignore[arg-type]


def _sum_of(parts: list[Expr] | NotApplicable) -> Read:
    return parts if parts is NOT_APPLICABLE else c_add(parts)  # type: ignore[arg-type]


def jac_delta(e: Differential, r: _Reader) -> Read:
    """d x = I dx."""
    if e is not r.dx:
        raise MatcalcError("internal: differential of another variable")
    return Identity.new(r.dx.rows)


def jac_add(e: Expr, r: _Reader) -> Read:
    """Add gate: J(a + b) = J(a) + J(b)."""
    return _sum_of(r.each([t for t in e.args if r.linear[t]]))


def jac_transpose(e: Expr, r: _Reader) -> Read:
    """vec of a row is the column it transposes."""
    inner = e.args[0]
    return r.J(inner) if inner.cols == ONE else NOT_APPLICABLE


def jac_mul(e: Expr, r: _Reader) -> Read:
    """p ⊙ da = diag(p) da; s da = s J(a); vec(P ds) = vec(P) ds."""
    A, P = linear_factor(e, r.linear)
    if A.shape == e.shape:
        if P.is_scalar:
            return _then(r.J(A), lambda j: c_mul([P, j]))
        scalars, core = split_scalars(P)
        diag = c_diag(core if core.cols == ONE else c_transpose(core))
        return _then(r.J(A), lambda j: c_mul([*scalars, c_matmul([diag, j])]))
    if A.is_scalar:  # a vector P times a linear scalar: vec(P a) = vec(P) a
        vecP = P if P.cols == ONE else c_transpose(P)
        return _then(r.J(A), lambda j: c_matmul([vecP, j]))
    return NOT_APPLICABLE


def jac_matmul(e: Expr, r: _Reader) -> Read:
    """Linear propagation: d(L x R) = L dx R for a column x (R a scalar); a row through Rᵀ; a
    matrix factor rewritten into vector pieces (diag(u) v = u ⊙ v, sums distributed)."""
    f = list(e.args)
    i = the_linear_arg(e, r.linear)
    X, left, right = f[i], f[:i], f[i + 1:]
    L = c_matmul(left) if left else None
    R = c_matmul(right) if right else None
    if X.cols == ONE:  # X a column: then R is a 1×1 scalar (or absent)
        if R is not None and not R.is_scalar:
            return NOT_APPLICABLE
        inner = _then(r.J(X), lambda j: j if L is None else c_matmul([L, j]))
        return _then(inner, lambda j: c_mul([R, j]) if R is not None else j)
    if X.rows == ONE:  # X a row: L X R = L (Rᵀ vec X) with vec X = Xᵀ
        if R is None:
            return NOT_APPLICABLE
        head = c_transpose(R) if L is None else c_matmul([L, c_transpose(R)])
        return _then(r.J(X), lambda j: c_matmul([head, j]))
    # X is a matrix linear in dx: rewrite the product into vector pieces
    if isinstance(X, Diag) and R is not None and R.cols == ONE:
        return r.J(c_matmul([*left, c_mul([X.arg, R])]))
    parts = _distribute_matrix_factor(f, r.linear)
    return NOT_APPLICABLE if parts is None else _sum_of(r.each(parts))


def jac_trace(e: Expr, r: _Reader) -> Read:
    """tr(A + B) = tr A + tr B; tr(P diag(u)) = diag(P)ᵀ u; a rotation to a 1×1 product."""
    A = e.args[0]
    if isinstance(A, Add):
        return _sum_of(r.each([c_trace(t) for t in A.args if r.linear[t]]))
    if isinstance(A, MatMul):
        chain = list(A.args)
        for k in range(len(chain)):
            if chain[k].rows == ONE:
                return r.J(c_matmul(chain[k:] + chain[:k]))
        for k, X in enumerate(chain):
            if isinstance(X, Diag) and r.linear[X]:
                P = c_matmul(chain[k + 1:] + chain[:k])
                return r.J(c_matmul([c_transpose(c_diagpart(P)), X.arg]))
        parts = _distribute_matrix_factor(chain, r.linear)
        if parts is not None:
            return _sum_of(r.each([c_trace(part) for part in parts]))
    if isinstance(A, Diag):
        return r.J(c_sum(A.arg))
    rewritten = _hadamard_to_diagonals(A, r.linear)
    return NOT_APPLICABLE if rewritten is None else r.J(c_trace(rewritten))


def jac_sum(e: Expr, r: _Reader) -> Read:
    """sum(u) = 𝟏ᵀu; sum(M) = 𝟏ᵀM𝟏."""
    A = e.args[0]
    if A.cols == ONE:
        return _then(r.J(A), lambda j: c_matmul([c_transpose(Ones.new(A.shape)), j]))
    ones_l, ones_r = Ones.new((A.rows, ONE)), Ones.new((A.cols, ONE))
    return r.J(c_matmul([c_transpose(ones_l), A, ones_r]))


def jac_diag(e: Expr, r: _Reader) -> Read:
    """diag(u) is a matrix: read through the product, trace or diagonal that contains it."""
    return NOT_APPLICABLE


def jac_diagpart(e: Expr, r: _Reader) -> Read:
    """diag(diag(u)) = u; diag(A + B) = diag A + diag B; diag(A diag(u) B) = (A ⊙ Bᵀ) u."""
    M = e.args[0]
    if isinstance(M, Diag):
        return r.J(M.arg)
    if isinstance(M, Add):
        return _sum_of(r.each([c_diagpart(t) for t in M.args if r.linear[t]]))
    if isinstance(M, MatMul):
        return _diag_of_product(M, r)
    rewritten = _hadamard_to_diagonals(M, r.linear)
    if rewritten is not None:
        return r.J(c_diagpart(rewritten))
    rewritten = c_diagpart(M)
    return NOT_APPLICABLE if isinstance(rewritten, DiagPart) else r.J(rewritten)


def jac_kron(e: Expr, r: _Reader) -> Read:
    """For vectors: a ⊗ b = (Iₙ ⊗ b) a = (a ⊗ Iₚ) b."""
    a, b = e.args
    if not (is_column_shape(a.shape) and is_column_shape(b.shape)):
        return NOT_APPLICABLE
    if r.linear[a]:
        return _then(r.J(a), lambda j: c_matmul([c_kron(Identity.new(a.rows), b), j]))
    return _then(r.J(b), lambda j: c_matmul([c_kron(a, Identity.new(b.rows)), j]))


def jac_vec(e: Expr, r: _Reader) -> Read:
    """vec of a column is the column; of a matrix, the vec reading's job."""
    return r.J(e.args[0]) if e.args[0].cols == ONE else NOT_APPLICABLE


def _diag_of_product(M: Expr, r: _Reader) -> Read:
    """diag(A diag(u) B) = (A ⊙ Bᵀ) u; other linear factors are distributed first."""
    chain = list(M.args)
    i = next(k for k, f in enumerate(chain) if r.linear[f])
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
            return r.J(c_mul([weights, X.arg]))
        return r.J(c_matmul([weights, X.arg]))
    parts = _distribute_matrix_factor(chain, r.linear)
    if parts is not None:
        return _sum_of(r.each([c_diagpart(part) for part in parts]))
    rewritten = c_diagpart(M)
    return NOT_APPLICABLE if isinstance(rewritten, DiagPart) else r.J(rewritten)


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


#: linear node type -> rule(node, reader) -> its Jacobian, or NOT_APPLICABLE
JACOBIAN: dict[type[Expr], Callable[[Expr, _Reader], Read]] = {
    Differential: jac_delta,
    Add: jac_add,
    Mul: jac_mul,
    MatMul: jac_matmul,
    Transpose: jac_transpose,
    Trace: jac_trace,
    Sum: jac_sum,
    Diag: jac_diag,
    DiagPart: jac_diagpart,
    Kron: jac_kron,
    Vec: jac_vec,
    Frechet: lambda e, r: NOT_APPLICABLE,  # no compact Jacobian: the vec reading says why
    SecondFrechet: lambda e, r: NOT_APPLICABLE,
}


def derivative_by_scalar(df: Expr, delta: Differential) -> Expr:
    """df = D dt gives D: set dt = 1."""
    return substitute(df, {delta: const(1)})
