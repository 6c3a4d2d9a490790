"""Dimension variables for the parser: union-find over the sizes a text leaves unknown."""

from __future__ import annotations

from typing import Any

import sympy

from matcalc.core.shapes import ONE


class Dims:
    """Union-find over dimension variables; a class may be bound to a value (a SymPy dimension
    or the integer 1) or to the product of two classes (a Kronecker product's size)."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.value: list[Any] = []
        self.not_one: list[bool] = []
        self.label: list[str] = []

    def new(self, value: Any = None, label: str = "", not_one: bool = False) -> int:
        self.parent.append(len(self.parent))
        self.value.append(value)
        self.not_one.append(not_one)
        self.label.append(label)
        return len(self.parent) - 1

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def is_one(self, i: int) -> bool:
        v = self.value[self.find(i)]
        return isinstance(v, sympy.Expr) and v == ONE

    def can_unify(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        va, vb = self.value[a], self.value[b]
        if (self.not_one[a] and vb == ONE) or (self.not_one[b] and va == ONE):
            return False
        if va is None or vb is None:
            return True
        if isinstance(va, tuple) and isinstance(vb, tuple):
            pa, pb = self.product_value(va), self.product_value(vb)
            if pa is not None and pb is not None:  # known sizes: mn = nm
                return sympy.expand(pa - pb) == 0
            return self.can_unify(va[0], vb[0]) and self.can_unify(va[1], vb[1])
        if isinstance(va, tuple) or isinstance(vb, tuple):
            # a Kronecker size against a known dimension: equal once both factors are known
            known = self.product_value(va) if isinstance(va, tuple) else va
            other = self.product_value(vb) if isinstance(vb, tuple) else vb
            return known is not None and other is not None and sympy.expand(known - other) == 0
        return va == vb

    def product_value(self, pair: tuple[int, int]) -> Any:
        values = []
        for i in pair:
            v = self.value[self.find(i)]
            v = self.product_value(v) if isinstance(v, tuple) else v
            if v is None:
                return None
            values.append(v)
        return values[0] * values[1]

    def occurs(self, i: int, value: Any) -> bool:
        """Whether the class of i is a factor of the product ``value``, at any depth: binding it
        to that product would make a size a multiple of itself (A = A ⊗ B)."""
        target = self.find(i)
        stack = [value]
        while stack:
            v = stack.pop()
            if not isinstance(v, tuple):
                continue
            for factor in v:
                f = self.find(factor)
                if f == target:
                    return True
                stack.append(self.value[f])
        return False

    def unify(self, i: int, j: int) -> bool:
        if not self.can_unify(i, j):
            return False
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        if self.occurs(a, self.value[b]) or self.occurs(b, self.value[a]):
            return False
        va, vb = self.value[a], self.value[b]
        if isinstance(va, tuple) and isinstance(vb, tuple) and (
                self.product_value(va) is None or self.product_value(vb) is None):
            self.unify(va[0], vb[0])
            self.unify(va[1], vb[1])
        self.parent[b] = a
        if isinstance(va, tuple) and vb is not None and not isinstance(vb, tuple):
            va = vb  # keep the known dimension, equal to the product
        self.value[a] = va if va is not None else vb
        self.not_one[a] = self.not_one[a] or self.not_one[b]
        self.label[a] = self.label[a] or self.label[b]
        return True

    def known(self, i: int) -> bool:
        """Whether the size is known (a value, or a product of known sizes), not left open."""
        v = self.value[self.find(i)]
        return v is not None and (not isinstance(v, tuple) or self.product_value(v) is not None)

    def words(self, shape: tuple[int, int]) -> str:
        """A shape in the user's terms: m×n where both sizes are known (given, or read from a
        call such as ones(n)), otherwise its kind; sizes the text leaves open have no name a
        user wrote, so none is made up for them."""
        rows, cols = shape
        if self.is_one(rows) and self.is_one(cols):
            return "a scalar"
        if self.known(rows) and self.known(cols):
            return f"{self.describe(rows)}×{self.describe(cols)}"
        return ("a vector" if self.is_one(cols) else "a row vector" if self.is_one(rows)
                else "a matrix")

    def describe(self, i: int) -> str:
        a = self.find(i)
        v = self.value[a]
        if isinstance(v, tuple):
            return f"{self.describe(v[0])}·{self.describe(v[1])}"
        if v is not None:
            return str(v)
        return self.label[a] or "?"


Shape = tuple[int, int]
