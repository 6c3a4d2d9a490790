"""Printers: Python text, LaTeX and unicode, each a dispatch table over node types."""

from matcalc.printing.latex import to_latex
from matcalc.printing.text import to_text
from matcalc.printing.unicode import to_unicode

__all__ = ["to_latex", "to_text", "to_unicode"]
