"""Canonical forms of the reductions and matrix functions: trace, sum, determinant, log-det,
norms, the diagonal of a matrix, vec."""

from __future__ import annotations

from matcalc.core.expr import Add, Expr, Func, MatMul, Mul, Ones, Transpose
from matcalc.core.nodes import (
    Det, Diag, DiagPart, Identity, Inverse, Kron, LogDet, LogSoftmax, LogSumExp, Norm1, Norm2, Softmax, Sum, Trace,
    Vec, Zero,
)  # fmt: skip
from matcalc.core.shapes import ONE, is_column_shape, is_row_shape
from matcalc.rules.simplify.algebra import (
    c_add, c_func, c_matmul, c_mul, c_pow, c_transpose,
)  # fmt: skip
from matcalc.rules.simplify.base import const, is_zero, split_coefficient, split_scalars
from matcalc.rules.simplify.order import key


def c_trace(a: Expr) -> Expr:
    """tr(s) = s; tr(I_n) = n; tr(A + B) = tr A + tr B; tr(cA) = c tr A; tr(Aᵀ) = tr A;
    tr(diag v) = sum(v); tr(A ⊗ B) = tr A tr B for square A, B; tr(AB) = tr(BA), written as a 1×1 product where a rotation allows
    (tr(x yᵀ) = yᵀx) and otherwise in the rotation that sorts first."""
    if a.is_scalar:
        return a
    if isinstance(a, Identity):
        return const(a.rows)
    if isinstance(a, Ones):
        return const(a.rows)
    if is_zero(a):
        return const(0)
    if isinstance(a, Add):
        return c_add([c_trace(t) for t in a.args])
    if isinstance(a, Transpose):
        return c_trace(a.args[0])
    if isinstance(a, Diag):
        return c_sum(a.arg)
    if isinstance(a, Kron) and all(f.rows == f.cols for f in a.args):
        return c_mul([c_trace(f) for f in a.args])  # tr(A ⊗ B) = tr A tr B (Cookbook eq. 513)
    scalars, core = split_scalars(a)
    if scalars:
        return c_mul([*scalars, c_trace(core)])
    if isinstance(a, MatMul):
        chain = list(a.args)
        for k in range(len(chain)):
            if chain[k].rows == ONE:
                return c_matmul(chain[k:] + chain[:k])
        best = a
        for k in range(len(chain)):
            for cand in (chain[k:] + chain[:k],
                         [c_transpose(f) for f in reversed(chain[k:] + chain[:k])]):
                c = c_matmul(cand)
                if not isinstance(c, MatMul) or len(c.args) != len(chain):
                    return c_trace(c)
                if key(c) < key(best):
                    best = c
        return Trace.new(best)
    return Trace.new(a)


def c_sum(a: Expr) -> Expr:
    """sum(s) = s; sum(|X|) = ‖X‖₁; sum(softmax(x)) = 1 (m for a row-wise softmax of m rows); sum(1_{m×n}) = mn; sum(cA) = c sum(A); sum(u ⊙ v) = uᵀv for vectors;
    sum(diag v) = sum(Aᵀ) = sum of the argument."""
    if a.is_scalar:
        return a
    if isinstance(a, Func) and a.name == "abs":  # sum(|X|) = ‖X‖₁
        return c_norm1(a.arg)
    if isinstance(a, Ones):
        return const(a.rows * a.cols)
    if isinstance(a, Identity):
        return const(a.rows)
    if is_zero(a):
        return const(0)
    if isinstance(a, (Transpose, Diag)):
        return c_sum(a.args[0])
    if isinstance(a, Softmax):  # each softmax sums to 1: the vector's, or one per row / column
        arg = a.args[0]
        return const(1 if a.axis is None else arg.rows if a.axis == 1 else arg.cols)
    scalars, core = split_scalars(a)
    if scalars:
        return c_mul([*scalars, c_sum(core)])
    if isinstance(a, Mul) and is_column_shape(a.shape) and len(a.args) == 2:
        return c_matmul([c_transpose(a.args[0]), a.args[1]])
    return Sum.new(a)


