"""``check``: the symbolic derivative against central finite differences.

Every entry of the variable is perturbed on its own (±h, float64), also for a variable declared
symmetric (the derivative is unstructured), and the array ``d4[i, j, k, l] = ∂F[i, j]/∂X[k, l]``
is arranged in the requested layout by the same table the engine uses.  The error is relative
to the larger of the two results, above a floor for the rounding of the differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matcalc.core.guards import recursion_guarded
from matcalc.engine.diff import diff
from matcalc.engine.differentiation import (
    differentiate, hessian_as_derivative, plain_variables, resolve_wrt,
)  # fmt: skip
from matcalc.core.errors import MatcalcError, NumericError
from matcalc.core.expr import Expr, as_expr
from matcalc.core.nodes import Symbol
from matcalc.core.shapes import fmt_shape
from matcalc.printing.unicode import to_unicode
from matcalc.engine.layout import check_layout
from matcalc.numeric.lambdify import lambdify
from matcalc.numeric.plotting import plot_step_sweep
from matcalc.numeric.sampling import choose_sizes, sample_inputs
from matcalc.numeric.steps import (
    DEFAULT_STEPS, CheckedPoint, arrangement, error_and_scale, relative_error,
    richardson_quotients, step_sweep,
)  # fmt: skip
from matcalc.rules.simplify import is_zero, substitute

TOLERANCE = 1e-6
MAX_ENTRIES = 2000
#: the largest size a check draws (finite differences take one evaluation per entry)
MAX_CHECK_SIZE = 1000
MAX_FLAT_POINTS = 6


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
    detail: str = ""
    points: int = 1
    structure: str = "unstructured"
    #: whether ``derivative`` is a formula given to check (``against=``), not matcalc's
    given: bool = False
    #: the point the report speaks of (the worst, or where it failed), for ``step_sweep``
    point: CheckedPoint | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.ok

    def step_sweep(self, steps: Any = None,
                   method: str = "richardson") -> tuple[np.ndarray, np.ndarray]:
        """(steps, errors): the check's relative error at the same point, repeated with each
        finite-difference step (default 10⁻¹ … 10⁻¹², two per decade), with the quotient the
        check uses (``"richardson"``, truncation error ∝ h⁴) or the plain ``"central"`` one
        (∝ h²); the rounding error grows like ε/h in both.  ``report.step`` is the step the
        check took."""
        if self.point is None:
            raise MatcalcError("this report holds no point where values were compared (a "
                               "check whose shapes differed compares none): nothing to sweep")
        return step_sweep(self.point, steps, method)

    @property
    def step(self) -> float | None:
        """The finite-difference step the check took (of the extrapolated quotient)."""
        return None if self.point is None else self.point.step

    def plot(self, ax: Any = None, steps: Any = None) -> Any:
        """The error against the step on log–log axes (matplotlib, ``pip install
        matcalc[plot]``): a V, truncation error on the right, rounding error on the left, for
        central differences and for the extrapolated ones the check uses, with the check's
        step and each minimum marked.  Draws on ``ax`` if given; returns the Axes."""
        return plot_step_sweep(self, ax, steps)

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items()) or "none"
        text = (
            f"check {verdict}: ∂({self.expr})/∂{self.wrt} [{self.layout}"
            f"{'' if self.layout == 'index form' else ' layout'}"
            f"{', ' + self.structure if self.structure != 'unstructured' else ''}]\n"
            f"  {'your formula' if self.given else 'derivative':<16}{self.derivative}\n"
            f"  max rel. error  {self.max_rel_error:.2e} (tolerance {self.tolerance:.0e})\n"
            f"  sizes           {sizes}; shape {'×'.join(str(s) for s in self.shape)}; "
            f"{self.points} point{'s' if self.points > 1 else ''}, worst at seed {self.seed}"
        )
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


def evaluate(fn, inputs: dict[str, np.ndarray], sizes: dict) -> np.ndarray:
    args: dict[str, Any] = {k: v for k, v in inputs.items() if k in fn.names}
    args.update({str(d): sizes[d] for d in fn.dimensions})
    return np.atleast_2d(np.asarray(fn(**args), dtype=float))


@recursion_guarded
def check(
    f: Any,
    wrt: Any,
    layout: str | None = None,
    *,
    seed: int = 0,
    sizes: dict | None = None,
    tolerance: float = TOLERANCE,
    step: float = 1e-6,
    points: int = 2,
    structure: str = "unstructured",
    form: str = "matrix",
    against: Any = None,
) -> CheckReport:
    """Compare ``diff(f, wrt, layout)`` (the same default layout) with central finite differences at ``points`` random
    points; every entry of the variable is perturbed on its own (the unstructured derivative,
    also for a symmetric variable).

    Sizes are small and distinct unless given (``sizes={"n": 3}``); inputs respect declared
    properties and the domains of log, sqrt, inv, det and logdet.  Returns a printable
    :class:`CheckReport`; ``report.ok`` says whether the relative error is below ``tolerance``.
    ``wrt`` may be a list: then a list of reports.  ``form="index"`` checks the index form
    ∂F_ij/∂X_kl as a 4-D array.  ``against=G``: check the formula G (derived by hand, say) in
    place of matcalc's derivative, in the same layout; a failed report names matcalc's.
    """
    wrt = resolve_wrt(f, wrt)
    if against is not None and (isinstance(wrt, (list, tuple)) or form != "matrix"):
        raise MatcalcError("against= checks one variable's derivative in matrix form; the "
                           "index form and several variables are checked without it")
    if isinstance(wrt, (list, tuple)):
        return [check(f, w, layout, seed=seed, sizes=sizes, tolerance=tolerance, step=step,
                      points=points, structure=structure, form=form)
                for w in wrt]  # type: ignore[return-value]
    check_layout(layout)
    if form not in ("matrix", "index"):
        raise MatcalcError(f"unknown form {form!r}; choose 'matrix' or 'index'")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise MatcalcError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 1:
        raise MatcalcError(f"points must be a positive integer, got {points!r}")
    for name, value in (("step", step), ("tolerance", tolerance)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not (
                np.isfinite(value) and value > 0):
            raise MatcalcError(f"{name} must be a positive finite number, got {value!r}")
    if sizes is not None and not isinstance(sizes, dict):
        raise MatcalcError(f"sizes must be a dict such as {{'n': 3}}, got {sizes!r}")
    for name, size in (sizes or {}).items():
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise MatcalcError(f"sizes[{name!r}] must be a positive integer, got {size!r}")
        if size > MAX_CHECK_SIZE:
            raise MatcalcError(f"sizes[{name!r}] = {size} is too large for a finite-difference "
                               f"check (at most {MAX_CHECK_SIZE}); small sizes show the same")
    f = as_expr(f)
    d = differentiate(f, wrt, layout, structure)
    x = d.wrt
    claimed = None if against is None else _claimed_formula(f, x, against)
    compared = d.result if claimed is None else claimed
    dim_sizes = choose_sizes([f, x, compared], sizes)
    unknown = set(map(str, sizes or {})) - {str(s) for s in dim_sizes}
    if unknown:
        raise MatcalcError(f"sizes names {', '.join(sorted(unknown))}, which is not a dimension of "
                           f"this check; its dimensions are "
                           f"{', '.join(sorted(map(str, dim_sizes))) or 'none'}")
    symbols = sorted(f.free_symbols() | {x} | compared.free_symbols(), key=lambda s: s.name)
    # the differences perturb every entry on its own, so f is evaluated as a function of all
    # entries: generated code may rely on a declared structure (a Cholesky factor of an spd
    # matrix reads one triangle), which a perturbation off the structure would break
    plain = plain_variables([x])
    f_fn = lambdify(substitute(f, plain) if plain else f, [plain.get(x, x)])
    g_fn = lambdify(compared)
    shown = _Shown(str(compared), d.layout, d.structure, given=claimed is not None)
    if claimed is not None and claimed.shape != d.result.shape:
        return _report(False, np.inf, f, x, shown, (0, 0), dim_sizes, seed, tolerance,
                       f"the formula is {fmt_shape(claimed.shape)}, but ∂f/∂{x.name} in "
                       f"{d.layout} layout is {fmt_shape(d.result.shape)}; {_matcalcs(d)}")
    if form == "index":
        index = diff(f, x, form="index")
        g_fn = lambdify(index)  # the 4-D array, compared with differences unarranged
        shown = _Shown(str(index), "index form", d.structure)

    def compare_at(dim_sizes: dict) -> CheckReport:
        # before any evaluation: by a large matrix the derivative itself (Bᵀ ⊗ A) is too
        # large to hold, and the differences take one evaluation an entry
        entries = int(np.prod([int(s.subs(dim_sizes)) for s in x.shape]))
        if entries > MAX_ENTRIES:
            raise MatcalcError(
                f"{x.name} has {entries} entries, too many for a finite-difference check (at "
                f"most {MAX_ENTRIES}); check with symbolic sizes, which are drawn small")
        worst, used_seed, detail = 0.0, seed, ""
        checked, flat, attempt, flat_shape, undefined = 0, 0, 0, (0, 0), 0
        worst_point = flat_point = None  # kept so that report.step_sweep can repeat the comparison
        while checked < points:
            if attempt >= points + MAX_FLAT_POINTS:
                if undefined and not flat:
                    raise _UndefinedNear(dim_sizes)
                # both sides vanished to rounding everywhere: consistent, and all this shows
                return _report(True, worst, f, x, shown, flat_shape, dim_sizes, seed, tolerance,
                               f"at all {flat} random points tried the derivative vanishes to the "
                               "rounding error of finite differences; that is all this check shows",
                               points, point=worst_point or flat_point)
            inputs, point_seed = _domain_point(f, f_fn, symbols, dim_sizes, seed + attempt)
            attempt += 1
            point = checked
            symbolic = evaluate(g_fn, inputs, dim_sizes)
            try:
                expected, f_scale, h, here = _finite_differences(
                    f, f_fn, x, d, inputs, dim_sizes, layout, step, structure=structure,
                    raw=form == "index")
            except NumericError:  # f is defined here but not at every step around the point
                expected = None
            if expected is None or not np.all(np.isfinite(expected)):
                undefined += 1
                continue
            here = replace(here, symbolic=symbolic)
            if expected.shape != symbolic.shape:
                return _report(False, np.inf, f, x, shown, symbolic.shape, dim_sizes, point_seed,
                               tolerance, f"shape {symbolic.shape} but finite differences give "
                               f"{expected.shape}")
            err, scale = error_and_scale(symbolic, expected)
            # central differences lose about eps·|f|/h to rounding: below that nothing is known
            floor = 100 * np.finfo(float).eps * max(1.0, f_scale) / h
            rel = err / scale if scale > 0 else err
            # both exactly 0 where the derivative is not 0 (it underflowed) shows nothing either
            vacuous = scale == 0 and not is_zero(compared)
            if 0 < scale < 10 * floor or vacuous:
                if err > floor:  # even at the noise level the two disagree
                    return _report(False, rel, f, x, shown, symbolic.shape, dim_sizes, point_seed,
                                   tolerance, "the derivative and finite differences disagree",
                                   point=here)
                flat += 1  # lost in rounding here: this point proves nothing
                flat_shape, flat_point = symbolic.shape, here
                continue
            checked += 1
            if not np.isfinite(err) or err > tolerance * scale + floor:
                resolved = (_resolving_step(here, tolerance, f_scale) if np.isfinite(err)
                            else None)
                if resolved is None:
                    return _report(False, rel, f, x, shown, symbolic.shape, dim_sizes,
                                   point_seed, tolerance, f"at point {point + 1} of {points}",
                                   point=here)
                rel, best = resolved
                detail = (f"checked at the step {best:.0e}: f varies too fast here for the "
                          f"default step ({h:.1e}) to resolve it")
            if rel >= tolerance:
                detail = (f"the error is within the rounding of finite differences (|f| ≈ "
                          f"{f_scale:.1e}, step {h:.1e})")
            if rel >= worst:
                worst, used_seed, worst_point = rel, point_seed, here
        return _report(True, worst, f, x, shown, symbolic.shape, dim_sizes, used_seed,
                       tolerance, detail, points, point=worst_point)

    def compare(dim_sizes: dict) -> CheckReport:
        report = compare_at(dim_sizes)
        if claimed is None or report.ok:
            return report
        return replace(report, detail="; ".join(filter(None, [report.detail, _matcalcs(d)])))

    try:
        return compare(dim_sizes)
    except (_UndefinedNear, NumericError) as first:
        # singular at these sizes, such as XXᵀ of a tall X: the other order of the sizes
        # gives the Gram matrix full rank, unless the user fixed every size
        error = first.error(f) if isinstance(first, _UndefinedNear) else first
        other = choose_sizes([f, x, d.result], sizes, reverse=True)
        if other == dim_sizes:  # one dimension, or every size given: nothing else to try
            raise error from None
        try:
            return compare(other)
        except (_UndefinedNear, NumericError):
            # both orders tried: suggesting the other one would send the user in a circle
            raise (first.error(f, also_tried=other) if isinstance(first, _UndefinedNear)
                   else error) from None


def _resolving_step(point: CheckedPoint, tolerance: float,
                    f_scale: float) -> tuple[float, float] | None:
    """(error, step) where steps below the default agree with the derivative, for a steep f
    (exp(100x)), which only a step far below the default (scaled up where |f| is large)
    resolves.  A step counts only where its rounding error (≈ eps·|f|/h) is well below the
    tolerance and its quotient is not 0 in floating point, and three steps in a row must
    agree: the quotients of a resolved f converge to the true derivative, while a wrong one
    can match one step by chance (sin(100a) at h = 0.1), or two where the quotient's error
    takes one value twice (a sine at ωh and ωh/√10)."""
    scale = float(np.max(np.abs(point.symbolic)))
    errors = []
    for step in DEFAULT_STEPS[DEFAULT_STEPS < point.step]:
        rounding = np.finfo(float).eps * max(1.0, f_scale) / step
        with np.errstate(all="ignore"):
            quotient = point.arrange(richardson_quotients(
                point.evaluate, point.x0, point.f_shape, float(step), point.structure))
        usable = (scale > 0 and rounding < 0.1 * tolerance * scale
                  and np.all(np.isfinite(quotient)) and np.any(quotient != 0))
        errors.append((relative_error(point.symbolic, quotient) if usable else np.inf, step))
    runs = [(max(e for e, _ in run), run[1][1]) for run in zip(errors, errors[1:], errors[2:])
            if all(e < tolerance for e, _ in run)]
    return min(runs, default=None)


def _claimed_formula(f: Expr, x: Symbol, against: Any) -> Expr:
    """The formula to check in place of matcalc's derivative: an expression in f's symbols."""
    if isinstance(against, str):
        raise MatcalcError("against= takes an expression; read text with mc.parse(text, "
                           "symbols), symbols = {s.name: s for s in f.free_symbols()}")
    claimed = as_expr(against)
    known = f.free_symbols() | {x}
    extra = sorted(s.name for s in claimed.free_symbols() - known)
    if extra:
        raise MatcalcError(f"the formula uses {', '.join(extra)}, which the expression does "
                           f"not; its variables are {', '.join(sorted(s.name for s in known))}")
    return claimed


def _matcalcs(d: Any) -> str:
    return f"matcalc's derivative: {to_unicode(d.result, where=False)}"


class _UndefinedNear(Exception):
    """f is finite at every point tried but undefined within a finite-difference step of each
    (a matrix singular at these sizes, a log at the edge of its domain)."""

    def __init__(self, sizes: dict):
        super().__init__()
        self.sizes = sizes

    def error(self, f: Any, also_tried: dict | None = None) -> NumericError:
        names = sorted(map(str, self.sizes))
        values = [self.sizes[k] for k in sorted(self.sizes, key=str)]

        def written(sizes: dict) -> str:
            return ", ".join(f"{k}={sizes[k]}" for k in sorted(sizes, key=str))

        at = f" at sizes {written(self.sizes)}" if names else ""
        if also_tried is not None:
            at += f" and at {written(also_tried)}"
        text = (f"{f} is undefined or beyond floating point within a finite-difference step of "
                f"every point tried{at}, so no derivative could be compared")
        if also_tried is not None:
            return NumericError(f"{text}; check at sizes where it is defined (sizes={{...}}, "
                                "the command's --sizes)")
        if len(set(values)) < 2:
            return NumericError(text)
        # the same sizes the other way round, the usual cure for a singular Gram matrix
        other = list(zip(names, reversed(values)))
        as_dict = ", ".join(f"{k!r}: {v}" for k, v in other)
        as_option = ", ".join(f"{k}={v}" for k, v in other)
        return NumericError(
            f"{text} (a matrix singular at these sizes, as XXᵀ is for a tall X?); check at "
            f"other sizes, such as sizes={{{as_dict}}} (the command's --sizes "
            f'"{as_option}")')


def check_hessian(f: Any, x: Any, y: Any = None, **options: Any) -> CheckReport:
    """Check ``hessian(f, x, y)`` against finite differences: it is the first derivative of
    vec(∂f/∂x) by y, which ``check`` compares entry by entry (variables with declared
    properties are plain here, as the unstructured Hessian is).  Check ∂f/∂x itself with
    ``check(f, x)``."""
    f = as_expr(f)
    x = resolve_wrt(f, x)
    y = x if y is None else resolve_wrt(f, y)
    plain = plain_variables([x, y])
    F, by, layout = hessian_as_derivative(substitute(f, plain), plain.get(x, x),
                                          plain.get(y, y))
    return check(F, by, layout, **options)


def _domain_point(f, f_fn, symbols, sizes, seed):
    """Inputs where f is finite: the seed's, or the next of a few retries."""
    for attempt in range(8):
        for constrained, shifted in ((False, False), (True, False), (True, True)):
            candidate = sample_inputs(f, symbols, sizes, seed + 1000 * attempt, constrained,
                                      shifted)
            try:
                value = evaluate(f_fn, candidate, sizes)
            except NumericError:  # a singular matrix, log det of det ≤ 0: try another point
                continue
            if np.all(np.isfinite(value)):
                return candidate, seed + 1000 * attempt
    raise NumericError(
        f"could not find a point where {f} is finite (tried 8 random points); "
        "declare properties such as spd=True, or pass a seed"
    )


