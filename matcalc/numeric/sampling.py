"""Random inputs that respect properties and domains, for numeric checks.

Sizes are small and distinct (3, 4, 5, …), so a missing transpose cannot hide.  A symbol that
appears under a function whose domain admits them (log, sqrt, log1p), a negative or fractional
power or a division is drawn positive; one under a function with a bounded domain (arcsin) is
drawn inside it (small, if the argument is more than the symbol); a
square matrix under inv, det, logdet, logm or sqrtm is drawn well conditioned with a positive
determinant (eigenvalues of positive real part); a matrix under pinv, eigvalsh, nuclear_norm or
spectral_norm with spread singular values and eigenvalues (full rank, distinct, a simple largest);
declared properties (symmetric, spd, invertible, diagonal) are honoured.
"""

from __future__ import annotations

import numpy as np
import sympy

from matcalc.core.expr import Expr, Func, Pow, Transpose
from matcalc.core.matrix_nodes import OfMatrixFunction
from matcalc.core.nodes import Symbol, Unary, dimension_symbols
from matcalc.core.spec import POSITIVE, REAL, Interval
from matcalc.core.walk import postorder

SIZES = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12)


def choose_sizes(expressions: list[Expr], given: dict | None = None,
                 reverse: bool = False) -> dict[sympy.Symbol, int]:
    """Distinct small sizes for the dimension symbols, in name order (m=3, n=4, …), or in
    reverse name order (n=3, m=4, …): the other choice, where a product such as XXᵀ of a
    tall X, singular at the first, has full rank."""
    dims: set[sympy.Symbol] = set()
    for e in expressions:
        dims |= dimension_symbols(postorder(e))
    sizes: dict[sympy.Symbol, int] = {}
    given = {str(k): v for k, v in (given or {}).items()}
    free = [s for s in SIZES if s not in given.values()]
    for d in sorted(dims, key=str, reverse=reverse):
        # past ten dimensions the sizes repeat: small keeps the check fast, and a transposition
        # shows already among the first ten distinct ones
        sizes[d] = (int(given[str(d)]) if str(d) in given else free.pop(0) if free
                    else SIZES[len(sizes) % len(SIZES)])
    return dict(sorted(sizes.items(), key=lambda item: str(item[0])))


#: where a symbol under a function whose domain is bounded on both sides is drawn, when the
#: function's argument is more than the symbol (arcsin(W x)): small, so the argument stays small
SMALL = Interval(-0.3, 0.3)
#: the same, for a second try, when the argument is shifted (arcsin(1 − x) needs x > 0)
SMALL_POSITIVE = Interval(0.0, 0.3)


def _fits_positive_draws(domain: Interval) -> bool:
    """Positive draws (0.5 to 1.5) lie inside the domain: log, sqrt, log1p."""
    return domain.low <= 0.5 and domain.high >= 1.5


def domain_needs(f: Expr, small: Interval = SMALL
                 ) -> tuple[set[Symbol], set[Symbol], dict[Symbol, Interval]]:
    """(symbols to draw positive, square matrices to draw positive definite, symbols to draw
    inside an interval): read off the domains in the function table and the matrix functions."""
    positive: set[Symbol] = set()
    definite: set[Symbol] = set()
    inside: dict[Symbol, Interval] = {}
    for node in postorder(f):
        under = None
        if isinstance(node, Func) and node.function.domain != REAL:
            domain = node.function.domain
            if not _fits_positive_draws(domain):
                arg = node.arg.args[0] if isinstance(node.arg, Transpose) else node.arg
                for leaf in postorder(arg):
                    if isinstance(leaf, Symbol):
                        inside[leaf] = domain if leaf is arg else small
                continue
            under = positive
        elif isinstance(node, Pow) and not (node.exponent.is_Integer and node.exponent > 0):
            under = positive
        elif isinstance(node, Unary) and node.spec.definite_argument:
            under = definite
        elif (isinstance(node, OfMatrixFunction)
              and node.matrix_function.spec.definite_argument):  # L_log(X)[E]: X as for logm
            under = definite
        if under is None:
            continue
        for leaf in postorder(node.args[0]):
            if isinstance(leaf, Symbol):
                if under is definite and leaf.rows == leaf.cols and not leaf.is_scalar:
                    definite.add(leaf)
                elif under is positive or leaf.is_scalar or leaf.cols == 1:
                    positive.add(leaf)
    return positive, definite, inside


def spread_needs(f: Expr) -> set[Symbol]:
    """The matrix symbols under an operation whose derivative assumes a spread spectrum (pinv:
    full rank; eigvalsh: distinct eigenvalues; nuclear_norm, spectral_norm: full rank, a simple
    top singular value), read off the spec rows."""
    return {leaf for node in postorder(f)
            if isinstance(node, Unary) and node.spec.spread_argument
            for leaf in postorder(node.args[0])
            if isinstance(leaf, Symbol) and not (leaf.is_scalar or leaf.cols == 1)}


