"""Matrix functions and spectral functions: the pseudo-inverse, the primary matrix functions
exp, log and square root with their Fréchet derivative, eigenvalues of a symmetric matrix and
its eigenvectors, the nuclear and spectral norms and the singular-vector factors their
gradients are made of.

Each derivative holds under an assumption, stated in the docstring of each node (and in the
README): pinv at full column or row rank, logm and sqrtm at matrices with no eigenvalue on the
closed negative real axis, eigvalsh at distinct eigenvalues, nuclear_norm at full rank,
spectral_norm at a simple largest singular value.  ``mc.check`` draws inputs that meet them.
Their second derivatives hold under the same assumptions (``matcalc.rules.second_order``).
"""

from __future__ import annotations

from typing import Any

import sympy

from matcalc.core.errors import ShapeError
from matcalc.core.expr import Expr, as_expr, describe
from matcalc.core.shapes import is_square_shape
from matcalc.core.spec import NodeSpec
from matcalc.core.unary import Unary


def _same(s: Any) -> Any:
    return s


class Pinv(Unary):
    """The Moore–Penrose pseudo-inverse."""

    __slots__ = ()
    spec = NodeSpec(
        "pinv", numpy="np.linalg.pinv({})",
        numpy_scalar="(1.0 / {})", sympy_scalar=lambda s: 1 / s, matrix_function=True,
        argument="any", result="transposed", spread_argument=True, public="pinv",
        doc="The Moore–Penrose pseudo-inverse A⁺ (n×m for an m×n A). Its derivative, "
        "dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − AA⁺) + (I − A⁺A) dAᵀ A⁺ᵀ A⁺ (Golub and Pereyra), "
        "holds where the rank of A is locally constant: matcalc assumes A has full column rank "
        "or full row rank (where the rank drops, pinv is not continuous and has no derivative).")


class MatrixFunction(Unary):
    """A primary matrix function f(X) of a square X (Higham, Functions of Matrices): its
    differential is the Fréchet derivative L_f(X)[dX] (a :class:`Frechet` node)."""

    __slots__ = ()
    #: the elementwise function of the same name (its scalar case), and its LaTeX in L_f
    function: str = ""
    frechet_latex: str = ""


def _matrix_function(call: str, function: str, frechet_latex: str, numpy: str, sympy_scalar: Any,
                     definite: bool, doc: str) -> type[MatrixFunction]:
    spec = NodeSpec(
        call, latex=rf"\operatorname{{{call}}}", unicode=call, numpy=numpy,
        numpy_scalar=f"np.{function}({{}})", sympy_scalar=sympy_scalar, matrix_function=True,
        argument="square", result="same", definite_argument=definite, public=call,
        imports=("scipy.linalg",),
        doc=f"{doc} Its differential is the Fréchet derivative L_{function}(X)[dX]; its gradient "
        f"the adjoint L_{function}(Xᵀ)[G].")
    return type(call.title(), (MatrixFunction,), {
        "__slots__": (), "function": function, "frechet_latex": frechet_latex, "spec": spec})


Expm = _matrix_function(
    "expm", "exp", r"\exp", "scipy.linalg.expm({})", sympy.exp, False,
    "The matrix exponential exp(X) = Σ Xᵏ/k! of a square matrix.")
#: logm and sqrtm are drawn by mc.check with eigenvalues of positive real part
Logm = _matrix_function(
    "logm", "log", r"\log", "_logm({})", sympy.log, True,
    "The principal matrix logarithm of a square matrix with no eigenvalue on the closed "
    "negative real axis (where it is real and differentiable).")
Sqrtm = _matrix_function(
    "sqrtm", "sqrt", r"\operatorname{sqrt}", "_sqrtm({})", sympy.sqrt, True,
    "The principal matrix square root of a square matrix with no eigenvalue on the closed "
    "negative real axis (L_sqrt(X)[E] solves X^½ L + L X^½ = E).")


#: the name of an elementwise function -> its primary matrix function
MATRIX_FUNCTIONS: dict[str, type[MatrixFunction]] = {
    cls.function: cls for cls in (Expm, Logm, Sqrtm)}


class OfMatrixFunction(Expr):
    """A node made of the derivatives of a primary matrix function f at a point X (its first
    argument): f is named by its elementwise function, the node's one parameter."""

    __slots__ = ()

    @property
    def function(self) -> str:
        return self.params[0]

    @property
    def matrix_function(self) -> type[MatrixFunction]:
        return MATRIX_FUNCTIONS[self.function]

    @property
    def at(self) -> Expr:
        return self.args[0]


