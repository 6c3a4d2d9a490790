"""``check``: the symbolic derivative against central finite differences.

Every entry of the variable is perturbed (±h, float64) and the resulting array
``d4[i, j, k, l] = ∂F[i, j]/∂X[k, l]`` is arranged in the requested layout by the same table
the engine uses.  A variable declared symmetric or diagonal is perturbed only along its own
structure (Xᵢⱼ and Xⱼᵢ together), because the unstructured gradient is only determined as a
linear functional on that structure: ⟨G, E⟩ is compared for every basis direction E.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..derive import differentiate
from ..errors import MatcalcError, NumericError
from ..expr import Expr, Symbol, as_expr
from ..layout import Case, arrange_numeric, check_layout
from ..shapes import fmt_shape
from .lambdify import lambdify
from .sampling import choose_sizes, sample_inputs

TOLERANCE = 1e-6


@dataclass(frozen=True)
class CheckReport:
    """The outcome of one numeric check; ``bool(report)`` is ``report.ok``."""

    ok: bool
    max_rel_error: float
    expr: str
    wrt: str
    layout: str
    derivative: str
    shape: tuple[int, int]
    sizes: dict[str, int]
    seed: int
    tolerance: float
    structure: str = "unstructured"
    detail: str = ""
    points: int = 1
    errors: list[float] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items()) or "none"
        text = (
            f"check {verdict}: ∂({self.expr})/∂{self.wrt} [{self.layout} layout]\n"
            f"  derivative      {self.derivative}\n"
            f"  max rel. error  {self.max_rel_error:.2e} (tolerance {self.tolerance:.0e})\n"
            f"  sizes           {sizes}; shape {self.shape[0]}×{self.shape[1]}; seed {self.seed}"
        )
        if self.structure != "unstructured":
            text += f"\n  perturbation    {self.structure}"
        if self.detail:
            text += f"\n  note            {self.detail}"
        return text

    def __rich__(self):
        from rich.text import Text

        style = "bold green" if self.ok else "bold red"
        text = Text()
        for i, line in enumerate(str(self).splitlines()):
            text.append(line + "\n", style=style if i == 0 else None)
        return text


def _evaluate(fn, inputs: dict[str, np.ndarray], sizes: dict) -> np.ndarray:
    args: dict[str, Any] = {k: v for k, v in inputs.items() if k in fn.names}
    args.update({str(d): sizes[d] for d in fn.dimensions})
    return np.atleast_2d(np.asarray(fn(**args), dtype=float))


def _directions(x: Symbol, shape: tuple[int, int]) -> tuple[list[tuple[np.ndarray, Any]], str]:
    """Perturbation directions: every entry, or a basis of the declared structure."""
    rows, cols = shape
    dirs = []
    if x.diagonal:
        for i in range(rows):
            E = np.zeros(shape)
            E[i, i] = 1.0
            dirs.append((E, None))
        return dirs, "diagonal (Xᵢᵢ only)"
    if x.symmetric and not x.is_scalar:
        for i in range(rows):
            for j in range(i, cols):
                E = np.zeros(shape)
                E[i, j] = E[j, i] = 1.0
                dirs.append((E, None))
        return dirs, "symmetric (Xᵢⱼ and Xⱼᵢ together)"
    for i in range(rows):
        for j in range(cols):
            E = np.zeros(shape)
            E[i, j] = 1.0
            dirs.append((E, (i, j)))
    return dirs, "unstructured"


def check(
    f: Any,
    wrt: Any,
    layout: str = "denominator",
    *,
    seed: int = 0,
    sizes: dict | None = None,
    tolerance: float = TOLERANCE,
    step: float = 1e-6,
) -> CheckReport:
    """Compare ``diff(f, wrt, layout)`` with central finite differences at a random point.

    Sizes are small and distinct unless given (``sizes={"n": 3}``); inputs respect declared
    properties and the domains of log, sqrt, inv, det and logdet.  Returns a printable
    :class:`CheckReport`; ``report.ok`` says whether the relative error is below ``tolerance``.
    ``wrt`` may be a list: then a list of reports.
    """
    if isinstance(wrt, (list, tuple)):
        return [check(f, w, layout, seed=seed, sizes=sizes, tolerance=tolerance, step=step)
                for w in wrt]  # type: ignore[return-value]
    check_layout(layout)
    f = as_expr(f)
    d = differentiate(f, wrt, layout)
    x = d.wrt
    dim_sizes = choose_sizes([f, x, d.result], sizes)
    symbols = sorted(f.free_symbols() | {x} | d.result.free_symbols(), key=lambda s: s.name)
    f_fn, g_fn = lambdify(f), lambdify(d.result)

    inputs = None
    for attempt in range(8):
        candidate = sample_inputs(f, symbols, dim_sizes, seed + 1000 * attempt)
        if np.all(np.isfinite(_evaluate(f_fn, candidate, dim_sizes))):
            inputs = candidate
            break
    if inputs is None:
        raise NumericError(
            f"could not find a point where {f} is finite (tried 8 random points); "
            "declare properties such as spd=True, or pass a seed"
        )
    used_seed = seed + 1000 * attempt

    symbolic = _evaluate(g_fn, inputs, dim_sizes)
    x0 = inputs[x.name]
    f_shape = tuple(int(s.subs(dim_sizes)) for s in f.shape)
    dirs, structure = _directions(x, x0.shape)
    h = step * max(1.0, float(np.max(np.abs(x0))))

    def fd(E: np.ndarray) -> np.ndarray:
        plus = dict(inputs, **{x.name: x0 + h * E})
        minus = dict(inputs, **{x.name: x0 - h * E})
        return (_evaluate(f_fn, plus, dim_sizes) - _evaluate(f_fn, minus, dim_sizes)) / (2 * h)

    detail = ""
    if structure == "unstructured":
        d4 = np.zeros((*f_shape, *x0.shape))
        for E, (i, j) in dirs:
            d4[:, :, i, j] = fd(E).reshape(f_shape)
        expected = arrange_numeric(d.case, d4, layout)
        if expected.shape != symbolic.shape:
            return _report(False, np.inf, f, x, d, symbolic.shape, dim_sizes, used_seed,
                           tolerance, structure, f"shape {symbolic.shape} but finite "
                           f"differences give {expected.shape}")
        err = float(np.max(np.abs(symbolic - expected), initial=0.0))
        scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
    else:
        if d.case is not Case.SCALAR_BY_ARRAY:
            raise MatcalcError("internal: structured check of a non-scalar function")
        G = symbolic.T if layout == "numerator" else symbolic
        errs, vals = [], []
        for E, _ in dirs:
            numeric = float(fd(E)[0, 0])
            errs.append(abs(float(np.sum(G * E)) - numeric))
            vals.append(abs(numeric))
        err = max(errs, default=0.0)
        scale = 1.0 + max(vals, default=0.0)
    rel = err / scale
    ok = bool(np.isfinite(rel) and rel < tolerance)
    return _report(ok, rel, f, x, d, symbolic.shape, dim_sizes, used_seed, tolerance,
                   structure, detail)


def _report(ok, rel, f, x, d, shape, sizes, seed, tolerance, structure, detail) -> CheckReport:
    return CheckReport(
        ok=ok, max_rel_error=float(rel), expr=str(f), wrt=x.name, layout=d.layout,
        derivative=str(d.result), shape=tuple(int(s) for s in shape),
        sizes={str(k): v for k, v in sizes.items()}, seed=seed, tolerance=tolerance,
        structure=structure, detail=detail,
    )


__all__ = ["check", "CheckReport", "fmt_shape", "Expr"]
