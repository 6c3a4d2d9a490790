"""The compactness corpus: matcalc's results against textbook forms (tests/compactness_corpus.py).

Each result must equal its textbook form at random points (so the corpus is right too), and
printed, the results must be as short as the textbooks': the median ratio of lengths at most 1
and none over 1.5."""

import statistics

import numpy as np
import pytest

import matcalc as mc
from tests.compactness_corpus import CORPUS

SIZES = {"n": 4, "m": 3, "p": 2, "N": 5, "d": 6}


def _inputs(symbols, seed):
    rng = np.random.default_rng(seed)
    values = {}
    for s in symbols:
        shape = tuple(SIZES[str(dim)] if not dim.is_number else int(dim) for dim in s.shape)
        v = rng.normal(size=shape)
        if "spd" in s.props:
            v = v @ v.T + shape[0] * np.eye(shape[0])
        elif "symmetric" in s.props:
            v = (v + v.T) / 2
        elif shape[0] == shape[1] and shape[0] > 1:
            v = 3 * np.eye(shape[0]) + v  # det > 0: log det, |det| and inverses are defined
        values[s.name] = v if shape != (1, 1) else float(v[0, 0])
    return values


def _result(f, wrt, order):
    return mc.diff(f, wrt) if order == 1 else mc.hessian(f, wrt)


@pytest.mark.parametrize("ref, f, wrt, textbook, order", CORPUS, ids=[c[0] for c in CORPUS])
def test_the_result_equals_its_textbook_form(ref, f, wrt, textbook, order):
    result = _result(f, wrt, order)
    symbols = sorted({*f.free_symbols(), *textbook.free_symbols(), wrt}, key=lambda s: s.name)
    ours, theirs = mc.lambdify(result, symbols), mc.lambdify(textbook, symbols)
    for seed in (1, 2):
        values = _inputs(symbols, seed)
        got, want = (np.asarray(fn(**values, **{str(k): SIZES[str(k)] for k in fn.dimensions}),
                                dtype=float)
                     for fn in (ours, theirs))
        assert np.allclose(got, want, rtol=1e-7, atol=1e-9), ref


def test_the_corpus_has_eighty_textbook_forms_with_references():
    assert len(CORPUS) >= 80
    assert all(ref.startswith(("MC ", "ML: ")) for ref, *_ in CORPUS)


def test_results_print_no_longer_than_their_textbook_forms():
    ratios = {}
    for ref, f, wrt, textbook, order in CORPUS:
        ours = len(mc.unicode(_result(f, wrt, order)))
        theirs = len(mc.unicode(textbook, where=False))
        ratios[ref] = ours / theirs
    worst = max(ratios, key=ratios.get)
    assert statistics.median(ratios.values()) <= 1.0, sorted(ratios.items(), key=lambda r: -r[1])
    assert ratios[worst] <= 1.5, (worst, ratios[worst])
