"""Rule records: the name a reader knows a rule by, and its identity in unicode and LaTeX.

Differential and pullback rules carry one each (``matcalc.rules.records``); derivations show the
records of the rules that fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Rule:
    """A named rule: words a reader recognises, and its identity in unicode and LaTeX."""

    name: str
    formula: str = ""
    latex: str = ""
    #: the same rule in numerator-layout words (∂(Wx)/∂x = W), where they differ
    numerator: Optional["Rule"] = None

    def in_layout(self, numerator: bool) -> "Rule":
        return self.numerator if numerator and self.numerator is not None else self
    def __str__(self) -> str:
        return f"{self.name}: {self.formula}" if self.formula else self.name
