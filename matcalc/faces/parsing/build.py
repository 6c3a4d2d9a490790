"""From a syntax tree to a matcalc expression: kinds, dimension inference, construction.

Kinds follow matrixcalculus.org: a name starting with a–g is a scalar, h–z a vector, A–Z a
matrix, unless ``symbols`` says otherwise.  Dimensions are variables unified by use (union-find):
``x'*A*x`` makes A n×n.  ``*`` is the matrix product in matrixcalculus.org's syntax and the
elementwise product in Python's; in text with neither syntax's marks it is whichever of the two
the shapes allow (the matrix product when both do).
"""

from __future__ import annotations

import difflib
import itertools
import sys
from fractions import Fraction
from typing import Optional

import sympy

from matcalc.core.guards import recursion_guarded
from matcalc.core.gc_pause import gc_paused
from matcalc.core import builders as ops
from matcalc.core.errors import MatcalcError, ParseError, UndeclaredNameError
from matcalc.core.expr import Const, Expr, Func, as_expr, matmul, mul, neg
from matcalc.core.matrix_nodes import Frechet
from matcalc.core.second_order_nodes import SecondFrechet, SecondKroneckerForm
from matcalc.core.nodes import Symbol
from matcalc.core.spec import FUNCTION_NAMES
from matcalc.core.shapes import ONE
from matcalc.faces.parsing.dims import Dims, Shape
from matcalc.faces.parsing.numbers import number_power
from matcalc.faces.parsing.vocabulary import (
    FRECHET2_CALLS, FRECHET_CALLS, KNOWN, KRON2_CALLS, OPERATIONS,
)  # fmt: skip
from matcalc.faces.parsing.operators import Operators, Typed
from matcalc.faces.parsing.grammar import (
    BinOp, Call, Name, Node, Num, Postfix, Unary, children, detect_syntax, names_in, parse_tree,
)  # fmt: skip

#: the calls that take an axis= keyword (numpy's meaning, dimensions kept)
AXIS_CALLS = ("sum", "mean", "softmax", "logsumexp", "log_softmax")
#: the calls whose arguments are dimensions
DIMENSION_CALLS = ("ones", "zeros", "eye", "commutation")
PYTHON_KEYWORDS = set(__import__("keyword").kwlist)
ALTERNATIVES = {"lambda": "lam"}
ALIASES = {"trace": "tr", "transpose": "the postfix ' or .T", "inverse": "inv",
           "log_det": "logdet", "determinant": "det", "frobenius": "norm2", "norm": "norm2"}
MAX_MATRIX_POWER = 64
#: exponents are written with at most 15 digits either side of the point (10**9991 would not print)
MAX_EXPONENT = 10**15
DIM_NAMES = ("n", "m", "p", "q", "r", "k", "l", "d", "s", "t")


