"""Python source of numpy functions: the one code generator behind ``mc.codegen``, ``lambdify``
and the CLI's ``--code``.

Every node used more than once is computed once into a named temporary (the DAG is the
common-subexpression elimination); the rest is written inline.  Vectors are columns (n×1).
Products are associated in the cheapest order, diagonal matrices are applied by broadcasting
(``u * M``), and the inputs' shapes are checked with messages that name the argument.
"""

from __future__ import annotations

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
    Commutation, Diag, Differential, Identity, Kron, LogSoftmax, NODE_TYPES, Partial, Softmax,
    Sum, Trace,
    PendingDifferential,
    Symbol, Unary, Zero, dimension_symbols,
)  # fmt: skip
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet, SecondKroneckerForm
from matcalc.core.spec import FUNCTIONS
from matcalc.numeric.assemble import assemble
from matcalc.numeric.backends import BACKENDS, NUMPY, Backend, backend_named
from matcalc.numeric.helpers import HELPER_IMPORTS, HELPERS
from matcalc.numeric.fused import (
    add_with_diagonal, fresh as _fresh, scaled_product, squared_norm_code, sum_code, trace_code,
)  # fmt: skip
from matcalc.numeric.products import MAX_NESTING, matmul_code
from matcalc.numeric.reuse import (
    FACTORED_NODES, Factors, evaluation_order, factorisations, only_in_products, transpose_twins,
)  # fmt: skip
from matcalc.numeric.stable import shared_softmax, stable
from matcalc.core.variables import sources_of_sizes
from matcalc.core.walk import postorder
from matcalc.engine.diff import diff
from matcalc.engine.differentiation import differentiate, resolve_wrt
from matcalc.numeric.selfcheck import self_check_block
from matcalc.rules.simplify import simplify


#: modules the generated code may import for the functions it calls (``import scipy.special``)
MODULES = sorted({m for fn in FUNCTIONS.values() for m in fn.imports}
                 | {m for cls in NODE_TYPES if issubclass(cls, Unary) for m in cls.spec.imports}
                 | set(HELPER_IMPORTS.values()))
RESERVED = {"np", "float", "jax", "jnp", "torch", "_like", *HELPERS,
            *(h for b in BACKENDS.values() for h in b.helpers),
            *(m.split(".")[0] for m in MODULES)}


def _number(value: sympy.Expr) -> str:
    """A constant as Python: 3.0, (-3.0), (1 / 2), (1.4142135623730951) for √2; constants
    with dimensions (2*n, math.sqrt(n)) with Python's math module."""
    if value.is_Integer:
        return f"{int(value)}.0" if value >= 0 else f"({int(value)}.0)"
    if value.is_Rational:
        return f"({value.p} / {value.q})"
    if value.is_number:
        return f"({float(value)!r})"
    from sympy.printing.pycode import PythonCodePrinter

    # Python's math on the sizes (plain ints in every backend: torch.sqrt(3) is refused)
    return "(" + PythonCodePrinter({"fully_qualified_modules": True}).doprint(value) + ")"


