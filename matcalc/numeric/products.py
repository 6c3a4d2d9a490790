"""Matrix products in generated code: runs of plain factors in their cheapest association,
and the operators a product applies without building them (a diagonal by broadcasting, a
Kronecker product by reshaping, a commutation matrix by permuting, an inverse by a solve with
the matrix or with its shared factorisation).  Scaling and negation are folded into the
smallest factor of a product by the caller (``numeric.codegen``)."""

from __future__ import annotations

from typing import Callable

import re

import sympy

from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Ones, Pow, Transpose, Mul
from matcalc.core.nodes import Commutation, Diag, Identity, Inverse, Kron
from matcalc.rules.simplify import c_transpose

#: inline text nests at most this deep before a temporary is made (Python's parser refuses
#: deeply nested parentheses, and a 5,000-layer network would nest 5,000 deep)
MAX_NESTING = 40
#: an unknown dimension counts as this many entries when choosing the order of a product
_UNKNOWN_SIZE = 1000


def size_estimate(d: sympy.Expr) -> int:
    """A size estimate for choosing the order of a product: unknown dimensions are large."""
    return int(d.subs({s: _UNKNOWN_SIZE for s in d.free_symbols}))


def _chain_order(shapes: list[tuple[int, int]]) -> Callable[[int, int], int]:
    """The cheapest association of a matrix chain (the textbook dynamic programme): returns
    split(i, j), where the product of factors i..j is (i..k)(k+1..j) for k = split(i, j)."""
    k = len(shapes)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = -1
            for s in range(i, j):
                c = (cost[i][s] + cost[s + 1][j]
                     + shapes[i][0] * shapes[s][1] * shapes[j][1])
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return lambda i, j: split[i][j]


def _associate(texts: list[str], shapes: list[tuple[int, int]],
               emit: Callable[[str], str]) -> str:
    if len(texts) == 1:
        return texts[0]
    if len(texts) <= 12:
        split = _chain_order(shapes)

        def build(i: int, j: int) -> str:
            if i == j:
                return texts[i]
            s = split(i, j)
            # an outer product (inner dimension 1) is a broadcast product, not a GEMM call
            op = "*" if shapes[s][1] == 1 else "@"
            return f"({build(i, s)} {op} {build(s + 1, j)})"

        return build(0, len(texts) - 1)
    # a long chain: from its thin end, so a product ending in a vector stays matrix-vector;
    # every MAX_NESTING factors the partial product becomes a temporary
    from_right = shapes[-1][1] <= shapes[0][0]
    sequence = texts[::-1] if from_right else texts
    out = sequence[0]
    for i, t in enumerate(sequence[1:], 1):
        out = f"({t} @ {out})" if from_right else f"({out} @ {t})"
        if i % MAX_NESTING == 0:
            out = emit(out)
    return out


#: an inverse from shared factors, as the generator writes it (``numeric.reuse``)
_FACTORED = re.compile(r"^_(cho|lu)_inv\((\w+)\)$")


def _factor(factor: Expr, text: str, text_of: dict) -> tuple:
    """A factor of a product as an item: a plain array, or an operator applied implicitly."""
    if isinstance(factor, Diag):
        return ("diag", text_of[factor.arg])
    if isinstance(factor, Kron) and not any(a.is_scalar for a in factor.args):
        return ("kron", text_of[factor.args[0]], text_of[factor.args[1]])
    if isinstance(factor, Commutation):
        return ("comm", str(factor.m), str(factor.n))
    if isinstance(factor, Ones) and not factor.is_scalar and text.startswith("np.ones("):
        return ("ones", str(factor.rows), str(factor.cols))
    factored = _FACTORED.match(text)
    if isinstance(factor, Inverse) and factored:  # a solve with the shared factors
        return (factored.group(1), factored.group(2))
    if isinstance(factor, Transpose) and isinstance(factor.args[0], Inverse):
        factored = _FACTORED.match(text_of[factor.args[0]])
        if factored:  # X⁻ᵀ M: Cholesky's X is symmetric; LU solves with Xᵀ
            kind = factored.group(1)
            return ("cho" if kind == "cho" else "luT", factored.group(2))
    if isinstance(factor, Inverse) and text.startswith("np.linalg.inv("):
        return ("inv", text_of[factor.arg])  # A⁻¹ M is a solve, not an explicit inverse
    if (isinstance(factor, Transpose) and isinstance(factor.args[0], Inverse)
            and text_of[factor.args[0]].startswith("np.linalg.inv(")):
        return ("inv", f"{text_of[factor.args[0].arg]}.T")  # A⁻ᵀ M = (Aᵀ)⁻¹ M
    return ("plain", text, (size_estimate(factor.rows), size_estimate(factor.cols)))


