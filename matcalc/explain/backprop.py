"""Backpropagation, written out: the derivation of a scalar (or of ⟨G, Y⟩ for an upstream
gradient G) by any variable.

The canonical expression is read as a computational graph.  Activations, shared (fanned-out)
nodes and the array a loss reduces are named h₁, h₂, …; a layer Φ(W h) keeps its product inside.
The backward sweep then gives ∂L/∂h for each name from the nodes that use it, one step per use,
each computed by the engine's own rules (differential, then the transpose of the linear map),
so the derivation cannot disagree with ``diff``.  Names keep the derivation linear in depth.
"""

from __future__ import annotations

import weakref
from collections import Counter
from typing import Optional

from matcalc.core.rule import Rule
from matcalc.engine.derivation import STEP_RULES, Derivation, Step
from matcalc.core.expr import Add, Expr, Func, MatMul, Mul, Pow, Transpose
from matcalc.core.nodes import (
    NODE_TYPES, Diag, Differential, Norm2, Partial, Softmax, Symbol, Trace, Unary,
)  # fmt: skip
from matcalc.engine.differentiation import differentiate
from matcalc.engine.layout import TRANSPOSED, Case, Layout, arrange
from matcalc.rules import records
from matcalc.rules.differential import add_differentials, differential, slope
from matcalc.rules.records import combine
from matcalc.rules.linear import inner
from matcalc.rules.pullback import gradient_of
from matcalc.rules.simplify import (
    c_transpose, const, is_zero, rebuild, simplify, substitute, zero,
)
from matcalc.core.walk import cached_fold
from matcalc.core.shapes import ONE
from matcalc.core.walk import fold, postorder

#: the operations that reduce an array to a scalar (‖r‖, sum, tr, …), from their spec rows
REDUCERS = tuple(cls for cls in NODE_TYPES
                 if issubclass(cls, Unary) and cls.spec.result == "scalar")


def depends(f: Expr, x: Symbol) -> dict[Expr, bool]:
    memo: dict[Expr, bool] = {}
    fold(f, lambda n, a: n is x or any(a), memo)
    return memo


def fresh_names(f: Expr, prefix: str, count: int) -> list[str]:
    taken = {s.name for s in f.free_symbols()}
    names, i = [], 1
    while len(names) < count:
        if f"{prefix}{i}" not in taken:
            names.append(f"{prefix}{i}")
        i += 1
    return names


def _absorbed(path: list[Expr], uses: Counter) -> set[Expr]:
    """Nodes shown inside their user's definition: the product in a layer Φ(W h), the norm in
    ‖r‖², the product under a trace."""
    out = set()
    for node in path:
        arg = node.args[0] if node.args else None
        if arg is None or uses[arg] != 1:
            continue
        if isinstance(node, Func) and isinstance(arg, MatMul):
            out.add(arg)
        elif isinstance(node, Pow) and isinstance(arg, Norm2):
            out.add(arg)
        elif isinstance(node, Trace) and isinstance(arg, MatMul):
            out.add(arg)
    return out


def _choose_named(f: Expr, x: Symbol, path: list[Expr], uses: Counter,
                  dep: dict[Expr, bool]) -> list[Expr]:
    absorbed = _absorbed(path, uses)
    named = []
    for node in path:
        if node is f or isinstance(node, Symbol) or node in absorbed:
            continue
        if isinstance(node, (Func, Softmax)) or uses[node] > 1:
            named.append(node)
    # the array a loss reduces (‖r‖², sum(r), …), and the argument of an activation at the
    # top (a batch layer's pre-activation), get names of their own
    if (isinstance(f, (Pow, *REDUCERS)) and f.is_scalar) or (
            isinstance(f, Func) and not f.is_scalar and f.arg not in absorbed):
        node = next(a for a in f.args if dep.get(a))
        while node in absorbed:
            node = next(a for a in node.args if dep.get(a))
        if not isinstance(node, Symbol) and node not in named and node is not x:
            named.append(node)
            named.sort(key=path.index)
    return named


def occurrences(e: Expr, s: Symbol) -> int:
    """How many times ``s`` appears in ``e`` written as a tree."""
    counts: dict[Expr, int] = {}
    for node in postorder(e):
        counts[node] = 1 if node is s else sum(counts[a] for a in node.args)
    return counts[e]


def symbol_occurrences(e: Expr) -> Counter:
    """How many times each symbol appears in ``e`` written as a tree (e is one local
    definition, so its tree is small)."""
    counts: dict[Expr, Counter] = {}
    for node in postorder(e):
        if isinstance(node, Symbol):
            counts[node] = Counter({node: 1})
            continue
        total: Counter = Counter()
        for a in node.args:
            total.update(counts[a])
        counts[node] = total
    return counts[e]


