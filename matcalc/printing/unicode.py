"""Unicode for the terminal: ``(A + Aᵀ)x``, ``X⁻¹``, ``u ⊙ v``, ``‖x‖₂``; rich rendering."""

from __future__ import annotations

import re

import sympy

from rich.text import Text

from matcalc.core.guards import recursion_guarded
from matcalc.core.expr import Expr
from matcalc.core.shapes import fmt_dim
from matcalc.core.spec import FUNCTIONS
from matcalc.printing.base import ADD, ATOM, MUL, NEG, POW, Printed
from matcalc.printing.decimals import Decimal10
from matcalc.printing.where import Named, print_named, where_unicode
from matcalc.printing.math import ALIASES, GREEK, MathPrinter, split_name

_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307", "vec": "\u20d7"}
_SUB_LETTERS = "aehijklmnoprstuvx"
_SUB_LETTERS_MAP = str.maketrans(_SUB_LETTERS, "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789-()/+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾ᐟ⁺")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_GREEK_LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip


_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
# a name, a number or a call such as ‖x‖₂ or det(X): safe after "/" without parentheses
_SINGLE_TERM = re.compile(r"^([A-Za-z\u0370-\u03ff]+[₀-₉]*|\d+|[\w ]+\([^()]*\)|‖[^‖]*‖[₂_F]*)$")


#: SymPy's names in the text of an irrational constant, as a reader writes them
_IRRATIONAL = {"sqrt(": "√(", "pi": "π", "E": "e"}
_IRRATIONAL_NAMES = re.compile(r"sqrt\(|\bpi\b|\bE\b")
_ROOT_OF_ONE = re.compile(r"√\((\w)\)")  # √(π) is √π


def _letters_at_end(s: str) -> int:
    """How many letters the name at the end of ``s`` has (W₂ -> 1, lam -> 3)."""
    i = len(s)
    while i > 0 and s[i - 1] in _SUBSCRIPTS:
        i -= 1
    j = i
    while j > 0 and s[j - 1].isascii() and s[j - 1].isalpha():
        j -= 1
    return i - j


def _letters_at_start(s: str) -> int:
    i = 0
    while i < len(s) and s[i].isascii() and s[i].isalpha():
        i += 1
    return i


