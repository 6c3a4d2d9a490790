"""Evaluation benchmark: matcalc's generated numpy code against hand-written numpy, JAX and
PyTorch on four derivatives (issue 6, part c).

    python benchmarks/evaluation.py            # the full sizes
    python benchmarks/evaluation.py --quick    # small sizes, one repeat (a smoke run)

``benchmarks/run.py`` calls :func:`evaluate` and puts its section into RESULTS.md.

Every implementation's answer is checked against the hand-written numpy reference before it is
timed; a disagreement aborts the run.  Everything is float64.  Times are medians of several
calls after a warm-up call; JAX functions are ``jax.jit``-compiled (the compile is excluded from
the median and reported on its own) and their results are waited for with
``jax.block_until_ready``; PyTorch runs ``torch.func`` transforms eagerly.  JAX (``jax`` and
``jaxlib``) and PyTorch (``torch==2.13.0``, CPU) come with the ``bench`` extra; without them
their columns read "not installed".
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import inspect
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import matcalc as mc  # noqa: E402
from matcalc.numeric.codegen import Generated  # noqa: E402

#: agreement with the hand-written reference: relative, plus an absolute floor relative to the
#: largest entry (entries that cancel to near zero cannot keep 1e-6 relative accuracy)
RTOL, ATOL_SCALE = 1e-6, 1e-9
#: targets of issue 6: matcalc within 10% of hand-written numpy, and twice as fast as the
#: faster of JAX and PyTorch on Hessians and Jacobians
RATIO_TARGET, SPEEDUP_TARGET = 1.1, 2.0
#: a case whose fastest implementation takes under a millisecond or so gets more timing rounds
#: (up to MAX_ROUNDS), so that its fastest implementation is sampled for about ROUND_BUDGET s
ROUND_BUDGET, MAX_ROUNDS = 0.1, 51
NOT_INSTALLED = "not installed"
NUMPY = "hand-written numpy"

Outputs = tuple[np.ndarray, ...]


class Disagreement(RuntimeError):
    """An implementation's answer differs from the hand-written numpy reference."""


# --- the four cases -------------------------------------------------------------------------


def sigmoid(xp: Any, z: Any) -> Any:
    """σ(z) = 1/(1 + e^(−z)) in the array module xp (numpy, jax.numpy or torch)."""
    return 1 / (1 + xp.exp(-z))


def logistic_loss(xp: Any, w: Any, X: Any, y: Any) -> Any:
    """f(w) = sum(log(1 + exp(−y ⊙ Xw))), the same text in every framework."""
    return xp.sum(xp.log(1 + xp.exp(-y * (X @ w))))


def quadratic_form(xp: Any, x: Any, A: Any) -> Any:
    """f(x) = xᵀAx."""
    return x @ A @ x


def mlp_loss(xp: Any, W1: Any, W2: Any, X: Any, T: Any) -> Any:
    """L = sum((tanh(X W1) W2 − T)²)/2, batch rows: X is B×d, W1 d×h, W2 h×k, T B×k."""
    R = xp.tanh(X @ W1) @ W2 - T
    return xp.sum(R * R) / 2


def sigmoid_layer(xp: Any, x: Any, W: Any) -> Any:
    """y(x) = σ(W x)."""
    return sigmoid(xp, W @ x)


def logistic_hessian_reference(X, w, y) -> Outputs:
    """H = Xᵀ diag(p(1 − p)) X with p = σ(−y ⊙ Xw), as one symmetric product Xsᵀ Xs."""
    p = sigmoid(np, -y * (X @ w))
    Xs = X * np.sqrt(p * (1 - p))[:, None]  # y² = 1
    return (Xs.T @ Xs,)


def quadratic_hessian_reference(A, x) -> Outputs:
    """H = A + Aᵀ."""
    return (A + A.T,)


