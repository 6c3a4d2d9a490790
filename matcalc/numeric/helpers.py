"""The helper functions generated code may call, by name, with the helpers each needs and the
modules they import."""

#: helper functions the generated code may call: name -> source
HELPERS = {
    "_scalar": '''def _scalar(value, name):
    a = np.asarray(value, dtype=float)
    if a.size != 1:
        raise ValueError(f"{name} is a scalar but got an array of shape {a.shape}")
    return a.reshape(1, 1)''',
    "_column": '''def _column(value, name, spelled):
    a = np.asarray(value, dtype=float)
    if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
        return a.reshape(-1, 1)
    raise ValueError(f"{name} is a vector ({spelled}) but got an array of shape {a.shape}")''',
    "_matrix": '''def _matrix(value, name, spelled):
    a = np.asarray(value, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} is a matrix ({spelled}) but got an array with {a.ndim} "
                         f"dimensions (shape {a.shape})")
    return a''',
    "_expect": '''def _expect(a, name, spelled, shape):
    if a.shape != shape:
        raise ValueError(f"{name} must be {spelled} = {shape}, got an array of shape {a.shape}")''',
    "_kron_matmul": '''def _kron_matmul(A, B, M):
    """(A ⊗ B) @ M without building A ⊗ B."""
    k = M.shape[1]
    Y = np.matmul(B, M.reshape(A.shape[1], B.shape[1], k))
    return np.tensordot(A, Y, axes=(1, 0)).reshape(A.shape[0] * B.shape[0], k)''',
    "_matmul_kron": '''def _matmul_kron(M, A, B):
    """M @ (A ⊗ B) without building A ⊗ B."""
    k = M.shape[0]
    Y = np.matmul(M.reshape(k, A.shape[0], B.shape[0]), B)
    return np.tensordot(Y, A, axes=(1, 0)).transpose(0, 2, 1).reshape(k, A.shape[1] * B.shape[1])''',
    "_commutation_perm": '''def _commutation_perm(m, n):
    """The permutation of K(m,n): K(m,n) v = v[perm], and K(m,n) vec(A) = vec(A.T)."""
    return np.arange(m * n).reshape((m, n), order="F").T.reshape(-1, order="F")''',
    "_commutation": '''def _commutation(m, n):
    return np.eye(m * n)[_commutation_perm(m, n)]''',
    "_softmax": '''def _softmax(z, axis=None, own=False):
    """softmax(z), shifted by its maximum; own: z is a new array nothing else holds, and the
    result is written into it."""
    top = z.max(axis=axis, keepdims=True)
    e = np.subtract(z, top, out=z if own else None)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e''',
    "_logsumexp": '''def _logsumexp(z, axis=None):
    if axis is None:
        return np.logaddexp.reduce(z, axis=None)
    top = z.max(axis=axis, keepdims=True)
    return top + np.log(np.exp(z - top).sum(axis=axis, keepdims=True))''',
    "_log_softmax": '''def _log_softmax(z, axis=None, own=False):
    """log softmax(z) = z − logsumexp(z), shifted by the maximum; own: as for _softmax."""
    top = z.max(axis=axis, keepdims=True)
    shifted = np.subtract(z, top, out=z if own else None)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted''',
    "_log_softmax_pair": '''def _log_softmax_pair(z, axis=None, own=False):
    """log softmax(z) and softmax(z) from one exponential: z − max − log Σe and e / Σe;
    own: as for _softmax."""
    top = z.max(axis=axis, keepdims=True)
    shifted = np.subtract(z, top, out=z if own else None)
    e = np.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    e /= total
    shifted -= np.log(total)
    return shifted, e''',
    "_logdet": '''def _logdet(X):
    sign, value = np.linalg.slogdet(X)
    if sign <= 0:  # like inv of a singular matrix: an error, not a NaN to find later
        raise np.linalg.LinAlgError("log det X needs det X > 0")
    return value''',
    "_real": '''def _real(R, name):
    """The principal value of a matrix function, real where no eigenvalue of its argument is on
    the closed negative real axis; otherwise an error."""
    if np.iscomplexobj(R):
        if np.abs(R.imag).max() > 1e-8 * max(1.0, np.abs(R.real).max()):
            raise np.linalg.LinAlgError(f"{name}(X) needs X with no eigenvalue on the closed "
                                        "negative real axis (its value is not real)")
        R = R.real
    return R''',
    "_logm": '''def _logm(X):
    return _real(scipy.linalg.logm(X), "logm")''',
    "_sqrtm": '''def _sqrtm(X):
    return _real(scipy.linalg.sqrtm(X), "sqrtm")''',
    "_frechet_exp": '''def _frechet_exp(X, E):
    """L_exp(X)[E], the Fréchet derivative of the matrix exponential."""
    return scipy.linalg.expm_frechet(X, E, compute_expm=False)''',
    "_frechet_log": '''def _frechet_log(X, E):
    """L_log(X)[E]: the upper-right block of log([[X, E], [0, X]])."""
    n = X.shape[0]
    return _logm(np.block([[X, E], [np.zeros_like(X), X]]))[:n, n:]''',
    "_frechet_sqrt": '''def _frechet_sqrt(X, E):
    """L_sqrt(X)[E]: the upper-right block of sqrtm([[X, E], [0, X]])."""
    n = X.shape[0]
    return _sqrtm(np.block([[X, E], [np.zeros_like(X), X]]))[:n, n:]''',
    "_kron_form": '''def _kron_form(frechet, X):
    """K with vec L(X)[E] = K vec E, column by column: vec L(X)[Eᵢⱼ] (vec stacks columns)."""
    n = X.shape[0]
    K = np.empty((n * n, n * n))
    for k in range(n * n):
        E = np.zeros(n * n)
        E[k] = 1.0
        K[:, k] = frechet(X, E.reshape((n, n), order="F")).reshape(-1, order="F")
    return K''',
    "_kron_form_exp": '''def _kron_form_exp(X):
    return _kron_form(_frechet_exp, X)''',
    "_kron_form_log": '''def _kron_form_log(X):
    return _kron_form(_frechet_log, X)''',
    "_kron_form_sqrt": '''def _kron_form_sqrt(X):
    return _kron_form(_frechet_sqrt, X)''',
    "_divdiff_exp": '''def _divdiff_exp(S):
    """(exp λᵢ − exp λⱼ)/(λᵢ − λⱼ) = exp λⱼ expm1(δ)/δ, δ = λᵢ − λⱼ, at the eigenvalues of S."""
    lam = np.linalg.eigvalsh((S + S.T) / 2)
    delta = lam[:, None] - lam[None, :]
    safe = np.where(delta == 0, 1.0, delta)
    return np.exp(lam[None, :]) * np.where(delta == 0, 1.0, np.expm1(delta) / safe)''',
    "_divdiff_log": '''def _divdiff_log(S):
    """(log λᵢ − log λⱼ)/(λᵢ − λⱼ) = log1p(δ/λⱼ)/δ, δ = λᵢ − λⱼ, at the eigenvalues of S."""
    lam = _positive_eigenvalues(S, "logm")
    delta = lam[:, None] - lam[None, :]
    safe = np.where(delta == 0, 1.0, delta)
    return np.where(delta == 0, 1.0 / lam[None, :], np.log1p(delta / lam[None, :]) / safe)''',
    "_divdiff_sqrt": '''def _divdiff_sqrt(S):
    """(√λᵢ − √λⱼ)/(λᵢ − λⱼ) = 1/(√λᵢ + √λⱼ) at the eigenvalues of S."""
    root = np.sqrt(_positive_eigenvalues(S, "sqrtm"))
    return 1.0 / (root[:, None] + root[None, :])''',
    "_positive_eigenvalues": '''def _positive_eigenvalues(S, name):
    lam = np.linalg.eigvalsh((S + S.T) / 2)
    if lam.min() <= 0:
        raise np.linalg.LinAlgError(f"{name}(S) of a symmetric S needs positive eigenvalues")
    return lam''',
    "_eigvalsh": '''def _eigvalsh(S):
    """The eigenvalues of the symmetric part of S, ascending, as a column."""
    return np.linalg.eigvalsh((S + S.T) / 2)[:, None]''',
    "_eigvecsh": '''def _eigvecsh(S):
    """The eigenvectors of the symmetric part of S, in the order of _eigvalsh."""
    return np.linalg.eigh((S + S.T) / 2)[1]''',
    "_polar": '''def _polar(X):
    """U Vᵀ from the thin SVD X = U Σ Vᵀ."""
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return U @ Vt''',
    "_top_singular": '''def _top_singular(X):
    """u₁v₁ᵀ, the top singular vectors' outer product."""
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return U[:, :1] @ Vt[:1, :]''',
    "_frechet2": '''def _frechet2(f, X, E, F):
    """L²_f(X)[E, F]: the upper-right n×n block of f([[X, E, F, 0], [0, X, 0, F], [0, 0, X, E],
    [0, 0, 0, X]]) (Higham and Relton, Higher order Fréchet derivatives, 2014)."""
    n = X.shape[0]
    Z = np.zeros_like(X)
    return f(np.block([[X, E, F, Z], [Z, X, Z, F], [Z, Z, X, E], [Z, Z, Z, X]]))[:n, 3 * n:]''',
    "_frechet2_exp": '''def _frechet2_exp(X, E, F):
    return _frechet2(scipy.linalg.expm, X, E, F)''',
    "_frechet2_log": '''def _frechet2_log(X, E, F):
    return _frechet2(_logm, X, E, F)''',
    "_frechet2_sqrt": '''def _frechet2_sqrt(X, E, F):
    return _frechet2(_sqrtm, X, E, F)''',
    "_kron_form2_exp": '''def _kron_form2_exp(X, E):
    """K with vec L²_exp(X)[E, F] = K vec F."""
    return _kron_form(lambda X, F: _frechet2_exp(X, E, F), X)''',
    "_kron_form2_log": '''def _kron_form2_log(X, E):
    return _kron_form(lambda X, F: _frechet2_log(X, E, F), X)''',
    "_kron_form2_sqrt": '''def _kron_form2_sqrt(X, E):
    return _kron_form(lambda X, F: _frechet2_sqrt(X, E, F), X)''',
    "_eigh_gaps": '''def _eigh_gaps(S):
    """Ω_ij = 1/(λⱼ − λᵢ) off the diagonal, 0 on it, at the eigenvalues of the symmetric part."""
    lam = np.linalg.eigvalsh((S + S.T) / 2)
    gaps = lam[None, :] - lam[:, None]
    np.fill_diagonal(gaps, 1.0)
    if np.abs(gaps).min() <= 1e-12 * max(1.0, np.abs(lam).max()):
        raise np.linalg.LinAlgError("the derivative of the eigenvectors needs distinct eigenvalues")
    out = 1.0 / gaps
    np.fill_diagonal(out, 0.0)
    return out''',
    "_divdiff2": '''def _divdiff2(lam, slope, curvature, first):
    """f[λᵢ, λᵢ, λⱼ] = (f′(λᵢ) − f[λᵢ, λⱼ])/(λᵢ − λⱼ), and f″(λᵢ)/2 where λᵢ and λⱼ agree to
    1e-8 (where the quotient would lose its digits); ``first`` holds f[λᵢ, λⱼ]."""
    delta = lam[:, None] - lam[None, :]
    close = np.abs(delta) <= 1e-8 * max(1.0, np.abs(lam).max())
    safe = np.where(close, 1.0, delta)
    return np.where(close, curvature(lam)[:, None] / 2 + 0.0 * delta,
                    (slope(lam)[:, None] - first) / safe)''',
    "_divdiff2_exp": '''def _divdiff2_exp(S):
    """exp[λᵢ, λᵢ, λⱼ] at the eigenvalues of S."""
    lam = np.linalg.eigvalsh((S + S.T) / 2)
    return _divdiff2(lam, np.exp, np.exp, _divdiff_exp(S))''',
    "_divdiff2_log": '''def _divdiff2_log(S):
    """log[λᵢ, λᵢ, λⱼ] at the eigenvalues of S."""
    lam = _positive_eigenvalues(S, "logm")
    return _divdiff2(lam, lambda x: 1.0 / x, lambda x: -1.0 / x ** 2, _divdiff_log(S))''',
    "_divdiff2_sqrt": '''def _divdiff2_sqrt(S):
    """sqrt[λᵢ, λᵢ, λⱼ] = −1/(2√λᵢ (√λᵢ + √λⱼ)²) at the eigenvalues of S (no cancellation)."""
    root = np.sqrt(_positive_eigenvalues(S, "sqrtm"))
    return -1.0 / (2.0 * root[:, None] * (root[:, None] + root[None, :]) ** 2)''',
    "_row_sums": '''def _row_sums(M, m):
    """M @ ones((k, m)) without the product: the row sums of M, repeated in m columns."""
    s = M.sum(axis=1, keepdims=True)
    return s if m == 1 else s * np.ones((1, m))''',
    "_column_sums": '''def _column_sums(M, k):
    """ones((k, m)) @ M without the product: the column sums of M, repeated in k rows."""
    s = M.sum(axis=0, keepdims=True)
    return s if k == 1 else np.ones((k, 1)) * s''',
    "_add_diagonal": '''def _add_diagonal(M, v, negate=False):
    """diag(v) + M, or diag(v) − M with negate, written into M: a new array nothing else holds."""
    if negate:
        np.negative(M, out=M)
    M[np.diag_indices_from(M)] += np.reshape(v, -1)  # a column, or a number for c·I
    return M''',
    "_minus_into": '''def _minus_into(A, B):
    """A − B written into B: a new array nothing else holds (X − U @ V.T makes one array)."""
    return np.subtract(A, B, out=B)''',
    "_plus_diagonal": '''def _plus_diagonal(M, v):
    """diag(v) + M in one new array, M unchanged."""
    return _add_diagonal(np.array(M, copy=True), v)''',
    "_lu_factor": '''def _lu_factor(X):
    """P L U = X, once for every inverse, solve and determinant of X."""
    # LAPACK's getrf itself: scipy's lu_factor would print a LinAlgWarning before our error
    getrf, = scipy.linalg.lapack.get_lapack_funcs(("getrf",), (X,))
    lu, piv, info = getrf(X)
    if info > 0 or not np.all(np.diag(lu)):
        raise np.linalg.LinAlgError("Singular matrix")
    return lu, piv''',
    "_lu_solve": '''def _lu_solve(F, B, trans=0):
    """X⁻¹ B (trans=1: X⁻ᵀ B) from the LU factors of X."""
    return scipy.linalg.lu_solve(F, B, trans=trans, check_finite=False)''',
    "_lu_inv": '''def _lu_inv(F):
    return _lu_solve(F, np.eye(F[0].shape[0]))''',
    "_lu_det": '''def _lu_det(F):
    lu, piv = F
    swaps = np.count_nonzero(piv != np.arange(piv.shape[0]))
    return (-1.0) ** swaps * np.prod(np.diag(lu))''',
    "_lu_logdet": '''def _lu_logdet(F):
    lu, piv = F
    d = np.diag(lu)
    if (-1.0) ** np.count_nonzero(piv != np.arange(piv.shape[0])) * np.prod(np.sign(d)) <= 0:
        raise np.linalg.LinAlgError("log det X needs det X > 0")
    return np.sum(np.log(np.abs(d)))''',
    "_cho_factor": '''def _cho_factor(X):
    """The Cholesky factor of a matrix declared spd, once for all its uses."""
    return scipy.linalg.cho_factor(X, check_finite=False)''',
    "_cho_solve": '''def _cho_solve(F, B):
    return scipy.linalg.cho_solve(F, B, check_finite=False)''',
    "_cho_inv": '''def _cho_inv(F):
    """X⁻¹ from the Cholesky factor of X: LAPACK's potri (n³ flops, against 2n³ for n solves),
    which writes one triangle; the other is copied from it in place, 64 columns at a time
    (triu/tril temporaries made three new n×n arrays, whose page faults cost more than potri
    on a virtual machine)."""
    potri, = scipy.linalg.lapack.get_lapack_funcs(("potri",), (F[0],))
    inverse, info = potri(F[0], lower=F[1])
    if info != 0:
        raise np.linalg.LinAlgError("the Cholesky factor is singular")
    M = inverse.T if F[1] else inverse  # M's upper triangle holds X⁻¹
    n = M.shape[0]
    for i in range(0, n, 64):
        j = min(i + 64, n)
        M[j:, i:j] = M[i:j, j:].T
        block = M[i:j, i:j]
        np.copyto(block, block.T, where=np.tri(j - i, k=-1, dtype=bool))
    return inverse''',
    "_cho_det": '''def _cho_det(F):
    return np.prod(np.diag(F[0])) ** 2''',
    "_cho_logdet": '''def _cho_logdet(F):
    return 2.0 * np.sum(np.log(np.diag(F[0])))''',
}
#: the helpers a helper calls, and the modules helpers import
HELPER_NEEDS = {"_commutation": ("_commutation_perm",), "_logm": ("_real",), "_sqrtm": ("_real",),
                "_frechet_log": ("_logm", "_real"), "_frechet_sqrt": ("_sqrtm", "_real"),
                "_kron_form_exp": ("_kron_form", "_frechet_exp"),
                "_divdiff_log": ("_positive_eigenvalues",),
                "_divdiff_sqrt": ("_positive_eigenvalues",),
                "_kron_form_log": ("_kron_form", "_frechet_log", "_logm", "_real"),
                "_kron_form_sqrt": ("_kron_form", "_frechet_sqrt", "_sqrtm", "_real"),
                "_frechet2_exp": ("_frechet2",), "_frechet2_log": ("_frechet2", "_logm", "_real"),
                "_frechet2_sqrt": ("_frechet2", "_sqrtm", "_real"),
                "_kron_form2_exp": ("_kron_form", "_frechet2_exp", "_frechet2"),
                "_kron_form2_log": ("_kron_form", "_frechet2_log", "_frechet2", "_logm", "_real"),
                "_kron_form2_sqrt": ("_kron_form", "_frechet2_sqrt", "_frechet2", "_sqrtm",
                                     "_real"),
                "_divdiff2_exp": ("_divdiff2", "_divdiff_exp"),
                "_divdiff2_log": ("_divdiff2", "_divdiff_log", "_positive_eigenvalues"),
                "_divdiff2_sqrt": ("_positive_eigenvalues",),
                "_plus_diagonal": ("_add_diagonal",), "_lu_inv": ("_lu_solve",)}
HELPER_IMPORTS = {"_logm": "scipy.linalg", "_sqrtm": "scipy.linalg",
                  "_frechet_exp": "scipy.linalg", "_frechet2_exp": "scipy.linalg",
                  "_lu_factor": "scipy.linalg.lapack", "_lu_solve": "scipy.linalg",
                  "_cho_factor": "scipy.linalg", "_cho_solve": "scipy.linalg",
                  "_cho_inv": "scipy.linalg.lapack"}
