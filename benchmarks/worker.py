"""One implementation of one evaluation case, timed in this process; prints JSON.

    python benchmarks/worker.py CASE IMPLEMENTATION [--quick] [--repeat N]
    python benchmarks/worker.py - limits [--quick]

IMPLEMENTATION: generated (matcalc's numpy code), hand (the best hand-written numpy), jax
(jax.jit of JAX's transforms), torch (torch.func), matcalc-jax (matcalc's JAX backend, jitted),
hand-jax (hand_jax.py's hand-written JAX of the hand-written numpy's formula, jitted),
library (only the library calls no numpy code can avoid: the case's ``library_only``);
``limits`` measures this machine's GEMM rate and memory bandwidth and names the BLAS kernel.
``evaluation.py`` starts one process per implementation with its threads pinned (the
environment it passes); each answer is checked against the case's numpy reference first.
"""

from __future__ import annotations

import argparse
import os
import inspect
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

# One CPU for this process, before numpy (OpenBLAS starts its threads at import, and a thread
# keeps the affinity it started with) and before JAX: thread-count settings are not enough —
# XLA's CPU client starts its own pool whatever OMP/XLA_FLAGS say, and its GEMM ran on both
# cores in an earlier run (130 GFLOP/s against one core's 70–76).
PINNED_CPU = "not pinned (no sched_setaffinity here)"
if __name__ == "__main__" and hasattr(os, "sched_setaffinity"):
    _cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {_cpu})
    PINNED_CPU = f"CPU {_cpu}"

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES, Case  # noqa: E402
from matcalc.numeric.codegen import Generated  # noqa: E402

RTOL, ATOL_SCALE = 1e-6, 1e-9
#: timed calls: at least the --repeat given, more for fast calls, within about this many s
BUDGET, MAX_ROUNDS = 0.5, 41


#: the label of the library calls alone, which compute nothing to check
LIBRARY = "library calls alone"


class Disagreement(RuntimeError):
    """An implementation's answer differs from the numpy reference."""


def flat(result: Any) -> list[np.ndarray]:
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in flat(r)]
    if hasattr(result, "detach"):
        result = result.detach().cpu().numpy()
    return [np.asarray(result, dtype=np.float64)]


def check(case: Case, label: str, outputs: list, reference: list) -> None:
    if len(outputs) != len(reference):
        raise Disagreement(f"{case.title}: {label} gave {len(outputs)} outputs, the reference "
                           f"{len(reference)}")
    for i, (got, want) in enumerate(zip(outputs, reference)):
        if got.size != want.size:
            raise Disagreement(f"{case.title}: {label}'s output {i} has shape {got.shape}, "
                               f"the reference's {want.shape}")
        try:
            np.testing.assert_allclose(got.reshape(want.shape), want, rtol=RTOL,
                                       atol=ATOL_SCALE * float(np.max(np.abs(want))))
        except AssertionError as error:
            raise Disagreement(f"{case.title}: {label}'s output {i} disagrees with the "
                               f"reference:{error}") from None


def _generated(case: Case, backend: str) -> Callable:
    fn = Generated(case.source(backend), case.name, []).compile()
    return fn, [a for a in inspect.signature(fn).parameters]


def calls(case: Case, implementation: str) -> dict[str, Callable[[], Any]]:
    """The variants of one implementation, as calls of no arguments."""
    if implementation == "generated":
        fn, names = _generated(case, "numpy")
        return {"generated numpy": lambda: fn(**{a: case.inputs[a] for a in names})}
    if implementation == "hand":
        return {"hand-written numpy": lambda: case.fast(**case.inputs)}
    if implementation == "library":
        return {LIBRARY: case.library_only(**case.inputs)} if case.library_only else {}
    if implementation == "matcalc-jax":
        return _jitted(case, lambda: _generated(case, "jax")[0], "matcalc → JAX (jit)")
    if implementation == "hand-jax":  # hand_jax.py: the hand-written numpy's formula in JAX
        return _jitted(case, lambda: _hand_jax()[case.key], "hand-written JAX (jit)")
    if implementation == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        args = [jax.numpy.asarray(case.inputs[a]) for a in case.args]
        return {label: (lambda f: lambda: jax.block_until_ready(f(*args)))(jax.jit(t))
                for label, t in transforms(case, jax.numpy, jax, "jax").items()}
    if implementation == "torch":
        import torch
        import torch.func

        torch.set_num_threads(1)
        args = [torch.from_numpy(np.asarray(case.inputs[a])) for a in case.args]
        return {label: (lambda f: lambda: f(*args))(t)
                for label, t in transforms(case, torch, torch.func, "torch.func").items()}
    raise SystemExit(f"unknown implementation {implementation!r}")


def _hand_jax() -> dict[str, Callable]:
    from hand_jax import HAND_JAX  # imports jax: only when asked for

    return HAND_JAX


