"""The exception hierarchy: every error matcalc raises on purpose is a MatcalcError."""

from __future__ import annotations

import sys
import unicodedata
import warnings


class MatcalcError(Exception):
    """Base class of every error matcalc raises on purpose."""


class ShapeError(MatcalcError, ValueError):
    """An operation got operands whose shapes do not fit; the message names both."""


class UnsupportedError(MatcalcError, NotImplementedError):
    """A derivative or operation matcalc does not support (yet); the message says which."""


class NumericError(MatcalcError, ValueError):
    """Numeric evaluation got missing, mis-sized or out-of-domain arrays."""


class MatcalcWarning(UserWarning):
    """Base class of matcalc's warnings: text that parses but may not mean what it says."""


class BroadcastWarning(MatcalcWarning):
    """A non-constant scalar added to an array in text (``x'*A*x + x``): numpy spreads it over
    every entry, but it is more often a typo; the message shows how to write it explicitly."""


def warn(warning: MatcalcWarning) -> None:
    """Issue ``warning`` at the caller's line outside matcalc (not at matcalc's own)."""
    frame, level = sys._getframe(1), 2  # stacklevel 1 is this function
    while frame is not None and frame.f_globals.get("__name__", "").startswith("matcalc."):
        frame, level = frame.f_back, level + 1
    warnings.warn(warning, stacklevel=level)


class ParseError(MatcalcError, ValueError):
    """Text that does not parse: the message, the position, and the line with a caret.

    ``str(error)`` is the one way an error is shown, by the Python API and the command alike:
    the message, then the line of the text, then a caret under the spot."""

    def __init__(self, message: str, text: str, position: int):
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))
        line_start = text.rfind("\n", 0, self.position) + 1
        line_end = text.find("\n", self.position)
        self.line = text[line_start: line_end if line_end >= 0 else len(text)]
        self.column = self.position - line_start
        self.caret = _under(self.line[:self.column]) + "^"
        super().__init__(f"{message}\n  {self.line}\n  {self.caret}")


class UndeclaredNameError(ParseError):
    """A name whose kind (scalar, vector, matrix) the text cannot tell: the cure is to declare
    it, which ``how`` says in the words of the caller (symbols= for the API, --var for the
    command)."""

    def __init__(self, name: str, text: str, position: int, how: str = "pass it in symbols="):
        self.name = name
        super().__init__(f"cannot tell the kind of {name!r} (a–g: scalar, h–z: vector, A–Z: "
                         f"matrix); {how}", text, position)

    def declared_with(self, how: str) -> "UndeclaredNameError":
        """The same error with other advice."""
        return UndeclaredNameError(self.name, self.text, self.position, how)


def _under(prefix: str) -> str:
    """Blanks as wide as ``prefix`` on a terminal: a tab stays a tab, a wide character (CJK,
    most emoji) takes two columns and a combining mark none, so the caret meets its spot."""
    out = []
    for ch in prefix:
        if ch == "\t":
            out.append("\t")
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        else:
            out.append("  " if unicodedata.east_asian_width(ch) in ("W", "F") else " ")
    return "".join(out)
