"""Differentials: one rule per node type (Magnus–Neudecker; Matrix Cookbook §2).

``differential(f, wrt)`` returns df, an expression linear in the differentials ``Differential(x)`` of
the variables in ``wrt``, built from canonical pieces.  No rule knows about layouts: reading the
derivative off df is the readers' job (``rules.pullback``, ``rules.read``).  Each rule carries
the record of the identity it applies (``rules.records``), and ``differential(..., fired=[])``
reports which rules fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.shapes import ONE
from matcalc.core.nodes import (
    Commutation, Det, Diag, DiagPart, Differential, Identity, Inverse, Kron, LogDet, LogSoftmax,
    LogSumExp, Norm1, Norm2, Partial, PendingDifferential, Softmax, Sum, Symbol, Trace, Vec, Zero,
)  # fmt: skip
from matcalc.core.matrix_nodes import (
    DIVIDED_DIFFERENCES, KRONECKER_FORMS, MATRIX_FUNCTIONS, Eigvalsh, Eigvecsh, Frechet,
    NuclearNorm, Pinv, Polar, SpectralNorm, TopSingular,
)  # fmt: skip
from matcalc.core.rule import Rule
from matcalc.core.second_order_nodes import (
    SECOND_DIVIDED_DIFFERENCES, EigenGaps, SecondFrechet, SecondKroneckerForm,
)  # fmt: skip
from matcalc.core.walk import fold
from matcalc.rules import records
from matcalc.rules.simplify.base import FLAT_LIMIT
from matcalc.rules.second_order import (
    d_divided_differences, d_eigvecsh, d_frechet, d_polar, d_top_singular,
)  # fmt: skip
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_eigvecsh, c_frechet, c_func, c_inverse, c_kron, c_matmul,
    c_mul, c_pow, c_singular_factor, c_sum, c_trace, c_transpose, c_vec, const, is_zero,
    simplify,
)  # fmt: skip

D = Optional[Expr]  # None stands for a zero differential
RuleFunction = Callable[[Expr, list[D]], D]


def add_differentials(parts: list[D]) -> D:
    """The sum of differentials, None (zero) ones left out."""
    parts = [p for p in parts if p is not None]
    return c_add(parts) if parts else None


def _times(factors: list[Expr], dU: Expr) -> Expr:
    """factors ⊙ dU.  When dU is itself a product, as down a chain of elementwise functions
    (d exp(sin(u)) = exp(sin u) ⊙ cos u ⊙ du), the product is nested rather than flattened:
    flattening at every level would cost O(depth) per level, O(depth²) in all.  A nest is
    flattened once, by ``_flat``, where it meets any other rule."""
    head = [f for f in factors if not (isinstance(f, Const) and f.value == 1)]
    if not isinstance(dU, Mul) or any(is_zero(f) for f in head):
        return c_mul([*factors, dU])
    if not head:
        return dU
    # the factors stay as they are: the one c_mul that flattens the nest sees all of them at
    # once, so identities across levels (exp(u) ⊘ (1 + exp(u)) = σ(u)) still apply
    return Mul.new(*head, dU)


def _flat(d: D) -> D:
    """A nest of products made by ``_times`` as one canonical product (anything else as is)."""
    if not (isinstance(d, Mul) and isinstance(d.args[-1], Mul)):
        return d
    factors, node = [], d
    while isinstance(node, Mul):
        factors.extend(node.args[:-1])
        node = node.args[-1]
    factors.append(node)
    return c_mul(factors)


def _mul_rule(node: Expr, d: list[D]) -> D:
    """d(u ⊙ v) = du ⊙ v + u ⊙ dv."""
    args = list(node.args)
    terms = [_times(args[:i] + args[i + 1:], di) for i, di in enumerate(d) if di is not None]
    return terms[0] if len(terms) == 1 else add_differentials([_flat(t) for t in terms])


def _matmul_rule(node: Expr, d: list[D]) -> D:
    """d(A₁⋯Aₖ) = Σᵢ A₁⋯Aᵢ₋₁ dAᵢ Aᵢ₊₁⋯Aₖ.  For a long product the prefixes A₁⋯Aᵢ₋₁ and
    suffixes are built one factor at a time, each from the one before (a long product enters
    another as one factor, ``FLAT_LIMIT``), so k varying factors cost O(k), not O(k²)."""
    args = list(node.args)
    if len(args) <= FLAT_LIMIT or sum(di is not None for di in d) <= 2:
        return _plain_matmul_rule(node, d)
    prefix: list[Optional[Expr]] = [None]
    for a in args[:-1]:
        prefix.append(a if prefix[-1] is None else c_matmul([prefix[-1], a]))
    suffix: list[Optional[Expr]] = [None]
    for a in reversed(args[1:]):
        suffix.append(a if suffix[-1] is None else c_matmul([a, suffix[-1]]))
    suffix.reverse()  # suffix[i] is the product of args[i + 1:]
    terms = []
    for i, di in enumerate(d):
        if di is not None:
            parts = [p for p in (prefix[i], di, suffix[i]) if p is not None]
            terms.append(c_matmul(parts))
    return add_differentials(terms)


def _product_rule(build: Callable[[list[Expr]], Expr]) -> RuleFunction:
    def rule(node: Expr, d: list[D]) -> D:
        args = list(node.args)
        return add_differentials([build(args[:i] + [di] + args[i + 1:])
                                  for i, di in enumerate(d) if di is not None])

    return rule


_plain_matmul_rule = _product_rule(c_matmul)


def _linear(build: Callable[[Expr], Expr]) -> RuleFunction:
    return lambda node, d: None if d[0] is None else build(d[0])


def _chain(local: Callable[[Expr, Expr], Expr]) -> RuleFunction:
    """Rules of the form d g(U) = L(U, dU) with L linear in dU."""
    return lambda node, d: None if d[0] is None else local(node, d[0])


def d_pow(node: Expr, dU: Expr) -> Expr:
    """d(U^∘k) = k U^∘(k−1) ⊙ dU."""
    return _times([const(node.exponent), c_pow(node.base, node.exponent - 1)], dU)


def slope(node: Func) -> Expr:
    """f′(U) for the elementwise f(U), from the function table, in canonical form."""
    return simplify(node.function.derivative(node.arg))


def d_func(node: Expr, dU: Expr) -> Expr:
    """d f(U) = f′(U) ⊙ dU, with f′ from the function table."""
    return _times([slope(node)], dU)


def d_det(node: Expr, dX: Expr) -> Expr:
    """d det X = det(X) tr(X⁻¹ dX)  (Matrix Cookbook (46))."""
    return c_mul([node, c_trace(c_matmul([c_inverse(node.arg), dX]))])


def d_logdet(node: Expr, dX: Expr) -> Expr:
    """d log det X = tr(X⁻¹ dX)  (Matrix Cookbook (57))."""
    return c_trace(c_matmul([c_inverse(node.arg), dX]))


def d_inverse(node: Expr, dX: Expr) -> Expr:
    """d X⁻¹ = −X⁻¹ dX X⁻¹  (Matrix Cookbook (59))."""
    return c_mul([const(-1), c_matmul([node, dX, node])])


def d_norm2(node: Expr, dX: Expr) -> Expr:
    """d‖X‖ = ⟨X, dX⟩ / ‖X‖ (Euclidean for vectors, Frobenius for matrices)."""
    X = node.arg
    return c_mul([c_pow(node, -1), c_sum(c_mul([X, dX]))])


def d_norm1(node: Expr, dX: Expr) -> Expr:
    """d‖X‖₁ = ⟨sign(X), dX⟩, where no entry of X is 0."""
    return c_sum(c_mul([c_func("sign", node.arg), dX]))


def d_pinv(node: Expr, dA: Expr) -> Expr:
    """dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − AA⁺) + (I − A⁺A) dAᵀ A⁺ᵀ A⁺ (Golub and Pereyra), where
    A has full column or row rank (one of the last two terms is then 0)."""
    A, P = node.arg, node
    Pt, dAt = c_transpose(P), c_transpose(dA)
    minus = const(-1)
    left_null = c_add([Identity.new(A.rows), c_mul([minus, c_matmul([A, P])])])
    right_null = c_add([Identity.new(A.cols), c_mul([minus, c_matmul([P, A])])])
    return c_add([c_mul([minus, c_matmul([P, dA, P])]),
                  c_matmul([P, Pt, dAt, left_null]),
                  c_matmul([right_null, dAt, Pt, P])])


def d_matrix_function(node: Expr, dX: Expr) -> Expr:
    """d f(X) = L_f(X)[dX], the Fréchet derivative of the primary matrix function f."""
    return c_frechet(node.function, node.arg, dX)


def d_eigvalsh(node: Expr, dS: Expr) -> Expr:
    """dλᵢ = vᵢᵀ dS vᵢ: dλ = diag(Vᵀ dS V), V = eigvecsh(S) (distinct eigenvalues)."""
    V = c_eigvecsh(node.arg)
    return c_diagpart(c_matmul([c_transpose(V), dS, V]))


def d_singular_norm(node: Expr, dX: Expr) -> Expr:
    """d‖X‖_* = ⟨U Vᵀ, dX⟩ with the thin SVD X = U Σ Vᵀ (full rank); d‖X‖₂ = u₁ᵀ dX v₁ =
    ⟨u₁v₁ᵀ, dX⟩ (a simple largest singular value): ⟨the norm's singular-vector factor, dX⟩."""
    return c_sum(c_mul([c_singular_factor(type(node).factor, node.arg), dX]))