def _jitted(case: Case, function: Callable[[], Callable], label: str) -> dict[str, Callable]:
    """``function()`` under ``jax.jit`` (float64), called with the case's inputs as JAX arrays
    in the order of its parameters: matcalc's JAX backend and the hand-written JAX alike."""
    import jax

    jax.config.update("jax_enable_x64", True)  # before any array is made
    fn = function()
    jitted = jax.jit(fn)
    args = [jax.numpy.asarray(case.inputs[a]) for a in inspect.signature(fn).parameters]
    return {label: lambda: jax.block_until_ready(jitted(*args))}


def transforms(case: Case, xp: Any, ad: Any, prefix: str) -> dict[str, Callable]:
    """The framework's derivatives of the case's loss, each returning what matcalc's code
    returns (value and gradients; a Hessian; a Jacobian; value, gradient and Hessian)."""
    def f(*a):
        return case.loss(xp, *a)

    argnums = tuple(range(case.n_wrt))
    hessians = {"jacfwd(jacrev)": ad.jacfwd(ad.jacrev(f)), "jacrev(jacrev)": ad.jacrev(ad.jacrev(f))}
    if case.kind == "gradient":
        if prefix == "jax":
            return {"jax.value_and_grad": ad.value_and_grad(f, argnums=argnums)}
        gv = ad.grad_and_value(f, argnums=argnums)
        return {"torch.func.grad_and_value": lambda *a: (lambda g, v: (v, g))(*gv(*a))}
    if case.kind == "Jacobian":
        return {f"{prefix}.jacrev": ad.jacrev(f), f"{prefix}.jacfwd": ad.jacfwd(f)}
    if case.kind == "Hessian":
        return {f"{prefix}.{k}": h for k, h in hessians.items()}
    if prefix == "jax":
        vg = ad.value_and_grad(f)
    else:
        gv = ad.grad_and_value(f)
        vg = (lambda *a: (lambda g, v: (v, g))(*gv(*a)))
    return {f"{prefix}.{k} + value_and_grad": (lambda h: lambda *a: (*vg(*a), h(*a)))(h)
            for k, h in hessians.items()}


def time_calls(case: Case, variants: dict[str, Callable], repeat: int) -> dict[str, dict]:
    reference = flat(case.reference(**case.inputs))
    out = {}
    for label, call in variants.items():
        t0 = time.perf_counter()
        answer = call()
        first = time.perf_counter() - t0
        if label != LIBRARY:
            check(case, label, flat(answer), reference)
        t0 = time.perf_counter()
        call()  # a second warm-up (a lazily built plan, caches)
        # rounds from the second call: the first includes JAX's compilation, which left
        # sub-millisecond JAX calls at the minimum of 7 rounds, too few on a noisy machine
        warm = time.perf_counter() - t0
        rounds = repeat if repeat == 1 else max(repeat, min(MAX_ROUNDS,
                                                            int(BUDGET / max(warm, 1e-6))))
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            call()
            samples.append(time.perf_counter() - t0)
        out[label] = {"min": min(samples), "median": statistics.median(samples),
                      "max": max(samples), "first": first, "rounds": rounds}
    return out


#: side-by-side pairs: (ours, the yardstick), alternated call by call in one process
PAIRS = {"pair-numpy": ("generated", "hand"), "pair-jax": ("matcalc-jax", "hand-jax")}
PAIR_BUDGET, PAIR_ROUNDS = 3.0, (15, 201)


def time_pair(case: Case, implementation: str, quick: bool = False) -> dict:
    """ours / yardstick, call by call: both are called alternately (each first in every other
    round) in one pinned process, so that a busy spell of the shared machine slows both alike;
    median and quartiles of the per-pair ratios.  Both answers are checked first.

    For numpy, each round also times the library calls alone and measures the machine's GEMM
    rate (``probes``), so that each call's share of the physical limit is judged against the
    limit of its own moment: the host's speed moved by a third within one session here, and a
    limit measured minutes apart from the calls moved every share with it.  The bandwidth is
    measured once, before the rounds (a 384 MB pass each round would leave every call cold)."""
    reference = flat(case.reference(**case.inputs))
    pair = [next(iter(calls(case, side).items())) for side in PAIRS[implementation]]
    for label, call in pair:
        check(case, label, flat(call()), reference)
        call()
    extra = calls(case, "library") if implementation == "pair-numpy" else {}
    probe = probes(quick) if implementation == "pair-numpy" else None
    bandwidth = limits(quick)["bandwidth"] if probe else None
    timed = pair + list(extra.items())
    t0 = time.perf_counter()
    for _, call in timed:
        call()
    if probe:
        probe()
    low, high = PAIR_ROUNDS
    rounds = max(low, min(high, int(PAIR_BUDGET / max(time.perf_counter() - t0, 1e-6))))
    ratios, shares = [], {label: [] for label, _ in timed}
    for k in range(rounds):
        times = {}
        # each call first in turn, after an untimed call that warms the caches the probe left
        order = timed[k % len(timed):] + timed[:k % len(timed)]
        if probe:
            order[0][1]()
        for label, call in order:
            t0 = time.perf_counter()
            call()
            times[label] = time.perf_counter() - t0
        ratios.append(times[pair[0][0]] / times[pair[1][0]])
        if probe:
            gemm = probe()
            limit = max(case.flops / gemm, case.bytes / bandwidth)
            for label, t in times.items():
                shares[label].append(limit / t)
    result = {"pair": {**_quartiles(ratios), "rounds": rounds}}
    if probe:
        result["shares"] = {label: _quartiles(s) for label, s in shares.items()}
    return result


