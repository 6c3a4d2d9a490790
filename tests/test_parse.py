"""mc.parse: matrixcalculus.org's syntax and Python's, a real parser, clear errors."""

import os
import warnings

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcalc as mc
from matcalc.core.walk import postorder
from tests.test_rules_numeric import EXAMPLES
from tests.test_sympy_hard_cases import CASES as HARD


def symbols_of(e):
    table = {s.name: s for s in e.free_symbols()}
    for node in postorder(e):
        if isinstance(node, mc.core.expr.Const):
            table.update({str(d): d for d in node.value.free_symbols})
    return table


SUITE = ([f for _, f, _ in EXAMPLES] + [mc.diff(f, w) for _, f, ws in EXAMPLES for w in ws]
         + [f for _, f, _, _ in HARD])


@pytest.mark.parametrize("e", SUITE, ids=[str(i) for i in range(len(SUITE))])
def test_printed_text_parses_back_to_the_same_expression(e):
    rebuilt = mc.parse(str(e), symbols_of(e))
    if mc.simplify(e) is e:  # canonical results print divisions last (see test_printing)
        rebuilt = mc.simplify(rebuilt)
    assert rebuilt == e, f"{str(e)!r} parsed as {str(rebuilt)!r}"


n, m = mc.dims("n m")
av, bv = mc.vector("a", n), mc.vector("b", n)
lam = mc.scalar("lam")
S = mc.matrix("S", n, symmetric=True)
vectors_ab = {"a": av, "b": bv}

# (text as matrixcalculus.org users write it, variable, symbols)
MATCALC_INPUTS = [
    ("x'*A*x", "x", None),
    ("x'*A*x", "A", None),
    ("tr(X'*A*X)", "X", None),
    ("log(det(X))", "X", None),
    ("det(X)", "X", None),
    ("sum(log(1 + exp(-y.*(X*w))))", "w", None),
    ("norm2(A*x - y)^2", "x", None),
    ("norm2(A*x - y)^2", "A", None),
    ("exp(x)'*A*exp(x)", "x", None),
    ("a'*inv(X)*b", "X", vectors_ab),
    ("a'*X*b", "X", vectors_ab),
    ("tr(A*X*B)", "X", None),
    ("tr(X*X)", "X", None),
    ("tr(inv(X))", "X", None),
    ("x'*x", "x", None),
    ("sqrt(x'*x)", "x", None),
    ("norm2(x)", "x", None),
    ("norm1(x)", "x", None),
    ("sum(exp(x))", "x", None),
    ("log(sum(exp(x)))", "x", None),
    ("logsumexp(x)", "x", None),
    ("-y'*log(softmax(x))", "x", None),
    ("sigmoid(W*x)", "x", None),
    ("tanh(W*x)'*y", "W", None),
    ("x'*A*x + c*sin(y)'*x", "x", None),
    ("x'*A*x + c*sin(y)'*x", "c", None),
    ("norm2(A*x - y)^2 + lam*norm2(x)^2", "x", {"lam": lam}),
    ("x'*S*x", "x", {"S": S}),
    ("sum(x.^2)", "x", None),
    ("sum(x./y)", "y", None),
    ("x'*diag(y)*x", "y", None),
    ("tr(A^2)", "A", None),
    ("vector(1)'*exp(x)", "x", None),
    ("x'*(A + A')*x", "x", None),
]


@pytest.mark.parametrize("text,var,symbols", MATCALC_INPUTS,
                         ids=[f"{t} by {v}" for t, v, _ in MATCALC_INPUTS])
def test_matrixcalculus_org_input_parses_differentiates_and_checks(text, var, symbols):
    e = mc.parse(text, symbols)
    wrt = next(s for s in e.free_symbols() if s.name == var)
    for layout in mc.LAYOUTS:
        report = mc.check(e, wrt, layout)
        assert report.ok, str(report)


