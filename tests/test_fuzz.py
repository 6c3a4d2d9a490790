"""Fuzzed text input: every failure is a MatcalcError, and no input takes over a second of CPU.

CI runs 20,000 fixed inputs (fixed seeds): grammar-aware texts, mutations of them, random
characters and bytes. MATCALC_STRESS=N runs N fresh random ones of each kind instead. The
one-second limit is a hang detector on each input's process CPU time, not a benchmark.
"""

import os
import random

import pytest

import matcalc as mc
import tests.fuzzing as fuzzing
from tests.fuzzing import LIMIT, exercise, inputs

_STRESS = int(os.environ.get("MATCALC_STRESS", "0"))
# 20,000 inputs in all: grammar 8,000, mutations 8,000, random 4,000
COUNTS = {"g": 8000, "m": 8000, "r": 4000}
SEEDS = {"g": 15, "m": 1515, "r": 151515}


@pytest.mark.parametrize("kind", ["g", "m", "r"], ids=["grammar", "mutations", "random"])
def test_fuzzed_text_fails_only_with_matcalc_errors_and_never_hangs(kind):
    seed = random.randrange(2**32) if _STRESS else SEEDS[kind]
    count = _STRESS or COUNTS[kind]
    problems = []
    for text in inputs(seed, count, kinds=kind):
        problem = exercise(text)
        if problem:
            problems.append(problem)
            if len(problems) == 10:
                break
    assert not problems, f"seed {seed}, limit {LIMIT} s:\n" + "\n".join(problems)


def test_the_fuzzer_reports_what_is_not_a_matcalc_error_and_what_hangs(monkeypatch):
    """The detector itself: a stray exception and an input over the limit are both caught."""
    def broken(text):
        raise KeyError(text)

    monkeypatch.setattr(mc, "parse", broken)
    assert "KeyError" in exercise("x")
    monkeypatch.setattr(fuzzing, "LIMIT", -1.0)
    monkeypatch.setattr(mc, "parse", lambda text: mc.scalar("c"))
    assert "s of CPU" in exercise("c")


def test_the_watchdog_stops_an_input_that_runs_on(monkeypatch):
    def forever(text):
        while True:
            pass

    monkeypatch.setattr(fuzzing, "WATCHDOG", 0.2)
    monkeypatch.setattr(mc, "parse", forever)
    assert "stopped after 0.2 s of CPU (a hang)" in exercise("x")


def test_the_fuzzer_writes_both_syntaxes_and_keyword_calls():
    texts = list(inputs(SEEDS["g"], 400, kinds="g"))
    assert any("'" in t and "*" in t for t in texts)  # x'*A*x
    assert any(".T" in t and "@" in t for t in texts)  # x.T @ A @ x
    assert any(".*" in t for t in texts) and any(".^" in t for t in texts)
    assert any("axis=" in t for t in texts)
