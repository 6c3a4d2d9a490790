"""The generated code of every evaluation benchmark case agrees with finite differences of the
case's own loss at small sizes (the numbers in RESULTS.md are for code shown right here)."""

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc.numeric.codegen import Generated

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "evaluation.py"
_spec = importlib.util.spec_from_file_location("benchmark_evaluation", _PATH)
evaluation = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = evaluation  # dataclasses look their module up there
_spec.loader.exec_module(evaluation)

rng = np.random.default_rng(7)
SMALL = [evaluation.logistic_case(7, 4, rng), evaluation.quadratic_case(5, rng),
         evaluation.mlp_case(4, 3, 5, 2, rng), evaluation.sigmoid_case(4, 3, rng)]
H = 1e-5


def _loss(case, **override):
    args = [override.get(a, case.inputs[a]) for a in case.args]
    return np.asarray(case.function(np, *args), dtype=float)


def _moved(x, k, step):
    e = np.zeros(x.size)
    e[k] = step
    return x + e.reshape(x.shape)


def _first_differences(case, name):
    """∂/∂name of the case's function, entry by entry: the shape of name (gradients) or
    rows by outputs and columns by entries (Jacobians)."""
    x = case.inputs[name]
    columns = [(_loss(case, **{name: _moved(x, k, H)}) - _loss(case, **{name: _moved(x, k, -H)}))
               / (2 * H) for k in range(x.size)]
    return np.stack(columns, axis=-1)


def _second_differences(case, name):
    x = case.inputs[name]
    n = x.size
    out = np.zeros((n, n))
    h = 1e-4
    for i in range(n):
        for j in range(n):
            def f(si, sj):
                return _loss(case, **{name: _moved(_moved(x, i, si * h), j, sj * h)})
            out[i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h * h)
    return out


@pytest.mark.parametrize("case", SMALL, ids=[c.title for c in SMALL])
def test_generated_code_of_each_benchmark_case_agrees_with_finite_differences(case):
    fn = Generated(case.source, case.name, []).compile()
    got = fn(**{a: case.inputs[a] for a in inspect.signature(fn).parameters})
    first = case.args[0]
    if case.kind == "Hessian":
        expected = [_second_differences(case, first)]
    elif case.kind == "Jacobian":
        expected = [_first_differences(case, first)]
    else:  # f_and_grad: the value, then the gradient by each variable, shaped like it
        expected = [_loss(case)] + [_first_differences(case, a).reshape(case.inputs[a].shape)
                                    for a in case.args[:case.n_wrt]]
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.asarray(g, dtype=float).reshape(np.shape(e)), e,
                                   rtol=1e-5, atol=1e-6)


def test_the_logistic_hessian_source_has_no_loop_and_no_diagonal_matrix():
    source = SMALL[0].source
    assert "for " not in source and "while " not in source
    assert "np.diag" not in source and "np.eye" not in source