def test_there_are_at_least_25_matrixcalculus_inputs():
    assert len({t for t, _, _ in MATCALC_INPUTS}) >= 25


def test_matrixcalculus_spelling_and_python_spelling_give_the_same_expression():
    x, A = mc.vector("x", n), mc.matrix("A", n)
    X, W, y = mc.matrix("X", m, n), mc.matrix("W", m, n), mc.vector("y", m)
    pairs = [
        ("x'*A*x", x.T @ A @ x, {"x": x, "A": A}),
        ("norm2(W*x - y)^2", mc.norm2(W @ x - y) ** 2, {"W": W, "x": x, "y": y}),
        ("sum(log(1 + exp(-y.*(X*x))))", mc.sum(mc.log(1 + mc.exp(-y * (X @ x)))),
         {"X": X, "x": x, "y": y}),
        ("exp(x)'*A*exp(x)", mc.exp(x).T @ A @ mc.exp(x), {"x": x, "A": A}),
        ("x.^2 ./ (1 + x.^2)", x**2 / (1 + x**2), {"x": x}),
    ]
    for text, built, symbols in pairs:
        assert mc.parse(text, symbols) == built
        assert mc.parse(str(built), symbols) == built


def test_dimensions_are_inferred_and_unified_from_use():
    e = mc.parse("x'*A*x")
    A = next(s for s in e.free_symbols() if s.name == "A")
    x = next(s for s in e.free_symbols() if s.name == "x")
    assert A.rows == A.cols == x.rows
    e = mc.parse("tr(A*X*B)")
    shapes = {s.name: s.shape for s in e.free_symbols()}
    assert shapes["A"][1] == shapes["X"][0] and shapes["X"][1] == shapes["B"][0]
    assert shapes["B"][1] == shapes["A"][0]


def test_symbols_override_kinds_shapes_and_properties():
    e = mc.parse("x'*S*x", {"S": S})
    assert mc.diff(e, next(s for s in e.free_symbols() if s.name == "x")) == mc.simplify(
        2 * S @ mc.vector("x", n))


def test_parse_errors_point_at_the_spot_with_a_caret():
    with pytest.raises(mc.ParseError) as err:
        mc.parse("x'*A*x +")
    assert err.value.position == 8 and "ends too early" in err.value.message
    assert str(err.value).endswith("x'*A*x +\n          ^")
    with pytest.raises(mc.ParseError) as err:
        mc.parse("x'*A*x $ 2")
    assert err.value.position == 7 and "unexpected character '$'" in err.value.message


def test_unknown_function_suggests_the_nearest_name():
    with pytest.raises(mc.ParseError, match="unknown function 'sigmod'; did you mean sigmoid"):
        mc.parse("sigmod(x)")


def test_shape_conflicts_name_both_uses():
    with pytest.raises(mc.ParseError, match=r"shape conflict: x is .* but y'") as err:
        mc.parse("x + y'")
    assert isinstance(err.value, mc.MatcalcError)
    with pytest.raises(mc.ParseError, match="needs a square matrix"):
        mc.parse("tr(W)", {"W": mc.matrix("W", m, n)})


def test_python_code_is_a_parse_error_with_no_effect(tmp_path):
    marker = tmp_path / "ran"
    for attack in [f"__import__('os').system('touch {marker}')",
                   f"eval(\"open('{marker}', 'w')\")", "exec('import os')", "x.__class__",
                   "lambda: 0", "[x for x in y]", "x; import os"]:
        with pytest.raises(mc.ParseError):
            mc.parse(attack)
    assert not marker.exists() and not os.path.exists(marker)


TOKENS = ["x", "y", "A", "B", "c", "2", "0.5", "'", ".T", "*", ".*", "/", "./", "^", ".^", "**",
          "@", "+", "-", "(", ")", ",", "tr", "inv", "exp", "norm2", "diag", "kron", "eye",
          "ones", "sum", "softmax", "vector", "(1)", "__import__", "'os'", "$", " "]


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)))
def test_fuzzed_text_only_ever_raises_matcalc_errors(text):
    try:
        result = mc.parse(text)
    except mc.MatcalcError:
        return
    assert isinstance(result, mc.Expr)
    str(result)  # and the result prints


