"""The elementwise-function table: one entry per function.

The parser, the printers, the differentiation rules, the numpy evaluator and the numeric tests
all read this table, so adding a function is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from matcalc.core.expr import Const, Expr, Func, Mul, Pow, Zero, add, neg


@dataclass(frozen=True)
class ElementwiseFunction:
    name: str
    numpy: Callable[[np.ndarray], np.ndarray]
    #: f'(u) as an expression in u
    derivative: Callable[[Expr], Expr]
    latex: str
    unicode: str
    #: where finite-difference tests draw arguments: "real" or "positive"
    domain: str = "real"
    #: the identity the derivative rule implements, shown in docs and derivations
    identity: str = ""
    #: numpy source for generated code, with {} for the argument
    code: str = ""
    #: False for functions that only appear in derivatives
    public: bool = True


def _sigmoid(u: np.ndarray) -> np.ndarray:
    # exp(−softplus(−u)): no overflow, and full relative precision in both tails
    # (0.5·(1 + tanh(u/2)) rounds to 0 below u ≈ −37, so log σ(u) would be −inf)
    return np.exp(-np.logaddexp(0.0, -u))


def _f(name: str, u: Expr) -> Expr:
    return Func.new(name, u)


_TABLE = [
    # name, numpy callable, numpy source, derivative f'(u), LaTeX, unicode
    ElementwiseFunction("exp", np.exp, lambda u: _f("exp", u), r"\exp", "exp",
                        code="np.exp({})", identity="exp′(u) = exp(u)"),
    ElementwiseFunction("log", np.log, lambda u: Pow.new(u, -1), r"\log", "log",
                        code="np.log({})", domain="positive", identity="log′(u) = 1/u"),
    ElementwiseFunction("sin", np.sin, lambda u: _f("cos", u), r"\sin", "sin",
                        code="np.sin({})", identity="sin′(u) = cos(u)"),
    ElementwiseFunction("cos", np.cos, lambda u: neg(_f("sin", u)), r"\cos", "cos",
                        code="np.cos({})", identity="cos′(u) = −sin(u)"),
    ElementwiseFunction("tan", np.tan, lambda u: add(1, Pow.new(_f("tan", u), 2)), r"\tan", "tan",
                        code="np.tan({})", identity="tan′(u) = 1 + tan²(u)"),
    ElementwiseFunction("tanh", np.tanh, lambda u: add(1, neg(Pow.new(_f("tanh", u), 2))),
                        r"\tanh", "tanh", code="np.tanh({})", identity="tanh′(u) = 1 − tanh²(u)"),
    ElementwiseFunction("sigmoid", _sigmoid,
                        lambda u: Mul.new(_f("sigmoid", u), add(1, neg(_f("sigmoid", u)))),
                        r"\sigma", "σ", code="np.exp(-np.logaddexp(0.0, -{}))",
                        identity="σ′(u) = σ(u) ⊙ (1 − σ(u))"),
    ElementwiseFunction("relu", lambda u: np.maximum(u, 0.0), lambda u: _f("step", u),
                        r"\operatorname{relu}", "relu", code="np.maximum({}, 0.0)",
                        identity="relu′(u) = step(u)"),
    ElementwiseFunction("softplus", lambda u: np.logaddexp(0.0, u), lambda u: _f("sigmoid", u),
                        r"\operatorname{softplus}", "softplus", code="np.logaddexp(0.0, {})",
                        identity="softplus′(u) = σ(u)"),
    ElementwiseFunction("abs", np.abs, lambda u: _f("sign", u), r"\operatorname{abs}", "abs",
                        code="np.abs({})", identity="abs′(u) = sign(u) (u ≠ 0)"),
    ElementwiseFunction("sqrt", np.sqrt,
                        lambda u: Mul.new(Const.new(sympy_half()), Pow.new(_f("sqrt", u), -1)),
                        r"\sqrt", "√", code="np.sqrt({})", domain="positive",
                        identity="√′(u) = 1/(2√u)"),
    ElementwiseFunction("sign", np.sign, lambda u: Zero.new(u.shape), r"\operatorname{sign}",
                        "sign", code="np.sign({})", identity="sign′(u) = 0 (u ≠ 0)"),
    ElementwiseFunction("step", lambda u: (u > 0).astype(float), lambda u: Zero.new(u.shape),
                        r"\operatorname{step}", "step", code="np.greater({}, 0).astype(float)",
                        identity="step′(u) = 0 (u ≠ 0)"),
]  # fmt: skip


def sympy_half():
    import sympy

    return sympy.Rational(1, 2)


FUNCTIONS: dict[str, ElementwiseFunction] = {f.name: f for f in _TABLE}
