"""The backend table of the code generator: how numpy's spellings read in JAX and in PyTorch.

The generator writes one function in numpy's spellings; a backend is a table that translates
them: module imports, function names (``np.linalg.solve`` → ``torch.linalg.solve``), a few
literal rewrites where the call itself differs, and the helper functions it replaces or lacks.
There is one generator and no per-backend printer, so an optimisation made once serves all.

JAX code is traceable by ``jax.jit`` and ``jax.vmap``: its helpers never branch on values
(``log det`` of a matrix with det ≤ 0 is NaN, not an exception), shapes are checked at trace
time.  PyTorch code runs on the device and dtype of its inputs: constants (``eye``, ``ones``)
are made like the first floating-point tensor argument.  A spelling a backend lacks makes the
generator raise :class:`UnsupportedError` naming the node and the backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from matcalc.core.errors import UnsupportedError
from matcalc.numeric.helpers import HELPER_NEEDS, HELPERS

#: a numpy or SciPy call in generated text (not already part of jnp., jax.scipy., torch.)
CALL = re.compile(r"(?<![\w.])(?:np|scipy)\.[A-Za-z_][\w.]*")
#: a helper call in generated text
HELPER_CALL = re.compile(r"(?<![\w.])(_[a-z][a-z0-9_]*)\(")


@dataclass(frozen=True)
class Backend:
    name: str
    #: the import lines of generated code
    imports: tuple[str, ...]
    #: numpy spelling -> this backend's, whole names; None: a prefix rule (``prefixes``)
    calls: dict[str, str] = field(default_factory=dict)
    #: numpy prefix -> this backend's prefix, for names ``calls`` does not list
    prefixes: tuple[tuple[str, str], ...] = ()
    #: literal rewrites made before the names are translated (a call whose form differs)
    literal: tuple[tuple[str, str], ...] = ()
    #: helper name -> source replacing numpy's; helper name -> why this backend lacks it
    helpers: dict[str, str] = field(default_factory=dict)
    lacks: dict[str, str] = field(default_factory=dict)
    #: a scalar result, with {} for the value
    scalar_result: str = "float(np.asarray({}).reshape(-1)[0])"
    #: extra arguments of the input-checking helpers (torch: the reference tensor)
    prep_extra: str = ""
    #: the module a numpy-side module import becomes (None: nothing to import)
    modules: dict[str, Optional[str]] = field(default_factory=dict)

    def call(self, name: str) -> Optional[str]:
        """This backend's spelling of a numpy or SciPy name, or None if it has none."""
        if name in self.calls:
            return self.calls[name]
        for old, new in self.prefixes:
            if name.startswith(old):
                return new + name[len(old):]
        return None

    def translate(self, text: str) -> str:
        for old, new in self.literal:
            text = text.replace(old, new)
        return CALL.sub(lambda m: self.call(m.group(0)) or m.group(0), text)

    def lacking(self, text: str) -> Optional[str]:
        """The first spelling in ``text`` this backend has no counterpart for, with why."""
        for old, _ in self.literal:
            text = text.replace(old, "")
        for name in CALL.findall(text):
            if self.call(name) is None:
                return f"{name} has no {self.name} counterpart"
        for helper in HELPER_CALL.findall(text):
            why = self.helper_lacks(helper)
            if why:
                return why
        return None

    def helper_lacks(self, helper: str) -> Optional[str]:
        for h in (helper, *HELPER_NEEDS.get(helper, ())):
            if h in self.lacks:
                return f"{h} ({self.lacks[h]})"
            if h in HELPERS and h not in self.helpers:
                missing = [n for n in CALL.findall(HELPERS[h]) if self.call(n) is None]
                if missing:
                    return f"{h} needs {missing[0]}, which {self.name} lacks"
        return None

    def helper(self, name: str) -> str:
        if name in self.helpers:
            return self.helpers[name]
        return self.translate(HELPERS[name])

    def module(self, numpy_module: str) -> Optional[str]:
        return self.modules.get(numpy_module, numpy_module)