x = mc.vector("x", n)


# regression: 1./x, a scalar divided elementwise by an array, did not parse
def test_elementwise_division_of_a_scalar_by_an_array():
    assert str(mc.parse("sum(1./x)")) == "sum(1 / x)" and mc.parse("sum(1./x)") == mc.sum(1 / x)
    assert mc.parse("a./x").shape[1] == 1


# regression: errors found while building (1e999, the keyword lambda) had no position or no hint
def test_build_errors_point_at_their_position_and_keywords_are_named():
    with pytest.raises(mc.ParseError) as err:
        mc.parse("x'*x*1e999")
    assert err.value.position == 5 and "finite" in err.value.message
    with pytest.raises(mc.ParseError, match="'lambda' is a Python keyword.*write lam") as err:
        mc.parse("lambda*x")
    assert err.value.position == 0


# regression: x^T and x’ did not parse, and trace(A) or a misnamed symbol got no suggestion
def test_paper_spellings_and_suggestions():
    assert mc.parse("x^T*A*x") == mc.parse("x'*A*x")
    assert mc.parse("x’*A*x") == mc.parse("x'*A*x")
    with pytest.raises(mc.ParseError, match="did you mean tr"):
        mc.parse("trace(A)")
    with pytest.raises(mc.ParseError, match="names must agree"):
        mc.parse("x'*x", {"x": mc.vector("q", n)})


def test_frobenius_norm_spellings_read_as_norm2():
    assert mc.parse("normF(X)") is mc.parse("norm2(X)") is mc.parse("norm_fro(X)")
    f = mc.parse("normF(A*x - b)^2")
    x = next(s for s in f.free_symbols() if s.name == "x")
    assert f is mc.parse("norm2(A*x - b)^2") and mc.check(f, x).ok


def test_a_dimension_is_its_size_where_a_number_is_expected():
    N, d = mc.dims("N d")
    X, w, y, S = mc.matrix("X", N, d), mc.vector("w", d), mc.vector("y", N), mc.matrix("S", d)
    mse = mc.parse("sum((X*w - y).^2)/N", {"X": X, "w": w, "y": y})
    assert mc.simplify(mse) is mc.simplify(mc.sum((X @ w - y) ** 2) / N)
    half = mc.parse("0.5*N*logdet(S)", {"S": S, "X": X})
    assert mc.simplify(half) is mc.simplify(mc.logdet(S) * N / 2)
    # a dimension the text itself uses (ones(n)) is one too
    x, n = mc.vector("x", mc.dims("n")), mc.dims("n")
    assert mc.simplify(mc.parse("x'*ones(n)/n")) is mc.simplify(x.T @ mc.ones(n) / n)
    for layout in mc.LAYOUTS:
        assert mc.check(mse, w, layout).ok


def test_a_name_that_is_a_symbol_and_a_dimension_is_a_parse_error_that_says_so():
    with pytest.raises(mc.ParseError, match="N is both a matrix .* and a dimension"):
        mc.parse("N*x + sum(ones(N))", {"N": mc.matrix("N", 3)})
    # a symbol whose name is only another symbol's size is the symbol (no conflict)
    n_, m_ = mc.dims("n m")
    x, n_vector = mc.vector("x", n_), mc.vector("n", m_)
    assert mc.parse("x'*x", {"x": x, "n": n_vector}) is x.T @ x


# regression: Unicode superscript digits and numbers over 4,300 digits raised ValueError
@pytest.mark.parametrize("text,message", [
    ("x^²", "unexpected character '²'; write \\^2 for a power"),
    ("x²", "unexpected character '²'"),
    ("1" * 5000, "too long"),
    ("x^" + "9" * 5000, "too long"),
])
def test_digits_int_refuses_are_parse_errors(text, message):
    with pytest.raises(mc.ParseError, match=message):
        mc.parse(text)


