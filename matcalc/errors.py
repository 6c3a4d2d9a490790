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
