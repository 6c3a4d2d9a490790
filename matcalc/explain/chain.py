"""The vectored chain rule for a composition o = Fₖ(⋯F₂(F₁(x))) of vector functions.

Each layer (a product W h, an activation Φ(u), or a whole layer Φ(W h)) gets its local
derivative from the engine in the requested layout; the chain rule multiplies them in the
layout's order: ∂o/∂x = ∂h₁/∂x ∂h₂/∂h₁ ⋯ ∂o/∂hₖ₋₁ in denominator layout, the reverse in
numerator layout.  A final step states the other layout's result, its transpose.
"""

from __future__ import annotations

from typing import Optional

from matcalc.engine.derivation import STEP_RULES, Derivation, Step
from matcalc.engine.differentiation import Differentiation, differentiate
from matcalc.core.expr import Expr, Func, MatMul, Transpose
from matcalc.core.nodes import Partial, Symbol
from matcalc.engine.layout import Case, Layout, arrange, other_layout
from matcalc.engine.layout import chain_layout as chain_layout_of
from matcalc.rules.differential import differential
from matcalc.rules.records import combine
from matcalc.rules.simplify import c_matmul, simplify, substitute
from matcalc.core.shapes import ONE
from matcalc.explain.backprop import BACKWARD_WORDS, depends, fresh_names, occurrences


def _layers(f: Expr, x: Symbol) -> Optional[list[tuple[Expr, Expr]]]:
    """[(layer output node, its input node)] from the output down to x, or None if f is not a
    chain (an input used twice, or two inputs that depend on x)."""
    dep = depends(f, x)
    layers = []
    node = f
    while node is not x:
        inputs = [a for a in node.args if dep.get(a)]
        if len(inputs) != 1 or occurrences(node, inputs[0]) != 1:
            return None
        child = inputs[0]
        if isinstance(node, Func) and isinstance(child, MatMul):
            deep = [a for a in child.args if dep.get(a)]
            if len(deep) == 1 and child.args[-1] is deep[0] and occurrences(child, deep[0]) == 1:
                child = deep[0]  # a whole layer Φ(W h)
        if node.cols != ONE or child.cols != ONE:
            return None
        layers.append((node, child))
        node = child
    return layers


def _chain_layers(d: Differentiation) -> Optional[list[tuple[Expr, Expr]]]:
    """The layers of f when it is a composition of two or more vector functions of the
    vector x, else None."""
    if d.case is not Case.VECTOR_BY_VECTOR:
        return None
    layers = _layers(d.canonical, d.wrt)
    return layers if layers and len(layers) >= 2 else None


def is_chain(d: Differentiation) -> bool:
    """Whether ∂f/∂x is derived by the vectored chain rule: f a composition of two or more
    vector functions of the vector x (else ``chain_derivation`` is None)."""
    return _chain_layers(d) is not None


def chain_name(f: Expr) -> str:
    """What the chain's derivation calls the function: its output o (y where f has an o)."""
    return "o" if "o" not in {s.name for s in f.free_symbols()} else "y"


def chain_derivation(d: Differentiation, prefix: str = "h") -> Optional[Derivation]:
    layers = _chain_layers(d)
    if layers is None:
        return None
    f, x, layout = d.canonical, d.wrt, d.layout
    # mixed layout takes Jacobians as in numerator layout (its gradients are columns, which
    # do not compose by the chain rule), so its chain is the numerator one
    chain_layout = chain_layout_of(layout)
    # names from the input side: x → h₁ → ⋯ → hₖ₋₁ → o
    inner = [inp for _, inp in layers[:-1]][::-1]  # h₁ … hₖ₋₁ as nodes
    names = fresh_names(f, prefix, len(inner))
    out_name = chain_name(f)
    symbol_of = {node: Symbol.new(nm, node.shape) for node, nm in zip(inner, names)}
    o = Symbol.new(out_name, f.shape)
    symbol_of[f] = o

    def definition(node: Expr) -> Expr:
        return substitute(node, {n: s for n, s in symbol_of.items() if n is not node})

    steps = [Step(STEP_RULES["function"], o, d.f)]
    chain_nodes = [x, *inner, f]  # input to output
    for node in chain_nodes[1:-1]:
        steps.append(Step(STEP_RULES["definition"], symbol_of[node], definition(node), part=node))
    steps.append(Step(STEP_RULES["in_names"], o, definition(f)))

    def sym(node: Expr) -> Symbol:
        return x if node is x else symbol_of[node]

    def partial(out: Expr, inp: Expr) -> Partial:
        case_shape = arrange(Case.VECTOR_BY_VECTOR, Symbol.new("_", (out.rows, inp.rows)),
                             chain_layout)
        return Partial.new(sym(out).name, sym(inp).name, case_shape.shape)

    pairs = list(zip(chain_nodes[1:], chain_nodes[:-1]))  # (output, input), input side first
    ordered = pairs if chain_layout is Layout.DENOMINATOR else pairs[::-1]
    lhs = partial(f, x)
    rule = STEP_RULES["chain"] if chain_layout is Layout.DENOMINATOR else STEP_RULES["chain_numerator"]
    steps.append(Step(rule, lhs, MatMul.new(*(partial(o_, i_) for o_, i_ in ordered))))
    local: dict[tuple[Expr, Expr], Expr] = {}
    for out, inp in ordered:
        definition_ = definition(out)
        value = differentiate(definition_, sym(inp), chain_layout).result
        local[(out, inp)] = value
        fired: list = []
        differential(definition_, [sym(inp)], fired)
        rule = combine([BACKWARD_WORDS.get(r, r) for _, r in reversed(fired)]).in_layout(
            chain_layout is Layout.NUMERATOR)
        steps.append(Step(rule, partial(out, inp), value, part=definition_))
    factors = []
    for out, inp in ordered:
        v = local[(out, inp)]
        factors.extend(v.args if isinstance(v, MatMul) else (v,))
    product = MatMul.new(*factors)
    steps.append(Step(STEP_RULES["substitute_local"], lhs, product))
    simplified = c_matmul(factors)
    if simplified is not product:
        steps.append(Step(STEP_RULES["simplify"], lhs, simplified))
    expansion: dict[Expr, Expr] = {}
    for node in inner:
        expansion[symbol_of[node]] = substitute(definition(node), dict(expansion))
    expanded = substitute(simplified, expansion)
    if expanded is not simplified:  # 2WᵀW has no intermediate left to substitute
        steps.append(Step(STEP_RULES["substitute"], lhs, expanded))
    if expanded is not d.result:
        steps.append(Step(STEP_RULES["simplify"], lhs, d.result))
    other = other_layout(chain_layout)
    other_result = simplify(arrange(Case.VECTOR_BY_VECTOR, d.natural, other))
    steps.append(Step(STEP_RULES["transpose_layout"], Transpose.new(lhs), other_result,
                      before=d.result))
    return Derivation(d.f, x, layout, tuple(steps), d.result)