def mlp_gradient_reference(T, W1, W2, X) -> Outputs:
    """Backpropagation by hand: the loss and its gradients by W1, W2 and X."""
    H = np.tanh(X @ W1)
    R = H @ W2 - T
    G = (R @ W2.T) * (1 - H * H)
    return (np.sum(R * R) / 2, X.T @ G, H.T @ R, G @ W1.T)


def sigmoid_jacobian_reference(W, x) -> Outputs:
    """J = diag(σ ⊙ (1 − σ)) W, applied as a row scaling."""
    s = sigmoid(np, W @ x)
    return ((s * (1 - s))[:, None] * W,)


@dataclass
class Case:
    """One benchmark: the matcalc derivative, the inputs, the reference and the autodiff form.

    ``function(xp, *args)`` is the function JAX and PyTorch differentiate, with ``args`` the
    input names in its argument order; the first ``n_wrt`` of them are differentiated."""

    title: str
    kind: str  # "Hessian", "Jacobian" or "gradient"
    size: str
    expr: Any  # the derivative (kind Hessian/Jacobian) or the loss (kind gradient)
    wrt: list | None  # for codegen: None, or the variables of f_and_grad
    inputs: dict[str, np.ndarray]
    reference: Callable[..., Outputs]
    function: Callable[..., Any]
    args: tuple[str, ...]
    n_wrt: int = 1
    source: str = field(init=False)

    def __post_init__(self) -> None:
        self.source = mc.codegen(self.expr, wrt=self.wrt)

    @property
    def name(self) -> str:
        """The generated function's name."""
        return "f" if self.wrt is None else "f_and_grad"


def logistic_case(m: int, n: int, rng: np.random.Generator) -> Case:
    """The logistic-regression Hessian, X m×n, y ∈ {±1}^m."""
    md, nd = mc.dims("m n")
    X, w, y = mc.matrix("X", md, nd), mc.vector("w", nd), mc.vector("y", md)
    f = mc.sum(mc.log(1 + mc.exp(-y * (X @ w))))
    inputs = {"X": rng.standard_normal((m, n)), "w": rng.standard_normal(n) / np.sqrt(n),
              "y": rng.choice([-1.0, 1.0], size=m)}
    return Case("logistic-regression Hessian", "Hessian", f"m, n = {m}, {n}", mc.hessian(f, w),
                None, inputs, logistic_hessian_reference, logistic_loss, ("w", "X", "y"))


def quadratic_case(n: int, rng: np.random.Generator) -> Case:
    """The Hessian of xᵀAx, A n×n."""
    nd = mc.dims("n")
    x, A = mc.vector("x", nd), mc.matrix("A", nd)
    inputs = {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}
    return Case("xᵀAx Hessian", "Hessian", f"n = {n}", mc.hessian(x.T @ A @ x, x), None,
                inputs, quadratic_hessian_reference, quadratic_form, ("x", "A"))


def mlp_case(B: int, d: int, h: int, k: int, rng: np.random.Generator) -> Case:
    """The gradient of the 2-layer tanh MLP's squared loss by W1, W2 and X."""
    Bd, dd, hd, kd = mc.dims("B d h k")
    X, T = mc.matrix("X", Bd, dd), mc.matrix("T", Bd, kd)
    W1, W2 = mc.matrix("W1", dd, hd), mc.matrix("W2", hd, kd)
    R = mc.tanh(X @ W1) @ W2 - T
    inputs = {"W1": rng.standard_normal((d, h)) / np.sqrt(d),
              "W2": rng.standard_normal((h, k)) / np.sqrt(h),
              "X": rng.standard_normal((B, d)), "T": rng.standard_normal((B, k))}
    return Case("2-layer MLP gradient by W1, W2, X", "gradient",
                f"B = {B}, d = {d}, h = {h}, k = {k}", mc.sum(R * R) / 2, [W1, W2, X], inputs,
                mlp_gradient_reference, mlp_loss, ("W1", "W2", "X", "T"), n_wrt=3)


