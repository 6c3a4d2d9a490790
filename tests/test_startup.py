"""Start-up (issue 13, point 4): `import matcalc` loads none of SymPy, numpy, SciPy, rich or
matcalc's layers; each loads on the first use of a name that needs it (``mc.vector`` SymPy and
the core, ``mc.diff`` the engine).  The CLI parses its arguments before it loads the engine.  The time itself is
measured in benchmarks/ (section (d)), never asserted here."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_matcalc_loads_no_heavy_library_and_no_upper_layer():
    loaded = _python(
        "import sys, matcalc\n"
        "heavy = ('sympy', 'numpy', 'scipy', 'rich', 'jax', 'torch', 'matcalc.core.expr', "
        "'matcalc.engine', 'matcalc.numeric', 'matcalc.printing', 'matcalc.faces')\n"
        "print(sorted(m for m in heavy if m in sys.modules))")
    assert loaded == "[]"


def test_every_public_name_loads_on_first_use():
    out = _python(
        "import matcalc as mc\n"
        "missing = [n for n in mc.__all__ if getattr(mc, n, None) is None]\n"
        "n = mc.dims('n'); x = mc.vector('x', n)\n"
        "print(missing, mc.diff(x.T @ x, x), mc.latex(x.T), set(mc.__all__) <= set(dir(mc)))")
    assert out == "[] 2 * x x^{\\top} True"


def test_star_import_and_dir_give_every_builder_from_the_tables():
    out = _python(
        "import matcalc as mc\n"
        "from matcalc.core.builders import __all__ as builders\n"
        "space = {}\n"
        "exec('from matcalc import *', space)\n"
        "print(sorted(set(builders) - set(space)), sorted(set(builders) - set(dir(mc))), "
        "mc.tanh is space['tanh'], mc.MatcalcError.__name__)")
    assert out == "[] [] True MatcalcError"


def test_an_unknown_name_is_an_attribute_error_that_names_it():
    out = _python(
        "import matcalc as mc\n"
        "try:\n    mc.tanhh\nexcept AttributeError as e:\n    print(e)\n"
        "print(hasattr(mc, '__wrapped__'))")
    assert out == "module 'matcalc' has no attribute 'tanhh'\nFalse"


def test_the_cli_answers_version_help_and_usage_errors_without_loading_sympy():
    out = _python(
        "import sys, io, contextlib\n"
        "from matcalc.faces.cli import main\n"
        "for argv in (['--version'], ['--help'], ['diff', 'x', '--layout', 'bogus']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), "
        "contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n            main(argv)\n"
        "        except SystemExit as e:\n            code = e.code\n"
        "    print(argv[0], code, 'sympy' in sys.modules, 'numpy' in sys.modules)")
    assert out.splitlines() == ["--version 0 False False", "--help 0 False False",
                                "diff 2 False False"]