class Builder(Operators):
    def __init__(self, text: str, symbols: Optional[dict], syntax: str):
        self.text = text
        self.symbols = dict(symbols or {})
        self.dims = Dims()
        self.names: dict[str, tuple[Shape, Optional[Symbol]]] = {}
        self.dim_of_sympy: dict[sympy.Expr, int] = {}
        self.named_dims: dict[str, int] = {}
        self.syntax = syntax
        self.resolved: dict[int, sympy.Expr] = {}
        #: names that are dimensions (of the given symbols, or used as one in the text)
        self.dimension_names: dict[str, sympy.Symbol] = {}
        self.dimension_uses: dict[str, int] = {}
        #: every sum's operator and operand shapes, to tell broadcasts once shapes are known
        self.sums: list = []

    # -- errors and shapes ------------------------------------------------------------------------
    def error(self, message: str, pos: int) -> ParseError:
        return ParseError(message, self.text, pos)

    def src(self, node: Node) -> str:
        return self.text[node.start:node.end].strip() or "?"

    def fmt(self, shape: Shape) -> str:
        return self.dims.words(shape)

    def one(self) -> int:
        return self.dims.new(ONE)

    def scalar_shape(self) -> Shape:
        return (self.one(), self.one())

    def is_scalar(self, shape: Shape) -> bool:
        return self.dims.is_one(shape[0]) and self.dims.is_one(shape[1])

    def from_sympy_dim(self, d: sympy.Expr) -> int:
        if d == ONE:
            return self.one()
        if d not in self.dim_of_sympy:
            self.dim_of_sympy[d] = self.dims.new(d, str(d), not_one=True)
        return self.dim_of_sympy[d]

    def unify_shapes(self, a: Shape, b: Shape) -> bool:
        if not (self.dims.can_unify(a[0], b[0]) and self.dims.can_unify(a[1], b[1])):
            return False
        self.dims.unify(a[0], b[0])
        self.dims.unify(a[1], b[1])
        return True

    # -- names -------------------------------------------------------------------------------------
    def declare_dimensions(self, tree: Node) -> None:
        """The names that are dimensions: those of the given symbols' shapes, and those the text
        uses as one (ones(N), eye(m*n)).  Used as a value, such a name is its size."""
        for name, given in self.symbols.items():
            if isinstance(given, sympy.Symbol):  # given as a dimension: parse("x/n", {"n": n})
                self.dimension_names.setdefault(name, given)
            if isinstance(given, Symbol):
                for d in given.shape:
                    for s in d.free_symbols:
                        self.dimension_names.setdefault(s.name, s)
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, Call) and node.name in DIMENSION_CALLS:
                for arg in node.args:
                    for name in names_in(arg):
                        self.dimension_names.setdefault(
                            name.name, sympy.Symbol(name.name, integer=True, positive=True))
                        self.dimension_uses.setdefault(name.name, name.start)
            stack.extend(children(node))
        for name, position in self.dimension_uses.items():
            given = self.symbols.get(name)
            if isinstance(given, Symbol):
                raise self.error(
                    f"{name} is both a {_kind(given)} (as declared) and a dimension (the "
                    f"size in {self.src_of_call(position)}); rename one of them", position)

    def src_of_call(self, position: int) -> str:
        """The call a dimension is used in, from its position (ones(N))."""
        start = self.text.rfind(" ", 0, position) + 1
        end = self.text.find(")", position)
        return self.text[start:end + 1 if end >= 0 else len(self.text)].strip() or "the text"

    def name(self, node: Name) -> Typed:
        name = node.name
        given = self.symbols.get(name)
        if given is None and name in self.dimension_names:
            given = self.dimension_names[name]  # a declared or used dimension, as its size
        if isinstance(given, sympy.Symbol):  # a dimension used as a number (tr(I_n) = n)
            return Typed(self.scalar_shape(), lambda r, g=given: Const.new(g))
        if given is None and name not in self.names:
            if name == "pi":
                return Typed(self.scalar_shape(), lambda r: Const.new(sympy.pi))
            if name in ("inf", "nan"):
                raise self.error(f"{name} is not a number an expression can hold; matcalc "
                                 "computes with finite values", node.start)
            if name == "I":
                raise self.error(ops.IDENTITY_NAME, node.start)
        if name == "eye" and given is None:
            v = self.dims.new(label="the size of eye", not_one=True)
            return Typed((v, v), lambda r: ops.eye(r(v)))
        if name in KNOWN and given is None and name not in self.names:
            raise self.error(f"{name} is a function; call it as {name}(...)", node.start)
        if name not in self.names:
            if isinstance(given, Symbol) and given.name != name:
                raise self.error(f"symbols[{name!r}] is a symbol named {given.name!r}; the "
                                 "names must agree", node.start)
            if name in PYTHON_KEYWORDS:
                raise self.error(f"{name!r} is a Python keyword and cannot name a symbol; "
                                 f"write {ALTERNATIVES.get(name, name + '_')} instead", node.start)
            if isinstance(given, Symbol):
                shape = (self.from_sympy_dim(given.rows), self.from_sympy_dim(given.cols))
                self.names[name] = (shape, given)
            elif given is not None:
                raise self.error(f"symbols[{name!r}] must be a matcalc symbol", node.start)
            else:
                self.names[name] = (self.kind_shape(name, node), None)
        shape, symbol = self.names[name]

        def build(r, name=name, shape=shape, symbol=symbol):
            if symbol is not None:
                return symbol
            rows, cols = r(shape[0]), r(shape[1])
            if rows == ONE and cols == ONE:
                return ops.scalar(name)
            if cols == ONE:
                return ops.vector(name, rows)
            return ops.matrix(name, rows, cols)

        return Typed(shape, build)

    def kind_shape(self, name: str, node: Node) -> Shape:
        first = name[0]
        if "a" <= first <= "g":
            return self.scalar_shape()
        if "h" <= first <= "z":
            return (self.dims.new(label=f"the length of {name}", not_one=True), self.one())
        if "A" <= first <= "Z":
            return (self.dims.new(label=f"the rows of {name}", not_one=True),
                    self.dims.new(label=f"the columns of {name}", not_one=True))
        raise UndeclaredNameError(name, self.text, node.start)

    def dimension(self, node: Node) -> int:
        """An argument of ones/zeros/eye: a dimension name, a positive integer, or a product
        or integer power of them (``eye(m*n)``, ``eye(n**2)``, as printed results have)."""
        if isinstance(node, BinOp) and node.op == "*":
            return self.dims.new((self.dimension(node.left), self.dimension(node.right)))
        if (isinstance(node, BinOp) and node.op in ("**", "^") and isinstance(node.right, Num)
                and node.right.value.isdigit() and int(node.right.value) > 1):
            base = self.dimension(node.left)
            out = base
            for _ in range(int(node.right.value) - 1):
                out = self.dims.new((out, base))
            return out
        if isinstance(node, Num) and node.value.isdigit() and int(node.value) > 0:
            return self.from_sympy_dim(sympy.Integer(int(node.value)))
        if isinstance(node, Name):
            given = self.symbols.get(node.name)
            if isinstance(given, sympy.Symbol):
                return self.from_sympy_dim(given)
            if node.name not in self.named_dims:
                self.named_dims[node.name] = self.dims.new(
                    sympy.Symbol(node.name, integer=True, positive=True), node.name, not_one=True)
            return self.named_dims[node.name]
        raise self.error("expected a dimension (a name such as n, or a positive integer)",
                         node.start)

    # -- the tree ----------------------------------------------------------------------------------
    def visit(self, node: Node) -> Typed:
        typed = self._visit(node)
        build = typed.build

        def located(r, build=build, node=node):
            try:
                return build(r)
            except ParseError:
                raise
            except MatcalcError as e:  # report it where it happened, not at the start
                raise self.error(str(e), getattr(node, "pos", node.start)) from None

        return Typed(typed.shape, located)

    def _visit(self, node: Node) -> Typed:
        if isinstance(node, Num):
            value = float(node.value) if any(c in node.value for c in ".eE") else int(node.value)
            return Typed(self.scalar_shape(), lambda r, v=value: Const.new(v))
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            inner = self.visit(node.operand)
            if node.op == "+":
                return inner
            return Typed(inner.shape, lambda r, b=inner.build: neg(b(r)))
        if isinstance(node, Postfix):
            inner = self.visit(node.operand)
            return Typed((inner.shape[1], inner.shape[0]), lambda r, b=inner.build: b(r).T)
        if isinstance(node, BinOp):
            return self.binop(node)
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(node)  # pragma: no cover

    def _refuse_unclear_exponent(self, node: BinOp) -> None:
        """Exponents a reader could take two ways, or that mean a function: said so."""
        left, right = self.src(node.left), self.src(node.right)
        if isinstance(node.right, BinOp) and node.right.op in ("^", "**", ".^"):
            # MATLAB reads c^2^3 as (c^2)^3, Python as c^(2^3)
            inner_left = self.src(node.right.left)
            raise self.error(
                f"a power of a power is read left to right in MATLAB and right to left in "
                f"Python: write ({left}{node.op}{inner_left}){node.right.op}"
                f"{self.src(node.right.right)} or {left}{node.op}({right})", node.right.start)
        if isinstance(node.right, Postfix) and isinstance(node.right.operand, Num):
            raise self.error(f"the exponent {right} is transposed: write ({left}{node.op}"
                             f"{self.src(node.right.operand)})'", node.right.start)
        if isinstance(node.left, Name) and node.left.name == "e" and "e" not in self.symbols \
                and not self._is_number(node.right):  # e^-1 and e^(1/2) are numbers' powers
            raise self.error(f"an exponent must be a number; for e to the power {right} write "
                             f"exp({right})", node.right.start)

    def _is_number(self, node: Node) -> bool:
        try:
            self.number(node)
        except ParseError:
            return False
        return True

    def exponent(self, node: Node) -> Fraction:
        """An exact number: an exponent, or the value of vector(c) and matrix(c)."""
        value = self.number(node)
        if max(abs(value.numerator), value.denominator) >= MAX_EXPONENT:
            raise self.error(f"the number {self.src(node)} is too large or too fine here (at "
                             "most 15 digits above and below the point)", node.start)
        return value

    def number(self, node: Node) -> Fraction:
        if isinstance(node, Num):
            mantissa, _, power10 = node.value.lower().partition("e")
            if len(mantissa) > 40 or abs(int(power10 or 0)) > 40:  # before Fraction makes 10**k
                raise self.error(f"the number {node.value} is too large or too fine here (at "
                                 "most 15 digits above and below the point)", node.start)
            return Fraction(node.value)
        if isinstance(node, Unary):
            value = self.exponent(node.operand)
            return -value if node.op == "-" else value
        if isinstance(node, BinOp) and node.op in ("/", "./"):
            den = self.exponent(node.right)
            if den == 0:
                raise self.error("division by zero in an exponent", node.pos)
            return self.exponent(node.left) / den
        raise self.error("an exponent must be a number, such as 2, -1 or (1/2)", node.start)

    def power(self, node: BinOp) -> Typed:
        if node.op == "^" and isinstance(node.right, Name) and node.right.name == "T":
            inner = self.visit(node.left)  # x^T, as in many papers
            return Typed((inner.shape[1], inner.shape[0]), lambda r, b=inner.build: b(r).T)
        self._refuse_unclear_exponent(node)
        base = self.visit(node.left)
        k = self.exponent(node.right)
        b = base.build
        if node.op in ("**", ".^") or self.is_scalar(base.shape):
            return Typed(base.shape, lambda r: number_power(b(r), k))
        # matrixcalculus.org's ^ on a matrix: the matrix power
        if self.dims.is_one(base.shape[1]) or not self.dims.unify(base.shape[0], base.shape[1]):
            raise self.error(
                f"^ of {self.src(node.left)} ({self.fmt(base.shape)}) is a matrix power and "
                "needs a square matrix; use .^ for an elementwise power", node.pos)
        if k.denominator != 1:
            raise self.error("a matrix power needs an integer exponent; use .^ for an "
                             "elementwise power", node.pos)
        if abs(k) > MAX_MATRIX_POWER:
            raise self.error(f"a matrix power beyond ±{MAX_MATRIX_POWER} is not supported "
                             "(it is written out as a product)", node.pos)
        n = int(k)

        def build(r, n=n):
            m = b(r)
            if n == 0:
                return ops.eye(m.rows)
            factor = ops.inv(m) if n < 0 else m
            out = factor
            for _ in range(abs(n) - 1):
                out = matmul(out, factor)
            return out

        return Typed(base.shape, build)

    def call(self, node: Call) -> Typed:
        name, args = node.name, node.args
        if name in ("max", "min"):
            raise self.error(f"{name} is not supported (it is not differentiable where its "
                             "arguments tie); for max(x, 0) write relu(x)", node.start)
        if name not in KNOWN:
            close = [ALIASES[name]] if name in ALIASES else difflib.get_close_matches(
                name, KNOWN, n=1, cutoff=0.7)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise self.error(f"unknown function {name!r}{hint}", node.start)
        if node.keywords and name not in AXIS_CALLS:
            raise self.error(f"{name} takes no keyword arguments", node.keywords[0][0].start)
        if name in AXIS_CALLS:
            return self.along_axis(node)
        if name in ("ones", "zeros", "eye", "commutation"):
            return self.constant_array(node)
        if name in ("vector", "matrix"):
            return self.filled(node)
        arity = (2 if name in ("kron", "solve", *FRECHET_CALLS, *KRON2_CALLS)
                 else 3 if name in FRECHET2_CALLS else None)
        if name == "hadamard":
            if len(args) < 2:
                raise self.error("hadamard takes two or more arguments", node.start)
        elif arity is not None and len(args) != arity:
            raise self.error(f"{name} takes {arity} arguments, got {len(args)}", node.start)
        elif arity is None and len(args) != 1:
            raise self.error(f"{name} takes one argument, got {len(args)}", node.start)
        typed = [self.visit(a) for a in args]
        if name == "hadamard":
            for a, t in zip(args[1:], typed[1:]):
                if not self.unify_shapes(typed[0].shape, t.shape):
                    raise self.error(f"hadamard needs equal shapes: {self.src(args[0])} is "
                                     f"{self.fmt(typed[0].shape)} but {self.src(a)} is "
                                     f"{self.fmt(t.shape)}", a.start)
            builds = [t.build for t in typed]

            def product(r):
                out = builds[0](r)
                for b in builds[1:]:
                    out = mul(out, b(r))
                return out

            return Typed(typed[0].shape, product)
        if name == "solve":
            (a, b) = typed
            self.need_square(name, args[0], a)
            if not self.dims.unify(a.shape[1], b.shape[0]):
                raise self.error(f"solve(A, B) needs B with as many rows as A: {self.src(args[0])} "
                                 f"is {self.fmt(a.shape)} but {self.src(args[1])} is "
                                 f"{self.fmt(b.shape)}", args[1].start)
            return Typed((a.shape[0], b.shape[1]), lambda r: ops.solve(a.build(r), b.build(r)))
        if name in FRECHET_CALLS:
            (a, b) = typed
            self.need_square(name, args[0], a)
            if not self.unify_shapes(a.shape, b.shape):
                raise self.error(f"{name}(X, E) needs E of the shape of X", args[1].start)
            return Typed(a.shape, lambda r: Frechet.new(FRECHET_CALLS[name], a.build(r),
                                                        b.build(r)))
        if name in FRECHET2_CALLS or name in KRON2_CALLS:
            return self.second_frechet(name, args, typed)
        if name == "kron":
            (a, b) = typed
            rows = self.dims.new((a.shape[0], b.shape[0]))
            cols = self.dims.new((a.shape[1], b.shape[1]))
            return Typed((rows, cols), lambda r: ops.kron(a.build(r), b.build(r)))
        (arg,) = typed
        b = arg.build
        if name in FUNCTION_NAMES:
            fn = FUNCTION_NAMES[name]
            return Typed(arg.shape, lambda r: Func.new(fn.name, b(r)))
        if name in OPERATIONS:
            return self.operation(OPERATIONS[name], args[0], arg)
        if name == "diag":
            if self.dims.is_one(arg.shape[1]):
                return Typed((arg.shape[0], arg.shape[0]), lambda r: ops.diag(b(r)))
            self.need_square(name, args[0], arg)
            return Typed((arg.shape[0], self.one()), lambda r: ops.diag(b(r)))
        raise AssertionError(name)  # pragma: no cover

    def along_axis(self, node: Call) -> Typed:
        """sum(X), sum(X, axis=0) (the row 𝟏ᵀX), sum(X, axis=1) (the column X𝟏), and mean."""
        name = node.name
        if len(node.args) == 2 and isinstance(node.args[1], Num) and not node.keywords \
                and self.src(node.args[1]) in ("0", "1"):
            raise self.error(f"{name} takes one argument and the axis as a keyword: "
                             f"{name}({self.src(node.args[0])}, axis={self.src(node.args[1])})",
                             node.args[1].start)
        if len(node.args) != 1:
            raise self.error(f"{name} takes one argument, got {len(node.args)}", node.start)
        axis = None
        for key, value in node.keywords:
            if key.name != "axis":
                raise self.error(f"{name} takes only the keyword axis, got {key.name}", key.start)
            text = self.src(value).strip("() ")  # axis=(1) too
            if text not in ("0", "1", "None"):
                raise self.error(f"{name} takes axis=None, 0 or 1, got axis={text}", value.start)
            axis = None if text == "None" else int(text)
        arg = self.visit(node.args[0])
        b = arg.build
        build = getattr(ops, name)
        if name in ("softmax", "log_softmax", "logsumexp"):
            if axis is None and not self.dims.unify(arg.shape[1], self.one()):
                raise self.error(f"{name} of a matrix needs an axis: {name}(X, axis=1) for each "
                                 f"row, axis=0 for each column; {self.src(node.args[0])} is "
                                 f"{self.fmt(arg.shape)}", node.args[0].start)
            if name != "logsumexp":
                return Typed(arg.shape, lambda r: build(b(r), axis=axis))
        shape = {None: lambda: self.scalar_shape(), 0: lambda: (self.one(), arg.shape[1]),
                 1: lambda: (arg.shape[0], self.one())}[axis]()
        return Typed(shape, lambda r: build(b(r), axis=axis))

    def operation(self, cls: type, node: Node, arg: Typed) -> Typed:
        """A one-argument node, as its spec row says: the argument it takes, its result."""
        spec, b = cls.spec, arg.build
        if spec.argument == "square":
            self.need_square(spec.call, node, arg)
        elif spec.argument == "vector" and not self.dims.unify(arg.shape[1], self.one()):
            raise self.error(f"{spec.call} needs a column vector, got {self.src(node)} "
                             f"({self.fmt(arg.shape)})", node.start)
        shape = {
            "scalar": lambda: self.scalar_shape(),
            "same": lambda: arg.shape,
            "vec": lambda: (self.dims.new((arg.shape[0], arg.shape[1])), self.one()),
            "transposed": lambda: (arg.shape[1], arg.shape[0]),
            "kronecker": lambda: (self.dims.new((arg.shape[0], arg.shape[0])),) * 2,
            "diagonal part": lambda: (arg.shape[0], self.one()),
        }[spec.result]()
        return Typed(shape, lambda r: cls.new(b(r)))

    def second_frechet(self, name: str, args: list, typed: list[Typed]) -> Typed:
        """expm_frechet2(X, E, F) = L²_exp(X)[E, F] and expm_kron2(X, E) = K²_exp(X, E)."""
        a = typed[0]
        self.need_square(name, args[0], a)
        for node, t in zip(args[1:], typed[1:]):
            if not self.unify_shapes(a.shape, t.shape):
                raise self.error(f"{name} needs directions of the shape of X", node.start)
        builds = [t.build for t in typed]
        if name in FRECHET2_CALLS:
            return Typed(a.shape, lambda r: SecondFrechet.new(
                FRECHET2_CALLS[name], *(b(r) for b in builds)))
        size = self.dims.new((a.shape[0], a.shape[0]))
        return Typed((size, size), lambda r: SecondKroneckerForm.new(
            KRON2_CALLS[name], *(b(r) for b in builds)))

    def need_square(self, name: str, node: Node, arg: Typed) -> None:
        if self.dims.is_one(arg.shape[1]) or not self.dims.unify(arg.shape[0], arg.shape[1]):
            raise self.error(f"{name} needs a square matrix, got {self.src(node)} "
                             f"({self.fmt(arg.shape)})", node.start)

    def constant_array(self, node: Call) -> Typed:
        name, args = node.name, node.args
        if name == "eye":
            if len(args) != 1:
                raise self.error("eye takes one dimension, e.g. eye(n)", node.start)
            v = self.dimension(args[0])
            return Typed((v, v), lambda r: ops.eye(r(v)))
        if name == "commutation":
            if len(args) != 2:
                raise self.error("commutation takes two dimensions, e.g. commutation(m, n)",
                                 node.start)
            m, n = self.dimension(args[0]), self.dimension(args[1])
            size = self.dims.new((m, n))
            return Typed((size, size), lambda r: ops.commutation(r(m), r(n)))
        if len(args) not in (1, 2):
            raise self.error(f"{name} takes one or two dimensions, e.g. {name}(n) or "
                             f"{name}(m, n)", node.start)
        rows = self.dimension(args[0])
        cols = self.dimension(args[1]) if len(args) == 2 else self.one()
        build = ops.ones if name == "ones" else ops.zeros
        return Typed((rows, cols), lambda r: build(r(rows), r(cols) if len(args) == 2 else None))

    def filled(self, node: Call) -> Typed:
        """matrixcalculus.org's vector(c) and matrix(c): constant arrays of inferred size."""
        if len(node.args) != 1:
            raise self.error(f"{node.name} takes one number, e.g. {node.name}(1)", node.start)
        if not isinstance(node.args[0], (Num, Unary, BinOp)):
            kind = "vector" if node.name == "vector" else "matrix"
            raise self.error(f"{node.name}(c) is a constant {kind} of inferred size, filled with "
                             f"the number c, such as {node.name}(1); a {kind} symbol is written "
                             f"by its name", node.args[0].start)
        value = self.exponent(node.args[0])
        what = f"{node.name}({self.src(node.args[0])})"
        rows = self.dims.new(label=f"the {'length' if node.name == 'vector' else 'rows'} of "
                             f"{what}", not_one=True)
        cols = self.one() if node.name == "vector" else self.dims.new(
            label=f"the columns of {what}", not_one=True)

        def build(r):
            shape = (r(rows), r(cols))
            ones = ops.ones(shape[0], None if node.name == "vector" else shape[1])
            return ones if value == 1 else mul(Const.new(value), ones)

        return Typed((rows, cols), build)

    # -- resolution --------------------------------------------------------------------------------
    def resolver(self, taken: set[str]):
        fresh = (nm for nm in itertools.chain(DIM_NAMES, (f"n{i}" for i in itertools.count(1)))
                 if nm not in taken)
        cache: dict[int, sympy.Expr] = {}

        def resolve(i: int) -> sympy.Expr:
            a = self.dims.find(i)
            if a in cache:
                return cache[a]
            v = self.dims.value[a]
            if isinstance(v, tuple):
                out = resolve(v[0]) * resolve(v[1])
            elif v is not None:
                out = v
            else:
                out = sympy.Symbol(next(fresh), integer=True, positive=True)
            cache[a] = out
            return out

        return resolve


