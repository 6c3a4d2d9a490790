"""The exception hierarchy: every error matcalc raises on purpose is a MatcalcError."""

from __future__ import annotations


class MatcalcError(Exception):
    """Base class of every error matcalc raises on purpose."""


class ShapeError(MatcalcError, ValueError):
    """An operation got operands whose shapes do not fit; the message names both."""


class UnsupportedError(MatcalcError, NotImplementedError):
    """A derivative or operation matcalc does not support (yet); the message says which."""


class NumericError(MatcalcError, ValueError):
    """Numeric evaluation got missing, mis-sized or out-of-domain arrays."""


class ParseError(MatcalcError, ValueError):
    """Text that does not parse: the message, the position, and the line with a caret."""

    def __init__(self, message: str, text: str, position: int):
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))
        line_start = text.rfind("\n", 0, self.position) + 1
        line_end = text.find("\n", self.position)
        self.line = text[line_start: line_end if line_end >= 0 else len(text)]
        self.column = self.position - line_start
        self.caret = " " * self.column + "^"
        super().__init__(f"{message}\n  {self.line}\n  {self.caret}")
