"""The ``matcalc`` command: argument parsing only; the work is in ``matcalc.report``."""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from matcalc.core.errors import MatcalcWarning
from matcalc.core.version import __version__
from matcalc.core.layouts import LAYOUTS
from matcalc.faces.ascii import AsciiStream
from matcalc.faces.web import serve
from matcalc.numeric.backends import BACKENDS

EXAMPLES = """examples:
  matcalc diff "x'*A*x" --wrt x
  matcalc diff "norm2(W2*tanh(W1*x) - t)^2" --wrt W1 --steps --check
  matcalc diff "x.T @ S @ x" --wrt x --var "S: matrix(n, n) symmetric" --layout numerator
  matcalc diff "log(det(X))" --wrt X --latex
  matcalc diff "sum(log(1 + exp(-y.*(X*w))))" --wrt w --code
  matcalc check "tr(X'*A*X)" --wrt X
  matcalc check "norm2(W*x - y)^2" --wrt x --against "2*W'*(W*x - y)"
  matcalc hessian "norm2(A*x - y)^2" --wrt x --check
  matcalc demo
  matcalc serve --open

names starting a-g are scalars, h-z vectors, A-Z matrices (as on matrixcalculus.org);
--var "NAME: scalar | vector(n) | matrix(m, n) [symmetric] [spd] [invertible] [diagonal]"
overrides one. Exit codes: 0 success, 1 a numeric check failed, 2 bad input.
"""


class JsonErrorParser(argparse.ArgumentParser):
    """An argument parser for a command line with --json: a usage error is a JSON object on
    stdout ({"error": {"type": "UsageError", "message": ...}}), exit code 2 as ever."""

    def error(self, message: str):
        from matcalc.faces.report import refuse

        sys.exit(refuse(message, True, sys.stdout, sys.stderr))


#: --code alone prints a numpy function; --code jax and --code torch the same in JAX, PyTorch
CODE_OPTION = dict(nargs="?", const="numpy", default=None, choices=sorted(BACKENDS),
                   metavar="BACKEND", help="print a function: numpy (the default), jax or torch")


STRUCTURES = ("unstructured", "symmetric", "diagonal")
SIZES_HELP = ('the sizes the check draws, "n=3, m=4" (by default small and distinct; a '
              "matrix singular at those, as XXᵀ is for a tall X, needs others)")


