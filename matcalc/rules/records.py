"""The records of the differential and pullback rules: what a reader calls each identity.

A differential rule names the identity it applied for the node it met: the product rule says
whether it propagated through a weight matrix (∂(Wx)/∂x = Wᵀ), gave a weight gradient, or read
rows as samples (Y = XW), because it knows which factor varied; an elementwise function names
itself.  The engine collects these records as the rules fire, and derivations print them.
A record may carry its numerator-layout wording (``numerator``), for the chain rule's Jacobians.
"""

from __future__ import annotations

from functools import lru_cache

from matcalc.core.rule import Rule
from matcalc.core.shapes import ONE
from matcalc.core.spec import FUNCTIONS

LINEARITY = Rule("linearity", "d(A + B) = dA + dB", r"d(A + B) = dA + dB")
ADD_GATE = Rule("add gate", "∂(a + b)/∂a = I", r"\frac{\partial (a + b)}{\partial a} = I")
PRODUCT = Rule("product rule", "d(AB) = dA B + A dB", r"d(AB) = dA\,B + A\,dB")
HADAMARD_PRODUCT = Rule("Hadamard product rule", "d(A ⊙ B) = dA ⊙ B + A ⊙ dB",
                        r"d(A \odot B) = dA \odot B + A \odot dB")
SCALE = Rule("scalar multiple", "d(c A) = c dA", r"d(c A) = c\, dA")
KRON_PRODUCT = Rule("Kronecker product rule", "d(A ⊗ B) = dA ⊗ B + A ⊗ dB",
                    r"d(A \otimes B) = dA \otimes B + A \otimes dB")
LINEAR = Rule("linear propagation", "∂(Wx)/∂x = Wᵀ",
              r"\frac{\partial (W x)}{\partial x} = W^{\top}",
              numerator=Rule("linear propagation, numerator layout", "∂(Wx)/∂x = W",
                             r"\frac{\partial (W x)}{\partial x} = W"))
LINEAR_FORM = Rule("linear form", "∂(aᵀx)/∂x = a",
                   r"\frac{\partial (a^{\top} x)}{\partial x} = a")
WEIGHT = Rule("weight gradient: an outer product", "∂L/∂W = δ xᵀ for Wx",
              r"\frac{\partial L}{\partial W} = \delta x^{\top}")
LINEAR_ROWS = Rule("linear layer, rows as samples", "Y = XW: ∂L/∂X = G Wᵀ",
                   r"Y = X W:\ \frac{\partial L}{\partial X} = G W^{\top}")
WEIGHT_ROWS = Rule("weight gradient, rows as samples", "Y = XW: ∂L/∂W = Xᵀ G",
                   r"Y = X W:\ \frac{\partial L}{\partial W} = X^{\top} G")
BIAS = Rule("bias gradient: the column sums", "Y = XW + 𝟏bᵀ: ∂L/∂b = Gᵀ𝟏",
            r"Y = X W + \mathbf{1} b^{\top}:\ \frac{\partial L}{\partial b} = G^{\top} \mathbf{1}")
LAYER = Rule("layer", "∂Φ(Wh)/∂h = Wᵀ diag(Φ′(Wh))",
             r"\frac{\partial \Phi(W h)}{\partial h} = W^{\top} \operatorname{diag}(\Phi'(W h))",
             numerator=Rule("layer, numerator layout", "∂Φ(Wh)/∂h = diag(Φ′(Wh)) W",
                            r"\frac{\partial \Phi(W h)}{\partial h} = "
                            r"\operatorname{diag}(\Phi'(W h))\, W"))
WEIGHT_LAYER = Rule("weight gradient of a layer", "∂L/∂W = (δ ⊙ Φ′(Wh)) hᵀ",
                    r"\frac{\partial L}{\partial W} = (\delta \odot \Phi'(W h))\, h^{\top}")
POWER = Rule("power rule", "d(U^∘k) = k U^∘(k−1) ⊙ dU",
             r"d(U^{\circ k}) = k\, U^{\circ (k-1)} \odot dU")