def _quartiles(values: list[float]) -> dict[str, float]:
    if len(values) == 1:
        return {"median": values[0], "q1": values[0], "q3": values[0]}
    q1, median, q3 = statistics.quantiles(values, n=4)
    return {"median": median, "q1": q1, "q3": q3}


def probes(quick: bool) -> Callable[[], float]:
    """A call giving the GEMM rate (flop/s) now: one 1000×1000 product, whose rate is within
    1% of the 1500×1500 one ``limits`` reports."""
    n = 200 if quick else 1000
    A, B = np.random.default_rng(0).standard_normal((2, n, n))
    C = A @ B
    return lambda: 2.0 * n ** 3 / _timed(lambda: np.matmul(A, B, out=C))


def blas() -> dict[str, str]:
    """The BLAS numpy runs, as threadpoolctl reports it (kernel set and threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"kernel": "threadpoolctl not installed"}
    found = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    found.sort(key=lambda i: "numpy" not in str(i.get("filepath")))  # numpy's own first
    for info in found:
        if info.get("user_api") == "blas":
            return {"kernel": f"{info.get('internal_api')} {info.get('version')} "
                              f"({info.get('architecture')})",
                    "threads": str(info.get("num_threads"))}
    return {"kernel": "unknown"}


def limits(quick: bool) -> dict[str, float]:
    """GEMM rate (flop/s, float64, best of 5) and memory bandwidth (bytes/s of a = b + c on
    arrays far larger than the caches, best of 5)."""
    n = 200 if quick else 1500
    A, B = np.random.default_rng(0).standard_normal((2, n, n))
    C = A @ B
    gemm = min(_timed(lambda: np.matmul(A, B, out=C)) for _ in range(5))
    size = 2 ** 16 if quick else 2 ** 24  # 128 MB per array
    a, b, c = np.ones(size), np.ones(size), np.empty(size)
    np.add(a, b, out=c)
    stream = min(_timed(lambda: np.add(a, b, out=c)) for _ in range(5))
    return {"gemm": 2.0 * n ** 3 / gemm, "bandwidth": 3 * 8.0 * size / stream}


def framework_gemm(framework: str, quick: bool) -> dict[str, float]:
    """The GEMM rate (flop/s, float64, best of 5) of a framework's own BLAS, pinned like every
    worker: what its matrix products cost, against numpy's, where a framework wins."""
    n = 200 if quick else 1500
    A, B = np.random.default_rng(0).standard_normal((2, n, n))
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
        a, b = torch.from_numpy(A), torch.from_numpy(B)
        call = lambda: torch.matmul(a, b)  # noqa: E731
    else:
        import jax

        jax.config.update("jax_enable_x64", True)
        a, b = jax.numpy.asarray(A), jax.numpy.asarray(B)
        product = jax.jit(jax.numpy.matmul)
        call = lambda: product(a, b).block_until_ready()  # noqa: E731
    call()
    return {"gemm": 2.0 * n ** 3 / min(_timed(call) for _ in range(5))}


def _timed(call: Callable) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def run(case_key: str, implementation: str, quick: bool, repeat: int) -> dict:
    if implementation == "limits":
        return {**limits(quick), **blas()}
    if implementation in ("limits-jax", "limits-torch"):
        try:
            return framework_gemm(implementation.split("-")[1], quick)
        except ImportError as error:
            return {"missing": str(error)}
    case = CASES[case_key](quick)
    if implementation in PAIRS:
        try:
            return time_pair(case, implementation, quick)
        except ImportError as error:
            return {"missing": str(error)}
    try:
        variants = calls(case, implementation)
    except ImportError as error:
        return {"missing": str(error)}
    return {"timings": time_calls(case, variants, repeat), **blas()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("implementation")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    try:
        result = run(args.case, args.implementation, args.quick, args.repeat)
    except Disagreement as error:
        result = {"disagreement": str(error)}
    print(json.dumps({**result, "cpu": PINNED_CPU}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