def _not_differentiated(node: Expr, d: list[D]) -> D:
    """The factors second derivatives of spectral and matrix functions are made of (and the
    Kronecker forms a Jacobian reads) are not differentiated again: a third derivative through
    them is refused, never guessed."""
    if all(di is None for di in d):
        return None
    what = {SecondFrechet: "the second Fréchet derivative L²_f(X)[E, F]",
            SecondKroneckerForm: "the Kronecker form K²_f(X, E) of the second Fréchet "
                                 "derivative",
            EigenGaps: "the eigenvalue gaps Ω(S) (in the derivative of the eigenvectors)",
            **{cls: f"the Kronecker form K_{f}(X) (the derivative of {cls.spec.call[:-5]})"
               for f, cls in KRONECKER_FORMS.items()},
            **{cls: f"the second divided differences F⁽²⁾_{f}(S)"
               for f, cls in SECOND_DIVIDED_DIFFERENCES.items()},
            }[type(node)]
    raise UnsupportedError(
        f"matcalc does not differentiate {what}: derivatives of expm, logm, sqrtm, eigvalsh, "
        "nuclear_norm and spectral_norm beyond the second (Hessians), and derivatives of "
        f"their Kronecker (vec) forms, are not supported; {node} depends on the variable")


def _spread(M: Expr, axis: int) -> Expr:
    """M summed along the axis and spread back over it: M𝟏𝟏ᵀ (axis 1), 𝟏𝟏ᵀM (axis 0)."""
    if axis == 1:
        ones = Ones.new((M.cols, ONE))
        return c_matmul([M, ones, c_transpose(ones)])
    ones = Ones.new((M.rows, ONE))
    return c_matmul([ones, c_transpose(ones), M])