SQUARED_NORM = Rule("squared norm", "∂‖r‖²/∂r = 2r",
                    r"\frac{\partial \lVert r \rVert_2^2}{\partial r} = 2 r")
TRANSPOSE = Rule("transpose", "d(Aᵀ) = (dA)ᵀ", r"d(A^{\top}) = (dA)^{\top}")
TRACE = Rule("trace", "d tr A = tr dA", r"d \operatorname{tr} A = \operatorname{tr} dA")
SUM = Rule("sum of entries", "d sum(A) = sum(dA); ∂sum(X)/∂X = 𝟏",
           r"\frac{\partial \operatorname{sum}(X)}{\partial X} = \mathbf{1}")
DIAG = Rule("diagonal", "d diag(v) = diag(dv); ⟨G, diag(v)⟩ = ⟨diag(G), v⟩",
            r"d \operatorname{diag}(v) = \operatorname{diag}(dv)")
VEC = Rule("vec", "d vec(A) = vec(dA)", r"d \operatorname{vec}(A) = \operatorname{vec}(dA)")
DET = Rule("Jacobi's formula", "d det X = det(X) tr(X⁻¹ dX)",
           r"d \det X = \det(X) \operatorname{tr}(X^{-1} dX)")
LOGDET = Rule("log-determinant", "d log det X = tr(X⁻¹ dX)",
              r"d \log\det X = \operatorname{tr}(X^{-1} dX)")
INVERSE = Rule("inverse", "d X⁻¹ = −X⁻¹ dX X⁻¹", r"dX^{-1} = -X^{-1}\,dX\,X^{-1}")
NORM = Rule("norm", "d‖X‖ = ⟨X, dX⟩/‖X‖",
            r"d \lVert X \rVert = \frac{\langle X, dX \rangle}{\lVert X \rVert}")
SOFTMAX = Rule("softmax Jacobian", "∂s/∂z = diag(s) − s sᵀ",
               r"\frac{\partial s}{\partial z} = \operatorname{diag}(s) - s s^{\top}")
SOFTMAX_ALONG_AXIS = Rule("softmax along an axis", "P = softmax(S, axis=1): dP = P ⊙ (dS − ((P ⊙ dS)𝟏)𝟏ᵀ)",
                          r"P = \operatorname{softmax}(S):\ dP = P \odot (dS - "
                          r"((P \odot dS)\mathbf{1})\mathbf{1}^{\top})")
LOGSUMEXP_ALONG_AXIS = Rule("log-sum-exp along an axis",
                            "d logsumexp(S, axis=1) = (softmax(S, axis=1) ⊙ dS)𝟏",
                            r"d \operatorname{logsumexp}(S) = (P \odot dS)\mathbf{1}")
LOG_SOFTMAX = Rule("log-softmax", "d log softmax(z) = (I − 𝟏 softmax(z)ᵀ) dz",
                   r"d \log \operatorname{softmax}(z) = (I - \mathbf{1} "
                   r"\operatorname{softmax}(z)^{\top}) dz")
LOGSUMEXP = Rule("log-sum-exp", "d logsumexp(z) = softmax(z)ᵀ dz",
                 r"d \operatorname{logsumexp}(z) = \operatorname{softmax}(z)^{\top} dz")

# the pullback rules: moving dX to the right of ⟨G, ·⟩ (DESIGN.md §6)
PULL_ADD = ADD_GATE
PULL_MUL = Rule("Hadamard product", "⟨G, P ⊙ dA⟩ = ⟨G ⊙ P, dA⟩",
                r"\langle G, P \odot dA \rangle = \langle G \odot P, dA \rangle")
PULL_MATMUL = Rule("linear propagation", "⟨G, L dA R⟩ = ⟨Lᵀ G Rᵀ, dA⟩",
                   r"\langle G, L\, dA\, R \rangle = \langle L^{\top} G R^{\top}, dA \rangle")