# regression (found by tests/test_fuzz.py): b^1e9991 made the exponent 10**9991, which the
# printers could not write (ValueError over 4,300 digits); 1e99999999 would take all memory
@pytest.mark.parametrize("text", ["(b)^1e9991", "b^1e99999999", "b^1e-20", "vector(1e999) + x",
                                  "b^1234567890123456"])
def test_exponents_and_fill_values_beyond_15_digits_are_parse_errors(text):
    with pytest.raises(mc.ParseError, match="too large or too fine"):
        mc.parse(text)
    b = mc.scalar("b")
    assert mc.parse("b^123456789012345 + b^2.5e1 + b^0.5") is \
        b ** 123456789012345 + b ** 25 + b ** sympy.Rational(1, 2)


# regression (found by the fuzzer): 2^100000*x made a 30,103-digit constant that ended in
# Python's ValueError, and 2^123456789012345*x never finished; a power of a number beyond
# floating point is refused where it is written
@pytest.mark.parametrize("text,decades", [("2^123456789012345*x", "1e37164196661075"),
                                          ("2^100000*x", "1e30103"), ("(1/3)^123456", "1e-58903"),
                                          ("(2)^-2000", "1e-602"), ("1.5e308**22*x", "1e6780")])
def test_a_power_of_a_number_beyond_floating_point_is_a_parse_error(text, decades):
    with pytest.raises(mc.ParseError, match=f"the power is about {decades}, beyond floating"):
        mc.parse(text)
    assert mc.parse("2^1000*x + c^123456789012345").shape == mc.parse("x").shape


def test_sums_and_means_along_an_axis_read_as_numpy_writes_them():
    m_, n_ = mc.dims("m n")
    X = mc.matrix("X", m_, n_)
    symbols = {"X": X}
    assert mc.parse("sum(X, axis=0)", symbols) is mc.sum(X, axis=0)
    assert mc.sum(X, axis=0) is mc.ones(m_).T @ X and mc.sum(X, axis=1) is X @ mc.ones(n_)
    assert mc.parse("mean(X, axis=1)", symbols) is mc.mean(X, axis=1)
    assert mc.simplify(mc.parse("mean(X)", symbols)) is mc.simplify(mc.sum(X) / (m_ * n_))
    assert mc.parse("sum(X, axis=None)", symbols) is mc.sum(X)


@pytest.mark.parametrize("text,message", [
    ("sum(X, axis=2)", "sum takes axis=None, 0 or 1, got axis=2"),
    ("mean(X, ax=0)", "mean takes only the keyword axis, got ax"),
    ("tr(X, axis=0)", "tr takes no keyword arguments"),
    ("sum(axis=0, X)", "a positional argument after a keyword argument"),
])
def test_bad_keyword_arguments_are_parse_errors_that_say_which(text, message):
    with pytest.raises(mc.ParseError, match=message):
        mc.parse(text)


def test_an_axis_other_than_none_0_or_1_is_a_shape_error():
    X = mc.matrix("X", 3, 4)
    for axis in (2, -1, True, "0"):
        with pytest.raises(mc.ShapeError, match="axis=None, 0 or 1"):
            mc.sum(X, axis=axis)


def test_softmax_log_softmax_and_logsumexp_take_an_axis_in_text():
    n_, m_ = mc.dims("n m")
    X, z = mc.matrix("X", n_, m_), mc.vector("z", n_)
    assert mc.parse("softmax(X, axis=1)", {"X": X}) is mc.softmax(X, axis=1)
    assert mc.parse("logsumexp(X, axis=0)", {"X": X}) is mc.logsumexp(X, axis=0)
    assert mc.parse("log_softmax(z)", {"z": z}) is mc.log_softmax(z)
    with pytest.raises(mc.ParseError, match="softmax of a matrix needs an axis"):
        mc.parse("softmax(X)", {"X": X})


