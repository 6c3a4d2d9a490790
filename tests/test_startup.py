"""Start-up (issue 13, point 4): `import matcalc` loads SymPy and matcalc's core only; numpy,
SciPy, rich and the engine, numeric and printing layers load on first use.  The time itself is
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
        "heavy = ('numpy', 'scipy', 'rich', 'jax', 'torch', 'matcalc.engine', "
        "'matcalc.numeric', 'matcalc.printing', 'matcalc.faces')\n"
        "print(sorted(m for m in heavy if m in sys.modules))")
    assert loaded == "[]"


def test_every_public_name_loads_on_first_use():
    out = _python(
        "import matcalc as mc\n"
        "missing = [n for n in mc.__all__ if getattr(mc, n, None) is None]\n"
        "n = mc.dims('n'); x = mc.vector('x', n)\n"
        "print(missing, mc.diff(x.T @ x, x), mc.latex(x.T), set(mc.__all__) <= set(dir(mc)))")
    assert out == "[] 2 * x x^{\\top} True"
