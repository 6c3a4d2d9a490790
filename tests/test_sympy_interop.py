"""SymPy interop: expressions written in SymPy convert to matcalc, differentiate correctly in
every layout, and agree with the same expressions built in matcalc; matcalc expressions convert
to SymPy and back, and evaluate to the same numbers in SymPy; SymPy constructs matcalc has no
counterpart for are refused by name."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.special import OneMatrix

import matcalc as mc
from matcalc.core.functions import FUNCTIONS
from matcalc.core.expr import Const
from matcalc.core.nodes import Differential, Partial
from matcalc.interop import from_sympy, to_sympy

SIZES = {"n": 3, "m": 4, "p": 5}

# -- the SymPy side: plain dimension symbols, mapped to matcalc's by name ---------------------
sn, sm, sp_ = sp.symbols("n m p")
sX, sA, sB = (sp.MatrixSymbol(name, sn, sn) for name in "XAB")
sW, sV = sp.MatrixSymbol("W", sm, sn), sp.MatrixSymbol("V", sp_, sm)
sx, sa, sb = (sp.MatrixSymbol(name, sn, 1) for name in "xab")
sy, sz = sp.MatrixSymbol("y", sm, 1), sp.MatrixSymbol("z", sp_, 1)
sc = sp.Symbol("c")

# -- the same symbols built in matcalc --------------------------------------------------------
n, m, p = mc.dims("n m p")
X, A, B = (mc.matrix(name, n) for name in "XAB")
W, V = mc.matrix("W", m, n), mc.matrix("V", p, m)
x, a, b = (mc.vector(name, n) for name in "xab")
y, z = mc.vector("y", m), mc.vector("z", p)
c = mc.scalar("c")
SYMBOLS = {s.name: s for s in (X, A, B, W, V, x, a, b, y, z, c)}


def _values(seed: int = 0) -> dict[str, np.ndarray | float]:
    rng = np.random.default_rng(seed)
    k, l, q = SIZES["n"], SIZES["m"], SIZES["p"]
    return {
        # well conditioned, with a positive determinant (for inv, det and logdet)
        "X": np.eye(k) + 0.3 * rng.standard_normal((k, k)) / np.sqrt(k),
        "A": rng.standard_normal((k, k)),
        "B": rng.standard_normal((k, k)),
        "W": rng.standard_normal((l, k)),
        "V": rng.standard_normal((q, l)),
        "x": rng.standard_normal(k),  # vectors 1-D
        "a": rng.standard_normal(k),
        "b": rng.standard_normal(k),
        "y": rng.standard_normal(l),
        "z": rng.standard_normal(q),
        "c": 0.7,
    }


def evaluate(e: mc.Expr, values: dict) -> np.ndarray:
    """mc.lambdify(e) at the given values (dimensions from SIZES)."""
    fn = mc.lambdify(e)
    kwargs = {name: values[name] for name in fn.names}
    kwargs.update({str(d): SIZES[str(d)] for d in fn.dimensions})
    return np.atleast_2d(np.asarray(fn(**kwargs), dtype=float))


def _is_matrix_operation(t: sp.Basic) -> bool:
    return isinstance(t, sp.MatrixExpr) and not isinstance(t, sp.MatrixBase) and not t.free_symbols


def _explicit(t: sp.MatrixExpr) -> sp.ImmutableMatrix:
    """An operation on explicit matrices, carried out (HadamardPower and ElementwiseApplyFunction
    evaluate only on as_explicit; SymPy 1.14's DiagonalOf of an explicit matrix fails there)."""
    if isinstance(t, DiagonalOf):
        return sp.ImmutableMatrix([t.arg[i, i] for i in range(t.arg.rows)])
    return t.as_explicit()


def evaluate_sympy(e: sp.Basic, values: dict) -> np.ndarray:
    """A SymPy expression with explicit sizes and random numeric matrices substituted."""
    dims = {s: sp.Integer(SIZES[s.name]) for s in e.atoms(sp.Symbol) if s.name in SIZES}
    e = e.subs(dims)
    numbers = {}
    for s in e.free_symbols:
        if isinstance(s, sp.MatrixSymbol):
            numbers[s] = sp.ImmutableMatrix(np.asarray(values[s.name]).reshape(s.shape))
        else:
            numbers[s] = sp.Float(values[s.name])
    out = e.xreplace(numbers)
    out = out.replace(_is_matrix_operation, _explicit).doit()
    if _is_matrix_operation(out):
        out = out.as_explicit()
    if isinstance(out, sp.MatrixBase):
        return np.array(sp.N(out).tolist(), dtype=float)
    return np.atleast_2d(float(sp.N(out)))


# ---------------------------------------------------------------------------------------------
# SymPy expressions -> matcalc: derivatives right in every layout, equal to matcalc's own
# ---------------------------------------------------------------------------------------------

# (name, SymPy expression, the same expression built in matcalc, names of the variables)
CASES = [
    ("quadratic form", sx.T * sA * sx, x.T @ A @ x, "xA"),
    ("least squares", (sW * sx - sy).T * (sW * sx - sy), (W @ x - y).T @ (W @ x - y), "xW"),
    ("trace of A X B", sp.Trace(sA * sX * sB), mc.tr(A @ X @ B), "XA"),
    ("trace of X.T A X", sp.Trace(sX.T * sA * sX), mc.tr(X.T @ A @ X), "X"),
    ("log determinant", sp.log(sp.Determinant(sX)), mc.logdet(X), "X"),
    ("determinant", sp.Determinant(sX), mc.det(X), "X"),
    ("inverse bilinear form", sa.T * sX**-1 * sb, a.T @ mc.inv(X) @ b, "Xab"),
    ("Hadamard product", sa.T * HadamardProduct(sX, sA) * sb, a.T @ (X * A) @ b, "XA"),
    ("elementwise exp via applyfunc", sy.T * (sW * sx).applyfunc(sp.exp),
     y.T @ mc.exp(W @ x), "xW"),
    ("sum of elementwise exp", OneMatrix(1, sm) * (sW * sx).applyfunc(sp.exp),
     mc.sum(mc.exp(W @ x)), "xW"),
    ("matrix product chain", sa.T * sA * sB * sX * sW.T * sV.T * sz,
     a.T @ A @ B @ X @ W.T @ V.T @ z, "XWV"),
    ("matrix sum", sp.Trace(sA * sX + sX.T * sB + sX), mc.tr(A @ X + X.T @ B + X), "X"),
    ("scalar coefficients", 3 * sc * sx.T * sA * sx - sp.Rational(1, 2) * sc**2 * sa.T * sx,
     3 * c * (x.T @ A @ x) - c**2 * (a.T @ x) / 2, "xc"),
    ("integer matrix power", sp.Trace(sX**3), mc.tr(X @ X @ X), "X"),
    ("negative matrix power", sa.T * sX**-2 * sb, a.T @ mc.inv(X) @ mc.inv(X) @ b, "X"),
    ("Hadamard power", OneMatrix(1, sn) * HadamardPower(sW.T * sy, 3), mc.sum((W.T @ y) ** 3),
     "W"),
    ("log-sigmoid via a Lambda", sy.T * (sW * sx).applyfunc(lambda t: sp.log(1 / (1 + sp.exp(-t)))),
     y.T @ mc.log(mc.sigmoid(W @ x)), "xW"),
    ("tanh layer residual",
     ((sW * sx).applyfunc(sp.tanh) - sy).T * ((sW * sx).applyfunc(sp.tanh) - sy),
     (mc.tanh(W @ x) - y).T @ (mc.tanh(W @ x) - y), "W"),
    ("trace of an inverse product", sp.Trace(sX**-1 * sA), mc.tr(mc.inv(X) @ A), "X"),
    ("Frobenius norm", sp.sqrt(sp.Trace(sX.T * sX)), mc.norm2(X), "X"),
    ("scalar function of a trace with a dimension", sp.exp(sp.Trace(sA * sX) / sn),
     mc.exp(mc.tr(A @ X) / n), "X"),
    ("identity matrix", sp.Trace((sX + sp.Identity(sn)) * sA), mc.tr((X + mc.eye(n)) @ A), "X"),
    ("softplus sum", OneMatrix(1, sm) * (sW * sx).applyfunc(lambda t: sp.log(1 + sp.exp(t))),
     mc.sum(mc.softplus(W @ x)), "x"),
    ("scalar coefficient of a matrix", sp.Trace(sc * sX * sA + 2 * sX.T),
     mc.tr(c * X @ A + 2 * X.T), "Xc"),
]  # fmt: skip
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("name,sym,direct,wrt", CASES, ids=IDS)
def test_sympy_expression_converts_to_the_same_function(name, sym, direct, wrt):
    f = from_sympy(sym)
    assert f.shape == direct.shape
    assert f.free_symbols() == direct.free_symbols()
    for seed in (0, 1):
        values = _values(seed)
        np.testing.assert_allclose(evaluate(f, values), evaluate(direct, values), rtol=1e-10)


@pytest.mark.parametrize("layout", mc.LAYOUTS)
@pytest.mark.parametrize("name,sym,direct,wrt", CASES, ids=IDS)
def test_derivative_of_converted_expression_checks_and_matches_matcalc(name, sym, direct, wrt,
                                                                       layout):
    f = from_sympy(sym)
    for var in (SYMBOLS[v] for v in wrt):
        report = mc.check(f, var, layout)
        assert report.ok, str(report)
        values = _values(3)
        got = evaluate(mc.diff(f, var, layout), values)
        want = evaluate(mc.diff(direct, var, layout), values)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_there_are_at_least_fifteen_sympy_cases():
    assert len(CASES) >= 15


# ---------------------------------------------------------------------------------------------
# from_sympy: the mapping
# ---------------------------------------------------------------------------------------------


def test_matrix_symbol_shape_chooses_matrix_vector_or_scalar():
    assert from_sympy(sX) is X
    assert from_sympy(sW) is W
    assert from_sympy(sx) is x
    assert from_sympy(sp.MatrixSymbol("s", 1, 1)) is mc.scalar("s")
    assert from_sympy(sp.MatrixSymbol("v", 3, 1)) is mc.vector("v", 3)
    assert from_sympy(sp.MatrixSymbol("R", 2, 3)) is mc.matrix("R", 2, 3)


def test_dimensions_map_by_name_whatever_their_assumptions():
    plain = sp.MatrixSymbol("X", sp.Symbol("n"), sp.Symbol("n"))
    assumed = sp.MatrixSymbol("X", sp.Symbol("n", integer=True, positive=True),
                              sp.Symbol("n", integer=True, positive=True))
    other = sp.MatrixSymbol("X", sp.Symbol("n", real=True), sp.Symbol("n", real=True))
    assert from_sympy(plain) is from_sympy(assumed) is from_sympy(other) is X
    assert from_sympy(plain).rows == mc.dims("n")


def test_scalar_symbols_become_matcalc_scalars():
    assert from_sympy(sc) is c
    assert from_sympy(sc * sX) is c * X


def test_a_dimension_used_as_a_number_becomes_a_constant():
    assert from_sympy(sn * sX) is Const.new(n) * X
    assert from_sympy(sp.Trace(sp.Identity(sn)) * sX) is Const.new(n) * X


def test_symbols_override_gives_a_symmetric_matrix():
    S = mc.matrix("S", n, symmetric=True)
    sS = sp.MatrixSymbol("S", sn, sn)
    f = from_sympy(sx.T * sS * sx, symbols={"S": S})
    assert f is x.T @ S @ x
    assert mc.diff(f, x) is mc.simplify(2 * (S @ x))


def test_symbols_override_with_another_shape_is_refused():
    with pytest.raises(mc.ShapeError, match="S"):
        from_sympy(sp.MatrixSymbol("S", sn, sn), symbols={"S": mc.matrix("S", m)})


def test_log_of_determinant_is_logdet():
    assert from_sympy(sp.log(sp.Determinant(sX))) is mc.logdet(X)
    assert from_sympy(sp.log(sp.det(sX))) is mc.logdet(X)


def test_integer_matrix_powers_are_products_and_inverses():
    assert from_sympy(sX**2) is X @ X
    assert from_sympy(sX**-1) is mc.inv(X)
    assert from_sympy(sp.MatPow(sX, -2)) is mc.inv(X) @ mc.inv(X)
    assert from_sympy(sp.MatPow(sX, 0)) is mc.eye(n)


def test_entry_of_a_one_by_one_product_is_the_scalar():
    assert from_sympy(MatrixElement(sx.T * sA * sx, 0, 0)) is x.T @ A @ x
    assert from_sympy(sp.Trace(sx.T * sx)) is x.T @ x


def test_elementwise_functions_map_by_name_and_pattern():
    for f, expected in [
        (sp.exp, mc.exp), (sp.log, mc.log), (sp.sin, mc.sin), (sp.cos, mc.cos),
        (sp.tan, mc.tan), (sp.tanh, mc.tanh), (sp.sqrt, mc.sqrt), (sp.Abs, mc.abs),
        (sp.sign, mc.sign), (lambda t: 1 / (1 + sp.exp(-t)), mc.sigmoid),
        (lambda t: sp.Max(0, t), mc.relu), (lambda t: sp.log(1 + sp.exp(t)), mc.softplus),
    ]:  # fmt: skip
        assert from_sympy(sX.applyfunc(f)) is expected(X)
        assert from_sympy(f(sc)) is expected(c)


def test_general_lambda_body_applies_elementwise():
    e = from_sympy(sX.applyfunc(sp.Lambda(sp.Symbol("t"), sp.Symbol("t") ** 2 + 1)))
    values = _values()
    np.testing.assert_allclose(evaluate(e, values), values["X"] ** 2 + 1)
    assert from_sympy(sx.applyfunc(sp.Lambda(sp.Symbol("t"), 2))).shape == x.shape


def test_ones_products_are_sums():
    assert from_sympy(OneMatrix(1, sn) * sX * OneMatrix(sn, 1)) is mc.sum(X)
    assert from_sympy(OneMatrix(1, sn) * sx) is mc.sum(x)
    assert from_sympy(sx.T * OneMatrix(sn, 1)) is mc.sum(x.T)


def test_zero_and_ones_matrices():
    assert from_sympy(sp.ZeroMatrix(sn, sm)) is mc.zeros(n, m)
    assert from_sympy(OneMatrix(sn, 1)) is mc.ones(n)
    assert from_sympy(sp.Identity(sn)) is mc.eye(n)


def test_python_numbers_and_floats_are_constants():
    assert from_sympy(sp.Float(0.5) * sX) is Const.new(0.5) * X
    assert from_sympy(2) is Const.new(2)


# ---------------------------------------------------------------------------------------------
# Unsupported input: refused, naming the SymPy type
# ---------------------------------------------------------------------------------------------

UNSUPPORTED = [
    (sX[0, 1], "MatrixElement"),
    (sp.Adjoint(sX), "Adjoint"),
    (sp.MatPow(sX, sp.Rational(1, 2)), "MatPow"),
    (sX.applyfunc(sp.gamma), "gamma"),
    (sp.gamma(sp.Trace(sX)), "gamma"),
    (sc**sc, "Pow"),
    (sp.I * sX, "ImaginaryUnit"),
    (sp.Heaviside(sc), "Heaviside"),
    (sp.Max(sc, 1), "Max"),
    (sp.ImmutableMatrix([[1, 2], [3, 4]]), "ImmutableDenseMatrix"),
    (sp.Function("f")(sc), "f"),
    (sp.HadamardPower(sX, sc), "HadamardPower"),
]


@pytest.mark.parametrize("expr,type_name", UNSUPPORTED, ids=[u[1] for u in UNSUPPORTED])
def test_unsupported_sympy_input_raises_naming_the_type(expr, type_name):
    with pytest.raises(mc.UnsupportedError, match=type_name):
        from_sympy(expr)


def test_strings_are_refused_not_parsed():
    with pytest.raises(mc.UnsupportedError, match="str"):
        from_sympy("x.T*A*x")


def test_derivation_only_nodes_have_no_sympy_form():
    with pytest.raises(mc.UnsupportedError, match="Differential"):
        to_sympy(Differential.new(X))
    with pytest.raises(mc.UnsupportedError, match="Partial"):
        to_sympy(Partial.new("L", "h", (n, sp.Integer(1))))


# ---------------------------------------------------------------------------------------------
# matcalc -> SymPy -> matcalc
# ---------------------------------------------------------------------------------------------

# round trips that come back equal after simplification
STRUCTURAL = [
    x.T @ A @ x,
    (W @ x - y).T @ (W @ x - y),
    mc.tr(A @ X @ B),
    mc.logdet(X),
    mc.det(X) * c,
    a.T @ mc.inv(X) @ b,
    X * A,
    X**2,
    W**-1,
    mc.exp(W @ x),
    mc.sigmoid(W @ x),
    mc.relu(x),
    mc.softplus(x),
    mc.abs(X),
    mc.sqrt(mc.exp(X)),  # positive: numpy and SymPy agree
    mc.sign(x),
    mc.step(x),
    mc.tanh(W.T @ y) * 3,
    mc.sum(X),
    mc.sum(x),
    mc.norm2(x),
    mc.norm2(W),
    mc.softmax(x),
    mc.logsumexp(z),
    mc.diag(x),
    mc.diag(X),
    mc.kron(A, W),
    2 * c * X - A.T,
    mc.eye(n) + X,
    mc.ones(n) @ x.T + mc.zeros(n, n),
    mc.tr(mc.eye(n)) * X,
    (x.T @ A @ x) * X,
    (x.T @ a + c) ** 2,
    mc.exp(x.T @ a) + mc.log(c),
    mc.sin(c) * mc.cos(x),
    x @ (a.T @ b) @ y.T,
    mc.inv(c) + mc.tr(c),
    mc.norm1(W) + mc.norm1(x),
]

# round trips that come back as a different but equal expression
NUMERIC_ONLY = [
    mc.norm2(x) ** 2,  # SymPy writes sqrt(s)**2 as s: x.T @ x
    mc.ones(n).T @ X @ mc.ones(n),  # read back as sum(X)
]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_in_the_table_round_trips_through_sympy(name):
    for e in (getattr(mc, name)(x), getattr(mc, name)(c), mc.sum(getattr(mc, name)(X))):
        assert mc.simplify(from_sympy(to_sympy(e))) is mc.simplify(e), (e, to_sympy(e))


@pytest.mark.parametrize("e", STRUCTURAL, ids=[str(e) for e in STRUCTURAL])
def test_round_trip_is_the_same_expression_after_simplify(e):
    assert mc.simplify(from_sympy(to_sympy(e))) is mc.simplify(e)


@pytest.mark.parametrize("e", STRUCTURAL + NUMERIC_ONLY, ids=str)
def test_round_trip_evaluates_to_the_same_numbers(e):
    back = from_sympy(to_sympy(e))
    assert back.shape == e.shape
    values = _values(5)
    np.testing.assert_allclose(evaluate(back, values), evaluate(e, values), rtol=1e-10)


@pytest.mark.parametrize("e", STRUCTURAL + NUMERIC_ONLY, ids=str)
def test_sympy_form_evaluates_like_matcalc(e):
    values = _values(7)
    np.testing.assert_allclose(evaluate_sympy(to_sympy(e), values), evaluate(e, values),
                               rtol=1e-9, atol=1e-12)


def test_round_trip_keeps_properties_through_symbols():
    S = mc.matrix("S", n, symmetric=True)
    e = x.T @ S @ x
    assert from_sympy(to_sympy(e), symbols={"S": S}) is e


# ---------------------------------------------------------------------------------------------
# to_sympy: the forms
# ---------------------------------------------------------------------------------------------


def test_to_sympy_forms():
    assert to_sympy(X) == sX.subs({sn: n})
    assert to_sympy(c) == sc
    assert to_sympy(x.T @ A @ x) == sp.MatMul(sp.Transpose(to_sympy(x)), to_sympy(A), to_sympy(x))
    assert isinstance(to_sympy(X * A), HadamardProduct)
    assert isinstance(to_sympy(X**2), HadamardPower)
    assert isinstance(to_sympy(mc.exp(X)), ElementwiseApplyFunction)
    assert to_sympy(mc.exp(c)) == sp.exp(sc)
    assert to_sympy(mc.logdet(X)) == sp.log(sp.Determinant(to_sympy(X)))
    assert to_sympy(mc.tr(X)) == sp.Trace(to_sympy(X))
    assert to_sympy(mc.inv(X)) == sp.Inverse(to_sympy(X))
    assert to_sympy(2 * X) == sp.MatMul(2, to_sympy(X))
    assert to_sympy(mc.sum(X)) == sp.MatMul(OneMatrix(1, n), to_sympy(X), OneMatrix(n, 1))
    assert to_sympy(mc.eye(n)) == sp.Identity(n)
    assert to_sympy(mc.zeros(n, m)) == sp.ZeroMatrix(n, m)
    assert to_sympy(mc.ones(n, m)) == OneMatrix(n, m)
    # a 1×1 product is a scalar where SymPy needs one
    q = to_sympy(x.T @ A @ x + c)
    assert q == MatrixElement(to_sympy(x.T @ A @ x), 0, 0) + sc


def test_to_sympy_differentiates_in_sympy_like_matcalc():
    # SymPy's own derivative of the converted expression agrees with matcalc's
    e = x.T @ A @ x
    sym_grad = sp.diff(to_sympy(e), to_sympy(x))
    values = _values(9)
    np.testing.assert_allclose(evaluate_sympy(sym_grad, values).reshape(-1),
                               evaluate(mc.diff(e, x), values).reshape(-1), rtol=1e-10)


def test_public_api_names():
    import sympy

    import matcalc as mc

    n = sympy.Symbol("n", integer=True, positive=True)
    X = sympy.MatrixSymbol("X", n, n)
    e = mc.from_sympy(sympy.log(sympy.Determinant(X)))
    assert mc.diff(e, next(iter(e.free_symbols()))) == mc.simplify(
        mc.inv(mc.matrix("X", mc.dims("n"))).T)
    assert e.to_sympy() == mc.to_sympy(e)
