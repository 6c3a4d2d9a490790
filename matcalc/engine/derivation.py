"""Derivations as values: an immutable sequence of steps and the result they reach.

A step is one line ``lhs = after``: the rule that justifies it, the right-hand side before the
rule acted (None for a definition), and the part it acted on.  Rendering lives in
``matcalc.printing.derivation``; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from matcalc.core.expr import Expr
from matcalc.core.nodes import Symbol
from matcalc.core.rule import Rule
from matcalc.printing.derivation import derivation_latex, derivation_table, derivation_text


def _r(name: str, formula: str = "", latex: str = "") -> Rule:
    return Rule(name, formula, latex)


STEP_RULES = {
    "function": _r("the function"),
    "upstream": _r("upstream gradient", "∂L/∂Y = G", r"\frac{\partial L}{\partial Y} = G"),
    "seed": _r("the gradient of L by itself", "∂L/∂L = 1"),
    "definition": _r("name an intermediate result"),
    "linearity": _r("linearity", "d(A + B) = dA + dB", r"d(A + B) = dA + dB"),
    "product": _r("product rule", "d(AB) = dA B + A dB", r"d(AB) = dA\,B + A\,dB"),
    "linear": _r("linear propagation", "∂(Wx)/∂x = Wᵀ",
                 r"\frac{\partial (W x)}{\partial x} = W^{\top}"),
    "linear_rows": _r("linear layer, rows as samples", "Y = XW: ∂L/∂X = G Wᵀ",
                      r"Y = X W:\ \frac{\partial L}{\partial X} = G W^{\top}"),
    "weight": _r("weight gradient: an outer product", "∂L/∂W = δ xᵀ for Wx",
                 r"\frac{\partial L}{\partial W} = \delta x^{\top}"),
    "weight_rows": _r("weight gradient, rows as samples", "Y = XW: ∂L/∂W = Xᵀ G",
                      r"Y = X W:\ \frac{\partial L}{\partial W} = X^{\top} G"),
    "weight_layer": _r("weight gradient of a layer", "∂L/∂W = (δ ⊙ Φ′(Wh)) hᵀ",
                       r"\frac{\partial L}{\partial W} = (\delta \odot \Phi'(W h))\, h^{\top}"),
    "bias": _r("bias gradient: the column sums", "Y = XW + 𝟏bᵀ: ∂L/∂b = Gᵀ𝟏",
               r"Y = X W + \mathbf{1} b^{\top}:\ \frac{\partial L}{\partial b} = G^{\top} \mathbf{1}"),
    "in_names": _r("the function in the names"),
    "activation": _r("elementwise activation", "∂Φ(u)/∂u = diag(Φ′(u))",
                     r"\frac{\partial \Phi(u)}{\partial u} = \operatorname{diag}(\Phi'(u))"),
    "activation_rows": _r("elementwise activation on a batch", "∂L/∂X = G ⊙ Φ′(X)",
                          r"\frac{\partial L}{\partial X} = G \odot \Phi'(X)"),
    "layer": _r("layer", "∂Φ(Wh)/∂h = Wᵀ diag(Φ′(Wh))",
                r"\frac{\partial \Phi(W h)}{\partial h} = W^{\top} "
                r"\operatorname{diag}(\Phi'(W h))"),
    "hadamard": _r("diagonal matrix to Hadamard product", "diag(v) u = v ⊙ u",
                   r"\operatorname{diag}(v)\, u = v \odot u"),
    "chain": _r("vectored chain rule", "∂o/∂x = ∂h₁/∂x ∂h₂/∂h₁ ⋯ ∂o/∂hₖ",
                r"\frac{\partial o}{\partial x} = \frac{\partial h_1}{\partial x} "
                r"\frac{\partial h_2}{\partial h_1} \cdots \frac{\partial o}{\partial h_k}"),
    "chain_numerator": _r("vectored chain rule, numerator layout",
                          "∂o/∂x = ∂o/∂hₖ ⋯ ∂h₂/∂h₁ ∂h₁/∂x",
                          r"\frac{\partial o}{\partial x} = \frac{\partial o}{\partial h_k} "
                          r"\cdots \frac{\partial h_2}{\partial h_1} \frac{\partial h_1}{\partial x}"),
    "backprop": _r("backpropagation", "∂L/∂h = ∂g/∂h ∂L/∂g",
                   r"\frac{\partial L}{\partial h} = \frac{\partial g}{\partial h} "
                   r"\frac{\partial L}{\partial g}"),
    "transpose_layout": _r("Jacobian transpose (numerator ↔ denominator)",
                           "numerator = (denominator)ᵀ",
                           r"\text{numerator} = (\text{denominator})^{\top}"),
    "mixed": _r("mixed layout", "a gradient keeps the shape of its variable, a Jacobian is m×n"),
    "trace": _r("cyclic property of the trace", "tr(AB) = tr(BA)",
                r"\operatorname{tr}(AB) = \operatorname{tr}(BA)"),
    "add": _r("add gate", "∂(a + b)/∂a = I", r"\frac{\partial (a + b)}{\partial a} = I"),
    "copy": _r("copy gate: fan-out sums the gradients",
               "∂L/∂x = Σᵢ ∂L/∂xᵢ over the uses xᵢ of x",
               r"\frac{\partial L}{\partial x} = \sum_i \frac{\partial L}{\partial x_i}"),
    "collect": _r("collect terms"),
    "substitute": _r("substitute the definitions"),
    "substitute_local": _r("substitute the local derivatives"),
    "linear_numerator": _r("linear propagation, numerator layout", "∂(Wx)/∂x = W",
                           r"\frac{\partial (W x)}{\partial x} = W"),
    "layer_numerator": _r("layer, numerator layout", "∂Φ(Wh)/∂h = diag(Φ′(Wh)) W",
                          r"\frac{\partial \Phi(W h)}{\partial h} = "
                          r"\operatorname{diag}(\Phi'(W h))\, W"),
    "activation_numerator": _r("elementwise activation", "∂Φ(u)/∂u = diag(Φ′(u))",
                               r"\frac{\partial \Phi(u)}{\partial u} = "
                               r"\operatorname{diag}(\Phi'(u))"),
    "simplify": _r("simplify"),
    "properties": _r("use the declared properties", "Sᵀ = S for a symmetric S"),
    "gradient_again": _r("the gradient, to be differentiated again"),
    "hessian_result": _r("the Hessian", "symmetric for a twice continuously differentiable f"),
    "hessian": _r("the Hessian is the Jacobian of the gradient", "∂²f/∂x∂xᵀ = ∂(∇f)/∂xᵀ",
                  r"\frac{\partial^2 f}{\partial x\, \partial x^{\top}} = "
                  r"\frac{\partial (\nabla f)}{\partial x^{\top}}"),
    "squared_norm": _r("squared norm", "∂‖r‖²/∂r = 2r",
                       r"\frac{\partial \lVert r \rVert_2^2}{\partial r} = 2 r"),
    "norm": _r("norm", "∂‖x‖/∂x = x/‖x‖",
               r"\frac{\partial \lVert x \rVert}{\partial x} = \frac{x}{\lVert x \rVert}"),
    "power": _r("power rule", "∂uᵏ/∂u = diag(k uᵏ⁻¹)"),
    "hadamard_product": _r("Hadamard product rule", "∂(a ⊙ b)/∂a = diag(b)",
                           r"\frac{\partial (a \odot b)}{\partial a} = \operatorname{diag}(b)"),
    "scale": _r("scalar multiple", "∂(c a)/∂a = c I"),
    "trace_rule": _r("trace", "∂tr(X)/∂X = I",
                     r"\frac{\partial \operatorname{tr}(X)}{\partial X} = I"),
    "det": _r("Jacobi's formula", "∂det X/∂X = det(X) X⁻ᵀ",
              r"\frac{\partial \det X}{\partial X} = \det(X) X^{-\top}"),
    "logdet": _r("log-determinant", "∂ log det X/∂X = X⁻ᵀ",
                 r"\frac{\partial \log\det X}{\partial X} = X^{-\top}"),
    "inverse": _r("inverse", "d X⁻¹ = −X⁻¹ dX X⁻¹", r"dX^{-1} = -X^{-1}\,dX\,X^{-1}"),
    "sum": _r("sum of entries", "∂sum(X)/∂X = 𝟏", r"\frac{\partial \operatorname{sum}(X)}{\partial X} = \mathbf{1}"),
    "softmax": _r("softmax Jacobian", "∂s/∂z = diag(s) − s sᵀ",
                  r"\frac{\partial s}{\partial z} = \operatorname{diag}(s) - s s^{\top}"),
    "logsumexp": _r("log-sum-exp", "∂ logsumexp(z)/∂z = softmax(z)",
                    r"\frac{\partial \operatorname{logsumexp}(z)}{\partial z} = "
                    r"\operatorname{softmax}(z)"),
    "transpose": _r("transpose", "∂L/∂X = (∂L/∂Xᵀ)ᵀ"),
    "linear_form": _r("linear form", "∂(aᵀx)/∂x = a",
                      r"\frac{\partial (a^{\top} x)}{\partial x} = a"),
    "diag": _r("diagonal", "⟨G, diag(v)⟩ = ⟨diag(G), v⟩"),
    "kron": _r("Kronecker product", "a ⊗ b = (I ⊗ b) a = (a ⊗ I) b"),
    "differential": _r("differential", "rules of Magnus and Neudecker"),
    "identify": _r("identification", "df = ⟨G, dX⟩ ⇒ ∂f/∂X = G; dy = J dx ⇒ ∂y/∂x = J"),
    "scalar_wrt": _r("derivative by a scalar", "df = D dt ⇒ ∂f/∂t = D"),
    "identify_vec": _r("vec convention (vec stacks columns)",
                       "vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX; "
                       "d vec F = J d vec X ⇒ d vec F/d vec Xᵀ = J",
                       r"\operatorname{vec}(A\,dX\,B) = (B^{\top} \otimes A)\operatorname{vec}dX"),
    "zero": _r("no dependence", "f does not depend on the variable"),
}


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = after``, justified by ``rule``."""

    rule: Rule
    lhs: Expr
    after: Expr
    before: Optional[Expr] = None
    part: Optional[Expr] = None

    @property
    def name(self) -> str:
        return self.rule.name


@dataclass(frozen=True)
class Derivation:
    """The steps from f to its derivative; ``result`` equals ``mc.diff(f, wrt, layout)``."""

    f: Expr
    wrt: Symbol
    layout: str
    steps: tuple[Step, ...]
    result: Expr

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    @property
    def rules(self) -> list[str]:
        return [s.rule.name for s in self.steps]

    def latex(self) -> str:
        return derivation_latex(self)

    def text(self) -> str:
        return derivation_text(self)

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __rich__(self):
        return derivation_table(self)

    def __str__(self) -> str:
        return self.text()
