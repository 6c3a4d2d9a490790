"""Differentials of the factors first derivatives of the matrix and spectral functions are made
of, so that their second derivatives (Hessians) exist: the Fréchet derivative L_f(X)[E], the
eigenvectors and divided differences of the eigen form, the polar factor U Vᵀ and the top
singular vectors u₁v₁ᵀ.  Each holds under the assumption of the first derivative it extends
(distinct eigenvalues, full rank, a simple largest singular value); each was checked against
central differences of the closed form before it was written here.
"""

from __future__ import annotations

from typing import Optional

from matcalc.core.expr import Expr
from matcalc.core.matrix_nodes import SpectralNorm
from matcalc.core.nodes import Identity
from matcalc.rules.simplify import (
    c_add, c_diag, c_diagpart, c_eigen_gaps, c_eigvecsh, c_frechet, c_inverse, c_matmul, c_mul,
    c_pinv, c_pow, c_second_divided_differences, c_second_frechet, c_singular_norm, c_transpose,
    const, is_symmetric,
)  # fmt: skip
from matcalc.core.second_order_nodes import SECOND_DIVIDED_DIFFERENCES

D = Optional[Expr]


def d_frechet(node: Expr, d: list[D]) -> D:
    """d(L_f(X)[E]) = L_f(X)[dE] + L²_f(X)[E, dX], with the second Fréchet derivative L²_f
    (Higham and Relton, Higher order Fréchet derivatives of matrix functions, 2014)."""
    X, E = node.args
    dX, dE = d
    parts = []
    if dE is not None:
        parts.append(c_frechet(node.function, X, dE))
    if dX is not None:
        parts.append(c_second_frechet(node.function, X, E, dX))
    return c_add(parts) if parts else None


def _symmetric_part(S: Expr, dS: Expr) -> Expr:
    """The symmetric part of dS, the only part the eigenvectors of S's symmetric part see: dS
    itself where S (so dS) is symmetric by its structure."""
    return dS if is_symmetric(S) else c_mul([const(0.5), c_add([dS, c_transpose(dS)])])


def d_eigvecsh(node: Expr, dS: Expr) -> Expr:
    """dV = V (Ω ⊙ (Vᵀ dS V)), Ω_ij = 1/(λⱼ − λᵢ) off the diagonal and 0 on it: dvⱼ = Σᵢ≠ⱼ
    vᵢ (vᵢᵀ dS vⱼ)/(λⱼ − λᵢ), for distinct eigenvalues (Magnus 1985; the eigenvectors' signs,
    fixed by the eigensolver, are constant along dS).  dS enters by its symmetric part."""
    S, V = node.arg, node
    inner = c_matmul([c_transpose(V), _symmetric_part(S, dS), V])
    return c_matmul([V, c_mul([c_eigen_gaps(S), inner])])


def d_divided_differences(node: Expr, dS: Expr) -> Expr:
    """dF⁽¹⁾ = diag(dλ) F⁽²⁾ + F⁽²⁾ᵀ diag(dλ), dλ = diag(Vᵀ dS V): F⁽¹⁾_ij = f[λᵢ, λⱼ] has
    ∂/∂λᵢ = f[λᵢ, λᵢ, λⱼ] = F⁽²⁾_ij and ∂/∂λⱼ = f[λᵢ, λⱼ, λⱼ] = F⁽²⁾_ji (divided differences
    are symmetric in their points; on the diagonal both give f″(λᵢ)/2)."""
    S = node.arg
    V = c_eigvecsh(S)
    dlam = c_diag(c_diagpart(c_matmul([c_transpose(V), dS, V])))
    F2 = c_second_divided_differences(SECOND_DIVIDED_DIFFERENCES[node.function], S)
    return c_add([c_matmul([dlam, F2]), c_matmul([c_transpose(F2), dlam])])


