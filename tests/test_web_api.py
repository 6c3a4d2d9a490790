"""The web app over HTTP, as a client sees it: ``matcalc serve`` started on a free local port,
the page, the JSON API (gradient, Hessian, layouts, steps, checks, code), and bad input of
every kind (a parse error points at its spot, a body that is not JSON, an oversized expression,
Python in the expression, a derivation over the time limit), after which the server still
answers.  README's curl example is posted as README shows it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("latex2mathml")

from tests.web_server import ROOT, request, running_server  # noqa: E402

MAIN_JOB = {"expr": "norm2(W2*tanh(W1*x) - t)^2", "wrt": "W1", "steps": True, "check": True,
            "code": True}
#: a Hessian of a 4-layer network with its steps and checks: seconds of work
SLOW = {"expr": "norm2(tanh(W4*tanh(W3*tanh(W2*tanh(W1*x)))) - t)^2", "wrt": "x", "order": 2,
        "steps": True, "check": True, "code": True}


@pytest.fixture(scope="module")
def server():
    with running_server() as s:
        yield s
    assert s.process.returncode == 0, "".join(s.stderr)


def test_the_page_has_its_elements_one_script_file_and_no_inline_script(server):
    status, headers, body = server.get("/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    for element in ('id="expr"', 'id="expr-warnings"', 'id="result"', 'id="steps"', 'id="code"', 'id="check"'):
        assert element in page
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts == ['<script src="/static/app.js" defer>']
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page)  # no inline event handlers
    status, headers, script = server.get("/static/app.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert b"eval(" not in script and b"new Function" not in script


def test_every_answer_has_the_security_headers(server):
    for status, headers, _ in (server.get("/"), server.get("/static/style.css"),
                               server.post({"expr": "x'*A*x", "wrt": "x"}),
                               server.post(b"{", "application/json"), server.get("/nope")):
        csp = headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert script_src == "'self'" and "unsafe-inline" not in csp, csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"


def test_a_gradient_comes_as_text_unicode_latex_and_mathml(server):
    status, _, data = server.post({"expr": "x'*A*x", "wrt": "x"})
    assert status == 200
    (d,) = data["derivatives"]
    assert d["result"] == "(A + A.T) @ x" and d["unicode"] == "(A + Aᵀ)x"
    assert d["latex"] == r"\left(A + A^{\top}\right) x" and d["layout"] == "denominator"
    assert d["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert d["shape"] == ["n", "1"] and d["lhs"] == "∂L/∂x"
    assert [(v["name"], v["kind"], v["dims"]) for v in data["variables"]] == [
        ("A", "matrix", ["n", "n"]), ("x", "vector", ["n"])]


@pytest.mark.parametrize("layout,expected,transposed", [
    ("denominator", "W.T", True), ("numerator", "W", False), ("mixed", "W", False)])
def test_the_layout_is_the_one_asked_for(server, layout, expected, transposed):
    status, _, data = server.post({"expr": "W*x", "wrt": "x", "layout": layout})
    (d,) = data["derivatives"]
    (W,) = [v for v in data["variables"] if v["name"] == "W"]
    shape = W["dims"][::-1] if transposed else W["dims"]
    assert status == 200 and (d["result"], d["shape"], d["layout"]) == (expected, shape, layout)


def test_a_hessian_and_a_mixed_hessian_checked(server):
    status, _, data = server.post({"expr": "logsumexp(x)", "wrt": "x", "order": 2,
                                   "check": True})
    (d,) = data["derivatives"]
    assert status == 200 and d["unicode"] == "diag(softmax(x)) − softmax(x) softmax(x)ᵀ"
    assert d["lhs"] == "∂²L/∂x∂xᵀ" and d["check"]["ok"] and data["ok"] is True
    # the answer has the shape of a gradient's, as hessian --json has diff --json's
    status, _, gradient = server.post({"expr": "logsumexp(x)", "wrt": "x", "check": True})
    assert set(gradient) == set(data) and set(gradient["derivatives"][0]) == set(d)
    status, _, data = server.post({"expr": "x'*A*y", "wrt": ["x", "y"], "order": 2})
    assert status == 200 and data["derivatives"][0]["result"] == "A"
    # regression: the page always asks for steps, and a mixed Hessian has no derivation yet:
    # the answer was an error, so the page could not show a mixed Hessian at all
    status, _, data = server.post({"expr": "x'*A*y", "wrt": ["x", "y"], "order": 2,
                                   "steps": True})
    assert status == 200 and data["derivatives"][0]["result"] == "A"
    assert "steps" not in data["derivatives"][0]
    status, _, data = server.post({"expr": "x'*A*x", "wrt": "x", "order": 2,
                                   "layout": "numerator"})
    assert status == 400 and "no layout" in data["error"]["message"]


def test_steps_check_and_code_of_the_main_job(server):
    status, _, data = server.post(MAIN_JOB)
    assert status == 200 and data["ok"] is True
    (d,) = data["derivatives"]
    rules = [s["rule"] for s in d["steps"]]
    assert rules[0] == "the function" and "diagonal matrix to Hadamard product" in rules
    assert all(s["mathml"] and s["lhs_mathml"] for s in d["steps"])
    assert d["check"]["ok"] and d["check"]["max_rel_error"] < 1e-6
    assert set(data["code"]) == {"numpy", "jax", "torch"}  # every backend the generator has
    for backend, source in data["code"].items():
        assert "def f_and_grad(" in source, backend
        compile(source, f"<{backend}>", "exec")
    assert 'if __name__ == "__main__":' in data["code"]["numpy"]  # numpy's file checks itself
    assert "import jax" in data["code"]["jax"] and "import torch" in data["code"]["torch"]


def test_a_backend_that_lacks_an_operation_says_so_in_its_tab(server):
    status, _, data = server.post({"expr": "tr(logm(X))", "wrt": "X", "code": True,
                                   "vars": ["X: matrix(n, n) spd"]})
    assert status == 200
    assert data["code"]["torch"].startswith("# torch: ") and "logm" in data["code"]["torch"]
    compile(data["code"]["numpy"], "<numpy>", "exec")


def test_without_wrt_the_answer_is_the_variables_with_kinds_and_declarations(server):
    status, _, data = server.post({"expr": "x'*S*x + c", "vars": ["S: matrix(n, n) spd"]})
    assert status == 200 and data["derivatives"] == []
    assert {v["name"]: (v["kind"], v["properties"]) for v in data["variables"]} == {
        "S": ("matrix", ["spd"]), "c": ("scalar", []), "x": ("vector", [])}
    status, _, data = server.post({"expr": "x'*S*x", "wrt": "x",
                                   "vars": ["S: matrix(n, n) symmetric"]})
    assert data["derivatives"][0]["result"] == "2 * (S @ x)"


# regression: the broadcast warning of the command line was missing from the web answer
def test_the_answer_carries_the_broadcast_warnings(server):
    for body in ({"expr": "x + c"}, {"expr": "x'*(x + c)", "wrt": "x"},
                 {"expr": "x'*(x + c)", "wrt": "x", "order": 2}):
        status, _, data = server.post(body)
        assert status == 200, data
        (message,) = data["warnings"]
        assert message.startswith("the scalar c is added to (or subtracted from) a vector")
    status, _, data = server.post({"expr": "1 - x", "wrt": "x"})  # a number: idiom, no warning
    assert status == 200 and data["warnings"] == []
    # regression: each warning was also printed to the server's log, with the expression
    assert "BroadcastWarning" not in "".join(server.stderr)


def test_a_parse_error_is_400_with_the_position_of_the_spot(server):
    status, _, data = server.post({"expr": "x'*A*x +", "wrt": "x"})
    error = data["error"]
    assert status == 400 and error["type"] == "ParseError" and error["position"] == 8
    assert error["message"] and error["caret"] == "        ^"
    status, _, data = server.post({"expr": "2x + y", "wrt": "x"})
    assert status == 400 and data["error"]["position"] == 1
    assert "2*x" in data["error"]["message"]


def test_library_refusals_are_400_with_a_message(server):
    cases = [({"expr": "x'*A*x", "wrt": "z"}, "does not appear"),
             ({"expr": "A*x", "wrt": "x", "order": 2}, "scalar"),
             ({"expr": "x'*A*x", "wrt": "x", "vars": ["A: tensor(3)"]}, "cannot read"),
             ({"expr": "x + A", "wrt": "x"}, "")]
    for body, words in cases:
        status, _, data = server.post(body)
        assert status == 400, (body, data)
        assert words in data["error"]["message"] and "position" in data["error"]


@pytest.mark.parametrize("body,content_type", [
    (b"not json", "application/json"), (b'{"expr": "x"', "application/json"),
    (b"\xff\xfe", "application/json"), (b"[1, 2]", "application/json"),
    (b'"x"', "application/json"), (b'{"expr": "x\'*x", "wrt": "x"}', "text/plain"),
    (b'{"expr": "x", "eval": true}', "application/json"),
    (b'{"expr": 3}', "application/json"), (b'{"expr": "x", "wrt": [1]}', "application/json"),
    (b'{"expr": "x", "order": 3}', "application/json"),
    (b'{"expr": "x", "order": 2.0}', "application/json"),
    (b'{"expr": "x", "steps": "yes"}', "application/json"),
    # regression: a lone surrogate in a string was echoed in the error and ended in a 500
    (b'{"expr": "x\\ud800", "wrt": "x"}', "application/json"),
    (b'{"expr": "x", "wrt": "\\ud800"}', "application/json"),
    (b"[" * 50_000 + b"]" * 10_000, "application/json")])
def test_a_request_that_is_not_a_json_request_is_400(server, body, content_type):
    status, _, data = server.post(body, content_type)
    assert status == 400 and data["error"]["message"], data


def test_an_oversized_expression_or_body_is_refused(server):
    status, _, data = server.post({"expr": "x+" * 500_000 + "x", "wrt": "x"})  # 1 MB
    assert status == 413 and "limit" in data["error"]["message"]
    status, _, data = server.post({"expr": "x+" * 10_000 + "x", "wrt": "x"})  # 20 kB
    assert status == 413 and "characters" in data["error"]["message"]
    chunks = iter([b'{"expr": "'] + [b"x+" * 5_000] * 100 + [b'x"}'])  # 1 MB, no length
    status, _, data = request(server.url + "api/diff", chunks,
                              {"Content-Type": "application/json"})
    assert status == 413 and "longer than" in data["error"]["message"]


def test_python_in_the_expression_runs_nothing(server, tmp_path):
    marker = tmp_path / "pwned"
    attacks = [f"__import__('os').system('touch {marker}')",
               f"eval(\"__import__('os').system('touch {marker}')\")",
               "().__class__.__bases__[0].__subclasses__()",
               f"exec('open(\"{marker}\", \"w\")')", "lambda: 1", "x if x else y"]
    for expr in attacks:
        status, _, data = server.post({"expr": expr, "wrt": "x"})
        assert 400 <= status < 500 and data["error"]["message"], (expr, data)
        declared = server.post({"expr": "x", "wrt": "x",
                                "vars": [f"x: vector({expr})"]})
        assert 400 <= declared[0] < 500, (expr, declared)
    assert not marker.exists()


def test_a_host_that_is_not_loopback_is_refused(server):
    for host in ("attacker.example", "127.0.0.1.attacker.example:80", "[::2]:8000"):
        status, _, body = server.get("/", headers={"Host": host})
        assert status == 400 and b"localhost only" in body, host
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert server.get("/", headers={"Host": host})[0] == 200, host


def test_the_server_keeps_serving_after_all_of_it(server):
    for body in (b"{", {"expr": "x'*A*x +"}, {"expr": "x+" * 500_000}, {"expr": "__import__"}):
        assert 400 <= server.post(body)[0] < 500
    status, _, data = server.post(MAIN_JOB)
    assert status == 200 and data["ok"] is True
    assert data["derivatives"][0]["unicode"] == "2((1 − u₁²) ⊙ (W₂ᵀ(W₂u₁ − t)))xᵀ\nwhere\n  u₁ = tanh(W₁x)"


def test_a_derivation_over_the_time_limit_is_stopped_and_answered_503():
    with running_server("--time-limit", "0.05") as s:
        status, _, data = s.post({"expr": "x", "wrt": "x"})  # the fork server runs now
        # the first request's child may still be exiting: compare with a settled set
        before = _settled(s.descendants, lambda now, last: now == last)
        status, _, data = s.post(SLOW)
        assert status == 503 and data["error"]["type"] == "TimeLimitError"
        assert "took longer than 0.05 s" in data["error"]["message"]
        # the child that derived was killed, and reaped (within seconds, not left behind)
        after = _settled(s.descendants, lambda now, last: now <= before)
        assert after <= before, (before, after)
    assert s.process.returncode == 0 and "Traceback" not in "".join(s.stderr)
    assert "stopped" in "".join(s.stdout)  # ctrl-C stopped it cleanly


# regression: a request whose client had gone kept its derivation running to the time limit,
# holding one of the few slots (the page abandons a request at each pause in typing)
def test_a_derivation_whose_client_has_gone_is_stopped():
    import threading

    from matcalc.faces.web.api import validate
    from matcalc.faces.web.limits import Limits
    from matcalc.faces.web.worker import Worker

    worker = Worker(Limits(time_limit=120, concurrency=1))
    worker.warm()
    gone = threading.Event()
    answers = []
    thread = threading.Thread(target=lambda: answers.append(worker.run(validate(SLOW), gone)))
    thread.start()
    gone.set()
    thread.join(timeout=120)
    (status, data), = answers
    assert status == 499 and data["error"]["type"] == "ClientGone"
    # its slot is free again: the next request is answered
    assert worker.run(validate({"expr": "x'*x", "wrt": "x"}))[0] == 200


def _settled(read, done, timeout: float = 10.0) -> set[int]:
    """read() once done(now, previous) holds, or at the timeout; polled every 50 ms."""
    import time

    last, deadline = read(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = read()
        if done(now, last):
            return now
        last = now
    return last


def test_a_port_out_of_range_is_a_usage_error():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "matcalc", "serve", "--port", "70000"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "a port from 0 to 65535" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_path_or_method_is_answered_in_json(server):
    for status_expected, (status, headers, body) in (
            (404, server.get("/nope")), (405, server.get("/api/diff"))):
        assert status == status_expected and headers["content-type"].startswith(
            "application/json")
        assert json.loads(body)["error"]["message"]


def test_a_busy_port_is_one_line_and_exit_2(server):
    import subprocess
    import sys

    port = server.url.rstrip("/").rsplit(":", 1)[1]
    out = subprocess.run([sys.executable, "-m", "matcalc", "serve", "--port", port],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "cannot listen on 127.0.0.1:" in out.stderr
    assert "Traceback" not in out.stderr


def readme_api_example() -> tuple[dict, dict]:
    """The request in README's curl command and the answer README shows for it."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The web playground", 1)[1].split("\n## ", 1)[0]
    curl = re.search(r"```bash\n(curl .+?)\n```", section, re.S).group(1)
    words = shlex.split(curl.replace("\\\n", " "))
    assert words[0] == "curl" and "Content-Type: application/json" in words
    body = json.loads(words[words.index("-d") + 1])
    shown = json.loads(re.search(r"```json\n(.+?)\n```", section, re.S).group(1))
    return body, shown