def _rules(text_of: dict, emit: Callable[[str], str], uses: dict | None = None,
           factors: Factors | None = None) -> dict[type, Callable[[Any, list[str]], str]]:
    uses = {} if uses is None else uses
    factors = Factors({}, emit) if factors is None else factors

    def add_terms(terms: list[Expr], texts: list[str]) -> str:
        return _add(Add.new(*terms), texts, emit) if len(terms) > 1 else texts[0]

    def factored(n: Expr, a: list[str]) -> str:
        return factors.render(n, a[0]) or _operation(n, a)

    return {
        Symbol: lambda n, a: n.name,
        Const: lambda n, a: _number(n.value),
        Identity: lambda n, a: f"np.eye({n.rows})",
        Ones: lambda n, a: f"np.ones(({n.rows}, {n.cols}))",
        Zero: lambda n, a: f"np.zeros(({n.rows}, {n.cols}))",
        Add: lambda n, a: (add_with_diagonal(n, a, text_of, add_terms, emit)
                           or _add(n, _sums_as_vectors(n, a), emit)),
        Mul: lambda n, a: (scaled_product(n, text_of, uses, emit)
                           or _mul(n, _sums_as_vectors(n, a), emit)),
        MatMul: lambda n, a: matmul_code(n, a, text_of, emit),
        Pow: lambda n, a: ((n.exponent == 2 and squared_norm_code(n.base, text_of))
                           or _power(a[0], n.exponent)),
        # a function of a size (√d) is a number, computed with Python's math in every backend
        Func: lambda n, a: (_number(n.function.sympy(n.arg.value))
                            if isinstance(n.arg, Const) and n.arg.value.free_symbols
                            else _func(n.function.code, n.arg, a[0])),
        Transpose: lambda n, a: f"{a[0]}.T",
        Kron: lambda n, a: f"np.kron({a[0]}, {a[1]})",
        Commutation: lambda n, a: f"_commutation({n.m}, {n.n})",
        Frechet: lambda n, a: f"_frechet_{n.function}({a[0]}, {a[1]})",
        SecondFrechet: lambda n, a: f"_frechet2_{n.function}({a[0]}, {a[1]}, {a[2]})",
        SecondKroneckerForm: lambda n, a: f"_kron_form2_{n.function}({a[0]}, {a[1]})",
        # every one-argument node: the numpy code of its spec row
        **{cls: _operation for cls in NODE_TYPES if issubclass(cls, Unary)},
        Trace: lambda n, a: trace_code(n, text_of, emit) or _operation(n, a),
        Sum: lambda n, a: sum_code(n, text_of, uses) or _operation(n, a),
        **{cls: _over_own_array for cls in (Softmax, LogSoftmax)},
        **{cls: factored for cls in FACTORED_NODES},
    }


def _softmax_pairs(order: list[Expr]) -> dict[Expr, Expr]:
    """log softmax(z) → exp(log softmax(z)) where both are computed (softmax regression's value
    and gradient): ``_log_softmax_pair`` gives both from one exponential of z, which is most
    of the elementwise cost where numpy's exp is not vectorised (float64 without AVX-512)."""
    return {n.arg: n for n in order if isinstance(n, Func) and n.name == "exp"
            and isinstance(n.arg, LogSoftmax) and not n.arg.args[0].is_scalar}


def _operation(node: Unary, args: list[str]) -> str:
    return node.spec.numpy.format(args[0], axis=getattr(node, "axis", None))


def _over_own_array(node: Unary, args: list[str]) -> str:
    """softmax(z) written into z where z is a new array (softmax(Q Kᵀ)): one array, not two."""
    text = _operation(node, args)
    return text[:-1] + ", own=True)" if _fresh(node.args[0], args[0]) else text


def _operation_on_a_number(node: Unary, args: list[str]) -> str:
    return node.spec.numpy_scalar.format(args[0], axis=getattr(node, "axis", None))


#: 1×1 arguments are numbers in generated code (np.trace gives a float), so the operations
#: that need a 2-D array take their 1×1 meaning instead: from the spec rows, and transposes
SCALAR_RULES: dict[type, Callable[[Any, list[str]], str]] = {
    Transpose: lambda n, a: a[0],
    **{cls: _operation_on_a_number for cls in NODE_TYPES
       if issubclass(cls, Unary) and cls.spec.numpy_scalar},
}

#: the repeated sums of a product with ones (M𝟏𝟏ᵀ: the row sums in every column), which an
#: elementwise operation with a full array can take as the vector and broadcast
_REPEATED_SUMS = ("_row_sums(", "_column_sums(")


