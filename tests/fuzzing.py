"""A fuzzer of matcalc's text input: grammar-aware generation, mutation and random characters.

``inputs(seed, count)`` yields texts: a third written from the parser's grammar (shape-aware, in
matrixcalculus.org's spelling ``x'*A*x``, ``.*``, ``.^`` and in Python's ``x.T @ A @ x``, ``**``,
calls with keyword arguments), a third mutations of such texts (tokens and characters deleted,
inserted, swapped; Unicode, huge numbers, deep parentheses), a third random characters and
bytes.  ``exercise(text)`` parses the text and, when it parses, differentiates it by each free
symbol and prints every result three ways; it returns what went wrong: ``None``, or the input
with the exception that is not a MatcalcError, or that took over ``LIMIT`` seconds of CPU.

``python -m tests.fuzzing N [SEED]`` runs N inputs and prints a summary (the one-off runs).
"""

from __future__ import annotations

import gc
import random
import re
import signal
import sys
import time
import traceback
from typing import Iterator, Optional

import matcalc as mc
from matcalc.core.errors import MatcalcError

#: CPU seconds one input may take: a hang detector, not a benchmark
LIMIT = 1.0
#: CPU seconds after which an input is stopped, so that a hang fails the run instead of
#: holding it
WATCHDOG = 10.0

SCALARS = "abcdg"
VECTORS = "xyzuv"
MATRICES = "ABSWX"
ELEMENTWISE = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt", "abs", "relu", "softplus",
               "log1p", "expm1", "arctan", "erf", "sign", "step", "cosh", "sinh", "atan")
TO_SCALAR = ("tr", "det", "logdet", "norm1", "norm2", "normF", "sum", "mean", "logsumexp")
UNICODE = ("α", "β", "λ", "²", "³", "ᵀ", "’", "′", "∂", "⊙", "·", "×", "−", "√", "∑", "Σ",
           "😀", "\u200b", "\u00a0", "\x00", "\ufeff", "ℝ", "Ａ", "ｘ", "١", "𝟏", "ﬁ", "\u0301")
ASCII_NOISE = "+-*/^@'().,=;:[]{}<>!?#$%&|~`\"\\_ \t\n0123456789eETxAa"
HUGE = ("1" * 120, "9" * 5000, "1e999", "1e-999", "0." + "0" * 90 + "1", "123456789" * 11,
        "1" * 100, "1.5e308", "4.9e-324", "0" * 100)
OPERATORS = (".*", "./", ".^", "**", ".T", "+", "-", "*", "/", "^", "@", "'", "(", ")", ",",
             "=")


#: what each kind of expression may be, as templates: {s}, {v}, {M} are a scalar, vector and
#: matrix drawn anew, {vT} and {MT} transposed ones; the other fields are spellings
FORMS = {
    "s": ["{s} + {s}", "{s} - {s}", "{s} * {s}", "{s} / ({s} + 2)", "{fn}({s})", "{square}({M})",
          "{reduce}({v})", "{reduce}({M})", "{vT}{mm}{v}", "{vT}{mm}{M}{mm}{v}",
          "norm2({v}){pow}2", "({s}){pow}{exponent}", "-{s}", "logsumexp({v})"],
    "v": ["{M}{mm}{v}", "{v} + {v}", "{v} - {v}", "{v}{ew}{v}", "{s}*{v}", "{fn}({v})",
          "softmax({v})", "log_softmax({v})", "diag({M})", "solve({M}, {v})",
          "sum({M}, axis=1)", "({v}){epow}2", "{v} {ediv} ({v})", "ones(n) - {v}"],
    "M": ["{M}{mm}{M}", "{M} + {M}", "{M} - {M}", "{M}{ew}{M}", "{MT}", "inv({M})", "{fn}({M})",
          "{v}{mm}{vT}", "diag({v})", "{s}*{M}", "softmax({M}, axis={axis})",
          "log_softmax({M}, axis={axis})", "hadamard({M}, {M})", "{mpow}", "solve({M}, {M})",
          "{M} + eye(n)", "kron({M}, {M})"],
}
LEAVES = {"s": [*SCALARS, "2", "0.5", "1e-3", "3", "1.5e2"], "v": list(VECTORS),
          "M": [*MATRICES, "eye(n)"]}


