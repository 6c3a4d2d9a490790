"""matcalc: symbolic matrix calculus with layouts, compact results and numeric checks.

    >>> import matcalc as mc
    >>> n = mc.dims("n")
    >>> x, A = mc.vector("x", n), mc.matrix("A", n)
    >>> mc.diff(x.T @ A @ x, x)
    (A + A.T) @ x

This module is the public API, re-exported from the layers below; it defines nothing.
"""

from importlib import import_module

from matcalc.core.errors import (  # noqa: F401 - the public API (__all__ is made on demand)
    BroadcastWarning, MatcalcError, MatcalcWarning, NumericError, ParseError, ShapeError,
    UnsupportedError,
)  # fmt: skip
from matcalc.core.version import __version__  # noqa: F401 - the public API

#: the API, imported on first use: ``mc.vector`` loads SymPy and the core, ``mc.diff`` the
#: engine, ``mc.latex`` the printers, ``mc.check`` numpy's numeric layer; ``import matcalc``
#: itself loads none of them (a CLI's --help or a notebook's first cell does not wait for
#: SymPy).  The builders (``mc.tanh``, ``mc.tr``) are found in the table-made module.
_LAZY = {
    "Expr": ("matcalc.core.expr", "Expr"),
    "Symbol": ("matcalc.core.nodes", "Symbol"),
    "dims": ("matcalc.core.shapes", "dims"),
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


_EAGER = ["BroadcastWarning", "MatcalcError", "MatcalcWarning", "NumericError", "ParseError",
          "ShapeError", "UnsupportedError", "__version__"]


def _builders() -> list[str]:
    return import_module("matcalc.core.builders").__all__


def __getattr__(name: str):
    """A lazily imported part of the API, imported once and then kept (PEP 562)."""
    if name == "__all__":  # ``from matcalc import *``: every public name, the builders too
        return [*_EAGER, *sorted(_LAZY), *_builders()]
    if name in _LAZY:
        module, attribute = _LAZY[name]
    elif not name.startswith("__") and name in _builders():
        module, attribute = "matcalc.core.builders", name
    else:
        raise AttributeError(f"module 'matcalc' has no attribute {name!r}")
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_builders()))
