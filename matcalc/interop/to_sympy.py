"""matcalc → SymPy, node by node, read from the node specs and the function table.

Arrays become SymPy matrix expressions, scalars SymPy scalars (a 1×1 matrix product stays a 1×1
``MatMul``, and is written ``M[0, 0]`` where SymPy needs a scalar).  The forms of the operations
SymPy has no class for (sum, softmax, …) are in ``matcalc.core.sympy_forms``.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
from sympy.matrices.expressions.kronecker import KroneckerProduct
from sympy.matrices.expressions.special import OneMatrix

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.nodes import Differential, PendingDifferential, Identity, Kron, Partial, Symbol, Unary, Zero
from matcalc.core.sympy_forms import elementwise, scalar
from matcalc.core.walk import fold


def to_sympy(expr: Expr) -> sympy.Basic:
    """Convert a matcalc expression to the equivalent SymPy expression.

    Arrays become SymPy matrix expressions, scalars SymPy scalars (a 1×1 matrix product stays a
    1×1 ``MatMul``, and is written ``M[0, 0]`` where SymPy needs a scalar).  Raises
    :class:`UnsupportedError` for nodes with no SymPy counterpart.  See ``matcalc.interop``.
    """
    if not isinstance(expr, Expr):
        raise MatcalcError(f"to_sympy needs a matcalc expression, got a {type(expr).__name__}")
    return fold(expr, _to_sympy_node)


def _scaled(c: sympy.Expr, M: sympy.Basic) -> sympy.Basic:
    """c * M as a MatMul with a scalar coefficient, flat when M is a product."""
    if isinstance(M, sympy.MatMul):
        return sympy.MatMul(c, *M.args)
    return sympy.MatMul(c, M)


def _products(node: Expr, args: list[Any]) -> sympy.Basic:
    # scalars (in a matrix product: a 1×1 factor between a column and a row) scale the
    # product of the arrays
    scalars = [scalar(a) for a, n in zip(args, node.args) if n.is_scalar]
    arrays = [a for a, n in zip(args, node.args) if not n.is_scalar]
    coefficient = sympy.Mul(*scalars)
    if not arrays:
        return coefficient
    combine = HadamardProduct if isinstance(node, Mul) else sympy.MatMul
    array = arrays[0] if len(arrays) == 1 else combine(*arrays)
    return array if coefficient == 1 else _scaled(coefficient, array)


def _to_sympy_node(node: Expr, args: list[Any]) -> sympy.Basic:
    if isinstance(node, Symbol):
        if node.is_scalar:
            return sympy.Symbol(node.name)
        return sympy.MatrixSymbol(node.name, node.rows, node.cols)
    if isinstance(node, Const):
        return node.value
    if isinstance(node, (Identity, Ones, Zero)):
        if node.is_scalar:
            return sympy.Integer(0 if isinstance(node, Zero) else 1)
        if isinstance(node, Identity):
            return sympy.Identity(node.rows)
        return (OneMatrix if isinstance(node, Ones) else sympy.ZeroMatrix)(node.rows, node.cols)
    if isinstance(node, Add):
        if node.is_scalar:
            return sympy.Add(*(scalar(a) for a in args))
        return sympy.MatAdd(*args)
    if isinstance(node, (Mul, MatMul)):
        return _products(node, args)
    if isinstance(node, Pow):
        if node.is_scalar:
            return sympy.Pow(scalar(args[0]), node.exponent)
        return HadamardPower(args[0], node.exponent)
    if isinstance(node, Func):
        return elementwise(node.name, args[0], node.is_scalar)
    if isinstance(node, Transpose):
        return args[0] if node.args[0].is_scalar else sympy.Transpose(args[0])
    if isinstance(node, Kron):
        if node.args[0].is_scalar or node.args[1].is_scalar:
            return _products(Mul.new(*node.args), args)
        return KroneckerProduct(*args)
    if isinstance(node, (Differential, PendingDifferential, Partial)):
        raise UnsupportedError(
            f"{type(node).__name__} {node} stands for a differential or a named derivative in a "
            "derivation and has no SymPy counterpart; convert the derivation's result instead"
        )
    if isinstance(node, Unary):
        spec = node.spec
        if node.args[0].is_scalar and spec.sympy_scalar is not None:
            return spec.sympy_scalar(scalar(args[0]))
        if spec.sympy is not None:
            return spec.sympy(node, args[0])
    raise UnsupportedError(f"the matcalc node {type(node).__name__} has no SymPy counterpart")