def _summed(M: Expr, axis: int) -> Expr:
    """M summed along the axis, dimensions kept: M𝟏 (axis 1), 𝟏ᵀM (axis 0)."""
    if axis == 1:
        return c_matmul([M, Ones.new((M.cols, ONE))])
    return c_matmul([c_transpose(Ones.new((M.rows, ONE))), M])


def d_softmax(node: Expr, dz: Expr) -> Expr:
    """d softmax(z) = (diag(s) − s sᵀ) dz = s ⊙ dz − s (sᵀ dz), s = softmax(z); along an axis,
    each row (column) on its own: dP = P ⊙ (dS − ((P ⊙ dS)𝟏)𝟏ᵀ) for axis 1."""
    s = node
    if node.axis is None:
        return c_add([c_mul([s, dz]), c_mul([const(-1), c_matmul([s, c_transpose(s), dz])])])
    return c_mul([s, c_add([dz, c_mul([const(-1), _spread(c_mul([s, dz]), node.axis)])])])


def d_logsumexp(node: Expr, dz: Expr) -> Expr:
    """d logsumexp(z) = softmax(z)ᵀ dz; along axis 1, (P ⊙ dS)𝟏 with P = softmax(S, axis=1)."""
    P = Softmax.new(node.arg, node.axis)
    if node.axis is None:
        return c_matmul([c_transpose(P), dz])
    return _summed(c_mul([P, dz]), node.axis)