class Frechet(OfMatrixFunction):
    """L_f(X)[E]: the Fréchet derivative of the primary matrix function f at X in the direction
    E, linear in E: f(X + E) = f(X) + L_f(X)[E] + o(‖E‖).  Its adjoint for the Frobenius inner
    product is L_f(Xᵀ): ⟨G, L_f(X)[E]⟩ = ⟨L_f(Xᵀ)[G], E⟩ (f has real Taylor coefficients).  Its
    differential, for Hessians, is L_f(X)[dE] + L²_f(X)[E, dX] (a SecondFrechet node)."""

    __slots__ = ()

    @classmethod
    def new(cls, function: str, X: Any, E: Any) -> Expr:
        X, E = as_expr(X), as_expr(E)
        if function not in MATRIX_FUNCTIONS:
            raise ShapeError(f"no primary matrix function {function!r}; choose one of "
                             f"{sorted(MATRIX_FUNCTIONS)}")
        if not (is_square_shape(X.shape) or X.is_scalar) or X.shape != E.shape:
            raise ShapeError(f"the Fréchet derivative L_{function}(X)[E] needs a square X and E "
                             f"of its shape, got {describe(X)} and {describe(E)}")
        return cls._make((X, E), (function,), X.shape)

    @property
    def direction(self) -> Expr:
        return self.args[1]


class KroneckerForm(Unary):
    """K_f(X), the n²×n² Kronecker form of the Fréchet derivative: vec L_f(X)[E] = K_f(X) vec E
    (Higham, Functions of Matrices, §3.2).  The derivative of a matrix-valued f(X) in the vec
    convention; generated code builds it column by column from L_f(X)[Eᵢⱼ]."""

    __slots__ = ()
    function: str = ""


def _kronecker_form(cls: type[MatrixFunction]) -> type[KroneckerForm]:
    f, call = cls.function, cls.spec.call
    spec = NodeSpec(
        f"{call}_kron", latex="K_{{" + cls.frechet_latex.replace("{", "{{").replace("}", "}}")
        + r"}}\left({}\right)",
        unicode=f"K_{f}({{}})", numpy=f"_kron_form_{f}({{}})", argument="square",
        definite_argument=cls.spec.definite_argument, result="kronecker", public=f"{call}_kron",
        imports=cls.spec.imports,
        doc=f"K_{f}(X), the n²×n² Kronecker form of the Fréchet derivative of {call}: "
        f"vec L_{f}(X)[E] = K_{f}(X) vec E, d vec {call}(X) = K_{f}(X) d vec X.")
    return type(f"{cls.__name__}Kron", (KroneckerForm,), {"__slots__": (), "function": f,
                                                            "spec": spec})


ExpmKron, LogmKron, SqrtmKron = (_kronecker_form(cls) for cls in (Expm, Logm, Sqrtm))
#: the name of an elementwise function -> the Kronecker form of its matrix function's derivative
KRONECKER_FORMS: dict[str, type[KroneckerForm]] = {
    cls.function: cls for cls in (ExpmKron, LogmKron, SqrtmKron)}


class DividedDifferences(Unary):
    """F⁽¹⁾_f(S): the matrix of divided differences of f at the eigenvalues of a symmetric S,
    F_ij = (f(λᵢ) − f(λⱼ))/(λᵢ − λⱼ) and f′(λᵢ) where λᵢ = λⱼ.  With V = eigvecsh(S), the Fréchet
    derivative is L_f(S)[E] = V (F⁽¹⁾ ⊙ (Vᵀ E V)) Vᵀ (Daleckii and Krein)."""

    __slots__ = ()
    function: str = ""


def divided_differences_node(cls: type[MatrixFunction], base: type[Unary], order: int,
                            doc: str) -> type[Unary]:
    """The node of the first (F⁽¹⁾) or second (F⁽²⁾) divided differences of the function of
    the matrix function ``cls`` at a symmetric matrix, as a subclass of ``base``."""
    f, call = cls.function, cls.spec.call
    mark, suffix = ("⁽¹⁾", "") if order == 1 else ("⁽²⁾", "2")
    spec = NodeSpec(
        f"{call}_divdiff{suffix}", latex=f"F^{{{{({order})}}}}_{{{{" + cls.frechet_latex
        .replace("{", "{{").replace("}", "}}") + r"}}\left({}\right)",
        unicode=f"F{mark}_{f}({{}})", numpy=f"_divdiff{suffix}_{f}({{}})", argument="square",
        result="same", public=f"{call}_divdiff{suffix}",
        definite_argument=cls.spec.definite_argument, spread_argument=True, doc=doc)
    return type(f"{cls.__name__}Divdiff{suffix}", (base,), {
        "__slots__": (), "function": f, "spec": spec})


def _divided_differences(cls: type[MatrixFunction]) -> type[DividedDifferences]:
    f = cls.function
    return divided_differences_node(  # type: ignore[return-value]
        cls, DividedDifferences, 1,
        f"F⁽¹⁾_{f}(S), the divided differences of {f} at the eigenvalues λ of a symmetric S "
        f"(of its symmetric part): ({f}(λᵢ) − {f}(λⱼ))/(λᵢ − λⱼ), and {f}′(λᵢ) on the diagonal; "
        f"L_{f}(S)[E] = V (F⁽¹⁾_{f}(S) ⊙ (Vᵀ E V)) Vᵀ with V = eigvecsh(S).")


