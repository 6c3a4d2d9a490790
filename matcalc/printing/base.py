"""The printer core: one precedence table, one dispatch table per printer, no recursion.

A printer turns each node into a :class:`Printed` (text and precedence) from its children's,
bottom-up over the DAG, so shared subexpressions are printed once and a 5,000-layer network
prints without recursion.  Subclasses supply the notation of each node type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import sympy

from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet, SecondKroneckerForm
from matcalc.core.nodes import (
    Commutation, Differential, Identity, Kron, NODE_TYPES, Partial, PendingDifferential, Symbol,
    Unary, Zero,
)  # fmt: skip
from matcalc.core.walk import fold
from matcalc.printing.decimals import Decimal10, decimal_form

# precedence: a child printed at a lower precedence than its context needs is parenthesised
ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Printed:
    text: str
    prec: int
    #: the negated term without its sign, where the node is negative (for ``a - b``)
    neg: Optional["Printed"] = None
    #: for a negative power, the positive power (for ``a / b``)
    recip: Optional["Printed"] = None
    #: for an inverse, its argument (for X^{-T})
    inv_arg: Optional["Printed"] = None


class Printer:
    plus = " + "
    minus = " - "
    lparen, rparen = "(", ")"

    def paren(self, p: Printed, above: int) -> str:
        """``p`` as an operand of an operator of precedence ``above``."""
        return p.text if p.prec > above else f"{self.lparen}{p.text}{self.rparen}"

    def operand(self, p: Printed, above: int) -> str:
        """``p`` after another operand: bracketed as ``paren`` does, and also when it starts
        with a minus sign (A ⊙ (−BC), 2(−AB), a − (−BC))."""
        return self.paren(p, NEG) if p.prec == NEG else self.paren(p, above)

    def paren_ge(self, p: Printed, at_least: int) -> str:
        return p.text if p.prec >= at_least else f"{self.lparen}{p.text}{self.rparen}"

    # -- driver --------------------------------------------------------------------------------
    def special(self) -> dict[type[Expr], Callable[[Expr, list[Printed]], Printed]]:
        """The nodes whose notation is the printer's own; every other one-argument node prints
        from its spec row (``operation``)."""
        return {
            Symbol: self.symbol, Differential: self.variable_differential, Const: self.const, Identity: self.identity,
            Ones: self.ones, Zero: self.zero, Add: self.add, Mul: self.mul, MatMul: self.matmul,
            Pow: self.pow, Func: self.func, Transpose: self.transpose, Kron: self.kron,
            Partial: self.partial, Commutation: self.commutation,
            PendingDifferential: self.pending_differential, Frechet: self.frechet,
            SecondFrechet: self.second_frechet, SecondKroneckerForm: self.second_kronecker_form,
        }  # fmt: skip

    def table(self) -> dict[type[Expr], Callable[[Expr, list[Printed]], Printed]]:
        rules = self.special()
        for cls in NODE_TYPES:
            if cls not in rules and issubclass(cls, Unary):
                rules[cls] = self.operation
        return rules

    def pending_differential(self, node: PendingDifferential, kids: list[Printed]) -> Printed:
        """d(e), an expression's differential not yet taken (in derivations)."""
        inner = self.print_node(node.of)
        return Printed(f"d{self.lparen}{inner.text}{self.rparen}", ATOM)

    def operation(self, node: Unary, kids: list[Printed]) -> Printed:
        """A one-argument node, as its spec row writes it."""
        raise NotImplementedError

    def frechet(self, node: Frechet, kids: list[Printed]) -> Printed:
        """L_f(X)[E], the Fréchet derivative of a matrix function."""
        raise NotImplementedError

    def second_frechet(self, node: SecondFrechet, kids: list[Printed]) -> Printed:
        """L²_f(X)[E, F], the second Fréchet derivative of a matrix function."""
        raise NotImplementedError

    def second_kronecker_form(self, node: SecondKroneckerForm, kids: list[Printed]) -> Printed:
        """K²_f(X, E), the Kronecker form of the second Fréchet derivative."""
        raise NotImplementedError

    def doprint(self, e: Expr) -> str:
        """The text of ``e``.  Its cost is not linear in the size of the DAG, for two reasons:
        the text is a tree, so a part used twice is written twice (a derivative's text can be
        exponentially longer than its DAG; naming shared parts once is the way out), and each
        node's string is built from its arguments' strings, so a chain nested k deep copies
        O(k²) characters (about 20 s at depth 10,000)."""
        table = self.table()
        return fold(e, lambda node, kids: table[type(node)](node, kids)).text

    # -- numbers -------------------------------------------------------------------------------
    def number(self, value: sympy.Expr) -> Printed:
        raise NotImplementedError

    #: the sign in front of a negative number
    number_minus = "-"

    def decimal_number(self, value: sympy.Expr) -> Optional[Printed]:
        """A rational a typed decimal becomes (1e-5, 0.05), printed as that decimal; None for
        any other number (:mod:`matcalc.printing.decimals`)."""
        form = decimal_form(value)
        if form is None:
            return None
        p = self.decimal_text(form)
        if value.is_negative:
            return Printed(self.number_minus + p.text, NEG, neg=p)
        return p

    def decimal_text(self, form: Decimal10) -> Printed:
        """A positive decimal: ``mantissa`` or ``mantissa`` × 10^``exponent``."""
        raise NotImplementedError

    def const(self, node: Const, kids) -> Printed:
        return self.number(node.value)

    # -- sums ----------------------------------------------------------------------------------
    def add_term(self, node: Expr, printed: Printed) -> Printed:
        """A number spread over a vector prints as the number (``1 - y``, as every text on
        neural networks writes it); over a matrix it keeps its 𝟏𝟏ᵀ, since on paper c + A
        reads as cI + A (``I - (1/n)𝟏𝟏ᵀ``, ``exp(W) - 𝟏𝟏ᵀ``), and a variable keeps its 𝟏
        (``x - (1/n) sum(x)𝟏``)."""
        if node.is_scalar or (node.rows != 1 and node.cols != 1):
            return printed
        if isinstance(node, Ones):
            return self.number(sympy.Integer(1))
        if (isinstance(node, Mul) and len(node.args) == 2 and isinstance(node.args[0], Const)
                and isinstance(node.args[1], Ones)):
            return self.number(node.args[0].value)
        return printed

    def add(self, node: Add, kids: list[Printed]) -> Printed:
        """Terms with a plus sign first, then those with a minus: ``x − μ``, ``I − (1/n)𝟏𝟏ᵀ``
        (the canonical order of the sum's terms is kept among each kind)."""
        terms = [self.add_term(term, p) for term, p in zip(node.args, kids)]
        terms = [p for p in terms if p.neg is None] + [p for p in terms if p.neg is not None]
        parts: list[str] = []
        for i, p in enumerate(terms):
            if i == 0:
                parts.append(p.text)
            elif p.neg is not None:
                parts.append(self.minus + self.operand(p.neg, ADD))
            else:
                parts.append(self.plus + self.paren(p, ADD - 1))
        return Printed("".join(parts), ADD)

    # -- shared helpers --------------------------------------------------------------------------
    @staticmethod
    def coefficient(node: Mul) -> Optional[sympy.Expr]:
        first = node.args[0]
        return first.value if isinstance(first, Const) else None

    def negative(self, value: sympy.Expr) -> bool:
        """-2 and -m (a dimension) print as subtractions in a sum."""
        return bool(value.could_extract_minus_sign())

    def print_node(self, e: Expr) -> Printed:
        table = self.table()
        return fold(e, lambda node, kids: table[type(node)](node, kids))
