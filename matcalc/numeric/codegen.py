"""Python source of numpy functions: the one code generator behind ``mc.codegen``, ``lambdify``
and the CLI's ``--code``.

Every node used more than once is computed once into a named temporary (the DAG is the
common-subexpression elimination); the rest is written inline.  Vectors are columns (n×1).
Products are associated in the cheapest order, diagonal matrices are applied by broadcasting
(``u * M``), and the inputs' shapes are checked with messages that name the argument.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

import keyword
import re

import sympy

from matcalc.core.guards import recursion_guarded
from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import (
    Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose, as_expr, describe,
)  # fmt: skip
from matcalc.core.nodes import (
    Commutation, Diag, Differential, Identity, Inverse, Kron, NODE_TYPES, Partial,
    PendingDifferential,
    Symbol, Unary, Zero, dimension_symbols,
)  # fmt: skip
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.spec import FUNCTIONS
from matcalc.numeric.assemble import assemble
from matcalc.numeric.backends import BACKENDS, NUMPY, Backend, backend_named
from matcalc.numeric.helpers import HELPER_IMPORTS, HELPERS
from matcalc.numeric.stable import stable
from matcalc.core.variables import sources_of_sizes
from matcalc.core.walk import postorder
from matcalc.engine.diff import diff
from matcalc.rules.simplify import c_transpose, simplify

#: inline text nests at most this deep before a temporary is made (Python's parser refuses
#: deeply nested parentheses, and a 5,000-layer network would nest 5,000 deep)
MAX_NESTING = 40
#: an unknown dimension counts as this many entries when choosing the order of a product
_UNKNOWN_SIZE = 1000

#: modules the generated code may import for the functions it calls (``import scipy.special``)
MODULES = sorted({m for fn in FUNCTIONS.values() for m in fn.imports}
                 | {m for cls in NODE_TYPES if issubclass(cls, Unary) for m in cls.spec.imports}
                 | set(HELPER_IMPORTS.values()))
RESERVED = {"np", "float", "jax", "jnp", "torch", "_like", *HELPERS,
            *(h for b in BACKENDS.values() for h in b.helpers),
            *(m.split(".")[0] for m in MODULES)}


def _number(value: sympy.Expr) -> str:
    """A constant as Python: 3.0, (-3.0), (1 / 2), (1.4142135623730951) for √2; constants
    with dimensions (2*n, sqrt(n)) in numpy."""
    if value.is_Integer:
        return f"{int(value)}.0" if value >= 0 else f"({int(value)}.0)"
    if value.is_Rational:
        return f"({value.p} / {value.q})"
    if value.is_number:
        return f"({float(value)!r})"
    from sympy.printing.numpy import NumPyPrinter

    return "(" + NumPyPrinter().doprint(value).replace("numpy.", "np.") + ")"


def _size(d: sympy.Expr) -> int:
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
            return f"({build(i, s)} @ {build(s + 1, j)})"

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


def _factor(factor: Expr, text: str, text_of: dict) -> tuple:
    """A factor of a product as an item: a plain array, or an operator applied implicitly."""
    if isinstance(factor, Diag):
        return ("diag", text_of[factor.arg])
    if isinstance(factor, Kron) and not any(a.is_scalar for a in factor.args):
        return ("kron", text_of[factor.args[0]], text_of[factor.args[1]])
    if isinstance(factor, Commutation):
        return ("comm", str(factor.m), str(factor.n))
    if isinstance(factor, Inverse) and text.startswith("np.linalg.inv("):
        return ("inv", text_of[factor.arg])  # A⁻¹ M is a solve, not an explicit inverse
    if (isinstance(factor, Transpose) and isinstance(factor.args[0], Inverse)
            and text_of[factor.args[0]].startswith("np.linalg.inv(")):
        return ("inv", f"{text_of[factor.args[0].arg]}.T")  # A⁻ᵀ M = (Aᵀ)⁻¹ M
    return ("plain", text, (_size(factor.rows), _size(factor.cols)))


def _materialize(item: tuple) -> str:
    kind = item[0]
    if kind == "diag":
        return f"np.diag({item[1]}[:, 0])"
    if kind == "kron":
        return f"np.kron({item[1]}, {item[2]})"
    if kind == "comm":
        return f"_commutation({item[1]}, {item[2]})"
    if kind == "inv":
        return f"np.linalg.inv({item[1]})"
    return item[1]


#: kind -> (item @ acc, acc @ item): the operators applied without being built; K₍ₘ,ₙ₎ is
#: a permutation whose inverse is K₍ₙ,ₘ₎
_APPLY = {
    "diag": ("({0} * {acc})", "({acc} * {0}.T)"),
    "kron": ("_kron_matmul({0}, {1}, {acc})", "_matmul_kron({acc}, {0}, {1})"),
    "comm": ("{acc}[_commutation_perm({0}, {1})]", "{acc}[:, _commutation_perm({1}, {0})]"),
    "inv": ("np.linalg.solve({0}, {acc})", "np.linalg.solve({0}.T, {acc}.T).T"),
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


def _matmul(node: MatMul, args: list[str], text_of: dict, emit: Callable[[str], str]) -> str:
    """A product with runs of plain factors in their cheapest association, and diagonal,
    Kronecker and commutation matrices applied implicitly: diag(u) A is u * A, (A ⊗ B) M
    reshapes M, K M permutes its rows; none of them is ever built unless it is all there is."""
    # a 1×1 factor may be a number here: it scales the product of the others, which is
    # still a valid chain (its neighbours meet in a dimension of 1)
    scalars = [t for f, t in zip(node.args, args) if f.is_scalar]
    if scalars:
        rest = [(f, t) for f, t in zip(node.args, args) if not f.is_scalar]
        if len(rest) > 1:
            inner = _matmul(MatMul.new(*(f for f, _ in rest)), [t for _, t in rest],
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
    from_left = items[-1][0] != "plain" and items[0][0] == "plain"
    sequence = items if from_left else items[::-1]
    acc = _materialize(sequence[0])
    for i, item in enumerate(sequence[1:], 1):
        acc = _apply(item, acc, item_on_left=not from_left)
        if i % MAX_NESTING == 0:
            acc = emit(acc)
    return acc


def _rules(text_of: dict, emit: Callable[[str], str]
           ) -> dict[type, Callable[[Any, list[str]], str]]:
    return {
        Symbol: lambda n, a: n.name,
        Const: lambda n, a: _number(n.value),
        Identity: lambda n, a: f"np.eye({n.rows})",
        Ones: lambda n, a: f"np.ones(({n.rows}, {n.cols}))",
        Zero: lambda n, a: f"np.zeros(({n.rows}, {n.cols}))",
        Add: lambda n, a: _add(n, a, emit),
        Mul: lambda n, a: _mul(n, a, emit),
        MatMul: lambda n, a: _matmul(n, a, text_of, emit),
        Pow: lambda n, a: _power(a[0], n.exponent),
        Func: lambda n, a: _func(n.function.code, n.arg, a[0]),
        Transpose: lambda n, a: f"{a[0]}.T",
        Kron: lambda n, a: f"np.kron({a[0]}, {a[1]})",
        Commutation: lambda n, a: f"_commutation({n.m}, {n.n})",
        Frechet: lambda n, a: f"_frechet_{n.function}({a[0]}, {a[1]})",
        # every one-argument node: the numpy code of its spec row
        **{cls: _operation for cls in NODE_TYPES if issubclass(cls, Unary)},
    }


def _operation(node: Unary, args: list[str]) -> str:
    return node.spec.numpy.format(args[0], axis=getattr(node, "axis", None))


def _operation_on_a_number(node: Unary, args: list[str]) -> str:
    return node.spec.numpy_scalar.format(args[0], axis=getattr(node, "axis", None))


#: 1×1 arguments are numbers in generated code (np.trace gives a float), so the operations
#: that need a 2-D array take their 1×1 meaning instead: from the spec rows, and transposes
SCALAR_RULES: dict[type, Callable[[Any, list[str]], str]] = {
    Transpose: lambda n, a: a[0],
    **{cls: _operation_on_a_number for cls in NODE_TYPES
       if issubclass(cls, Unary) and cls.spec.numpy_scalar},
}

def _constant_array(e: Expr) -> str | None:
    """A number broadcast over an array (c * ones), as the number; numpy broadcasts it back."""
    if isinstance(e, Ones):
        return "1.0"
    if (isinstance(e, Mul) and len(e.args) == 2 and isinstance(e.args[0], Const)
            and isinstance(e.args[1], Ones) and e.args[0].value.is_number):
        return _number(e.args[0].value)
    return None


def _add(node: Add, args: list[str], emit: Callable[[str], str]) -> str:
    """a + b with numbers as numbers and negated terms subtracted: (1.0 - t), not
    (np.ones((m, 1)) + (-1.0 * t)).  Some term is an array, so numpy keeps the shape."""
    signed: list[tuple[bool, str]] = []  # (subtracted, text)
    for term, text in zip(node.args, args):
        number = _constant_array(term)
        if number is not None:
            negative = number.startswith("-") or number.startswith("(-")
            signed.append((negative, number.replace("-", "", 1) if negative else number))
        elif _negated(term, text):
            signed.append((True, text[2:-1]))
        else:
            signed.append((False, text))
    if all(_constant_array(t) is not None for t in node.args):
        return _joined(args, " + ", emit)
    signed.sort(key=lambda p: not p[1][0].isdigit())  # the numbers first: 1.0 - t
    pieces = [("-" if signed[0][0] else "") + signed[0][1]]
    pieces += [f"{'-' if subtracted else '+'} {text}" for subtracted, text in signed[1:]]
    return _joined(pieces, " ", emit)


def _negated(node: Expr, text: str) -> bool:
    """Written by _mul as (-rest): a product with a leading −1, not made a temporary."""
    return (isinstance(node, Mul) and isinstance(node.args[0], Const)
            and node.args[0].value == -1 and text.startswith("(-") and text.endswith(")"))


#: a sum or product of more terms than this is written in parts (Python's compiler recurses
#: once per operator of a flat expression)
_MAX_TERMS = 200


def _joined(pieces: list[str], sep: str, emit: Callable[[str], str]) -> str:
    while len(pieces) > _MAX_TERMS:
        head = emit("(" + sep.join(pieces[:_MAX_TERMS]) + ")")
        rest = pieces[_MAX_TERMS:]
        if sep == " " and rest and not rest[0].startswith(("+ ", "- ")):
            rest[0] = "+ " + rest[0]
        pieces = [head, *rest]
    return "(" + sep.join(pieces) + ")"


def _func(template: str, node: Expr, arg: str) -> str:
    """A function's numpy template; −(−u) written as u."""
    if "-{}" in template and _negated(node, arg):
        return template.replace("-{}", "({})").format(arg[2:-1])
    return template.format(arg)