ExpmDivdiff, LogmDivdiff, SqrtmDivdiff = (_divided_differences(cls) for cls in (Expm, Logm, Sqrtm))
#: the name of an elementwise function -> its divided differences at a symmetric matrix
DIVIDED_DIFFERENCES: dict[str, type[DividedDifferences]] = {
    cls.function: cls for cls in (ExpmDivdiff, LogmDivdiff, SqrtmDivdiff)}


class Eigvalsh(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "eigvalsh", latex=r"\lambda", unicode="λ", numpy="_eigvalsh({})", numpy_scalar="{}",
        sympy_scalar=_same, matrix_function=True, argument="square", result="diagonal part",
        spread_argument=True, public="eigvalsh",
        doc="The eigenvalues λ of a symmetric matrix S, ascending, as an n×1 vector (of a matrix "
        "that is not symmetric, those of its symmetric part (S + Sᵀ)/2). Their differential "
        "dλᵢ = vᵢᵀ dS vᵢ, that is dλ = diag(Vᵀ dS V) with V = eigvecsh(S), holds where the "
        "eigenvalues are distinct; so ∂ Σ g(λᵢ)/∂S = V diag(g′(λ)) Vᵀ.")


class Eigvecsh(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "eigvecsh", latex=r"\operatorname{eigvecsh}", unicode="eigvecsh", numpy="_eigvecsh({})",
        numpy_scalar="1.0",
        sympy_scalar=lambda s: sympy.Integer(1), argument="square", result="same",
        public="eigvecsh", spread_argument=True,
        doc="The orthonormal eigenvectors V of a symmetric matrix S (of its symmetric part), as "
        "columns in the order of eigvalsh(S): S = V diag(λ) Vᵀ. Each column is fixed up to its "
        "sign, which no derivative matcalc gives depends on. Its differential, for Hessians: "
        "dV = V (Ω ⊙ (Vᵀ dS V)) with the eigenvalue gaps Ω = eigh_gaps(S).")


class SingularNorm(Unary):
    """A norm of the singular values; its gradient is the singular-vector factor ``factor``."""

    __slots__ = ()
    factor: type[Unary]


def _singular_pair(norm: str, template: str, numpy: str, factor: str, doc: str,
                   factor_doc: str) -> tuple[type[SingularNorm], type[Unary]]:
    """A norm of the singular values and the singular-vector factor its gradient is made of:
    both of any argument; the factor's differential (for Hessians) is in rules.second_order."""
    latex_name = factor.replace("_", r"\_")
    factor_cls = type(factor.title().replace("_", ""), (Unary,), {"__slots__": (), "spec": NodeSpec(
        factor, latex=rf"\operatorname{{{latex_name}}}", unicode=factor,
        numpy=f"_{factor}({{}})", numpy_scalar="np.sign({})", sympy_scalar=sympy.sign,
        argument="any", result="same", public=factor, spread_argument=True,
        doc=factor_doc)})
    norm_cls = type(norm.title().replace("_", ""), (SingularNorm,), {
        "__slots__": (), "factor": factor_cls, "spec": NodeSpec(
            norm, latex=r"\left\lVert {} \right\rVert_{{" + template + "}}",
            unicode="‖{}‖" + {"*": "_*", "2": "₂"}[template], numpy=numpy,
            numpy_scalar="np.abs({})", sympy_scalar=sympy.Abs, matrix_function=True,
            argument="any", result="scalar", spread_argument=True, public=norm, doc=doc)})
    return norm_cls, factor_cls


NuclearNorm, Polar = _singular_pair(
    "nuclear_norm", "*", 'np.linalg.norm({}, "nuc")', "polar",
    "The nuclear (trace) norm ‖X‖_* = Σ σᵢ(X), the sum of the singular values. Its gradient "
    "U Vᵀ (the thin SVD X = U Σ Vᵀ, polar(X)) holds where X has full rank.",
    "U Vᵀ from the thin SVD X = U Σ Vᵀ (the orthogonal polar factor), the gradient of the "
    "nuclear norm; unique where X has full rank. Its differential (for Hessians), with Q = U Vᵀ: "
    "Q L_sqrt(XᵀX + I − QᵀQ)[Qᵀ dX QᵀQ − QᵀQ dXᵀ Q] + (I − QQᵀ) dX X⁺ Q + Q X⁺ dX (I − QᵀQ).")
SpectralNorm, TopSingular = _singular_pair(
    "spectral_norm", "2", "np.linalg.norm({}, 2)", "top_singular",
    "The spectral norm ‖X‖₂ = σ₁(X), the largest singular value. Its gradient u₁v₁ᵀ "
    "(top_singular(X), the top singular vectors) holds where σ₁ is simple (σ₁ > σ₂).",
    "u₁v₁ᵀ, the outer product of the top left and right singular vectors of X, the gradient "
    "of the spectral norm; unique where the largest singular value is simple. Its differential "
    "(for Hessians), with T = u₁v₁ᵀ and σ = σ₁: P (σ dX TᵀT + X dXᵀ T) + (σ TTᵀ dX + T dXᵀ X) R, "
    "P = (σ²I − XXᵀ)⁺, R = (σ²I − XᵀX)⁺.")