PULL_TRANSPOSE = Rule("transpose", "⟨G, dAᵀ⟩ = ⟨Gᵀ, dA⟩",
                      r"\langle G, dA^{\top} \rangle = \langle G^{\top}, dA \rangle")
PULL_TRACE = Rule("cyclic property of the trace", "tr(AB) = tr(BA), g tr(dA) = ⟨g I, dA⟩",
                  r"\operatorname{tr}(AB) = \operatorname{tr}(BA)")
PULL_SUM = Rule("sum of entries", "g sum(dA) = ⟨g 𝟏, dA⟩",
                r"g \operatorname{sum}(dA) = \langle g \mathbf{1}, dA \rangle")
PULL_DIAG = Rule("diagonal", "⟨G, diag(dv)⟩ = ⟨diag(G), dv⟩",
                 r"\langle G, \operatorname{diag}(dv) \rangle = \langle \operatorname{diag}(G), dv \rangle")
PULL_KRON = Rule("Kronecker product", "a ⊗ b = (I ⊗ b) a = (a ⊗ I) b",
                 r"a \otimes b = (I \otimes b) a = (a \otimes I) b")
PULL_VEC = Rule("vec", "⟨g, vec(dA)⟩ = ⟨unvec(g), dA⟩",
                r"\langle g, \operatorname{vec}(dA) \rangle = \langle \operatorname{unvec}(g), dA \rangle")
COPY = Rule("copy gate: fan-out sums the gradients", "∂L/∂x = Σᵢ ∂L/∂xᵢ over the uses xᵢ of x",
            r"\frac{\partial L}{\partial x} = \sum_i \frac{\partial L}{\partial x_i}")


#: the kind of argument each function record was made for ("vector" records make layers)
KIND_OF: dict[Rule, str] = {}


def _applied(notation: str, arg: str) -> str:
    """A function's notation applied to an argument: a template (√({})) or a name (tanh)."""
    if "{}" in notation:
        return notation.format(arg)
    return f"{notation}({arg})" if len(notation) > 1 or notation.isalpha() else f"{notation}{arg}"


@lru_cache(maxsize=None)
def function_record(name: str, kind: str) -> Rule:
    """The record of d f(U) = f′(U) ⊙ dU for the function ``name`` applied to a "scalar", a
    "vector" (an activation: its Jacobian is diagonal), a "matrix" (a batch of rows), or read
    as a "differential"; its notation is the function table's."""
    fn = FUNCTIONS[name]
    latex = fn.latex.format(r"\cdot") if "{}" in fn.latex else fn.latex
    identity, latex_phi = fn.identity, rf"\Phi = {latex}"
    f = identity.split("′")[0]  # the identity names the function as a reader writes f′: σ′(u)
    if kind == "vector":
        rule = Rule(f"elementwise {name}",
                    f"∂{_applied(fn.unicode, 'u')}/∂u = diag({f}′(u)), {identity}",
                    rf"\frac{{\partial \Phi(u)}}{{\partial u}} = \operatorname{{diag}}(\Phi'(u)),"
                    rf"\ {latex_phi}")
    elif kind == "differential":
        rule = Rule(f"elementwise {name}", f"d {_applied(fn.unicode, 'U')} = {f}′(U) ⊙ dU, {identity}",
                    rf"d \Phi(U) = \Phi'(U) \odot dU,\ {latex_phi}")
    elif kind == "matrix":
        rule = Rule(f"elementwise {name} on a batch", f"∂L/∂X = G ⊙ {f}′(X), {identity}",
                    rf"\frac{{\partial L}}{{\partial X}} = G \odot \Phi'(X),\ {latex_phi}")
    else:
        rule = Rule(f"derivative of {name}", identity, latex_phi)
    KIND_OF[rule] = kind
    return rule


def shape_kind(rows, cols) -> str:
    if rows == ONE and cols == ONE:
        return "scalar"
    return "vector" if cols == ONE else "matrix"


