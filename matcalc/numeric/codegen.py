"""Python source of a numpy function for expressions: ``codegen(outputs, name)``.

Every node used more than once is computed once into a named temporary (the DAG is the
common-subexpression elimination); the rest is written inline.  Vectors are columns (n×1).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from ..expr import (
    Add, Const, Delta, Det, Diag, DiagPart, Expr, Func, Identity, Inverse, Kron, LogDet,
    LogSumExp, MatMul, Mul, Norm2, Ones, Partial, Pow, Softmax, Sum, Symbol, Trace, Transpose,
    Zero,
)  # fmt: skip
from ..errors import MatcalcError
from ..functions import FUNCTIONS
from ..walk import postorder

def _dim(d, dims: dict) -> str:
    text = str(d)
    return dims.get(text, text)


def _number(value) -> str:
    if value.is_Integer:
        return f"{int(value)}.0"
    if value.is_Rational:
        return f"({value.p} / {value.q})"
    return f"({value})"


def _matmul(node: MatMul, args: list[str], text_of: dict) -> str:
    """A product with diagonal matrices applied by broadcasting: diag(u) A is u * A (u a
    column) and A diag(u) is A * u.T, so no n×n diagonal matrix is ever built."""
    out: str | None = None
    pending: list[str] = []  # diagonals waiting for the factor on their right
    for factor, text in zip(node.args, args):
        if isinstance(factor, Diag):
            column = text_of[factor.arg]
            if out is None:
                pending.append(column)
            else:
                out = f"({out} * {column}.T)"
            continue
        for column in reversed(pending):
            text = f"({column} * {text})"
        pending = []
        out = text if out is None else f"({out} @ {text})"
    if out is None:  # only diagonals: their product is diagonal
        return "np.diag(" + " * ".join(f"{c}[:, 0]" for c in pending) + ")"
    return out


def _rules(dims: dict, text_of: dict) -> dict[type, Callable[[Expr, list[str]], str]]:
    d = lambda x: _dim(x, dims)  # noqa: E731
    return {
        Symbol: lambda n, a: n.name,
        Const: lambda n, a: _number(n.value) if n.value.is_number else f"({n.value})",
        Identity: lambda n, a: f"np.eye({d(n.rows)})",
        Ones: lambda n, a: f"np.ones(({d(n.rows)}, {d(n.cols)}))",
        Zero: lambda n, a: f"np.zeros(({d(n.rows)}, {d(n.cols)}))",
        Add: lambda n, a: "(" + " + ".join(a) + ")",
        Mul: lambda n, a: "(" + " * ".join(a) + ")",
        MatMul: lambda n, a: _matmul(n, a, text_of),
        Pow: lambda n, a: (f"(1.0 / {a[0]})" if n.exponent == -1
                           else f"np.power({a[0]}, {_number(n.exponent)})"),
        Func: lambda n, a: FUNCTIONS[n.name].code.format(a[0]),
        Transpose: lambda n, a: f"{a[0]}.T",
        Trace: lambda n, a: f"np.trace({a[0]})",
        Det: lambda n, a: f"np.linalg.det({a[0]})",
        LogDet: lambda n, a: f"_logdet({a[0]})",  # log det X, undefined (nan) where det X ≤ 0
        Inverse: lambda n, a: f"np.linalg.inv({a[0]})",
        Sum: lambda n, a: f"np.sum({a[0]})",
        Norm2: lambda n, a: f"np.linalg.norm({a[0]})",
        Diag: lambda n, a: f"np.diag({a[0]}[:, 0])",
        DiagPart: lambda n, a: f"np.diag({a[0]})[:, None]",
        Softmax: lambda n, a: f"_softmax({a[0]})",
        LogSumExp: lambda n, a: f"np.logaddexp.reduce({a[0]}, axis=None)",
        Kron: lambda n, a: f"np.kron({a[0]}, {a[1]})",
    }


def codegen(outputs: Sequence[Expr], name: str = "f", labels: Sequence[str] = ()) -> str:
    """The source of ``def name(<symbols>): ... return <outputs>`` using numpy."""
    roots = list(outputs)
    order: list[Expr] = []
    seen: set[Expr] = set()
    for root in roots:
        for node in postorder(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    for node in order:
        if isinstance(node, (Delta, Partial)):
            raise MatcalcError(f"cannot generate code for {node}: it stands for a derivative")
    symbols = sorted({n for n in order if isinstance(n, Symbol)}, key=lambda s: s.name)
    clash = {s.name for s in symbols} & {"np", "_softmax", "_logdet", name}
    if clash:
        raise MatcalcError(f"a symbol named {sorted(clash)[0]!r} would hide a name the "
                           "generated code needs; rename it")
    from .lambdify import dimension_symbols

    dims = sorted(str(s) for s in dimension_symbols(order))
    dim_source = {}
    for dim in dims:
        for sym in symbols:
            for axis, d in enumerate(sym.shape):
                if str(d) == dim and dim not in dim_source:
                    dim_source[dim] = f"{sym.name}.shape[{axis}]"
    uses: Counter = Counter()
    for node in order:
        for a in node.args:
            uses[a] += 1
    text: dict[Expr, str] = {}
    rules = _rules({}, text)
    lines: list[str] = []
    taken = {s.name for s in symbols} | set(dims) | {"np", "_softmax", "_logdet", name}
    temporaries = (f"t{i}" for i in range(1, 10**6) if f"t{i}" not in taken)
    for node in order:
        rendered = rules[type(node)](node, [text[a] for a in node.args])
        # a shared diagonal stays a vector expression: products apply it by broadcasting
        if (node.args and (uses[node] > 1 or node in roots) and len(rendered) > 12
                and not (isinstance(node, Diag) and node not in roots)):
            temp = next(temporaries)
            lines.append(f"    {temp} = {rendered}")
            rendered = temp
        text[node] = rendered
    args = ", ".join([s.name for s in symbols] + [d for d in dims if d not in dim_source])
    header = [f"def {name}({args}):",
              f'    """Generated by matcalc: {", ".join(labels) or "the expression"}."""']
    prep = []
    for s in symbols:
        if s.is_scalar:
            prep.append(f"    {s.name} = np.asarray({s.name}, dtype=float).reshape(1, 1)")
        elif s.cols == 1:
            prep.append(f"    {s.name} = np.asarray({s.name}, dtype=float).reshape(-1, 1)")
        else:
            prep.append(f"    {s.name} = np.asarray({s.name}, dtype=float)")
    for dim in dims:
        if dim in dim_source:
            prep.append(f"    {dim} = {dim_source[dim]}")
    results = []
    for root in roots:
        value = text[root]
        results.append(f"float(np.asarray({value}).reshape(-1)[0])" if root.is_scalar else value)
    body = header + prep + lines + [f"    return {', '.join(results)}"]
    helpers = []
    if any(isinstance(n, Softmax) for n in order):
        helpers += ["def _softmax(z):", "    e = np.exp(z - z.max())", "    return e / e.sum()", "", ""]
    if any(isinstance(n, LogDet) for n in order):
        helpers += ["def _logdet(X):", "    sign, value = np.linalg.slogdet(X)",
                    "    return value if sign > 0 else np.nan", "", ""]
    return "import numpy as np\n\n\n" + "\n".join(helpers + body) + "\n"
