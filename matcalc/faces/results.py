"""What a face computes for a request, and the JSON it answers with: one place for the command
(``matcalc diff --json``, its text and LaTeX output) and the web API (``faces.web.api``).

A request is an expression in text, declarations in the ``--var`` syntax and the names to
differentiate by.  ``derivatives`` and ``second_derivative`` derive, check and generate code once;
``derivatives_json`` and ``hessian_json`` are the machine-readable answers; ``error_json`` is
the answer to bad input (for a parse error with where it is).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Optional, Sequence

from matcalc.core import builders as ops
from matcalc.core.errors import MatcalcError, MatcalcWarning, ParseError
from matcalc.core.expr import Expr
from matcalc.core.nodes import Symbol
from matcalc.core.shapes import dims
from matcalc.engine.derivation import Derivation
from matcalc.engine.diff import hessian
from matcalc.engine.differentiation import Differentiation, differentiate, resolve_wrt
from matcalc.engine.layout import TRANSPOSED, Case, Layout
from matcalc.explain import derive, function_name
from matcalc.faces.parsing import parse
from matcalc.numeric.check import CheckReport, check, check_hessian
from matcalc.numeric.codegen import source as codegen_source
from matcalc.numeric.hessian_code import hessian_code
from matcalc.numeric.selfcheck import self_check_block
from matcalc.printing import latex_in_names, to_latex, to_unicode, where_json
from matcalc.rules.simplify import simplify

_VAR = re.compile(
    r"^\s*(?P<name>[^\W\d]\w*)\s*:\s*(?P<kind>scalar|vector|matrix)\s*"
    r"(?:\((?P<dims>[^)]*)\))?\s*(?P<props>(?:[A-Za-z_]+\s*)*)$"
)
PROPERTIES = ("symmetric", "spd", "invertible", "diagonal")


def parse_var(spec: str) -> Symbol:
    """``"S: matrix(n, n) symmetric"`` -> a matcalc symbol.  No eval: a regular expression."""
    m = _VAR.match(spec)
    if not m:
        raise MatcalcError(
            f"cannot read the declaration {spec!r}; write NAME: scalar | vector(n) | matrix(m, n) "
            "[symmetric] [spd] [invertible] [diagonal]")
    name, kind = m["name"], m["kind"]
    sizes = [s.strip() for s in (m["dims"] or "").split(",") if s.strip()]
    props = m["props"].split()
    unknown = [p for p in props if p not in PROPERTIES]
    if unknown:
        raise MatcalcError(f"unknown property {unknown[0]!r} in the declaration {spec!r}; "
                           f"use {', '.join(PROPERTIES)}")
    dim = [int(s) if s.isdigit() else dims(s) for s in sizes]
    if kind == "scalar":
        if sizes or props:
            raise MatcalcError(f"a scalar takes no sizes or properties: {spec!r}")
        return ops.scalar(name)
    if kind == "vector":
        if len(dim) != 1 or props:
            raise MatcalcError(f"write a vector as NAME: vector(n), got {spec!r}")
        return ops.vector(name, dim[0])
    if len(dim) not in (1, 2):
        raise MatcalcError(f"write a matrix as NAME: matrix(m, n), got {spec!r}")
    return ops.matrix(name, *dim, **{p: True for p in props})


class Reading(NamedTuple):
    """What a face read from a request: the expression, the variables to differentiate by, and
    the messages of the warnings the text raised (``BroadcastWarning``), for its answer."""

    f: Expr
    wrts: list[Symbol]
    warnings: list[str]


def read(expr: str, var_specs: Sequence[str], wrt_names: Sequence[str]) -> Reading:
    """The expression, parsed with the declared symbols, the symbols named by ``wrt_names``
    (each must occur in it), and the messages of matcalc's warnings on the text.  The warnings
    are issued as well, as the library issues them (the command shows them on stderr)."""
    symbols, specs = {}, {}
    for spec in var_specs:
        s = parse_var(spec)
        if s.name in symbols:
            raise MatcalcError(f"{s.name} is declared twice ({specs[s.name]!r} and {spec!r}); "
                               "keep one")
        symbols[s.name], specs[s.name] = s, spec
    repeated = sorted({name for name in wrt_names if list(wrt_names).count(name) > 1})
    if repeated:
        raise MatcalcError(f"{repeated[0]} is named twice as a variable to differentiate by")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = parse(expr, symbols)
    for w in caught:  # caught to be read, then let through
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    wrts = resolve_wrt(f, list(wrt_names), expr)
    return Reading(f, wrts, [str(w.message) for w in caught
                             if issubclass(w.category, MatcalcWarning)])


def variables_json(f: Expr) -> list[dict]:
    """f's symbols by name: kind (scalar, vector, matrix), dimensions and declared properties,
    in the words of ``--var`` (``spec``), so that a face can show them and a user edit one."""
    out = []
    for s in sorted(f.free_symbols(), key=lambda s: s.name):
        kind = "scalar" if s.is_scalar else "vector" if s.cols == 1 else "matrix"
        sizes = [] if s.is_scalar else [str(s.rows)] if kind == "vector" else [str(s.rows),
                                                                                  str(s.cols)]
        props = sorted(p for p in s.props if p in PROPERTIES)
        spec = f"{s.name}: {kind}" + (f"({', '.join(sizes)})" if sizes else "")
        out.append({"name": s.name, "kind": kind, "dims": sizes, "properties": props,
                    "spec": " ".join([spec, *props])})
    return out


def check_json(r: CheckReport) -> dict:
    return {"ok": r.ok, "max_rel_error": r.max_rel_error, "sizes": r.sizes, "seed": r.seed,
            "points": r.points, "structure": r.structure, "detail": r.detail}


def error_json(error: MatcalcError | str) -> dict:
    """{"error": {...}}: the message and the kind of error; for a parse error also where, as
    the offset in the expression (position, from 0), the line, its column (from 1) and the
    caret line."""
    if isinstance(error, str):  # a usage error, from the argument parser
        return {"error": {"type": "UsageError", "message": error}}
    body: dict[str, Any] = {"type": type(error).__name__,
                            "message": error.message if isinstance(error, ParseError)
                            else " ".join(str(error).split())}
    if isinstance(error, ParseError):
        body.update(position=error.position, line=error.line, column=error.column + 1,
                    caret=error.caret)
    return {"error": body}


def lhs_unicode(d: Differentiation, name: str = "f") -> str:
    """∂f/∂x, or for the vec convention ∂vec f/∂vec Xᵀ (transposed in denominator layout)."""
    if d.case is not Case.VEC:
        return f"∂{name}/∂{to_unicode(d.wrt)}"
    lhs = f"∂vec {name}/∂vec {to_unicode(d.wrt)}ᵀ"
    return f"({lhs})ᵀ" if TRANSPOSED[d.case][d.layout] else lhs


def lhs_latex(d: Differentiation, name: str = "f") -> str:
    """``lhs_unicode`` in LaTeX."""
    if d.case is not Case.VEC:
        return rf"\frac{{\partial {name}}}{{\partial {to_latex(d.wrt)}}}"
    lhs = (rf"\frac{{\partial \operatorname{{vec}} {name}}}"
           rf"{{\partial \operatorname{{vec}}({to_latex(d.wrt)})^{{\top}}}}")
    return rf"\left({lhs}\right)^{{\top}}" if TRANSPOSED[d.case][d.layout] else lhs


def convention(d: Differentiation) -> str:
    if d.case is Case.VEC:
        vec = "the vec convention d vec F/d vec Xᵀ"
        return f"{d.layout} layout: ({vec})ᵀ" if TRANSPOSED[d.case][d.layout] else vec
    structured = "" if d.structure == "unstructured" else f", {d.structure}"
    return f"{d.layout} layout{structured}"


@dataclass(frozen=True)
class Derivatives:
    """∂f/∂w for each w, with the derivations, checks and code that were asked for."""

    f: Expr
    layout: Optional[str]
    results: list[Differentiation]
    derivations: list[Derivation]
    reports: list[CheckReport]
    code: Optional[str]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    @property
    def name(self) -> str:
        """The function's name, the one its derivation gives it (L in backpropagation, f, y
        or F otherwise), with steps and without."""
        return _name(self.derivations, self.results)


def _name(derivations: Sequence[Derivation], results: Sequence[Differentiation]) -> str:
    if derivations:
        return derivation_name(derivations[0])
    return function_name(results[0]) if results else "f"


def read_sizes(text: Optional[str]) -> Optional[dict]:
    """``"n=3, m=4"`` (the command's --sizes) as ``{"n": 3, "m": 4}``, the sizes a check draws."""
    if text is None:
        return None
    sizes: dict = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, equals, value = (part.strip() for part in item.partition("="))
        if not equals or not name:
            raise MatcalcError(f"--sizes takes NAME=SIZE, separated by commas, such as "
                               f'"n=3, m=4"; got {item!r}')
        if not value.isdigit() or int(value) < 1:
            raise MatcalcError(f"--sizes: {name} must be a positive integer, got {value!r}")
        if name in sizes:
            raise MatcalcError(f"--sizes: {name} is given twice")
        sizes[name] = int(value)
    return sizes


def read_formula(text: str, f: Expr) -> Expr:
    """A formula in f's symbols (the command's --against), read as f was."""
    return parse(text, {s.name: s for s in f.free_symbols()})


def derivatives(f: Expr, wrts: Sequence[Symbol], layout: Optional[str], steps: bool = False,
                want_check: bool = False, want_code: bool | str = False,
                sizes: Optional[dict] = None, against: Optional[Expr] = None,
                structure: str = "unstructured") -> Derivatives:
    """∂f/∂w for each w; ``want_code`` is True (numpy) or a backend's name; ``sizes`` are the
    check's (by default small and distinct); ``against`` a formula the check tests in place
    of matcalc's derivative; ``structure`` as ``mc.diff``'s."""
    results = [differentiate(f, w, layout, structure) for w in wrts]
    derivations = [derive(f, w, layout) for w in wrts] if steps else []
    code = None
    if want_code:
        code = derivative_code(f, results, want_code if isinstance(want_code, str) else "numpy",
                               _name(derivations, results))
    return Derivatives(f, layout, results, derivations,
                       [check(f, w, layout, sizes=sizes, against=against, structure=structure)
                        for w in wrts]
                       if want_check else [],
                       code)


def derivative_code(f: Expr, results: Sequence[Differentiation], backend: str = "numpy",
                    name: str = "f") -> str:
    """``f_and_grad`` in a backend, its docstring calling the function ``name``; numpy's file
    checks itself when run as a script."""
    code = codegen_source([simplify(f), *(d.result for d in results)], "f_and_grad",
                          [name, *(f"∂{name}/∂{d.wrt.name}" for d in results)], backend=backend)
    if backend == "numpy":
        code += self_check_block(f, results, "f_and_grad")
    else:  # run as a script it must not look like a passed check
        code += (f'\n\nif __name__ == "__main__":\n    import sys\n\n'
                 f'    sys.exit("this {backend} file has no self-check: numpy\'s code '
                 f'(matcalc diff ... --code) checks itself against finite differences")\n')
    return code


def steps_json(d: Derivation) -> list[dict]:
    """Each step written out (a step is one line: no where-block)."""
    return [{"rule": s.rule.name, "formula": s.rule.formula,
             "lhs": to_unicode(s.lhs, where=False), "rhs": to_unicode(s.after, where=False),
             "lhs_latex": to_latex(s.lhs, where=False), "latex": to_latex(s.after, where=False)}
            for s in d]


def derivation_name(derivation: Derivation) -> str:
    """The name a derivation gives the function in its first step (L in backpropagation, f
    otherwise), so that the header, the steps and the result tell one story."""
    first = derivation.steps[0].lhs if derivation.steps else None
    return getattr(first, "name", "f")


def symbols_json(f: Expr) -> dict:
    """f's symbols by name: [rows, cols]."""
    return {s.name: [str(s.rows), str(s.cols)] for s in
            sorted(f.free_symbols(), key=lambda s: s.name)}


def derivatives_json(c: Derivatives, warned: Sequence[str] = ()) -> dict:
    """What ``matcalc diff --json`` prints; ``warned``, the warnings on the text (``read``)."""
    f = c.f
    payload: dict[str, Any] = {
        "expression": str(f), "latex": to_latex(f), "name": c.name, "warnings": list(warned),
        "layout": c.results[0].layout if c.results else c.layout,
        "symbols": symbols_json(f), "derivatives": [],
    }
    name = c.name
    for i, d in enumerate(c.results):
        entry = {"wrt": d.wrt.name, "layout": d.layout, "convention": convention(d),
                 "lhs": lhs_unicode(d, name), "lhs_latex": lhs_latex(d, name),
                 "result": str(d.result), "latex": to_latex(d.result),
                 "unicode": to_unicode(d.result), "where": where_json(d.result),
                 "latex_in_names": latex_in_names(d.result),
                 "shape": [str(x) for x in d.result.shape]}
        if c.derivations:
            entry["steps"] = steps_json(c.derivations[i])
        if c.reports:
            entry["check"] = check_json(c.reports[i])
        payload["derivatives"].append(entry)
    if c.code is not None:
        payload["code"] = c.code
    if c.reports:
        payload["ok"] = c.ok
    return payload


@dataclass(frozen=True)
class SecondDerivative:
    """∂²f/∂x∂yᵀ, checked as the Jacobian of the gradient, with its derivation on request."""

    f: Expr
    x: Symbol
    y: Symbol
    hessian: Expr
    reports: list[CheckReport]
    code: Optional[str]
    derivation: Optional[Derivation] = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    @property
    def report(self) -> Optional[CheckReport]:
        """The first failed check, else the last one."""
        return next((r for r in self.reports if not r.ok),
                    self.reports[-1] if self.reports else None)

    @property
    def vec(self) -> bool:
        """Whether the vec convention applies (a matrix among the variables)."""
        return self.x.cols != 1 or self.y.cols != 1

    @property
    def name(self) -> str:
        """The name the gradient's derivation gives the function, with steps and without."""
        if self.derivation is not None:
            return derivation_name(self.derivation)
        return function_name(differentiate(self.f, self.x, Layout.DENOMINATOR))

    @property
    def label(self) -> str:
        vec = "vec " if self.vec else ""
        return f"∂²{self.name}/∂{vec}{to_unicode(self.x)}∂{vec}{to_unicode(self.y)}ᵀ"

    @property
    def label_latex(self) -> str:
        v = r"\operatorname{vec} " if self.vec else ""
        return (rf"\frac{{\partial^2 {self.name}}}{{\partial {v}{to_latex(self.x)}\, "
                rf"\partial {v}{to_latex(self.y)}^{{\top}}}}")


def second_derivative(f: Expr, wrts: Sequence[Symbol], want_check: bool = False,
                      want_code: bool | str = False, steps: bool = False,
                      sizes: Optional[dict] = None) -> SecondDerivative:
    """One variable: the Hessian; two: the mixed Hessian, rows by the first."""
    if len(wrts) not in (1, 2):
        raise MatcalcError("hessian takes one variable (the Hessian) or two (the mixed Hessian)")
    x, y = wrts[0], wrts[-1]
    if steps and x != y:
        raise MatcalcError("steps derive the Hessian by one variable: give one (the mixed "
                           "Hessian has no derivation yet)")
    H = hessian(f, x, y)
    # the gradient against f, then the Hessian as the Jacobian of the gradient
    reports = ([check(f, x, sizes=sizes), check_hessian(f, x, y, sizes=sizes)] if want_check
               else [])
    result = SecondDerivative(f, x, y, H, reports, None,
                              derive(f, x, order=2) if steps and x == y else None)
    if want_code:
        backend = want_code if isinstance(want_code, str) else "numpy"
        result = replace(result, code=hessian_code(f, x, y, H, result.label)
                         if backend == "numpy"  # numpy's file checks itself when run
                         else codegen_source([H], "hessian", [result.label], backend=backend))
    return result


def hessian_entry(h: SecondDerivative) -> dict:
    """The Hessian as one entry of ``derivatives``, with the keys of a derivative's entry."""
    entry: dict[str, Any] = {
        "wrt": h.x.name if h.x == h.y else f"{h.x.name}, {h.y.name}", "layout": None,
        "convention": ("the Hessian" if h.x == h.y else f"the mixed Hessian, rows by {h.x.name}")
        + (", in the vec convention" if h.vec else ""),
        "lhs": h.label, "lhs_latex": h.label_latex, "result": str(h.hessian),
        "latex": to_latex(h.hessian), "unicode": to_unicode(h.hessian),
        "where": where_json(h.hessian), "latex_in_names": latex_in_names(h.hessian),
        "shape": [str(s) for s in h.hessian.shape]}
    if h.derivation is not None:
        entry["steps"] = steps_json(h.derivation)
    if h.report is not None:
        entry["check"] = check_json(h.report)
    return entry


def hessian_json(h: SecondDerivative, warned: Sequence[str] = ()) -> dict:
    """What ``matcalc hessian --json`` prints: the shape of ``derivatives_json`` (the Hessian
    its one entry, no layout: ∂²f/∂x∂yᵀ has one convention), and the keys of its first schema,
    which callers may read: ``wrt`` both names, ``hessian``, and ``latex``, ``unicode``,
    ``where``, ``latex_in_names``, ``shape``, ``steps``, ``check`` of the Hessian (so ``latex`` is
    the Hessian's here, the function's in ``diff --json``)."""
    entry = hessian_entry(h)
    payload: dict[str, Any] = {
        "expression": str(h.f), "name": h.name, "warnings": list(warned), "layout": None,
        "symbols": symbols_json(h.f), "derivatives": [entry],
        "wrt": [h.x.name, h.y.name], "hessian": entry["result"],
        **{k: entry[k] for k in ("latex", "unicode", "where", "latex_in_names", "shape",
                                 "steps", "check") if k in entry}}
    if h.code is not None:
        payload["code"] = h.code
    if h.reports:
        payload["ok"] = h.ok
    return payload
