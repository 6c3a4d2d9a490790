"""Canonical forms of the matrix and spectral functions: the pseudo-inverse, expm, logm and
sqrtm with their Fréchet derivative, eigenvalues and eigenvectors, the nuclear and spectral
norms and their singular-vector factors.  On a 1×1 argument each is its scalar function (pinv(s)
= 1/s, expm(s) = exp(s), ‖s‖_* = |s|, …), and on a vector each norm is the Euclidean norm."""

from __future__ import annotations

from matcalc.core.expr import Expr, Transpose
from matcalc.core.matrix_nodes import (
    DIVIDED_DIFFERENCES, KRONECKER_FORMS, MATRIX_FUNCTIONS, Eigvalsh, Eigvecsh, Expm, Frechet, NuclearNorm, Pinv, Polar,
    SpectralNorm, Sqrtm, TopSingular,
)  # fmt: skip
from matcalc.core.nodes import Identity
from matcalc.core.second_order_nodes import (
    SECOND_DIVIDED_DIFFERENCES, EigenGaps, SecondFrechet, SecondKroneckerForm,
)  # fmt: skip
from matcalc.rules.simplify.algebra import (
    c_func, c_inverse, c_matmul, c_mul, c_pow, c_transpose, is_symmetric,
)  # fmt: skip
from matcalc.rules.simplify.base import const, is_zero, split_coefficient, split_scalars, zero
from matcalc.rules.simplify.reductions import c_norm2


def c_pinv(a: Expr) -> Expr:
    """pinv(s) = 1/s for a scalar; (Aᵀ)⁺ = (A⁺)ᵀ; (cA)⁺ = A⁺/c for a number c ≠ 0; 0⁺ = 0ᵀ."""
    if is_zero(a):
        return zero((a.cols, a.rows))
    if a.is_scalar:
        return c_pow(a, -1)
    if isinstance(a, Transpose):
        return c_transpose(c_pinv(a.args[0]))
    c, rest = split_coefficient(a)
    if c != 1 and c != 0 and rest is not None:
        return c_mul([const(1 / c), c_pinv(rest)])
    return Pinv.new(a)


def c_matrix_function(cls: type, a: Expr) -> Expr:
    """f(s) is the scalar f for a 1×1 argument; expm(0) = I; f(Aᵀ) = f(A)ᵀ."""
    if a.is_scalar:
        return c_func(cls.function, a)
    if cls is Expm and is_zero(a):
        return Identity.new(a.rows)
    if isinstance(a, Transpose):
        return c_transpose(c_matrix_function(cls, a.args[0]))
    return cls.new(a)


#: f′(x) of each primary matrix function's scalar case, in canonical form
SLOPES = {
    "exp": lambda x: c_func("exp", x),
    "log": lambda x: c_pow(x, -1),
    "sqrt": lambda x: c_mul([const(0.5), c_pow(x, -0.5)]),
}


#: f′(X), the primary matrix function of f′, for each primary matrix function
MATRIX_SLOPES = {
    "exp": lambda X: c_matrix_function(Expm, X),
    "log": lambda X: c_inverse(X),
    "sqrt": lambda X: c_mul([const(0.5), c_inverse(c_matrix_function(Sqrtm, X))]),
}


def c_frechet(function: str, X: Expr, E: Expr) -> Expr:
    """L_f(X)[0] = 0; L_f(x)[e] = f′(x) e for a scalar x; L_f(X)[cE] = c L_f(X)[E] (linear
    in E); in a direction that commutes with X, L_f(X)[E] = E f′(X): L_f(X)[I] = f′(X) and
    L_f(cE)[E] = E f′(cE); at a symmetric X = V Λ Vᵀ, the eigen form V (F⁽¹⁾ ⊙ (Vᵀ E V)) Vᵀ with
    the divided differences F⁽¹⁾ of f at the eigenvalues."""
    if is_zero(E):
        return zero(E.shape)
    if X.is_scalar:
        return c_mul([SLOPES[function](X), E])
    scalars, core = split_scalars(E)
    if scalars:
        return c_mul([*scalars, c_frechet(function, X, core)])
    if isinstance(E, Identity):
        return MATRIX_SLOPES[function](X)
    if E is X or split_scalars(X)[1] is E:  # E commutes with X = cE: L_f(cE)[E] = E f′(cE)
        return c_matmul([E, MATRIX_SLOPES[function](X)])
    if is_symmetric(X):  # the eigen form (Daleckii–Krein): V (F⁽¹⁾ ⊙ (Vᵀ E V)) Vᵀ
        V = c_eigvecsh(X)
        Vt = c_transpose(V)
        inner = c_mul([DIVIDED_DIFFERENCES[function].new(X), c_matmul([Vt, E, V])])
        return c_matmul([V, inner, Vt])
    return Frechet.new(function, X, E)


#: f″(x) of each primary matrix function's scalar case, in canonical form
SECOND_SLOPES = {
    "exp": lambda x: c_func("exp", x),
    "log": lambda x: c_mul([const(-1), c_pow(x, -2)]),
    "sqrt": lambda x: c_mul([const(-0.25), c_pow(x, -1.5)]),
}


def c_second_frechet(function: str, X: Expr, E: Expr, F: Expr) -> Expr:
    """L²_f(X)[E, F] = 0 if E or F is 0; f″(x) e f for a scalar x; numbers out of E and F
    (bilinear)."""
    if is_zero(E) or is_zero(F):
        return zero(X.shape)
    if X.is_scalar:
        return c_mul([SECOND_SLOPES[function](X), E, F])
    (e_scalars, E), (f_scalars, F) = split_scalars(E), split_scalars(F)
    node = SecondFrechet.new(function, X, E, F)
    return c_mul([*e_scalars, *f_scalars, node]) if e_scalars or f_scalars else node


