"""Mathematical notation shared by the LaTeX and unicode printers.

Matrix products are juxtaposed (``(A + Aᵀ)x``), Hadamard products use ⊙, numbers and scalars
stand in front (``2Sx``), and a transposed inverse is X⁻ᵀ.  The subclasses give the glyphs.
"""

from __future__ import annotations

import re

import sympy

from matcalc.core.expr import Const, MatMul, Mul, Pow
from matcalc.core.matrix_nodes import MATRIX_FUNCTIONS, Pinv
from matcalc.core.nodes import Identity, Inverse, Kron, Norm2, Vec
from matcalc.printing.base import ADD, ATOM, MUL, NEG, POW, Printed, Printer
from matcalc.printing.decimals import decimal_form

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
}  # fmt: skip
ALIASES = {"lam": "lambda", "eps": "epsilon"}

_NAME = re.compile(r"^([A-Za-z]+?)_?(\d*)$")


class MathPrinter(Printer):
    negation = "-"
    #: (1/2)x rather than 1/2x, where a fraction would read as dividing what follows
    bracket_fractions = False
    hadamard = " ⊙ "
    hadamard_div = " ⊘ "
    kron_op = " ⊗ "
    identity_glyph = "I"
    ones_glyph = "1"
    zero_glyph = "0"

    # glyph hooks -------------------------------------------------------------------------------
    def name(self, name: str) -> str:
        raise NotImplementedError

    def sup(self, base: str, exponent: str) -> str:
        raise NotImplementedError

    def call(self, fname: str, arg: str) -> str:
        raise NotImplementedError

    def frac(self, num: str, den: str, num_prec: int = MUL) -> str:
        raise NotImplementedError

    def juxtapose(self, parts: list[str]) -> str:
        raise NotImplementedError

    def differential(self, name: str) -> str:
        raise NotImplementedError

    def transpose_mark(self) -> str:
        raise NotImplementedError

    def inverse_transpose_mark(self) -> str:
        raise NotImplementedError

    def power_text(self, k: sympy.Expr, kind: str) -> str:
        """The exponent of a power of a "scalar", a "vector" or a "matrix" (elementwise)."""
        raise NotImplementedError

    def sqrt(self, arg: str) -> str:
        raise NotImplementedError

    def norm(self, arg: str, matrix: bool) -> str:
        raise NotImplementedError


    def func_name(self, name: str) -> str:
        """An elementwise function's name in this notation (from the function table)."""
        raise NotImplementedError

    # nodes -------------------------------------------------------------------------------------
    def symbol(self, node, kids):
        return Printed(self.name(node.name), ATOM)

    def pending_differential(self, node, kids):
        inner = self.print_node(node.of)
        return Printed(f"{self.differential('')}{self.lparen}{inner.text}{self.rparen}", ATOM)

    def variable_differential(self, node, kids):
        return Printed(self.differential(self.name(node.var.name)), ATOM)

    def identity(self, node, kids):
        return Printed(self.identity_glyph, ATOM)

    def ones(self, node, kids):
        row = self.sup(self.ones_glyph, self.transpose_mark())
        if node.rows == 1 and node.cols != 1:  # a row of ones: 𝟏ᵀ
            return Printed(row, POW)
        if node.cols != 1:  # the all-ones matrix is 𝟏𝟏ᵀ, never a 𝟏 that reads as a vector
            return Printed(self.juxtapose([self.ones_glyph, row]), POW)
        return Printed(self.ones_glyph, ATOM)

    def zero(self, node, kids):
        return Printed(self.zero_glyph, ATOM)

    def mul(self, node: Mul, kids: list[Printed]) -> Printed:
        coef = self.coefficient(node)
        if coef is not None and self.negative(coef):
            positive = self._mul(node, kids, -coef)
            if coef != -1 and self.bracket_fractions and not coef.is_Integer \
                    and decimal_form(coef) is None:
                # −(1/2)x as a reader writes it, not (−1/2)x
                return Printed(self.negation + positive.text, NEG, neg=positive)
            p = self._mul(node, kids, coef)
            return Printed(p.text, p.prec, neg=positive)
        return self._mul(node, kids, coef)

    def _mul(self, node: Mul, kids: list[Printed], coef) -> Printed:
        scalars: list[str] = []
        arrays: list[str] = []
        scalar_dens: list[str] = []
        array_dens: list[str] = []
        factors = [(f, p) for i, (f, p) in enumerate(zip(node.args, kids))
                   if not (i == 0 and isinstance(f, Const))]
        for i, (f, p) in enumerate(factors):
            more = i < len(factors) - 1
            if p.recip is not None:
                base = p.recip
                target = scalar_dens if f.is_scalar else array_dens
                target.append(base.text if f.is_scalar else self.paren(base, MUL))
            elif f.is_scalar:
                wrap = p.prec <= ADD or (isinstance(f, MatMul) and more) or p.prec == NEG
                scalars.append(self.paren(p, NEG) if wrap else p.text)
            else:
                arrays.append(p)  # type: ignore[arg-type]
        if len(arrays) == 1 and not array_dens:
            # −(x − a), never −x − a: a minus sign before a sum takes the sum in brackets
            # a negated product (−AB) after a factor would read as a subtraction: 2(−AB)
            array_text = [self.operand(arrays[0], ADD)] if scalars or coef not in (None, 1) \
                else [arrays[0].text]
            prec = MUL if scalars or coef not in (None, 1, -1) else arrays[0].prec
        elif arrays:
            pieces = [self.operand(a, MUL) for a in arrays]
            text = self.hadamard.join(pieces) if pieces else self.ones_glyph
            for d in array_dens:
                text += self.hadamard_div + d
            array_text = [text if not scalars and coef in (None, 1, -1) else f"({text})"]
            prec = MUL
        else:
            array_text = []
            prec = MUL
        sign = ""
        lead: list[str] = []
        if coef is not None and coef != 1:
            if coef == -1:
                sign = self.negation
            else:
                number = self.number(coef)
                # (1/2)x, where 1/2x reads as 1/(2x); but 0.05x, 10⁻⁵x, 2.5·10⁻⁵x
                plain = coef.is_Integer or decimal_form(coef) is not None or coef.is_NumberSymbol
                bracket = self.bracket_fractions and not plain and len(factors) > 0
                lead.append(f"({number.text})" if bracket else number.text)
        body = self.juxtapose(lead + scalars + array_text) if (lead or scalars or array_text) \
            else "1"
        if scalar_dens:
            alone = len(arrays) == 1 and not array_dens and not scalars and not lead
            body = self.frac(body, self.juxtapose(scalar_dens), arrays[0].prec if alone else MUL)
            arrays_prec = MUL  # x/c is bracketed under a power, a transpose or an inverse
        if not arrays and array_dens:
            body = body + self.hadamard_div + self.hadamard_div.join(array_dens)
        if sign:
            return Printed(sign + body, NEG)
        if scalar_dens:
            return Printed(body, arrays_prec)
        return Printed(body, prec if arrays and not scalars and not lead else MUL)

    def matmul(self, node, kids):
        # a run of one square factor is its matrix power: xᵀA³x, (Aᵀ)³, not xᵀAAAx
        runs: list[list] = []
        for arg, kid in zip(node.args, kids):
            if runs and runs[-1][0] is arg and arg.rows == arg.cols:
                runs[-1][2] += 1
            else:
                runs.append([arg, kid, 1])
        pieces = []
        positive = None  # the product without its leading minus sign, if it has one
        for i, (arg, kid, count) in enumerate(runs):
            if count > 1:
                pieces.append(self.sup(self.paren(kid, POW),
                                       self.power_text(sympy.Integer(count), "scalar")))
            elif i == 0 and _scalar_multiple(arg):
                # a scalar multiple of the first factor needs no brackets, since (cA)B = c(AB):
                # (1/2)xᵀAx and −xᵀx, not ((1/2)xᵀ)Ax and (−xᵀ)x
                pieces.append(self.paren(kid, ADD))
                if kid.prec == NEG and kid.neg is not None:
                    positive = self.paren(kid.neg, ADD)
            else:
                pieces.append(self.paren(kid, NEG))
        text = self.juxtapose(pieces)
        if positive is not None:  # −xᵀx is a negation: a(−xᵀx), b − xᵀx
            return Printed(text, NEG, neg=Printed(self.juxtapose([positive, *pieces[1:]]), MUL))
        return Printed(text, MUL)

    def pow(self, node: Pow, kids):
        k = node.exponent
        kind = _kind(node)
        if k == sympy.Rational(1, 2) and kind != "matrix":  # √W would read as sqrtm(W)
            return Printed(self.sqrt(kids[0].text), ATOM)
        return self._power(kids[0], k, kind)

    def _power(self, base: Printed, k: sympy.Expr, kind: str) -> Printed:
        return Printed(self.sup(self.paren(base, POW), self.power_text(k, kind)), POW,
                       recip=base if k == -1 else None)

    def func(self, node, kids):
        if node.name in MATRIX_FUNCTIONS and _kind(node) == "matrix":
            return self.hadamard_func(node, kids)
        name = self.func_name(node.name)
        if "{}" in name:  # a template from the function table: √(u), |u|
            return Printed(name.format(kids[0].text), ATOM)
        return Printed(self.call(name, kids[0].text), ATOM)

    def hadamard_func(self, node, kids):
        """An elementwise exp, log or sqrt of a matrix, marked ∘ as a Hadamard power is:
        exp∘(W), log∘(W), W∘¹ᐟ² (the Hadamard root).  Written exp(W), log W, √W it reads as the
        matrix function (Higham, Functions of Matrices; Matrix Cookbook §10.2), which matcalc
        names expm, logm, sqrtm.  A vector or a scalar has no matrix function: left unmarked."""
        if node.name == "sqrt":
            return self._power(kids[0], sympy.Rational(1, 2), "matrix")
        return Printed(self.call(self.hadamard_name(self.func_name(node.name)), kids[0].text),
                       ATOM)

    def hadamard_name(self, name: str) -> str:
        raise NotImplementedError

    def transpose(self, node, kids):
        child = kids[0]
        if isinstance(node.args[0], Inverse) and child.inv_arg is not None:
            base = self.paren(child.inv_arg, POW)
            return Printed(self.sup(base, self.inverse_transpose_mark()), POW)
        return Printed(self.sup(self.paren(child, POW), self.transpose_mark()), POW)

    def inverse(self, node, kids):
        return Printed(self.sup(self.paren(kids[0], POW), self.power_text(sympy.Integer(-1), "scalar")),
                       POW, inv_arg=kids[0])

    def _op(self, fname, kids):
        return Printed(self.call(fname, kids[0].text), ATOM)

    def special(self):
        return {**super().special(), Inverse: self.inverse, Norm2: self.norm2, Vec: self.vec,
                Pinv: self.pinv}

    def pinv(self, node, kids):
        """A⁺, the pseudo-inverse."""
        return Printed(self.sup(self.paren(kids[0], POW), self.pinv_mark()), POW)

    def pinv_mark(self) -> str:
        raise NotImplementedError

    def frechet(self, node, kids):
        """L_exp(X)[E]."""
        return Printed(self.frechet_text(node.function, kids[0].text, kids[1].text), ATOM)

    def frechet_text(self, function: str, at: str, direction: str) -> str:
        raise NotImplementedError

    def second_frechet(self, node, kids):
        """L²_exp(X)[E, F]."""
        return Printed(self.second_frechet_text(node.function, *(k.text for k in kids)), ATOM)

    def second_kronecker_form(self, node, kids):
        """K²_exp(X, E)."""
        return Printed(self.second_kronecker_text(node.function, *(k.text for k in kids)), ATOM)

    def second_frechet_text(self, function: str, at: str, first: str, second: str) -> str:
        raise NotImplementedError

    def second_kronecker_text(self, function: str, at: str, direction: str) -> str:
        raise NotImplementedError

    def operation(self, node, kids):
        name = self.operator(node.spec)
        if "{}" in name:  # a template such as ‖{}‖₁
            return Printed(name.format(kids[0].text), ATOM)
        axis = getattr(node, "axis", None)
        if axis is not None:  # softmax(S, axis=1): which way the rows or columns go
            return Printed(self.call(name, f"{kids[0].text}{self.axis_text(axis)}"), ATOM)
        return self._op(name, kids)

    def axis_text(self, axis: int) -> str:
        return f", axis={axis}"

    def operator(self, spec) -> str:
        """The spec row's name of the operation in this printer's notation."""
        raise NotImplementedError

    def norm2(self, node, kids):
        return Printed(self.norm(kids[0].text, node.arg.cols != 1), ATOM)

    def kron(self, node, kids):
        # an identity next to ⊗ shows its size: Iₙ ⊗ A is not I ⊗ A for every n
        kids = [self._sized(a, k) for a, k in zip(node.args, kids)]
        # ⊗ is associative: (A ⊗ B) ⊗ C prints as A ⊗ B ⊗ C
        return Printed(self.kron_op.join(k.text if isinstance(a, Kron) else self.operand(k, MUL)
                                         for a, k in zip(node.args, kids)), MUL)

    def _sized(self, a, printed: Printed) -> Printed:
        if isinstance(a, Identity):
            return Printed(self.subscript(self.identity_glyph, a.rows), ATOM)
        return printed

    def vec(self, node, kids):
        return self._op(self.operator(node.spec), [self._sized(node.arg, kids[0])])

    def commutation(self, node, kids):
        return Printed(self.subscript("K", node.m, node.n), ATOM)

    def subscript(self, base: str, *dims) -> str:
        raise NotImplementedError


def _kind(node) -> str:
    """A "scalar", a "vector" (a row or a column) or a "matrix": how a power or an elementwise
    function of it is written."""
    return "scalar" if node.is_scalar else "vector" if 1 in node.shape else "matrix"


def split_name(name: str) -> tuple[str, str]:
    """``W1 -> ('W', '1')``, ``x_0 -> ('x', '0')``, ``lam -> ('lam', '')``."""
    m = _NAME.match(name)
    if m:
        return m.group(1), m.group(2)
    return name, ""


def _scalar_multiple(node) -> bool:
    """c·A for scalars c and an A that juxtaposition cannot split: none a quotient (xᵀ/c
    followed by x would read as xᵀ/(cx)), A no Hadamard or Kronecker product (−X ⊙ B
    followed by C would read as −X ⊙ (BC)); a sum is bracketed already: c(A + B)x."""
    arrays = [a for a in node.args if not a.is_scalar] if isinstance(node, Mul) else []
    return (len(arrays) == 1 and not isinstance(arrays[0], (Mul, Kron))
            and not any(isinstance(a, Pow) and a.exponent.is_negative for a in node.args))
