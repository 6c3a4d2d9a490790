"""Canonical forms of the algebra: sums, elementwise products and powers, elementwise
functions, transposes, matrix products, inverses and Kronecker products.

These rules call one another (a transpose of a sum is a sum of transposes; a sum factors its
products), so they are one module.  Each states its identity in its docstring.
"""

from __future__ import annotations

import functools
import weakref
from typing import Sequence

import sympy

from matcalc.core.errors import MatcalcError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.nodes import (
    Commutation, Diag, Identity, Inverse, Kron, LogSoftmax, LogSumExp, Softmax, Symbol, Zero,
)  # fmt: skip
from matcalc.core.matrix_nodes import Eigvecsh, MatrixFunction
from matcalc.core.numbers import MAX_NUMBER_BITS, as_number, bits_of, too_large
from matcalc.core.shapes import ONE, SCALAR, Shape, is_column_shape, is_row_shape, is_scalar_shape
from matcalc.core.spec import FUNCTIONS
from matcalc.core.walk import cached_fold
from matcalc.rules.simplify.base import (
    c_commutation, c_diag, common_scalars, const, flatten, is_scaled_identity, is_zero,
    one_plus_exp, shared_symbolic_coefficient, split_coefficient, split_scalars,
    transpose_goes_outside, zero,
)  # fmt: skip
from matcalc.rules.simplify.cancel import cancel_inverse_of_product, rows_sum_to_one
from matcalc.rules.simplify.recognise import exponentials_summed, recognise_softmax
from matcalc.rules.simplify.order import factor_key, key, term_key


def scale(c: sympy.Expr, e: Expr | None, shape: Shape = SCALAR) -> Expr:
    """``c * e`` in canonical form (``e`` None means the number itself)."""
    if e is None:
        return const(c) if is_scalar_shape(shape) else c_mul([const(c), Ones.new(shape)])
    if c == 1:
        return e
    return c_mul([const(c), e])


_SYMMETRIC: "weakref.WeakKeyDictionary[Expr, bool]" = weakref.WeakKeyDictionary()


