"""Differentials: one rule per node type (Magnus–Neudecker; Matrix Cookbook §2).

``differential(f, wrt)`` returns df, an expression linear in the differentials ``Delta(x)`` of
the variables in ``wrt``, built from canonical pieces.  No rule knows about layouts: reading the
derivative off df is ``rules.identify``'s job.
"""

from __future__ import annotations

from typing import Callable, Optional

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.nodes import (
    Commutation, Delta, Det, Diag, DiagPart, Identity, Inverse, Kron, LogDet, LogSumExp, Norm1,
    Norm2, Partial, Softmax, Sum, Symbol, Trace, Vec, Zero,
)  # fmt: skip
from matcalc.core.functions import FUNCTIONS
from matcalc.core.walk import fold
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_func, c_inverse, c_kron, c_matmul, c_mul, c_pow, c_sum,
    c_trace, c_transpose, c_vec, const, simplify,
)  # fmt: skip

D = Optional[Expr]  # None stands for a zero differential
Rule = Callable[[Expr, list[D]], D]


def _sum(parts: list[D]) -> D:
    parts = [p for p in parts if p is not None]
    return c_add(parts) if parts else None


def _product_rule(build: Callable[[list[Expr]], Expr]) -> Rule:
    def rule(node: Expr, d: list[D]) -> D:
        args = list(node.args)
        return _sum([build(args[:i] + [di] + args[i + 1:]) for i, di in enumerate(d) if di is not None])

    return rule


def _linear(build: Callable[[Expr], Expr]) -> Rule:
    return lambda node, d: None if d[0] is None else build(d[0])


def _chain(local: Callable[[Expr, Expr], Expr]) -> Rule:
    """Rules of the form d g(U) = L(U, dU) with L linear in dU."""
    return lambda node, d: None if d[0] is None else local(node, d[0])


def d_pow(node: Expr, dU: Expr) -> Expr:
    """d(U^∘k) = k U^∘(k−1) ⊙ dU."""
    return c_mul([const(node.exponent), c_pow(node.base, node.exponent - 1), dU])


def d_func(node: Expr, dU: Expr) -> Expr:
    """d f(U) = f′(U) ⊙ dU, with f′ from the function table."""
    return c_mul([simplify(FUNCTIONS[node.name].derivative(node.arg)), dU])


def d_det(node: Expr, dX: Expr) -> Expr:
    """d det X = det(X) tr(X⁻¹ dX)  (Matrix Cookbook (46))."""
    return c_mul([node, c_trace(c_matmul([c_inverse(node.arg), dX]))])


def d_logdet(node: Expr, dX: Expr) -> Expr:
    """d log det X = tr(X⁻¹ dX)  (Matrix Cookbook (57))."""
    return c_trace(c_matmul([c_inverse(node.arg), dX]))


def d_inverse(node: Expr, dX: Expr) -> Expr:
    """d X⁻¹ = −X⁻¹ dX X⁻¹  (Matrix Cookbook (59))."""
    return c_mul([const(-1), c_matmul([node, dX, node])])


def d_norm2(node: Expr, dX: Expr) -> Expr:
    """d‖X‖ = ⟨X, dX⟩ / ‖X‖ (Euclidean for vectors, Frobenius for matrices)."""
    X = node.arg
    return c_mul([c_pow(node, -1), c_sum(c_mul([X, dX]))])


def d_norm1(node: Expr, dX: Expr) -> Expr:
    """d‖X‖₁ = ⟨sign(X), dX⟩, where no entry of X is 0."""
    return c_sum(c_mul([c_func("sign", node.arg), dX]))


def d_softmax(node: Expr, dz: Expr) -> Expr:
    """d softmax(z) = (diag(s) − s sᵀ) dz = s ⊙ dz − s (sᵀ dz), s = softmax(z)."""
    s = node
    return c_add([c_mul([s, dz]), c_mul([const(-1), c_matmul([s, c_transpose(s), dz])])])


def d_logsumexp(node: Expr, dz: Expr) -> Expr:
    """d logsumexp(z) = softmax(z)ᵀ dz."""
    return c_matmul([c_transpose(Softmax.new(node.arg)), dz])


def _leaf(node: Expr, d: list[D]) -> D:
    return None


#: node type -> rule(node, differentials of its args) -> differential of the node
DIFFERENTIALS: dict[type[Expr], Rule] = {
    Symbol: _leaf,  # handled by the driver: dX for a variable, 0 otherwise
    Delta: _leaf,
    Const: _leaf,
    Identity: _leaf,
    Ones: _leaf,
    Zero: _leaf,
    Partial: _leaf,
    Commutation: _leaf,
    Add: lambda node, d: _sum(d),
    Mul: _product_rule(c_mul),
    MatMul: _product_rule(c_matmul),
    Kron: _product_rule(lambda a: c_kron(a[0], a[1])),
    Pow: _chain(d_pow),
    Func: _chain(d_func),
    Transpose: _linear(c_transpose),
    Trace: _linear(c_trace),
    Sum: _linear(c_sum),
    Diag: _linear(c_diag),
    DiagPart: _linear(c_diagpart),
    Vec: _linear(c_vec),
    Det: _chain(d_det),
    LogDet: _chain(d_logdet),
    Inverse: _chain(d_inverse),
    Norm2: _chain(d_norm2),
    Norm1: _chain(d_norm1),
    Softmax: _chain(d_softmax),
    LogSumExp: _chain(d_logsumexp),
}


def differential(f: Expr, wrt: list[Symbol]) -> D:
    """df for canonical ``f``: linear in ``Delta(x)`` for x in ``wrt``; None when df = 0."""
    variables = set(wrt)

    def rule(node: Expr, d: list[D]) -> D:
        if isinstance(node, Symbol):
            return Delta.new(node) if node in variables else None
        try:
            return DIFFERENTIALS[type(node)](node, d)
        except KeyError:  # pragma: no cover - the rule-table test guards this
            raise MatcalcError(f"internal: no differential rule for {type(node).__name__}")

    return fold(f, rule)
