"""Rule records: the name a reader knows a rule by, and its identity in unicode and LaTeX.

Differential and pullback rules carry one each (``matcalc.rules``); derivations show the records
of the rules that fired.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A named rule: words a reader recognises, and its identity in unicode and LaTeX."""

    name: str
    formula: str = ""
    latex: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.formula}" if self.formula else self.name
