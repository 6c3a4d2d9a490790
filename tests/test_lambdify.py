"""lambdify: arrays by symbol name, floats for scalars, 2-D arrays in the expression's shape."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.core.functions import FUNCTIONS

n, m = mc.dims("n m")
x, a = mc.vector("x", n), mc.vector("a", n)
W, A = mc.matrix("W", m, n), mc.matrix("A", n)
c = mc.scalar("c")
rng = np.random.default_rng(1)
Wv, xv, Av = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((3, 3))


def test_scalar_result_is_a_float():
    value = mc.lambdify(x.T @ A @ x)(x=xv, A=Av)
    assert isinstance(value, float)
    assert value == pytest.approx(xv @ Av @ xv)


def test_vectors_accept_1d_and_column_arrays_and_return_columns():
    f = mc.lambdify(W @ x)
    for given in (xv, xv.reshape(-1, 1)):
        out = f(W=Wv, x=given)
        assert out.shape == (4, 1)
        np.testing.assert_allclose(out[:, 0], Wv @ xv)


def test_row_results_are_1_by_n():
    out = mc.lambdify(x.T @ A)(x=xv, A=Av)
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out[0], xv @ Av)


def test_a_dict_works_too():
    assert mc.lambdify(c * (x.T @ x))({"c": 2.0, "x": xv}) == pytest.approx(2 * xv @ xv)


def test_dimension_only_expressions_take_the_size_by_name():
    f = mc.lambdify(mc.diff(c * x, x))  # c * I: n comes from no array
    np.testing.assert_allclose(f(c=2.0, n=3), 2 * np.eye(3))
    with pytest.raises(mc.NumericError, match="dimension n cannot be read"):
        f(c=2.0)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_elementwise_functions_evaluate_like_numpy_inside_their_domain(name):
    fn = FUNCTIONS[name]
    arg = fn.domain.sample(np.random.default_rng(3), (5,))
    expected = fn.numpy(arg)
    assert np.all(np.isfinite(expected))  # a NaN on both sides would compare equal
    np.testing.assert_allclose(mc.lambdify(getattr(mc, name)(x))(x=arg)[:, 0], expected)


def test_shared_subexpressions_are_computed_once():
    h = mc.tanh(W @ x)
    f = mc.lambdify(h.T @ h + mc.sum(h))
    assert f.source.count("np.tanh(") == 1  # lambdify runs the generated code
    hv = np.tanh(Wv @ xv)
    assert f(W=Wv, x=xv) == pytest.approx(hv @ hv + hv.sum())


def test_matrix_functions():
    P = Av @ Av.T + 3 * np.eye(3)
    X = mc.matrix("X", n)
    cases = {
        mc.tr(X): np.trace(P), mc.det(X): np.linalg.det(P),
        mc.logdet(X): np.linalg.slogdet(P)[1], mc.sum(X): P.sum(), mc.norm2(X): np.linalg.norm(P),
    }
    for e, expected in cases.items():
        assert mc.lambdify(e)(X=P) == pytest.approx(expected)
    np.testing.assert_allclose(mc.lambdify(mc.inv(X))(X=P), np.linalg.inv(P))
    np.testing.assert_allclose(mc.lambdify(mc.diag(X))(X=P)[:, 0], np.diag(P))
    np.testing.assert_allclose(mc.lambdify(mc.diag(x))(x=xv), np.diag(xv))
    s = np.exp(xv) / np.exp(xv).sum()
    np.testing.assert_allclose(mc.lambdify(mc.softmax(x))(x=xv)[:, 0], s)
    assert mc.lambdify(mc.logsumexp(x))(x=xv) == pytest.approx(np.log(np.exp(xv).sum()))
    np.testing.assert_allclose(mc.lambdify(mc.kron(x, a))(x=xv, a=xv)[:, 0], np.kron(xv, xv))


def test_logdet_outside_its_domain_is_an_error_like_a_singular_inverse():
    X = mc.matrix("X", n)
    with pytest.raises(mc.NumericError, match=r"log det X needs det X > 0"):
        mc.lambdify(mc.logdet(X))(X=-np.eye(3))
    with pytest.raises(mc.NumericError, match="a matrix is singular"):
        mc.lambdify(mc.inv(X))(X=np.zeros((3, 3)))


# regression: complex input lost its imaginary part, "2" was a number, None became NaN
@pytest.mark.parametrize("value,message", [
    (np.array([1j, 2, 3]), "x is complex"),
    ("2", "got the text '2'"),
    (np.array([None, 1, 2]), "array of object values"),
    (np.array([np.nan, 1, 2]), "not finite"),
    (np.array([np.inf, 1, 2]), "not finite"),
])
def test_numeric_input_that_would_be_silently_wrong_is_refused_naming_the_argument(value, message):
    with pytest.raises(mc.NumericError, match=message):
        mc.lambdify(x.T @ x)(x=value)


# regression: a size of 10¹² by keyword raised MemoryError
def test_an_absurd_size_is_refused_before_anything_is_allocated():
    with pytest.raises(mc.NumericError, match="too large to evaluate"):
        mc.lambdify(mc.tr(mc.eye(n)) * x)(x=np.ones(3), n=10**12)
    with pytest.raises(mc.NumericError, match="too large to evaluate"):
        mc.lambdify(mc.eye(n))(n=10**12)


# regression: a ragged list raised numpy's ValueError; exact numbers (Fraction, Decimal,
# SymPy's) were refused as objects
def test_ragged_lists_are_refused_and_exact_numbers_evaluate():
    from decimal import Decimal
    from fractions import Fraction

    import sympy

    X = mc.matrix("X", n)
    with pytest.raises(mc.NumericError, match="rectangular array"):
        mc.lambdify(mc.sum(X))(X=[[1, 2], [3]])
    c = mc.scalar("c")
    for value in (Fraction(1, 2), Decimal("0.5"), sympy.Rational(1, 2)):
        assert mc.lambdify(4 * c)(c=value) == 2.0


# issue 15: ∂tr(X)/∂X = I no longer contains X, so lambdify asked the user for n; a derivative
# knows the variables it was taken from, and its sizes are read from their arrays
def test_a_derivative_reads_its_sizes_from_the_variables_it_was_taken_by():
    # a size of its own: results are interned, and I(n) takes the variables of every
    # derivative that gave it in this process (tr(A) by A too), which only widens what it takes
    k = mc.dims("k_lambdify")
    X = mc.matrix("X", k)
    grad = mc.lambdify(mc.diff(mc.tr(X), X))
    np.testing.assert_allclose(grad(X=Av), np.eye(3))
    np.testing.assert_allclose(grad(k_lambdify=2), np.eye(2))  # the size by name still works
    with pytest.raises(mc.NumericError, match=r"X must have 3 columns|X has 4 columns"):
        grad(X=np.ones((3, 4)))  # a variable's array is checked like any other
    with pytest.raises(mc.NumericError, match=r"pass it, e.g. k_lambdify=3, or the array X it "
                                              r"is a size of"):
        grad()
    f = mc.lambdify(mc.diff(c * x, x))  # c I
    np.testing.assert_allclose(f(c=2.0, x=xv), 2 * np.eye(3))
    hess = mc.lambdify(mc.hessian(x.T @ x, x))  # 2 I
    np.testing.assert_allclose(hess(x=xv[:2]), 2 * np.eye(2))
    grads = [mc.lambdify(g) for g in mc.diff(a.T @ x + mc.sum(W), [x, W])]  # a, 𝟏𝟏ᵀ
    np.testing.assert_allclose(grads[1](W=Wv, a=xv, x=xv), np.ones((4, 3)))


def test_variables_name_the_sizes_of_an_expression_built_by_hand():
    X = mc.matrix("X", n)
    f = mc.lambdify(mc.eye(n) + mc.ones(n, n), variables=[X])
    np.testing.assert_allclose(f(X=Av), np.eye(3) + 1)
    with pytest.raises(mc.MatcalcError, match="variables= takes matcalc symbols"):
        mc.lambdify(mc.eye(n), variables=["X"])


def test_generated_code_of_a_derivative_takes_the_variable_not_its_size():
    X, B = mc.matrix("X", n), mc.matrix("B", n)
    earlier = mc.diff(mc.tr(B), B)  # the same I(n), by another variable: not in X's code
    source = mc.codegen(mc.diff(mc.tr(X), X))
    assert mc.diff(mc.tr(X), X) is earlier
    assert "def f(X):" in source and "n = X.shape[0]" in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # our own generated code
    np.testing.assert_allclose(namespace["f"](Av), np.eye(3))
    k = mc.dims("k_unseen")  # a size no derivative in this process was taken over
    assert "def f(k_unseen):" in mc.codegen(mc.ones(k))  # nothing to read it from: the size
