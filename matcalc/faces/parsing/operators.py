"""Binary operators in text: sums, products and quotients, read as chains.

``a + b - c + …`` and ``A*B*C*…`` are left-deep in the syntax tree; they are read along the
chain, not by recursion, and built as one n-ary node, so a sum of 100,000 terms costs time in
proportion to its length (building it pair by pair copies the terms so far at every step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from matcalc.core.errors import BroadcastWarning, MatcalcError, ParseError, warn
from matcalc.core.shapes import fmt_shape
from matcalc.core.expr import Expr, add_all, div, matmul_all, mul_all, neg
from matcalc.faces.parsing.dims import Shape
from matcalc.faces.parsing.grammar import BinOp, Call, Name, names_in
from matcalc.faces.parsing.numbers import scalar_product

ADDITIVE = ("+", "-")
MULTIPLICATIVE = ("*", ".*", "/", "./", "@")
POWERS = ("^", "**", ".^")
#: the steps that collect into one n-ary node, and the node they make
N_ARY: dict[str, Callable[[list[Expr]], Expr]] = {"+": add_all, "@": matmul_all, ".*": mul_all}


@dataclass
class Typed:
    """A node's inferred shape, and how to build it once dimensions are resolved."""

    shape: Shape
    build: Any  # callable(resolver) -> Expr


class Operators:
    """The operator part of the builder (``Builder`` supplies visit, error, dims, …)."""

    def binop(self, node: BinOp) -> Typed:
        if node.op in POWERS:
            return self.power(node)
        family = ADDITIVE if node.op in ADDITIVE else MULTIPLICATIVE
        spine = []
        n = node
        while isinstance(n, BinOp) and n.op in family:
            spine.append(n)
            n = n.left
        spine.reverse()
        first = self.visit(n)
        shape = first.shape
        steps = []
        for b in spine:
            right = self.visit(b.right)
            shape, kind = self.combine(b, shape, right.shape)
            steps.append((b, kind, right.build))
        return Typed(shape, self.chain(first.build, steps))

    def combine(self, node: BinOp, left: Shape, right: Shape) -> tuple[Shape, str]:
        """The shape of ``left op right`` and the step that builds it: "+", "-", "@", ".*",
        "/" (elementwise), "s*" or "s/" (one side a scalar); or a ParseError."""
        op = node.op
        ls, rs = self.is_scalar(left), self.is_scalar(right)
        if op in ADDITIVE:
            if not (ls or rs) and not self.unify_shapes(left, right):
                raise self.error(
                    f"shape conflict: {self.src(node.left)} is {self.fmt(left)} but "
                    f"{self.src(node.right)} is {self.fmt(right)}", node.pos)
            self.sums.append((node, left, right))  # a broadcast is told once shapes are known
            return (left if rs else right if ls else left), op
        if op in ("*", ".*", "/", "./") and (ls or rs):
            shape = right if ls else left
            if op in ("*", ".*"):
                return shape, "s*"
            if not rs and op == "/" and self.syntax == "matcalc":
                raise self.error(
                    f"cannot divide the scalar {self.src(node.left)} by the array "
                    f"{self.src(node.right)}; use ./ for an elementwise division", node.pos)
            return shape, "s/"
        if op == "*":
            op = self.resolve_star(node, left, right)
        if op == "@":
            if not self.dims.unify(left[1], right[0]):
                raise self.error(
                    f"cannot multiply {self.src(node.left)} ({self.fmt(left)}) by "
                    f"{self.src(node.right)} ({self.fmt(right)}): the inner dimensions "
                    f"differ ({self.dims.describe(left[1])} against "
                    f"{self.dims.describe(right[0])})", node.pos)
            return (left[0], right[1]), "@"
        if op == "/" and self.syntax == "matcalc":
            raise self.error(f"{self.src(node.right)} is not a scalar; use ./ for an "
                             "elementwise division", node.pos)
        if not self.unify_shapes(left, right):
            raise self.error(
                f"elementwise {op} needs equal shapes: {self.src(node.left)} is "
                f"{self.fmt(left)} but {self.src(node.right)} is {self.fmt(right)}",
                node.pos)
        return left, (".*" if op in ("*", ".*") else "/")

    def warn_broadcasts(self, resolve: Callable[[int], Any]) -> None:
        """A BroadcastWarning for each scalar with a name that is not a dimension added to an
        array, with the explicit form: numbers spread over an array (``1 - y``) are idiom, a
        variable spread over one (``x'*A*x + x``) is more often a typo."""
        for at, left, right in self.sums:
            dims = [[resolve(d) for d in shape] for shape in (left, right)]
            scalar = [d == [1, 1] for d in dims]
            if scalar[0] == scalar[1]:
                continue
            node, array = (at.left, dims[1]) if scalar[0] else (at.right, dims[0])
            if all(n.name in self.dimension_names for n in names_in(node)):
                continue
            what = self.src(node)
            spread = what if isinstance(node, (Name, Call)) else f"({what})"
            kind = "vector" if 1 in array else "matrix"
            size = ", ".join(str(d) for d in array if d != 1)
            warn(BroadcastWarning(
                f"the scalar {what} is added to (or subtracted from) a {kind} "
                f"({fmt_shape(tuple(array))}) at "
                f"position {at.pos}: it is spread over every entry; if that is meant, write "
                f"{spread}*ones({size}), otherwise check the expression for a typo"))

    def chain(self, first: Any, steps: list) -> Callable:
        """Build a chain left to right, a run of sums, matrix or elementwise products as one
        node; an error is reported at the operator where it happened."""

        def build(r):
            value, kind, parts, at = first(r), None, [], None
            for node, step, build_right in steps:
                try:
                    right = build_right(r)
                    collect = "+" if step == "-" else step
                    if collect in N_ARY:
                        if kind != collect:
                            value = self.flush(kind, parts, value, at)
                            kind, parts = collect, [value]
                        parts.append(neg(right) if step == "-" else right)
                        at = node
                        continue
                    value = self.flush(kind, parts, value, at)
                    kind, parts = None, []
                    value = (scalar_product(value, right, step[1]) if step[0] == "s"
                             else div(value, right))
                except ParseError:
                    raise
                except MatcalcError as e:
                    raise self.error(str(e), node.pos) from None
            return self.flush(kind, parts, value, at)

        return build

    def flush(self, kind: str | None, parts: list[Expr], value: Expr, at: BinOp | None) -> Expr:
        if kind is None:
            return value
        try:
            return N_ARY[kind](parts)
        except ParseError:
            raise
        except MatcalcError as e:
            raise self.error(str(e), at.pos) from None

    def resolve_star(self, node: BinOp, left: Shape, right: Shape) -> str:
        """``*`` between two arrays: "@" (matrix product) or ".*" (elementwise)."""
        if self.syntax == "python":
            return ".*"
        if self.syntax == "matcalc":
            return "@"
        if self.dims.can_unify(left[1], right[0]):
            return "@"
        if self.dims.can_unify(left[0], right[0]) and self.dims.can_unify(left[1], right[1]):
            return ".*"
        raise self.error(
            f"cannot multiply {self.src(node.left)} ({self.fmt(left)}) by "
            f"{self.src(node.right)} ({self.fmt(right)}): neither a matrix product nor "
            "an elementwise product fits these shapes", node.pos)
