"""The evaluation benchmark's cases at tiny sizes: matcalc's generated code (numpy and JAX) and
the hand-written numpy agree with finite differences of the case's own loss, so the numbers in
RESULTS.md are for code that is right; and one worker runs (one repeat, no timing asserted)."""

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc.numeric.codegen import Generated

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
cases = importlib.import_module("cases")
worker = importlib.import_module("worker")

SMALL = {key: make(True) for key, make in cases.CASES.items()}
H = 1e-5


def _loss(case, **override):
    args = [np.asarray(override.get(a, case.inputs[a]), dtype=float) for a in case.args]
    return np.asarray(case.loss(np, *args), dtype=float)


def _moved(x, k, step):
    e = np.zeros(np.size(x))
    e[k] = step
    return np.asarray(x, dtype=float) + e.reshape(np.shape(x))


def _first(case, name, loss=None, x=None):
    loss = loss or (lambda **o: _loss(case, **o))
    x = case.inputs[name] if x is None else x
    return np.stack([(loss(**{name: _moved(x, k, H)}) - loss(**{name: _moved(x, k, -H)}))
                     / (2 * H) for k in range(np.size(x))], axis=-1)


def _second(case, name):
    def gradient(**o):
        return _first(case, name, lambda **p: _loss(case, **p), x=o[name])

    x = case.inputs[name]
    return np.stack([(gradient(**{name: _moved(x, k, 1e-4)})
                      - gradient(**{name: _moved(x, k, -1e-4)})) / 2e-4
                     for k in range(np.size(x))], axis=-1)


def _differences(case):
    first = case.args[0]
    if case.kind == "Hessian":
        return [_second(case, first)]
    if case.kind == "Jacobian":
        return [_first(case, first)]
    if case.kind == "gradient and Hessian":
        return [_loss(case), _first(case, first), _second(case, first)]
    return [_loss(case)] + [_first(case, a).reshape(np.shape(case.inputs[a]))
                            for a in case.args[:case.n_wrt]]


def _generated(case, backend, convert=np.asarray):
    fn = Generated(case.source(backend), case.name, []).compile()
    out = fn(**{a: convert(case.inputs[a]) for a in inspect.signature(fn).parameters})
    return worker.flat(out)


@pytest.mark.parametrize("key", SMALL)
def test_each_case_agrees_with_finite_differences_of_its_loss(key):
    case = SMALL[key]
    expected = _differences(case)
    for label, got in (("generated numpy", _generated(case, "numpy")),
                       ("hand-written numpy", worker.flat(case.fast(**case.inputs))),
                       ("reference", worker.flat(case.reference(**case.inputs)))):
        assert len(got) == len(expected), label
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g.reshape(np.shape(e)), e, rtol=1e-5, atol=1e-5,
                                       err_msg=f"{key}: {label}")


def test_the_cases_are_twelve_and_most_were_not_chosen_for_a_closed_form():
    assert len(SMALL) >= 12
    assert sum(not c.closed_form for c in SMALL.values()) >= len(SMALL) / 2


def test_a_worker_checks_and_times_one_implementation():
    result = worker.run("lse", "generated", quick=True, repeat=1)
    timing = result["timings"]["generated numpy"]
    assert timing["rounds"] == 1 and timing["min"] <= timing["median"] <= timing["max"]
    assert "kernel" in result
    limits = worker.run("-", "limits", quick=True, repeat=1)
    assert limits["gemm"] > 0 and limits["bandwidth"] > 0


def test_every_compute_bound_case_times_the_library_calls_it_cannot_avoid():
    # flops per byte at the benchmark's sizes: 15 and more on the compute-bound cases, under
    # 0.3 on the memory-bound ones
    full = {key: make(False) for key, make in cases.CASES.items()}
    compute_bound = [k for k, c in full.items() if c.flops / c.bytes > 1]
    del full
    assert len(compute_bound) >= 9
    for key in compute_bound:
        result = worker.run(key, "library", quick=True, repeat=1)
        assert set(result["timings"]) == {worker.LIBRARY}, key
        assert result["timings"][worker.LIBRARY]["rounds"] == 1


def test_a_wrong_implementation_is_caught_before_it_is_timed():
    case = cases.CASES["lse"](True)
    case.fast = lambda z: (0.0, z, np.eye(z.size))
    with pytest.raises(worker.Disagreement, match="disagrees with the reference"):
        worker.time_calls(case, {"wrong": lambda: case.fast(**case.inputs)}, 1)


def test_every_case_has_hand_written_jax_code():
    pytest.importorskip("jax", reason="jax is not installed: the hand-written JAX is not run")
    hand_jax = importlib.import_module("hand_jax")
    assert set(hand_jax.HAND_JAX) == set(cases.CASES)


@pytest.mark.parametrize("key", SMALL)
def test_hand_written_jax_agrees_with_the_numpy_reference_output_for_output(key):
    pytest.importorskip("jax", reason="jax is not installed: the hand-written JAX is not run")
    case = SMALL[key]
    (label, call), = worker.calls(case, "hand-jax").items()
    got = worker.flat(call())
    shapes = [np.shape(a) for a in worker.flat(case.fast(**case.inputs))]
    assert [g.shape for g in got] == shapes, f"{key}: {label} returns other shapes than numpy"
    worker.check(case, label, got, worker.flat(case.reference(**case.inputs)))
