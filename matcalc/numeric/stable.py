"""Numerically stable forms for evaluation: each rewrite keeps the value and removes an overflow.

Generated code (``codegen``, ``lambdify``, ``--code``) evaluates the stable form of what it is
given, so a value or a derivative is finite wherever the true value is:

* log(1 + exp(u)) = softplus(u), evaluated as logaddexp(0, u) (exp(1000) overflows);
* log σ(u) = −softplus(−u) (σ(−800) rounds to 0, log 0 = −∞);
* log softmax(z) = log_softmax(z) = z − logsumexp(z) (softmax underflows to 0 at z = −800);
* log sum exp(z) = logsumexp(z), exp(z) / sum(exp(z)) = softmax(z) (both with the max shift);
* (1 + exp(u))⁻ᵏ = σ(−u)ᵏ and exp(u)ʲ ⊙ (1 + exp(u))⁻ᵏ = σ(u)ʲ σ(−u)ᵏ⁻ʲ (j ≤ k);
* diag(s)⁻¹ (diag(s) − s sᵀ) = I − 𝟏sᵀ and (diag(s) − s sᵀ) diag(s)⁻¹ = I − s𝟏ᵀ, the Jacobian
  of log softmax read off the Jacobian of softmax (a zero sᵢ would make a row of NaN).

Where log_softmax(z) is computed anyway, softmax(z) is exp(log_softmax(z)) (``shared_softmax``).

These are evaluation rewrites, not simplifications: the printed derivative keeps its form.
References: Blanchard, Higham and Higham, "Accurately computing the log-sum-exp and softmax
functions", IMA J. Numer. Anal. 41 (2021); Mächler, "Accurately computing log(1 − exp(−|a|))"
(2012) for softplus.
"""

from __future__ import annotations

from typing import Optional

from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose, neg
from matcalc.core.nodes import Diag, Identity, LogSoftmax, LogSumExp, Softmax, Sum
from matcalc.core.shapes import ONE
from matcalc.core.walk import cached_fold, postorder
from matcalc.rules.simplify import rebuild


def _is_one(e: Expr) -> bool:
    return isinstance(e, Ones) or (isinstance(e, Const) and e.value == 1)


def _one_plus_exp(e: Expr) -> Optional[Expr]:
    """u where e is 1 + exp(u) (either order), else None."""
    if isinstance(e, Add) and len(e.args) == 2:
        a, b = e.args
        for one, other in ((a, b), (b, a)):
            if _is_one(one) and isinstance(other, Func) and other.name == "exp":
                return other.arg
    return None


def _sum_of_exp(e: Expr) -> Optional[Expr]:
    """z where e is sum(exp(z)) of a column vector z, else None."""
    if (isinstance(e, Sum) and isinstance(e.arg, Func) and e.arg.name == "exp"
            and e.arg.arg.is_vector and not e.arg.arg.is_scalar):
        return e.arg.arg
    return None


def _log(arg: Expr) -> Optional[Expr]:
    u = _one_plus_exp(arg)
    if u is not None:
        return Func.new("softplus", u)
    if isinstance(arg, Func) and arg.name == "sigmoid":
        return neg(Func.new("softplus", neg(arg.arg)))
    if isinstance(arg, Softmax):
        return LogSoftmax.new(arg.arg, arg.axis)
    z = _sum_of_exp(arg)
    if z is not None:
        return LogSumExp.new(z)
    return None


def _power_of(node: Expr, k) -> Expr:
    return node if k == 1 else Pow.new(node, k)


def _pow(base: Expr, k) -> Optional[Expr]:
    """(1 + exp(u))⁻ᵏ = σ(−u)ᵏ."""
    if k.is_Integer and k < 0:
        u = _one_plus_exp(base)
        if u is not None:
            return _power_of(Func.new("sigmoid", neg(u)), -k)
    return None


def _exp_power(e: Expr) -> tuple[Optional[Expr], int, bool]:
    """(u, j, transposed) where e is exp(u)ʲ or its transpose, else (None, 0, False)."""
    transposed = isinstance(e, Transpose)
    if transposed:
        e = e.args[0]
    if isinstance(e, Func) and e.name == "exp":
        return e.arg, 1, transposed
    if (isinstance(e, Pow) and e.exponent.is_Integer and e.exponent > 0
            and isinstance(e.base, Func) and e.base.name == "exp"):
        return e.base.arg, int(e.exponent), transposed
    return None, 0, False


def _reciprocal_one_plus_exp(f: Expr) -> tuple[Optional[Expr], int]:
    """(u, k) where f is (1 + exp(u))⁻ᵏ, also as already rewritten to σ(−u)ᵏ."""
    if isinstance(f, Pow) and f.exponent.is_Integer and f.exponent < 0:
        u = _one_plus_exp(f.base)
        if u is not None:
            return u, int(-f.exponent)
    k = 1
    if isinstance(f, Pow) and f.exponent.is_Integer and f.exponent > 0:
        f, k = f.base, int(f.exponent)
    if isinstance(f, Func) and f.name == "sigmoid":
        return neg(f.arg), k
    return None, 0


