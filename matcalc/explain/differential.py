"""The general derivation: the differential taken rule by rule, the identification, the layout.

df starts as d(f) and is expanded level by level: each d(e) not yet taken is replaced by what
the differential rule of e's node gives, with d(·) of its arguments (dX for the variable, 0 for
a constant), and the step is labelled with the records of the rules that fired.  Then the
derivative is read off (df = ⟨G, dX⟩ gives G, dy = J dx gives J, ...) and arranged in the layout.
"""

from __future__ import annotations

from matcalc.core.expr import Expr, Func, Transpose
from matcalc.core.nodes import Differential, PendingDifferential, Partial, Symbol
from matcalc.core.rule import Rule
from matcalc.core.walk import fold, postorder
from matcalc.engine.derivation import STEP_RULES, Derivation, Step
from matcalc.engine.differentiation import Differentiation
from matcalc.engine.layout import TRANSPOSED, Case
from matcalc.rules.differential import DIFFERENTIALS, record_of
from matcalc.rules.pullback import gradients_of
from matcalc.rules.records import (
    AS_DIFFERENTIAL, COPY, PULL_ADD, PULL_MUL, PULL_SUM, combine, function_record,
)  # fmt: skip
from matcalc.rules.simplify import is_zero, substitute, zero

GATHERING = (PULL_ADD, COPY, PULL_MUL, PULL_SUM)

#: what a derivation calls the function, by its kind: the first name f's own symbols leave free
NAMES = {"scalar": ("f", "g", "L"), "vector": ("y", "z", "o"), "matrix": ("F", "Y", "G")}

#: past this many levels the differential is shown at once (a derivation stays readable)
MAX_LEVELS = 24


def expand_differential(f: Expr, x: Symbol) -> list[tuple[Expr, Rule]]:
    """df for canonical f, one level of rules at a time: [(df so far, the rules that fired)]."""
    depends: dict[Expr, bool] = {}
    fold(f, lambda n, a: n is x or any(a), depends)

    def d_of(e: Expr):
        if e is x:
            return Differential.new(x)
        return PendingDifferential.new(e) if depends.get(e) else None

    current = d_of(f)
    if current is None:
        return []
    levels: list[tuple[Expr, Rule]] = []
    while True:
        pending = [n for n in postorder(current) if isinstance(n, PendingDifferential)]
        if not pending:
            return levels
        mapping, fired = {}, []
        for node in pending:
            e = node.of
            d = [d_of(a) for a in e.args]
            out = DIFFERENTIALS[type(e)].apply(e, d)
            mapping[node] = zero(e.shape) if out is None else out
            record = (function_record(e.name, "differential") if isinstance(e, Func)
                      else record_of(e, d))
            if record is not None:
                fired.append(AS_DIFFERENTIAL.get(record, record))
        current = substitute(current, mapping)
        levels.append((current, combine(fired)))


def differential_name(f: Expr) -> str:
    """What the differential's derivation calls the function: f, y or F by its kind, or the
    next name of ``NAMES`` that f's own symbols leave free."""
    taken = {s.name for s in f.free_symbols()}
    choices = NAMES["scalar" if f.is_scalar else "vector" if f.cols == 1 else "matrix"]
    return next((nm for nm in choices if nm not in taken), choices[0] + "_")


def differential_derivation(d: Differentiation) -> Derivation:
    x = d.wrt
    f_name = differential_name(d.f)
    lhs_f = Symbol.new(f_name, d.f.shape)
    steps = [Step(STEP_RULES["function"], lhs_f, d.f)]
    if d.canonical is not d.f:
        steps.append(Step(STEP_RULES["simplify"], lhs_f, d.canonical))
    df = Differential.new(lhs_f)
    levels = expand_differential(d.canonical, x)
    if not levels:
        steps.append(Step(STEP_RULES["zero"], df, d.differential))
    elif len(levels) > MAX_LEVELS:
        steps.append(Step(STEP_RULES["differential"], df, d.differential, part=d.canonical))
    else:
        steps.append(Step(STEP_RULES["take_differential"], df, PendingDifferential.new(d.canonical)))
        for after, rule in levels:
            steps.append(Step(rule, df, after))
        if levels[-1][0] is not d.differential:
            steps.append(Step(STEP_RULES["simplify"], df, d.differential))
    transposed = TRANSPOSED[d.case][d.layout]
    if d.case is Case.VEC:  # the natural form is J = d vec F/d vec Xᵀ, whatever the layout
        natural_lhs = Partial.new(f_name, x.name, d.natural.shape, vec=True)
        result_lhs = Transpose.new(natural_lhs) if transposed else natural_lhs
    else:
        result_lhs = Partial.new(f_name, x.name, d.result.shape)
        # every line an equation in the layout's notation: (∂y/∂x)ᵀ = J, then ∂y/∂x = Jᵀ
        natural_lhs = Transpose.new(result_lhs) if transposed else result_lhs
    if levels:
        steps.append(Step(_identification(d), natural_lhs, d.natural, part=d.differential))
    if transposed:
        steps.append(Step(STEP_RULES["transpose_layout"], result_lhs, d.result, before=d.natural))
    elif d.result is not d.natural:
        steps.append(Step(STEP_RULES["simplify"], natural_lhs, d.result))
    return Derivation(d.f, x, d.layout, tuple(steps), d.result)


def _identification(d: Differentiation) -> Rule:
    """How the derivative is read off df; for a gradient, with the moves that bring dX to the
    right of ⟨G, ·⟩ (the pullback rules that fired)."""
    if d.case in (Case.VECTOR_BY_SCALAR, Case.MATRIX_BY_SCALAR, Case.SCALAR_BY_SCALAR):
        return STEP_RULES["scalar_wrt"]
    if d.case is Case.VEC:
        return STEP_RULES["identify_vec"]
    if d.case is not Case.SCALAR_BY_ARRAY:
        return STEP_RULES["identify"]
    fired: list = []
    if not is_zero(d.differential):  # df = 0 moves nothing
        gradients_of(d.differential, [Differential.new(d.wrt)], fired)
    # the moves that bring dX to the right; sums, copies and scaling only gather terms
    moves = sorted({r for _, r in fired if r not in GATHERING}, key=lambda r: r.name)
    base = STEP_RULES["identify_gradient"]
    if not moves:
        return base
    return Rule(base.name, base.formula + ", moving dX to the right by "
                + "; ".join(f"{r.name} ({r.formula})" for r in moves),
                base.latex + r",\ " + r";\ ".join(r.latex for r in moves if r.latex))
