"""The elementwise-function table: one entry per function, the only home of its facts.

An entry gives the derivative, numpy and generated code, LaTeX and unicode, the parser's names,
the SymPy counterpart both ways, the domain (where the numeric tests draw arguments) and the
range (what the code generator may assume).  Making the entry registers it; the public builder
(``mc.tanh``), the parser, the printers, the differential rule, SymPy interop, constant
folding, codegen and the property tests all read the table.  Adding a function is one entry.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import sympy
from sympy.codegen.cfunctions import expm1 as sympy_expm1
from sympy.codegen.cfunctions import log1p as sympy_log1p

from matcalc.core.expr import Const, Func, Mul, Pow, add, neg
from matcalc.core.nodes import Zero
from matcalc.core.spec import (  # noqa: F401 - FUNCTIONS is the table, re-exported
    FUNCTIONS, NONNEGATIVE, POSITIVE, REAL, ElementwiseFunction, Interval,
)

F = ElementwiseFunction
HALF_PI = math.pi / 2
OPEN_UNIT = Interval(-1.0, 1.0)
CLOSED_UNIT = Interval(-1.0, 1.0, closed_low=True, closed_high=True)


def _numpy(name: str) -> Callable[..., Any]:
    """numpy's function ``name``, imported on its first call: ``import matcalc`` does not
    import numpy (start-up), and the table's numeric functions are only called later."""
    def call(*args: Any) -> Any:
        import numpy

        return getattr(numpy, name)(*args)

    call.__name__ = name
    return call


def _f(name: str, u):
    return Func.new(name, u)


def _reciprocal_sqrt(u):
    return Pow.new(u, sympy.Rational(-1, 2))


def _erf(u: Any) -> Any:
    import scipy.special  # on first use: importing scipy costs a quarter of a second

    return scipy.special.erf(u)


def _sigmoid(u: Any) -> Any:
    # exp(−softplus(−u)): no overflow, and full relative precision in both tails
    # (0.5·(1 + tanh(u/2)) rounds to 0 below u ≈ −37, so log σ(u) would be −inf)
    return _numpy("exp")(-_numpy("logaddexp")(0.0, -u))


F("exp", lambda u: _f("exp", u), "exp′(u) = exp(u)", _numpy("exp"), "np.exp({})", r"\exp", "exp",
  sympy.exp, sympy.exp, range=POSITIVE)
F("log", lambda u: Pow.new(u, -1), "log′(u) = 1/u", _numpy("log"), "np.log({})", r"\log", "log",
  sympy.log, sympy.log, domain=POSITIVE)
F("sin", lambda u: _f("cos", u), "sin′(u) = cos(u)", _numpy("sin"), "np.sin({})", r"\sin", "sin",
  sympy.sin, sympy.sin, range=CLOSED_UNIT)
F("cos", lambda u: neg(_f("sin", u)), "cos′(u) = −sin(u)", _numpy("cos"), "np.cos({})", r"\cos", "cos",
  sympy.cos, sympy.cos, range=CLOSED_UNIT)
F("tan", lambda u: add(1, Pow.new(_f("tan", u), 2)), "tan′(u) = 1 + tan²(u)", _numpy("tan"),
  "np.tan({})", r"\tan", "tan", sympy.tan, sympy.tan, domain=Interval(-HALF_PI, HALF_PI))
F("tanh", lambda u: add(1, neg(Pow.new(_f("tanh", u), 2))), "tanh′(u) = 1 − tanh²(u)", _numpy("tanh"),
  "np.tanh({})", r"\tanh", "tanh", sympy.tanh, sympy.tanh, range=OPEN_UNIT)
F("sigmoid", lambda u: Mul.new(_f("sigmoid", u), add(1, neg(_f("sigmoid", u)))),
  "σ′(u) = σ(u) ⊙ (1 − σ(u))", _sigmoid, "np.exp(-np.logaddexp(0.0, -{}))", r"\sigma", "σ",
  lambda u: 1 / (1 + sympy.exp(-u)), range=Interval(0.0, 1.0))
F("relu", lambda u: _f("step", u), "relu′(u) = step(u)", lambda u: _numpy("maximum")(u, 0.0),
  "np.maximum({}, 0.0)", r"\operatorname{relu}", "relu", lambda u: sympy.Max(0, u),
  range=NONNEGATIVE)