# regression: a size that would be a multiple of itself (A .* kron(A, B)) recursed out of the
# dimension inference; more than about 1,000 inferred sizes raised a bare StopIteration
def test_dimension_inference_never_recurses_out_and_never_runs_out_of_names():
    with pytest.raises(mc.MatcalcError, match="shapes differ"):
        mc.parse("log((kron(A,B)).*(A.^2))")
    long_product = mc.parse("*".join(f"A{i}" for i in range(2000)))
    assert len(long_product.args) == 2000


# regression: a repeated keyword silently kept the last; x^¹⁰ was hinted as ^1
def test_a_repeated_keyword_and_superscript_powers_are_explained():
    with pytest.raises(mc.ParseError, match="the keyword axis is given twice"):
        mc.parse("softmax(X, axis=1, axis=0)")
    with pytest.raises(mc.ParseError, match=r"write \^10 for a power"):
        mc.parse("x^¹⁰")


# regression: text with no Python mark read the printed Hadamard product of square matrices,
# A * B, as the matrix product A @ B
def test_a_printed_hadamard_product_of_square_matrices_parses_back_as_one():
    n_ = mc.dims("n")
    A, B, C, c = mc.matrix("A", n_), mc.matrix("B", n_), mc.matrix("C", n_), mc.scalar("c")
    symbols = {"A": A, "B": B, "C": C, "c": c}
    for e in (A * B, mc.softmax(B, axis=1) * C, 2 * c * A * B - C, mc.exp(A) * (B + C),
              A * B + A @ B):
        assert mc.parse(str(e), symbols) is e, str(e)
    assert str(A * B) == "hadamard(A, B)" and str(A * B + A @ B) == "A * B + A @ B"


# issue 15: a product written without its sign (2x, x' A x) got no hint
@pytest.mark.parametrize("text,hint", [
    ("2x", "did you mean 2*x?"),
    ("x' A x", "did you mean x'*A*x?"),
    ("x'A x", "did you mean x'*A*x?"),
    ("x.T A x", "did you mean x.T@A@x?"),
    ("2 (x+1)", "did you mean 2*(x+1)?"),
    ("(a+b)(c+d)", "did you mean (a+b)*(c+d)?"),
    ("tr(2A)", "did you mean tr(2*A)?"),
    ("x'*A*x + 2b +", "did you mean 2*b?"),  # the whole text would not parse: the spot only
    ("x'*A*x + " * 8 + "2b", "did you mean 2*b?"),  # nor would it be short
])
def test_operands_side_by_side_get_a_hint_with_the_product_sign(text, hint):
    with pytest.raises(mc.ParseError) as err:
        mc.parse(text)
    assert err.value.message.endswith(hint)


def test_a_call_is_not_taken_for_a_product_in_hints():
    with pytest.raises(mc.ParseError) as err:
        mc.parse("f(x)")
    assert "did you mean" not in str(err.value)


# issue 15: messages showed sizes the parser makes up (len(x)×1, rows(A)), not the user's words
@pytest.mark.parametrize("text,message", [
    ("x^3", "^ of x (a vector) is a matrix power"),
    ("tr(x)", "tr needs a square matrix, got x (a vector)"),
    ("A*x + x'", "shape conflict: A*x is a vector but x' is a row vector"),
    ("x'*x'", "the inner dimensions differ (the length of x against 1)"),
    ("eye*x'", "the inner dimensions differ (the size of eye against 1)"),
    ("vector(2)'*x'", "differ (the length of vector(2) against 1)"),
    ("hadamard(A, x)", "hadamard needs equal shapes: A is a matrix but x is a vector"),
    ("softmax(A)", "A is a matrix"),
    ("ones(n)'*ones(m)", "cannot multiply ones(n)' (1×n) by ones(m) (m×1)"),  # sizes given: kept
])
def test_shapes_in_messages_are_in_the_users_terms(text, message):
    with pytest.raises(mc.ParseError) as err:
        mc.parse(text)
    assert message in err.value.message
    assert not any(made_up in err.value.message for made_up in ("len(", "rows(", "cols(", "?"))