def d_log_softmax(node: Expr, dz: Expr) -> Expr:
    """d log softmax(z) = dz − 𝟏 (softmax(z)ᵀ dz) = (I − 𝟏 softmax(z)ᵀ) dz; along axis 1,
    dS − ((P ⊙ dS)𝟏)𝟏ᵀ."""
    P = Softmax.new(node.arg, node.axis)
    if node.axis is None:
        ones = Ones.new((dz.rows, ONE))
        return c_add([dz, c_mul([const(-1), c_matmul([ones, c_transpose(P), dz])])])
    return c_add([dz, c_mul([const(-1), _spread(c_mul([P, dz]), node.axis)])])


def _leaf(node: Expr, d: list[D]) -> D:
    return None


@dataclass(frozen=True)
class DifferentialRule:
    """A differential rule and the record of the identity it applies: a fixed record, or a
    function of the node and its arguments' differentials that says which case applied."""

    apply: Callable[[Expr, list[D]], D]
    record: Optional[Callable[[Expr, list[D]], Optional[Rule]]] = None

    def __call__(self, node: Expr, d: list[D]) -> D:
        return self.apply(node, d)


def _fixed(record: Rule) -> Callable[[Expr, list[D]], Rule]:
    return lambda node, d: record


def _varying(d: list[D]) -> list[int]:
    return [i for i, di in enumerate(d) if di is not None]


def _mul_record(node: Expr, d: list[D]) -> Rule:
    varying = _varying(d)
    others = [a for i, a in enumerate(node.args) if i not in varying]
    if len(varying) == 1 and all(a.is_scalar for a in others):
        return records.SCALE
    return records.HADAMARD_PRODUCT if not node.is_scalar else records.PRODUCT


def _leaf_rule() -> DifferentialRule:
    return DifferentialRule(_leaf)


