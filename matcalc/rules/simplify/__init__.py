"""Canonical forms: one rule per node type, each taking canonical arguments to a canonical result.

``simplify(e)`` rebuilds ``e`` bottom-up through these rules.  The canonical form:

* sums are flat, like terms collected (``x + x -> 2*x``), common matrix factors pulled out
  (``A@x + A.T@x -> (A + A.T)@x``), terms sorted (``rules.order``);
* products are flat with numbers and scalars in front (``2*(S@x)``), identities and ones dropped,
  equal bases merged into powers, 1×1 sub-products pulled out as scalars, ``X @ inv(X)``
  cancelled, and ``diag(v) @ u`` written as the Hadamard product ``v * u`` where ``u`` is a
  vector;
* transposes are pushed through products down to symbols (``(A@x).T -> x.T@A.T``), dropped on
  symmetric operands (``S.T -> S``) and on scalars; a transposed column-vector sum stays
  ``(A@x - b).T``, which reads better than ``x.T@A.T - b.T``;
* a 1×1 product is oriented so that it reads from the first symbol (``a.T@x``, not ``x.T@a``).

Every rule states its identity in its docstring.
"""

from __future__ import annotations

import weakref
from typing import Callable

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose, as_expr
from matcalc.core.nodes import (
    Commutation, Diag, Differential, Identity, Inverse, Kron, Partial, PendingDifferential, Symbol,
    Zero,
)  # fmt: skip
from matcalc.core.walk import cached_fold
from matcalc.rules.simplify.algebra import (
    c_add, c_func, c_inverse, c_kron, c_matmul, c_mul, c_pow, c_transpose, is_symmetric, scale,
)  # fmt: skip
from matcalc.rules.simplify.base import (
    c_commutation, c_diag, const, is_zero, split_coefficient, split_scalars, zero,
)  # fmt: skip
from matcalc.rules.simplify.spectral import (
    SPECTRAL, c_eigen_gaps, c_eigvecsh, c_eigvalsh, c_frechet, c_pinv, c_second_divided_differences,
    c_second_frechet, c_second_kronecker_form, c_singular_factor, c_singular_norm,
)  # fmt: skip
from matcalc.rules.simplify.reductions import (
    REDUCTIONS, c_det, c_diagpart, c_logdet, c_norm2, c_sum, c_trace, c_vec,
)  # fmt: skip

__all__ = [
    "c_add", "c_commutation", "c_det", "c_diag", "c_diagpart", "c_func", "c_inverse", "c_kron",
    "c_logdet", "c_matmul", "c_mul", "c_norm2", "c_pow", "c_sum", "c_trace", "c_transpose",
    "c_vec", "const", "is_symmetric", "is_zero", "rebuild", "scale", "simplify",
    "split_coefficient", "split_scalars", "substitute", "zero", "CANONICAL", "c_eigvecsh",
    "c_frechet", "c_pinv", "c_singular_factor", "c_eigen_gaps", "c_eigvalsh",
    "c_second_divided_differences", "c_second_frechet", "c_second_kronecker_form",
    "c_singular_norm",
]  # fmt: skip


def _leaf(node: Expr, args: list[Expr]) -> Expr:
    if isinstance(node, Zero) and node.is_scalar:
        return const(0)
    if isinstance(node, Ones) and node.is_scalar:
        return const(1)
    return node


#: node type -> rule(node, canonical args) -> canonical node
CANONICAL: dict[type[Expr], Callable[[Expr, list[Expr]], Expr]] = {
    Symbol: _leaf,
    Differential: _leaf,
    PendingDifferential: _leaf,
    Const: _leaf,
    Identity: _leaf,
    Ones: _leaf,
    Zero: _leaf,
    Partial: _leaf,
    Add: lambda n, a: c_add(a),
    Mul: lambda n, a: c_mul(a),
    MatMul: lambda n, a: c_matmul(a),
    Pow: lambda n, a: c_pow(a[0], n.exponent),
    Func: lambda n, a: c_func(n.name, a[0]),
    Transpose: lambda n, a: c_transpose(a[0]),
    Inverse: lambda n, a: c_inverse(a[0]),
    Diag: lambda n, a: c_diag(a[0]),
    Kron: lambda n, a: c_kron(a[0], a[1]),
    Commutation: lambda n, a: c_commutation(n.m, n.n),
    **REDUCTIONS,
    **SPECTRAL,
}


def rebuild(node: Expr, args: list[Expr]) -> Expr:
    """``node`` with canonical ``args``, in canonical form."""
    return CANONICAL[type(node)](node, args)


_CANONICAL: "weakref.WeakKeyDictionary[Expr, Expr]" = weakref.WeakKeyDictionary()


def simplify(e: Expr) -> Expr:
    """The canonical form of ``e``: same value, compact, and the same for equal values
    that differ only by the identities above."""
    e = as_expr(e)
    result = cached_fold(e, rebuild, _CANONICAL)  # type: ignore[arg-type]
    _CANONICAL.setdefault(result, result)
    return result


def substitute(e: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """Replace leaves by expressions (of the same shape) and simplify."""
    memo: dict[Expr, Expr] = {}
    for old, new in mapping.items():
        if old.shape != new.shape:
            raise MatcalcError(f"internal: substituting a {new.shape} for a {old.shape}")
        memo[old] = new
    return cached_fold(e, rebuild, memo)  # type: ignore[arg-type]
