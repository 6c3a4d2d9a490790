"""Rendering derivations: one LaTeX ``aligned`` block, plain text, and a rich table.

A derivation here is any value with ``steps`` (each with ``rule``, ``lhs`` and ``after``),
``wrt`` and ``layout``: ``matcalc.engine.derivation.Derivation``, which sits above.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.table import Table

from matcalc.core.rule import Rule
from matcalc.printing.latex import to_latex
from matcalc.printing.unicode import to_unicode


def _latex_rule(rule: Rule) -> str:
    words = rule.name.replace("\\", "").replace("{", "").replace("}", "")
    words = words.replace("↔", r"$\leftrightarrow$")
    text = rf"\text{{{words}}}"
    if rule.latex:
        text += rf"\text{{: }} {rule.latex}"
    return text


def _same_lhs(a: Any, b: Any) -> bool:
    return a.lhs is b.lhs


def derivation_latex(d: Any) -> str:
    lines = []
    previous = None
    for step in d.steps:
        lhs = "" if previous is not None and _same_lhs(previous, step) else to_latex(step.lhs, where=False)
        lines.append(rf"{lhs} &= {to_latex(step.after, where=False)} && {_latex_rule(step.rule)}")
        previous = step
    body = " \\\\\n".join(lines)
    return "\\begin{aligned}\n" + body + "\n\\end{aligned}"


def derivation_text(d: Any) -> str:
    rows = []
    previous = None
    for step in d.steps:
        lhs = "" if previous is not None and _same_lhs(previous, step) else to_unicode(step.lhs, where=False)
        rows.append((lhs, to_unicode(step.after, where=False), str(step.rule)))
        previous = step
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"{lhs:>{width}} = {rhs}    [{rule}]" for lhs, rhs, rule in rows)


def derivation_table(d: Any, spell: Callable[[str], str] = str) -> Table:
    """The steps as a rich table; ``spell`` rewrites each cell's text (an ASCII terminal gets
    it spelled in ASCII before the table measures its columns)."""
    table = Table(title=spell(f"∂ by {to_unicode(d.wrt, where=False)}, {d.layout} layout"), show_lines=False)
    table.add_column("", justify="right", style="bold")
    table.add_column("", justify="left")
    table.add_column("rule", style="dim")
    previous = None
    for step in d.steps:
        lhs = "" if previous is not None and _same_lhs(previous, step) else to_unicode(step.lhs, where=False)
        table.add_row(spell(lhs), spell(f"= {to_unicode(step.after, where=False)}"), spell(str(step.rule)))
        previous = step
    return table
