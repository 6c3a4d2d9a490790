"""Named shared subexpressions: a result printed with each repeated part named once.

A derivative's DAG shares its parts (tanh(W₁x) in the forward value and in the local
derivative 1 − tanh(W₁x)²), but printed text is a tree, so a shared part is written at every
place it is used: a k-layer network's gradient grows exponentially on paper while its DAG grows
linearly.  Here every non-trivial subexpression that the printed tree would show more than once
is given a name (t₁, t₂, … in the order they are defined, each defined from earlier names only)
and the result is written in those names, the way matrixcalculus.org and textbooks write a
``where`` block.  The printed size is then linear in the size of the DAG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from matcalc.core.expr import Expr, Transpose
from matcalc.core.nodes import Symbol
from matcalc.core.walk import postorder
from matcalc.printing.base import ATOM, Printed, Printer

#: a part is named only if written out (in unicode) it is at least this long: tanh(W₁x) is
#: named, x − a or W₁x is clearer written out than as a name to look up
MIN_CHARS = 9
#: the same for a part shown three times or more: tanh(Vx) three times is worth a name
MIN_CHARS_OFTEN = 6
#: a part of more nodes than this is long enough without printing it to measure
_SURELY_LONG = 40
#: the letters a name may take, first unused one wins (a user's own t keeps its meaning)
LETTERS = "tuspqrzabc"
_CAP = 1 << 62


@dataclass(frozen=True)
class Named:
    """A result in names: ``result`` uses the names; ``definitions`` lists (name, text) in
    the order of definition, each using only earlier names."""

    result: str
    definitions: tuple[tuple[str, str], ...]


def min_chars(shown: int) -> int:
    """How long a part shown ``shown`` times must be to be named."""
    return MIN_CHARS if shown <= 2 else MIN_CHARS_OFTEN


def shared_parts(e: Expr, text_of: Callable[[Expr], str]) -> list[Expr]:
    """The parts to name (see :func:`shared_counts`), children before parents."""
    return list(shared_counts(e, text_of))


def shared_counts(e: Expr, text_of: Callable[[Expr], str]) -> dict[Expr, int]:
    """The subexpressions of ``e`` to name, children before parents.

    Counts, from the root down, how often the printed tree shows each distinct node: a named
    node is shown once however often it is used, so its children count once per use inside it.
    A node shown at least twice whose text (``text_of``, written out) has at least
    :data:`MIN_CHARS` characters (:data:`MIN_CHARS_OFTEN` if shown three times or more) is
    named, with how often it is shown; a transpose never is (its argument is, and is
    printed t₁ᵀ), nor a function of a symbol (softmax(x) reads better than its name)."""
    order = postorder(e)
    size: dict[Expr, int] = {}
    height: dict[Expr, int] = {}
    for node in order:
        if node in size:
            continue
        size[node] = min(_CAP, 1 + sum(size[c] for c in node.args))
        height[node] = 1 + max((height[c] for c in node.args), default=0)
    shown: dict[Expr, int] = dict.fromkeys(size, 0)
    shown[e] = 1
    named: dict[Expr, int] = {}
    for node in sorted(size, key=height.__getitem__, reverse=True):  # parents before children
        count = shown[node]
        if count >= 2 and size[node] > 2 and not isinstance(node, Transpose) and (
                size[node] > _SURELY_LONG or len(text_of(node)) >= min_chars(count)):
            named[node] = count
            count = 1
        for child in node.args:
            shown[child] = min(_CAP, shown[child] + count)
    parts: dict[Expr, int] = {}
    for node in order:
        if node in named and node not in parts:
            parts[node] = named[node]
    return parts


def name_letter(e: Expr) -> str:
    """The first letter of :data:`LETTERS` that no symbol of ``e`` uses as its stem."""
    stems = {re.sub(r"_?\d+$", "", n.name) for n in postorder(e) if isinstance(n, Symbol)}
    for letter in LETTERS:
        if letter not in stems:
            return letter
    return "tmp"


def _written(printer: Printer, e: Expr, candidates: list[Expr], keep) -> tuple[Named, list]:
    """One pass over ``e``: each candidate that ``keep(candidate, its text in names)`` accepts
    is named (in the order of definition), the others are written out where they are used."""
    table = printer.table()
    letter = name_letter(e) if candidates else "t"
    candidate = set(candidates)
    written: dict[Expr, Printed] = {}
    definitions, kept = [], []
    for node in postorder(e):
        if node in written:
            continue
        printed = table[type(node)](node, [written[c] for c in node.args])
        if node in candidate and keep(node, printed.text):
            name = Printed(printer.name(f"{letter}{len(kept) + 1}"), ATOM)
            definitions.append((name.text, printed.text))
            kept.append(node)
            printed = name
        written[node] = printed
    return Named(written[e].text, tuple(definitions)), kept


def print_named(printer: Printer, e: Expr, decider: Printer) -> Named:
    """``e`` printed by ``printer`` with its shared parts named.  The parts are chosen by the
    unicode ``decider``, so the LaTeX and the unicode of a result name the same parts: each
    part shown more than once (:func:`shared_parts`) whose definition, written in the names
    before it, still has :data:`MIN_CHARS` characters (t₂⁻¹ is clearer than a name for it)."""
    candidates = shared_counts(e, decider.doprint)
    named, kept = _written(decider, e, list(candidates),
                           lambda node, text: len(text) >= min_chars(candidates[node]))
    if kept and _short_written_out(e, named, decider):
        named, kept = Named(decider.doprint(e), ()), []
    if printer is decider:
        return named
    chosen = set(kept)
    return _written(printer, e, kept, lambda node, text: node in chosen)[0]


#: a result this long written out is read at a glance: a where block only if it is shorter
SHORT_RESULT = 40


def _short_written_out(e: Expr, named: Named, decider: Printer) -> bool:
    """Whether ``e`` written out is short and no longer than in names with its where block:
    −(A + X)⁻ᵀ(A + X)⁻ᵀ, not −t₁ᵀt₁ᵀ where t₁ = (A + X)⁻¹."""
    sizes: dict[Expr, int] = {}
    for node in postorder(e):  # the written-out tree's size, to skip printing a huge one
        sizes[node] = min(_CAP, 1 + sum(sizes[c] for c in node.args))
    if sizes[e] > _SURELY_LONG:
        return False
    written = decider.doprint(e)
    in_names = len(where_unicode(named))
    return len(written) <= SHORT_RESULT and len(written) <= in_names


def where_unicode(named: Named) -> str:
    """The result, then a ``where`` block with one definition a line."""
    if not named.definitions:
        return named.result
    lines = [named.result, "where"]
    lines += [f"  {name} = {text}" for name, text in named.definitions]
    return "\n".join(lines)


def where_latex(named: Named) -> str:
    """The result over a top-aligned block of definitions (KaTeX and MathJax render it inline
    too, so ``\\frac{∂f}{∂x} = …`` keeps its equals sign on the result's line)."""
    if not named.definitions:
        return named.result
    rows = r" \\ ".join(f"{name} &= {text}" for name, text in named.definitions)
    return (rf"\begin{{aligned}}[t] &{named.result} \\ &\text{{where}}\quad "
            rf"\begin{{aligned}}[t] {rows} \end{{aligned}} \end{{aligned}}")

