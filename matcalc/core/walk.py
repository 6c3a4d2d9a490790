"""Iterative walks over expression DAGs: no recursion, so a 5,000-layer network is fine."""

from __future__ import annotations

from typing import Callable, TypeVar

from matcalc.core.expr import Expr

T = TypeVar("T")


def postorder(root: Expr) -> list[Expr]:
    """Every distinct node once, children before parents."""
    seen: set[int] = set()
    order: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.args):
            if id(child) not in seen:
                stack.append((child, False))
    return order


def fold(root: Expr, rule: Callable[[Expr, list[T]], T], memo: dict[Expr, T] | None = None) -> T:
    """Bottom-up map: ``rule(node, [results of its children])``, each distinct node once."""
    results: dict[Expr, T] = {} if memo is None else memo
    for node in postorder(root):
        if node not in results:
            results[node] = rule(node, [results[c] for c in node.args])
    return results[root]


def cached_fold(
    root: Expr, rule: Callable[[Expr, list[T]], T], cache: "dict[Expr, T]"
) -> T:
    """Like :func:`fold`, but never descends below a node that ``cache`` already holds."""
    if root in cache:
        return cache[root]
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in cache:
            continue
        if expanded:
            cache[node] = rule(node, [cache[c] for c in node.args])
            continue
        stack.append((node, True))
        for child in reversed(node.args):
            if child not in cache:
                stack.append((child, False))
    return cache[root]
