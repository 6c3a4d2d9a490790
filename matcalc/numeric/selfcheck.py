"""A generated file that checks itself: run as a script, it compares its derivatives with central
finite differences of its own value at random inputs, prints the error and exits 0 or 1.

``mc.codegen(..., check=True)`` and ``matcalc diff ... --code > gen.py`` append this block to the
generated function.  It needs numpy alone (not matcalc), so the file can travel: the recipe it
draws its inputs from (small distinct sizes, each symbol's declared properties and the domain
its functions need) is decided here, when the file is written, and written into it as data.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from matcalc.core.expr import Expr
from matcalc.core.nodes import Symbol
from matcalc.engine.layout import TRANSPOSED, Case
from matcalc.numeric.sampling import choose_sizes, domain_needs

#: how each case's derivative is read off d4[i, j, k, l] = ∂F[i, j]/∂X[k, l] (as the layouts do)
_CASE = {Case.SCALAR_BY_SCALAR: "scalar", Case.SCALAR_BY_ARRAY: "scalar",
         Case.VECTOR_BY_VECTOR: "vector", Case.VEC: "vec", Case.VECTOR_BY_SCALAR: "by scalar",
         Case.MATRIX_BY_SCALAR: "by scalar"}

_BLOCK = '''

if __name__ == "__main__":
    # Run as a script, this file checks itself: it draws random inputs of small distinct sizes
    # (with the symbols' declared properties), compares {function}'s derivatives with central
    # finite differences of its value (Richardson-extrapolated), prints the largest relative
    # error and exits 0 when it is below the tolerance, 1 otherwise.
    import sys

    SIZES = {sizes!r}
    SHAPES = {shapes!r}
    DRAWS = {draws!r}
    DERIVATIVES = {derivatives!r}  # (variable, how it is read, transposed?)
    SYMMETRIC = {symmetric!r}
    TOLERANCE = 1e-6

    def draw(rng, name):
        rows, cols = (SIZES.get(d, d) for d in SHAPES[name])
        kind = DRAWS[name]
        a = rng.standard_normal((rows, cols))
        if kind == "positive":
            a = np.abs(a) + 0.5
        elif kind in ("spd", "definite"):
            a = a @ a.T / rows + np.eye(rows)
        elif kind == "symmetric":
            a = (a + a.T) / 2
        elif kind == "diagonal":
            a = np.diag(np.diag(a))
        elif kind == "invertible":
            a = a + rows * np.eye(rows)
        elif isinstance(kind, tuple):  # inside an interval
            low, high = kind
            a = low + (high - low) * (0.1 + 0.8 * rng.random((rows, cols)))
        return float(a[0, 0]) if (rows, cols) == (1, 1) else a

    def call(inputs):  # sizes that no array shows are arguments too
        import inspect

        wanted = inspect.signature({function}).parameters
        return {function}(**inputs, **{{k: v for k, v in SIZES.items() if k in wanted}})

    def value(inputs):
        out = np.asarray(call(inputs)[0], dtype=float)
        return out.reshape(out.shape if out.ndim == 2 else (1, 1))

    def numeric(inputs, name, case, transposed, h=None):
        x0 = np.asarray(inputs[name], dtype=float).reshape(
            np.shape(inputs[name]) if np.ndim(inputs[name]) == 2 else (1, 1))
        scale = float(np.max(np.abs(value(inputs))))
        if h is None:
            h = max(1e-6, float(np.cbrt(np.finfo(float).eps * max(1.0, scale)))) * max(
                1.0, float(np.max(np.abs(x0))))

        # a symmetric variable is moved symmetrically: its code may read one triangle only
        # (a Cholesky factor), so the check compares the derivative's symmetric part
        together = name in SYMMETRIC and case == "scalar"

        def central(width):
            d4 = np.zeros(value(inputs).shape + x0.shape)
            for i, j in np.ndindex(x0.shape):
                if together and j < i:
                    continue
                e = np.zeros(x0.shape)
                e[i, j] = width
                if together:
                    e[j, i] = width
                at = lambda v: dict(inputs, **{{name: v if np.ndim(inputs[name]) == 2
                                                else float(v[0, 0])}})
                d4[:, :, i, j] = (value(at(x0 + e)) - value(at(x0 - e))) / (2 * width)
                if together:
                    d4[:, :, j, i] = d4[:, :, i, j]
            return d4

        d4 = (4 * central(h / 2) - central(h)) / 3
        if case == "scalar":
            natural = d4[0, 0]
        elif case == "vector":
            natural = d4[:, 0, :, 0]
        elif case == "vec":  # vec stacks columns
            p, q, m, n = d4.shape
            natural = d4.transpose(1, 0, 3, 2).reshape(q * p, n * m)
        else:
            natural = d4[:, :, 0, 0]
        return natural.T if transposed else natural

    def resolved(inputs, name, case, transposed, got):
        # three steps in a row below the default, each with a rounding error well below the
        # tolerance and a quotient that is not 0, must agree
        f_scale = max(1.0, float(np.max(np.abs(value(inputs)))))
        scale = float(np.max(np.abs(got)))
        x0 = np.asarray(inputs[name], dtype=float)
        default = max(1e-6, float(np.cbrt(np.finfo(float).eps * f_scale))) * max(
            1.0, float(np.max(np.abs(x0))))
        errors = []
        for k in range(2, 25):
            step = 10.0 ** (-k / 2)
            if step >= default:
                continue
            with np.errstate(all="ignore"):
                quotient = numeric(inputs, name, case, transposed, step)
            usable = (scale > 0 and np.finfo(float).eps * f_scale / step
                      < 0.1 * TOLERANCE * scale and np.all(np.isfinite(quotient))
                      and np.any(quotient != 0))
            errors.append(relative(got, quotient) if usable else np.inf)
        runs = [max(run) for run in zip(errors, errors[1:], errors[2:])
                if max(run) < TOLERANCE]  # three in a row: a wrong one matches at most two
        return min(runs, default=np.inf)

    def relative(got, expected):
        scale = max(float(np.max(np.abs(expected))), float(np.max(np.abs(got))), 1e-300)
        error = float(np.max(np.abs(got - expected))) / scale
        return error if np.isfinite(error) else np.inf

    worst = 0.0
    tried = 0
    for seed in range(1, 40):
        rng = np.random.default_rng(seed)
        inputs = {{name: draw(rng, name) for name in SHAPES}}
        outputs = call(inputs)
        if not all(np.all(np.isfinite(o)) for o in outputs):
            continue  # outside the domain of a function: draw again
        for (name, case, transposed), got in zip(DERIVATIVES, outputs[1:]):
            expected = numeric(inputs, name, case, transposed)
            got = np.asarray(got, dtype=float).reshape(expected.shape)
            if name in SYMMETRIC and case == "scalar":  # d f = Gᵢⱼ + Gⱼᵢ moving both entries
                got = got + got.T - np.diag(np.diag(got))
            error = relative(got, expected)
            if not error < TOLERANCE:  # a steep f (exp(100x)): smaller steps resolve it
                error = min(error, resolved(inputs, name, case, transposed, got))
            worst = max(worst, error)
        tried += 1
        if tried == 2:
            break
    sizes = ", ".join(f"{{k}}={{v}}" for k, v in SIZES.items())
    if tried == 0:
        print(f"check of {function}: no random inputs inside the functions' domains")
        sys.exit(1)
    ok = worst < TOLERANCE
    print(f"check {{'ok' if ok else 'FAILED'}}: {function} against central finite differences, "
          f"max relative error {{worst:.2e}} (tolerance {{TOLERANCE:g}}), sizes {{sizes}}")
    sys.exit(0 if ok else 1)
'''


def self_check_block(f: Expr, derivations: Sequence[Any], function: str) -> str:
    """The ``if __name__ == "__main__":`` block that checks ``function`` (which returns f and
    then each derivation's result, as ``codegen`` writes it) against finite differences."""
    results = [d.result for d in derivations]
    sizes = choose_sizes([f, *results])
    symbols = sorted(f.free_symbols() | {d.wrt for d in derivations}
                     | {s for r in results for s in r.free_symbols()}, key=lambda s: s.name)
    positive, definite, inside = domain_needs(f)
    shapes = {s.name: tuple(_size(d) for d in s.shape) for s in symbols}
    draws = {s.name: _draw(s, positive, definite, inside) for s in symbols}
    derivatives = [(d.wrt.name, _CASE[d.case], TRANSPOSED[d.case][d.layout])
                   for d in derivations]
    symmetric = sorted(s.name for s in symbols if s.props & {"symmetric", "spd"})
    return _BLOCK.format(function=function, sizes={str(k): v for k, v in sizes.items()},
                         shapes=shapes, draws=draws, derivatives=derivatives,
                         symmetric=symmetric)


def _size(d: Any) -> Any:
    """A dimension as the block's SIZES names it, or a number."""
    return int(d) if d.is_number else str(d)


def _draw(s: Symbol, positive, definite, inside) -> Any:
    for prop in ("spd", "symmetric", "diagonal", "invertible"):
        if prop in s.props:
            return prop
    if s in definite:
        return "definite"
    if s in inside:
        interval = inside[s]
        low = interval.low if math.isfinite(interval.low) else interval.high - 2.0
        high = interval.high if math.isfinite(interval.high) else low + 2.0
        return (low, high)
    if s in positive:
        return "positive"
    return "normal"
