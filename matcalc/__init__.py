"""matcalc: symbolic matrix calculus with layouts, compact results and numeric checks.

    >>> import matcalc as mc
    >>> n = mc.dims("n")
    >>> x, A = mc.vector("x", n), mc.matrix("A", n)
    >>> mc.diff(x.T @ A @ x, x)
    (A + A.T) @ x

This module is the public API, re-exported from the layers below; it defines nothing.
"""

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
from matcalc.engine.derivation import Derivation, Step
from matcalc.engine.differentiation import Differentiation, differentiate
from matcalc.engine.diff import diff, gradient, hessian, jacobian
from matcalc.engine.layout import LAYOUTS, Layout
from matcalc.explain import derive
from matcalc.faces.parsing import parse
from matcalc.interop import from_sympy, to_sympy
from matcalc.numeric.check import CheckReport, check, check_hessian
from matcalc.numeric.codegen import codegen
from matcalc.numeric.lambdify import lambdify
from matcalc.printing import to_latex as latex
from matcalc.printing import to_text as text
from matcalc.printing import to_unicode as unicode
from matcalc.rules.simplify import simplify

__all__ = [
    "BroadcastWarning", "CheckReport", "Derivation", "Differentiation", "Expr", "LAYOUTS", "Layout", "MatcalcError", "MatcalcWarning",
    "NumericError", "ParseError", "ShapeError", "Step", "Symbol", "UnsupportedError", "check",
    "check_hessian", "codegen", "derive", "diff", "differentiate", "dims", "from_sympy",
    "gradient", "hessian", "jacobian", "lambdify", "latex", "parse", "simplify", "text",
    "to_sympy", "unicode", "__version__", *builders.__all__,
]  # fmt: skip