class Grammar:
    """Shape-aware generation: every vector has n entries and every matrix is n×n, so most
    texts are well shaped; ``style`` is "matcalc" or "python"."""

    def __init__(self, rng: random.Random, style: str):
        self.rng = rng
        self.python = style == "python"

    def expr(self, kind: str, depth: int) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            return rng.choice(LEAVES[kind])
        form = rng.choice(FORMS[kind])
        if form.startswith("kron") and rng.random() < 0.9:
            form = "{M} + eye(n)"  # sizes n², rarely
        return re.sub(r"\{(\w+)\}", lambda m: self.field(m.group(1), depth - 1), form)

    def field(self, name: str, depth: int) -> str:
        rng, python = self.rng, self.python
        if name in FORMS:
            return self.expr(name, depth)
        if name in ("vT", "MT"):
            inner = self.expr(name[0], depth)
            return f"({inner}).T" if python else f"({inner})'"
        if name == "mpow":
            inner = self.expr("M", depth)
            return f"inv({inner})" if python else f"({inner})^{rng.choice(['2', '-1', '3'])}"
        return {
            "fn": lambda: rng.choice(ELEMENTWISE), "square": lambda: rng.choice(TO_SCALAR[:3]),
            "reduce": lambda: rng.choice(TO_SCALAR[3:]),
            "mm": lambda: " @ " if python else "*", "ew": lambda: " * " if python else ".*",
            "pow": lambda: "**" if python else rng.choice(("^", ".^")),
            "epow": lambda: "**" if python else ".^", "ediv": lambda: "/" if python else "./",
            "exponent": lambda: rng.choice(["2", "-1", "(1/2)", "3"]),
            "axis": lambda: rng.choice("01"),
        }[name]()

    def text(self) -> str:
        kind = self.rng.choice("ssssvM")
        return self.expr(kind, self.rng.randint(1, 5))


