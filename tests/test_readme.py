"""Every example in README is executed; the quick-start commands are the ones that work."""

import doctest
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_examples_run_and_print_what_they_show():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20
    assert result.failed == 0


def quick_start_commands():
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands():
    assert len(quick_start_commands()) == 2


def test_ci_runs_the_readme_test_command():
    install, run = quick_start_commands()[1].split(" && ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert run in ci
    assert 'pip install' in ci and '-e ".[dev]"' in ci and '-e ".[dev]"' in install


def test_the_main_job_derives_and_checks():
    command = quick_start_commands()[0]
    assert command.endswith("python -m matcalc demo")
    out = subprocess.run([sys.executable, "-m", "matcalc", "demo"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("check ok") == 3
    assert "dL =" in out.stdout and "identification" in out.stdout
    assert "2((1 − tanh(W₁x)²) ⊙ (W₂ᵀ(W₂ tanh(W₁x) − t)))xᵀ" in out.stdout


def test_module_help_and_bad_command():
    ok = subprocess.run([sys.executable, "-m", "matcalc"], capture_output=True, text=True,
                        cwd=ROOT, timeout=60)
    assert ok.returncode == 0 and "demo" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "matcalc", "nope"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "unknown command" in bad.stderr and "Traceback" not in bad.stderr
