"""matcalc: symbolic matrix calculus with layouts, compact results and numeric checks.

    >>> import matcalc as mc
    >>> n = mc.dims("n")
    >>> x, A = mc.vector("x", n), mc.matrix("A", n)
    >>> mc.diff(x.T @ A @ x, x)
    (A + A.T) @ x
"""

from matcalc.engine.differentiation import Differentiation, diff, differentiate, gradient, hessian, jacobian
from matcalc.engine.derivation import Derivation, Step
from matcalc.core.errors import MatcalcError, NumericError, ParseError, ShapeError, UnsupportedError
from matcalc.explain import derive
from matcalc.core.expr import Expr, Symbol
from matcalc.engine.layout import LAYOUTS
from matcalc.numeric.check import CheckReport, check, check_hessian
from matcalc.interop.sympy import from_sympy, to_sympy
from matcalc.numeric.codegen import codegen
from matcalc.numeric.lambdify import lambdify
from matcalc.faces.parsing import parse
from matcalc.core.builders import (
    abs, commutation, cos, det, diag, exp, eye, hadamard, inv, kron, log, logdet, logsumexp,
    matrix, norm2, ones, relu, scalar, sigmoid, sign, sin, softmax, softplus, sqrt, step, sum,
    tan, tanh, tr, vec, vector, zeros,
)  # fmt: skip
from matcalc.printing import to_latex as latex
from matcalc.printing import to_text as text
from matcalc.printing import to_unicode as unicode
from matcalc.rules.simplify import simplify
from matcalc.core.shapes import dims

__version__ = "0.1.0"

__all__ = [
    "CheckReport", "Derivation", "Differentiation", "ParseError", "Step", "derive", "parse", "Expr", "LAYOUTS", "MatcalcError", "NumericError",
    "ShapeError", "Symbol", "UnsupportedError", "abs", "check", "check_hessian", "codegen", "commutation", "cos", "det", "diag", "diff",
    "differentiate", "dims", "from_sympy", "to_sympy", "exp", "eye", "gradient", "hadamard", "hessian", "inv", "jacobian", "kron",
    "lambdify", "latex", "log", "logdet", "logsumexp", "matrix", "norm2", "ones", "relu",
    "scalar", "sigmoid", "sign", "simplify", "sin", "softmax", "softplus", "sqrt", "step", "sum",
    "tan",
    "tanh", "text", "tr", "unicode", "vec", "vector", "zeros",
]  # fmt: skip