def _contains(answer, shown) -> bool:
    """Whether every field README shows is in the answer with that value (README abridges)."""
    if isinstance(shown, dict):
        return isinstance(answer, dict) and all(
            k in answer and _contains(answer[k], v) for k, v in shown.items())
    if isinstance(shown, list):
        return isinstance(answer, list) and len(answer) == len(shown) and all(
            _contains(a, s) for a, s in zip(answer, shown))
    return answer == shown


def test_the_readme_curl_example_answers_what_readme_shows(server):
    body, shown = readme_api_example()
    status, _, data = server.post(body)
    assert status == 200 and _contains(data, shown), json.dumps(data, ensure_ascii=False)[:2000]


def test_the_static_files_are_in_the_package():
    static = Path(__import__("matcalc").__file__).parent / "faces" / "web" / "static"
    assert {p.name for p in static.iterdir()} >= {"index.html", "app.js", "style.css"}
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"matcalc.faces.web" = ["static/*"]' in pyproject


def test_the_readme_command_starts_the_server_with_the_browser_option():
    from matcalc.faces import cli

    text = (ROOT / "README.md").read_text()
    section = text.split("## The web playground", 1)[1].split("\n## ", 1)[0]
    install, command = re.search(r"```bash\n(.+?)\n```", section).group(1).split(" && ")
    assert install == 'pip install ".[web]"'
    args = cli.build_parser().parse_args(shlex.split(command)[1:])
    assert (args.command, args.host, args.port, args.open) == ("serve", "127.0.0.1", 8000, True)