def _mul(node: Mul, args: list[str], emit: Callable[[str], str]) -> str:
    """An elementwise product; a leading −1 is a minus sign."""
    if isinstance(node.args[0], Const) and node.args[0].value == -1:
        return "(-" + _joined(args[1:], " * ", emit) + ")"
    return _joined(args, " * ", emit)


def _power(base: str, k: sympy.Expr) -> str:
    if k == -1:
        return f"(1.0 / {base})"
    if k.is_Integer and k > 0:
        return f"({base} ** {int(k)})"
    if k.is_Integer:
        return f"(1.0 / {base} ** {int(-k)})"
    return f"np.power({base}, {_number(k)})"


#: the node types the generator has a rule for (the rule-table test walks it)
RULE_TYPES = frozenset(_rules({}, str))


def refuse_derivative_placeholders(nodes: Sequence[Expr]) -> None:
    for node in nodes:
        if isinstance(node, (Differential, PendingDifferential, Partial)):
            raise MatcalcError(f"cannot evaluate {node}: it stands for a derivative or a "
                               "differential; evaluate the derivation's result instead")


class Generated:
    """The parts of one generated function, for callers that need more than its source."""

    def __init__(self, source: str, name: str, arguments: list[str]):
        self.source, self.name, self.arguments = source, name, arguments

    def compile(self) -> Callable[..., Any]:
        """The function itself.  Only ever our own generated text is executed: symbol names
        are identifiers checked when the symbols were made, and nothing else is user text."""
        namespace: dict[str, Any] = {}
        exec(compile(self.source, f"<matcalc {self.name}>", "exec"), namespace)  # noqa: S102
        return namespace[self.name]