def matmul_record(factors: tuple, varying: list[int]) -> Rule:
    """Which identity the product rule applied, from which factor varied and the shapes."""
    if len(varying) != 1:
        return PRODUCT
    i = varying[0]
    X = factors[i]
    last, first = i == len(factors) - 1, i == 0
    rows, cols = factors[0].rows, factors[-1].cols
    if rows == ONE and cols == ONE:
        return LINEAR_FORM if first or last else PRODUCT
    if last and X.cols == ONE and cols == ONE:
        return LINEAR
    if first and cols == ONE and X.cols != ONE:
        return WEIGHT
    if last and X.rows == ONE and len(factors) == 2 and factors[0].cols == ONE:
        return BIAS  # 𝟏 bᵀ: b broadcast over the rows
    if len(factors) == 2 and X.rows != ONE and X.cols != ONE and cols != ONE:
        return LINEAR_ROWS if first else WEIGHT_ROWS
    return PRODUCT


LINEAR_DIFFERENTIAL = Rule("linear propagation", "d(Wx) = W dx", r"d(W x) = W\, dx")
LINEAR_FORM_DIFFERENTIAL = Rule("linear form", "d(aᵀx) = aᵀ dx", r"d(a^{\top} x) = a^{\top} dx")

#: the product rule's backward-pass words, said as a differential (the same in every layout):
#: d(Wx) = W dx, d(aᵀx) = aᵀ dx, and the product rule for d(W)x, d(X)W, 𝟏 d(b)ᵀ
AS_DIFFERENTIAL = {LINEAR: LINEAR_DIFFERENTIAL, LINEAR_FORM: LINEAR_FORM_DIFFERENTIAL,
                   WEIGHT: PRODUCT, WEIGHT_ROWS: PRODUCT, LINEAR_ROWS: PRODUCT, BIAS: PRODUCT}


#: records that, firing together outermost first, are one step a reader knows by name (an
#: activation's record stands for its kind: an elementwise function of a vector)
COMPOSITES: dict[tuple, Rule] = {
    ("vector", LINEAR): LAYER,
    ("vector", WEIGHT): WEIGHT_LAYER,
    (POWER, NORM): SQUARED_NORM,
    (BIAS, TRANSPOSE): BIAS,  # the bias record reads 𝟏bᵀ, its transpose included
    (LINEAR_FORM, TRANSPOSE): LINEAR_FORM,  # xᵀa = aᵀx
}

#: rules that only pass a differential along (a sum, a number in front): named when they are
#: all that fired, left unsaid beside a rule that does the work
PASS_ALONG = (LINEARITY, ADD_GATE, SCALE)


def combine(records: list[Rule]) -> Rule:
    """One record for a step where several rules fired, outermost first: an elementwise
    function of a linear map is a layer Φ(Wh); otherwise the records side by side."""
    unique = list(dict.fromkeys(records))
    working = [r for r in unique if r not in PASS_ALONG]
    unique = working or unique
    if len(unique) == 1:
        return unique[0]
    if len(unique) == 2:
        key = (KIND_OF.get(unique[0], unique[0]), unique[1])
        if key in COMPOSITES:
            return COMPOSITES[key]
    return Rule(" and ".join(r.name for r in unique),
                "; ".join(r.formula for r in unique if r.formula),
                r";\ ".join(r.latex for r in unique if r.latex))

# matrix and spectral functions
PINV = Rule("pseudo-inverse (Golub–Pereyra)",
            "dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − AA⁺) + (I − A⁺A) dAᵀ A⁺ᵀ A⁺",
            r"dA^{+} = -A^{+} dA\, A^{+} + A^{+} A^{+\top} dA^{\top} (I - A A^{+}) + "
            r"(I - A^{+} A)\, dA^{\top} A^{+\top} A^{+}")
