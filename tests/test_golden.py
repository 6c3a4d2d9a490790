"""Golden LaTeX and terminal snapshots of derivations, named after the identity they show.

They change only on purpose: ``python -m pytest tests/test_golden.py --regen-golden``.
"""

import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.derivation_cases import CASES, derivation

GOLDEN = Path(__file__).parent / "golden"


def terminal(d) -> str:
    buf = io.StringIO()
    Console(file=buf, width=140, color_system=None, legacy_windows=False).print(d)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("kind", ["tex", "txt"])
def test_derivation_matches_its_snapshot(name, kind, regen_golden):
    d = derivation(name)
    text = d.latex() + "\n" if kind == "tex" else terminal(d)
    path = GOLDEN / f"{name}.{kind}"
    if regen_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}; run with --regen-golden to create it"
    assert text == path.read_text(), f"{path.name} changed; if on purpose, --regen-golden"


def test_there_are_at_least_twelve_snapshots():
    assert len({p.stem for p in GOLDEN.glob("*.tex")}) >= 12