#: node type -> the rule giving its differential from its arguments' differentials, with its record
DIFFERENTIALS: dict[type[Expr], DifferentialRule] = {
    Symbol: _leaf_rule(),  # handled by the driver: dX for a variable, 0 otherwise
    Differential: _leaf_rule(),
    PendingDifferential: _leaf_rule(),
    Const: _leaf_rule(),
    Identity: _leaf_rule(),
    Ones: _leaf_rule(),
    Zero: _leaf_rule(),
    Partial: _leaf_rule(),
    Commutation: _leaf_rule(),
    Add: DifferentialRule(lambda node, d: add_differentials(d), _fixed(records.LINEARITY)),
    Mul: DifferentialRule(_mul_rule, _mul_record),
    MatMul: DifferentialRule(_matmul_rule,
                             lambda node, d: records.matmul_record(node.args, _varying(d))),
    Kron: DifferentialRule(_product_rule(lambda a: c_kron(a[0], a[1])),
                           _fixed(records.KRON_PRODUCT)),
    Pow: DifferentialRule(_chain(d_pow), _fixed(records.POWER)),
    Func: DifferentialRule(_chain(d_func), lambda node, d: records.function_record(
        node.name, records.shape_kind(*node.shape))),
    Transpose: DifferentialRule(_linear(c_transpose), _fixed(records.TRANSPOSE)),
    Trace: DifferentialRule(_linear(c_trace), _fixed(records.TRACE)),
    Sum: DifferentialRule(_linear(c_sum), _fixed(records.SUM)),
    Diag: DifferentialRule(_linear(c_diag), _fixed(records.DIAG)),
    DiagPart: DifferentialRule(_linear(c_diagpart), _fixed(records.DIAG)),
    Vec: DifferentialRule(_linear(c_vec), _fixed(records.VEC)),
    Det: DifferentialRule(_chain(d_det), _fixed(records.DET)),
    LogDet: DifferentialRule(_chain(d_logdet), _fixed(records.LOGDET)),
    Inverse: DifferentialRule(_chain(d_inverse), _fixed(records.INVERSE)),
    Norm2: DifferentialRule(_chain(d_norm2), _fixed(records.NORM)),
    Norm1: DifferentialRule(_chain(d_norm1), _fixed(Rule(
        "1-norm", "d‖X‖₁ = ⟨sign(X), dX⟩",
        r"d \lVert X \rVert_1 = \langle \operatorname{sign}(X), dX \rangle"))),
    Softmax: DifferentialRule(_chain(d_softmax), lambda node, d: records.SOFTMAX
                              if node.axis is None else records.SOFTMAX_ALONG_AXIS),
    LogSumExp: DifferentialRule(_chain(d_logsumexp), lambda node, d: records.LOGSUMEXP
                                if node.axis is None else records.LOGSUMEXP_ALONG_AXIS),
    LogSoftmax: DifferentialRule(_chain(d_log_softmax), _fixed(records.LOG_SOFTMAX)),
    Pinv: DifferentialRule(_chain(d_pinv), _fixed(records.PINV)),
    **{cls: DifferentialRule(_chain(d_matrix_function), _fixed(records.FRECHET))
       for cls in MATRIX_FUNCTIONS.values()},
    Eigvalsh: DifferentialRule(_chain(d_eigvalsh), _fixed(records.EIGVALSH)),
    NuclearNorm: DifferentialRule(_chain(d_singular_norm), _fixed(records.NUCLEAR_NORM)),
    SpectralNorm: DifferentialRule(_chain(d_singular_norm), _fixed(records.SPECTRAL_NORM)),
    Frechet: DifferentialRule(d_frechet, _fixed(records.SECOND_FRECHET)),
    Eigvecsh: DifferentialRule(_chain(d_eigvecsh), _fixed(records.EIGVECSH)),
    **{cls: DifferentialRule(_chain(d_divided_differences), _fixed(records.DIVIDED_DIFFERENCES))
       for cls in DIVIDED_DIFFERENCES.values()},
    Polar: DifferentialRule(_chain(d_polar), _fixed(records.POLAR)),
    TopSingular: DifferentialRule(_chain(d_top_singular), _fixed(records.TOP_SINGULAR)),
    **{cls: DifferentialRule(_not_differentiated)
       for cls in (SecondFrechet, SecondKroneckerForm, EigenGaps, *KRONECKER_FORMS.values(),
                   *SECOND_DIVIDED_DIFFERENCES.values())},
}


Fired = list[tuple[Expr, Rule]]

#: the rules that take a nest of products (``_times``) as it is; every other rule gets it flat
_NESTING = (Func, Pow, Mul)


def record_of(node: Expr, d: list[D]) -> Optional[Rule]:
    """The record of the rule that gives d(node) from its arguments' differentials ``d``."""
    rule = DIFFERENTIALS[type(node)]
    return None if rule.record is None else rule.record(node, d)


def differential(f: Expr, wrt: list[Symbol], fired: Optional[Fired] = None) -> D:
    """df for canonical ``f``: linear in ``Differential(x)`` for x in ``wrt``; None when df = 0.
    With a list ``fired``, each node whose differential is not 0 appends (node, the record
    of the rule that gave it), children before parents."""
    variables = set(wrt)

    def rule(node: Expr, d: list[D]) -> D:
        if isinstance(node, Symbol):
            return Differential.new(node) if node in variables else None
        try:
            entry = DIFFERENTIALS[type(node)]
        except KeyError:  # pragma: no cover - the rule-table test guards this
            raise MatcalcError(f"internal: no differential rule for {type(node).__name__}")
        if type(node) not in _NESTING:
            d = [_flat(di) for di in d]
        out = entry.apply(node, d)
        if fired is not None and out is not None and entry.record is not None:
            fired.append((node, entry.record(node, d)))
        return out

    return _flat(fold(f, rule))
