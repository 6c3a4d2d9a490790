"""Renderers registered from above: core's values print themselves without importing upward.

``matcalc.printing`` registers "text", "latex" and "rich" when it is imported, and
``matcalc.interop`` registers "sympy"; ``import matcalc`` loads neither (start-up), so the
first render of a kind imports the package that provides it, by its name.  This is the one
place core reaches a higher layer, and it does so by a name.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from matcalc.core.errors import MatcalcError

RENDERERS: dict[str, Callable[[Any], Any]] = {}
#: the package whose import registers each kind
PROVIDERS = {"text": "matcalc.printing", "latex": "matcalc.printing", "rich": "matcalc.printing",
             "sympy": "matcalc.interop"}


def register(kind: str, renderer: Callable[[Any], Any]) -> None:
    RENDERERS[kind] = renderer


def render(kind: str, value: Any) -> Any:
    if kind not in RENDERERS and kind in PROVIDERS:
        import_module(PROVIDERS[kind])
    try:
        renderer = RENDERERS[kind]
    except KeyError:
        raise MatcalcError(f"internal: no {kind} renderer is registered; import matcalc") from None
    return renderer(value)
