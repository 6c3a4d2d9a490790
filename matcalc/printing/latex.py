"""LaTeX: ``(A + A^{\\top}) x``, ``X^{-1}``, ``u \\odot v``, ``\\operatorname{tr}``."""

from __future__ import annotations

import sympy

from matcalc.core.guards import recursion_guarded
from matcalc.core.expr import Expr
from matcalc.core.matrix_nodes import MATRIX_FUNCTIONS
from matcalc.core.spec import FUNCTIONS
from matcalc.printing.base import ATOM, MUL, NEG, POW, Printed
from matcalc.printing.decimals import Decimal10
from matcalc.printing.unicode import UnicodePrinter
from matcalc.printing.where import Named, print_named, where_latex
from matcalc.printing.math import ALIASES, GREEK, MathPrinter, split_name

ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde", "dot": r"\dot", "vec": r"\vec"}


class LatexPrinter(MathPrinter):
    minus = " - "
    hadamard = r" \odot "
    hadamard_div = r" \oslash "
    kron_op = r" \otimes "
    identity_glyph = "I"
    ones_glyph = r"\mathbf{1}"
    zero_glyph = r"\mathbf{0}"
    lparen, rparen = r"\left(", r"\right)"

    def name(self, name: str) -> str:
        if "_" in name.strip("_"):
            stem, rest = name.split("_", 1)
            if rest in ACCENTS:
                return rf"{ACCENTS[rest]}{{{self.name(stem)}}}"
            inner = rest if rest.isdigit() else self.name(rest)
            return f"{self.name(stem)}_{{{inner}}}"
        stem, sub = split_name(name)
        stem = ALIASES.get(stem, stem)
        if stem in GREEK:
            head = "\\" + stem
        elif len(stem) == 1:
            head = stem
        else:
            head = rf"\mathit{{{stem}}}"
        return f"{head}_{{{sub}}}" if sub else head

    def decimal_text(self, form: Decimal10) -> Printed:
        if form.exponent is None:
            return Printed(form.mantissa, ATOM)
        power = f"10^{{{form.exponent}}}"
        if form.mantissa == "1":
            return Printed(power, POW)
        return Printed(rf"{form.mantissa} \cdot {power}", MUL)

    def number(self, value: sympy.Expr) -> Printed:
        decimal = self.decimal_number(value)
        if decimal is not None:
            return decimal
        text = sympy.latex(value)
        if value.is_number and value.is_negative:
            return Printed(text, NEG, neg=self.number(-value))
        if value.is_Integer or value.is_Atom:
            return Printed(text, ATOM)
        return Printed(text, MUL if value.is_Rational else ATOM)

    def partial(self, node, kids):
        text = rf"\frac{{\partial {self.name(node.of)}}}{{\partial {self.name(node.by)}}}"
        if node.vec:
            text = (rf"\frac{{\partial \operatorname{{vec}} {self.name(node.of)}}}"
                    rf"{{\partial \operatorname{{vec}}({self.name(node.by)})^{{\top}}}}")
        if node.via:  # one path's contribution
            text = rf"\left.{text}\right|_{{{self.name(node.via)}}}"
        return Printed(text, POW)

    def sup(self, base: str, exponent: str) -> str:
        return f"{base}^{{{exponent}}}"

    def call(self, fname: str, arg: str) -> str:
        return rf"{fname}\left({arg}\right)"

    def frac(self, num: str, den: str, num_prec: int = MUL) -> str:
        return rf"\frac{{{num}}}{{{den}}}"

    def juxtapose(self, parts: list[str]) -> str:
        return " ".join(parts)

    def differential(self, name: str) -> str:
        return rf"\mathrm{{d}}{name}"

    def transpose_mark(self) -> str:
        return r"\top"

    def pinv_mark(self) -> str:
        return "+"

    def frechet_text(self, function: str, at: str, direction: str) -> str:
        name = MATRIX_FUNCTIONS[function].frechet_latex
        return rf"L_{{{name}}}\left({at}\right)\left[{direction}\right]"

    def second_frechet_text(self, function: str, at: str, first: str, second: str) -> str:
        name = MATRIX_FUNCTIONS[function].frechet_latex
        return rf"L^{{2}}_{{{name}}}\left({at}\right)\left[{first}, {second}\right]"

    def second_kronecker_text(self, function: str, at: str, direction: str) -> str:
        name = MATRIX_FUNCTIONS[function].frechet_latex
        return rf"K^{{2}}_{{{name}}}\left({at}, {direction}\right)"

    def inverse_transpose_mark(self) -> str:
        return r"-\top"

    def power_text(self, k, kind: str) -> str:
        decimal = self.decimal_number(k)  # c**0.1 as typed: c^{0.1}, not c^{\frac{1}{10}}
        text = decimal.text if decimal is not None else sympy.latex(k)
        return text if kind == "scalar" else rf"\circ {text}"

    def sqrt(self, arg: str) -> str:
        return rf"\sqrt{{{arg}}}"

    def hadamard_name(self, name: str) -> str:
        return rf"{name}^{{\circ}}"

    def norm(self, arg: str, matrix: bool) -> str:
        return rf"\left\lVert {arg} \right\rVert_{{{'F' if matrix else '2'}}}"


    def subscript(self, base: str, *dims) -> str:
        return f"{base}_{{{','.join(sympy.latex(d) for d in dims)}}}"

    def func_name(self, name: str) -> str:
        return FUNCTIONS[name].latex

    def axis_text(self, axis: int) -> str:
        return rf",\ \text{{axis}}={axis}"

    def operator(self, spec) -> str:
        return spec.latex


_PRINTER = LatexPrinter()
#: the parts a LaTeX result names are the ones its unicode names
UNICODE = UnicodePrinter()


@recursion_guarded
def to_latex(e: Expr, where: bool = True) -> str:
    """``e`` in latex; with ``where``, each repeated part named once in a where block
    (:mod:`matcalc.printing.where`); ``where=False`` writes everything out."""
    if hasattr(e, "latex") and not isinstance(e, Expr):  # an index form prints itself
        return e.latex()
    if where:
        return where_latex(named_latex(e))
    return _PRINTER.doprint(e)


def named_latex(e: Expr) -> Named:
    """``e`` in LaTeX with its shared parts named: the same parts as its unicode names."""
    return print_named(_PRINTER, e, UNICODE)