def _sums_as_vectors(node: Expr, args: list[str]) -> list[str]:
    """The arguments of an elementwise sum or product, with repeated row (column) sums passed
    as the one column (row) of sums where another argument is a full array of the node's
    shape: numpy broadcasts it to the same values, without building a second full array
    (attention's S ⊙ (dS𝟏𝟏ᵀ) reads the row sums of dS once)."""
    full = [i for i, (term, text) in enumerate(zip(node.args, args))
            if term.shape == node.shape and not text.startswith(_REPEATED_SUMS)
            and _constant_array(term) is None and not _is_number_text(text)]
    if not full or node.is_scalar:
        return args
    out = list(args)
    for i, text in enumerate(args):
        if text.startswith(_REPEATED_SUMS) and text.endswith(")"):
            head, _, count = text[:-1].rpartition(", ")
            if (head.count("(") == head.count(")") + 1
                    and count.count("(") == count.count(")")):
                out[i] = f"{head}, 1)"
    return out


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
    fresh = ""  # the text of a subtracted term that makes a new array of the sum's shape
    for term, text in zip(node.args, args):
        number = _constant_array(term)
        if number is not None:
            negative = number.startswith("-") or number.startswith("(-")
            signed.append((negative, number.replace("-", "", 1) if negative else number))
        elif _negated(term, text):
            signed.append((True, text[2:-1]))
            # −(a ⊙ b): the product of the rest is a new array (unless it was named a temporary)
            if _fresh(term if len(term.args) > 2 else term.args[1], text[2:-1]):
                fresh = text[2:-1]
        else:
            signed.append((False, text))
    if all(_constant_array(t) is not None for t in node.args):
        return _joined(args, " + ", emit)
    # the numbers first (1.0 - t), then an added term: X - (U @ V.T), not -(U @ V.T) + X,
    # which negates the product into a second array
    signed.sort(key=lambda p: (not p[1][0].isdigit(), p[0]))
    if (len(signed) == 2 and signed[1] == (True, fresh) and not signed[0][0]
            and not _fresh_text(signed[0][1]) and not _is_number_text(signed[0][1])
            and not node.is_scalar):
        # numpy reuses a new left operand's array for the result, never a right one's
        return f"_minus_into({signed[0][1]}, {fresh})"
    pieces = [("-" if signed[0][0] else "") + signed[0][1]]
    pieces += [f"{'-' if subtracted else '+'} {text}" for subtracted, text in signed[1:]]
    return _joined(pieces, " ", emit)


def _fresh_text(text: str) -> bool:
    """Written inline as an operation, which numpy computes into a new array."""
    return text.startswith("(") and not text.endswith(".T") and not _is_number_text(text)


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
    roots = shared_softmax([stable(as_expr(o)) for o in outputs])
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
    twins = transpose_twins(order)
    order, uses = evaluation_order(roots, twins)
    in_products = only_in_products(order, twins)

    text: dict[Expr, str] = {}
    nesting: dict[Expr, int] = {}
    lines: list[str] = []
    taken = set(names) | set(dims) | RESERVED | {name}
    temporaries = (f"t{i}" for i in range(1, 10**9) if f"t{i}" not in taken)

    def emit(rendered: str) -> str:
        temp = next(temporaries)
        lines.append(f"    {temp} = {rendered}")
        return temp

    rules = _rules(text, emit, uses, Factors(factorisations(order, uses), emit))
    pairs = _softmax_pairs(order)
    for node in order:
        rule = (SCALAR_RULES.get(type(node)) if node.args and node.args[0].is_scalar else None
                ) or rules[type(node)]
        if node in twins:  # the transpose of an array already computed: a view of it
            rendered = f"{text[twins[node]]}.T"
        elif node in pairs:  # log softmax(z) and softmax(z) = exp of it, from one exponential
            logs, exps = next(temporaries), next(temporaries)
            call = rule(node, [text[a] for a in node.args]).replace("_log_softmax(",
                                                                    "_log_softmax_pair(", 1)
            lines.append(f"    {logs}, {exps} = {call}")
            rendered, text[pairs[node]] = logs, exps
        elif node in text:  # the softmax half of a pair
            rendered = text[node]
        else:
            rendered = rule(node, [text[a] for a in node.args])
        if be is not NUMPY:
            refuse_lacking(node, rendered, be)
        depth = 1 if node in twins else 1 + max((nesting[a] for a in node.args), default=0)
        # a shared diagonal stays a vector expression: products apply it by broadcasting;
        # an inverse only ever applied is a solve in each product, never formed
        shared = (uses[node] > 1 or node in roots) and not (
            (isinstance(node, Diag) or node in in_products) and node not in roots)
        # computed once, unless it costs nothing: a name, a number, a transposed symbol
        trivial = (rendered.isidentifier() or _is_number_text(rendered)
                   or (isinstance(node, Transpose) and isinstance(node.args[0], Symbol)))
        if node.args and ((shared and not trivial) or depth > MAX_NESTING):
            rendered, depth = emit(rendered), 0
        text[node], nesting[node] = rendered, depth

    arguments = names + [d for d in dims if d not in dim_source]
    modules = ({m for n in order if isinstance(n, Func) for m in n.function.imports}
               | {m for n in order if isinstance(n, Unary) for m in n.spec.imports}
               | ({"math"} if any("math." in line for line in lines)
                  or any("math." in t for t, _ in ((text[r], 0) for r in roots)) else set()))
    results = [(text[root], root.is_scalar and scalars_as_floats) for root in roots]
    source = assemble(name, arguments, labels, symbols, dims, dim_source, lines, results,
                      modules, be)
    return Generated(source, name, arguments)