def c_second_kronecker_form(function: str, X: Expr, E: Expr) -> Expr:
    """K²_f(x, e) = f″(x) e for a 1×1 argument; K²_f(X, 0) = 0; numbers out of E."""
    if X.is_scalar:
        return c_mul([SECOND_SLOPES[function](X), E])
    if is_zero(E):
        return zero((X.rows * X.rows, X.cols * X.cols))
    scalars, E = split_scalars(E)
    node = SecondKroneckerForm.new(function, X, E)
    return c_mul([*scalars, node]) if scalars else node


def c_second_divided_differences(cls: type, a: Expr) -> Expr:
    """F⁽²⁾_f(x) = f[x, x, x] = f″(x)/2 for a 1×1 argument."""
    if a.is_scalar:
        return c_mul([const(0.5), SECOND_SLOPES[cls.function](a)])
    return cls.new(a)


def c_eigen_gaps(a: Expr) -> Expr:
    """Ω of a 1×1 matrix is 0 (no gaps); Ω(Aᵀ) = Ω(A) (of the symmetric part)."""
    if isinstance(a, Transpose):
        return c_eigen_gaps(a.args[0])
    return const(0) if a.is_scalar else EigenGaps.new(a)


def c_kronecker_form(cls: type, a: Expr) -> Expr:
    """K_f(x) = F⁽¹⁾_f(x) = f′(x) for a 1×1 argument."""
    return SLOPES[cls.function](a) if a.is_scalar else cls.new(a)


def c_eigvalsh(a: Expr) -> Expr:
    """λ(s) = s for a scalar; λ(Aᵀ) = λ(A) (the eigenvalues of the symmetric part)."""
    if isinstance(a, Transpose):
        return c_eigvalsh(a.args[0])
    return a if a.is_scalar else Eigvalsh.new(a)


def c_eigvecsh(a: Expr) -> Expr:
    """The eigenvector of a 1×1 matrix is 1; V(Aᵀ) = V(A) (of the symmetric part)."""
    if isinstance(a, Transpose):
        return c_eigvecsh(a.args[0])
    return const(1) if a.is_scalar else Eigvecsh.new(a)


def c_singular_norm(cls: type, a: Expr) -> Expr:
    """‖0‖ = 0; of a scalar |s|; of a vector (or its transpose) the Euclidean norm;
    ‖cA‖ = |c| ‖A‖ for a number c; ‖Aᵀ‖ = ‖A‖ (the nuclear and spectral norms)."""
    if isinstance(a, Transpose):
        return c_singular_norm(cls, a.args[0])
    if is_zero(a) or a.is_scalar or 1 in (a.rows, a.cols):
        return c_norm2(a)
    c, rest = split_coefficient(a)
    if c != 1 and rest is not None:
        return c_mul([const(abs(c)), c_singular_norm(cls, rest)])
    return cls.new(a)


def c_singular_factor(cls: type, a: Expr) -> Expr:
    """U Vᵀ and u₁v₁ᵀ: sign(s) of a scalar, x/‖x‖ of a vector; of Aᵀ the transpose."""
    if a.is_scalar:
        return c_func("sign", a)
    if 1 in (a.rows, a.cols):
        return c_mul([c_pow(c_norm2(a), -1), a])
    if isinstance(a, Transpose):
        return c_transpose(c_singular_factor(cls, a.args[0]))
    return cls.new(a)


#: node type -> rule(node, canonical args) -> canonical node, for the nodes of this module
SPECTRAL = {
    Pinv: lambda n, a: c_pinv(a[0]),
    **{cls: (lambda n, a: c_matrix_function(type(n), a[0])) for cls in MATRIX_FUNCTIONS.values()},
    Frechet: lambda n, a: c_frechet(n.function, a[0], a[1]),
    **{cls: (lambda n, a: c_kronecker_form(type(n), a[0])) for cls in KRONECKER_FORMS.values()},
    **{cls: (lambda n, a: c_kronecker_form(type(n), a[0])) for cls in DIVIDED_DIFFERENCES.values()},
    Eigvalsh: lambda n, a: c_eigvalsh(a[0]),
    SecondFrechet: lambda n, a: c_second_frechet(n.function, *a),
    SecondKroneckerForm: lambda n, a: c_second_kronecker_form(n.function, *a),
    **{cls: (lambda n, a: c_second_divided_differences(type(n), a[0]))
       for cls in SECOND_DIVIDED_DIFFERENCES.values()},
    EigenGaps: lambda n, a: c_eigen_gaps(a[0]),
    Eigvecsh: lambda n, a: c_eigvecsh(a[0]),
    NuclearNorm: lambda n, a: c_singular_norm(NuclearNorm, a[0]),
    SpectralNorm: lambda n, a: c_singular_norm(SpectralNorm, a[0]),
    Polar: lambda n, a: c_singular_factor(Polar, a[0]),
    TopSingular: lambda n, a: c_singular_factor(TopSingular, a[0]),
}

__all__ = ["c_pinv", "c_matrix_function", "c_frechet", "c_eigvalsh", "c_eigvecsh",
           "c_kronecker_form", "c_singular_norm", "c_second_frechet",
           "c_second_kronecker_form", "c_second_divided_differences", "c_eigen_gaps",
           "c_singular_factor", "SPECTRAL", "SLOPES"]
