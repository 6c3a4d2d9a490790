"""The names of the derivative layouts (denominator, numerator, mixed).

What each layout means, per kind of derivative, is ``engine.layout``'s table; this module only
names them, without importing SymPy or numpy, so that the CLI can offer them as choices before
it loads the engine.
"""

from __future__ import annotations

from enum import Enum


class Layout(str, Enum):
    """The arrangement of a derivative; equal to its name, so ``layout="numerator"`` works."""

    DENOMINATOR = "denominator"
    NUMERATOR = "numerator"
    MIXED = "mixed"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


LAYOUTS = tuple(layout.value for layout in Layout)
