"""Interop with SymPy: ``from_sympy`` reads SymPy matrix expressions, ``to_sympy`` writes them.

Importing this package registers ``Expr.to_sympy``'s converter with ``matcalc.core.render``.
"""

from matcalc.core.render import register
from matcalc.interop.from_sympy import from_sympy
from matcalc.interop.to_sympy import to_sympy

register("sympy", to_sympy)

__all__ = ["from_sympy", "to_sympy"]
