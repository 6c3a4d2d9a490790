"""The matcalc command: every flag and every exit code, run as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matcalc as mc
from matcalc.faces import cli, results
from tests.test_katex import SCRIPT, _katex_env

ROOT = Path(__file__).resolve().parent.parent
from matcalc.faces.demo import MAIN_JOB  # noqa: E402 - README's main job


def run(*args, check_exit=None):
    out = subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    if check_exit is not None:
        assert out.returncode == check_exit, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    return out


def test_main_job_derives_step_by_step_and_checks():
    out = run(*MAIN_JOB, check_exit=0)
    assert "∂L/∂h₁ = W₂ᵀ ∂L/∂h₂" in out.stdout.replace("│ = ", " = ").replace("│", "") or \
        "W₂ᵀ ∂L/∂h₂" in out.stdout
    assert "diagonal matrix to Hadamard" in out.stdout and "check ok" in out.stdout
    assert "∂L/∂W₁ = 2((1 − u₁²) ⊙ (W₂ᵀ(W₂u₁ − t)))xᵀ" in out.stdout
    assert "where\n  u₁ = tanh(W₁x)\n" in out.stdout


def test_plain_diff_and_several_variables():
    out = run("diff", "x'*A*x", "--wrt", "x", "--wrt", "A", check_exit=0)
    assert "∂L/∂x = (A + Aᵀ)x" in out.stdout and "∂L/∂A = xxᵀ" in out.stdout


@pytest.mark.parametrize("layout,expected", [("denominator", "Wᵀ"), ("numerator", "W"),
                                             ("mixed", "W")])
def test_layout_flag(layout, expected):
    out = run("diff", "W*x", "--wrt", "x", "--layout", layout, check_exit=0)
    assert f"∂y/∂x = {expected}    [{layout} layout" in out.stdout


def test_var_declares_shapes_and_properties():
    out = run("diff", "x.T @ S @ x", "--wrt", "x", "--var", "S: matrix(n, n) symmetric",
              "--var", "x: vector(n)", check_exit=0)
    assert "∂L/∂x = 2Sx" in out.stdout
    out = run("diff", "lam*x'*x", "--wrt", "x", "--var", "lam: scalar", check_exit=0)
    assert "∂L/∂x = 2λx" in out.stdout


def test_latex_prints_only_latex_that_renders_in_katex():
    plain = run("diff", "log(det(X))", "--wrt", "X", "--latex", check_exit=0).stdout.strip()
    assert plain == r"\frac{\partial f}{\partial X} = X^{-\top}"
    steps = run(*MAIN_JOB[:4], "--steps", "--latex", check_exit=0).stdout.strip()
    assert steps.startswith(r"\begin{aligned}") and steps.endswith(r"\end{aligned}")
    node, env = _katex_env()
    rendered = subprocess.run([node, str(SCRIPT)], input=json.dumps([plain, steps]),
                              capture_output=True, text=True, env=env, timeout=120)
    assert json.loads(rendered.stdout) == []


def test_code_jax_and_code_torch_print_the_same_function_in_that_library():
    expr = ["diff", "sum(log(1 + exp(-y.*(X*w))))", "--wrt", "w"]
    for backend, first_import in (("jax", "import jax\n"), ("torch", "import torch\n")):
        source = run(*expr, "--code", backend, check_exit=0).stdout
        assert first_import in source and "def f_and_grad(X, w, y):" in source
        assert "np." not in source.replace("jnp.", "")
    assert "import numpy as np" in run(*expr, "--code", check_exit=0).stdout
    bad = run(*expr, "--code", "tensorflow", check_exit=2)
    assert "invalid choice: 'tensorflow'" in bad.stderr


def test_code_prints_a_numpy_function_that_computes_value_and_gradient():
    source = run("diff", "sum(log(1 + exp(-y.*(X*w))))", "--wrt", "w", "--code",
                 check_exit=0).stdout
    source = source[source.index("import numpy"):]
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, in a test
    rng = np.random.default_rng(0)
    X, w, y = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(5)
    value, grad = namespace["f_and_grad"](X, w, y)
    assert value == pytest.approx(np.sum(np.log1p(np.exp(-y * (X @ w)))))
    expected = -X.T @ (y / (1 + np.exp(y * (X @ w))))
    np.testing.assert_allclose(grad[:, 0], expected)


def test_json_is_machine_readable():
    data = json.loads(run("diff", "x'*A*x", "--wrt", "x", "--steps", "--check", "--code",
                          "--json", check_exit=0).stdout)
    (d,) = data["derivatives"]
    assert d["result"] == "(A + A.T) @ x" and d["check"]["ok"] is True
    assert d["steps"][0]["rule"] == "the function" and "def f_and_grad" in data["code"]
    assert data["ok"] is True and data["symbols"]["A"] == ["n", "n"]


def test_check_command():
    out = run("check", "tr(X'*A*X)", "--wrt", "X", check_exit=0)
    assert "check ok" in out.stdout


def test_a_check_takes_the_sizes_it_is_given():
    out = run("check", "log(det(X*X'))", "--wrt", "X", "--sizes", "n=2, m=5", check_exit=0)
    assert "check ok" in out.stdout and "m=5, n=2" in out.stdout
    data = json.loads(run("diff", "x'*A*x", "--wrt", "x", "--check", "--sizes", "n=6", "--json",
                          check_exit=0).stdout)
    assert data["derivatives"][0]["check"]["sizes"] == {"n": 6}
    out = run("hessian", "x'*A*x", "--wrt", "x", "--check", "--sizes", "n=2", check_exit=0)
    assert out.stdout.count("n=2") == 2


# regression: a correct derivative was reported FAILED (exit 1) when the sizes drawn made a
# Gram matrix singular; sizes the function is undefined at are bad input (exit 2), not a failure
def test_a_check_at_sizes_where_the_function_is_undefined_is_bad_input():
    out = run("check", "log(det(X*X'))", "--wrt", "X", check_exit=0)
    assert "check ok" in out.stdout and "warning" not in out.stderr
    out = run("check", "log(det(X*X'))", "--wrt", "X", "--sizes", "n=5,m=2", check_exit=2)
    assert "every point tried at sizes m=2, n=5" in out.stderr


@pytest.mark.parametrize("sizes,message", [
    ("n", "--sizes takes NAME=SIZE"), ("n=0", "a positive integer"), ("n=x", "a positive integer"),
    ("q=3", "sizes names q, which is not a dimension"), ("n=3,n=4", "n is given twice")])
def test_bad_sizes_are_bad_input_naming_the_problem(sizes, message):
    out = run("check", "x'*A*x", "--wrt", "x", "--sizes", sizes, check_exit=2)
    assert message in out.stderr


def test_sizes_without_a_check_are_refused():
    out = run("diff", "x'*A*x", "--wrt", "x", "--sizes", "n=3", check_exit=2)
    assert "--sizes sets the sizes of --check" in out.stderr


def test_a_failed_check_exits_1(monkeypatch, capsys):
    real = results.check

    def failing(*a, **k):
        import dataclasses

        return dataclasses.replace(real(*a, **k), ok=False)

    monkeypatch.setattr(results, "check", failing)
    assert cli.main(["check", "x'*x", "--wrt", "x"]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert cli.main(["diff", "x'*x", "--wrt", "x", "--check", "--json"]) == 1


@pytest.mark.parametrize("args,message", [
    (["diff", "x'*A*x", "--wrt", "z"], "z does not appear"),
    (["diff", "x'*A*x", "--wrt", "x", "--var", "A: tensor(3)"], "cannot read the declaration"),
    (["diff", "x'*A*x", "--wrt", "x", "--var", "A: matrix(n, n) round"], "unknown property"),
    # regression: a second declaration silently replaced the first, and a repeated --wrt
    # printed its derivative twice
    (["diff", "x'*A*x", "--wrt", "x", "--var", "A: matrix(n, n) spd", "--var", "A: vector(n)"],
     "A is declared twice ('A: matrix(n, n) spd' and 'A: vector(n)'); keep one"),
    (["diff", "x'*S*x", "--wrt", "S", "--structure", "symmetric"],
     '--var "S: matrix(n, n) symmetric"'),
    (["diff", "x'*A*x", "--wrt", "x", "--wrt", "x"], "x is named twice as a variable to differentiate by"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(args, message):
    out = run(*args, check_exit=2)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matcalc: error:") and message in lines[0]


# issue 15: the command said "column 9 of ..." where the Python API draws a caret; gave the
# API's advice (symbols=) for an undeclared name; showed placeholder sizes (len(x)×1,
# rows(A)); and gave no hint for a product written without its sign (2x, x' A x)
@pytest.mark.parametrize("expr,message,caret_under", [
    ("x'*A*x +", "the expression ends too early", ""),
    ("sigmod(x)", "unknown function 'sigmod'; did you mean sigmoid?", "s"),
    ("α*x", 'declare it with --var "α: scalar" (or vector(n), matrix(m, n))', "α"),
    ("x^3", "^ of x (a vector) is a matrix power and needs a square matrix", "^"),
    ("tr(x)", "tr needs a square matrix, got x (a vector)", "x"),
    ("A*x + x'", "shape conflict: A*x is a vector but x' is a row vector", "+"),
    ("x'*x'", "cannot multiply x' (a row vector) by x' (a row vector): the inner dimensions "
              "differ (the length of x against 1)", "*"),
    ("2x", "unexpected 'x' after a complete expression; did you mean 2*x?", "x"),
    ("x' A x", "did you mean x'*A*x?", "A"),
    ("x'A x", "did you mean x'*A*x?", "A"),
    ("x.T A x", "did you mean x.T@A@x?", "A"),
])
def test_a_parse_error_shows_the_spot_with_a_caret_in_the_commands_words(expr, message,
                                                                          caret_under):
    out = run("diff", expr, "--wrt", "x", check_exit=2)
    first, line, caret = out.stderr.rstrip("\n").split("\n")
    assert first.startswith("matcalc: error: ") and message in first
    assert line == f"  {expr}" and caret.endswith("^") and set(caret[:-1]) <= {" "}
    column = len(caret) - 3
    assert expr[column:column + 1] == caret_under
    assert "symbols=" not in first and "len(" not in first and "rows(" not in first


def test_a_name_declared_as_the_advice_says_is_then_read():
    out = run("diff", "α*x", "--wrt", "x", "--var", "α: scalar", check_exit=0)
    assert "∂y/∂x = αI" in out.stdout


@pytest.mark.parametrize("args,expected", [
    (["diff", "x'*A*", "--wrt", "x"], {"type": "ParseError", "message":
                                        "the expression ends too early", "position": 5,
                                        "line": "x'*A*", "column": 6, "caret": "     ^"}),
    (["diff", "2x", "--wrt", "x"], {"type": "ParseError", "position": 1, "column": 2,
                                     "message": "unexpected 'x' after a complete expression; "
                                                "did you mean 2*x?", "line": "2x", "caret": " ^"}),
    (["diff", "x", "--wrt", "z"], {"type": "MatcalcError",
                                    "message": "z does not appear in 'x'; its variables are x"}),
    (["hessian", "x'*x"], {"type": "UsageError",
                        "message": "the following arguments are required: --wrt"}),
    (["hessian", "α*x'*x", "--wrt", "x"], {"type": "UndeclaredNameError", "position": 0,
                                           "column": 1, "line": "α*x'*x", "caret": "^"}),
    (["check", "x'*x", "--wrt", "x", "--var", "x: tensor"], {"type": "MatcalcError"}),
])
def test_json_errors_are_a_json_object_on_stdout_with_exit_2(args, expected):
    out = run(*args, "--json", check_exit=2)
    error = json.loads(out.stdout)["error"]
    assert error.items() >= expected.items() and error["message"]
    assert out.stderr == ""


def test_argument_errors_exit_2():
    assert run("hessian", "x'*x", check_exit=2).stderr  # hessian's --wrt is required
    assert run("diff", "x'*x", "--wrt", "x", "--layout", "row", check_exit=2).stderr


def test_help_shows_examples_and_version_works():
    out = run("--help", check_exit=0).stdout
    assert "examples:" in out and "matcalc diff" in out
    assert run("diff", "--help", check_exit=0).stdout.count("matcalc diff") >= 3
    assert run("--version", check_exit=0).stdout.strip() == f"matcalc {mc.__version__}"


def test_demo_shows_the_main_jobs_derivation_then_every_layout():
    demo, job = run("demo", check_exit=0).stdout, run(*MAIN_JOB, check_exit=0).stdout
    assert demo.startswith(job)
    assert demo.count("check ok") == 4  # the main job's, then one per layout


def test_hessian_steps_derive_the_gradient_then_its_jacobian():
    out = run("hessian", "x'*A*x", "--wrt", "x", "--steps", check_exit=0).stdout
    assert out.startswith("L = xᵀAx")
    assert "the gradient, to be differentiated again" in out
    assert "∂²L/∂x∂xᵀ = A + Aᵀ" in out
    steps = json.loads(run("hessian", "x'*A*x", "--wrt", "x", "--steps", "--json",
                           check_exit=0).stdout)["steps"]
    assert steps[-1]["rhs"] == "A + Aᵀ"
    assert "mixed Hessian" in run("hessian", "x'*A*y", "--wrt", "x", "--wrt", "y", "--steps",
                                  check_exit=2).stderr


def test_the_function_keeps_the_name_its_derivation_gives_it():
    out = run(*MAIN_JOB, check_exit=0).stdout
    assert out.startswith("L = ‖W₂ tanh(W₁x) − t‖₂²")
    assert "∂L/∂W₁ = 2((1 − u₁²)" in out and "∂f/∂W₁" not in out


def test_python_code_in_the_expression_does_nothing(tmp_path):
    marker = tmp_path / "pwned"
    out = run("diff", f"__import__('os').system('touch {marker}')", "--wrt", "x", check_exit=2)
    assert "matcalc: error" in out.stderr and not marker.exists()


def test_hessian_command():
    out = run("hessian", "norm2(A*x - y)^2", "--wrt", "x", "--check", check_exit=0)
    assert "∂²L/∂x∂xᵀ = 2AᵀA" in out.stdout and "check ok" in out.stdout
    mixed = run("hessian", "u'*W*x", "--wrt", "x", "--wrt", "u", check_exit=0)
    assert "∂²L/∂x∂uᵀ = Wᵀ" in mixed.stdout
    tex = run("hessian", "x'*A*x", "--wrt", "x", "--latex", check_exit=0).stdout.strip()
    assert tex.endswith("= A + A^{\\top}")
    data = json.loads(run("hessian", "logsumexp(x)", "--wrt", "x", "--json", "--code",
                          check_exit=0).stdout)
    assert data["hessian"] == "diag(softmax(x)) - softmax(x) @ softmax(x).T"
    assert "def hessian" in data["code"]
    assert run("hessian", "W*x", "--wrt", "x", check_exit=2).stderr.startswith("matcalc: error")


# regression: hessian --json had a schema of its own; now diff's, with its own keys kept
def test_hessian_json_has_the_shape_of_diff_json_and_keeps_its_own_keys():
    flags = ["--wrt", "x", "--steps", "--check", "--code", "--json"]
    diff = json.loads(run("diff", "x'*A*x", *flags, check_exit=0).stdout)
    hess = json.loads(run("hessian", "x'*A*x", *flags, check_exit=0).stdout)
    assert set(diff) <= set(hess), set(diff) - set(hess)
    (d,), (h,) = diff["derivatives"], hess["derivatives"]
    assert set(d) <= set(h), set(d) - set(h)
    assert set(d["check"]) == set(h["check"]) and set(d["steps"][0]) == set(h["steps"][0])
    assert h["result"] == "A + A.T" and h["lhs"] == "∂²L/∂x∂xᵀ" and h["shape"] == ["n", "n"]
    assert h["wrt"] == "x" and h["convention"] == "the Hessian" and hess["layout"] is None
    assert hess["symbols"] == diff["symbols"] and hess["ok"] is True and h["check"]["ok"]
    # the keys callers of the old schema read, with their old meaning
    assert hess["wrt"] == ["x", "x"] and hess["hessian"] == "A + A.T"
    assert hess["latex"] == r"A + A^{\top}" and hess["unicode"] == "A + Aᵀ"
    assert hess["steps"] == h["steps"] and hess["check"] == h["check"]
    assert {"where", "latex_in_names", "shape", "code", "name", "expression"} <= set(hess)
    mixed = json.loads(run("hessian", "u'*W*x", "--wrt", "x", "--wrt", "u", "--json",
                           check_exit=0).stdout)["derivatives"][0]
    assert mixed["wrt"] == "x, u" and mixed["convention"] == "the mixed Hessian, rows by x"


# issue 15: the Hessian 2I of x'x no longer shows x, and its code took the size n instead
def test_generated_hessian_code_takes_the_variable_it_lost():
    out = run("hessian", "x'*x", "--wrt", "x", "--code", check_exit=0)
    assert "def hessian(x):" in out.stdout and "n = x.shape[0]" in out.stdout


def test_generated_logistic_hessian_applies_the_diagonal_by_broadcasting():
    from matcalc.numeric.codegen import source as codegen

    m, n = mc.dims("m n")
    X, w, y = mc.matrix("X", m, n), mc.vector("w", n), mc.vector("y", m)
    H = mc.hessian(mc.sum(mc.log(1 + mc.exp(-y * (X @ w)))), w)
    source = codegen([H], "hessian")
    assert "np.diag" not in source and "for " not in source and "while " not in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, in a test
    rng = np.random.default_rng(3)
    Xv, wv, yv = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.choice([-1.0, 1.0], 6)
    p = 1 / (1 + np.exp(yv * (Xv @ wv)))
    expected = Xv.T @ (Xv * (p * (1 - p))[:, None])
    np.testing.assert_allclose(namespace["hessian"](X=Xv, w=wv, y=yv), expected, rtol=1e-10)


def _run_generated(source, **arrays):
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, in a test
    fn = next(v for k, v in namespace.items() if callable(v) and not k.startswith("_")
              and k != "np")
    return fn(**arrays)


def test_generated_temporaries_never_shadow_a_symbol():
    from matcalc.numeric.codegen import source as codegen

    n, m = mc.dims("n m")
    x, t1 = mc.vector("x", n), mc.vector("t1", m)
    W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", m, m)
    L = mc.norm2(W2 @ mc.tanh(W1 @ x) - t1) ** 2
    source = codegen([L, mc.diff(L, W1)], "f")
    rng = np.random.default_rng(4)
    arrays = {"x": rng.standard_normal(3), "t1": rng.standard_normal(4),
              "W1": rng.standard_normal((4, 3)), "W2": rng.standard_normal((4, 4))}
    value, grad = _run_generated(source, **arrays)
    assert value == pytest.approx(mc.lambdify(L)(**arrays))
    np.testing.assert_allclose(grad, mc.lambdify(mc.diff(L, W1))(**arrays))
    with pytest.raises(mc.MatcalcError, match="would hide"):
        codegen([mc.vector("np", n).T @ x])


def test_generated_code_with_a_shared_diagonal_runs():
    from matcalc.numeric.codegen import source as codegen

    n = mc.dims("n")
    x, A, B = mc.vector("x", n), mc.matrix("A", n), mc.matrix("B", n)
    e = mc.tr(A @ mc.diag(x) @ B @ mc.diag(x))
    rng = np.random.default_rng(5)
    arrays = {"A": rng.standard_normal((3, 3)), "B": rng.standard_normal((3, 3)),
              "x": rng.standard_normal(3)}
    assert _run_generated(codegen([e], "f"), **arrays) == pytest.approx(mc.lambdify(e)(**arrays))
    out = run("hessian", "norm2(V*tanh(W*x)-t)^2", "--wrt", "x", "--code", check_exit=0).stdout
    compile(out[out.index("import numpy"):], "<generated>", "exec")


def test_matrix_by_matrix_and_hessian_by_a_matrix_in_the_vec_convention():
    out = run("diff", "A*X*B", "--wrt", "X", "--check", check_exit=0).stdout
    assert "∂vec F/∂vec Xᵀ = Bᵀ ⊗ A" in out and "the vec convention" in out and "check ok" in out
    den = json.loads(run("diff", "A*X*B", "--wrt", "X", "--layout", "denominator", "--json",
                         check_exit=0).stdout)["derivatives"][0]
    assert den["result"] == "kron(B, A.T)" and den["layout"] == "denominator"
    tex = run("diff", "A*X*B", "--wrt", "X", "--latex", check_exit=0).stdout.strip()
    assert tex == (r"\frac{\partial \operatorname{vec} F}{\partial \operatorname{vec}(X)^{\top}} = "
                   r"B^{\top} \otimes A")
    done = run("hessian", "tr(X'*A*X)", "--wrt", "X", "--check", "--code", check_exit=0)
    summary, code = done.stderr, done.stdout  # with --code, stdout is the Python alone
    assert "∂²f/∂vec X∂vec Xᵀ = Iₘ ⊗ (A + Aᵀ)" in summary and summary.count("check ok") == 2
    assert "np.kron(np.eye(m), (A + A.T))" in code
    compile(code, "hessian.py", "exec")


def test_index_form_on_the_command_line():
    out = run("diff", "A*X*B", "--wrt", "X", "--index", "--check", check_exit=0).stdout
    assert out.startswith("∂F_ij/∂X_kl = A_ik B_lj") and "check ok" in out
    data = json.loads(run("diff", "inv(X)", "--wrt", "X", "--index", "--json",
                          check_exit=0).stdout)
    assert data["derivatives"][0]["index"] == "∂F_ij/∂X_kl = −(X⁻¹)_ik (X⁻¹)_lj"
    err = run("diff", "inv(X)", "--wrt", "X", "--index", "--steps", check_exit=2).stderr
    assert "no layout, structure, steps or code" in err


# the command in a 60-column terminal with an empty PATH
def run_in_narrow_terminal(*args):
    out = subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, env={"COLUMNS": "60", "PATH": ""})
    assert "Traceback" not in out.stderr
    return out


# regression: --code output was wrapped at the terminal's width, so it did not run
def test_generated_code_is_not_wrapped_by_the_terminal():
    out = run_in_narrow_terminal("diff", "norm2(W3*tanh(W2*tanh(W1*x+u)+v)-t)^2 + c*norm2(W1)^2",
                                 "--wrt", "W1", "--wrt", "W2", "--wrt", "c", "--code")
    assert out.returncode == 0, out.stderr
    source = out.stdout[out.stdout.index("import numpy"):]
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # our generated code, in a test
    rng = np.random.default_rng(0)
    shapes = {"W1": (4, 3), "W2": (5, 4), "W3": (6, 5), "x": (3,), "u": (4,), "v": (5,),
              "t": (6,), "c": ()}
    fn = namespace["f_and_grad"]
    import inspect

    args = {k: rng.standard_normal(shapes[k]) for k in inspect.signature(fn).parameters}
    assert len(fn(**args)) == 4


# regression: huge or deeply nested input ended in a traceback instead of exit code 2
def test_huge_or_deep_input_is_bad_input_not_a_traceback():
    assert mc.parse(" + ".join(["x"] * 600)).shape[1] == 1
    assert mc.parse("x" + "'" * 2000).shape == mc.parse("x").shape
    assert mc.parse("x" + "'" * 2001).shape == mc.parse("x'").shape
    assert run_in_narrow_terminal("diff", "x'*x", "--wrt", "x", "--var", "x: vector(100000)",
                                  "--check").returncode == 2
    out = run_in_narrow_terminal("diff", "tr(A^100000)", "--wrt", "A")
    assert out.returncode == 2 and "matrix power beyond ±64" in out.stderr


# regression: an expression starting with '-' was read as a command-line option
def test_an_expression_starting_with_a_minus_is_not_an_option():
    out = run_in_narrow_terminal("diff", "-sum(y.*log(sigmoid(X*w)))", "--wrt", "w")
    assert out.returncode == 0 and "∂L/∂w" in out.stdout


def test_a_declared_dimension_is_a_number_in_text():
    out = run("diff", "sum((X*w - y).^2)/N", "--wrt", "w", "--var", "X: matrix(N, d)", "--check",
              check_exit=0)
    assert "(2/N)Xᵀ(Xw − y)" in out.stdout and "check ok" in out.stdout


def test_a_batch_cross_entropy_with_log_softmax_along_the_rows():
    out = run("diff", "-sum(Y .* log_softmax(X*W, axis=1))/N", "--wrt", "W", "--var",
              "X: matrix(N, d)", "--check", check_exit=0)
    assert "check ok" in out.stdout and "softmax(XW, axis=1)" in out.stdout


# regression: a full disk, an ASCII terminal and a closed pipe ended in a traceback (and the
# closed pipe in exit 1, the code of a failed check)
def test_unwritable_output_ascii_terminals_and_closed_pipes_end_cleanly():
    command = [sys.executable, "-m", "matcalc", "diff", "x'*A*x", "--wrt", "x", "--check"]
    with open("/dev/full", "w") as unwritable:
        full = subprocess.run(command, stdout=unwritable, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=120)
    assert full.returncode == 2 and "cannot write the output" in full.stderr
    assert "Traceback" not in full.stderr
    ascii_env = dict(os.environ, PYTHONIOENCODING="ascii")
    ascii_run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120,
                               env=ascii_env)
    assert ascii_run.returncode == 0 and "Traceback" not in ascii_run.stderr
    assert "check ok" in ascii_run.stdout
    piped = subprocess.run(" ".join(f"'{c}'" if "'" not in c else f'"{c}"' for c in command)
                           + " | head -c 10", shell=True, capture_output=True, text=True,
                           cwd=ROOT, timeout=120, executable="/bin/bash")
    assert "Traceback" not in piped.stderr and piped.stdout.startswith("L = x")
    status = subprocess.run(" ".join(f"'{c}'" if "'" not in c else f'"{c}"' for c in command)
                            + " | head -c 10 > /dev/null; echo ${PIPESTATUS[0]}", shell=True,
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            executable="/bin/bash")
    assert status.stdout.strip() == "0"


# regression: a closed stdout and an unwritable stderr ended in a traceback or exit 1; JSON to
# an ASCII terminal lost its symbols to '?'
def test_closed_stdout_unwritable_stderr_and_ascii_json():
    closed = subprocess.run(f"'{sys.executable}' -m matcalc diff \"x'*A*x\" --wrt x >&-",
                            shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120,
                            executable="/bin/bash")
    assert closed.returncode == 2 and "standard output is closed" in closed.stderr
    assert "Traceback" not in closed.stderr
    with open("/dev/full", "w") as unwritable:
        bad = subprocess.run([sys.executable, "-m", "matcalc", "diff", "x'*A*", "--wrt", "x"],
                             stderr=unwritable, capture_output=False, cwd=ROOT, timeout=120)
    assert bad.returncode == 2
    ascii_env = dict(os.environ, PYTHONIOENCODING="ascii")
    out = subprocess.run([sys.executable, "-m", "matcalc", "diff", "x'*A*x", "--wrt", "x",
                          "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=ascii_env)
    assert out.returncode == 0 and json.loads(out.stdout)["derivatives"][0]["unicode"] == "(A + Aᵀ)x"


def test_an_ascii_terminal_gets_the_symbols_spelled_in_ascii_not_question_marks():
    command = [sys.executable, "-m", "matcalc", "diff", "norm2(W*x - t)^2", "--wrt", "W",
               "--steps", "--check"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, PYTHONIOENCODING="ascii"))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    out = done.stdout
    assert out.isascii() and "?" not in out
    assert "L = ||Wx - t||_2^2" in out and "W in R^(nxm)" in out
    assert "dL/dh_1" in out and "dL/dW = 2(Wx - t)x'" in out
    # the table is measured after spelling: every row of its frame is equally wide
    frame = [line for line in out.splitlines() if line.startswith(("|", "+"))]
    assert frame and len({len(line) for line in frame}) == 1


def test_asciify_spells_each_symbol_the_way_one_types_it():
    from matcalc.faces.ascii import asciify

    assert asciify("∂L/∂W = (A + Aᵀ)x ⊙ σ(z)⁻¹, X ∈ ℝ^(n×m), ‖x‖₂²") == \
        "dL/dW = (A + A')x .* sigma(z)^-1, X in R^(nxm), ||x||_2^2"
    assert asciify("α 𝟏 W₁₂ S⁺ é") == "alpha 1 W_12 S^+ e"


def test_a_broadcast_warning_goes_to_stderr_and_stdout_stays_the_result():
    out = run("diff", "x'*A*x + x", "--wrt", "x", "--json", check_exit=0)
    assert json.loads(out.stdout)["derivatives"][0]["wrt"] == "x"
    assert out.stderr.startswith("matcalc: warning: the scalar x'*A*x is added to (or "
                                 "subtracted from) a vector")
    assert "(x'*A*x)*ones(n)" in out.stderr


# regression: the broadcast warning reached stderr only, not a program reading --json
@pytest.mark.parametrize("command", ["diff", "hessian"])
def test_json_carries_the_broadcast_warnings_and_none_when_there_are_none(command):
    data = json.loads(run(command, "x'*(x + c)", "--wrt", "x", "--json", check_exit=0).stdout)
    (message,) = data["warnings"]
    assert message.startswith("the scalar c is added to (or subtracted from) a vector (n×1)")
    assert "c*ones(n)" in message
    assert json.loads(run(command, "x'*x", "--wrt", "x", "--json", check_exit=0).stdout)[
        "warnings"] == []


# regression: the function was L with --steps (the derivation's name) and f without
@pytest.mark.parametrize("expr,wrt,var,name", [
    ("norm2(W2*tanh(W1*x) - t)^2", "W1", [], "L"),  # a network: a backward pass, L
    ("logdet(X)", "X", [], "f"),  # a matrix function: the differential, f
    ("tanh(A*tanh(B*x))", "x", [], "o"),  # a chain of layers: x → h₁ → o
    ("log(det(X)) + f*tr(X)", "X", [], "g"),  # f is taken by a symbol
    ("A*X*B", "X", [], "F"),  # a matrix
    ("x'*S*x", "x", ["S: matrix(n, n) symmetric"], "L"),  # derived with a plain S
])
def test_the_function_has_the_same_name_with_and_without_steps(expr, wrt, var, name):
    args = ["diff", expr, "--wrt", wrt, *(a for v in var for a in ("--var", v))]
    for steps in ([], ["--steps"]):
        out = run(*args, *steps, check_exit=0).stdout
        assert out.startswith(f"{name} = ") and (f"∂{name}/∂" in out or f"∂vec {name}/" in out)
    assert json.loads(run(*args, "--json", check_exit=0).stdout)["name"] == name
    for steps in ([], ["--steps"]):  # the Hessian's: the name its gradient's derivation gives
        if name in "Lfg":
            out = run("hessian", expr, "--wrt", wrt, *args[4:], *steps, check_exit=0).stdout
            assert out.startswith(f"{name} = ") and f"∂²{name}/∂" in out, out


# regression: the function's note was printed after its where block, on a name's line
def test_the_function_line_is_written_out_with_its_note_on_it():
    out = run("diff", "sum(softmax(A*x).*log(softmax(A*x)))", "--wrt", "x", check_exit=0).stdout
    assert out.startswith("L = sum(softmax(Ax) ⊙ log(softmax(Ax)))    (a scalar)\n")
    result = [line for line in out.splitlines() if line.startswith("∂L/∂x = ")]
    assert result and result[0].endswith("[denominator layout, m×1]")


def test_a_derivative_by_a_structured_matrix_takes_structure():
    out = run("diff", "x'*S*x", "--wrt", "S", "--var", "S: matrix(n, n) symmetric",
              "--structure", "symmetric", "--check", check_exit=0)
    assert "∂L/∂S = 2xxᵀ − diag(x²)" in out.stdout and "symmetric, n×n]" in out.stdout
    assert "check ok" in out.stdout
    out = run("check", "x'*D*x", "--wrt", "D", "--var", "D: matrix(n, n) diagonal",
              "--structure", "diagonal", check_exit=0)
    assert "diag(x²)" in out.stdout
    out = run("diff", "x'*S*x", "--wrt", "S", "--structure", "symmetric", "--steps",
              check_exit=2)
    assert "--steps derive the unstructured derivative" in out.stderr


def test_without_wrt_diff_and_check_take_every_variable_in_name_order():
    out = run("diff", "x'*A*x", check_exit=0)
    assert out.stdout.index("∂L/∂A = xxᵀ") < out.stdout.index("∂L/∂x = (A + Aᵀ)x")
    out = run("check", "x'*A*x", check_exit=0)
    assert out.stdout.count("check ok") == 2
    out = run("hessian", "x'*A*x", check_exit=2)
    assert "--wrt" in out.stderr
    out = run("check", "2", check_exit=2)
    assert "'2' has no variables to differentiate by" in out.stderr
