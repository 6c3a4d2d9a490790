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


def test_the_main_job_is_the_cli_derivation_with_steps_and_a_check():
    import shlex

    from tests.test_cli import MAIN_JOB

    install, command = quick_start_commands()[0].split(" && ")
    assert install == "pip install ."
    words = shlex.split(command)
    assert words[0] == "matcalc" and words[1:] == MAIN_JOB  # test_cli runs exactly this
    out = subprocess.run([sys.executable, "-m", "matcalc", *words[1:]], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "check ok" in out.stdout and "diagonal matrix to Hadamard" in out.stdout


def test_module_help_and_bad_command():
    ok = subprocess.run([sys.executable, "-m", "matcalc"], capture_output=True, text=True,
                        cwd=ROOT, timeout=60)
    assert ok.returncode == 0 and "demo" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "matcalc", "nope"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr


def command_line_examples():
    text = README.read_text()
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.+?)\n```", section, re.S).group(1)
    for line in block.splitlines():
        command, _, expected = line.partition("#")
        yield command.strip(), expected.strip()


def test_every_command_line_example_runs_and_prints_what_its_comment_says():
    import shlex

    examples = list(command_line_examples())
    assert len(examples) >= 5
    for command, expected in examples:
        words = shlex.split(command)
        assert words[0] == "matcalc"
        out = subprocess.run([sys.executable, "-m", "matcalc", *words[1:]], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 0, (command, out.stderr)
        assert expected in out.stdout, (command, expected, out.stdout)


def test_benchmark_numbers_in_readme_come_from_results():
    text = README.read_text()
    section = text[text.index("## Benchmarks"):text.index("## How it works")]
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    # times quoted as "N ms" and the decimals of the evaluation table (ms, median (min–max));
    # ratios (N×) are derived from them
    numbers = re.findall(r"\d+(?:\.\d+)? ms", section) + re.findall(
        r"(?<![\w.])\d+\.\d+(?![\w.×])", section)
    assert len(numbers) >= 16
    missing = [n for n in numbers if n not in results]
    assert not missing, f"README quotes {missing}, which benchmarks/RESULTS.md does not have"
    assert "pip install -e \".[bench]\" && python benchmarks/run.py" in section