def sigmoid_case(m: int, n: int, rng: np.random.Generator) -> Case:
    """The Jacobian of σ(Wx) by x, W m×n."""
    md, nd = mc.dims("m n")
    W, x = mc.matrix("W", md, nd), mc.vector("x", nd)
    inputs = {"W": rng.standard_normal((m, n)) / np.sqrt(n), "x": rng.standard_normal(n)}
    return Case("Jacobian of σ(Wx)", "Jacobian", f"m = n = {n}" if m == n else f"{m}×{n}",
                mc.jacobian(mc.sigmoid(W @ x), x), None, inputs, sigmoid_jacobian_reference,
                sigmoid_layer, ("x", "W"))


def cases(quick: bool) -> list[Case]:
    """The four cases at the issue's sizes, or at small sizes for a smoke run."""
    rng = np.random.default_rng(0)
    if quick:
        return [logistic_case(400, 100, rng), quadratic_case(300, rng),
                mlp_case(64, 128, 128, 10, rng), sigmoid_case(100, 100, rng)]
    return [logistic_case(4000, 1000, rng), quadratic_case(3000, rng),
            mlp_case(1024, 2048, 2048, 10, rng), sigmoid_case(1000, 1000, rng)]


# --- implementations: name -> a call of no arguments returning the outputs -------------------


def as_outputs(result: Any) -> Outputs:
    """A result (an array, a number or nested tuples of them) as a flat tuple of numpy arrays."""
    if isinstance(result, (tuple, list)):
        return tuple(a for r in result for a in as_outputs(r))
    if hasattr(result, "detach"):  # a torch tensor
        result = result.detach().numpy()
    return (np.asarray(result, dtype=np.float64),)


def matcalc_calls(case: Case) -> dict[str, Callable[[], Any]]:
    """The compiled generated function, called with the arrays by symbol name, and lambdify's
    function (the same generated code behind argument binding; one output only)."""
    fn = Generated(case.source, case.name, []).compile()
    used = {a: case.inputs[a] for a in inspect.signature(fn).parameters}  # xᵀAx's needs no x
    calls = {"matcalc": functools.partial(fn, **used)}
    if case.wrt is None:
        calls["lambdify"] = functools.partial(mc.lambdify(case.expr), **case.inputs)
    return calls


def transforms(case: Case, xp: Any, funcs: Any, prefix: str) -> dict[str, Callable]:
    """The framework's derivatives of ``case.function`` by label: functions of the inputs
    returning the derivative, or (value, *gradients).  ``xp`` is the array module (jax.numpy
    or torch), ``funcs`` the transforms (jax or torch.func)."""
    f = functools.partial(case.function, xp)
    if case.kind == "Hessian":
        return {f"{prefix}.hessian": funcs.hessian(f),
                f"{prefix}.jacrev(jacrev)": funcs.jacrev(funcs.jacrev(f))}
    if case.kind == "Jacobian":
        return {f"{prefix}.jacrev": funcs.jacrev(f), f"{prefix}.jacfwd": funcs.jacfwd(f)}
    argnums = tuple(range(case.n_wrt))
    if prefix == "jax":
        return {"jax.value_and_grad": funcs.value_and_grad(f, argnums=argnums)}
    grad_and_value = funcs.grad_and_value(f, argnums=argnums)
    return {"torch.func.grad_and_value":
            lambda *a: (lambda grads, value: (value, grads))(*grad_and_value(*a))}


def jax_calls(case: Case, jax: Any) -> dict[str, Callable[[], Any]]:
    """``jax.jit`` of each JAX transform, on device arrays, waiting for the result."""
    args = [jax.numpy.asarray(case.inputs[a]) for a in case.args]
    return {label: (lambda fn: lambda: jax.block_until_ready(fn(*args)))(jax.jit(t))
            for label, t in transforms(case, jax.numpy, jax, "jax").items()}


def torch_calls(case: Case, torch: Any) -> dict[str, Callable[[], Any]]:
    """Each ``torch.func`` transform, eager, on float64 tensors sharing the numpy inputs."""
    import torch.func

    args = [torch.from_numpy(case.inputs[a]) for a in case.args]
    return {label: functools.partial(t, *args)
            for label, t in transforms(case, torch, torch.func, "torch.func").items()}


