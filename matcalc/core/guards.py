"""One last guard on the public entry points: no RecursionError reaches a user.

Every walk over an expression is iterative, but a few rewrites recurse through the parts of
what they rewrite (a transpose through the factors of a long product nested inside another).
Expressions nested past what those can take end in a MatcalcError that says so, not in
Python's RecursionError.
"""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

from matcalc.core.errors import MatcalcError

F = TypeVar("F", bound=Callable)


def recursion_guarded(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            raise MatcalcError(
                f"{fn.__name__}: the expression nests too deeply to process (past Python's "
                "recursion limit); build long sums and products flat, with mc.add and "
                "mc.matmul") from None

    return wrapper  # type: ignore[return-value]