def _materialize(item: tuple) -> str:
    kind = item[0]
    if kind == "diag":
        return f"np.diag({item[1]}[:, 0])"
    if kind == "kron":
        return f"np.kron({item[1]}, {item[2]})"
    if kind == "comm":
        return f"_commutation({item[1]}, {item[2]})"
    if kind == "ones":
        return f"np.ones(({item[1]}, {item[2]}))"
    if kind == "inv":
        return f"np.linalg.inv({item[1]})"
    if kind in ("cho", "lu", "luT"):
        return f"_{kind[:3].rstrip('T')}_inv({item[1]})" + (".T" if kind == "luT" else "")
    return item[1]


#: kind -> (item @ acc, acc @ item): the operators applied without being built; K₍ₘ,ₙ₎ is
#: a permutation whose inverse is K₍ₙ,ₘ₎
_APPLY = {
    "diag": ("({0} * {acc})", "({acc} * {0}.T)"),
    "kron": ("_kron_matmul({0}, {1}, {acc})", "_matmul_kron({acc}, {0}, {1})"),
    "comm": ("{acc}[_commutation_perm({0}, {1})]", "{acc}[:, _commutation_perm({1}, {0})]"),
    # 𝟏 M: the column sums of M, in every row; M 𝟏: the row sums, in every column
    "ones": ("_column_sums({acc}, {0})", "_row_sums({acc}, {1})"),
    "inv": ("np.linalg.solve({0}, {acc})", "np.linalg.solve({0}.T, {acc}.T).T"),
    # with the factors F of X: X⁻¹ M, M X⁻¹ = (X⁻ᵀ Mᵀ)ᵀ; "luT" is X⁻ᵀ
    "cho": ("_cho_solve({0}, {acc})", "_cho_solve({0}, {acc}.T).T"),
    "lu": ("_lu_solve({0}, {acc})", "_lu_solve({0}, {acc}.T, 1).T"),
    "luT": ("_lu_solve({0}, {acc}, 1)", "_lu_solve({0}, {acc}.T).T"),
}


def _apply(item: tuple, acc: str, item_on_left: bool) -> str:
    """item @ acc (or acc @ item), without building a diagonal, Kronecker or commutation
    matrix."""
    kind = item[0]
    if kind == "plain":
        return f"({item[1]} @ {acc})" if item_on_left else f"({acc} @ {item[1]})"
    return _APPLY[kind][0 if item_on_left else 1].format(*item[1:], acc=acc)


def _in_unit_interval(e: Expr) -> bool:
    """0 ≤ e ≤ 1 entrywise, from the function table's ranges: σ(u), step(u), tanh(u)²."""
    if isinstance(e, Func):
        return e.function.range.within_unit_interval
    return (isinstance(e, Pow) and e.exponent == 2 and isinstance(e.base, Func)
            and e.base.function.range.bounded_by_one)


def nonnegative(e: Expr) -> bool:
    """Provably ≥ 0 entrywise (a sufficient test: False means unknown)."""
    if isinstance(e, Const):
        return bool(e.value.is_number and e.value >= 0)
    if isinstance(e, (Ones, Identity)):
        return True
    if isinstance(e, Pow):
        k = e.exponent
        return bool(k.is_Integer and k % 2 == 0) or nonnegative(e.base)
    if isinstance(e, Func):
        return e.function.range.nonnegative
    if isinstance(e, Mul):
        return all(nonnegative(f) for f in e.args)
    if isinstance(e, Add):
        if all(nonnegative(t) for t in e.args):
            return True
        # 1 − f with 0 ≤ f ≤ 1, such as 1 − σ(u) and 1 − tanh(u)²
        ones = [t for t in e.args if isinstance(t, Ones)]
        rest = [t for t in e.args if not isinstance(t, Ones)]
        return (len(ones) == 1 and len(rest) == 1 and isinstance(rest[0], Mul)
                and isinstance(rest[0].args[0], Const) and rest[0].args[0].value == -1
                and len(rest[0].args) == 2 and _in_unit_interval(rest[0].args[1]))
    return False