def frameworks() -> dict[str, Any]:
    """The installed autodiff frameworks by name (JAX set to float64), None where missing."""
    found: dict[str, Any] = {}
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        found["jax"] = jax
    except ImportError:
        found["jax"] = None
    try:
        import torch
        import torch.func  # noqa: F401

        found["torch"] = torch
    except ImportError:
        found["torch"] = None
    return found


# --- checking and timing ---------------------------------------------------------------------


def check(case: Case, label: str, outputs: Outputs, reference: Outputs) -> None:
    """Raise Disagreement unless every output has the reference's shape and values."""
    if len(outputs) != len(reference):
        raise Disagreement(f"{case.title}: {label} returned {len(outputs)} outputs, the "
                           f"hand-written numpy reference {len(reference)}")
    for i, (got, want) in enumerate(zip(outputs, reference)):
        if got.shape != want.shape:
            raise Disagreement(f"{case.title}: {label}'s output {i} has shape {got.shape}, "
                               f"the hand-written numpy reference's {want.shape}")
        try:
            np.testing.assert_allclose(got, want, rtol=RTOL,
                                       atol=ATOL_SCALE * float(np.max(np.abs(want))))
        except AssertionError as error:
            raise Disagreement(f"{case.title}: {label}'s output {i} disagrees with the "
                               f"hand-written numpy reference:{error}") from None


@dataclass
class Timing:
    """One implementation's median over ``rounds`` calls, and its first call (the warm-up;
    for JAX the compile)."""

    median: float
    first: float
    rounds: int


def measure(case: Case, calls: dict[str, Callable[[], Any]], reference: Outputs,
            repeat: int) -> dict[str, Timing]:
    """Check each call's answer on its (timed) first call, then time at least ``repeat``
    rounds (more for fast cases) with the calls interleaved, so that a busy spell on a shared
    machine hits all of them alike.  In a round each call runs twice and the second run is
    timed: the first lets the previous library's idle threads (OpenBLAS, XLA and OpenMP spin
    for a while after a call) give up the cores."""
    first = {}
    for label, call in calls.items():
        t0 = time.perf_counter()
        outputs = as_outputs(call())
        first[label] = time.perf_counter() - t0
        check(case, label, outputs, reference)
    rounds = repeat if repeat == 1 else max(
        repeat, min(MAX_ROUNDS, int(ROUND_BUDGET / min(first.values()))))
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(rounds):
        for label, call in calls.items():
            call()
            t0 = time.perf_counter()
            call()
            samples[label].append(time.perf_counter() - t0)
    return {label: Timing(statistics.median(samples[label]), first[label], rounds)
            for label in calls}


@dataclass
class Result:
    """The timings of one case by implementation label, and each framework's labels (None
    when it is not installed)."""

    case: Case
    timings: dict[str, Timing]
    frameworks: dict[str, list[str] | None]

    def best(self, framework: str) -> tuple[str, Timing] | None:
        """The framework's fastest transform, or None if it is not installed."""
        labels = self.frameworks[framework]
        return min(((label, self.timings[label]) for label in labels),
                   key=lambda kv: kv[1].median) if labels else None

    @property
    def ratio(self) -> float:
        """matcalc's generated code over hand-written numpy."""
        return self.timings["matcalc"].median / self.timings[NUMPY].median

    @property
    def speedup(self) -> float:
        """The faster of JAX and PyTorch over matcalc (nan when neither is installed)."""
        best = [b[1].median for b in map(self.best, self.frameworks) if b]
        return min(best) / self.timings["matcalc"].median if best else float("nan")