FRECHET = Rule("Fréchet derivative", "d f(X) = L_f(X)[dX]", r"d f(X) = L_f(X)[dX]")
PULL_FRECHET = Rule("adjoint of the Fréchet derivative", "⟨G, L_f(X)[dX]⟩ = ⟨L_f(Xᵀ)[G], dX⟩",
                    r"\langle G, L_f(X)[dX] \rangle = \langle L_f(X^{\top})[G], dX \rangle")
EIGVALSH = Rule("eigenvalue perturbation", "dλᵢ = vᵢᵀ dS vᵢ: dλ = diag(Vᵀ dS V)",
                r"d\lambda_i = v_i^{\top} dS\, v_i")
NUCLEAR_NORM = Rule("nuclear norm", "d‖X‖_* = ⟨U Vᵀ, dX⟩ (thin SVD X = U Σ Vᵀ)",
                    r"d \lVert X \rVert_* = \langle U V^{\top}, dX \rangle")
SPECTRAL_NORM = Rule("spectral norm", "d‖X‖₂ = ⟨u₁v₁ᵀ, dX⟩ = u₁ᵀ dX v₁",
                     r"d \lVert X \rVert_2 = u_1^{\top} dX\, v_1")
SECOND_FRECHET = Rule(
    "second Fréchet derivative (Higham–Relton)", "d(L_f(X)[E]) = L_f(X)[dE] + L²_f(X)[E, dX]",
    r"d\left(L_f(X)[E]\right) = L_f(X)[dE] + L^{2}_f(X)[E, dX]")
PULL_SECOND_FRECHET = Rule(
    "adjoint of the second Fréchet derivative", "⟨G, L²_f(X)[E, dX]⟩ = ⟨L²_f(Xᵀ)[Eᵀ, G], dX⟩",
    r"\langle G, L^{2}_f(X)[E, dX] \rangle = \langle L^{2}_f(X^{\top})[E^{\top}, G], dX \rangle")
EIGVECSH = Rule("eigenvector perturbation", "dV = V (Ω ⊙ (Vᵀ dS V)), Ω_ij = 1/(λⱼ − λᵢ)",
                r"dV = V \left(\Omega \odot (V^{\top} dS\, V)\right)")
DIVIDED_DIFFERENCES = Rule(
    "divided differences", "dF⁽¹⁾ = diag(dλ) F⁽²⁾ + F⁽²⁾ᵀ diag(dλ), F⁽²⁾_ij = f[λᵢ, λᵢ, λⱼ]",
    r"dF^{(1)} = \operatorname{diag}(d\lambda) F^{(2)} + F^{(2)\top} \operatorname{diag}(d\lambda)")
POLAR = Rule(
    "polar factor", "d(U Vᵀ) = Q L_sqrt(XᵀX + I − QᵀQ)[Qᵀ dX QᵀQ − QᵀQ dXᵀ Q] "
    "+ (I − QQᵀ) dX X⁺ Q + Q X⁺ dX (I − QᵀQ), Q = U Vᵀ",
    r"dQ = Q\, L_{\operatorname{sqrt}}(X^{\top} X + I - Q^{\top} Q)[Q^{\top} dX\, Q^{\top} Q - "
    r"Q^{\top} Q\, dX^{\top} Q] + (I - Q Q^{\top}) dX\, X^{+} Q + Q X^{+} dX (I - Q^{\top} Q)")
TOP_SINGULAR = Rule(
    "top singular vectors", "d(u₁v₁ᵀ) = P (σ₁ dX v₁v₁ᵀ + X dXᵀ u₁v₁ᵀ) + (σ₁ u₁u₁ᵀ dX + u₁v₁ᵀ dXᵀ X) R, "
    "P = (σ₁²I − XXᵀ)⁺, R = (σ₁²I − XᵀX)⁺",
    r"d(u_1 v_1^{\top}) = P (\sigma_1 dX\, v_1 v_1^{\top} + X dX^{\top} u_1 v_1^{\top}) + "
    r"(\sigma_1 u_1 u_1^{\top} dX + u_1 v_1^{\top} dX^{\top} X) R")
