"""The finite-difference error against the step, drawn with matplotlib (an optional extra).

matplotlib is imported when a plot is asked for, never by ``import matcalc``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcalc.core.errors import MatcalcError

EPS = float(np.finfo(float).eps)
#: what the curves, markers and guides are called (the tests read these labels)
LABELS = {
    "central": "central differences",
    "richardson": "Richardson-extrapolated (what check uses)",
    "step": "the step check took",
    "minimum": "smallest error",
    "truncation": "∝ h² (truncation)",
    "rounding": "∝ ε/h (rounding)",
    "tolerance": "check's tolerance",
}


def pyplot() -> Any:
    """matplotlib.pyplot, or a MatcalcError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise MatcalcError("plotting needs matplotlib, an optional extra: "
                           "pip install matcalc[plot]") from None
    return plt


def plot_step_sweep(report: Any, ax: Any = None, steps: Any = None) -> Any:
    """Both quotients' error against the step on log–log axes, for ``report.plot``."""
    plt = pyplot()
    swept = {method: report.step_sweep(steps, method) for method in ("central", "richardson")}
    if ax is None:
        ax = plt.subplots(figsize=(6.4, 4.2))[1]
    for method, style in (("central", "o-"), ("richardson", "s-")):
        h, err = swept[method]
        ax.loglog(h, np.where(err > 0, err, np.nan), style, markersize=3, label=LABELS[method])
    h, err = swept["central"]
    if np.any(err > 0):
        best = int(np.nanargmin(np.where(err > 0, err, np.nan)))
        _guides(ax, h, err, best)
    minima = [(h[np.nanargmin(np.where(e > 0, e, np.nan))], np.nanmin(np.where(e > 0, e, np.nan)))
              for h, e in swept.values() if np.any(e > 0)]
    if minima:
        ax.loglog(*zip(*minima), "o", markersize=9, fillstyle="none", color="black",
                  label=LABELS["minimum"])
    used = report.step_sweep([report.step], "richardson")[1][0]
    if used > 0:
        ax.loglog([report.step], [used], "*", markersize=14, color="crimson", label=LABELS["step"])
    ax.axhline(report.tolerance, color="gray", linewidth=0.8, linestyle=":",
               label=LABELS["tolerance"])
    ax.set_xlabel("finite-difference step h")
    ax.set_ylabel("relative error of the derivative")
    expr = report.expr if len(report.expr) <= 48 else report.expr[:45] + "…"
    ax.set_title(f"∂({expr})/∂{report.wrt}: error against step")
    ax.legend(fontsize="small", loc="best")
    return ax


def _guides(ax: Any, h: np.ndarray, err: np.ndarray, best: int) -> None:
    """Faint lines of slope 2 through the largest step and of slope −1 (ε/h) through the
    smallest, each over its side of the V."""
    right, left = np.sort(h[h >= h[best]]), np.sort(h[h <= h[best]])
    big, small = int(np.argmax(h)), int(np.argmin(h))
    if err[big] > 0:
        ax.loglog(right, err[big] * (right / h[big]) ** 2, "--", color="gray", alpha=0.5,
                  label=LABELS["truncation"])
    if err[small] > 0:
        ax.loglog(left, err[small] * h[small] / left, "-.", color="gray", alpha=0.5,
                  label=LABELS["rounding"])
