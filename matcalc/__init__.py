"""matcalc: symbolic matrix calculus with layouts, compact results and numeric checks.

    >>> import matcalc as mc
    >>> n = mc.dims("n")
    >>> x, A = mc.vector("x", n), mc.matrix("A", n)
    >>> mc.diff(x.T @ A @ x, x)
    (A + A.T) @ x
"""

from .derive import Differentiation, diff, differentiate, gradient, hessian, jacobian
from .derivation import Derivation, Step
from .errors import MatcalcError, NumericError, ParseError, ShapeError, UnsupportedError
from .explain import derive
from .expr import Expr, Symbol
from .layout import LAYOUTS
from .numeric.check import CheckReport, check, check_hessian
from .interop import from_sympy, to_sympy
from .numeric.codegen import codegen
from .numeric.lambdify import lambdify
from .parsing import parse
from .ops import (
    abs, commutation, cos, det, diag, exp, eye, hadamard, inv, kron, log, logdet, logsumexp,
    matrix, norm2, ones, relu, scalar, sigmoid, sign, sin, softmax, softplus, sqrt, step, sum,
    tan, tanh, tr, vec, vector, zeros,
)  # fmt: skip
from .printing import to_latex as latex
from .printing import to_text as text
from .printing import to_unicode as unicode
from .rules.simplify import simplify
from .shapes import dims

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
