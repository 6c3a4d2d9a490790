"""matcalc → SymPy, node by node, read from the node specs and the function table.

Arrays become SymPy matrix expressions, scalars SymPy scalars (a 1×1 matrix product stays a 1×1
``MatMul``, and is written ``M[0, 0]`` where SymPy needs a scalar).  The forms of the operations
SymPy has no class for (sum, softmax, …) are in ``matcalc.core.sympy_forms``.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
from sympy.matrices.expressions.kronecker import KroneckerProduct
from sympy.matrices.expressions.special import OneMatrix

from matcalc.core.errors import MatcalcError, UnsupportedError
from matcalc.core.expr import Add, Const, Expr, Func, MatMul, Mul, Ones, Pow, Transpose
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet, SecondKroneckerForm
from matcalc.core.nodes import (
    NODE_TYPES, Commutation, Differential, Identity, Kron, Partial, PendingDifferential, Symbol,
    Unary, Zero,
)  # fmt: skip
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


def _symbol(node: Symbol, args: list[Any]) -> sympy.Basic:
    if node.is_scalar:
        return sympy.Symbol(node.name)
    return sympy.MatrixSymbol(node.name, node.rows, node.cols)


def _constant_array(node: Expr, args: list[Any]) -> sympy.Basic:
    if node.is_scalar:
        return sympy.Integer(0 if isinstance(node, Zero) else 1)
    if isinstance(node, Identity):
        return sympy.Identity(node.rows)
    return (OneMatrix if isinstance(node, Ones) else sympy.ZeroMatrix)(node.rows, node.cols)


def _add(node: Expr, args: list[Any]) -> sympy.Basic:
    if node.is_scalar:
        return sympy.Add(*(scalar(a) for a in args))
    return sympy.MatAdd(*args)


def _pow(node: Pow, args: list[Any]) -> sympy.Basic:
    if node.is_scalar:
        return sympy.Pow(scalar(args[0]), node.exponent)
    return HadamardPower(args[0], node.exponent)


def _kron(node: Expr, args: list[Any]) -> sympy.Basic:
    if node.args[0].is_scalar or node.args[1].is_scalar:
        return _products(Mul.new(*node.args), args)
    return KroneckerProduct(*args)


def _placeholder(node: Expr, args: list[Any]) -> sympy.Basic:
    raise UnsupportedError(
        f"{type(node).__name__} {node} stands for a differential or a named derivative in a "
        "derivation and has no SymPy counterpart; convert the derivation's result instead")


def _operation(node: Unary, args: list[Any]) -> sympy.Basic:
    """A one-argument node, as its spec row says."""
    spec = node.spec
    if node.args[0].is_scalar and spec.sympy_scalar is not None:
        return spec.sympy_scalar(scalar(args[0]))
    result = None if spec.sympy is None else spec.sympy(node, args[0])
    if result is None:
        along = f" along axis {node.axis}" if getattr(node, "axis", None) is not None else ""
        raise UnsupportedError(
            f"the matcalc node {type(node).__name__}{along} has no SymPy counterpart")
    return result


def _none(node: Expr, args: list[Any]) -> sympy.Basic:
    raise UnsupportedError(f"the matcalc node {type(node).__name__} has no SymPy counterpart")


#: node type -> its SymPy form from the forms of its arguments
TO_SYMPY: dict[type, Callable[[Any, list[Any]], sympy.Basic]] = {
    Symbol: _symbol,
    Const: lambda node, args: node.value,
    Identity: _constant_array,
    Ones: _constant_array,
    Zero: _constant_array,
    Add: _add,
    Mul: _products,
    MatMul: _products,
    Pow: _pow,
    Func: lambda node, args: elementwise(node.name, args[0], node.is_scalar),
    Transpose: lambda node, args: args[0] if node.args[0].is_scalar else sympy.Transpose(args[0]),
    Kron: _kron,
    Commutation: _none,
    Frechet: _none,
    SecondFrechet: _none,
    SecondKroneckerForm: _none,
    Differential: _placeholder,
    PendingDifferential: _placeholder,
    Partial: _placeholder,
    **{cls: _operation for cls in NODE_TYPES if issubclass(cls, Unary)},
}


def _to_sympy_node(node: Expr, args: list[Any]) -> sympy.Basic:
    return TO_SYMPY[type(node)](node, args)