def test_an_undeclared_name_is_declared_in_symbols_in_the_api():
    with pytest.raises(mc.ParseError, match=r"cannot tell the kind of 'α' .*; pass it in "
                                            r"symbols=") as err:
        mc.parse("α*x")
    assert err.value.name == "α" and err.value.caret == "^"
    assert mc.parse("α*x", {"α": mc.scalar("α")}).shape == mc.parse("x").shape


def test_the_caret_meets_its_spot_after_tabs_and_wide_characters():
    assert mc.ParseError("m", "\tx y", 3).caret == "\t  ^"
    assert mc.ParseError("m", "中文 x", 3).caret == "     ^"  # two columns each
    assert mc.ParseError("m", "e\u0301 x", 3).caret == "  ^"  # a combining accent takes none


# a parenthesized operand was quoted without its opening parenthesis: "cannot multiply v).T'"
def test_messages_quote_a_parenthesized_operand_whole():
    with pytest.raises(mc.ParseError, match=r"cannot multiply \(v\)\.T' \(a vector\) by eye\(n\)"):
        mc.parse("((v).T'*eye(n)*x).^2")
    with pytest.raises(mc.ParseError, match=r"got \(x\) \(a vector\)"):
        mc.parse("tr((x))")
    assert mc.parse("sum(X, axis=(1))") is mc.parse("sum(X, axis=1)")


@pytest.mark.parametrize("text, scalar, explicit, rewritten", [
    ("x'*A*x + x", "x'*A*x", "(x'*A*x)*ones(n)", "(x'*A*x)*ones(n) + x"),
    ("X*w + b", "b", "b*ones(n)", "X*w + b*ones(n)"),
    ("c + X", "c", "c*ones(n, m)", "c*ones(n, m) + X"),
])
def test_a_variable_scalar_added_to_an_array_parses_with_a_warning(text, scalar, explicit,
                                                                   rewritten):
    with pytest.warns(mc.BroadcastWarning) as caught:
        e = mc.parse(text)
    message = str(caught[0].message)
    assert f"the scalar {scalar} is added to (or subtracted from) a" in message
    assert explicit in message
    assert caught[0].filename == __file__  # it points at the caller, not at matcalc
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert str(mc.parse(rewritten)) == str(e)  # the explicit form means the same, silently


@pytest.mark.parametrize("text", ["1 - y", "x + 2*n", "a*b + c", "2 + X", "x + y",
                                  "sum(x)/n + x"])