NUMPY = Backend("numpy", ("import numpy as np",),
                prefixes=(("np.", "np."), ("scipy.", "scipy.")))

_JAX_HELPERS = {
    "_scalar": '''def _scalar(value, name):
    a = jnp.asarray(value)
    a = a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(float)
    if a.size != 1:
        raise ValueError(f"{name} is a scalar but got an array of shape {a.shape}")
    return a.reshape(1, 1)''',
    "_column": '''def _column(value, name, spelled):
    a = jnp.asarray(value)
    a = a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(float)
    if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
        return a.reshape(-1, 1)
    raise ValueError(f"{name} is a vector ({spelled}) but got an array of shape {a.shape}")''',
    "_matrix": '''def _matrix(value, name, spelled):
    a = jnp.asarray(value)
    a = a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(float)
    if a.ndim != 2:
        raise ValueError(f"{name} is a matrix ({spelled}) but got an array with {a.ndim} "
                         f"dimensions (shape {a.shape})")
    return a''',
    "_logsumexp": '''def _logsumexp(z, axis=None):
    return jax.scipy.special.logsumexp(z, axis=axis, keepdims=axis is not None)''',
    "_cho_inv": '''def _cho_inv(F):
    return _cho_solve(F, jnp.eye(F[0].shape[0], dtype=F[0].dtype))''',
    "_softmax": '''def _softmax(z, axis=None, own=False):
    e = jnp.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)''',
    "_log_softmax": '''def _log_softmax(z, axis=None, own=False):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - jnp.log(jnp.exp(shifted).sum(axis=axis, keepdims=True))''',
    "_log_softmax_pair": '''def _log_softmax_pair(z, axis=None, own=False):
    shifted = z - z.max(axis=axis, keepdims=True)
    e = jnp.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    return shifted - jnp.log(total), e / total''',
    "_logdet": '''def _logdet(X):
    """log det X; NaN where det X <= 0 (traced code cannot raise on a value)."""
    sign, value = jnp.linalg.slogdet(X)
    return jnp.where(sign > 0, value, jnp.nan)''',
    "_positive_eigenvalues": '''def _positive_eigenvalues(S, name):
    lam = jnp.linalg.eigvalsh((S + S.T) / 2)
    return jnp.where(lam.min() > 0, lam, jnp.nan)''',
    "_add_diagonal": '''def _add_diagonal(M, v, negate=False):
    """diag(v) + M, or diag(v) − M with negate (XLA fuses it into one array)."""
    d = jnp.broadcast_to(jnp.reshape(v, -1), (M.shape[0],))
    return (-M if negate else M) + jnp.diag(d)''',
    "_plus_diagonal": '''def _plus_diagonal(M, v):
    return _add_diagonal(M, v)''',
    "_minus_into": '''def _minus_into(A, B):
    return A - B''',
    "_lu_factor": '''def _lu_factor(X):
    return jax.scipy.linalg.lu_factor(X)''',
    "_lu_logdet": '''def _lu_logdet(F):
    """log det X from its LU factors; NaN where det X <= 0 (traced code cannot raise)."""
    lu, piv = F
    d = jnp.diag(lu)
    sign = (-1.0) ** jnp.count_nonzero(piv != jnp.arange(piv.shape[0])) * jnp.prod(jnp.sign(d))
    return jnp.where(sign > 0, jnp.sum(jnp.log(jnp.abs(d))), jnp.nan)''',
    "_eigh_gaps": '''def _eigh_gaps(S):
    """Ω_ij = 1/(λⱼ − λᵢ) off the diagonal, 0 on it (traced code cannot refuse equal
    eigenvalues: they give inf)."""
    lam = jnp.linalg.eigvalsh((S + S.T) / 2)
    eye = jnp.eye(lam.shape[0], dtype=bool)
    gaps = jnp.where(eye, 1.0, lam[None, :] - lam[:, None])
    return jnp.where(eye, 0.0, 1.0 / gaps)''',
}

