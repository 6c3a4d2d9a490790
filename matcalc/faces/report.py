"""What the ``matcalc`` command does with its parsed arguments: parse, derive, print, check.

Bad input exits 2 with a one-line message on stderr; a failed numeric check exits 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from matcalc.core.errors import MatcalcError, ParseError, UndeclaredNameError
from matcalc.core.shapes import fmt_shape
from matcalc.core.walk import fold
from matcalc.engine.diff import diff
from matcalc.faces.ascii import asciify
from matcalc.faces.demo import main as demo
from matcalc.faces.results import (
    check_json, convention, derivatives, derivatives_json, error_json, hessian_json, lhs_latex,
    lhs_unicode, read, read_formula, read_sizes, second_derivative,
)  # fmt: skip
from matcalc.numeric.check import check
from matcalc.printing import to_latex, to_unicode
from matcalc.printing.derivation import derivation_table


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
            return _hessian(args, out, err)
        return _run(args, out, err)
    except MatcalcError as e:
        return refuse(e, getattr(args, "json", False), out, err)
    except (RecursionError, MemoryError) as e:
        return refuse(MatcalcError(f"the expression is too large or too deeply nested "
                                   f"({type(e).__name__})"), getattr(args, "json", False), out, err)


def _variables(args: Any):
    reading = read(args.expr, args.var, args.wrt)
    if args.wrt or args.command == "hessian":
        return reading
    # no --wrt: by every variable, in name order
    f, _, warned = reading
    if not f.free_symbols():
        raise MatcalcError(f"{args.expr!r} has no variables to differentiate by")
    return f, sorted(f.free_symbols(), key=lambda s: s.name), warned


def _sizes(args: Any, want_check: bool) -> dict | None:
    """The check's sizes from --sizes, refused without a check (they would do nothing)."""
    if getattr(args, "sizes", None) is not None and not want_check:
        raise MatcalcError("--sizes sets the sizes of --check; add --check")
    return read_sizes(getattr(args, "sizes", None))


def _hessian(args: Any, out: Any, err: Any) -> int:
    """∂²f/∂x∂yᵀ; checked as the Jacobian of the gradient against finite differences."""
    if len(args.wrt) > 2:
        raise MatcalcError("hessian takes one --wrt (the Hessian) or two (the mixed Hessian)")
    sizes = _sizes(args, args.check)
    f, wrts, warned = _variables(args)
    h = second_derivative(f, wrts, args.check, args.code, getattr(args, "steps", False), sizes)
    if args.json:
        print(json.dumps(hessian_json(h, warned), indent=2, ensure_ascii=not can_show(out)), file=out)
        return 0 if h.ok else 1
    code_out = out
    if h.code is not None:
        out = err  # stdout is the Python file alone; the rest goes to stderr
    if args.latex:
        print(h.derivation.latex() if h.derivation is not None
              else f"{h.label_latex} = {to_latex(h.hessian)}", file=out)
    else:
        console = Console(file=out, highlight=False)
        console.print(_function_lines(h.name, f, "a scalar"))
        if h.derivation is not None:
            _print_derivation(console, h.derivation, out)
        console.print(_result_lines(h.label, h.hessian, fmt_shape(h.hessian.shape)))
        for r in h.reports:
            console.print(r)
    if h.code is not None:
        code_out.write(h.code)
    return 0 if h.ok else 1


def _result_lines(lhs: str, result: Any, note: str, brackets: str = "[]") -> Text:
    """``lhs = result    [note]``, then the result's where block, if it names shared parts
    (the note stays on the result's line: it is about the result, not the last name)."""
    first, *where = to_unicode(result).split("\n")
    text = (Text(f"{lhs} = {first}", style="bold")
            + Text(f"    {brackets[0]}{note}{brackets[1]}", style="dim"))
    for line in where:
        text += Text("\n" + line, style="bold")
    return text