def d_polar(node: Expr, dX: Expr) -> Expr:
    """For X = U Σ Vᵀ (thin SVD, full rank, m×n either way round) and Q = U Vᵀ:
    dQ = Q L_sqrt(XᵀX + I − QᵀQ)[Qᵀ dX QᵀQ − QᵀQ dXᵀ Q] + (I − QQᵀ) dX X⁺ Q + Q X⁺ dX (I − QᵀQ).
    The first term is U (Ω ⊙ (Uᵀ dX V − Vᵀ dXᵀ U)) Vᵀ with Ω_ij = 1/(σᵢ + σⱼ) (Papadopoulo and
    Lourakis, Estimating the Jacobian of the SVD, 2000): Z = V Y Vᵀ solves the Sylvester
    equation H Z + Z H = V M Vᵀ with H = VΣVᵀ + I − VVᵀ positive definite, whose solution is
    L_sqrt(H²)[·] (H² = XᵀX + I − QᵀQ).  The last two terms are the parts of dX outside the
    column and row spaces (X⁺ Q = VΣ⁻¹Vᵀ, Q X⁺ = UΣ⁻¹Uᵀ); one of them is 0 for a tall or wide X,
    both for a square one."""
    X, Q = node.arg, node
    Qt, dXt = c_transpose(Q), c_transpose(dX)
    QtQ, QQt, P = c_matmul([Qt, Q]), c_matmul([Q, Qt]), c_pinv(X)
    minus = const(-1)
    I_n, I_m = Identity.new(X.cols), Identity.new(X.rows)
    at = c_add([c_matmul([c_transpose(X), X]), I_n, c_mul([minus, QtQ])])
    skew = c_add([c_matmul([Qt, dX, QtQ]), c_mul([minus, c_matmul([QtQ, dXt, Q])])])
    return c_add([
        c_matmul([Q, c_frechet("sqrt", at, skew)]),
        c_matmul([c_add([I_m, c_mul([minus, QQt])]), dX, P, Q]),
        c_matmul([Q, P, dX, c_add([I_n, c_mul([minus, QtQ])])]),
    ])


def d_top_singular(node: Expr, dX: Expr) -> Expr:
    """For a simple largest singular value σ of X with vectors u, v and T = u vᵀ:
    dT = du vᵀ + u dvᵀ = P (σ dX TᵀT + X dXᵀ T) + (σ TTᵀ dX + T dXᵀ X) R, from
    du = P (σ dX v + X dXᵀ u) and dv = R (σ dXᵀ u + Xᵀ dX v), P = (σ²I − XXᵀ)⁺,
    R = (σ²I − XᵀX)⁺ (differentiating XXᵀu = σ²u with uᵀdu = 0).  The pseudo-inverses are
    written deflated, P = (σ²(I + TTᵀ) − XXᵀ)⁻¹ − TTᵀ/σ², an inverse of a well-conditioned
    matrix rather than a pseudo-inverse at a rank drop (exact: u is an eigenvector of both)."""
    X, T = node.arg, node
    Xt, Tt, dXt = c_transpose(X), c_transpose(T), c_transpose(dX)
    sigma = c_singular_norm(SpectralNorm, X)
    sigma2 = c_pow(sigma, 2)

    def deflated(I: Expr, uu: Expr, gram: Expr) -> Expr:
        inverse = c_inverse(c_add([c_mul([sigma2, c_add([I, uu])]), c_mul([const(-1), gram])]))
        return c_add([inverse, c_mul([const(-1), c_pow(sigma, -2), uu])])

    TTt, TtT = c_matmul([T, Tt]), c_matmul([Tt, T])
    P = deflated(Identity.new(X.rows), TTt, c_matmul([X, Xt]))
    R = deflated(Identity.new(X.cols), TtT, c_matmul([Xt, X]))
    left = c_add([c_mul([sigma, c_matmul([dX, TtT])]), c_matmul([X, dXt, T])])
    right = c_add([c_mul([sigma, c_matmul([TTt, dX])]), c_matmul([T, dXt, X])])
    return c_add([c_matmul([P, left]), c_matmul([right, R])])
