"""Every node type has a rule in every table; a new node type without one fails here."""

import pytest

from matcalc.core.expr import Add, MatMul, Mul, Transpose
from matcalc.core.nodes import NODE_TYPES, Diag, DiagPart, Kron, Sum, Trace, Vec
from matcalc.numeric.codegen import RULE_TYPES as NUMPY
from matcalc.printing.latex import LatexPrinter
from matcalc.printing.text import TextPrinter
from matcalc.printing.unicode import UnicodePrinter
from matcalc.rules.differential import DIFFERENTIALS as DIFFERENTIAL
from matcalc.rules.pullback import PULLBACK
from matcalc.rules.simplify import CANONICAL as SIMPLIFY

TABLES = {
    "differential": DIFFERENTIAL, "simplify": SIMPLIFY,
    "numpy": set(NUMPY) | {t for t in NODE_TYPES if t.__name__ in ("Delta", "Partial")},
    "text": TextPrinter().table(), "latex": LatexPrinter().table(),
    "unicode": UnicodePrinter().table(),
}


@pytest.mark.parametrize("name", TABLES)
def test_table_covers_every_node_type(name):
    missing = [t.__name__ for t in NODE_TYPES if t not in TABLES[name]]
    assert not missing, f"{name} has no rule for {missing}"


def test_every_node_a_differential_is_linear_through_has_a_cotangent_rule():
    assert set(PULLBACK) == {Add, Mul, MatMul, Transpose, Trace, Sum, Diag, DiagPart, Kron, Vec}