def _tokens(text: str) -> list[str]:
    """Text split into rough tokens (names, numbers, operators, single characters)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isalnum() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] in "_."):
                j += 1
            out.append(text[i:j])
            i = j
            continue
        op = next((o for o in OPERATORS if text.startswith(o, i)), ch)
        out.append(op)
        i += len(op)
    return out


def mutate(rng: random.Random, text: str) -> str:
    """One to three edits of a valid text."""
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(12)
        tokens = _tokens(text) or [""]
        i = rng.randrange(len(tokens))
        c = rng.randrange(len(text) + 1)
        if choice == 0:  # delete a token
            del tokens[i]
            text = "".join(tokens)
        elif choice == 1:  # duplicate a token
            tokens.insert(i, tokens[i])
            text = "".join(tokens)
        elif choice == 2 and len(tokens) > 1:  # swap two tokens
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
            text = "".join(tokens)
        elif choice == 3:  # insert an operator
            text = text[:c] + rng.choice(OPERATORS) + text[c:]
        elif choice == 4:  # delete characters
            text = text[:c] + text[c + rng.randint(1, 3):]
        elif choice == 5:  # a Unicode character
            text = text[:c] + rng.choice(UNICODE) + text[c:]
        elif choice == 6:  # a huge or tiny number
            tokens[i] = rng.choice(HUGE)
            text = "".join(tokens)
        elif choice == 7:  # deep parentheses
            k = rng.choice((5, 50, 150, 199, 201, 400))
            text = "(" * k + text + ")" * rng.choice((k, k - 1, k + 1))
        elif choice == 8:  # a name replaced by a function name or a keyword
            tokens[i] = rng.choice([*ELEMENTWISE, *TO_SCALAR, "kron", "eye", "ones", "zeros",
                                    "vector", "matrix", "commutation", "lambda", "if", "None",
                                    "axis", "n", "T", "_", "__import__"])
            text = "".join(tokens)
        elif choice == 9:  # a space removed or added (implicit multiplication)
            text = text.replace(" ", "", 1) if rng.random() < 0.5 else text[:c] + " " + text[c:]
        elif choice == 10:  # repeated (at most 5 times: a product of repeated sums takes time
            # exponential in the count in the engine, a known cost reported apart)
            text = rng.choice(("+", "*", "@", ".*", ",")).join([text] * rng.randint(2, 5))
        else:  # a random ASCII character
            text = text[:c] + rng.choice(ASCII_NOISE) + text[c:]
    return text


def random_text(rng: random.Random) -> str:
    """Random characters, or random bytes read as UTF-8 / Latin-1."""
    n = rng.choice((1, 2, 5, 10, 30, 100))
    kind = rng.randrange(3)
    if kind == 0:
        return "".join(rng.choice(ASCII_NOISE) for _ in range(n))
    if kind == 1:
        return "".join(rng.choice(ASCII_NOISE + "".join(UNICODE)) for _ in range(n))
    raw = bytes(rng.randrange(256) for _ in range(n))
    return raw.decode(rng.choice(("utf-8", "latin-1")), errors="replace")


def inputs(seed: int, count: int, kinds: str = "gmr") -> Iterator[str]:
    """``count`` texts from ``seed``: grammar (g), mutations (m) and random (r), in turn."""
    rng = random.Random(seed)
    grammars = (Grammar(rng, "matcalc"), Grammar(rng, "python"))
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "r":
            yield random_text(rng)
            continue
        text = rng.choice(grammars).text()
        yield mutate(rng, text) if kind == "m" else text


class Hang(BaseException):
    """Raised by the watchdog in an input that runs on (a BaseException, so that no
    ``except Exception`` in matcalc takes it)."""


def _stop(signum, frame):
    raise Hang


def _watchdog(seconds: float) -> bool:
    """Stop the input after ``seconds`` of CPU (SIGPROF), where signals can be set (the main
    thread); a computation inside one C call (a huge integer power) ends before it is stopped."""
    try:
        signal.signal(signal.SIGPROF, _stop if seconds else signal.SIG_DFL)
    except (ValueError, AttributeError):  # not the main thread, or no SIGPROF (Windows)
        return False
    signal.setitimer(signal.ITIMER_PROF, seconds)
    return True


def run_once(text: str, do_diff: bool = True) -> Optional[str]:
    """Parse, differentiate by each free symbol, print: the exception that is not a
    MatcalcError, or None; an input still running after ``WATCHDOG`` seconds of CPU is
    stopped and reported."""
    watched = _watchdog(WATCHDOG)
    try:
        f = mc.parse(text)
        results = [f]
        if do_diff:
            for s in sorted(f.free_symbols(), key=lambda s: s.name):
                results.append(mc.diff(f, s))
        for e in results:
            str(e), mc.latex(e), mc.unicode(e)
    except MatcalcError:
        pass
    except Hang:
        return f"stopped after {WATCHDOG} s of CPU (a hang) for {text[:300]!r}"
    except Exception as e:  # noqa: BLE001 - the point is to catch what is not a MatcalcError
        where = traceback.extract_tb(e.__traceback__)[-1]
        return (f"{type(e).__name__}: {str(e)[:200]} (at {where.filename}:{where.lineno}) "
                f"for {text!r}")
    finally:
        if watched:
            _watchdog(0)
    return None


def exercise(text: str, do_diff: bool = True) -> Optional[str]:
    """What went wrong with one input: a non-MatcalcError, or over ``LIMIT`` seconds of CPU
    twice (a garbage collection that happens to fall in one run is not a hang)."""
    for attempt in range(2):
        start = time.process_time()
        problem = run_once(text, do_diff)
        spent = time.process_time() - start
        if problem or spent <= LIMIT:
            return problem
        gc.collect()
    return f"{spent:.2f} s of CPU (over {LIMIT} s, twice) for {text[:300]!r}"


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 1000
    seed = int(argv[1]) if len(argv) > 1 else random.randrange(2**32)
    print(f"fuzzing {count:,} inputs, seed {seed}", flush=True)
    start, failures, slowest = time.time(), 0, (0.0, "")
    for i, text in enumerate(inputs(seed, count), 1):
        t0 = time.process_time()
        problem = exercise(text)
        spent = time.process_time() - t0
        if spent > slowest[0]:
            slowest = (spent, text[:200])
        if problem:
            failures += 1
            print(f"FAIL {i}: {problem}", flush=True)
        if i % 10000 == 0:
            print(f"{i:,} inputs, {time.time() - start:.0f} s, {failures} failures, slowest "
                  f"{slowest[0]:.3f} s CPU", flush=True)
    print(f"done: {count:,} inputs in {time.time() - start:.0f} s, {failures} failures, slowest "
          f"{slowest[0]:.3f} s CPU for {slowest[1]!r}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
