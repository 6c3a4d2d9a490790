"""Bad input raises a MatcalcError subclass whose message names the problem."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.numeric import check as check_module

n, m, p = mc.dims("n m p")
x, y = mc.vector("x", n), mc.vector("y", m)
A, B, W = mc.matrix("A", m, n), mc.matrix("B", m, n), mc.matrix("W", m, n)
X = mc.matrix("X", n)


def test_matrix_product_shape_mismatch_names_both_operands_and_dimensions():
    with pytest.raises(mc.ShapeError) as err:
        A @ B
    assert str(err.value) == "cannot multiply A (m×n) @ B (m×n): inner dimensions n and m differ"
    assert isinstance(err.value, mc.MatcalcError)


def test_sum_shape_mismatch():
    with pytest.raises(mc.ShapeError, match=r"cannot add x \(n×1\) \+ y \(m×1\): shapes differ"):
        x + y


def test_elementwise_product_shape_mismatch_suggests_matmul():
    with pytest.raises(mc.ShapeError, match=r"x \(n×1\) \* y \(m×1\).*use @"):
        x * y


@pytest.mark.parametrize("build,name", [(mc.tr, "tr"), (mc.det, "det"), (mc.inv, "inv"),
                                        (mc.logdet, "logdet")])
def test_square_only_functions_name_themselves(build, name):
    with pytest.raises(mc.ShapeError, match=rf"{name} needs a square matrix, got A \(m×n\)"):
        build(A)


def test_softmax_of_a_matrix_needs_an_axis():
    for build in (mc.softmax, mc.logsumexp, mc.log_softmax):
        with pytest.raises(mc.ShapeError, match=r"of a matrix needs an axis: axis=1 for each row"):
            build(X)
        with pytest.raises(mc.ShapeError, match=r"takes axis=None, 0 or 1 .*got axis=2"):
            build(X, axis=2)


def test_derivative_by_a_non_symbol():
    with pytest.raises(mc.MatcalcError, match="with respect to a symbol, got W @ x"):
        mc.diff(x.T @ x, W @ x)
    with pytest.raises(mc.MatcalcError, match="with respect to a symbol, got int 3"):
        mc.diff(x.T @ x, 3)


def test_derivative_by_a_name_the_expression_lacks_lists_its_variables():
    for call in (lambda: mc.diff(x.T @ A.T @ y, "z"), lambda: mc.hessian(x.T @ x, "z"),
                 lambda: mc.jacobian(A @ x, ["x", "z"]), lambda: mc.check(x.T @ x, "z"),
                 lambda: mc.codegen(x.T @ x, wrt="z")):
        with pytest.raises(mc.MatcalcError,
                           match=r"^z does not appear in .*; its variables are (A, x, y|A, x|x)$"):
            call()


# regression: two symbols of one name and different shapes were differentiated without a word,
# and only a numeric check or lambdify noticed
def test_two_different_symbols_of_one_name_are_refused_before_differentiating():
    x_m = mc.vector("x", m)
    f = x.T @ x + x_m.T @ y
    for call in (lambda: mc.diff(f, x), lambda: mc.diff(f, [x, y]), lambda: mc.hessian(f, x),
                 lambda: mc.derive(f, x), lambda: mc.check(f, x)):
        with pytest.raises(mc.MatcalcError, match=r"two different symbols are named x: "
                                                  r"x \(m×1\) and x \(n×1\); rename one"):
            call()


def test_gradient_of_a_non_scalar():
    with pytest.raises(mc.MatcalcError, match=r"gradient needs a scalar expression, got W @ x "
                                              r"\(m×1\); use jacobian\(\)"):
        mc.gradient(W @ x, x)


def test_unknown_layout():
    with pytest.raises(mc.MatcalcError, match="unknown layout 'row'; choose one of"):
        mc.diff(x.T @ x, x, layout="row")


def test_every_pair_of_shapes_has_a_checked_derivative_never_a_silent_zero():
    # once unsupported; now in the vec convention (matrix by matrix, vector by matrix, rows)
    for f, wrt in ((W @ X, X), (W @ x, W), (x.T @ X, x)):
        d = mc.diff(f, wrt)
        assert not isinstance(d, mc.core.nodes.Zero) and mc.check(f, wrt).ok


def test_unsupported_conversions_say_what():
    with pytest.raises(mc.UnsupportedError, match="Commutation has no SymPy counterpart"):
        mc.to_sympy(mc.commutation(n, m) @ mc.vec(W))


def test_kron_gradient_by_a_matrix_inside_is_right():
    K = mc.matrix("K", n * m, n * m)
    assert mc.check(mc.tr(K @ mc.kron(X, mc.matrix("C", m))), X).ok


def test_lambdify_missing_array_names_the_symbol():
    f = mc.lambdify(W @ x)
    with pytest.raises(mc.NumericError, match=r"missing array for x \(n×1\)"):
        f(W=np.ones((2, 3)))


def test_lambdify_inconsistent_sizes_name_the_symbol_and_the_source():
    f = mc.lambdify(W @ x)
    with pytest.raises(mc.NumericError, match=r"x has 4 rows but n = 3 from W"):
        f(W=np.ones((2, 3)), x=np.ones(4))


def test_lambdify_wrong_rank():
    f = mc.lambdify(W @ x)
    with pytest.raises(mc.NumericError, match="W is a matrix .* 1 dimensions"):
        f(W=np.ones(3), x=np.ones(3))


# issue 15: unknown keyword arguments were silently ignored (a misspelt size too); they are
# refused with the names expected. The arrays of f's variables are still taken by ∂f (the
# derivative knows them), so f and ∂f are called with the same arrays.
def test_lambdify_refuses_unknown_names_listing_the_expected_ones():
    # a size of its own: a result is interned, and takes the variables of every derivative
    # that gave it (here only this one)
    q = mc.dims("q_errors")
    xq, Xq = mc.vector("x", q), mc.matrix("X", q)
    grad = mc.lambdify(mc.diff(xq.T @ Xq @ xq, Xq))  # X dropped out of the result
    assert grad(X=np.eye(3), x=np.ones(3)).shape == (3, 3)
    with pytest.raises(mc.NumericError, match=r"unknown argument 'xx' \(did you mean x\?\); "
                                              r"expected x, X \(for its sizes\), q_errors \(a "
                                              r"size\)$"):
        grad(X=np.eye(3), xx=np.ones(3))
    with pytest.raises(mc.NumericError, match=r"unknown argument 'N'; expected q_errors \(a "
                                              r"size\)$"):
        mc.lambdify(mc.ones(q))(N=3)
    with pytest.raises(mc.NumericError, match=r"unknown argument 'y'; expected x, q_errors"):
        mc.lambdify(xq.T @ xq)(x=np.ones(2), y=np.ones(2))


def test_lambdify_bad_sizes_and_singular_matrices():
    f = mc.lambdify(mc.ones(n))
    for bad in ("a", -2, 2.7):
        with pytest.raises(mc.NumericError, match="dimension n must be a positive integer"):
            f(n=bad)
    with pytest.raises(mc.NumericError, match="singular"):
        mc.lambdify(mc.inv(X))(X=np.zeros((3, 3)))


def test_a_singular_matrix_through_its_lu_factor_is_one_error_with_no_warning_printed_first():
    import warnings

    v = mc.vector("v", n)
    f = mc.lambdify(mc.det(X) + v.T @ mc.inv(X) @ v)  # one LU serves det and the solve
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's LinAlgWarning would be raised here
        with pytest.raises(mc.NumericError, match="singular"):
            f(X=np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]]), v=np.ones(3))


def test_a_symbol_named_like_a_dimension_is_refused():
    nn = mc.scalar("n")
    with pytest.raises(mc.MatcalcError, match="has the name of the dimension n"):
        mc.lambdify(nn * mc.sum(x))


def test_numpy_scalars_are_numbers_and_floats_stay_exact():
    assert np.float64(2.0) * x == 2 * x
    assert x ** np.float64(2) == x**2
    assert mc.core.expr.Const.new(1 / 3).value == mc.core.expr.sympy.Rational(1, 3)
    assert mc.core.expr.Const.new(0.1).value == mc.core.expr.sympy.Rational(1, 10)
    assert mc.vector("v", np.int64(3)).shape == (3, 1)


def test_bad_arguments_to_simplify_check_and_vector():
    assert mc.simplify(3) == mc.core.expr.Const.new(3)
    with pytest.raises(mc.MatcalcError, match="seed must be a non-negative integer"):
        mc.check(x.T @ x, x, seed=-1)
    with pytest.raises(mc.MatcalcError, match="must be a positive integer"):
        mc.check(x.T @ x, x, sizes={"n": 0})
    with pytest.raises(mc.MatcalcError, match="one name"):
        mc.vector("v", "n m")


def test_lambdify_scalar_given_an_array():
    c = mc.scalar("c")
    with pytest.raises(mc.NumericError, match="c is a scalar"):
        mc.lambdify(c * x)(c=np.ones(2), x=np.ones(3))


def test_symbolic_exponent_is_refused_with_a_rewrite():
    c = mc.scalar("c")
    with pytest.raises(mc.MatcalcError, match="exponent of \\*\\* must be a number"):
        x ** c


def test_numpy_arrays_cannot_enter_expressions():
    with pytest.raises(mc.MatcalcError, match="ndarray"):
        x + np.ones(3)


def test_bad_names_and_dimensions():
    with pytest.raises(mc.MatcalcError, match="identifier"):
        mc.vector("2x", n)
    with pytest.raises(mc.MatcalcError, match="positive"):
        mc.vector("x", 0)
    with pytest.raises(mc.ShapeError, match="symmetric matrix must be square"):
        mc.matrix("S", m, n, symmetric=True)


def test_expressions_have_no_truth_value():
    with pytest.raises(mc.MatcalcError, match="truth value"):
        bool(x.T @ x)


def _with_wrong_result(monkeypatch, wrong):
    real = check_module.differentiate

    def fake(f, w, layout="denominator", structure="unstructured"):
        import dataclasses

        return dataclasses.replace(real(f, w, layout, structure), result=wrong)

    monkeypatch.setattr(check_module, "differentiate", fake)


# regression: mc.check passed a derivative missing its transpose (inv(X) for inv(X).T)
def test_check_catches_a_missing_transpose_under_inv_det_and_logdet(monkeypatch):
    _with_wrong_result(monkeypatch, mc.inv(X))  # the right answer is inv(X).T
    assert not mc.check(mc.logdet(X), X).ok


# regression: mc.check passed a zero gradient of a function with tiny values
def test_check_catches_a_zero_gradient_of_a_small_function(monkeypatch):
    _with_wrong_result(monkeypatch, mc.zeros(n))
    assert not mc.check(1e-7 * mc.sum(mc.exp(x)), x).ok


# regression: mc.check failed a right derivative of a function with a large value (rounding)
def test_check_passes_a_right_derivative_of_a_large_function():
    report = mc.check(x.T @ x + 1e8, x)
    assert report.ok and "rounding" in report.detail


# regression: mc.check failed a saturated derivative and called a vanishing one plainly ok
def test_check_is_not_fooled_by_a_saturated_or_a_vanishing_derivative():
    e = mc.parse("sum(log(sigmoid(10*W*x)))")
    W = next(s for s in e.free_symbols() if s.name == "W")
    report = mc.check(e, W)
    assert report.ok and report.max_rel_error < 1e-6
    tiny = mc.check(1e-30 * mc.sum(mc.exp(x)), x)
    assert "vanishes to the rounding error" in tiny.detail  # said, not hidden behind "ok"


# regression: mc.check failed the right derivative of a steep function (tan(100x))
def test_check_passes_a_steep_function():
    e = mc.parse("sum(tan(100*x))")
    assert mc.check(e, next(iter(e.free_symbols()))).ok


# regression: points=0 raised UnboundLocalError, step=0 reported ok, step=nan and tolerance=-1
# failed instead of refusing
@pytest.mark.parametrize("options,message", [
    ({"points": 0}, "points must be a positive integer"),
    ({"points": 1.5}, "points must be a positive integer"),
    ({"step": 0}, "step must be a positive finite number"),
    ({"step": float("nan")}, "step must be a positive finite number"),
    ({"tolerance": -1}, "tolerance must be a positive finite number"),
    ({"tolerance": float("inf")}, "tolerance must be a positive finite number"),
])
def test_check_refuses_nonsense_arguments(options, message):
    v = mc.vector("v", mc.dims("n"))
    with pytest.raises(mc.MatcalcError, match=message):
        mc.check(v.T @ v, v, **options)


def test_solve_with_mismatched_shapes_names_both():
    A, W = mc.matrix("A", n), mc.matrix("W", m, n)
    with pytest.raises(mc.ShapeError, match=r"solve needs a square matrix A in solve\(A, B\)"):
        mc.solve(W, x)
    with pytest.raises(mc.ShapeError, match="as many rows as A has columns, got A"):
        mc.solve(A, y)
    with pytest.raises(mc.ParseError, match="solve takes 2 arguments"):
        mc.parse("solve(A)")


# regression: a huge size was reported as "no point where f is finite", a string of sizes
# raised AttributeError, and an unknown size name was ignored
def test_check_refuses_sizes_it_cannot_use():
    v = mc.vector("v", mc.dims("n"))
    with pytest.raises(mc.MatcalcError, match="too large for a finite-difference check"):
        mc.check(v.T @ v, v, sizes={"n": 10**6})
    with pytest.raises(mc.MatcalcError, match="sizes must be a dict"):
        mc.check(v.T @ v, v, sizes="n=3")
    with pytest.raises(mc.MatcalcError, match="sizes names zz, which is not a dimension"):
        mc.check(v.T @ v, v, sizes={"zz": 3})


def test_an_axis_of_length_one_sums_to_the_array_and_numpy_integers_are_axes():
    v, M = mc.vector("v", n), mc.matrix("M", n, m)
    assert mc.sum(v, axis=1) is v and mc.sum(v.T, axis=0) is v.T
    assert mc.softmax(M, axis=np.int64(1)) is mc.softmax(M, axis=1)


def test_numbers_past_four_thousand_digits_are_refused_not_a_valueerror():
    # (X∘2 / 2)∘2 / 2 … nested 14 deep makes (1/2)^16384, which Python cannot even print
    X = mc.matrix("X", mc.dims("n"))
    e = X
    for _ in range(14):
        e = (e ** 2) * 0.5
    with pytest.raises(mc.MatcalcError, match="too large to work with"):
        mc.diff(mc.sum(e), X)
    with pytest.raises(mc.MatcalcError, match="too large to work with"):
        mc.simplify(mc.scalar("c") ** 2 * mc.parse("2") ** 100000)
    assert str(mc.simplify(mc.parse("1^100000 + x"))) == "1 + x"


# regression (found by the fuzzer): a constant folded to thousands of digits (norm2(1.5e308)^22)
# ended in Python's ValueError (integers over 4,300 digits do not print)
def test_a_constant_of_thousands_of_digits_is_a_matcalc_error():
    with pytest.raises(mc.MatcalcError, match=r"a constant of about 6,78\d digits is too large"):
        mc.diff(mc.parse("norm2(1.5e308)^22*x"), mc.parse("x"))
    with pytest.raises(mc.MatcalcError, match="too large to work with"):
        mc.scalar("c") * 10**5000
    assert (mc.scalar("c") * 10**300).shape == (1, 1)
