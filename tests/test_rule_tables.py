"""Every node type has a rule in every table; a new node type without one fails here."""

import pytest

from matcalc.core.nodes import NODE_TYPES, Differential
from matcalc.core.walk import postorder
from matcalc.interop.to_sympy import TO_SYMPY
from matcalc.rules.differential import differential
from matcalc.rules.linear import linear_nodes
from matcalc.rules.read.index import INDEX
from matcalc.rules.read.jacobian import JACOBIAN
from matcalc.rules.read.vec import VEC
from matcalc.rules.simplify import simplify
from matcalc.numeric.codegen import RULE_TYPES as NUMPY
from matcalc.printing.latex import LatexPrinter
from matcalc.printing.text import TextPrinter
from matcalc.printing.unicode import UnicodePrinter
from matcalc.rules.differential import DIFFERENTIALS as DIFFERENTIAL
from matcalc.rules.pullback import PULLBACK
from matcalc.rules.simplify import CANONICAL as SIMPLIFY

TABLES = {
    "differential": DIFFERENTIAL, "simplify": SIMPLIFY,
    "numpy": set(NUMPY) | {t for t in NODE_TYPES if t.__name__ in ("Differential", "PendingDifferential", "Partial")},
    "text": TextPrinter().table(), "latex": LatexPrinter().table(),
    "unicode": UnicodePrinter().table(), "sympy": TO_SYMPY,
}


@pytest.mark.parametrize("name", TABLES)
def test_table_covers_every_node_type(name):
    missing = [t.__name__ for t in NODE_TYPES if t not in TABLES[name]]
    assert not missing, f"{name} has no rule for {missing}"


from tests.test_rules_numeric import EXAMPLES  # noqa: E402 - examples of every node type

READERS = {"pullback": PULLBACK, "jacobian": JACOBIAN, "vec": VEC, "index": INDEX}


def linear_node_types(examples) -> set[type]:
    """The node types a differential can be linear through, found by the differential table
    itself: the differential of every example by each of its variables, read for the nodes
    that depend on the differential (dX itself, a leaf every reader starts from, aside)."""
    found: set[type] = set()
    for _, f, variables in examples:
        for x in variables:
            df = differential(simplify(f), [x])
            if df is not None:
                linear = linear_nodes(df)
                found |= {type(n) for n in postorder(df) if linear[n]}
    return found - {Differential}


LINEAR = linear_node_types(EXAMPLES)


def missing_reader_entries(readers: dict, linear: set[type]) -> dict[str, list[str]]:
    missing = {name: sorted(t.__name__ for t in linear - set(table))
               for name, table in readers.items()}
    return {name: types for name, types in missing.items() if types}


def test_every_node_a_differential_is_linear_through_has_an_entry_in_every_reader():
    assert len(LINEAR) >= 10  # sums, products, transposes, traces, sums of entries, diagonals…
    assert not missing_reader_entries(READERS, LINEAR)


@pytest.mark.parametrize("reader", READERS)
def test_the_reader_coverage_check_fails_when_an_entry_is_removed(reader):
    for node_type in sorted(LINEAR, key=lambda t: t.__name__):
        reduced = {**READERS, reader: {k: v for k, v in READERS[reader].items()
                                       if k is not node_type}}
        assert missing_reader_entries(reduced, LINEAR) == {reader: [node_type.__name__]}
