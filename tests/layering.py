"""The import rules of the package, read from its source with ast (nothing is imported).

Layers, bottom to top; a module may import from its own layer and the layers below it:

    core < printing < interop < rules < engine < explain < numeric < faces < (the package)

Within a layer the imports form no cycle, and no module imports a matcalc module inside a
function (a function-level import is how a cycle hides).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

#: modules imported in the one function that needs them, named without the package and still
#: counted for layers and cycles: one that needs an optional extra, so that the package loads
#: without it (``matcalc serve`` and Starlette), and the CLI's engine-backed parts, so that
#: ``matcalc --help``, ``--version`` and a usage error answer before SymPy and numpy load
OPTIONAL = ("faces.web.app", "faces.report", "faces.demo")
LAYERS = ("core", "printing", "interop", "rules", "engine", "explain", "numeric", "faces")
TOP = len(LAYERS)  # matcalc/__init__.py and __main__.py


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.message}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str, package: str) -> int:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return TOP
    return LAYERS.index(parts[1])


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(tree: ast.Module, module: str, is_package: bool, modules: set[str]):
    """(imported module, line, at module level) for every import of the package's modules."""
    top_level = set()
    for stmt in tree.body:
        top_level.add(id(stmt))
        if isinstance(stmt, ast.If):  # `if TYPE_CHECKING:` blocks count as module level
            top_level.update(id(s) for s in ast.walk(stmt))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            # `from pkg import sub` imports the submodule pkg.sub when there is one
            targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            targets = targets or [base]
        else:
            continue
        for target in targets:
            if target in modules:
                yield target, node.lineno, id(node) in top_level


def check_layers(root: Path) -> list[Violation]:
    """Every upward import, function-level import and import cycle in the package at ``root``."""
    package = root.name
    files = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    violations: list[Violation] = []
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        own = layer_of(module, package)
        for target, line, module_level in _imports(tree, module, path.name == "__init__.py",
                                                   set(files)):
            if not module_level and target.partition(".")[2] not in OPTIONAL:
                violations.append(Violation(module, line, f"function-level import of {target}"))
            if layer_of(target, package) > own:
                violations.append(Violation(
                    module, line, f"upward import of {target} "
                    f"({_layer_name(own)} may not import {_layer_name(layer_of(target, package))})"))
            if target != module and not module.startswith(target + "."):
                graph[module].add(target)  # a package importing its own parent is not a cycle
    for cycle in _cycles(graph):
        violations.append(Violation(cycle[0], 0, "import cycle: " + " -> ".join(cycle)))
    return violations


def _layer_name(layer: int) -> str:
    return LAYERS[layer] if layer < TOP else "the package"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan; the package is small, recursion is fine
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [c + [c[0]] for c in components]