@dataclass(frozen=True)
class _Shown:
    """What a report names: the derivative checked, its layout, its structure."""

    result: str
    layout: str
    structure: str
    given: bool = False  # the user's formula (against=), not matcalc's derivative


def _finite_differences(f, f_fn, x, d, inputs, sizes, layout, step, structure="unstructured",
                        raw=False):
    """d4[i, j, k, l] = ∂F[i, j]/∂X[k, l] by Richardson-extrapolated central differences,
    arranged in the layout (or raw, for an index form); with the size of f and the step, which
    bound the rounding error, and the point, to sweep the step later."""
    x0 = inputs[x.name]
    f_shape = tuple(int(s.subs(sizes)) for s in f.shape)
    f_scale = float(np.max(np.abs(evaluate(f_fn, inputs, sizes))))
    # a larger step where f is large keeps the rounding error (≈ eps·|f|/h) small
    h = max(step, float(np.cbrt(np.finfo(float).eps * max(1.0, f_scale)))) * max(
        1.0, float(np.max(np.abs(x0))))

    def at(value: np.ndarray) -> np.ndarray:
        return evaluate(f_fn, dict(inputs, **{x.name: value}), sizes)

    # Richardson extrapolation cancels the h² error term, so steep functions check too
    arrange = arrangement(d.case, layout, raw)
    with np.errstate(all="ignore"):  # a step outside f's domain is judged by the caller
        d4 = richardson_quotients(at, x0, f_shape, h, structure)
    point = CheckedPoint(at, x0, f_shape, np.zeros(0), arrange, structure, h)
    return arrange(d4), f_scale, h / 2, point


def _report(ok, rel, f, x, d, shape, sizes, seed, tolerance, detail, points=1,
            point=None) -> CheckReport:
    return CheckReport(
        ok=ok, max_rel_error=float(rel), expr=str(f), wrt=x.name, layout=d.layout,
        derivative=d.result, shape=tuple(int(s) for s in shape),
        sizes={str(k): v for k, v in sizes.items()}, seed=seed, tolerance=tolerance,
        detail=detail, points=points, structure=d.structure, point=point, given=d.given,
    )

