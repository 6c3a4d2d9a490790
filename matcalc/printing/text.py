"""Plain text in Python syntax: ``(A + A.T) @ x``.

The text is exact: building it in Python with the same symbols gives back the same expression.
"""

from __future__ import annotations

import sympy

from matcalc.core.guards import recursion_guarded
from matcalc.core.expr import Const, Expr, Mul, Pow
from matcalc.core.shapes import ONE
from matcalc.core.walk import postorder
from matcalc.printing.base import ATOM, MUL, NEG, POW, Printed, Printer
from matcalc.printing.decimals import Decimal10


def _dim(d) -> str:
    return str(d)


class TextPrinter(Printer):
    #: write a Hadamard product of square matrices as hadamard(A, B): in text with no other
    #: Python mark (@, .T, **), A * B would read as the matrix product
    marked = False

    def decimal_text(self, form: Decimal10) -> Printed:
        if form.exponent is None:
            return Printed(form.mantissa, ATOM)
        return Printed(f"{form.mantissa}e{form.exponent:+03d}", ATOM)  # as Python writes 1e-05

    def number(self, value: sympy.Expr) -> Printed:
        decimal = self.decimal_number(value)
        if decimal is not None:
            return decimal
        if value.is_Integer:
            p = Printed(str(value), NEG if value < 0 else ATOM)
        elif value.is_Rational:
            p = Printed(f"{value.p}/{value.q}", NEG if value < 0 else MUL)
        elif value.is_Atom:
            p = Printed(str(value), ATOM)
        else:
            p = Printed(f"({value})", ATOM)
        if self.negative(value):
            return Printed(p.text, max(p.prec, NEG) if p.prec == ATOM else p.prec,
                           neg=self.number(-value))
        return p

    def symbol(self, node, kids):
        return Printed(node.name, ATOM)

    def variable_differential(self, node, kids):
        return Printed(f"d{node.var.name}", ATOM)

    def partial(self, node, kids):
        via = f"_via_{node.via}" if node.via else ""
        vec = "vec" if node.vec else ""
        return Printed(f"d{vec}{node.of}_d{vec}{node.by}{via}", ATOM)

    def identity(self, node, kids):
        return Printed(f"eye({_dim(node.rows)})", ATOM)

    def _filled(self, name, node):
        if node.cols == ONE:
            return Printed(f"{name}({_dim(node.rows)})", ATOM)
        return Printed(f"{name}({_dim(node.rows)}, {_dim(node.cols)})", ATOM)

    def ones(self, node, kids):
        return self._filled("ones", node)

    def zero(self, node, kids):
        return self._filled("zeros", node)

    def _mul_text(self, node: Mul, kids: list[Printed], coef) -> Printed:
        rest = [p for i, (f, p) in enumerate(zip(node.args, kids))
                if not (i == 0 and isinstance(f, Const))]
        if len(rest) == 1 and rest[0].recip is None and coef in (None, 1):
            return rest[0]  # the negated term of a sum: a - b @ c, not a - (b @ c)
        nums: list[str] = []
        dens: list[str] = []
        squares: list[Printed] = []
        for i, (f, p) in enumerate(zip(node.args, kids)):
            if i == 0 and isinstance(f, Const):
                continue  # the coefficient, printed in front below
            if p.recip is not None:
                dens.append(self.paren(p.recip, MUL))
            elif self.marked and not f.is_scalar and f.rows == f.cols:
                squares.append(p)
            else:
                nums.append(self.paren(p, NEG))
        if len(squares) > 1:  # A ⊙ B of square matrices, where * could read as A @ B
            nums.append(f"hadamard({', '.join(q.text for q in squares)})")
        else:
            nums += [self.paren(q, NEG) for q in squares]
        sign = ""
        if coef is not None and coef != 1:
            if coef == -1:
                sign = "-"
            else:
                nums.insert(0, self.number(coef).text)
        body = " * ".join(nums) if nums else "1"
        body += "".join(f" / {d}" for d in dens)
        single = len(nums) == 1 and not dens and not (coef is not None and coef not in (1, -1))
        return Printed(sign + body, NEG if sign and single else MUL)

    def mul(self, node: Mul, kids):
        coef = self.coefficient(node)
        p = self._mul_text(node, kids, coef)
        if coef is not None and self.negative(coef):
            return Printed(p.text, p.prec, neg=self._mul_text(node, kids, -coef))
        return p

    def matmul(self, node, kids):
        return Printed(" @ ".join(self.paren(k, NEG) for k in kids), MUL)

    def pow(self, node: Pow, kids):
        base = self.paren(kids[0], POW)
        k = node.exponent
        decimal = self.decimal_number(k)  # c**0.1 as typed, not c**(1/10)
        exp = (str(k) if k.is_Integer else decimal.text if decimal is not None and k > 0
               else f"({decimal.text if decimal is not None else k})")
        if k == -1:  # a division: `1 / x`, and `a / x` inside a product, parse back the same
            return Printed(f"1 / {self.paren(kids[0], MUL)}", MUL, recip=kids[0])
        return Printed(f"{base}**{exp}", POW)

    def func(self, node, kids):
        return Printed(f"{node.name}({kids[0].text})", ATOM)

    def transpose(self, node, kids):
        return Printed(f"{self.paren_ge(kids[0], ATOM)}.T", ATOM)

    def _call(self, name, kids):
        return Printed(f"{name}({', '.join(k.text for k in kids)})", ATOM)

    def operation(self, node, kids):
        axis = getattr(node, "axis", None)
        if axis is not None:  # softmax(S, axis=1), as numpy and the text syntax write it
            return Printed(f"{node.spec.call}({kids[0].text}, axis={axis})", ATOM)
        return self._call(node.spec.call, kids)

    def kron(self, node, kids):
        return self._call("kron", kids)

    def frechet(self, node, kids):
        """expm_frechet(X, E), as scipy.linalg names it; the text syntax reads it back."""
        return self._call(f"{node.matrix_function.spec.call}_frechet", kids)

    def second_frechet(self, node, kids):
        """expm_frechet2(X, E, F), the second Fréchet derivative; the text syntax reads it back."""
        return self._call(f"{node.matrix_function.spec.call}_frechet2", kids)

    def second_kronecker_form(self, node, kids):
        """expm_kron2(X, E), the Kronecker form of the second Fréchet derivative."""
        return self._call(f"{node.matrix_function.spec.call}_kron2", kids)

    def commutation(self, node, kids):
        return Printed(f"commutation({_dim(node.m)}, {_dim(node.n)})", ATOM)


_PRINTER = TextPrinter()


class MarkedTextPrinter(TextPrinter):
    marked = True


_MARKED = MarkedTextPrinter()
_PYTHON_MARKS = ("@", ".T", "**")


@recursion_guarded
def to_text(e: Expr) -> str:
    """Python syntax that parses back to e (``mc.parse``); a Hadamard product of square
    matrices is written hadamard(A, B) where nothing else marks the text as Python."""
    text = _PRINTER.doprint(e)
    if any(mark in text for mark in _PYTHON_MARKS) or not _has_square_hadamard(e):
        return text
    return _MARKED.doprint(e)


def _has_square_hadamard(e: Expr) -> bool:
    return any(isinstance(n, Mul) and sum(1 for f in n.args if not f.is_scalar
                                          and f.rows == f.cols) > 1 for n in postorder(e))


