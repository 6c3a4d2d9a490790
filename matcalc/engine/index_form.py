"""Index form: ∂F_{ij}/∂X_{kl} as a sum of products of indexed factors and Kronecker deltas.

``diff(F, X, form="index")`` reads the differential dF index by index: a matrix product
contracts an index, a transpose swaps two, a trace ties two, elementwise products share them,
and dX_{ab} becomes δ_{ak} δ_{bl}.  Deltas on summed indices are then contracted away, so
d(AXB)/dX reads A_{ik} B_{lj}.  ``lambdify`` turns the form into numpy einsum calls that return
the 4-D array d4[i, j, k, l] = ∂F_{ij}/∂X_{kl} (the axes of a vector's 1 stay, of size 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import sympy

from matcalc.core.errors import UnsupportedError
from matcalc.core.expr import (
    Add, Const, Delta, Diag, DiagPart, Expr, MatMul, Mul, Sum, Symbol, Trace, Transpose, as_expr,
)  # fmt: skip
from matcalc.rules.pullback import _linear_nodes
from matcalc.rules.simplify import const, is_zero
from matcalc.core.shapes import ONE

Index = Optional[str]  # None: an axis of length 1
FREE = ("i", "j", "k", "l")
SUMMED = "abcdefghmnopqrstuvwxyz"


@dataclass(frozen=True)
class Term:
    """coefficient × Π factor[indices] × Π δ[a, b]; summed over the indices not free."""

    coefficient: tuple[Expr, ...]  #: scalar factors
    factors: tuple[tuple[Expr, tuple[Index, Index]], ...]
    deltas: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class IndexForm:
    """∂F_{ij}/∂X_{kl} = Σ terms; ``free`` are F's (i, j) and X's (k, l), None for an axis of
    length 1; ``dims`` maps every index to its dimension."""

    f: Expr
    wrt: Symbol
    terms: tuple[Term, ...]
    free: tuple[Index, Index, Index, Index]
    dims: tuple[tuple[str, sympy.Expr], ...]

    @property
    def shape(self) -> tuple:
        return (self.f.rows, self.f.cols, self.wrt.rows, self.wrt.cols)

    def latex(self) -> str:
        return self._render(latex=True)

    def __str__(self) -> str:
        return self._render(latex=False)

    def _render(self, latex: bool) -> str:
        from matcalc.printing.latex import to_latex
        from matcalc.printing.unicode import to_unicode

        show = to_latex if latex else to_unicode

        def indexed(name: str, idx) -> str:
            sub = "".join(i for i in idx if i)
            if not sub:
                return name
            if latex:  # W_{1} indexed: {W_{1}}_{kl}, never a double subscript
                return f"{{{name}}}_{{{sub}}}" if "_" in name else f"{name}_{{{sub}}}"
            return f"{name}_{sub}"

        i, j, k, l = self.free
        of, by = indexed(show(_plain(self.f)), (i, j)), indexed(show(self.wrt), (k, l))
        lhs = rf"\frac{{\partial {of}}}{{\partial {by}}}" if latex else f"∂{of}/∂{by}"
        return f"{lhs} = {self._body(show, indexed, latex)}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        return f"<index form {self}>"

    def _body(self, show, indexed, latex: bool) -> str:
        if not self.terms:
            return "0"
        free = {x for x in self.free if x}
        parts = []
        for t in self.terms:
            sign, coefficient = _sign(t.coefficient)
            pieces = [_wrapped(show(c), latex) if isinstance(c, Add) else show(c)
                      for c in coefficient]
            for e, idx in t.factors:
                name = show(e)
                pieces.append(indexed(name if _atomic(e) else _wrapped(name, latex), idx))
            pieces += [indexed(r"\delta" if latex else "δ", d) for d in t.deltas]
            summed = sorted({x for _, idx in t.factors for x in idx if x and x not in free}
                            | {x for d in t.deltas for x in d if x not in free})
            body = (r" " if latex else " ").join(pieces) or "1"
            if summed:
                body = (rf"\sum_{{{','.join(summed)}}} {body}" if latex
                        else f"Σ_{''.join(summed)} {body}")
            parts.append((sign, body))
        text = ("-" if latex else "−") + parts[0][1] if parts[0][0] < 0 else parts[0][1]
        for sign, body in parts[1:]:
            text += (" - " if latex else " − ") + body if sign < 0 else " + " + body
        return text


def _sign(coefficient: tuple[Expr, ...]) -> tuple[int, list[Expr]]:
    """The sign of a term and its coefficient without −1 (numbers merged into one)."""
    number = sympy.Integer(1)
    rest = []
    for c in coefficient:
        if isinstance(c, Const):
            number *= c.value
        else:
            rest.append(c)
    sign = -1 if number.could_extract_minus_sign() else 1
    number *= sign
    return sign, ([const(number)] if number != 1 else []) + rest


def _name(f: Expr) -> str:
    return f.name if isinstance(f, Symbol) else ("f" if f.is_scalar else "F")


def _plain(f: Expr) -> Expr:
    return f if isinstance(f, Symbol) else Symbol.new(_name(f), f.shape)


def _atomic(e: Expr) -> bool:
    return isinstance(e, Symbol)


def _wrapped(text: str, latex: bool) -> str:
    """A compound factor in brackets, so its indices are clearly its own: (XB)_ij."""
    return rf"\left({text}\right)" if latex else f"({text})"


class _Translator:
    """dF index by index: each node with the indices of its two axes gives a list of terms."""

    def __init__(self, df: Expr, dX: Delta, free_x: tuple[Index, Index]):
        self.linear = _linear_nodes(df)
        self.dX, self.free_x = dX, free_x
        self.names = (f"{c}{k or ''}" for k in range(10**6) for c in SUMMED)
        self.dims: dict[str, sympy.Expr] = {}

    def fresh(self, dim) -> Index:
        if dim == ONE:
            return None
        name = next(self.names)
        self.dims[name] = dim
        return name

    def factor(self, e: Expr, idx) -> list[tuple[Expr, tuple]]:
        if e.is_scalar:
            return [(e, (None, None))]
        if isinstance(e, Transpose):
            return [(e.args[0], (idx[1], idx[0]))]
        return [(e, idx)]

    def terms(self, e: Expr, idx) -> list[Term]:
        if not self.linear.get(e):
            return []
        if isinstance(e, Delta):
            deltas = tuple((a, b) for a, b in zip(idx, self.free_x) if a or b)
            return [Term((), (), deltas)]
        if isinstance(e, Add):
            return [t for a in e.args for t in self.terms(a, idx)]
        if isinstance(e, Transpose):
            return self.terms(e.args[0], (idx[1], idx[0]))
        if isinstance(e, Mul):
            i = next(k for k, a in enumerate(e.args) if self.linear.get(a))
            lin = e.args[i]
            others = [a for k, a in enumerate(e.args) if k != i]
            inner = self.terms(lin, (None, None) if lin.is_scalar else idx)
            return [self.times(t, [f for a in others for f in self.factor(a, idx)]) for t in inner]
        if isinstance(e, MatMul):
            f = e.args
            cuts = [idx[0]] + [self.fresh(a.cols) for a in f[:-1]] + [idx[1]]
            i = next(k for k, a in enumerate(f) if self.linear.get(a))
            others = [pair for k, a in enumerate(f) if k != i
                      for pair in self.factor(a, (cuts[k], cuts[k + 1]))]
            return [self.times(t, others) for t in self.terms(f[i], (cuts[i], cuts[i + 1]))]
        if isinstance(e, Trace):
            s = self.fresh(e.args[0].rows)
            return self.terms(e.args[0], (s, s))
        if isinstance(e, Sum):
            A = e.args[0]
            return self.terms(A, (self.fresh(A.rows), self.fresh(A.cols)))
        if isinstance(e, Diag):
            return [Term(t.coefficient, t.factors, t.deltas + ((idx[0], idx[1]),))
                    for t in self.terms(e.args[0], (idx[0], None))]
        if isinstance(e, DiagPart):
            return self.terms(e.args[0], (idx[0], idx[0]))
        raise UnsupportedError(
            f"the index form of {type(e).__name__} ({e}) is not supported: its entries have "
            "composite indices; use the Kronecker (vec) form")

    @staticmethod
    def times(t: Term, factors) -> Term:
        scalars = tuple(e for e, idx in factors if idx == (None, None))
        arrays = tuple((e, idx) for e, idx in factors if idx != (None, None))
        return Term(t.coefficient + scalars, t.factors + arrays, t.deltas)


def _contract(t: Term, free: set, dims: dict) -> Term:
    """δ on a summed index: rename it away.  δ_{aa} summed is the dimension; free, 1."""
    coefficient, factors, deltas = list(t.coefficient), list(t.factors), list(t.deltas)
    changed = True
    while changed:
        changed = False
        for n, (a, b) in enumerate(deltas):
            if a == b or a is None or b is None:
                del deltas[n]
                elsewhere = any(a in idx for _, idx in factors) or any(a in d for d in deltas)
                if a == b and a not in free and a is not None and not elsewhere:
                    coefficient.append(const(dims[a]))  # Σₐ δₐₐ = n; else δₐₐ = 1 in the sum
                changed = True
                break
            old, new = (a, b) if a not in free else (b, a) if b not in free else (None, None)
            if old is None:
                continue
            rename = {old: new}
            factors = [(e, tuple(rename.get(x, x) for x in idx)) for e, idx in factors]
            deltas = [tuple(rename.get(x, x) for x in d) for k, d in enumerate(deltas) if k != n]
            changed = True
            break
    return Term(tuple(coefficient), tuple(factors), tuple(deltas))


def index_form(f: Any, wrt: Symbol) -> IndexForm:
    """∂F_{ij}/∂X_{kl} of any f (scalar, vector or matrix) by a symbol, in index notation."""
    from matcalc.engine.differentiation import differentiate

    f = as_expr(f)
    d = differentiate(f, wrt, "numerator")
    x = d.wrt
    free = tuple(None if dim == ONE else name
                 for name, dim in zip(FREE, (*f.shape, *x.shape)))
    dims = {name: dim for name, dim in zip(FREE, (*f.shape, *x.shape)) if dim != ONE}
    if is_zero(d.differential):
        return IndexForm(f, x, (), free, tuple(dims.items()))
    translator = _Translator(d.differential, Delta.new(x), free[2:])
    raw = translator.terms(d.differential, free[:2])
    dims.update(translator.dims)
    terms = _collect([_contract(t, {n for n in free if n}, dims) for t in raw])
    return IndexForm(f, x, terms, free, tuple(dims.items()))


def _collect(terms: list[Term]) -> tuple[Term, ...]:
    """Equal terms once, with their count: X_il δ_ik + X_il δ_ik = 2 X_il δ_ik."""
    counts: dict[Term, int] = {}
    for t in terms:
        counts[t] = counts.get(t, 0) + 1
    return tuple(t if k == 1 else Term((const(k), *t.coefficient), t.factors, t.deltas)
                 for t, k in counts.items())


def _einsum_args(operands: list, subscripts: list[tuple[str, ...]], out: list[str]) -> list:
    """einsum's interleaved form (operand, axes, …, output axes), index names as integers, so
    a term may have more indices than there are letters."""
    number: dict[str, int] = {}
    args: list = []
    for operand, names in zip(operands, subscripts):
        args += [operand, [number.setdefault(x, len(number)) for x in names]]
    return args + [[number.setdefault(x, len(number)) for x in out]]


class IndexFunction:
    """The 4-D array d4[i, j, k, l] = ∂F_{ij}/∂X_{kl} from an index form, by numpy einsum."""

    def __init__(self, form: IndexForm):
        from matcalc.numeric.lambdify import lambdify

        self.form = form
        self.dims = dict(form.dims)
        self.pieces = []
        for t in form.terms:
            coefficient = [lambdify(c) for c in t.coefficient]
            factors = [(lambdify(e), tuple(x for x in idx if x)) for e, idx in t.factors]
            self.pieces.append((coefficient, factors, t.deltas))
        from matcalc.numeric.codegen import dimension_symbols

        self.symbols = sorted(form.f.free_symbols() | {form.wrt}, key=lambda s: s.name)
        self.names = [s.name for s in self.symbols]
        dims: set = dimension_symbols(self.symbols)
        for dim in self.dims.values():  # the summed indices' dimensions too
            dims |= dim.free_symbols
        self.dimensions = sorted(dims, key=str)

    def __call__(self, **arrays: Any) -> np.ndarray:
        from matcalc.numeric.lambdify import bind_arguments

        bound, env = bind_arguments(self.symbols, self.dimensions, arrays)
        sizes = {str(k): v for k, v in env.items()}
        size = {name: int(dim.subs(env)) for name, dim in self.dims.items()}
        shape = tuple(int(s.subs(env)) for s in self.form.shape)

        def value(fn) -> np.ndarray:
            args = {k: bound[k] for k in fn.names}
            args.update({str(d): sizes[str(d)] for d in fn.dimensions})
            return np.asarray(fn(**args), dtype=float)

        out_names = [x for x in self.form.free if x]
        out = np.zeros([size[x] for x in out_names])
        for coefficient, factors, deltas in self.pieces:
            scale = float(np.prod([value(c) for c in coefficient])) if coefficient else 1.0
            operands, subscripts = [], []
            for fn, names in factors:
                operands.append(value(fn).reshape([size[x] for x in names]))
                subscripts.append(names)
            for a, b in deltas:
                operands.append(np.eye(size[a]))
                subscripts.append((a, b))
            seen = {x for names in subscripts for x in names}
            for x in out_names:  # a free index no factor carries: the term is constant in it
                if x not in seen:
                    operands.append(np.ones(size[x]))
                    subscripts.append((x,))
            out = out + scale * np.einsum(*_einsum_args(operands, subscripts, out_names))
        return out.reshape(shape)