def test_without_the_web_extra_serve_says_how_to_install_it():
    import subprocess
    import sys

    hide = ("import sys; sys.modules['uvicorn'] = None; from matcalc.faces import cli; "
            "sys.exit(cli.main(['serve', '--port', '0']))")
    out = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "matcalc serve needs uvicorn: pip install 'matcalc[web]'" in out.stderr
    out = subprocess.run([sys.executable, "-m", "matcalc", "serve", "--time-limit", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "--time-limit must be a positive" in out.stderr


def test_an_error_that_is_not_a_number_is_null_so_that_the_answer_is_json(monkeypatch):
    import dataclasses
    import math

    from matcalc.faces import results
    from matcalc.faces.web import api

    real = results.check
    monkeypatch.setattr(results, "check", lambda *a, **k: dataclasses.replace(
        real(*a, **k), ok=False, max_rel_error=math.nan))
    status, answer = api.answer(api.validate({"expr": "x'*A*x", "wrt": "x", "check": True}))
    assert status == 200 and answer["ok"] is False
    assert answer["derivatives"][0]["check"]["max_rel_error"] is None
    json.dumps(answer, allow_nan=False)


def test_a_result_names_its_shared_parts_in_a_typeset_where_block(server):
    status, _, data = server.post(MAIN_JOB)
    d = data["derivatives"][0]
    assert status == 200 and d["where"][0]["unicode"] == "tanh(W₁x)"
    assert d["where"][0]["mathml"].startswith("<math") and "u" in d["where"][0]["mathml"]
    assert d["mathml"].startswith("<math") and "tanh" not in d["mathml"]  # in the names


# regression: Chromium's MathML ignores mathvariant="bold", so the ones vector 𝟏 showed as 1
# and 𝟏𝟏ᵀ as 11ᵀ, a number
def test_bold_digits_and_letters_are_bold_characters_in_mathml():
    from matcalc.faces.web.mathml import to_mathml

    markup = to_mathml(r"\mathbf{1} \mathbf{1}^{\top} + \mathbf{x}")
    assert "𝟏" in markup and "𝐱" in markup and "bold" not in markup


# regression: a 3 kB product of 1600 factors was answered with 15 MB of JSON
def test_an_answer_too_large_to_show_is_413(monkeypatch):
    from matcalc.faces.web import api

    request = api.validate({"expr": "x'*" + "A*" * 30 + "x", "wrt": "A"})
    status, data = api.answer(request)
    assert status == 200 and len(json.dumps(data)) > 20_000
    monkeypatch.setattr(api, "MAX_ANSWER", 20_000)
    status, data = api.answer(request)
    assert status == 413 and "more than the page shows" in data["error"]["message"]
    assert api.answer(api.validate({"expr": "x'*A*x", "wrt": "x"}))[0] == 200


def test_a_server_on_every_interface_is_opened_on_loopback():
    import socket

    from matcalc.faces.web.serve import url_of

    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        assert url_of(sock).startswith("http://127.0.0.1:")


def test_a_check_takes_the_sizes_asked_for(server):
    body = {"expr": "log(det(X*X'))", "wrt": "X", "check": True, "sizes": {"n": 2, "m": 5}}
    status, _, data = server.post(body)
    assert status == 200 and data["derivatives"][0]["check"]["sizes"] == {"m": 5, "n": 2}
    status, _, data = server.post({**body, "order": 2, "sizes": {"n": 2, "m": 3}})
    assert status == 200 and data["derivatives"][0]["check"]["sizes"] == {"m": 3, "n": 2}
    for sizes in ({"n": 0}, {"n": "3"}, [3], {"n": 10**6}):
        status, _, data = server.post({**body, "sizes": sizes})
        assert status == 400 and "sizes must be" in data["error"]["message"]
    status, _, data = server.post({**body, "check": False})
    assert status == 400 and "send check: true" in data["error"]["message"]


# regression: the page keeps its declarations across edits, and one with a mistake (a size
# k+1) for a variable the expression no longer has refused every later expression
def test_a_declaration_of_a_name_the_expression_lacks_is_not_read(server):
    status, _, data = server.post({"expr": "norm2(y)^2", "wrt": "y",
                                   "vars": ["x: vector(k+1)", "y: vector(m)"]})
    assert status == 200 and data["derivatives"][0]["unicode"] == "2y"
    assert data["variables"][0]["spec"] == "y: vector(m)"
    status, _, data = server.post({"expr": "x'*x", "wrt": "x", "vars": ["x: vector(k+1)"]})
    assert status == 400 and "k+1" in data["error"]["message"]