def _function_lines(name: str, f: Any, kind: str) -> Text:
    """``f = …    (kind)``: the function as typed, written out; with a where block only when
    written out it would be long (a function built with shared parts, such as a deep net)."""
    # the tree's size first: a function built with shared parts can be exponentially long
    # written out, so it is written out only when that is known to be short
    tree = fold(f, lambda node, kids: min(10_000, 1 + sum(kids)))
    if tree <= 200:
        text = to_unicode(f, where=False)
        if len(text) <= 400:
            return Text(f"{name} = {text}", style="bold") + Text(f"    ({kind})", style="dim")
    return _result_lines(name, f, kind, "()")


def _print_derivation(console: Console, derivation: Any, out: Any) -> None:
    """The derivation's table; an ASCII terminal gets it spelled before it is measured."""
    console.print(derivation if can_show(out)
                  else derivation_table(derivation, spell=asciify))


def _index(args: Any, out: Any) -> int:
    """The index form ∂F_ij/∂X_kl of each derivative, checked as a 4-D array on request."""
    if args.layout or args.steps or args.code or args.structure != "unstructured":
        raise MatcalcError("--index prints the index form alone: it has no layout, structure, "
                           "steps or code")
    sizes = _sizes(args, args.check)
    f, wrts, warned = _variables(args)
    forms = [diff(f, w, form="index") for w in wrts]
    reports = [check(f, w, form="index", sizes=sizes) for w in wrts] if args.check else []
    ok = all(r.ok for r in reports)
    if args.json:
        payload = {"expression": str(f), "warnings": warned, "derivatives": [
            {"wrt": w.name, "index": str(fm), "latex": fm.latex(),
             **({"check": check_json(reports[i])} if reports else {})}
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


def _run(args: Any, out: Any, err: Any) -> int:
    if getattr(args, "index", False):
        return _index(args, out)
    want_check = args.command == "check" or getattr(args, "check", False)
    sizes = _sizes(args, want_check)
    against = getattr(args, "against", None)
    structure = getattr(args, "structure", "unstructured")
    if structure != "unstructured" and getattr(args, "steps", False):
        raise MatcalcError("--steps derive the unstructured derivative; leave --structure out "
                           "to see them")
    if against is not None and args.command != "check":
        raise MatcalcError("--against checks a formula: use it with check")
    f, wrts, warned = _variables(args)
    if against is not None and len(wrts) != 1:
        raise MatcalcError("--against is the derivative by one variable: give one --wrt")
    c = derivatives(f, wrts, args.layout, getattr(args, "steps", False), want_check,
                    getattr(args, "code", False), sizes,
                    None if against is None else read_formula(against, f), structure)

    if args.json:
        print(json.dumps(derivatives_json(c, warned), indent=2, ensure_ascii=not can_show(out)),
              file=out)
        return 0 if c.ok else 1
    code_out = out
    if c.code is not None:
        out = err  # stdout is the Python file alone; the rest goes to stderr

    if getattr(args, "latex", False):
        for i, d in enumerate(c.results):
            if c.derivations:
                print(c.derivations[i].latex(), file=out)
            else:
                print(f"{lhs_latex(d, c.name)} = {to_latex(d.result)}", file=out)
        if c.code is not None:
            code_out.write(c.code)
        return 0 if c.ok else 1

    console = Console(file=out, highlight=False)
    shapes = ", ".join(f"{to_unicode(s)} ∈ ℝ^({fmt_shape(s.shape)})" if not s.is_scalar
                       else f"{to_unicode(s)} ∈ ℝ" for s in
                       sorted(f.free_symbols(), key=lambda s: s.name))
    kind = ("a scalar" if f.is_scalar else f"a vector ({fmt_shape(f.shape)})" if f.cols == 1
            else f"a matrix ({fmt_shape(f.shape)})")
    # the function keeps the name its derivation gives it (L in backpropagation, f otherwise)
    console.print(_function_lines(c.name, f, kind))
    console.print(Text(f"    {shapes}", style="dim"))
    for i, d in enumerate(c.results):
        if c.derivations:
            _print_derivation(console, c.derivations[i], out)
        console.print(_result_lines(lhs_unicode(d, c.name), d.result,
                                    f"{convention(d)}, {fmt_shape(d.result.shape)}"))
        if c.reports:
            console.print(c.reports[i])
    if c.code is not None:
        code_out.write(c.code)  # verbatim: a console would wrap long lines and break the Python
    return 0 if c.ok else 1
