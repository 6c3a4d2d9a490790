"""matcalc: symbolic matrix calculus with layouts, compact results and numeric checks.

    >>> import matcalc as mc
    >>> n = mc.dims("n")
    >>> x, A = mc.vector("x", n), mc.matrix("A", n)
    >>> mc.diff(x.T @ A @ x, x)
    (A + A.T) @ x

This module is the public API, re-exported from the layers below; it defines nothing.
"""

from importlib import import_module

from matcalc.core import builders
from matcalc.core.builders import *  # noqa: F403 - the builders made from the tables
from matcalc.core.errors import (
    BroadcastWarning, MatcalcError, MatcalcWarning, NumericError, ParseError, ShapeError,
    UnsupportedError,
)  # fmt: skip
from matcalc.core.expr import Expr
from matcalc.core.nodes import Symbol
from matcalc.core.shapes import dims
from matcalc.core.version import __version__

#: the rest of the API, imported on first use (``mc.diff`` loads the engine, ``mc.latex`` the
#: printers, ``mc.check`` numpy's numeric layer): ``import matcalc`` costs little beyond SymPy
_LAZY = {
    "Derivation": ("matcalc.engine.derivation", "Derivation"),
    "Step": ("matcalc.engine.derivation", "Step"),
    "Differentiation": ("matcalc.engine.differentiation", "Differentiation"),
    "differentiate": ("matcalc.engine.differentiation", "differentiate"),
    **{name: ("matcalc.engine.diff", name) for name in ("diff", "gradient", "hessian", "jacobian")},
    "LAYOUTS": ("matcalc.engine.layout", "LAYOUTS"),
    "Layout": ("matcalc.engine.layout", "Layout"),
    "derive": ("matcalc.explain", "derive"),
    "parse": ("matcalc.faces.parsing", "parse"),
    "from_sympy": ("matcalc.interop", "from_sympy"),
    "to_sympy": ("matcalc.interop", "to_sympy"),
    **{name: ("matcalc.numeric.check", name) for name in ("CheckReport", "check",
                                                           "check_hessian")},
    "codegen": ("matcalc.numeric.codegen", "codegen"),
    "lambdify": ("matcalc.numeric.lambdify", "lambdify"),
    "latex": ("matcalc.printing", "to_latex"),
    "text": ("matcalc.printing", "to_text"),
    "unicode": ("matcalc.printing", "to_unicode"),
    "simplify": ("matcalc.rules.simplify", "simplify"),
}


def __getattr__(name: str):
    """A lazily imported part of the API, imported once and then kept (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'matcalc' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BroadcastWarning", "Expr", "MatcalcError", "MatcalcWarning", "NumericError", "ParseError",
    "ShapeError", "Symbol", "UnsupportedError", "dims", "__version__", *sorted(_LAZY),
    *builders.__all__,
]  # fmt: skip