def run_case(case: Case, found: dict[str, Any], repeat: int) -> Result:
    """Check and time every implementation of one case."""
    calls = {NUMPY: functools.partial(case.reference, **case.inputs), **matcalc_calls(case)}
    builders = {"jax": jax_calls, "torch": torch_calls}
    frameworks: dict[str, list[str] | None] = {}
    for name, module in found.items():
        theirs = builders[name](case, module) if module else {}
        calls.update(theirs)
        frameworks[name] = list(theirs) or None
    reference = as_outputs(case.reference(**case.inputs))
    return Result(case, measure(case, calls, reference, repeat), frameworks)


# --- the report ------------------------------------------------------------------------------


def fmt_time(t: float) -> str:
    """Seconds as ms with three significant figures."""
    ms = 1000 * t
    return f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms"


def openblas_core() -> str:
    """The kernel set OpenBLAS chose for this CPU, read from the scipy-openblas library that
    numpy's wheels bundle ("unknown" for any other numpy build)."""
    for lib in sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("*openblas*")):
        try:
            corename = ctypes.CDLL(str(lib)).scipy_openblas_get_corename64_
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return "unknown"


def versions(found: dict[str, Any]) -> str:
    """The frameworks' versions and thread settings, for the machine line of RESULTS.md."""
    jax, torch = found.get("jax"), found.get("torch")
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    overrides = [f"{v}={os.environ[v]}" for v in
                 ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
                 if v in os.environ]
    return (f"JAX {jax.__version__ if jax else NOT_INSTALLED} "
            f"({jax.default_backend() if jax else 'no'} backend), "
            f"PyTorch {torch.__version__ if torch else NOT_INSTALLED}; numpy's BLAS: "
            f"{blas.get('name')} {blas.get('version')} (kernels: {openblas_core()}). "
            f"Threads: library defaults ({', '.join(overrides) or 'no environment override'}); "
            f"torch.get_num_threads() = {torch.get_num_threads() if torch else '—'}")


def framework_cell(result: Result, framework: str) -> str:
    """The framework's best time and which transform gave it."""
    best = result.best(framework)
    return f"{fmt_time(best[1].median)} ({best[0]})" if best else NOT_INSTALLED


def verdicts(result: Result) -> list[str]:
    """The targets this case misses, as sentences (empty when all are met)."""
    misses = []
    if result.ratio > RATIO_TARGET:
        misses.append(f"{result.case.title}: matcalc/numpy = {result.ratio:.2f}, "
                      f"target ≤ {RATIO_TARGET}")
    if result.case.kind != "gradient" and result.speedup < SPEEDUP_TARGET:
        misses.append(f"{result.case.title}: speedup over the faster of JAX and PyTorch = "
                      f"{result.speedup:.2f}×, target ≥ {SPEEDUP_TARGET:g}×")
    return misses


