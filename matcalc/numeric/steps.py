"""Finite-difference quotients, their error against the symbolic derivative, and how that error
depends on the step.

A central difference (f(x + h) − f(x − h))/2h has a truncation error of order h² (Taylor:
the h³ f‴/6 terms survive the subtraction) and a rounding error of order ε|f|/h (the two values
carry a relative error ε each, and the difference is divided by h).  Their sum is V-shaped in
log–log axes, slope 2 on the right and −1 on the left, with its minimum near h ≈ ε^(1/3).
Richardson extrapolation, (4 D(h/2) − D(h))/3, cancels the h² term: the truncation error falls
to order h⁴ and the minimum moves to larger steps (Nocedal and Wright, *Numerical
Optimization*, 2nd ed., §8.1; Higham, *Accuracy and Stability of Numerical Algorithms*, §1.14).
``check`` uses the extrapolated quotient; :func:`step_sweep` measures either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from matcalc.core.errors import MatcalcError
from matcalc.engine.layout import arrange_numeric

METHODS = ("richardson", "central")
#: the steps a sweep tries by default: 10⁻¹ down to 10⁻¹², two per decade
DEFAULT_STEPS = np.logspace(-1, -12, 23)


def central_quotients(evaluate: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
                      f_shape: tuple[int, int], width: float,
                      structure: str = "unstructured") -> np.ndarray:
    """d4[i, j, k, l] ≈ ∂F[i, j]/∂X[k, l] by central differences of ``evaluate`` (F at a value
    of X) with step ``width``, every entry of X perturbed on its own; a symmetric X moves Xₖₗ
    and Xₗₖ together, a diagonal one only its diagonal."""
    symmetric = structure == "symmetric"
    d4 = np.zeros((*f_shape, *x0.shape))
    for i, j in np.ndindex(x0.shape):
        if (symmetric and j < i) or (structure == "diagonal" and i != j):
            continue  # one variable with Xⱼᵢ; an entry off the diagonal: not free
        E = np.zeros(x0.shape)
        E[i, j] = width
        if symmetric:  # Xᵢⱼ and Xⱼᵢ are one variable: move them together
            E[j, i] = width
        plus, minus = evaluate(x0 + E), evaluate(x0 - E)
        d4[:, :, i, j] = ((plus - minus) / (2 * width)).reshape(f_shape)
        if symmetric:
            d4[:, :, j, i] = d4[:, :, i, j]
    return d4


def richardson_quotients(evaluate: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
                         f_shape: tuple[int, int], width: float,
                         structure: str = "unstructured") -> np.ndarray:
    """(4 D(h/2) − D(h))/3 with D the central quotients: the h² error term cancels."""
    half = central_quotients(evaluate, x0, f_shape, width / 2, structure)
    return (4 * half - central_quotients(evaluate, x0, f_shape, width, structure)) / 3


def error_and_scale(symbolic: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """The largest absolute difference, and the larger of the two results' largest entries
    (the error ``check`` reports is their ratio)."""
    err = float(np.max(np.abs(symbolic - expected), initial=0.0))
    scale = max(float(np.max(np.abs(expected), initial=0.0)),
                float(np.max(np.abs(symbolic), initial=0.0)))
    return err, scale


def relative_error(symbolic: np.ndarray, expected: np.ndarray) -> float:
    err, scale = error_and_scale(symbolic, expected)
    return err / scale if scale > 0 else err


@dataclass(frozen=True)
class CheckedPoint:
    """What a check compared at one point, kept so that the comparison can be repeated at
    other steps: F as a function of the variable's value, the symbolic derivative's value
    there, how the 4-D array of quotients is arranged, and the step the check took."""

    evaluate: Callable[[np.ndarray], np.ndarray]
    x0: np.ndarray
    f_shape: tuple[int, int]
    symbolic: np.ndarray
    arrange: Callable[[np.ndarray], np.ndarray]
    structure: str
    step: float


def arrangement(case: Any, layout: str | None, raw: bool) -> Callable[[np.ndarray], np.ndarray]:
    """The 4-D array of quotients as the derivative is laid out (or as is, for an index form)."""
    if raw:
        return lambda d4: d4
    return lambda d4: arrange_numeric(case, d4, layout)


def step_sweep(point: CheckedPoint, steps: Any = None,
               method: str = "richardson") -> tuple[np.ndarray, np.ndarray]:
    """(steps, errors): the relative error of the finite-difference derivative at each step, as
    ``check`` measures it (max |symbolic − quotient| over the larger of the two), with the
    quotient ``check`` uses (``"richardson"``) or the plain ``"central"`` one."""
    if method not in METHODS:
        raise MatcalcError(f"unknown method {method!r}; choose 'richardson' (what check uses) or "
                           "'central'")
    steps = DEFAULT_STEPS if steps is None else steps
    try:
        steps = np.asarray(steps, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise MatcalcError(f"steps must be positive numbers, got {steps!r}") from None
    if steps.size == 0 or not np.all(np.isfinite(steps) & (steps > 0)):
        raise MatcalcError(f"steps must be positive finite numbers, got {steps.tolist()!r}")
    quotients = richardson_quotients if method == "richardson" else central_quotients
    errors = np.array([
        relative_error(point.symbolic, point.arrange(
            quotients(point.evaluate, point.x0, point.f_shape, float(h), point.structure)))
        for h in steps])
    return steps, errors
