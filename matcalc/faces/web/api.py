"""``POST /api/diff``: a request body -> the answer, as a status and a JSON-able dict.

``validate`` reads the body (a dict from JSON) and refuses what is malformed, fast, before any
work: unknown fields, wrong types, an expression over ``MAX_EXPRESSION`` characters.
``answer`` does the work, by the library as ``matcalc diff --json`` and ``matcalc hessian
--json`` do it (``faces.results``), and adds what a page needs: the variables with their kinds,
MathML for every formula, the code by backend.  Nothing from a request is evaluated: the text
goes to ``mc.parse``, declarations to a regular expression.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Optional

from matcalc.core.errors import MatcalcError, UndeclaredNameError
from matcalc.engine.layout import LAYOUTS
from matcalc.faces.results import (
    derivative_code, derivatives, derivatives_json, error_json, hessian_json, read,
    second_derivative, variables_json,
)  # fmt: skip
from matcalc.faces.web.mathml import to_mathml
from matcalc.numeric.codegen import source as codegen_source
from matcalc.printing import to_latex, to_unicode

#: the longest expression read, in characters (a long textbook loss is a few hundred)
MAX_EXPRESSION = 10_000
MAX_VARIABLES = 64
MAX_DECLARATION = 200
MAX_WRT = 8
#: the largest size a check draws (finite differences take one evaluation an entry)
MAX_CHECK_SIZE = 50
#: bytes of JSON one answer may take: a 3 kB product of 1600 factors answered 15 MB
MAX_ANSWER = 2_000_000
FIELDS = ("expr", "wrt", "layout", "order", "vars", "steps", "check", "code", "sizes")
#: the code generator's backends (numpy today; each one the generator gains is listed here)
BACKENDS = ("numpy", "jax", "torch")


class BadRequest(Exception):
    """A malformed request: the HTTP status and the message, with a position in the expression
    where there is one."""

    def __init__(self, status: int, message: str, position: Optional[int] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.position = position

    def json(self) -> dict:
        return {"error": {"type": "BadRequest", "message": self.message,
                          "position": self.position}}


@dataclass(frozen=True)
class Request:
    expr: str
    wrt: tuple[str, ...] = ()
    layout: Optional[str] = None
    order: int = 1
    vars: tuple[str, ...] = ()
    steps: bool = False
    check: bool = False
    code: bool = False
    sizes: Optional[tuple[tuple[str, int], ...]] = None  # the check's, by dimension name


def _text(value: str, field: str) -> str:
    """``value``, refused if it is not text UTF-8 can carry (JSON's \\ud800 escapes a lone
    surrogate, which no answer could echo)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(400, f"{field} is not valid Unicode text (it holds a lone surrogate "
                              "\\ud800–\\udfff)") from None
    return value


def _names(value: Any, field: str, most: int, longest: int) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise BadRequest(400, f"{field} must be a string or a list of strings")
    for v in items:
        _text(v, field)
    if len(items) > most or any(len(v) > longest for v in items):
        raise BadRequest(413, f"{field} takes at most {most} entries of {longest} characters")
    return tuple(v for v in items if v.strip())


def _sizes(value: Any, check: bool) -> Optional[tuple[tuple[str, int], ...]]:
    """The check's sizes, {"n": 3, "m": 4}: names of dimensions and small positive integers."""
    if value is None:
        return None
    if not check:
        raise BadRequest(400, "sizes set the sizes of the check: send check: true with them")
    if not isinstance(value, dict) or len(value) > MAX_VARIABLES or not all(
            isinstance(k, str) and len(k) <= 64 and type(v) is int and 1 <= v <= MAX_CHECK_SIZE
            for k, v in value.items()):
        raise BadRequest(400, f"sizes must be an object of dimension names and integers from 1 "
                              f"to {MAX_CHECK_SIZE}, such as {{\"n\": 3, \"m\": 4}}")
    return tuple((_text(k, "sizes"), v) for k, v in value.items())


