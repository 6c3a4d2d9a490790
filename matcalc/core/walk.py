"""Iterative walks over expression DAGs: no recursion, so a 5,000-layer network is fine.

The walks need only a node's ``args``, so they sit below the node classes."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

T = TypeVar("T")
Node = Any  #: anything with a tuple of child nodes in ``args`` (an Expr)
def postorder(root: Node, children: Callable[[Node], Any] | None = None) -> list[Node]:
    """Every distinct node once, children before parents; ``children``: a node's children
    if not its ``args``."""
    seen: set[int] = set()
    order: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.args if children is None else children(node)):
            if id(child) not in seen:
                stack.append((child, False))
    return order


def fold(root: Node, rule: Callable[[Node, list[T]], T], memo: dict[Node, T] | None = None) -> T:
    """Bottom-up map: ``rule(node, [results of its children])``, each distinct node once."""
    results: dict[Node, T] = {} if memo is None else memo
    for node in postorder(root):
        if node not in results:
            results[node] = rule(node, [results[c] for c in node.args])
    return results[root]


def cached_fold(
    root: Node, rule: Callable[[Node, list[T]], T], cache: "dict[Node, T]"
) -> T:
    """Like :func:`fold`, but never descends below a node that ``cache`` already holds."""
    if root in cache:
        return cache[root]
    stack: list[tuple[Node, bool]] = [(root, False)]
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
