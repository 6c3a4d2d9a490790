"""The text syntax: a tokenizer, a Pratt parser and shape inference; never eval."""

from matcalc.faces.parsing.build import parse

__all__ = ["parse"]