def _split_uses(e: Expr, s: Symbol) -> tuple[Expr, list[Symbol]]:
    """``e`` with the i-th use of ``s`` replaced by a copy sᵢ (a copy gate made visible)."""
    copies: list[Symbol] = []

    def walk(node: Expr) -> Expr:
        if node is s:
            copies.append(Symbol.new(f"{s.name}_{len(copies) + 1}", s.shape))
            return copies[-1]
        if not node.args:
            return node
        return type(node)._make(tuple(walk(a) for a in node.args), node.params, node.shape)

    return simplify(walk(e)), copies


_TERMS: "weakref.WeakKeyDictionary[Expr, dict[Symbol, list[Expr]]]" = weakref.WeakKeyDictionary()


def _terms_using(sum_: Expr) -> dict[Symbol, list[Expr]]:
    """The terms of a sum that use each symbol, found in one pass over the sum."""
    if sum_ not in _TERMS:
        index: dict[Symbol, list[Expr]] = {}
        for t in sum_.args:
            for sym in symbol_occurrences(t):
                index.setdefault(sym, []).append(t)
        _TERMS[sum_] = index
    return _TERMS[sum_]


def vjp(definition: Expr, s: Symbol, cotangent: Expr) -> tuple[Expr, Rule]:
    """⟨G, d g⟩ pulled back to ds: the contribution of one use to ∂L/∂s, and the record of the
    differential rules that fired on the way from g down to s (in backward-pass words)."""
    fired: list = []
    if isinstance(definition, Add):
        # an add gate: only the terms that use s have a differential; taking it of them alone
        # keeps a sum of k names linear (each of its k names would walk all k terms)
        terms = _terms_using(definition).get(s, [])
        dg = add_differentials([differential(t, [s], fired) for t in terms])
        if dg is not None:
            fired.append((definition, records.LINEARITY))
    else:
        dg = differential(definition, [s], fired)
    rule = combine([BACKWARD_WORDS.get(r, r) for _, r in reversed(fired)]) if fired else \
        STEP_RULES["zero"]
    if dg is None or is_zero(dg):
        return zero(s.shape), rule
    return gradient_of(inner(cotangent, dg), Differential.new(s)), rule


#: what a backward pass calls the function: the loss
LOSS = "L"

#: a differential rule as a backward pass says it: linearity is the add gate
BACKWARD_WORDS = {records.LINEARITY: records.ADD_GATE}


