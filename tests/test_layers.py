"""The package's layers: imports only go down, no cycle, no function-level import, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import matcalc

from .layering import LAYERS, check_layers

PACKAGE = Path(matcalc.__file__).parent
MAX_LINES = 600


def test_imports_only_go_down_with_no_cycle_and_no_function_level_import():
    violations = check_layers(PACKAGE)
    assert not violations, "\n".join(map(str, violations))


def test_every_layer_is_a_folder_of_the_package():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(LAYERS)


def test_no_module_is_longer_than_six_hundred_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules along a line a reader can see: {long}"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in {p.parent for p in root.rglob("*.py")} | {root}:
        (folder / "__init__.py").touch()
    return root


def test_the_checker_finds_an_upward_import(tmp_path):
    root = _package(tmp_path, {"core/expr.py": "from pkg.printing.text import to_text\n",
                               "printing/text.py": "def to_text(e): ...\n"})
    (found,) = check_layers(root)
    assert found.module == "pkg.core.expr" and "upward import of pkg.printing.text" in found.message


def test_the_checker_finds_a_function_level_import(tmp_path):
    root = _package(tmp_path, {
        "rules/a.py": "def f():\n    from pkg.rules import b\n    return b\n",
        "rules/b.py": "X = 1\n"})
    messages = [v.message for v in check_layers(root)]
    assert messages == ["function-level import of pkg.rules.b"]


def test_the_checker_finds_a_relative_upward_import_and_a_cycle(tmp_path):
    root = _package(tmp_path, {
        "engine/a.py": "from . import b\nfrom ..faces import cli\n",
        "engine/b.py": "from .a import x\n",
        "faces/cli.py": "",
    })
    messages = sorted(v.message for v in check_layers(root))
    assert messages == ["import cycle: pkg.engine.a -> pkg.engine.b -> pkg.engine.a",
                        "upward import of pkg.faces.cli (engine may not import faces)"]


def test_the_checker_accepts_downward_imports(tmp_path):
    root = _package(tmp_path, {"core/expr.py": "X = 1\n",
                               "faces/cli.py": "from pkg.core.expr import X\n"})
    assert check_layers(root) == []


def test_no_private_name_is_imported_from_another_module():
    private = []
    for root in (PACKAGE, PACKAGE.parent / "tests"):
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matcalc"):
                    private += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                                if a.name.startswith("_") and not a.name.startswith("__")]
    assert not private, f"make these public or keep them inside their module: {private}"