def test_numbers_and_scalar_sums_parse_without_a_warning(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mc.parse(text, {"n": mc.dims("n")} if "2*n" in text else None)


def test_a_parsed_expression_is_differentiated_by_its_variables_names():
    f = mc.parse("x'*A*x + sum(exp(B*x))")
    by = {s.name: s for s in f.free_symbols()}
    x, A = by["x"], by["A"]
    assert mc.diff(f, "x") == mc.diff(f, x)
    assert mc.diff(f, ["x", "A"], "numerator") == mc.diff(f, [x, A], "numerator")
    assert mc.gradient(f, "x") == mc.gradient(f, x)
    assert mc.jacobian(mc.parse("A*x"), "x") == mc.parse("A")
    assert mc.hessian(f, "x") == mc.hessian(f, x)
    assert mc.hessian(f, "x", "A") == mc.hessian(f, x, A)
    assert mc.diff(f, "x", form="index") == mc.diff(f, x, form="index")
    report = mc.check(f, "x")
    assert report.ok and report.wrt == "x"
    assert [r.wrt for r in mc.check(f, ["A", "x"])] == ["A", "x"]
    assert mc.codegen(f, wrt=["x", "A"]) == mc.codegen(f, wrt=[x, A])
    assert mc.derive(f, "x").result == mc.diff(f, x)
    assert mc.derive(f, "x", order=2).result == mc.hessian(f, x)
    assert mc.check_hessian(f, "x").ok


def test_pi_is_the_number_and_inf_or_nan_are_refused():
    f = mc.parse("pi*c^2")
    c = next(iter(f.free_symbols()))
    assert [s.name for s in f.free_symbols()] == ["c"] and mc.diff(f, c) == mc.simplify(mc.parse("2*pi*c"))
    assert mc.check(f, c).ok and mc.lambdify(f)(c=2.0) == pytest.approx(4 * 3.141592653589793)
    x = mc.vector("pi", n)  # declared, pi is the user's symbol
    assert mc.parse("pi'*pi", {"pi": x}) == x.T @ x
    for text in ("inf*c", "c + nan", "-inf"):
        with pytest.raises(mc.ParseError, match=r"is not a number an expression can hold"):
            mc.parse(text)


def test_a_symbol_named_i_is_refused_since_results_write_the_identity_so():
    with pytest.raises(mc.ParseError, match=r"I is how results write the identity.*eye\(n\)") as e:
        mc.parse("x'*I*x")
    assert e.value.position == 3
    for build in (lambda: mc.matrix("I", n), lambda: mc.scalar("I"), lambda: mc.vector("I", n)):
        with pytest.raises(mc.MatcalcError, match="I is how results write the identity"):
            build()
    assert mc.simplify(mc.parse("x'*eye(n)*x")) == mc.parse("x'*x")


def test_operators_as_results_print_them_read_back():
    assert mc.parse("x'*A*x − c") == mc.parse("x'*A*x - c")
    assert mc.parse("c·x'*y") == mc.parse("c⋅x'*y") == mc.parse("c*x'*y")
    assert mc.parse("x ⊙ y") == mc.parse("x .* y") and mc.parse("x ⊘ y") == mc.parse("x ./ y")
    with pytest.raises(mc.ParseError) as e:
        mc.parse("x − ")
    assert e.value.position == 4


@pytest.mark.parametrize("text,message", [
    ("e^c", r"for e to the power c write exp\(c\)"),
    ("c^2^3", r"a power of a power .* write \(c\^2\)\^3 or c\^\(2\^3\)"),
    ("x.^2'*x", r"the exponent 2' is transposed: write \(x\.\^2\)'"),
    ("vector(x)", r"vector\(c\) is a constant vector .*, such as vector\(1\)"),
    ("A^-100", r"a matrix power beyond ±64"),
    ("sin x", r"did you mean sin\(x\)\?"),
    ("sum x.^2", r"call a function with brackets: sum\(\.\.\.\)"),
    ("log det X", r"call a function with brackets: log\(\.\.\.\)"),
    ("2*log x + c", r"did you mean 2\*log\(x\) \+ c\?"),
    ("sum(X,1)", r"sum takes one argument and the axis as a keyword: sum\(X, axis=1\)"),
    ("softmax(X, 0)", r"softmax\(X, axis=0\)"),
    ("||x||", r"write norm2\(x\) for ‖x‖₂"),
    ("max(x)", r"max is not supported .* for max\(x, 0\) write relu\(x\)"),
])
def test_parse_errors_say_what_the_user_likely_meant(text, message):
    with pytest.raises(mc.ParseError, match=message):
        mc.parse(text)


def test_matlabs_plain_transpose_reads_as_the_transpose():
    assert mc.parse("x.'*A*x") == mc.parse("x'*A*x")


def test_powers_of_e_by_a_number_are_numbers():
    c = mc.scalar("c")
    assert mc.parse("e^-1*c", {"c": c}).shape == c.shape
    assert mc.parse("e^(1/2)*c", {"c": c}).shape == c.shape
