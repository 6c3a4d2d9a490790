"""What the ``matcalc`` command does with its parsed arguments: parse, derive, print, check.

Bad input exits 2 with a one-line message on stderr; a failed numeric check exits 1.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from matcalc.faces.ascii import asciify
from matcalc.printing.derivation import derivation_table
from matcalc.core import builders as ops
from matcalc.engine.diff import diff, hessian
from matcalc.engine.differentiation import differentiate
from matcalc.faces.demo import main as demo
from matcalc.engine.layout import TRANSPOSED, Case
from matcalc.core.errors import MatcalcError, ParseError, UndeclaredNameError
from matcalc.explain import derive
from matcalc.core.nodes import Symbol
from matcalc.numeric.check import check, check_hessian
from matcalc.numeric.codegen import source as codegen_source
from matcalc.faces.parsing import parse
from matcalc.printing import to_latex, to_unicode
from matcalc.rules.simplify import simplify
from matcalc.core.shapes import dims, fmt_shape

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
            f"cannot read --var {spec!r}; write NAME: scalar | vector(n) | matrix(m, n) "
            "[symmetric] [spd] [invertible] [diagonal]")
    name, kind = m["name"], m["kind"]
    sizes = [s.strip() for s in (m["dims"] or "").split(",") if s.strip()]
    props = m["props"].split()
    unknown = [p for p in props if p not in PROPERTIES]
    if unknown:
        raise MatcalcError(f"unknown property {unknown[0]!r} in --var {spec!r}; "
                           f"use {', '.join(PROPERTIES)}")
    dim = [int(s) if s.isdigit() else dims(s) for s in sizes]
    if kind == "scalar":
        if sizes or props:
            raise MatcalcError(f"a scalar takes no sizes or properties: --var {spec!r}")
        return ops.scalar(name)
    if kind == "vector":
        if len(dim) != 1 or props:
            raise MatcalcError(f"write a vector as NAME: vector(n), got --var {spec!r}")
        return ops.vector(name, dim[0])
    if len(dim) not in (1, 2):
        raise MatcalcError(f"write a matrix as NAME: matrix(m, n), got --var {spec!r}")
    return ops.matrix(name, *dim, **{p: True for p in props})


def _check_json(r) -> dict:
    return {"ok": r.ok, "max_rel_error": r.max_rel_error, "sizes": r.sizes, "seed": r.seed,
            "points": r.points, "structure": r.structure, "detail": r.detail}


def in_the_commands_words(error: MatcalcError) -> MatcalcError:
    """The API's advice in the command's terms: a name is declared with --var, not symbols=."""
    if isinstance(error, UndeclaredNameError):
        return error.declared_with(f'declare it with --var "{error.name}: scalar" (or '
                                   'vector(n), matrix(m, n))')
    return error


def shown(error: MatcalcError) -> str:
    """What the command says: a parse error as the API shows it (the message, the line, a caret
    under the spot), any other error on one line."""
    if isinstance(error, ParseError):
        return str(error)
    return " ".join(str(error).split())


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


def refuse(error: MatcalcError | str, as_json: bool, out: Any, err: Any) -> int:
    """Bad input: exit code 2, the error on stderr, or with --json as a JSON object on stdout."""
    if not isinstance(error, str):
        error = in_the_commands_words(error)
    try:
        if as_json:
            print(json.dumps(error_json(error), indent=2, ensure_ascii=not can_show(out)),
                  file=out)
        else:
            print(f"matcalc: error: {error if isinstance(error, str) else shown(error)}",
                  file=err)
    except OSError:  # the stream cannot take it (2>/dev/full): the exit code says it
        pass
    return 2


def can_show(stream: Any) -> bool:
    """Whether the stream's encoding takes matcalc's symbols (∂, ᵀ, ⊙, 𝟏)."""
    try:
        "∂ᵀ⊙𝟏".encode(getattr(stream, "encoding", None) or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def run(args: Any, out: Any = None, err: Any = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.command == "demo":
            return demo(Console(file=out))
        if args.command == "hessian":
            return _hessian(args, out)
        return _run(args, out)
    except MatcalcError as e:
        return refuse(e, getattr(args, "json", False), out, err)
    except (RecursionError, MemoryError) as e:
        return refuse(MatcalcError(f"the expression is too large or too deeply nested "
                                   f"({type(e).__name__})"), getattr(args, "json", False), out, err)


def _variables(args: Any):
    symbols = {}
    for spec in args.var:
        s = parse_var(spec)
        symbols[s.name] = s
    f = parse(args.expr, symbols)
    by_name = {s.name: s for s in f.free_symbols()}
    wrts = []
    for name in args.wrt:
        if name not in by_name:
            raise MatcalcError(f"{name} does not appear in {args.expr!r}; "
                               f"its variables are {', '.join(sorted(by_name)) or 'none'}")
        wrts.append(by_name[name])
    return f, wrts


def _hessian(args: Any, out: Any) -> int:
    """∂²f/∂x∂yᵀ; checked as the Jacobian of the gradient against finite differences."""
    if len(args.wrt) > 2:
        raise MatcalcError("hessian takes one --wrt (the Hessian) or two (the mixed Hessian)")
    f, wrts = _variables(args)
    x, y = wrts[0], wrts[-1]
    H = hessian(f, x, y)
    # the gradient against f, then the Hessian as the Jacobian of the gradient
    reports = [check(f, x), check_hessian(f, x, y)] if args.check else []
    report = next((r for r in reports if not r.ok), reports[-1] if reports else None)
    ok = all(r.ok for r in reports)
    vec = "vec " if (x.cols != 1 or y.cols != 1) else ""  # the vec convention for matrices
    label = f"∂²f/∂{vec}{to_unicode(x)}∂{vec}{to_unicode(y)}ᵀ"
    if args.json:
        payload = {"expression": str(f), "wrt": [x.name, y.name], "hessian": str(H),
                   "latex": to_latex(H), "unicode": to_unicode(H),
                   "shape": [str(s) for s in H.shape]}
        if report is not None:
            payload["check"] = _check_json(report)
        if args.code:
            payload["code"] = codegen_source([H], "hessian", [label], backend=args.code)
        print(json.dumps(payload, indent=2, ensure_ascii=not can_show(out)), file=out)
        return 0 if ok else 1
    if args.latex:
        v = r"\operatorname{vec} " if vec else ""
        lhs = (rf"\frac{{\partial^2 f}}{{\partial {v}{to_latex(x)}\, "
               rf"\partial {v}{to_latex(y)}^{{\top}}}}")
        print(f"{lhs} = {to_latex(H)}", file=out)
    else:
        console = Console(file=out, highlight=False)
        console.print(Text(f"f = {to_unicode(f)}", style="bold"))
        console.print(Text(f"{label} = {to_unicode(H)}", style="bold")
                      + Text(f"    [{fmt_shape(H.shape)}]", style="dim"))
        for r in reports:
            console.print(r)
    if args.code:
        out.write(codegen_source([H], "hessian", [label], backend=args.code))
    return 0 if ok else 1


def _lhs(d: Any) -> str:
    """∂f/∂x, or for the vec convention ∂vec f/∂vec Xᵀ (transposed in denominator layout)."""
    if d.case is not Case.VEC:
        return f"∂f/∂{to_unicode(d.wrt)}"
    lhs = f"∂vec f/∂vec {to_unicode(d.wrt)}ᵀ"
    return f"({lhs})ᵀ" if TRANSPOSED[d.case][d.layout] else lhs


def _convention(d: Any) -> str:
    if d.case is Case.VEC:
        vec = "the vec convention d vec F/d vec Xᵀ"
        return f"{d.layout} layout: ({vec})ᵀ" if TRANSPOSED[d.case][d.layout] else vec
    return f"{d.layout} layout"


def _index(args: Any, out: Any) -> int:
    """The index form ∂F_ij/∂X_kl of each derivative, checked as a 4-D array on request."""
    if args.layout or args.steps or args.code:
        raise MatcalcError("--index prints the index form alone: it has no layout, steps or code")
    f, wrts = _variables(args)
    forms = [diff(f, w, form="index") for w in wrts]
    reports = [check(f, w, form="index") for w in wrts] if args.check else []
    ok = all(r.ok for r in reports)
    if args.json:
        payload = {"expression": str(f), "derivatives": [
            {"wrt": w.name, "index": str(fm), "latex": fm.latex(),
             **({"check": _check_json(reports[i])} if reports else {})}
            for i, (w, fm) in enumerate(zip(wrts, forms))]}
        if reports:
            payload["ok"] = ok
        print(json.dumps(payload, indent=2, ensure_ascii=not can_show(out)), file=out)
        return 0 if ok else 1
    console = Console(file=out, highlight=False)
    for i, fm in enumerate(forms):
        if args.latex:
            print(fm.latex(), file=out)
            continue
        console.print(Text(str(fm), style="bold"))
        if reports:
            console.print(reports[i])
    return 0 if ok else 1


def _run(args: Any, out: Any) -> int:
    if getattr(args, "index", False):
        return _index(args, out)
    f, wrts = _variables(args)
    layout = args.layout
    steps = getattr(args, "steps", False)
    want_check = args.command == "check" or getattr(args, "check", False)
    results = [differentiate(f, w, layout) for w in wrts]
    derivations = [derive(f, w, layout) for w in wrts] if steps else []
    reports = [check(f, w, layout) for w in wrts] if want_check else []
    code = (codegen_source([simplify(f), *(d.result for d in results)], "f_and_grad",
                           ["f", *(f"∂f/∂{w.name}" for w in wrts)], backend=args.code)
            if getattr(args, "code", None) else None)
    ok = all(r.ok for r in reports)

    if args.json:
        payload = {
            "expression": str(f), "latex": to_latex(f),
            "layout": results[0].layout if results else layout,
            "symbols": {s.name: [str(s.rows), str(s.cols)] for s in
                        sorted(f.free_symbols(), key=lambda s: s.name)},
            "derivatives": [],
        }
        for i, d in enumerate(results):
            entry = {"wrt": d.wrt.name, "layout": d.layout, "convention": _convention(d),
                     "result": str(d.result), "latex": to_latex(d.result),
                     "unicode": to_unicode(d.result), "shape": [str(x) for x in d.result.shape]}
            if derivations:
                entry["steps"] = [{"rule": s.rule.name, "lhs": to_unicode(s.lhs),
                                   "rhs": to_unicode(s.after), "latex": to_latex(s.after)}
                                  for s in derivations[i]]
            if reports:
                entry["check"] = _check_json(reports[i])
            payload["derivatives"].append(entry)
        if code is not None:
            payload["code"] = code
        if reports:
            payload["ok"] = ok
        print(json.dumps(payload, indent=2, ensure_ascii=not can_show(out)), file=out)
        return 0 if ok else 1

    if getattr(args, "latex", False):
        for i, d in enumerate(results):
            if derivations:
                print(derivations[i].latex(), file=out)
            else:
                lhs = rf"\frac{{\partial f}}{{\partial {to_latex(d.wrt)}}}"
                if d.case is Case.VEC:
                    lhs = (rf"\frac{{\partial \operatorname{{vec}} f}}"
                           rf"{{\partial \operatorname{{vec}}({to_latex(d.wrt)})^{{\top}}}}")
                    if TRANSPOSED[d.case][d.layout]:
                        lhs = rf"\left({lhs}\right)^{{\top}}"
                print(f"{lhs} = {to_latex(d.result)}", file=out)
        if code is not None:
            out.write(code)
        return 0 if ok else 1

    console = Console(file=out, highlight=False)
    shapes = ", ".join(f"{to_unicode(s)} ∈ ℝ^({fmt_shape(s.shape)})" if not s.is_scalar
                       else f"{to_unicode(s)} ∈ ℝ" for s in
                       sorted(f.free_symbols(), key=lambda s: s.name))
    kind = ("a scalar" if f.is_scalar else f"a vector ({fmt_shape(f.shape)})" if f.cols == 1
            else f"a matrix ({fmt_shape(f.shape)})")
    console.print(Text(f"f = {to_unicode(f)}", style="bold") + Text(f"    ({kind})", style="dim"))
    console.print(Text(f"    {shapes}", style="dim"))
    for i, d in enumerate(results):
        if derivations:  # an ASCII terminal gets the table spelled before it is measured
            console.print(derivations[i] if can_show(out)
                          else derivation_table(derivations[i], spell=asciify))
        console.print(Text(f"{_lhs(d)} = {to_unicode(d.result)}", style="bold")
                      + Text(f"    [{_convention(d)}, {fmt_shape(d.result.shape)}]", style="dim"))
        if reports:
            console.print(reports[i])
    if code is not None:
        out.write(code)  # verbatim: a console would wrap long lines and break the Python
    return 0 if ok else 1
