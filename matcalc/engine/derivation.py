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
from matcalc.rules import records
from matcalc.printing.derivation import derivation_latex, derivation_table, derivation_text


def _r(name: str, formula: str = "", latex: str = "") -> Rule:
    return Rule(name, formula, latex)


#: the steps a derivation takes that are not differential rules (those carry their own
#: records, ``matcalc.rules.records``, also reachable here by the same keys)
STEP_RULES: dict[str, Rule] = {
    "function": _r("the function"),
    "upstream": _r("upstream gradient", "∂L/∂Y = G", r"\frac{\partial L}{\partial Y} = G"),
    "seed": _r("the gradient of L by itself", "∂L/∂L = 1"),
    "definition": _r("name an intermediate result"),
    "in_names": _r("the function in the names"),
    "hadamard": _r("diagonal matrix to Hadamard product", "diag(v) u = v ⊙ u",
                   r"\operatorname{diag}(v)\, u = v \odot u"),
    "chain": _r("vectored chain rule", "∂o/∂x = ∂h₁/∂x ∂h₂/∂h₁ ⋯ ∂o/∂hₖ",
                r"\frac{\partial o}{\partial x} = \frac{\partial h_1}{\partial x} "
                r"\frac{\partial h_2}{\partial h_1} \cdots \frac{\partial o}{\partial h_k}"),
    "chain_numerator": _r("vectored chain rule, numerator layout",
                          "∂o/∂x = ∂o/∂hₖ ⋯ ∂h₂/∂h₁ ∂h₁/∂x",
                          r"\frac{\partial o}{\partial x} = \frac{\partial o}{\partial h_k} "
                          r"\cdots \frac{\partial h_2}{\partial h_1} \frac{\partial h_1}{\partial x}"),
    "transpose_layout": _r("Jacobian transpose (numerator ↔ denominator)",
                           "numerator = (denominator)ᵀ",
                           r"\text{numerator} = (\text{denominator})^{\top}"),
    "mixed": _r("mixed layout", "a gradient keeps the shape of its variable, a Jacobian is m×n"),
    "collect": _r("collect terms"),
    "substitute": _r("substitute the definitions"),
    "substitute_local": _r("substitute the local derivatives"),
    "simplify": _r("simplify"),
    "properties": _r("use the declared properties", "Sᵀ = S for a symmetric S"),
    "gradient_again": _r("the gradient, to be differentiated again"),
    "hessian_result": _r("the Hessian", "symmetric for a twice continuously differentiable f"),
    "hessian": _r("the Hessian is the Jacobian of the gradient", "∂²f/∂x∂xᵀ = ∂(∇f)/∂xᵀ",
                  r"\frac{\partial^2 f}{\partial x\, \partial x^{\top}} = "
                  r"\frac{\partial (\nabla f)}{\partial x^{\top}}"),
    "differential": _r("differential", "rules of Magnus and Neudecker"),
    "identify": _r("identification", "dy = J dx ⇒ ∂y/∂x = J",
                   r"dy = J\,dx \Rightarrow \frac{\partial y}{\partial x} = J"),
    "identify_gradient": _r("identification", "df = ⟨G, dX⟩ = tr(Gᵀ dX) ⇒ ∂f/∂X = G",
                            r"df = \operatorname{tr}(G^{\top} dX) \Rightarrow "
                            r"\frac{\partial f}{\partial X} = G"),
    "take_differential": _r("take the differential", "df = d(f)"),
    "scalar_wrt": _r("derivative by a scalar", "df = D dt ⇒ ∂f/∂t = D"),
    "identify_vec": _r("vec convention (vec stacks columns)",
                       "vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX; "
                       "d vec F = J d vec X ⇒ d vec F/d vec Xᵀ = J",
                       r"\operatorname{vec}(A\,dX\,B) = (B^{\top} \otimes A)\operatorname{vec}dX"),
    "zero": _r("no dependence", "f does not depend on the variable"),
    **{key: getattr(records, name) for key, name in {
        "linearity": "LINEARITY", "product": "PRODUCT", "linear": "LINEAR",
        "linear_rows": "LINEAR_ROWS", "weight": "WEIGHT", "weight_rows": "WEIGHT_ROWS",
        "weight_layer": "WEIGHT_LAYER", "bias": "BIAS", "layer": "LAYER", "add": "ADD_GATE",
        "copy": "COPY", "squared_norm": "SQUARED_NORM", "norm": "NORM", "power": "POWER",
        "hadamard_product": "HADAMARD_PRODUCT", "scale": "SCALE", "trace_rule": "TRACE",
        "det": "DET", "logdet": "LOGDET", "inverse": "INVERSE", "sum": "SUM",
        "softmax": "SOFTMAX", "logsumexp": "LOGSUMEXP", "transpose": "TRANSPOSE",
        "linear_form": "LINEAR_FORM", "diag": "DIAG", "kron": "KRON_PRODUCT",
    }.items()},
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

    def __repr__(self) -> str:
        """One line a REPL can show: the function, the variable, the layout, the number of
        steps and the result (a gradient's, a Jacobian's or a Hessian's) (``str()`` and ``.latex()`` give the steps themselves)."""
        return (f"<Derivation: f = {self.f}, by {self.wrt}, {self.layout} layout, "
                f"{len(self.steps)} steps; result {self.result}>")