def summary_table(results: list[Result]) -> list[str]:
    """The main table: one row per case."""
    lines = ["| case | size | matcalc (generated) | lambdify | hand-written numpy | "
             "matcalc/numpy | JAX (jit, best) | PyTorch (torch.func, best) | "
             "speedup vs faster of JAX/PyTorch |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lam = r.timings.get("lambdify")
        target = (f" (target ≥ {SPEEDUP_TARGET:g}×)" if r.case.kind != "gradient"
                  else " (no target)")
        speedup = "—" if r.speedup != r.speedup else f"{r.speedup:.1f}×{target}"
        lines.append(
            f"| {r.case.title} | {r.case.size} | {fmt_time(r.timings['matcalc'].median)} | "
            f"{fmt_time(lam.median) if lam else 'n/a (several outputs)'} | "
            f"{fmt_time(r.timings[NUMPY].median)} | {r.ratio:.2f} (target ≤ {RATIO_TARGET}) | "
            f"{framework_cell(r, 'jax')} | {framework_cell(r, 'torch')} | {speedup} |")
    return lines


def detail_table(results: list[Result]) -> list[str]:
    """Every transform's median and first call (JAX's includes the jit compile)."""
    lines = ["| case | implementation | median | calls timed | "
             "first call (warm-up; JAX: compile + run) |", "|---|---|---|---|---|"]
    for r in results:
        for label, t in r.timings.items():
            lines.append(f"| {r.case.title} | {label} | {fmt_time(t.median)} | {t.rounds} | "
                         f"{fmt_time(t.first)} |")
    return lines


def sources(results: list[Result]) -> list[str]:
    """The generated source of every case, collapsed."""
    lines = []
    for r in results:
        lines += [f"<details><summary>Generated code: {r.case.title} ({r.case.size})"
                  "</summary>", "", "```python", r.case.source.rstrip(), "```", "",
                  "</details>", ""]
    return lines


def method(repeat: int, quick: bool) -> str:
    """How the numbers were taken, for the paragraph above the table."""
    timing = ("one call each, at small sizes (a smoke run: the numbers mean nothing)" if quick
              else f"medians of at least {repeat} calls (up to {MAX_ROUNDS} for fast cases) "
              "in rounds interleaving the implementations, each timed call preceded by an "
              "untimed one")
    return (f"Float64 throughout; {timing}. Every implementation was checked against the "
            f"hand-written numpy reference first (rtol {RTOL:g}, atol "
            f"{ATOL_SCALE:g}·max|reference|). matcalc's column times the compiled `mc.codegen` "
            "function called with arrays by name (its input checks included); lambdify runs "
            "the same code behind argument binding. JAX is `jax.jit` of the transform "
            "(compile excluded, results waited for); PyTorch runs `torch.func` eagerly. For "
            "Hessians both `hessian` (forward-over-reverse) and `jacrev(jacrev)` are timed and "
            "for the Jacobian both `jacrev` and `jacfwd`; the table shows the faster. The MLP "
            "loss is L = sum((tanh(X W1) W2 − T)²)/2 with batch rows (X is B×d) and the same "
            "formula in every framework. matcalc and hand-written numpy multiply matrices "
            "with numpy's BLAS, JAX with XLA's own kernels and PyTorch with its own, so the "
            "speedups compare those libraries too (see the machine line for the kernels "
            "OpenBLAS chose).")


def judgement(results: list[Result], quick: bool) -> list[str]:
    """The targets missed, said plainly; none judged on a smoke run or without frameworks."""
    if quick:
        return ["Quick run: the targets are not judged."]
    misses = [m for r in results for m in verdicts(r)]
    lines = (["**Targets missed:**", "", *[f"- {m}" for m in misses]] if misses
             else ["All measured targets met."])
    if not any(results[0].frameworks.values()):
        lines += ["", "The speedup targets were not measured: neither JAX nor PyTorch is "
                  "installed."]
    return lines


def report(results: list[Result], repeat: int, quick: bool) -> list[str]:
    """Section (c) of RESULTS.md."""
    missing = [name for name, labels in results[0].frameworks.items() if labels is None]
    lines = ["## (c) Evaluation: matcalc's generated numpy code vs hand-written numpy, "
             "JAX and PyTorch", "", method(repeat, quick), "", *summary_table(results), ""]
    if missing:
        lines += [f"{', '.join(missing)}: {NOT_INSTALLED} (`pip install -e \".[bench]\"`).", ""]
    return lines + [*judgement(results, quick), "", "### Every implementation", "",
                    *detail_table(results), "", "### What runs", "", *sources(results)]


def evaluate(quick: bool = False) -> tuple[list[str], str]:
    """Run the evaluation benchmark: (section (c) of RESULTS.md as lines, the versions line).
    Raises Disagreement if any implementation's answer differs from the reference."""
    repeat = 1 if quick else 7
    found = frameworks()
    results = [run_case(case, found, repeat) for case in cases(quick)]
    return report(results, repeat, quick), versions(found)


def main(argv: list[str] | None = None) -> int:
    """Print section (c) and the versions it was measured with."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and one repeat")
    args = ap.parse_args(argv)
    try:
        lines, versions_line = evaluate(args.quick)
    except Disagreement as error:
        sys.exit(f"evaluation aborted: {error}")
    print("\n".join([versions_line, "", *lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
