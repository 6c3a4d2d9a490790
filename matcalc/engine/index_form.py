"""Index form: ∂F_{ij}/∂X_{kl} as a sum of products of indexed factors and Kronecker deltas.

``diff(F, X, form="index")`` reads the differential dF index by index (``rules.read.index``), so
d(AXB)/dX reads A_{ik} B_{lj}.  ``lambdify`` turns the form into numpy einsum calls that return
the 4-D array d4[i, j, k, l] = ∂F_{ij}/∂X_{kl} (the axes of a vector's 1 stay, of size 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from matcalc.core.expr import Add, Const, Expr, as_expr
from matcalc.core.nodes import Differential, Symbol
from matcalc.core.errors import UnsupportedError
from matcalc.core.shapes import ONE
from matcalc.core.walk import postorder
from matcalc.engine.differentiation import differentiate
from matcalc.engine.layout import Layout
from matcalc.printing.latex import to_latex
from matcalc.printing.unicode import to_unicode
from matcalc.rules.linear import NOT_APPLICABLE
from matcalc.rules.read.index import (
    INDEX, Index, Term, Translator, collect, contract, index_composite,
)  # fmt: skip
from matcalc.rules.simplify import const, is_zero

FREE = ("i", "j", "k", "l")


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
        def show(e):
            return (to_latex if latex else to_unicode)(e, where=False)

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


def index_form(f: Any, wrt: Symbol) -> IndexForm:
    """∂F_{ij}/∂X_{kl} of any f (scalar, vector or matrix) by a symbol, in index notation."""
    f = as_expr(f)
    d = differentiate(f, wrt, Layout.NUMERATOR)
    x = d.wrt
    free = tuple(None if dim == ONE else name
                 for name, dim in zip(FREE, (*f.shape, *x.shape)))
    dims = {name: dim for name, dim in zip(FREE, (*f.shape, *x.shape)) if dim != ONE}
    if is_zero(d.differential):
        return IndexForm(f, x, (), free, tuple(dims.items()))
    translator = Translator(d.differential, Differential.new(x), free[2:])
    raw = translator.terms(d.differential, free[:2])
    if raw is NOT_APPLICABLE:
        kinds = sorted({type(n).__name__ for n in postorder(d.differential)
                        if translator.linear.get(n) and INDEX[type(n)] is index_composite})
        raise UnsupportedError(
            f"the index form of {' and '.join(kinds)} is not supported: "
            + ("a Fréchet derivative L_f(X)[E] has no finite sum of products for its entries"
               if set(kinds) <= {"Frechet", "SecondFrechet"}
               else "its entries have composite indices")
            + "; use the Kronecker (vec) form (leave out form='index')")
    dims.update(translator.dims)
    terms = collect([contract(t, {n for n in free if n}, dims) for t in raw])
    return IndexForm(f, x, terms, free, tuple(dims.items()))


