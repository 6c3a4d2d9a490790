"""Renderers registered from above: core's values print themselves without importing upward.

``matcalc.printing`` registers "text", "latex" and "rich" when it is imported, and
``matcalc.interop`` registers "sympy"; importing ``matcalc`` imports both, so a node always
finds them.  This is the one place core reaches a higher layer, and it does so by a name.
"""

from __future__ import annotations

from typing import Any, Callable

from matcalc.core.errors import MatcalcError

RENDERERS: dict[str, Callable[[Any], Any]] = {}


def register(kind: str, renderer: Callable[[Any], Any]) -> None:
    RENDERERS[kind] = renderer


def render(kind: str, value: Any) -> Any:
    try:
        renderer = RENDERERS[kind]
    except KeyError:
        raise MatcalcError(f"internal: no {kind} renderer is registered; import matcalc") from None
    return renderer(value)