def _symmetric_rule(node: Expr, args: list[bool]) -> bool:
    if node.is_scalar:
        return True
    if node.rows != node.cols:
        return False
    if isinstance(node, Symbol):
        return node.symmetric
    if isinstance(node, (Identity, Zero, Ones, Diag)):
        return True
    if isinstance(node, Commutation):
        return node.m == node.n
    if isinstance(node, (Add, Mul, Pow, Func, Inverse, Kron, MatrixFunction)):
        return all(args)  # f(S)ᵀ = f(Sᵀ) for a primary matrix function f
    if isinstance(node, MatMul):
        f = node.args
        return all(c_transpose(f[i]) is f[-1 - i] for i in range((len(f) + 1) // 2))
    return False


def is_symmetric(e: Expr) -> bool:
    """Structurally symmetric: declared symmetric, a sum or Hadamard product of symmetric
    matrices, an inverse of one, or a palindromic product such as ``A.T @ S @ A``."""
    return cached_fold(e, _symmetric_rule, _SYMMETRIC)  # type: ignore[arg-type]


def c_add(terms: Sequence[Expr]) -> Expr:
    """Collect like terms (a + a = 2a), drop zeros, factor common matrix factors, sort; and
    distribute products over sums where that makes the sum smaller ((1 − s) ⊙ y − s ⊙ (1 − y)
    = y − s)."""
    collected = _add(terms)
    if not isinstance(collected, Add) or not any(_distributable(t) for t in collected.args):
        return collected
    expanded = _add([part for t in collected.args for part in _distribute(t)])
    return expanded if expanded.size < collected.size else collected


def _distributable(t: Expr) -> bool:
    return isinstance(t, Mul) and any(isinstance(f, Add) for f in t.args)


def _distribute(t: Expr) -> list[Expr]:
    """A product with sums among its factors, as a list of products (one level)."""
    if not _distributable(t):
        return [t]
    parts: list[list[Expr]] = [[]]
    for f in t.args:
        options = list(f.args) if isinstance(f, Add) else [f]
        parts = [p + [o] for p in parts for o in options]
    return [c_mul(p) for p in parts]


def _add(terms: Sequence[Expr]) -> Expr:
    if not terms:
        raise MatcalcError("internal: empty sum")
    shape = terms[0].shape
    if is_row_shape(shape):
        # a sum of rows is the transpose of a sum of columns
        return c_transpose(c_add([c_transpose(t) for t in terms]))
    acc: dict[Expr | None, sympy.Expr] = {}
    for t in flatten(terms, Add):
        if is_zero(t):
            continue
        c, rest = split_coefficient(t)
        if rest is not None and isinstance(rest, Ones):
            rest = None  # a broadcast number collects with plain numbers
        acc[rest] = acc.get(rest, sympy.Integer(0)) + c
    items = [(rest, c) for rest, c in acc.items() if c != 0]
    items = _merge_diagonals(items)
    items = _factor_common(items, shape)
    common = common_scalars(items) if not is_scalar_shape(shape) else []
    if common:  # a/s − b/s = (a − b)/s: the shared part is then written once
        inner = c_add([scale(c, c_mul([f for f in rest.args if f not in common]), shape)
                       for rest, c in items])
        return c_mul([*common, inner])
    shared = shared_symbolic_coefficient(items) if not is_scalar_shape(shape) else None
    if shared is not None:  # (1/N)a − (1/N)b = (1/N)(a − b), as a mean over a batch is written
        return c_mul([const(shared), c_add([scale(c / shared, rest, shape) for rest, c in items])])
    parts = [scale(c, rest, shape) for rest, c in items]
    if not parts:
        return zero(shape)
    if len(parts) == 1:
        return parts[0]
    parts.sort(key=term_key)
    return Add.new(*parts)


def _merge_diagonals(items: list[tuple[Expr | None, sympy.Expr]]):
    """Σ cᵢ diag(vᵢ) = diag(Σ cᵢ vᵢ)."""
    diagonals = [(rest, c) for rest, c in items if isinstance(rest, Diag)]
    if len(diagonals) < 2:
        return items
    merged = c_diag(c_add([scale(c, rest.arg) for rest, c in diagonals]))
    others = [(rest, c) for rest, c in items if not isinstance(rest, Diag)]
    if is_zero(merged):
        return others
    c, rest = split_coefficient(merged)
    return others + [(rest, c)]


def _matmul_split(rest: Expr, c: sympy.Expr) -> tuple[list[Expr], list[Expr]] | None:
    """``c * s * (P1 @ ... @ Pk)`` as ([c, s], [P1..Pk]) when the array part is a product."""
    scalars, core = split_scalars(rest)
    if isinstance(core, MatMul):
        return ([const(c), *scalars] if c != 1 else scalars), list(core.args)
    return None


def _factor_common(items: list[tuple[Expr | None, sympy.Expr]], shape: Shape):
    """Σ Pᵢ F = (Σ Pᵢ) F and Σ F Pᵢ = F (Σ Pᵢ): pull a shared last (then first) factor out."""
    changed = True
    while changed and len(items) > 1:
        changed = False
        for side in (-1, 0):
            groups: dict[Expr, list[int]] = {}
            for i, (rest, c) in enumerate(items):
                if rest is None:
                    continue
                split = _matmul_split(rest, c)
                if split is not None:
                    groups.setdefault(split[1][side], []).append(i)
            for factor, members in groups.items():
                if len(members) < 2:
                    continue
                partial = []
                for i in members:
                    scalars, chain = _matmul_split(*items[i])  # type: ignore[misc]
                    rest_chain = chain[:-1] if side == -1 else chain[1:]
                    partial.append(c_mul([*scalars, c_matmul(rest_chain)]) if scalars
                                   else c_matmul(rest_chain))
                inner = c_add(partial)
                combined = c_matmul([inner, factor] if side == -1 else [factor, inner])
                keep = [it for i, it in enumerate(items) if i not in members]
                c, rest = split_coefficient(combined)
                if not is_zero(combined):
                    keep.append((rest, c))
                items = _recollect(keep)
                changed = True
                break
            if changed:
                break
    return items


def _recollect(items):
    acc: dict = {}
    for rest, c in items:
        acc[rest] = acc.get(rest, sympy.Integer(0)) + c
    return [(rest, c) for rest, c in acc.items() if c != 0]


def c_mul(factors: Sequence[Expr]) -> Expr:
    """Numbers multiplied into one coefficient in front, scalars next, then arrays; Ones ⊙ A = A;
    equal bases merged (x ⊙ x = x², x ⊙ x⁻¹ = 1); any zero factor gives zero."""
    flat = flatten(factors, Mul)
    shape = SCALAR
    for f in flat:
        if not f.is_scalar:
            shape = f.shape
            break
    if is_row_shape(shape):
        rows = [f for f in flat if not f.is_scalar]
        if len(rows) > 1:  # a product of rows is the transpose of a product of columns
            merged = c_transpose(c_mul([c_transpose(f) for f in rows]))
            return c_mul([*(f for f in flat if f.is_scalar), merged])
    coef = sympy.Integer(1)
    bases: dict[Expr, sympy.Expr] = {}
    for f in flat:
        if isinstance(f, Const):
            coef *= f.value
            continue
        if is_zero(f):
            return zero(shape)
        if isinstance(f, Ones):
            continue
        base, k = (f.base, f.exponent) if isinstance(f, Pow) else (f, sympy.Integer(1))
        bases[base] = bases.get(base, sympy.Integer(0)) + k
    if coef == 0:
        return zero(shape)
    _recognise_sigmoid(bases)
    recognise_softmax(bases)
    _recognise_abs(bases)
    out: list[Expr] = []
    for base, k in bases.items():
        p = c_pow(base, k)
        for part in flatten([p], Mul):
            if isinstance(part, Const):
                coef *= part.value
            elif not isinstance(part, Ones):
                out.append(part)
    coef, out = _sign_into_sum(coef, out)
    out.sort(key=factor_key)
    if coef != 1:
        out.insert(0, const(coef))
    if not any(not f.is_scalar for f in out) and not is_scalar_shape(shape):
        out.append(Ones.new(shape))  # a number broadcast over the array
    if not out:
        return const(1)
    if len(out) == 1:
        return out[0]
    return Mul.new(*out)


def _has_minus(e: Expr) -> bool:
    """A sum with a term that prints with a minus sign (x − a)."""
    return isinstance(e, Add) and any(
        split_coefficient(t)[0].could_extract_minus_sign() for t in e.args)


def _negated(e: Add) -> tuple[sympy.Expr, Expr]:
    """−e as (g, s) with −e = g s and g the terms' common rational factor (−(2x − 2μ) =
    2(μ − x))."""
    coefficients = [split_coefficient(t)[0] for t in e.args]
    g = sympy.Integer(1)
    if all(c.is_Rational for c in coefficients):
        g = sympy.gcd_list([abs(c) for c in coefficients]) or sympy.Integer(1)
    return g, c_add([c_mul([const(-1 / g), t]) for t in e.args])


def _sign_into_sum(coef: sympy.Expr, factors: list[Expr]) -> tuple[sympy.Expr, list[Expr]]:
    """−(x − a) = a − x: the negation of a difference is the difference the other way round.
    A scaled or multiplied difference keeps its sign in front, pulled out once: −2(X − UVᵀ)V."""
    if coef != -1 or len(factors) != 1 or not _has_minus(factors[0]):
        return coef, factors
    g, flipped = _negated(factors[0])
    if not isinstance(flipped, Add):
        return coef, factors
    return g, [flipped]


def _recognise_sigmoid(bases: dict[Expr, sympy.Expr]) -> None:
    """exp(u) ⊘ (1 + exp(u)) = σ(u) and 1 ⊘ (1 + exp(u)) = σ(−u), in place."""
    for base, k in list(bases.items()):
        u = one_plus_exp(base)
        if u is None or k != -1:
            continue
        del bases[base]
        e = Func.new("exp", u)
        if bases.get(e) == 1:
            del bases[e]
            s = c_func("sigmoid", u)
        else:
            s = c_func("sigmoid", c_mul([const(-1), u]))
        bases[s] = bases.get(s, sympy.Integer(0)) + 1


def _recognise_abs(bases: dict[Expr, sympy.Expr]) -> None:
    """u ⊙ sign(u) = |u| (at 0 too), in place: the derivative of |u| times u, and of
    log|det X|, come out as |u| and cancel (|x| + x ⊙ sign(x) = 2|x|)."""
    for base, k in list(bases.items()):
        if not (isinstance(base, Func) and base.name == "sign" and k == 1):
            continue
        u = base.arg
        if bases.get(u) != 1:
            continue
        del bases[base], bases[u]
        a = c_func("abs", u)
        bases[a] = bases.get(a, sympy.Integer(0)) + 1
        if bases[a] == 0:
            del bases[a]


def c_pow(base: Expr, k) -> Expr:
    """u⁰ = 1, u¹ = u, (uᵃ)ᵇ = uᵃᵇ for integer b, (u ⊙ v)ᵏ = uᵏ ⊙ vᵏ for integer k."""
    k = as_number(k)
    if k == 0:
        return const(1) if base.is_scalar else Ones.new(base.shape)
    if k == 1:
        return base
    if isinstance(base, Const):
        bits = bits_of(base.value) if isinstance(base.value, sympy.Rational) else 0
        if bits > 1 and isinstance(k, sympy.Rational) and abs(k) * bits > MAX_NUMBER_BITS:
            raise too_large(abs(k) * bits)  # refused before it is computed
        value = base.value**k
        if value.is_real and value.is_finite:
            return const(value)
        raise MatcalcError(f"{base.value}**{k} is not a real number")
    if isinstance(base, Ones):
        return base
    if is_zero(base):
        if k < 0:
            raise MatcalcError("division by zero (0 raised to a negative power)")
        return base
    if transpose_goes_outside(base):
        return c_transpose(c_pow(c_transpose(base), k))
    if isinstance(base, Pow) and k.is_integer:
        return c_pow(base.base, base.exponent * k)
    if isinstance(base, Mul) and k.is_integer:
        return c_mul([c_pow(f, k) for f in base.args])
    return Pow.new(base, k)


def c_func(name: str, u: Expr) -> Expr:
    """f applied elementwise; log(exp(u)) = u and exp(log(u)) = u; log(softmax(z)) =
    log_softmax(z) (whose Jacobian is I − 𝟏 softmax(z)ᵀ, and whose value does not underflow);
    rational values folded."""
    if transpose_goes_outside(u):
        return c_transpose(c_func(name, c_transpose(u)))  # f(Aᵀ) = f(A)ᵀ
    if isinstance(u, Func) and {name, u.name} == {"exp", "log"}:
        return u.arg
    if name == "log" and isinstance(u, Softmax):  # log(softmax(z)) = log_softmax(z)
        return LogSoftmax.new(u.args[0], u.axis)
    z = exponentials_summed(u)
    if name == "log" and z is not None:  # log(sum(exp(z))) = logsumexp(z), with its max shift
        return LogSumExp.new(z)
    if isinstance(u, (Const, Zero)):
        value = FUNCTIONS[name].sympy(u.value if isinstance(u, Const) else sympy.Integer(0))
        if value.is_Rational:
            return const(value) if u.is_scalar else scale(value, None, u.shape)
    return Func.new(name, u)


@functools.lru_cache(maxsize=1 << 16)
def c_transpose(a: Expr) -> Expr:
    """(Aᵀ)ᵀ = A; Sᵀ = S for symmetric S; (AB)ᵀ = BᵀAᵀ; (A + B)ᵀ = Aᵀ + Bᵀ (not for a column sum,
    kept as (u + v)ᵀ); (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ; f(A)ᵀ = f(Aᵀ); (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ; a scalar is its
    own transpose.  Memoised: it recurses through the terms and factors of ``a``, and a
    factored sum shares them, so without it a transpose walks a tree of exponential size."""
    if a.is_scalar:
        return a
    if isinstance(a, Transpose):
        return a.args[0]
    if isinstance(a, (Ones, Zero)):
        return type(a).new((a.cols, a.rows))
    if isinstance(a, Commutation):  # K₍ₘ,ₙ₎ᵀ = K₍ₙ,ₘ₎ (its inverse: it is a permutation)
        return c_commutation(a.n, a.m)
    if isinstance(a, MatMul):
        return c_matmul([c_transpose(f) for f in reversed(a.args)])
    if isinstance(a, Kron):
        if is_column_shape(a.shape):  # like any column: (a ⊗ b)ᵀ stays a transposed column
            return Transpose.new(a)
        return c_kron(c_transpose(a.args[0]), c_transpose(a.args[1]))
    if isinstance(a, (Pow, Func)) and not is_row_shape(a.shape):
        # f(A)ᵀ stays: pushed inside it would rebuild f's argument transposed
        return a if is_symmetric(a) else Transpose.new(a)
    if isinstance(a, (Add, Mul, Pow, Func)):
        if is_column_shape(a.shape):
            scalars, core = split_scalars(a)
            if scalars:  # (2x)ᵀ = 2xᵀ
                return c_mul([*scalars, c_transpose(core)])
            if isinstance(a, Add) and all(
                    split_coefficient(t)[0].could_extract_minus_sign() for t in a.args):
                # (−u − v)ᵀ = −(u + v)ᵀ: the sign goes out, as from a product's factor
                return c_mul([const(-1), Transpose.new(c_add([c_mul([const(-1), t])
                                                              for t in a.args]))])
            return Transpose.new(a)
        if isinstance(a, Add):
            return c_add([c_transpose(t) for t in a.args])
        if isinstance(a, Mul):
            return c_mul([c_transpose(f) for f in a.args])
        if isinstance(a, Pow):
            return c_pow(c_transpose(a.base), a.exponent)
        return c_func(a.name, c_transpose(a.arg))
    if is_symmetric(a):
        return a
    return Transpose.new(a)


def _is_inverse_pair(a: Expr, b: Expr) -> bool:
    """``b`` is ``c_inverse(a)`` (X X⁻¹), or V Vᵀ, Vᵀ V for the orthogonal eigenvector matrix
    V = eigvecsh(S); decided without building an inverse where the node types rule it out
    (this runs on every adjacent pair of every product)."""
    if a.rows != a.cols or b.rows != b.cols:
        return False
    if isinstance(a, Eigvecsh) or isinstance(b, Eigvecsh):
        return c_transpose(a) is b
    if isinstance(b, Inverse) and b.arg is a or isinstance(a, Inverse) and a.arg is b:
        return True
    if a.is_scalar or isinstance(a, (Identity, Mul)):
        return c_inverse(a) is b
    if isinstance(a, Transpose):  # (Yᵀ)⁻¹ = (Y⁻¹)ᵀ
        if isinstance(b, Transpose):
            return _is_inverse_pair(a.args[0], b.args[0])
        return isinstance(b, Inverse) and c_inverse(a) is b
    if isinstance(a, Diag):  # diag(v)⁻¹ = diag(v^∘−1)
        return isinstance(b, Diag) and c_inverse(a) is b
    return False  # c_inverse(a) is Inverse(a), ruled out above


def c_matmul(factors: Sequence[Expr]) -> Expr:
    """Flatten; scalars to the front; X(−A − B) = −X(A + B); I A = A; 0 A = 0; X X⁻¹ = I;
    V Vᵀ = I for eigenvectors; (AB)(AB)⁻¹ = I; 𝟏ᵀ𝟏 = n;
    diag(u) diag(v) = diag(u ⊙ v);
    diag(u) v = u ⊙ v for a vector v; 1×1 sub-products pulled out as scalars."""
    if not factors:
        raise MatcalcError("internal: empty product")
    if (len(factors) == 2 and isinstance(factors[0], Ones) and isinstance(factors[1], Ones)
            and factors[0].rows == ONE and factors[1].cols == ONE):
        return const(factors[0].cols)  # 𝟏ₙᵀ𝟏ₙ = n
    return _matmul(list(factors), orient=True)


def _matmul(factors: list[Expr], orient: bool) -> Expr:
    arrays = [f for f in factors if not f.is_scalar] or factors
    shape = (arrays[0].rows, arrays[-1].cols)
    scalars: list[Expr] = []
    chain: list[Expr] = []
    for f in flatten(factors, MatMul):
        if is_zero(f):
            return zero(shape)
        if f.is_scalar:
            scalars.append(f)
            continue
        s, core = split_scalars(f)
        scalars.extend(s)
        if isinstance(core, Add) and all(
                split_coefficient(t)[0].could_extract_minus_sign() for t in core.args):
            # X(−A − B) = −X(A + B): the sign of an all-negative sum goes to the front
            scalars.append(const(-1))
            core = c_add([c_mul([const(-1), t]) for t in core.args])
        if not isinstance(core, Identity):
            chain.extend(flatten([core], MatMul))
    with_identity = [i for i, f in enumerate(chain)
                     if isinstance(f, Add) and any(is_scaled_identity(t) for t in f.args)]
    if len(with_identity) == 1:
        # (cI + B) C = cC + BC: the identity costs a matrix and hides a simpler sum; only for
        # one such factor: k of them, as in (B + I)ᵏ, would expand into 2ᵏ terms
        i = with_identity[0]
        parts = [c_matmul([*chain[:i], t, *chain[i + 1:]]) for t in chain[i].args]
        return c_mul([*scalars, c_add(parts)]) if scalars else c_add(parts)
    chain = _merge_adjacent(chain)
    chain, pulled = _pull_scalar_segments(chain)
    scalars.extend(pulled)
    chain = _diag_to_hadamard(chain, scalars)
    if not chain:
        core: Expr = Identity.new(shape[0]) if not is_scalar_shape(shape) else const(1)
    elif len(chain) == 1:
        core = chain[0]
    else:
        core = MatMul.new(*chain)
        if orient and core.is_scalar:
            other = _matmul([c_transpose(f) for f in reversed(chain)], orient=False)
            if isinstance(other, MatMul) and key(other) < key(core):
                core = other
    if not scalars:
        return core
    return c_mul([*scalars, core])


def _merge_adjacent(chain: list[Expr]) -> list[Expr]:
    out: list[Expr] = []
    for f in chain:
        if out and _is_inverse_pair(out[-1], f):
            out.pop()
            continue
        if (out and isinstance(out[-1], Commutation) and isinstance(f, Commutation)
                and (out[-1].m, out[-1].n) == (f.n, f.m)):
            out.pop()  # K₍ₙ,ₘ₎ K₍ₘ,ₙ₎ = I
            continue
        if (out and isinstance(out[-1], Ones) and isinstance(f, Ones)
                and out[-1].cols == ONE):  # 𝟏ₘ 𝟏ₙᵀ is the m×n all-ones matrix
            out[-1] = Ones.new((out[-1].rows, f.cols))
            continue
        if rows_sum_to_one(out[-1] if out else None, f):
            # softmax(Z, axis=1) 𝟏 = 𝟏 and 𝟏ᵀ softmax(Z, axis=0) = 𝟏ᵀ: each softmax sums to 1
            out[-1] = Ones.new((out[-1].rows, f.cols))
            continue
        if out and isinstance(out[-1], Diag) and isinstance(f, Diag):
            out[-1] = c_diag(c_mul([out[-1].arg, f.arg]))
            continue
        if (out and isinstance(out[-1], Kron) and isinstance(f, Kron)
                and out[-1].args[0].cols == f.args[0].rows
                and out[-1].args[1].cols == f.args[1].rows):
            # mixed product: (A ⊗ B)(C ⊗ D) = AC ⊗ BD
            (A, B), (C, D) = out.pop().args, f.args
            merged = c_kron(c_matmul([A, C]), c_matmul([B, D]))
            out.extend(merged.args if isinstance(merged, MatMul) else (merged,))
            continue
        out.append(f)
        cancel_inverse_of_product(out)
    return out


def _pull_scalar_segments(chain: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """Split points where the inner dimension is 1 bound 1×1 segments: x aᵀ b = (aᵀb) x."""
    if len(chain) < 2:
        return chain, []
    bounds = [k for k in range(1, len(chain)) if chain[k - 1].cols == ONE]
    if chain[0].rows == ONE:
        bounds.insert(0, 0)
    if chain[-1].cols == ONE:
        bounds.append(len(chain))
    if len(bounds) < 2 or (bounds[0] == 0 and bounds[-1] == len(chain) and len(bounds) == 2):
        return chain, []
    pulled = []
    for lo, hi in zip(bounds, bounds[1:]):
        pulled.append(_matmul(chain[lo:hi], orient=True) if hi - lo > 1 else chain[lo])
    rest = chain[: bounds[0]] + chain[bounds[-1]:]
    return rest, pulled


def _diag_to_hadamard(chain: list[Expr], scalars: list[Expr]) -> list[Expr]:
    """diag(u) v = u ⊙ v and vᵀ diag(u) = (v ⊙ u)ᵀ when the rest of the product is a vector."""
    for i, f in enumerate(chain):
        if not isinstance(f, Diag):
            continue
        rest = chain[i + 1:]
        if rest and rest[-1].cols == ONE:
            tail = c_matmul(rest)
            s, core = split_scalars(tail)
            scalars.extend(s)
            return _diag_to_hadamard(chain[:i] + [c_mul([f.arg, core])], scalars)
        head = chain[:i]
        if head and head[0].rows == ONE:
            row = c_matmul(head)
            s, core = split_scalars(row)
            scalars.extend(s)
            merged = c_transpose(c_mul([f.arg, c_transpose(core)]))
            return _diag_to_hadamard([merged] + chain[i + 1:], scalars)
    return chain


def c_inverse(a: Expr) -> Expr:
    """(A⁻¹)⁻¹ = A; I⁻¹ = I; (Aᵀ)⁻¹ = (A⁻¹)ᵀ; (cA)⁻¹ = c⁻¹A⁻¹; diag(v)⁻¹ = diag(v^-1);
    (AB)⁻¹ = B⁻¹A⁻¹ for square A and B (Matrix Cookbook eq. 145); a 1×1 inverse is a
    reciprocal."""
    if a.is_scalar:
        return c_pow(a, -1)
    if isinstance(a, Inverse):
        return a.arg
    if isinstance(a, Identity):
        return a
    if isinstance(a, Transpose):
        return c_transpose(c_inverse(a.args[0]))
    if isinstance(a, Diag):
        return c_diag(c_pow(a.arg, -1))
    scalars, core = split_scalars(a)
    if scalars:
        return c_mul([c_pow(c_mul(scalars), -1), c_inverse(core)])
    if isinstance(a, MatMul) and all(f.rows == f.cols for f in a.args):
        # (AB)⁻¹ = B⁻¹A⁻¹ when every factor is square (each is then invertible, as
        # det(AB) = det A det B ≠ 0): the factors can then cancel with their neighbours
        return c_matmul([c_inverse(f) for f in reversed(a.args)])
    return Inverse.new(a)


def c_kron(a: Expr, b: Expr) -> Expr:
    """s ⊗ B = sB; A ⊗ s = sA; 0 ⊗ B = 0; Iₘ ⊗ Iₙ = Iₘₙ; (sA) ⊗ B = s(A ⊗ B)."""
    if isinstance(a, Identity) and a.rows == ONE:
        return b
    if isinstance(b, Identity) and b.rows == ONE:
        return a
    if a.is_scalar or b.is_scalar:
        return c_mul([a, b])
    if is_zero(a) or is_zero(b):
        return Zero.new((a.rows * b.rows, a.cols * b.cols))
    if isinstance(a, Identity) and isinstance(b, Identity):
        return Identity.new(a.rows * b.rows)
    sa, core_a = split_scalars(a)
    sb, core_b = split_scalars(b)
    if sa or sb:
        return c_mul([*sa, *sb, c_kron(core_a, core_b)])
    return Kron.new(a, b)