def backprop_derivation(f: Expr, x: Symbol, layout: str, result: Expr,
                        upstream: Optional[Expr] = None, prefix: str = "h") -> Derivation:
    """Steps from f to ∂f/∂x (or to ∂L/∂x given ∂L/∂f = upstream); ``result`` is diff's."""
    fc = simplify(f)
    dep = depends(fc, x)
    if not dep.get(fc):
        lhs = Partial.new(LOSS, x.name, result.shape)
        return Derivation(f, x, layout, (Step(STEP_RULES["function"], Symbol.new(LOSS, fc.shape), f),
                                         Step(STEP_RULES["zero"], lhs, result)), result)
    path = [n for n in postorder(fc) if dep.get(n)]
    uses: Counter = Counter()
    for node in path:
        for a in node.args:
            if dep.get(a):
                uses[a] += 1
    named = _choose_named(fc, x, path, uses, dep)
    names = fresh_names(fc, prefix, len(named))
    symbol_of: dict[Expr, Symbol] = {n: Symbol.new(nm, n.shape) for n, nm in zip(named, names)}
    root = Symbol.new(LOSS if upstream is None else "Y", fc.shape)
    loss = LOSS

    # a named node's definition is the node over its arguments in names; one memo, seeded
    # with the names, serves every definition (linear: no mapping is rebuilt per name)
    in_names: dict[Expr, Expr] = dict(symbol_of)

    def definition(node: Expr) -> Expr:
        return rebuild(node, [cached_fold(a, rebuild, in_names) for a in node.args])

    definitions = {symbol_of[n]: definition(n) for n in named}
    definitions[root] = definition(fc)
    steps: list[Step] = [Step(STEP_RULES["function"], root, f)]
    for node in named:
        steps.append(Step(STEP_RULES["definition"], symbol_of[node], definitions[symbol_of[node]],
                          part=node))
    if named:
        steps.append(Step(STEP_RULES["in_names"], root, definitions[root]))

    # ∂L/∂(name) as a leaf, in denominator layout (the shape of the name)
    def grad_symbol(s: Symbol) -> Expr:
        return Partial.new(loss, s.name, s.shape)

    if upstream is not None:
        steps.append(Step(STEP_RULES["upstream"], grad_symbol(root), upstream))
    seed = upstream if upstream is not None else const(1)
    consumers = list(reversed([symbol_of[n] for n in named]))
    order = [root, *consumers]
    values: dict[Symbol, Expr] = {}

    def cot_of(s: Symbol) -> Expr:
        return seed if s is root else grad_symbol(s)

    targets = [*consumers, x]
    # who uses each name, and how often: one pass over the definitions, not one per target
    users_of: dict[Symbol, dict[Symbol, int]] = {}
    for u in order:
        if u in definitions:
            for s, k in symbol_occurrences(definitions[u]).items():
                users_of.setdefault(s, {})[u] = k
    for target in targets:
        contributions: list[Expr] = []
        uses_by = {u: k for u, k in users_of.get(target, {}).items() if u is not target}
        users = list(uses_by)
        for user in users:
            d, k = definitions[user], uses_by[user]
            # with several users, each line is one path's contribution, summed below
            lhs = grad_symbol(target) if len(users) == 1 else Partial.new(
                loss, target.name, target.shape, via=user.name)
            if k > 1:
                split, copies = _split_uses(d, target)
                parts = [substitute(vjp(split, c, cot_of(user))[0], {c2: target for c2 in copies})
                         for c in copies]
                contributions.append(_copy_gate(steps, lhs, parts, d))
                continue
            contribution, rule = vjp(d, target, cot_of(user))
            before = _local_form(d, target, cot_of(user))
            if before is not None and before is not contribution:
                steps.append(Step(rule, lhs, before, part=d))
                steps.append(Step(STEP_RULES["hadamard"] if _has_diag(before) else STEP_RULES["simplify"],
                                  lhs, contribution))
            else:
                steps.append(Step(rule, lhs, contribution, part=d))
            contributions.append(contribution)
        if len(contributions) > 1:
            values[target] = _copy_gate(steps, grad_symbol(target), contributions)
        elif contributions:
            values[target] = contributions[0]

    # substitute the names back: forward definitions, then the gradients they feed. One memo
    # serves every expansion (linear in depth): each expression names only what came before.
    expansion: dict[Expr, Expr] = {}

    def expand(e: Expr) -> Expr:
        return cached_fold(e, rebuild, expansion)  # type: ignore[arg-type]

    for node in named:
        expansion[symbol_of[node]] = expand(definitions[symbol_of[node]])
    for target in consumers:
        if target in values:
            expansion[grad_symbol(target)] = expand(values[target])
    gradient = expand(values.get(x, zero(x.shape)))
    lhs_x = grad_symbol(x)
    if gradient is not values.get(x):
        steps.append(Step(STEP_RULES["substitute"], lhs_x, gradient))
    transposed = TRANSPOSED[Case.SCALAR_BY_ARRAY][layout]
    denominator = arrange(Case.SCALAR_BY_ARRAY, result, layout) if transposed else result
    if denominator is not gradient:
        steps.append(Step(STEP_RULES["simplify"], lhs_x, denominator))
    if transposed:  # (∂L/∂x)ᵀ in the denominator notation used above
        steps.append(Step(STEP_RULES["transpose_layout"], Transpose.new(lhs_x), result,
                          before=denominator))
    return Derivation(f, x, layout, tuple(steps), result)


def _copy_gate(steps: list[Step], lhs: Expr, parts: list[Expr], part: Expr | None = None) -> Expr:
    """Fan-out: the contributions of several uses, shown summed, then collected."""
    summed = Add.new(*parts)
    total = simplify(summed)
    steps.append(Step(records.COPY, lhs, summed, part=part))
    if total is not summed:  # 1 + d collects to itself: no second line saying so
        steps.append(Step(STEP_RULES["collect"], lhs, total))
    return total


def _local_form(d: Expr, s: Symbol, cot: Expr) -> Optional[Expr]:
    """∂g/∂s ∂L/∂g with the local Jacobian written out, when g and s are vectors; for the
    weight W of a layer Φ(W h), diag(Φ′(W h)) ∂L/∂g hᵀ."""
    if (isinstance(d, Func) and isinstance(d.arg, MatMul) and d.arg.args[0] is s
            and d.cols == ONE and not cot.is_scalar):
        rest = d.arg.args[1:]
        h = rest[0] if len(rest) == 1 else MatMul.new(*rest)
        return MatMul.new(Diag.new(slope(d)), cot, c_transpose(h))
    if s.cols != ONE or d.cols != ONE or d.is_scalar:
        return None
    local = differentiate(d, s, Layout.DENOMINATOR).result
    if cot.is_scalar:
        return Mul.new(cot, local)
    return MatMul.new(*(local.args if isinstance(local, MatMul) else (local,)), cot)


def _has_diag(e: Expr) -> bool:
    return any(isinstance(n, Diag) for n in postorder(e))