def _spread(symbol: Symbol, rows: int, cols: int, rng: np.random.Generator,
            definite: bool) -> np.ndarray:
    """Singular values (and, for a square matrix, the eigenvalues of its symmetric part) 1, 1.5,
    2, … in random order and directions: full rank, distinct, a simple largest one.  Declared
    properties hold; a square matrix that is not symmetric gets an antisymmetric part, which
    leaves its symmetric part alone."""
    k = min(rows, cols)
    values = 1 + 0.5 * rng.permutation(k)
    if symbol.diagonal:
        signs = 1 if symbol.spd or definite else rng.choice([-1, 1], k)
        return np.diag(values * signs)
    Q1 = np.linalg.qr(rng.standard_normal((rows, rows)))[0]
    if rows != cols:
        Q2 = np.linalg.qr(rng.standard_normal((cols, cols)))[0]
        return Q1[:, :k] @ np.diag(values) @ Q2[:, :k].T
    if symbol.symmetric and not (symbol.spd or definite):
        values = values * rng.choice([-1, 1], k)  # magnitudes stay distinct
    A = Q1 @ np.diag(values) @ Q1.T
    if not symbol.symmetric:
        B = rng.standard_normal((rows, rows))
        A = A + 0.25 * (B - B.T) / np.sqrt(rows)
    return A


def sample(symbol: Symbol, sizes: dict, rng: np.random.Generator, positive: bool,
           definite: bool, inside: Interval | None = None, spread: bool = False) -> np.ndarray:
    rows, cols = (int(d.subs(sizes)) for d in symbol.shape)
    if spread and not positive and inside is None:
        return _spread(symbol, rows, cols, rng, definite)
    if inside is not None and positive:
        inside = inside.intersect(POSITIVE)  # under log and under arcsin: in (0, 1)
    if inside is not None and not (symbol.props or definite):
        A = inside.sample(rng, (rows, cols))
        return (A + A.T) / 2 if symbol.symmetric and rows == cols and rows != 1 else A
    A = _sample_structured(symbol, rows, cols, rng, positive, definite)
    if inside is not None and inside.low < 0 < inside.high:
        # a positive multiple keeps symmetry, definiteness, signs and the diagonal: shrink the
        # draw into the interval (logdet(X) + sum(arcsin(X)))
        room = 0.8 * min(-inside.low, inside.high) / max(float(np.abs(A).max()), 1e-300)
        A = A * min(1.0, room)
    return A


def _sample_structured(symbol: Symbol, rows: int, cols: int, rng: np.random.Generator,
                       positive: bool, definite: bool) -> np.ndarray:
    if symbol.diagonal:
        values = rng.uniform(0.5, 1.5, rows) * (1 if positive or definite or symbol.spd
                                                 else rng.choice([-1, 1], rows))
        return np.diag(values)
    if symbol.spd or (definite and rows == cols):
        B = rng.standard_normal((rows, rows))
        A = B @ B.T / rows + np.eye(rows)
        if not symbol.symmetric:
            # not symmetric, so that a missing transpose shows; the perturbation is small
            # enough that every eigenvalue keeps a positive real part (det > 0)
            A = A + 0.25 * rng.standard_normal((rows, rows)) / np.sqrt(rows)
        if positive:
            A = np.abs(A) + rows * np.eye(rows)  # positive entries, still diagonally dominant
        return A
    if positive:
        A = rng.uniform(0.5, 1.5, (rows, cols))
    else:
        A = rng.standard_normal((rows, cols))
    if symbol.symmetric and rows == cols and not symbol.is_scalar:
        A = (A + A.T) / 2
    if symbol.invertible:
        A = A + rows * np.eye(rows)
    return A


def sample_inputs(f: Expr, symbols: list[Symbol], sizes: dict, seed: int,
                  constrained: bool = True, shifted: bool = False) -> dict[str, np.ndarray]:
    """Random inputs.  ``constrained=False`` draws every sign (the caller falls back to the
    domain's constraints where f is undefined), since forcing positive inputs can saturate a
    function and hide sign mistakes; ``shifted`` draws the symbols under a bounded domain small
    and positive rather than small (a second try, for arguments such as 1 − x)."""
    rng = np.random.default_rng(seed)
    positive, definite, inside = domain_needs(f, SMALL_POSITIVE if shifted else SMALL)
    spread = spread_needs(f)
    if not constrained:
        positive = set()
    return {
        s.name: sample(s, sizes, rng, s in positive, s in definite, inside.get(s), s in spread)
        for s in sorted(symbols, key=lambda s: s.name)
    }