_NUMBER_TEXT = re.compile(r"^\(?-?\d+(\.\d+)?( / \d+)?\)?$")


def _is_number_text(text: str) -> bool:
    return bool(_NUMBER_TEXT.match(text))


def refuse_lacking(node: Expr, rendered: str, backend: Backend) -> None:
    why = backend.lacking(rendered)
    if why:
        raise UnsupportedError(f"{type(node).__name__} ({describe(node)}) cannot be generated "
                               f"for {backend.name}: {why}; use backend='numpy' for it")


def _check_function_name(name: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED:
        raise MatcalcError(f"the function name {name!r} is not a Python name the generated code "
                           "can use; choose another name=")


def generate(outputs: Sequence[Expr], name: str | None = "f", labels: Sequence[str] = (),
             scalars_as_floats: bool = True, arguments: Sequence[Symbol] = (),
             backend: str = "numpy") -> Generated:
    """``def name(<symbols>, <unreadable dimensions>): ... return <outputs>`` using numpy, or
    JAX or PyTorch (``backend``: "numpy", "jax", "torch"; ``numeric.backends``).
    ``arguments``: symbols the function takes even where the outputs do not use them (the
    variables of f_and_grad).  ``name=None``: "f", or a free variant of it.  What runs is the
    numerically stable form of each output (``numeric.stable``): the same value, no overflow."""
    be = backend_named(backend)
    roots = [stable(as_expr(o)) for o in outputs]
    order: list[Expr] = []
    seen: set[Expr] = set()
    for root in roots:
        for node in postorder(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    refuse_derivative_placeholders(order)
    symbols = sorted({n for n in order if isinstance(n, Symbol)} | set(arguments),
                     key=lambda s: s.name)
    names = [s.name for s in symbols]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise MatcalcError(f"two different symbols share the name {sorted(dup)[0]!r}; rename one")
    clash = set(names) & RESERVED
    if clash:
        raise MatcalcError(f"a symbol named {sorted(clash)[0]!r} would hide a name the "
                           "generated code needs; rename it")
    if name is None:  # our choice: any name the symbols leave free
        name = next(c for c in ("f", "f_", "f__", "_f") if c not in names)
    _check_function_name(name)
    if name in names:
        raise MatcalcError(f"the function name {name!r} is also a symbol's name; choose "
                           "another name=")
    dims = sorted(str(s) for s in dimension_symbols(order))
    bad = [d for d in dims if keyword.iskeyword(d) or d in RESERVED or d == name]
    if bad:
        raise MatcalcError(f"the dimension {bad[0]!r} cannot be a name in generated code (a "
                           "Python keyword or a name the code needs); rename it")
    clash = set(names) & set(dims)
    if clash:
        raise MatcalcError(
            f"the symbol {sorted(clash)[0]!r} has the name of the dimension {sorted(clash)[0]}; "
            "rename one, since "
            "arrays and sizes are both passed by name")
    dim_source: dict[str, str] = {}
    for sym in symbols:
        for axis, d in enumerate(sym.shape):
            if d.is_Symbol and str(d) not in dim_source:
                dim_source[str(d)] = f"{sym.name}.shape[{axis}]"
    uses: Counter = Counter()
    for node in order:
        for a in node.args:
            uses[a] += 1

    text: dict[Expr, str] = {}
    nesting: dict[Expr, int] = {}
    lines: list[str] = []
    taken = set(names) | set(dims) | RESERVED | {name}
    temporaries = (f"t{i}" for i in range(1, 10**9) if f"t{i}" not in taken)

    def emit(rendered: str) -> str:
        temp = next(temporaries)
        lines.append(f"    {temp} = {rendered}")
        return temp

    rules = _rules(text, emit)
    for node in order:
        rule = (SCALAR_RULES.get(type(node)) if node.args and node.args[0].is_scalar else None
                ) or rules[type(node)]
        rendered = rule(node, [text[a] for a in node.args])
        if be is not NUMPY:
            refuse_lacking(node, rendered, be)
        depth = 1 + max((nesting[a] for a in node.args), default=0)
        # a shared diagonal stays a vector expression: products apply it by broadcasting
        shared = (uses[node] > 1 or node in roots) and not (isinstance(node, Diag)
                                                            and node not in roots)
        # computed once, unless it costs nothing: a name, a number, a transposed symbol
        trivial = (rendered.isidentifier() or _is_number_text(rendered)
                   or (isinstance(node, Transpose) and isinstance(node.args[0], Symbol)))
        if node.args and ((shared and not trivial) or depth > MAX_NESTING):
            rendered, depth = emit(rendered), 0
        text[node], nesting[node] = rendered, depth

    arguments = names + [d for d in dims if d not in dim_source]
    modules = ({m for n in order if isinstance(n, Func) for m in n.function.imports}
               | {m for n in order if isinstance(n, Unary) for m in n.spec.imports})
    results = [(text[root], root.is_scalar and scalars_as_floats) for root in roots]
    source = assemble(name, arguments, labels, symbols, dims, dim_source, lines, results,
                      modules, be)
    return Generated(source, name, arguments)


def source(outputs: Sequence[Expr], name: str = "f", labels: Sequence[str] = (),
           backend: str = "numpy") -> str:
    """The source of ``def name(<symbols>): ... return <outputs>`` using numpy; a derivative
    that no longer shows a variable it takes its size from takes that variable (def f(X) for
    ∂tr(X)/∂X = I, not def f(n); see ``core.variables``)."""
    roots = [as_expr(o) for o in outputs]
    dims = dimension_symbols([n for r in roots for n in postorder(r)])
    return generate(roots, name, labels, arguments=sources_of_sizes(roots, dims),
                    backend=backend).source


@recursion_guarded
def codegen(f: Any, wrt: Any = None, layout: str | None = None, *, name: str | None = None,
            backend: str = "numpy") -> str:
    """The Python source of a readable function of f's symbols (alphabetical), with shared
    subexpressions computed once, in numpy, JAX or PyTorch (``backend``).  Without ``wrt``:
    ``def f(...)`` returns f.  With ``wrt`` (a symbol or a list): ``def f_and_grad(...)``
    returns f and ∂f/∂w for each w, in the given layout (by default that of ``mc.diff``), all
    from one derivation."""
    backend_named(backend)  # an unknown backend is refused before any work
    if hasattr(f, "latex") and not isinstance(f, Expr):
        raise MatcalcError("an index form is evaluated by mc.lambdify(form), with numpy einsum; "
                           "codegen writes the matrix (Kronecker) form: omit form='index'")
    f = as_expr(f)
    if wrt is None:
        return source([simplify(f)], name or "f", ["f"], backend)
    many = isinstance(wrt, (list, tuple))
    wrts = list(wrt) if many else [wrt]
    derivatives = diff(f, wrts, layout)
    labels = ["f", *(f"∂f/∂{getattr(w, 'name', w)}" for w in wrts)]
    # every variable is an argument, also one the results no longer contain
    return generate([simplify(f), *derivatives], name or "f_and_grad", labels,
                    arguments=[w for w in wrts if isinstance(w, Symbol)], backend=backend).source