JAX = Backend(
    "jax", ("# JAX computes in float32 unless float64 is switched on before any array is made:",
            '# jax.config.update("jax_enable_x64", True)',
            "import jax", "import jax.numpy as jnp", "import jax.scipy.special",
            "import jax.scipy.linalg"),
    prefixes=(("np.", "jnp."), ("scipy.linalg.expm", "jax.scipy.linalg.expm"),
              ("scipy.linalg.lu_", "jax.scipy.linalg.lu_"),
              ("scipy.linalg.cho_", "jax.scipy.linalg.cho_"),
              ("scipy.special.", "jax.scipy.special.")),
    literal=(('.reshape(-1, 1, order="F")', ".T.reshape(-1, 1)"),),
    helpers=_JAX_HELPERS,
    lacks={"_logm": "the principal matrix logarithm: jax.scipy.linalg has no logm",
           "_sqrtm": "the real principal square root: jax.scipy.linalg.sqrtm is complex and "
                     "not differentiable",
           "_kron_form": "built column by column in place; use the Fréchet form"},
    scalar_result="jnp.reshape({}, ())",
    modules={"scipy.special": "jax.scipy.special", "scipy.linalg": "jax.scipy.linalg",
             "scipy.linalg.lapack": None},
)

_TORCH_NAMES = (
    "exp log sin cos tan tanh sqrt abs sign arcsin arccos arctan sinh cosh arcsinh log1p expm1 "
    "trace sum kron reshape matmul where diag zeros_like").split()
_TORCH_LINALG = "det inv solve slogdet eigvalsh eigh svd pinv norm qr".split()

