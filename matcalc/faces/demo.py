"""The quick-start derivation: backprop through a 2-layer network, every stage, in every layout,
checked against finite differences.  Run it with ``python -m matcalc demo``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from matcalc.core import builders as mc
from matcalc.core.shapes import dims
from matcalc.engine.diff import diff
from matcalc.engine.differentiation import Differentiation, differentiate
from matcalc.engine.layout import LAYOUTS
from matcalc.numeric.check import check
from matcalc.printing import to_latex, to_unicode


def stages_table(d: Differentiation) -> Table:
    """The stages of one derivative as a table: expression, differential, identification."""
    x = to_unicode(d.wrt)
    table = Table(title=f"∂L/∂{x}, {d.layout} layout", show_lines=True)
    table.add_column("step", style="bold")
    table.add_column("rule")
    table.add_column("result")
    rows = [("the function", f"L = {to_unicode(d.f)}")]
    if d.canonical is not d.f:
        rows.append(("canonical form", f"L = {to_unicode(d.canonical)}"))
    rows += [
        ("differential (product, chain and elementwise rules)",
         f"dL = {to_unicode(d.differential)}"),
        (f"identification: dL = ⟨G, d{x}⟩ = tr(Gᵀ d{x})", f"G = {to_unicode(d.natural)}"),
        (f"{d.layout} layout ({d.case.value})", f"∂L/∂{x} = {to_unicode(d.result)}"),
    ]
    for i, (rule, result) in enumerate(rows, 1):
        table.add_row(str(i), rule, result)
    return table


def main(console: Console | None = None) -> int:
    console = console or Console()
    n, m, p = dims("n m p")
    x, t = mc.vector("x", n), mc.vector("t", p)
    W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", p, m)
    L = mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2

    console.print("[bold]matcalc[/bold]: the gradient of a 2-layer network's squared error\n")
    console.print(f"  L = {to_unicode(L)}    x ∈ ℝⁿ, W₁ ∈ ℝ^(m×n), W₂ ∈ ℝ^(p×m), t ∈ ℝᵖ\n")
    console.print(stages_table(differentiate(L, W1)))
    console.print("\n[bold]In every layout[/bold]")
    ok = True
    for layout in LAYOUTS:
        g = diff(L, W1, layout)
        report = check(L, W1, layout)
        ok &= report.ok
        mark = "[green]✓ check ok[/green]" if report.ok else "[red]✗ check FAILED[/red]"
        console.print(f"  {layout:<12} ∂L/∂W₁ = {to_unicode(g)}")
        console.print(f"  {'':<12} {mark}: max rel. error {report.max_rel_error:.1e} "
                      f"at {', '.join(f'{k}={v}' for k, v in report.sizes.items())}, "
                      f"seed {report.seed}")
    console.print("\n[bold]LaTeX[/bold]")
    console.print(to_latex(diff(L, W1)), markup=False, highlight=False)
    console.print("\n[bold]Python[/bold]")
    console.print(str(diff(L, W1)), markup=False, highlight=False)
    return 0 if ok else 1
