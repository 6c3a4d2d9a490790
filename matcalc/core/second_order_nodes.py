"""The factors second derivatives (Hessians) of the matrix and spectral functions are made of:
the second Fréchet derivative L²_f(X)[E, F] and its Kronecker form, the eigenvalue gaps Ω(S)
the eigenvectors' differential is made of, and the second divided differences F⁽²⁾_f(S) that
of the divided differences is made of.  None of them is differentiated again (a third
derivative through them is refused).
"""

from __future__ import annotations

from typing import Any

from matcalc.core.errors import ShapeError
from matcalc.core.expr import Expr, as_expr, describe
from matcalc.core.shapes import is_square_shape
from matcalc.core.spec import NodeSpec
from matcalc.core.unary import Unary
from matcalc.core.matrix_nodes import (
    MATRIX_FUNCTIONS, Expm, Logm, MatrixFunction, OfMatrixFunction, Sqrtm, divided_differences_node,
)  # fmt: skip


def _check(name: str, function: str, X: Expr, directions: tuple[Expr, ...]) -> None:
    if function not in MATRIX_FUNCTIONS:
        raise ShapeError(f"no primary matrix function {function!r}; choose one of "
                         f"{sorted(MATRIX_FUNCTIONS)}")
    if not (is_square_shape(X.shape) or X.is_scalar) or any(E.shape != X.shape
                                                             for E in directions):
        raise ShapeError(f"{name} needs a square X and directions of its shape, got "
                         + ", ".join(describe(a) for a in (X, *directions)))


class SecondFrechet(OfMatrixFunction):
    """L²_f(X)[E, F]: the second Fréchet derivative of the primary matrix function f at X, the
    derivative of L_f(X)[E] in the direction F: d(L_f(X)[E]) = L_f(X)[dE] + L²_f(X)[E, dX].
    It is bilinear and symmetric in E and F.  Its value is the upper-right n×n block of f of
    the 4n×4n block upper-triangular matrix [[X, E, F, 0], [0, X, 0, F], [0, 0, X, E],
    [0, 0, 0, X]] (Higham and Relton, Higher order Fréchet derivatives of matrix functions,
    SIAM J. Matrix Anal. Appl. 35(3), 2014, Thm 3.5).  Its adjoint in F for the Frobenius inner
    product: ⟨G, L²_f(X)[E, F]⟩ = ⟨L²_f(Xᵀ)[Eᵀ, G], F⟩ (f has real Taylor coefficients: each
    term of the power series Σ Xᵃ E Xᵇ F Xᶜ, transposed, is one of the series at Xᵀ)."""

    __slots__ = ()

    @classmethod
    def new(cls, function: str, X: Any, E: Any, F: Any) -> Expr:
        X, E, F = as_expr(X), as_expr(E), as_expr(F)
        _check(f"the second Fréchet derivative L²_{function}(X)[E, F]", function, X, (E, F))
        return cls._make((X, E, F), (function,), X.shape)


class SecondKroneckerForm(OfMatrixFunction):
    """K²_f(X, E), the n²×n² Kronecker form of the second Fréchet derivative in its second
    direction: vec L²_f(X)[E, F] = K²_f(X, E) vec F.  Generated code builds it column by column
    from L²_f(X)[E, Eᵢⱼ]."""

    __slots__ = ()

    @classmethod
    def new(cls, function: str, X: Any, E: Any) -> Expr:
        X, E = as_expr(X), as_expr(E)
        _check(f"the Kronecker form K²_{function}(X, E)", function, X, (E,))
        return cls._make((X, E), (function,), (X.rows * X.rows, X.cols * X.cols))


class EigenGaps(Unary):
    __slots__ = ()
    spec = NodeSpec(
        "eigh_gaps", latex=r"\Omega", unicode="Ω", numpy="_eigh_gaps({})", numpy_scalar="0.0",
        argument="square", result="same", public="eigh_gaps", spread_argument=True,
        doc="Ω(S), the reciprocal gaps of the eigenvalues λ of a symmetric S (of its symmetric "
        "part): Ω_ij = 1/(λⱼ − λᵢ) for i ≠ j and 0 on the diagonal, where the eigenvalues are "
        "distinct. The eigenvectors' differential is dV = V (Ω ⊙ (Vᵀ dS V)) (Magnus, On "
        "differentiating eigenvalues and eigenvectors, Econometric Theory 1, 1985). It is not "
        "differentiated further.")


class SecondDividedDifferences(Unary):
    """F⁽²⁾_f(S), the matrix of second divided differences f[λᵢ, λᵢ, λⱼ] of f at the eigenvalues
    of a symmetric S: with dλ = diag(Vᵀ dS V), the divided differences F⁽¹⁾_f(S) have the
    differential dF⁽¹⁾ = diag(dλ) F⁽²⁾ + F⁽²⁾ᵀ diag(dλ), as ∂f[a, b]/∂a = f[a, a, b]."""

    __slots__ = ()
    function: str = ""


def _second_divided_differences(cls: type[MatrixFunction]) -> type[SecondDividedDifferences]:
    f = cls.function
    return divided_differences_node(  # type: ignore[return-value]
        cls, SecondDividedDifferences, 2,
        f"F⁽²⁾_{f}(S), the second divided differences {f}[λᵢ, λᵢ, λⱼ] of {f} at the "
        f"eigenvalues λ of a symmetric S (of its symmetric part): ({f}′(λᵢ) − {f}[λᵢ, λⱼ])/"
        f"(λᵢ − λⱼ), and {f}″(λᵢ)/2 where λᵢ = λⱼ; the divided differences F⁽¹⁾_{f}(S) have "
        f"the differential diag(dλ) F⁽²⁾ + F⁽²⁾ᵀ diag(dλ). It is not differentiated further.")


ExpmDivdiff2, LogmDivdiff2, SqrtmDivdiff2 = (_second_divided_differences(cls)
                                             for cls in (Expm, Logm, Sqrtm))
#: the name of an elementwise function -> its second divided differences at a symmetric matrix
SECOND_DIVIDED_DIFFERENCES: dict[str, type[SecondDividedDifferences]] = {
    cls.function: cls for cls in (ExpmDivdiff2, LogmDivdiff2, SqrtmDivdiff2)}