def _kind(symbol: Symbol) -> str:
    return "scalar" if symbol.is_scalar else "vector" if symbol.cols == ONE else "matrix"


@recursion_guarded
@gc_paused
def parse(text: str, symbols: Optional[dict] = None, *, syntax: str = "detect") -> Expr:
    """Parse matrixcalculus.org or Python-style text into a matcalc expression.

    ``symbols`` maps names to matcalc symbols (shape and properties) or to dimensions.
    ``syntax``: "matcalc" (``*`` is the matrix product), "python" (``*`` is elementwise,
    ``@`` the matrix product), "auto" (``*`` is whichever product the shapes allow), or
    "detect" (the default: Python when the text uses ``@``, ``.T`` or ``**``, matrixcalculus.org
    when it uses ``'``, ``^`` or ``.*``, otherwise auto).  Never evaluates the text.
    """
    if not isinstance(text, str):
        raise ParseError(f"parse needs a string, got {type(text).__name__}", "", 0)
    if syntax not in ("detect", "auto", "python", "matcalc"):
        raise ParseError(f"unknown syntax {syntax!r}; use 'detect', 'auto', 'python' or "
                         "'matcalc'", text, 0)
    if syntax == "detect":
        syntax = detect_syntax(text)
    tree = parse_tree(text)
    builder = Builder(text, symbols, syntax)
    builder.declare_dimensions(tree)
    # the tree, and the builders it makes, nest as deep as the text: allow that much
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * len(text) + 1000))
    try:
        typed = builder.visit(tree)
        taken = set(builder.names) | {str(d) for d in builder.dim_of_sympy}
        resolve = builder.resolver(taken)
        expr = as_expr(typed.build(resolve))
        builder.warn_broadcasts(resolve)
        return expr
    finally:
        sys.setrecursionlimit(limit)
