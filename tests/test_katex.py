"""Every LaTeX string the tests produce renders in KaTeX (the npm package, run with node).

``.ci/run`` installs KaTeX into ``.ci/.katex``; the test installs it there itself when it is
missing.  It skips only where node is absent, and says so.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import matcalc as mc
from tests.derivation_cases import CASES, derivation
from tests.test_rules_numeric import EXAMPLES
from tests.test_sympy_hard_cases import CASES as HARD

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIR = ROOT / ".ci" / ".katex"
SCRIPT = Path(__file__).parent / "js" / "katex_render.js"


def _katex_env():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here, so KaTeX cannot run; install Node.js to check "
                    "that every LaTeX string renders")
    modules = KATEX_DIR / "node_modules"
    if not (modules / "katex").exists():
        npm = shutil.which("npm")
        assert npm, "node is here but npm is not, so KaTeX cannot be installed"
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(KATEX_DIR), "katex@0.16"], check=True, timeout=300)
    return node, {"NODE_PATH": str(modules), "PATH": str(Path(node).parent)}


def all_latex() -> list[str]:
    texts = [derivation(name).latex() for name in sorted(CASES)]
    for _, f, ws in EXAMPLES:
        texts.append(mc.latex(f))
        for w in ws:
            for layout in mc.LAYOUTS:
                texts.append(mc.latex(mc.diff(f, w, layout)))
                texts.append(mc.derive(f, w, layout).latex())
    for _, f, w, _ in HARD:
        texts.append(mc.derive(f, w).latex())
    from tests.test_hessian import CASES as HESSIANS

    texts += [mc.derive(f, v, order=2).latex() for _, f, v, _ in HESSIANS]
    from tests.test_vec import HESSIANS as BY_MATRICES, INDEX_CASES

    texts += [mc.derive(f, a, order=2).latex() for _, f, a, b in BY_MATRICES if a is b]
    texts += [mc.diff(F, w, form="index").latex() for _, F, w in INDEX_CASES]
    from tests.test_matrix_function_hessians import CASES as MATRIX_FUNCTION_HESSIANS

    texts += [mc.latex(mc.hessian(f, v)) for _, f, v in MATRIX_FUNCTION_HESSIANS]
    texts += [p.read_text() for p in (Path(__file__).parent / "golden").glob("*.tex")]
    from tests.networks import mlp

    L, weights = mlp(4)  # where-blocks, also as the CLI writes them after "lhs ="
    where_blocks = [mc.latex(mc.diff(L, w)) for w in weights]
    assert all(r"\text{where}" in b for b in where_blocks[:-1])
    texts += where_blocks + [rf"\frac{{\partial f}}{{\partial W}} = {b}" for b in where_blocks]
    # an elementwise function of a matrix (exp∘, the Hadamard root) and decimals (10⁻⁵)
    n = mc.dims("n")
    W, x = mc.matrix("W", n), mc.vector("x", n)
    texts += [mc.latex(e) for e in (mc.exp(W), mc.log(W) + mc.sqrt(W), 2.5e-5 * x + 1e-5 * x,
                                    0.05 * x)]
    return texts


def test_every_latex_string_renders_in_katex():
    node, env = _katex_env()
    texts = all_latex()
    out = subprocess.run([node, str(SCRIPT)], input=json.dumps(texts), capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    errors = json.loads(out.stdout)
    assert not errors, "\n\n".join(f"{texts[e['index']]}\n-> {e['error']}" for e in errors[:5])
    assert len(texts) > 300