def build_parser(json_errors: bool = False) -> argparse.ArgumentParser:
    kind = JsonErrorParser if json_errors else argparse.ArgumentParser
    parser = kind(
        prog="matcalc", description="Symbolic matrix calculus: derivatives in the layout you "
        "ask for, compact, explained and checked numerically.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"matcalc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{diff,check,hessian,demo,serve}",
                                     parser_class=kind)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("expr", help="the expression, e.g. \"x'*A*x\" or \"x.T @ A @ x\"")
        p.add_argument("--wrt", action="append", default=[], metavar="NAME",
                       help="the variable to differentiate by (repeat for several; "
                       "default: every variable)")
        p.add_argument("--layout", choices=LAYOUTS,
                       default=None, help="the layout convention (default: denominator; "
                       "for a matrix by a matrix, the vec convention d vec F/d vec Xᵀ)")
        p.add_argument("--var", action="append", default=[], metavar="SPEC",
                       help='declare a symbol: "S: matrix(n, n) symmetric"')
        p.add_argument("--json", action="store_true", help="print machine-readable JSON")
        p.add_argument("--sizes", metavar="SIZES", help=SIZES_HELP)
        p.add_argument("--structure", choices=STRUCTURES, default="unstructured",
                       help="by the free entries of a symmetric matrix (G + Gᵀ − G ⊙ I) or the "
                       "diagonal of a diagonal one (G ⊙ I); default: every entry on its own")
        p.add_argument("--against", metavar="FORMULA",
                       help="check: your own formula for the derivative (in the layout asked "
                       "for), e.g. \"2*W'*(W*x - y)\", in place of matcalc's")

    diff = commands.add_parser("diff", help="differentiate an expression", epilog=EXAMPLES,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    common(diff)
    diff.add_argument("--steps", action="store_true", help="show the derivation step by step")
    diff.add_argument("--latex", action="store_true", help="print only LaTeX, ready to paste")
    diff.add_argument("--code", **CODE_OPTION)
    diff.add_argument("--index", action="store_true",
                      help="the index form ∂F_ij/∂X_kl instead of the matrix form")
    diff.add_argument("--check", action="store_true",
                      help="check against finite differences (exit 1 if it fails)")
    check = commands.add_parser("check", help="check a derivative against finite differences",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    common(check)
    hessian = commands.add_parser(
        "hessian", help="the Hessian of a scalar by a vector or, in the vec convention, a matrix "
        "(two --wrt: the mixed Hessian)",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    hessian.add_argument("expr", help="a scalar expression")
    hessian.add_argument("--wrt", action="append", required=True, metavar="NAME",
                         help="the vector (a second --wrt gives ∂²f/∂x∂yᵀ)")
    hessian.add_argument("--var", action="append", default=[], metavar="SPEC",
                         help='declare a symbol: "S: matrix(n, n) symmetric"')
    for flag, text in (("--steps", "show the derivation step by step: the gradient, then "
                        "its Jacobian"), ("--latex", "print only LaTeX"), ("--json", "print JSON"),
                       ("--check", "check against finite differences of the gradient")):
        hessian.add_argument(flag, action="store_true", help=text)
    hessian.add_argument("--code", **CODE_OPTION)
    hessian.add_argument("--sizes", metavar="SIZES", help=SIZES_HELP)
    commands.add_parser("demo", help="the quick-start derivation")
    serve.add_arguments(commands.add_parser(
        "serve", help="the web playground on this machine (ctrl-C stops it)"))
    return parser


def _all_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_actions(sub)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(json_errors="--json" in argv)
    options = {o for action in _all_actions(parser) for o in action.option_strings}
    # "-sum(y.*log(p))" is an expression, not an option: a leading space keeps argparse off it
    argv = [f" {a}" if a.startswith("-") and a.split("=")[0] not in options
            and not a[1:].replace(".", "").isdigit() else a for a in argv]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "serve":
        return serve.serve(args.host, args.port, args.open, args.time_limit)
    if sys.stdout is None:  # started with stdout closed (>&-)
        _say("cannot write the output: standard output is closed")
        return 2
    # the engine, SymPy and numpy load here, not for --help, --version or a usage error
    from matcalc.faces.demo import MAIN_JOB
    from matcalc.faces.report import run

    stdout = sys.stdout
    _ascii_fallback(stdout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", MatcalcWarning)
            warnings.showwarning = _warn_on_stderr
            if args.command == "demo":  # README's main job, then the same in every layout
                code = run(build_parser().parse_args(MAIN_JOB)) | run(args)
            else:
                code = run(args)
        sys.stdout.flush()
        return code
    except (BrokenPipeError, SystemExit):
        # the reader stopped reading (| head; rich ends a broken pipe with SystemExit): nothing
        # more to say, and not a failed check
        _quiet(sys.stdout)
        return 0
    except OSError as e:  # a full disk, /dev/full: the output could not be written
        _quiet(sys.stdout)
        _say(f"cannot write the output: {e.strerror or e}")
        return 2


def _warn_on_stderr(message, category, *rest) -> None:
    """A matcalc warning as one line on stderr (stdout stays the result alone)."""
    try:
        print(f"matcalc: warning: {message}", file=sys.stderr)
    except (OSError, AttributeError, ValueError):
        pass


def _say(message: str) -> None:
    """One line on stderr, if stderr can take it (it may be /dev/full too)."""
    try:
        print(f"matcalc: error: {message}", file=sys.stderr)
    except (OSError, AttributeError, ValueError):
        pass


def _ascii_fallback(stream) -> None:
    """A terminal that cannot show ∂, ᵀ and ⊙ gets them spelled in ASCII (d, ', .*; see
    ``faces.ascii``) rather than a traceback, and '?' for anything with no spelling (JSON output
    stays lossless: it escapes them, see ``report.can_show``)."""
    from matcalc.faces.report import can_show

    if not can_show(stream):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
        sys.stdout = AsciiStream(stream)


def _quiet(stream) -> None:
    """Point stdout at nothing, so that the interpreter's last flush raises nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