def source(outputs: Sequence[Expr], name: str = "f", labels: Sequence[str] = (),
           backend: str = "numpy") -> str:
    """The source of ``def name(<symbols>): ... return <outputs>`` using numpy; a derivative
    that no longer shows a variable it takes its size from takes that variable (def f(X) for
    ∂tr(X)/∂X = I, not def f(n); see ``core.variables``)."""
    return generated(outputs, name, labels, backend).source


def generated(outputs: Sequence[Expr], name: str = "f", labels: Sequence[str] = (),
              backend: str = "numpy") -> Generated:
    """``source``'s function with its argument names."""
    roots = [as_expr(o) for o in outputs]
    dims = dimension_symbols([n for r in roots for n in postorder(r)])
    return generate(roots, name, labels, arguments=sources_of_sizes(roots, dims),
                    backend=backend)


@recursion_guarded
def codegen(f: Any, wrt: Any = None, layout: str | None = None, *, name: str | None = None,
            backend: str = "numpy", check: bool = False) -> str:
    """The Python source of a readable function of f's symbols (alphabetical), with shared
    subexpressions computed once, in numpy, JAX or PyTorch (``backend``).  Without ``wrt``:
    ``def f(...)`` returns f.  With ``wrt`` (a symbol or a list): ``def f_and_grad(...)``
    returns f and ∂f/∂w for each w, in the given layout (by default that of ``mc.diff``), all
    from one derivation.  With ``check=True`` the file checks itself when run as a script: it
    compares the derivatives with central finite differences at random inputs and exits 0 or 1
    (:mod:`matcalc.numeric.selfcheck`; numpy's code only)."""
    backend_named(backend)  # an unknown backend is refused before any work
    if check and backend != "numpy":
        raise UnsupportedError(f"check=True writes a self-check in numpy; the {backend} code is "
                               "checked against numpy's in matcalc's tests: generate numpy's "
                               "code to check it, or leave check out")
    if hasattr(f, "latex") and not isinstance(f, Expr):
        raise MatcalcError("an index form is evaluated by mc.lambdify(form), with numpy einsum; "
                           "codegen writes the matrix (Kronecker) form: omit form='index'")
    f = as_expr(f)
    if wrt is None:
        if check:
            raise MatcalcError("check=True checks derivatives: give wrt= the variables")
        return source([simplify(f)], name or "f", ["f"], backend)
    wrt = resolve_wrt(f, wrt)
    many = isinstance(wrt, (list, tuple))
    wrts = list(wrt) if many else [wrt]
    derivatives = diff(f, wrts, layout)
    labels = ["f", *(f"∂f/∂{getattr(w, 'name', w)}" for w in wrts)]
    # every variable is an argument, also one the results no longer contain
    text = generate([simplify(f), *derivatives], name or "f_and_grad", labels,
                    arguments=[w for w in wrts if isinstance(w, Symbol)], backend=backend).source
    if check:  # run as a script, the file compares itself with finite differences
        text += self_check_block(f, [differentiate(f, w, layout) for w in wrts],
                                 name or "f_and_grad")
    return text