def c_det(a: Expr) -> Expr:
    """det I = 1; det Aᵀ = det A; det A⁻¹ = 1/det A; det of a 1×1 is the scalar;
    det(cA) = cⁿ det A for a number c and A n×n; det(AB⋯) = det A det B ⋯ when every factor
    is square (Matrix Cookbook eq. 18) and one repeats, so det(XX) = det(X)² and det(XᵀX) =
    det(X)², while det(AXB) stays as the Cookbook writes its derivative, det(AXB)X⁻ᵀ."""
    if a.is_scalar:
        return a
    if isinstance(a, Identity):
        return const(1)
    if isinstance(a, Transpose):
        return c_det(a.args[0])
    if isinstance(a, Inverse):
        return c_pow(c_det(a.arg), -1)
    c, rest = split_coefficient(a)
    if c != 1 and rest is not None:
        return c_mul([const(c ** a.rows), c_det(rest)])
    if isinstance(a, MatMul) and all(f.rows == f.cols for f in a.args) and _repeats(a.args):
        return c_mul([c_det(f) for f in a.args])
    return Det.new(a)


def _repeats(factors) -> bool:
    """Some factor occurs twice, up to a transpose (det Aᵀ = det A)."""
    seen = [f.args[0] if isinstance(f, Transpose) else f for f in factors]
    return len(set(seen)) < len(seen)


def c_logdet(a: Expr) -> Expr:
    """log det I = 0; log det Aᵀ = log det A; log det A⁻¹ = −log det A."""
    if a.is_scalar:
        return c_func("log", a)
    if isinstance(a, Identity):
        return const(0)
    if isinstance(a, Transpose):
        return c_logdet(a.args[0])
    if isinstance(a, Inverse):
        return c_mul([const(-1), c_logdet(a.arg)])
    return LogDet.new(a)


def c_norm2(a: Expr) -> Expr:
    """‖0‖ = 0; the norm of a scalar is its absolute value."""
    if is_zero(a):
        return const(0)
    if a.is_scalar:
        return c_func("abs", a)
    return Norm2.new(a)


def c_norm1(a: Expr) -> Expr:
    """‖0‖₁ = 0; ‖s‖₁ = |s| for a scalar; ‖cA‖₁ = |c| ‖A‖₁ for a number c; ‖Aᵀ‖₁ = ‖A‖₁."""
    if is_zero(a):
        return const(0)
    if a.is_scalar:
        return c_func("abs", a)
    if isinstance(a, Transpose):
        return c_norm1(a.args[0])
    c, rest = split_coefficient(a)
    if c != 1 and rest is not None:
        return c_mul([const(abs(c)), c_norm1(rest)])
    return Norm1.new(a)


def c_diagpart(m: Expr) -> Expr:
    """diag(diag(v)) = v; diag(I) = 1; diag(Aᵀ) = diag(A); diag(cA) = c diag(A);
    diag(u vᵀ) = u ⊙ v."""
    if m.is_scalar:
        return m
    if isinstance(m, Diag):
        return m.arg
    if isinstance(m, Identity):
        return Ones.new((m.rows, ONE))
    if is_zero(m):
        return Zero.new((m.rows, ONE))
    if isinstance(m, Transpose):
        return c_diagpart(m.args[0])
    scalars, core = split_scalars(m)
    if scalars:
        return c_mul([*scalars, c_diagpart(core)])
    if isinstance(m, MatMul):
        chain = list(m.args)
        for k in range(1, len(chain)):
            if chain[k - 1].cols == ONE:  # an outer product u vᵀ
                return c_mul([c_matmul(chain[:k]), c_transpose(c_matmul(chain[k:]))])
    return DiagPart.new(m)


def c_vec(a: Expr) -> Expr:
    """vec(v) = v for a column; vec(uᵀ) = u; vec(sA) = s vec(A); vec(0) = 0; vec(1) = 1."""
    if is_column_shape(a.shape) or a.is_scalar:
        return a
    if is_row_shape(a.shape):
        return c_transpose(a)
    shape = (a.rows * a.cols, ONE)
    if isinstance(a, (Zero, Ones)):
        return type(a).new(shape)
    scalars, core = split_scalars(a)
    if scalars:
        return c_mul([*scalars, c_vec(core)])
    return Vec.new(a)


#: node type -> rule(node, canonical args) -> canonical node, for the nodes of this module
REDUCTIONS = {
    Trace: lambda n, a: c_trace(a[0]),
    Det: lambda n, a: c_det(a[0]),
    LogDet: lambda n, a: c_logdet(a[0]),
    Sum: lambda n, a: c_sum(a[0]),
    Norm2: lambda n, a: c_norm2(a[0]),
    Norm1: lambda n, a: c_norm1(a[0]),
    DiagPart: lambda n, a: c_diagpart(a[0]),
    Softmax: lambda n, a: Softmax.new(a[0], n.axis),
    LogSumExp: lambda n, a: LogSumExp.new(a[0], n.axis),
    LogSoftmax: lambda n, a: LogSoftmax.new(a[0], n.axis),
    Vec: lambda n, a: c_vec(a[0]),
}