F("softplus", lambda u: _f("sigmoid", u), "softplus′(u) = σ(u)", lambda u: _numpy("logaddexp")(0.0, u),
  "np.logaddexp(0.0, {})", r"\operatorname{softplus}", "softplus",
  lambda u: sympy.log(1 + sympy.exp(u)), range=POSITIVE)
F("abs", lambda u: _f("sign", u), "abs′(u) = sign(u) (u ≠ 0)", _numpy("abs"), "np.abs({})",
  r"\left\lvert {} \right\rvert", "|{}|", sympy.Abs, sympy.Abs, range=NONNEGATIVE)
F("sqrt", lambda u: Mul.new(Const.new(sympy.Rational(1, 2)), Pow.new(_f("sqrt", u), -1)),
  "√′(u) = 1/(2√u)", _numpy("sqrt"), "np.sqrt({})", r"\sqrt{{{}}}", "√({})", sympy.sqrt, domain=POSITIVE,
  range=NONNEGATIVE)
F("sign", lambda u: Zero.new(u.shape), "sign′(u) = 0 (u ≠ 0)", _numpy("sign"), "np.sign({})",
  r"\operatorname{sign}", "sign", sympy.sign, sympy.sign, range=CLOSED_UNIT)
F("step", lambda u: Zero.new(u.shape), "step′(u) = 0 (u ≠ 0)", lambda u: (u > 0).astype(float),
  "np.greater({}, 0).astype(float)", r"\operatorname{step}", "step",
  lambda u: sympy.Heaviside(u, 0), range=Interval(0.0, 1.0, True, True))
F("arcsin", lambda u: _reciprocal_sqrt(add(1, neg(Pow.new(u, 2)))), "arcsin′(u) = 1/√(1 − u²)",
  _numpy("arcsin"), "np.arcsin({})", r"\arcsin", "arcsin", sympy.asin, sympy.asin, domain=OPEN_UNIT,
  range=Interval(-HALF_PI, HALF_PI, True, True), aliases=("asin",))
F("arccos", lambda u: neg(_reciprocal_sqrt(add(1, neg(Pow.new(u, 2))))),
  "arccos′(u) = −1/√(1 − u²)", _numpy("arccos"), "np.arccos({})", r"\arccos", "arccos", sympy.acos,
  sympy.acos, domain=OPEN_UNIT, range=Interval(0.0, math.pi, True, True), aliases=("acos",))
F("arctan", lambda u: Pow.new(add(1, Pow.new(u, 2)), -1), "arctan′(u) = 1/(1 + u²)", _numpy("arctan"),
  "np.arctan({})", r"\arctan", "arctan", sympy.atan, sympy.atan,
  range=Interval(-HALF_PI, HALF_PI), aliases=("atan",))
F("sinh", lambda u: _f("cosh", u), "sinh′(u) = cosh(u)", _numpy("sinh"), "np.sinh({})", r"\sinh",
  "sinh", sympy.sinh, sympy.sinh)
F("cosh", lambda u: _f("sinh", u), "cosh′(u) = sinh(u)", _numpy("cosh"), "np.cosh({})", r"\cosh",
  "cosh", sympy.cosh, sympy.cosh, range=Interval(1.0, closed_low=True))
F("arcsinh", lambda u: _reciprocal_sqrt(add(1, Pow.new(u, 2))), "arcsinh′(u) = 1/√(1 + u²)",
  _numpy("arcsinh"), "np.arcsinh({})", r"\operatorname{arcsinh}", "arcsinh", sympy.asinh, sympy.asinh,
  aliases=("asinh",))
F("log1p", lambda u: Pow.new(add(1, u), -1), "log1p′(u) = 1/(1 + u)", _numpy("log1p"),
  "np.log1p({})", r"\operatorname{log1p}", "log1p", sympy_log1p, sympy_log1p,
  domain=Interval(-1.0))
F("expm1", lambda u: _f("exp", u), "expm1′(u) = exp(u)", _numpy("expm1"), "np.expm1({})",
  r"\operatorname{expm1}", "expm1", sympy_expm1, sympy_expm1, range=Interval(-1.0))
F("erf", lambda u: Mul.new(Const.new(2 / sympy.sqrt(sympy.pi)), _f("exp", neg(Pow.new(u, 2)))),
  "erf′(u) = (2/√π) exp(−u²)", _erf, "scipy.special.erf({})",
  r"\operatorname{erf}", "erf", sympy.erf, sympy.erf, range=OPEN_UNIT,
  imports=("scipy.special",))