_TORCH_HELPERS = {
    "_reference": '''def _reference(*values):
    """The tensor whose dtype and device the result takes: the first floating-point one."""
    for v in values:
        if isinstance(v, torch.Tensor) and v.is_floating_point():
            return v
    for v in values:
        dtype = getattr(v, "dtype", None)
        if dtype is not None and getattr(dtype, "kind", "") == "f":
            return torch.as_tensor(v)
    return torch.zeros((), dtype=torch.get_default_dtype())''',
    "_tensor": '''def _tensor(value, like):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value
    return torch.as_tensor(value, dtype=like.dtype, device=like.device)''',
    "_scalar": '''def _scalar(value, name, like):
    a = _tensor(value, like)
    if a.numel() != 1:
        raise ValueError(f"{name} is a scalar but got an array of shape {tuple(a.shape)}")
    return a.reshape(1, 1)''',
    "_column": '''def _column(value, name, spelled, like):
    a = _tensor(value, like)
    if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
        return a.reshape(-1, 1)
    raise ValueError(f"{name} is a vector ({spelled}) but got an array of shape {tuple(a.shape)}")''',
    "_matrix": '''def _matrix(value, name, spelled, like):
    a = _tensor(value, like)
    if a.ndim != 2:
        raise ValueError(f"{name} is a matrix ({spelled}) but got an array with {a.ndim} "
                         f"dimensions (shape {tuple(a.shape)})")
    return a''',
    "_expect": '''def _expect(a, name, spelled, shape):
    if tuple(a.shape) != shape:
        raise ValueError(f"{name} must be {spelled} = {shape}, got an array of shape "
                         f"{tuple(a.shape)}")''',
    "_eye": '''def _eye(like, n):
    return torch.eye(int(n), dtype=like.dtype, device=like.device)''',
    "_ones": '''def _ones(like, shape):
    return torch.ones(tuple(int(d) for d in shape), dtype=like.dtype, device=like.device)''',
    "_zeros": '''def _zeros(like, shape):
    return torch.zeros(tuple(int(d) for d in shape), dtype=like.dtype, device=like.device)''',
    "_result": '''def _result(value, like):
    return torch.as_tensor(value, dtype=like.dtype, device=like.device).reshape(())''',
    "_maximum": '''def _maximum(a, b):
    return torch.clamp(a, min=b)''',
    "_greater": '''def _greater(a, b):
    return (a > b).to(a.dtype)''',
    "_logaddexp": '''def _logaddexp(a, b):
    return torch.logaddexp(torch.as_tensor(a, dtype=b.dtype, device=b.device), b)''',
    "_softmax": '''def _softmax(z, axis=None, own=False):
    return torch.softmax(z, dim=0 if axis is None else axis)''',
    "_logsumexp": '''def _logsumexp(z, axis=None):
    if axis is None:
        return torch.logsumexp(z.reshape(-1), dim=0)
    return torch.logsumexp(z, dim=axis, keepdim=True)''',
    "_log_softmax": '''def _log_softmax(z, axis=None, own=False):
    return torch.log_softmax(z, dim=0 if axis is None else axis)''',
    "_log_softmax_pair": '''def _log_softmax_pair(z, axis=None, own=False):
    logs = torch.log_softmax(z, dim=0 if axis is None else axis)
    return logs, torch.exp(logs)''',
    "_kron_matmul": '''def _kron_matmul(A, B, M):
    """(A ⊗ B) @ M without building A ⊗ B."""
    k = M.shape[1]
    Y = torch.matmul(B, M.reshape(A.shape[1], B.shape[1], k))
    return torch.tensordot(A, Y, dims=([1], [0])).reshape(A.shape[0] * B.shape[0], k)''',
    "_matmul_kron": '''def _matmul_kron(M, A, B):
    """M @ (A ⊗ B) without building A ⊗ B."""
    k = M.shape[0]
    Y = torch.matmul(M.reshape(k, A.shape[0], B.shape[0]), B)
    return (torch.tensordot(Y, A, dims=([1], [0])).permute(0, 2, 1)
            .reshape(k, A.shape[1] * B.shape[1]))''',
    "_commutation_perm": '''def _commutation_perm(m, n):
    """The permutation of K(m,n): K(m,n) v = v[perm], and K(m,n) vec(A) = vec(A.T)."""
    return torch.arange(int(m) * int(n)).reshape(int(n), int(m)).T.reshape(-1)''',
    "_logdet": '''def _logdet(X):
    sign, value = torch.linalg.slogdet(X)
    if sign <= 0:
        raise ValueError("log det X needs det X > 0")
    return value''',
    "_row_sums": '''def _row_sums(M, m):
    s = M.sum(dim=1, keepdim=True)
    return s if m == 1 else s.expand(-1, int(m)).clone()''',
    "_column_sums": '''def _column_sums(M, k):
    s = M.sum(dim=0, keepdim=True)
    return s if k == 1 else s.expand(int(k), -1).clone()''',
    "_vdot": '''def _vdot(a, b):
    """Σ a ⊙ b over all entries."""
    return torch.dot(a.reshape(-1), b.reshape(-1))''',
    "_add_diagonal": '''def _add_diagonal(M, v, negate=False):
    """diag(v) + M, or diag(v) − M with negate, written into M: a new array nothing else holds."""
    if negate:
        M.neg_()
    M.diagonal().add_(torch.as_tensor(v, dtype=M.dtype, device=M.device).reshape(-1))
    return M''',
    "_plus_diagonal": '''def _plus_diagonal(M, v):
    return _add_diagonal(M.clone(), v)''',
    "_minus_into": '''def _minus_into(A, B):
    """A − B written into B: a new array nothing else holds."""
    return torch.sub(A, B, out=B)''',
    "_lu_factor": '''def _lu_factor(X):
    return torch.linalg.lu_factor(X)''',
    "_lu_solve": '''def _lu_solve(F, B, trans=0):
    """X⁻¹ B (trans=1: X⁻ᵀ B) from the LU factors of X."""
    return torch.linalg.lu_solve(F[0], F[1], B, adjoint=bool(trans))''',
    "_lu_inv": '''def _lu_inv(F):
    n = F[0].shape[0]
    return _lu_solve(F, torch.eye(n, dtype=F[0].dtype, device=F[0].device))''',
    "_lu_swaps": '''def _lu_swaps(piv):
    """The parity of the row interchanges (torch's pivots count from 1)."""
    return torch.count_nonzero(piv != torch.arange(1, piv.shape[0] + 1, device=piv.device))''',
    "_lu_det": '''def _lu_det(F):
    return (-1.0) ** _lu_swaps(F[1]) * torch.prod(torch.diag(F[0]))''',
    "_lu_logdet": '''def _lu_logdet(F):
    d = torch.diag(F[0])
    if (-1.0) ** _lu_swaps(F[1]) * torch.prod(torch.sign(d)) <= 0:
        raise ValueError("log det X needs det X > 0")
    return torch.sum(torch.log(torch.abs(d)))''',
    "_cho_factor": '''def _cho_factor(X):
    """The lower Cholesky factor of a matrix declared spd, once for all its uses."""
    return (torch.linalg.cholesky(X), True)''',
    "_cho_solve": '''def _cho_solve(F, B):
    return torch.cholesky_solve(B, F[0])''',
    "_cho_inv": '''def _cho_inv(F):
    return torch.cholesky_inverse(F[0])''',
    "_eigh_gaps": '''def _eigh_gaps(S):
    """Ω_ij = 1/(λⱼ − λᵢ) off the diagonal, 0 on it, at distinct eigenvalues."""
    lam = torch.linalg.eigvalsh((S + S.T) / 2)
    eye = torch.eye(lam.shape[0], dtype=torch.bool, device=lam.device)
    gaps = torch.where(eye, torch.ones_like(S), lam[None, :] - lam[:, None])
    if torch.abs(gaps).min() <= 1e-12 * max(1.0, float(torch.abs(lam).max())):
        raise torch.linalg.LinAlgError("the derivative of the eigenvectors needs distinct "
                                       "eigenvalues")
    return torch.where(eye, torch.zeros_like(S), 1.0 / gaps)''',
}