def _grams(node: MatMul, args: list[str], text_of: dict, emit) -> list[tuple[Expr, str]]:
    """Aᵀ diag(w) A with w ≥ 0 as Bᵀ B, B = √w ⊙ A: numpy then computes one triangle (BLAS
    syrk), half the work of Aᵀ (w ⊙ A).  Returns the factors with each such triple merged."""
    factors = list(zip(node.args, args))
    out: list[tuple[Expr, str]] = []
    i = 0
    while i < len(factors):
        if (i + 2 < len(factors) and isinstance(factors[i + 1][0], Diag)
                and factors[i][0] is c_transpose(factors[i + 2][0])
                and nonnegative(factors[i + 1][0].arg)):
            A, A_text = factors[i + 2]
            B = emit(f"(np.sqrt({text_of[factors[i + 1][0].arg]}) * {A_text})")
            out.append((MatMul.new(Transpose.new(A), A), f"({B}.T @ {B})"))
            i += 3
            continue
        out.append(factors[i])
        i += 1
    return out


def matmul_code(node: MatMul, args: list[str], text_of: dict, emit: Callable[[str], str]) -> str:
    """A product with runs of plain factors in their cheapest association, and diagonal,
    Kronecker and commutation matrices applied implicitly: diag(u) A is u * A, (A ⊗ B) M
    reshapes M, K M permutes its rows; none of them is ever built unless it is all there is."""
    # a 1×1 factor may be a number here: it scales the product of the others, which is
    # still a valid chain (its neighbours meet in a dimension of 1)
    scalars = [t for f, t in zip(node.args, args) if f.is_scalar]
    if scalars:
        rest = [(f, t) for f, t in zip(node.args, args) if not f.is_scalar]
        if len(rest) > 1:
            inner = matmul_code(MatMul.new(*(f for f, _ in rest)), [t for _, t in rest],
                            text_of, emit)
            scalars.append(inner)
        else:
            scalars.extend(t for _, t in rest)
        return "(" + " * ".join(scalars) + ")"
    groups: list[tuple] = []  # ("run", texts, shapes) or an operator item
    for factor, text in _grams(node, args, text_of, emit):
        item = _factor(factor, text, text_of)
        if item[0] != "plain":
            groups.append(item)
        elif groups and groups[-1][0] == "run":
            groups[-1][1].append(item[1])
            groups[-1][2].append(item[2])
        else:
            groups.append(("run", [item[1]], [item[2]]))

    def run_item(group: tuple) -> tuple:
        texts, shapes = group[1], group[2]
        return ("plain", _associate(texts, shapes, emit), (shapes[0][0], shapes[-1][1]))

    items = [run_item(g) if g[0] == "run" else g for g in groups]
    plain = [i for i, item in enumerate(items) if item[0] == "plain"]
    if plain and items[0][0] != "plain" and items[-1][0] != "plain":
        # operators at both ends (diag(u) Wᵀ diag(v) W diag(u)): start from a plain array
        # and apply them on both sides, so that no operator is ever built
        p = plain[-1]
        sequence = [(items[p], None), *((item, False) for item in items[p + 1:]),
                    *((item, True) for item in items[p - 1::-1])]
    else:
        from_left = items[-1][0] != "plain" and items[0][0] == "plain"
        ordered = items if from_left else items[::-1]
        sequence = [(item, not from_left) for item in ordered]
    acc = _materialize(sequence[0][0])
    for i, (item, on_left) in enumerate(sequence[1:], 1):
        acc = _apply(item, acc, item_on_left=on_left)
        if i % MAX_NESTING == 0:
            acc = emit(acc)
    return acc
