"""Printers: Python text, LaTeX and unicode, each a dispatch table over node types."""

from .latex import to_latex
from .text import to_text
from .unicode import to_unicode

__all__ = ["to_latex", "to_text", "to_unicode"]
