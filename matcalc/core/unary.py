"""The one-argument operations' base class: a node whose spec row names the argument it takes
and the shape of its result."""

from __future__ import annotations

from typing import Any, ClassVar

from matcalc.core.errors import ShapeError
from matcalc.core.expr import Expr, as_expr, describe
from matcalc.core.shapes import ONE, SCALAR, Shape, is_square_shape
from matcalc.core.spec import NodeSpec


class Unary(Expr):
    """A one-argument operation such as tr, det or inv; its row says which arguments it takes
    (``argument``: "any", "square" or "vector") and its result's shape (``result``)."""

    __slots__ = ()
    spec: ClassVar[NodeSpec]

    @classmethod
    def new(cls, a: Any) -> Expr:
        a = as_expr(a)
        return cls._make((a,), (), unary_shape(cls.spec, a))

    @property
    def arg(self) -> Expr:
        return self.args[0]


def unary_shape(spec: NodeSpec, a: Expr) -> Shape:
    """The shape of ``spec``'s operation on ``a``, or a ShapeError naming the operation."""
    if spec.argument == "square" and not is_square_shape(a.shape):
        raise ShapeError(f"{spec.call} needs a square matrix, got {describe(a)}")
    if spec.argument == "vector" and a.cols != ONE:
        raise ShapeError(f"{spec.call} needs a column vector, got {describe(a)}")
    return {
        "scalar": lambda: SCALAR,
        "same": lambda: a.shape,
        "diagonal": lambda: (a.rows, a.rows),
        "diagonal part": lambda: (a.rows, ONE),
        "vec": lambda: (a.rows * a.cols, ONE),
        "transposed": lambda: (a.cols, a.rows),
        "kronecker": lambda: (a.rows * a.rows, a.cols * a.cols),
    }[spec.result]()
