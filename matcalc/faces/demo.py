"""The quick-start derivation: README's main job (backprop through a 2-layer network, step by
step, checked against finite differences), then the same gradient in every layout, in LaTeX and
in Python.  Run it with ``matcalc demo``."""

from __future__ import annotations

from rich.console import Console

from matcalc.core import builders as mc
from matcalc.core.shapes import dims
from matcalc.engine.diff import diff
from matcalc.engine.layout import LAYOUTS
from matcalc.numeric.check import check
from matcalc.printing import to_latex, to_unicode


#: README's main job: ``matcalc demo`` runs it first, so both tell the same derivation
MAIN_JOB = ["diff", "norm2(W2*tanh(W1*x) - t)^2", "--wrt", "W1", "--steps", "--check"]


def main(console: Console | None = None) -> int:
    """The main job's gradient in every layout, each checked, then its LaTeX and Python."""
    console = console or Console()
    n, m, p = dims("n m p")
    x, t = mc.vector("x", n), mc.vector("t", p)
    W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", p, m)
    L = mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2

    console.print("\n[bold]In every layout[/bold]")
    ok = True
    for layout in LAYOUTS:
        g = diff(L, W1, layout)
        report = check(L, W1, layout)
        ok &= report.ok
        mark = "[green]✓ check ok[/green]" if report.ok else "[red]✗ check FAILED[/red]"
        text = to_unicode(g).replace("\n", "\n" + " " * 15)  # the where block under it
        console.print(f"  {layout:<12} ∂L/∂W₁ = {text}", markup=False, highlight=False)
        console.print(f"  {'':<12} {mark}: max rel. error {report.max_rel_error:.1e} "
                      f"at {', '.join(f'{k}={v}' for k, v in report.sizes.items())}, "
                      f"seed {report.seed}")
    console.print("\n[bold]LaTeX[/bold]")
    console.print(to_latex(diff(L, W1)), markup=False, highlight=False)
    console.print("\n[bold]Python[/bold]")
    console.print(str(diff(L, W1)), markup=False, highlight=False)
    return 0 if ok else 1
