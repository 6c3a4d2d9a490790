"""Printers: Python text, LaTeX and unicode, each a dispatch table over node types.

Importing this package registers the printers with ``matcalc.core.render``, which is how an
expression's ``str``, ``_repr_latex_`` and ``__rich__`` reach them without importing upward.
"""

from matcalc.core.render import register
from matcalc.printing.latex import named_latex, to_latex
from matcalc.printing.text import to_text
from matcalc.printing.unicode import named_unicode, to_rich, to_unicode

register("text", to_text)
register("latex", to_latex)
register("rich", to_rich)


def latex_in_names(e) -> str:
    """``e``'s LaTeX in the names of its where block, without the block (a face that typesets
    the definitions itself, as MathML, puts them beside it)."""
    return named_latex(e).result


def where_json(e) -> list[dict[str, str]]:
    """The named parts of ``e`` for JSON: each name and definition in unicode and LaTeX."""
    plain, typeset = named_unicode(e), named_latex(e)
    return [{"name": name, "unicode": text, "latex_name": lname, "latex": ltext}
            for (name, text), (lname, ltext) in zip(plain.definitions, typeset.definitions)]

__all__ = ["to_latex", "to_text", "to_unicode", "to_rich", "where_json", "latex_in_names"]
