"""The five notebooks teach: prose before every code cell, no assertions in them, outputs saved
with typeset math, and the error-against-step plot in the quick start.  Each runs top to bottom
in a real kernel (importing this tree's matcalc); the tests read the outputs of the cells they
name by tag, evaluate checks in the notebook's kernel after it ran, and compare the saved
outputs with the fresh run (text/plain, text/latex and printed text), so they cannot go stale.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STEMS = [p.stem for p in NOTEBOOKS]

#: per notebook, expressions that must be true in its kernel once it has run (what used to be
#: rows of ``assert`` in the notebooks themselves)
FACTS = {
    "01_quickstart": [
        "d.result == mc.diff(L, x)",
        "np.allclose(value[:, 0], 2 * Wv.T @ (Wv @ xv - bv))",
        "all(mc.check(L, x, layout).ok for layout in mc.LAYOUTS)",
        "report.ok and report.step > 0",
        # the V: truncation on the right, rounding on the left of the smallest error
        "errors[np.isclose(steps, 1e-2)][0] > 100 * errors.min()",
        "errors[np.isclose(steps, 1e-12)][0] > 10 * errors.min()",
    ],
    "02_layouts_and_jacobian_transposes": [
        'd.steps[-1].rule.name == "Jacobian transpose (numerator ↔ denominator)"',
        'd.steps[-1].after == mc.diff(deep, x, "numerator")',
        'mc.diff(a.T @ x, x, "numerator") == a.T',
        'mc.jacobian(f, x) == mc.simplify(mc.diff(f, x, "denominator").T)',
    ],
    "03_backprop_vectored_chain_rule": [
        "mc.diff(W1 @ x, x) == W1.T",
        "den.result == mc.simplify(num.result.T)",
        'mc.check(o, x, "denominator").ok and mc.check(o, x, "numerator").ok',
        '"diagonal matrix to Hadamard product" in bp.rules',
        "bp.result == g",
    ],
    "04_batches_and_row_vectors": [
        "mc.diff(mc.sum(x + y), x) == mc.ones(n)",
        "mc.diff(Y, X, upstream=G) == G @ W.T and mc.diff(Y, W, upstream=G) == X.T @ G",
        "mc.diff(Y, b, upstream=G) == mc.simplify(G.T @ mc.ones(N))",
        "act.result == mc.simplify(Gx * mc.sigmoid(X) * (1 - mc.sigmoid(X)))",
        "mc.diff(La, Wv) == mc.simplify(Xa.T @ P.T @ Ga @ Wo.T)",
        "mc.diff(La, Wo) == mc.simplify(Wv.T @ Xa.T @ P.T @ Ga)",
        "attention.result == mc.diff(La, Wq)",
        '"softmax along an axis" in str(attention)',
    ],
    "05_matrix_by_matrix_vec_convention": [
        "mc.diff(A @ X @ B, X) == mc.kron(B.T, A)",
        "mc.diff(X.T, X) == mc.commutation(m, n)",
        "mc.diff(mc.inv(Y), Y) == -mc.kron(mc.inv(Y).T, mc.inv(Y))",
        "H == mc.kron(mc.eye(n), M + M.T)",
        'np.allclose(d4, np.einsum("ik,lj->ijkl", arrays["A"], arrays["B"]))',
        'mc.check(A @ X @ B, X, form="index").ok',
        '"np.kron" not in source',
    ],
}


@functools.cache
def executed(stem: str):
    """(saved, fresh, facts): the notebook as saved, as run now, and each fact's truth."""
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    saved = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    client = NotebookClient(fresh, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env.pop("MPLBACKEND", None)  # the notebook asks for the inline backend itself
    facts = ["matcalc.__file__.startswith(ROOT)"] + FACTS.get(stem, [])
    probe = "\n".join(
        ["import json as _json, matcalc", f"ROOT = {str(ROOT)!r}", "_facts = {}"]
        + [f"_facts[{fact!r}] = bool({fact})" for fact in facts]
        + ["print(_json.dumps(_facts))"])
    with client.setup_kernel(env=env):
        for index, cell in enumerate(fresh.cells):
            client.execute_cell(cell, index)
        fresh.cells.append(nbformat.v4.new_code_cell(probe))
        client.execute_cell(fresh.cells[-1], len(fresh.cells) - 1)
        probed = fresh.cells.pop()
    errors = [o for o in probed.outputs if o.output_type == "error"]
    assert not errors, f"a fact raised: {errors[0]['ename']}: {errors[0]['evalue']}"
    return saved, fresh, json.loads(stream(probed))


def tagged(book, tag: str):
    cells = [c for c in book.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{len(cells)} cells tagged {tag!r}"
    return cells[0]


def stream(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def shown(cell, mime: str = "text/plain") -> list[str]:
    return [o.data[mime] for o in cell.outputs
            if o.output_type in ("execute_result", "display_data") and mime in o.data]


def comparable(cell) -> list:
    """A cell's outputs as the freshness test compares them: printed text per stream (however
    it was split into chunks) and each result's text/plain and text/latex; numbers at the
    rounding level (1.4e-10) may differ between machines and are masked."""
    mask = functools.partial(re.sub, r"\d(\.\d+)?e-\d\d", "<tiny>")
    streams = {}
    for o in cell.outputs:
        if o.output_type == "stream":
            streams[o.name] = streams.get(o.name, "") + o.text
    results = [(o.output_type, mask(o.data.get("text/plain", "")),
                o.data.get("text/latex", ""), sorted(o.data))
               for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
    return [{k: mask(v) for k, v in streams.items()}, results]


def test_there_are_five_notebooks():
    assert [stem[:2] for stem in STEMS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_teaches_prose_before_every_code_cell_and_asserts_nothing(stem):
    book = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    kinds = [c.cell_type for c in book.cells]
    assert kinds[0] == "markdown" and "code" in kinds
    assert all(kinds[i - 1] == "markdown" for i, k in enumerate(kinds) if k == "code" and i)
    prose = [c.source for c in book.cells if c.cell_type == "markdown"]
    assert sum(len(p.split()) for p in prose) > 250  # it explains, not just labels
    assert any("$" in p for p in prose)  # with typeset mathematics
    assert not [c.id for c in book.cells if c.cell_type == "code"
                and re.search(r"^\s*assert\b", c.source, re.M)]


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_runs_and_its_facts_hold_in_its_kernel(stem):
    saved, fresh, facts = executed(stem)
    outputs = [o for cell in fresh.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert facts and all(facts.values()), [fact for fact, true in facts.items() if not true]


@pytest.mark.parametrize("stem", STEMS)
def test_saved_outputs_are_typeset_and_match_a_fresh_run(stem):
    saved, fresh, _ = executed(stem)
    code = [(s, f) for s, f in zip(saved.cells, fresh.cells) if s.cell_type == "code"]
    assert all(s.execution_count is not None for s, _ in code), "a cell was saved unexecuted"
    latex = [t for s, _ in code for t in shown(s, "text/latex")]
    assert latex and all(t.startswith("$") for t in latex)
    for s, f in code:
        assert comparable(s) == comparable(f), f"cell {s.id} is stale: rerun and save"


def test_the_quick_start_shows_the_error_against_step_plot():
    saved, fresh, _ = executed("01_quickstart")
    for book in (saved, fresh):
        cell = tagged(book, "step-plot")
        assert "report.plot()" in cell.source
        images = shown(cell, "image/png")
        assert len(images) == 1 and len(images[0]) > 10_000  # base64 of a real figure
        assert stream(cell).startswith("check ok")
    best = stream(tagged(saved, "step-sweep"))
    assert best.startswith("best central step 1e-0")


def test_quick_start_results():
    saved, _, _ = executed("01_quickstart")
    assert shown(tagged(saved, "quadratic-form")) == ["(A + A.T) @ x"]
    assert stream(tagged(saved, "quadratic-form-strings")) == "(A + A.T) @ x\n(A + Aᵀ)x\n"
    assert "= 2Wᵀ(Wx − b)" in stream(tagged(saved, "least-squares-text"))
    assert stream(tagged(saved, "least-squares-check")).count("ok=True") == 3


def test_layouts_results():
    saved, _, _ = executed("02_layouts_and_jacobian_transposes")
    assert shown(tagged(saved, "linear-layer")) == [
        "{'denominator': W.T, 'numerator': W, 'mixed': W}"]
    assert stream(tagged(saved, "scalar-by-vector")).splitlines() == [
        "denominator  a    shape (n, 1)", "numerator    aᵀ   shape (1, n)",
        "mixed        a    shape (n, 1)"]
    assert shown(tagged(saved, "vector-by-scalar")) == [
        "{'denominator': (1, m), 'numerator': (m, 1), 'mixed': (m, 1)}"]
    assert shown(tagged(saved, "activation-jacobians")) == [
        "diag(sigmoid(W @ x) * (1 - sigmoid(W @ x))) @ W",
        "W.T @ diag(sigmoid(W @ x) * (1 - sigmoid(W @ x)))"]
    assert "Jacobian transpose" in shown(tagged(saved, "transpose-derivation"), "text/latex")[0]
    assert stream(tagged(saved, "layout-checks")).count("ok=True") == 3


def test_backprop_results_name_shared_parts_and_grow_linearly():
    saved, _, _ = executed("03_backprop_vectored_chain_rule")
    assert shown(tagged(saved, "building-blocks")) == ["W1.T", "diag(1 - tanh(x)**2)"]
    latex = shown(tagged(saved, "where-block"), "text/latex")[0]
    assert r"\text{where}" in latex and latex.count(r"\tanh\left(W_{1} x\right)") == 1
    named, written = stream(tagged(saved, "where-block-text")).split("\n\n")
    assert named.count("tanh(W₁x)") == 1 and "where" in named
    assert written.count("tanh(W₁x)") == 3
    rows = [list(map(int, line.split()))
            for line in stream(tagged(saved, "depth-table")).splitlines()[1:]]
    ks, steps, printed, expanded = zip(*rows)
    assert ks == (2, 4, 8, 16)
    assert steps[3] - steps[2] == 2 * (steps[2] - steps[1]) == 4 * (steps[1] - steps[0])
    assert printed[3] / printed[2] < 2.5  # linear in k with the where block
    assert expanded[3] / expanded[2] > 3  # written out, faster than linear
    assert stream(tagged(saved, "backprop-check")).startswith("check ok")


def test_batch_results():
    saved, _, _ = executed("04_batches_and_row_vectors")
    assert shown(tagged(saved, "linear-layer-grads")) == ["G @ W.T", "X.T @ G", "G.T @ ones(N)"]
    assert "copy gate" in shown(tagged(saved, "copy-gate"), "text/latex")[0]
    assert stream(tagged(saved, "linear-layer-checks")).count("ok=True") == 3
    assert stream(tagged(saved, "attention-checks")).count("ok in 3 of 3 layouts") == 5


def test_vec_convention_results():
    saved, _, _ = executed("05_matrix_by_matrix_vec_convention")
    assert shown(tagged(saved, "classic-results")) == [
        "kron(B.T, A)", "commutation(m, n)", "-kron(inv(Y).T, inv(Y))"]
    assert stream(tagged(saved, "classic-check")).startswith("check ok")
    assert shown(tagged(saved, "index-form"), "text/latex") == [
        r"$\displaystyle \frac{\partial F_{ij}}{\partial X_{kl}} = A_{ik} B_{lj}$"]
    assert "_kron_matmul" in stream(tagged(saved, "hvp-code"))