TORCH = Backend(
    "torch", ("import torch",),
    calls={**{f"np.{n}": f"torch.{n}" for n in _TORCH_NAMES},
           **{f"np.linalg.{n}": f"torch.linalg.{n}" for n in _TORCH_LINALG},
           "np.vdot": "_vdot", "np.einsum": "torch.einsum", "np.prod": "torch.prod",
           "np.maximum": "_maximum", "np.greater": "_greater", "np.logaddexp": "_logaddexp",
           "np.arange": "torch.arange", "np.linalg.LinAlgError": "torch.linalg.LinAlgError", "np.tensordot": "torch.tensordot", "np.power": "torch.pow",
           "scipy.special.erf": "torch.special.erf",
           "scipy.linalg.expm": "torch.linalg.matrix_exp"},
    literal=(('.reshape(-1, 1, order="F")', ".T.reshape(-1, 1)"), (".astype(float)", ""),
             ("np.eye(", "_eye(_like, "), ("np.ones(", "_ones(_like, "),
             ("np.zeros(", "_zeros(_like, ")),
    helpers=_TORCH_HELPERS,
    lacks={"_frechet_exp": "torch has no Fréchet derivative of the matrix exponential "
                           "(scipy.linalg.expm_frechet)",
           "_logm": "torch has no matrix logarithm", "_sqrtm": "torch has no matrix square root",
           "_kron_form": "built column by column in place; use the Fréchet form",
           "_commutation": "a permutation matrix is applied as a permutation in torch code"},
    scalar_result="_result({}, _like)",
    prep_extra=", _like",
    modules={"scipy.special": None, "scipy.linalg": None, "scipy.linalg.lapack": None},
)

BACKENDS = {b.name: b for b in (NUMPY, JAX, TORCH)}


def backend_named(name: str) -> Backend:
    if name not in BACKENDS:
        raise UnsupportedError(f"no code-generation backend {name!r}; choose one of "
                               f"{', '.join(BACKENDS)}")
    return BACKENDS[name]
