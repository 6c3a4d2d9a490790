"""The general derivation: the differential, the identification, the layout."""

from __future__ import annotations

from matcalc.engine.derivation import STEP_RULES, Derivation, Step
from matcalc.engine.differentiation import Differentiation
from matcalc.core.expr import Add, Expr, Func, MatMul, Mul, Transpose
from matcalc.core.nodes import Delta, Kron, Partial, Symbol
from matcalc.engine.layout import TRANSPOSED, Case


def _differential_rule(f: Expr):
    """The rule of the outermost operation: d(A + B) = dA + dB, d(AB) = dA B + A dB, …"""
    if isinstance(f, Add):
        return STEP_RULES["linearity"]
    if isinstance(f, (Mul, MatMul, Kron)):
        return STEP_RULES["product"]
    if isinstance(f, Func):
        return STEP_RULES["activation"]
    return STEP_RULES["differential"]


def forward_derivation(d: Differentiation) -> Derivation:
    x = d.wrt
    f_name = "f" if d.f.is_scalar else ("y" if d.f.cols == 1 else "F")
    lhs_f = Symbol.new(f_name, d.f.shape)
    steps = [Step(STEP_RULES["function"], lhs_f, d.f)]
    if d.canonical is not d.f:
        steps.append(Step(STEP_RULES["simplify"], lhs_f, d.canonical))
    df = Delta.new(lhs_f)
    steps.append(Step(_differential_rule(d.canonical), df, d.differential, part=d.canonical))
    transposed = TRANSPOSED[d.case][d.layout]
    if d.case is Case.VEC:  # the natural form is J = d vec F/d vec Xᵀ, whatever the layout
        natural_lhs = Partial.new(f_name, x.name, d.natural.shape, vec=True)
        result_lhs = Transpose.new(natural_lhs) if transposed else natural_lhs
    else:
        result_lhs = Partial.new(f_name, x.name, d.result.shape)
        # every line an equation in the layout's notation: (∂y/∂x)ᵀ = J, then ∂y/∂x = Jᵀ
        natural_lhs = Transpose.new(result_lhs) if transposed else result_lhs
    rule = STEP_RULES["scalar_wrt"] if d.case in (Case.VECTOR_BY_SCALAR, Case.MATRIX_BY_SCALAR,
                                             Case.SCALAR_BY_SCALAR) else (
        STEP_RULES["identify_vec"] if d.case is Case.VEC else STEP_RULES["identify"])
    steps.append(Step(rule, natural_lhs, d.natural, part=d.differential))
    if transposed:
        steps.append(Step(STEP_RULES["transpose_layout"], result_lhs, d.result, before=d.natural))
    elif d.result is not d.natural:
        steps.append(Step(STEP_RULES["simplify"], natural_lhs, d.result))
    return Derivation(d.f, x, d.layout, tuple(steps), d.result)