def validate(body: Any) -> Request:
    """The request in ``body``, or ``BadRequest`` saying what is wrong with it."""
    if not isinstance(body, dict):
        raise BadRequest(400, "the body must be a JSON object: {\"expr\": \"x'*A*x\", "
                              "\"wrt\": \"x\"}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadRequest(400, f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    expr = body.get("expr")
    if not isinstance(expr, str) or not expr.strip():
        raise BadRequest(400, "expr must be a non-empty string, e.g. \"x'*A*x\"")
    _text(expr, "expr")
    if len(expr) > MAX_EXPRESSION:
        raise BadRequest(413, f"the expression has {len(expr):,} characters; the limit is "
                              f"{MAX_EXPRESSION:,}")
    layout = body.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise BadRequest(400, f"layout must be one of {', '.join(LAYOUTS)} (or null), "
                              f"got {layout!r}")
    order = body.get("order", 1)
    if type(order) is not int or order not in (1, 2):  # not True, not 2.0
        raise BadRequest(400, f"order must be 1 (the derivative) or 2 (the Hessian), "
                              f"got {order!r}")
    if order == 2 and layout is not None:
        raise BadRequest(400, "the Hessian ∂²f/∂x∂yᵀ has one convention (rows by the first "
                              "variable); send no layout with order 2")
    flags = {}
    for flag in ("steps", "check", "code"):
        flags[flag] = body.get(flag, False)
        if not isinstance(flags[flag], bool):
            raise BadRequest(400, f"{flag} must be true or false")
    return Request(expr=expr, wrt=_names(body.get("wrt", []), "wrt", MAX_WRT, 64),
                   sizes=_sizes(body.get("sizes"), flags["check"]),
                   layout=layout, order=order,
                   vars=_names(body.get("vars", []), "vars", MAX_VARIABLES, MAX_DECLARATION),
                   **flags)


def answer(request: Request) -> tuple[int, dict]:
    """(200, the result) or (400, {"error": {...}}) for input the library refuses."""
    try:
        result = strict(_answer(request))
    except UndeclaredNameError as e:
        return 400, _error(e.declared_with(f'declare it in vars: "{e.name}: scalar" (or '
                                           'vector(n), matrix(m, n))'))
    except MatcalcError as e:
        return 400, _error(e)
    except (RecursionError, MemoryError) as e:
        return 400, _error(MatcalcError(f"the expression is too large or too deeply nested "
                                        f"({type(e).__name__})"))
    size = len(json.dumps(result))
    if size > MAX_ANSWER:
        return 413, BadRequest(413, f"the answer takes {size / 1e6:.1f} MB, more than the page "
                                    f"shows ({MAX_ANSWER / 1e6:.0f} MB); ask for less (no steps "
                                    "or code) or differentiate a smaller expression").json()
    return 200, result


def strict(value: Any) -> Any:
    """``value`` with each float that is not finite (a check's error can be NaN or inf) as
    None: JSON has no such numbers, and the answer must be JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def _error(e: MatcalcError) -> dict:
    body = error_json(e)
    body["error"].setdefault("position", None)
    return body


def _in_use(declarations: tuple[str, ...], expr: str) -> tuple[str, ...]:
    """The declarations of names the expression uses.  The page keeps its table of
    declarations across edits: one for a name the text no longer has, and with a mistake in
    it (x: vector(k+1)), must not refuse every later expression."""
    words = set(re.findall(r"[^\W\d]\w*", expr))
    return tuple(d for d in declarations if ":" not in d or d.split(":", 1)[0].strip() in words)


def _answer(request: Request) -> dict:
    f, wrts, warned = read(request.expr, _in_use(request.vars, request.expr), request.wrt)
    head = {"expression": str(f), "latex": to_latex(f), "unicode": to_unicode(f),
            "warnings": warned,
            "mathml": to_mathml(to_latex(f), display=True), "variables": variables_json(f),
            "order": request.order, "derivatives": []}
    if not wrts:  # no variable named: what the expression is, for choosing one
        return head
    if request.order == 2:
        return {**head, **_second(f, wrts, request)}
    c = derivatives(f, wrts, request.layout, request.steps, request.check, request.code,
                    dict(request.sizes) if request.sizes else None)
    payload = derivatives_json(c, warned)
    for entry in payload["derivatives"]:
        _typeset(entry)
    others = {b: lambda b=b: derivative_code(f, c.results, b, c.name) for b in BACKENDS[1:]}
    return {**head, **payload, **_code(payload.get("code"), others)}


def _second(f: Any, wrts: list, request: Request) -> dict:
    # the page asks for steps always; a mixed Hessian has no derivation yet, so it comes
    # without one rather than not at all
    steps = request.steps and len(set(wrts)) == 1
    h = second_derivative(f, wrts, request.check, request.code, steps,
                          dict(request.sizes) if request.sizes else None)
    payload = hessian_json(h)
    (entry,) = payload["derivatives"]
    _typeset(entry)
    others = {b: lambda b=b: codegen_source([h.hessian], "hessian", [h.label], backend=b)
              for b in BACKENDS[1:]}
    out = {"name": h.name, "layout": None, "symbols": payload["symbols"], "derivatives": [entry],
           **_code(payload.get("code"), others)}
    if h.reports:
        out["ok"] = h.ok
    return out


def _code(source: Optional[str], others: dict) -> dict:
    """numpy's code (which checks itself when run), and each other backend's where it can
    write this result: a backend that lacks an operation says so in a comment."""
    if source is None:
        return {}
    code = {BACKENDS[0]: source}
    for backend, write in others.items():
        try:
            code[backend] = write()
        except MatcalcError as e:
            code[backend] = f"# {backend}: {' '.join(str(e).split())}\n"
    return {"code": code}


def _typeset(entry: dict) -> None:
    """MathML beside each LaTeX formula: the derivative as an equation in the names of its where
    block, each named part, each step's sides."""
    entry["mathml"] = to_mathml(f"{entry['lhs_latex']} = {entry['latex_in_names']}",
                                display=True)
    for part in entry.get("where", ()):  # the where block: one equation a named part
        part["mathml"] = to_mathml(f"{part['latex_name']} = {part['latex']}")
    for step in entry.get("steps", ()):
        step["lhs_mathml"] = to_mathml(step["lhs_latex"])
        step["mathml"] = to_mathml(step["latex"])