def _mul(factors: list[Expr]) -> Optional[Expr]:
    """exp(u)ʲ ⊙ (1 + exp(u))⁻ᵏ = σ(u)ʲ σ(−u)ᵏ⁻ʲ (j ≤ k); exp(z) / sum(exp(z)) = softmax(z)."""
    for i, f in enumerate(factors):
        u, k = _reciprocal_one_plus_exp(f)
        z = None
        if u is None and isinstance(f, Pow) and f.exponent == -1:
            z, k = _sum_of_exp(f.base), 1
        if u is None and z is None:
            continue
        for j, g in enumerate(factors):
            v, power, transposed = _exp_power(g)
            if j == i or v is None:
                continue
            if u is not None and v is u and power <= k and not transposed:
                new = _power_of(Func.new("sigmoid", u), power)
                if power < k:
                    new = Mul.new(new, _power_of(Func.new("sigmoid", neg(u)), k - power))
            elif z is not None and v is z and power == 1:
                new = Transpose.new(Softmax.new(z)) if transposed else Softmax.new(z)
            else:
                continue
            rest = [h for m, h in enumerate(factors) if m not in (i, j)]
            return rebuild(Mul.new(new, *rest), [new, *rest]) if rest else new
    return None


def _cancel(term: Expr, s: Expr, left: bool) -> Optional[Expr]:
    """diag(s)⁻¹ term (left) or term diag(s)⁻¹ (right) without the division, else None."""
    n = s.rows
    if isinstance(term, Diag) and term.arg is s:
        return Identity.new(n)
    if isinstance(term, MatMul):
        edge = term.args[0] if left else term.args[-1]
        rest = list(term.args[1:] if left else term.args[:-1])
        if (left and edge is s) or (not left and edge == s.T):
            ones = Ones.new((n, ONE) if left else (ONE, n))
            return MatMul.new(*([ones, *rest] if left else [*rest, ones]))
    if isinstance(term, Mul) and len(term.args) == 2 and isinstance(term.args[0], Const):
        inner = _cancel(term.args[1], s, left)
        return None if inner is None else Mul.new(term.args[0], inner)
    if isinstance(term, Add):
        parts = [_cancel(t, s, left) for t in term.args]
        return None if any(p is None for p in parts) else Add.new(*parts)
    return None


def _matmul(factors: list[Expr]) -> Optional[Expr]:
    for i, f in enumerate(factors):
        if not (isinstance(f, Diag) and isinstance(f.arg, Pow) and f.arg.exponent == -1):
            continue
        s = f.arg.base
        for j, left in ((i + 1, True), (i - 1, False)):
            if 0 <= j < len(factors):
                cancelled = _cancel(factors[j], s, left)
                if cancelled is not None:
                    lo, hi = min(i, j), max(i, j)
                    rest = [*factors[:lo], cancelled, *factors[hi + 1:]]
                    return rest[0] if len(rest) == 1 else MatMul.new(*rest)
    return None


def _stable_node(node: Expr, args: list[Expr]) -> Expr:
    new: Optional[Expr] = None
    if isinstance(node, Func) and node.name == "log":
        new = _log(args[0])
    elif isinstance(node, Pow):
        new = _pow(args[0], node.exponent)
    elif isinstance(node, Mul):
        new = _mul(args)
    elif isinstance(node, MatMul):
        new = _matmul(args)
    if new is not None:
        return new
    if all(a is b for a, b in zip(args, node.args)):
        return node
    return rebuild(node, args)


def stable(e: Expr) -> Expr:
    """``e`` with every rewrite above applied, bottom-up; the same value."""
    return cached_fold(e, _stable_node, {})


def shared_softmax(roots: list[Expr]) -> list[Expr]:
    """softmax(z) = exp(log_softmax(z)) where log_softmax(z) is computed anyway (softmax
    regression's value and gradient): one max, one sum of exponentials and one log fewer."""
    logs = {(n.args[0], n.axis) for r in roots for n in postorder(r) if isinstance(n, LogSoftmax)}
    if not logs:
        return roots

    def node(n: Expr, args: list[Expr]) -> Expr:
        if isinstance(n, Softmax) and (args[0], n.axis) in logs:
            return Func.new("exp", LogSoftmax.new(args[0], n.axis))
        return n if all(a is b for a, b in zip(args, n.args)) else rebuild(n, args)

    memo: dict[Expr, Expr] = {}
    return [cached_fold(r, node, memo) for r in roots]