def _bracketed(text: str) -> bool:
    """Whether the whole of ``text`` is one pair of brackets: (a + b), not (a)(b)."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _gap(left: str, right: str) -> str:
    """Juxtapose single-letter names (2Sx), but keep words apart (W₂ tanh(…), lam x)."""
    if not left or not right or left[-1] in "( ":
        return ""
    if right[0] == "∂" or left[-1].isalnum() and "/∂" in left[-8:]:
        return " "  # keep ∂L/∂h apart from its neighbours
    if left[-1] in "0123456789":  # a number in front: 2Sx, 2λx; two numbers: 2·3
        return "·" if right[0] in "0123456789" else ""
    head, tail = _letters_at_start(right), _letters_at_end(left)
    if head == 1 and right[1:2] == "_":  # an operator with a written subscript: A L_exp(X)[dX]
        return " "
    return " " if head > 1 or (tail > 1 and head) else ""


class UnicodePrinter(MathPrinter):
    minus = " − "
    negation = "−"
    bracket_fractions = True
    identity_glyph = "I"
    ones_glyph = "𝟏"
    zero_glyph = "0"

    def name(self, name: str) -> str:
        if "_" in name.strip("_"):
            stem, rest = name.split("_", 1)
            if rest in _ACCENTS:
                return self.name(stem) + _ACCENTS[rest]
            if rest.isdigit() or all(ch in _SUB_LETTERS for ch in rest):
                return self.name(stem) + rest.translate(_SUB).translate(_SUB_LETTERS_MAP)
            return f"{self.name(stem)}_{self.name(rest)}"
        stem, sub = split_name(name)
        stem = _GREEK_LETTERS.get(ALIASES.get(stem, stem), stem) if (
            ALIASES.get(stem, stem) in GREEK) else stem
        return stem + sub.translate(_SUB)

    number_minus = "−"

    def decimal_text(self, form: Decimal10) -> Printed:
        if form.exponent is None:
            return Printed(form.mantissa, ATOM)
        power = "10" + str(form.exponent).translate(_SUP)
        if form.mantissa == "1":
            return Printed(power, POW)
        return Printed(f"{form.mantissa}·{power}", MUL)

    def number(self, value: sympy.Expr) -> Printed:
        decimal = self.decimal_number(value)
        if decimal is not None:
            return decimal
        text = _IRRATIONAL_NAMES.sub(lambda m: _IRRATIONAL[m.group(0)], str(value))
        text = _ROOT_OF_ONE.sub(r"√\1", text).replace("-", "−").replace("**", "^")
        text = re.sub(r"(?<=\d)\*(?=[A-Za-z])", "", text).replace("*", "·")  # 2N, n·m
        if value.is_number and value.is_negative:
            return Printed(text, NEG, neg=self.number(-value))
        if value.is_Integer or value.is_Atom:
            return Printed(text, ATOM)
        return Printed(text, MUL)  # a fraction (1/2, 2/√π): bracketed where it needs to be

    def partial(self, node, kids):
        # a fraction: parenthesised under a transpose, juxtaposed in a product
        text = f"∂{self.name(node.of)}/∂{self.name(node.by)}"
        if node.vec:
            text = f"∂vec {self.name(node.of)}/∂vec {self.name(node.by)}ᵀ"
        if node.via:  # one path's contribution
            text = f"{text}|{self.name(node.via)}"
        return Printed(text, POW)

    def sup(self, base: str, exponent: str) -> str:
        return base + exponent

    def call(self, fname: str, arg: str) -> str:
        return f"{fname}({arg})"

    def frac(self, num: str, den: str, num_prec: int = MUL) -> str:
        if not _SINGLE_TERM.match(den):
            den = f"({den})"
        if (num_prec <= ADD or not _SINGLE_TERM.match(num)) and not _bracketed(num):
            num = f"({num})"
        return f"{num}/{den}"

    def juxtapose(self, parts: list[str]) -> str:
        out, previous = "", ""
        for p in parts:  # the gap depends on the neighbour, not on all before it: AXB, not AX B
            out += _gap(previous, p) + p
            previous = p
        return out

    def differential(self, name: str) -> str:
        return f"d{name}"

    def transpose_mark(self) -> str:
        return "ᵀ"

    def pinv_mark(self) -> str:
        return "⁺"

    def frechet_text(self, function: str, at: str, direction: str) -> str:
        return f"L_{function}({at})[{direction}]"

    def second_frechet_text(self, function: str, at: str, first: str, second: str) -> str:
        return f"L²_{function}({at})[{first}, {second}]"

    def second_kronecker_text(self, function: str, at: str, direction: str) -> str:
        return f"K²_{function}({at}, {direction})"

    def inverse_transpose_mark(self) -> str:
        return "⁻ᵀ"

    def power_text(self, k, kind: str) -> str:
        text = str(k)
        mark = "∘" if kind == "matrix" else ""  # X∘² is elementwise; X² would read as X X
        decimal = self.decimal_number(k)
        if decimal is not None:  # c**0.1 as typed: c^(0.1), not c¹ᐟ¹⁰
            return f"^{mark}({decimal.text})"
        if all(ch in "0123456789-/" for ch in text):
            return mark + text.translate(_SUP)
        return f"^{mark}({text})"

    def sqrt(self, arg: str) -> str:
        return f"√({arg})"

    def hadamard_name(self, name: str) -> str:
        return f"{name}∘"

    def norm(self, arg: str, matrix: bool) -> str:
        return f"‖{arg}‖{'_F' if matrix else '₂'}"


    def subscript(self, base: str, *dims) -> str:
        """Iₙ, K₍ₘ,ₙ₎; a size without subscript letters as I_(2n)."""
        parts = [str(d) for d in dims]
        if all(d.is_Atom for d in dims) and all(
                ch in _SUB_LETTERS or ch.isdigit() for ch in "".join(parts)):
            subs = ",".join(p.translate(_SUB).translate(_SUB_LETTERS_MAP) for p in parts)
            return base + (subs if len(parts) == 1 else f"₍{subs}₎")
        return f"{base}_({','.join(fmt_dim(d).strip('()') for d in dims)})"

    def func_name(self, name: str) -> str:
        return FUNCTIONS[name].unicode

    def operator(self, spec) -> str:
        return spec.unicode


_PRINTER = UnicodePrinter()


@recursion_guarded
def to_unicode(e: Expr, where: bool = True) -> str:
    """``e`` in unicode; with ``where``, each repeated part named once in a where block
    (:mod:`matcalc.printing.where`); ``where=False`` writes everything out."""
    if hasattr(e, "latex") and not isinstance(e, Expr):  # an index form prints itself
        return str(e)
    if where:
        return where_unicode(named_unicode(e))
    return _PRINTER.doprint(e)


def named_unicode(e: Expr) -> Named:
    """``e`` in unicode with its shared parts named (the pieces of the where block)."""
    return print_named(_PRINTER, e, _PRINTER)


def to_rich(e: Expr, where: bool = True) -> Text:
    return Text(to_unicode(e, where=where))

