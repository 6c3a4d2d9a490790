"""Printers: exact Python text, LaTeX, unicode and rich."""

import io

import pytest
import sympy
from rich.console import Console

import matcalc as mc
from matcalc.printing import to_text
from matcalc.core.walk import postorder
from tests.test_rules_numeric import EXAMPLES

n, m, p = mc.dims("n m p")
x, a = mc.vector("x", n), mc.vector("a", n)
A, X = mc.matrix("A", n), mc.matrix("X", n)
W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", p, m)
S = mc.matrix("S", n, symmetric=True)


def namespace(e):
    ns = {name: getattr(mc, name) for name in mc.__all__}
    ns.update({s.name: s for s in e.free_symbols()})
    for node in postorder(e):
        for d in node.shape:
            for sym in d.free_symbols:
                ns[str(sym)] = sym
        if isinstance(node, mc.core.expr.Const):
            for sym in node.value.free_symbols:
                ns[str(sym)] = sym
    return ns


ALL = [f for _, f, _ in EXAMPLES] + [mc.diff(f, w) for _, f, ws in EXAMPLES for w in ws]


@pytest.mark.parametrize("e", ALL, ids=[str(i) for i in range(len(ALL))])
def test_text_is_python_that_rebuilds_the_same_expression(e):
    """A user's expression rebuilds exactly; a canonical result rebuilds to itself once
    simplified (its text shows a division last, `x / norm2(x)`, where the canonical product
    keeps scalars first)."""
    rebuilt = eval(to_text(e), namespace(e))  # our own printer's output, in a test
    if mc.simplify(e) is e:
        rebuilt = mc.simplify(rebuilt)
    assert rebuilt == e, f"{to_text(e)!r} rebuilt as {to_text(rebuilt)!r}"


def test_text_forms():
    assert str(mc.diff(x.T @ A @ x, x)) == "(A + A.T) @ x"
    assert str(mc.diff(x.T @ S @ x, x)) == "2 * (S @ x)"
    assert str(1 - mc.tanh(x) ** 2) == "1 - tanh(x)**2"
    assert str(mc.inv(X).T) == "inv(X).T"
    assert str(x / mc.det(X)) == "x / det(X)"
    assert str(-(a.T @ x)) == "-(a.T @ x)"


def test_latex_forms():
    assert mc.latex(A.T) == r"A^{\top}"
    assert mc.latex(mc.inv(X)) == r"X^{-1}"
    assert mc.latex(mc.inv(X).T) == r"X^{-\top}"
    assert mc.latex(x * a) == r"x \odot a"
    assert mc.latex(mc.tr(X)) == r"\operatorname{tr}\left(X\right)"
    assert mc.latex(mc.diff(x.T @ A @ x, x)) == r"\left(A + A^{\top}\right) x"
    assert mc.latex(W1) == "W_{1}"
    assert mc.latex(mc.scalar("lam") * x) == r"\lambda x"
    assert mc.latex(mc.norm2(x) ** 2) == r"\left\lVert x \right\rVert_{2}^{2}"
    assert mc.latex(mc.sigmoid(x)) == r"\sigma\left(x\right)"
    assert mc.latex(x**2) == r"x^{\circ 2}"
    assert mc.latex(mc.log(x.T @ x)) == r"\log\left(x^{\top} x\right)"
    assert mc.latex(x / (a.T @ x)) == r"\frac{x}{a^{\top} x}"


def test_unicode_forms():
    assert mc.unicode(mc.diff(x.T @ A @ x, x)) == "(A + Aᵀ)x"
    assert mc.unicode(mc.diff(x.T @ S @ x, x)) == "2Sx"
    assert mc.unicode(mc.inv(X).T) == "X⁻ᵀ"
    assert mc.unicode(W2 @ mc.tanh(W1 @ x)) == "W₂ tanh(W₁x)"
    assert mc.unicode(mc.norm2(x)) == "‖x‖₂"
    assert mc.unicode(x * a - x) == "x ⊙ a − x" or mc.unicode(x * a - x) == "a ⊙ x − x"


@pytest.mark.parametrize("e", ALL[:40], ids=[str(i) for i in range(min(40, len(ALL)))])
def test_every_printer_handles_every_example(e):
    assert mc.latex(e) and mc.unicode(e) and e._repr_latex_().startswith("$")


def test_rich_renders_expressions_and_reports():
    buf = io.StringIO()
    console = Console(file=buf, width=100, color_system=None)
    console.print(mc.diff(x.T @ A @ x, x))
    console.print(mc.check(x.T @ A @ x, x))
    out = buf.getvalue()
    assert "(A + Aᵀ)x" in out and "check ok" in out


c = mc.scalar("c")
y = mc.vector("y", m)
Xmn = mc.matrix("X", m, n)


# regression: the printers dropped numeric factors and their signs (x * 2, x * (-1), 1/2)
def test_printers_keep_every_number_and_sign():
    assert str(x * 2) == "x * 2"
    assert str(x * (-1)) == "x * (-1)"
    assert str(mc.norm2(x) ** 2 * 0.5) == "norm2(x)**2 * (1/2)"
    assert "-1" in mc.latex(x * (-c)) and "−1" in mc.unicode(x * (-c))


# regression: the unicode printer dropped the brackets of a numerator
def test_unicode_division_brackets_its_numerator():
    assert mc.unicode(mc.diff(mc.norm2(x - a), x)) == "(x − a)/‖x − a‖₂"
    assert mc.unicode((x + a) / c) == "(x + a)/c"


# regression: a scalar broadcast over a vector in a sum did not print as a plain number
def test_broadcast_numbers_print_as_numbers_and_variables_with_their_ones():
    assert str(x - c) == "x - c * ones(n)"  # parses back without a broadcast warning
    assert mc.unicode(x - 2 * c) == "x − 2c𝟏"
    assert str(1 - m * mc.softmax(y)) == "1 - m * softmax(y)"


# regression: the text of relu's derivative, step(x), did not rebuild the expression
def test_relu_derivative_text_rebuilds():
    g = mc.diff(mc.sum(mc.relu(x)), x)
    assert str(g) == "step(x)"
    assert eval(str(g), {"step": mc.step, "x": x}) == g


# regression: x_hat did not print as x̂, and (X⁻¹)∘² printed like a matrix power
def test_decorated_names_in_latex_and_unicode():
    xh = mc.vector("x_hat", n)
    assert mc.latex(xh) == r"\hat{x}" and mc.unicode(xh) == "x̂"
    assert mc.unicode(mc.inv(X) ** 2) == "(X⁻¹)∘²"  # elementwise, not a matrix power


# regression: the unicode printer garbled a row of ones, a leading fraction and (xᵀy)/a
def test_unicode_rows_of_ones_and_fractions():
    N = mc.dims("N")
    G = mc.matrix("G", N, m)
    assert mc.unicode(mc.ones(N).T @ G) == "𝟏ᵀG"
    X = mc.matrix("X", n)
    assert mc.unicode(mc.diff(mc.det(X) ** 0.5, X)).startswith("(1/2)")
    y, a = mc.vector("y", n), mc.scalar("a")
    assert mc.unicode((x.T @ y) / a) == "(xᵀy)/a"


# regression: a compound size in a subscript (I_(n²)) printed like a nested subscript
def test_sizes_in_subscripts_are_never_read_as_nested_subscripts():
    assert mc.unicode(mc.kron(mc.eye(n**2), Xmn)) == "I_(n²) ⊗ X"
    assert mc.unicode(mc.kron(mc.eye(n), Xmn)) == "Iₙ ⊗ X"


# regression: erf's constant 2/√π printed as ((2/sqrt(pi))) in unicode
def test_irrational_constants_print_as_a_reader_writes_them():
    v = mc.vector("v", mc.dims("n"))
    assert mc.unicode(mc.diff(mc.sum(mc.erf(v)), v)) == "(2/√π) exp(−v²)"


def test_the_centring_jacobian_shows_its_ones_matrix():
    n = mc.dims("n")
    x = mc.vector("x", n)
    J = mc.diff(x - mc.sum(x) / n * mc.ones(n), x, "numerator")
    assert mc.unicode(J) == "I − (1/n)𝟏𝟏ᵀ"
    assert mc.latex(J) == r"I - \frac{1}{n} \mathbf{1} \mathbf{1}^{\top}"
    assert str(J) == "eye(n) - (1/n) * ones(n, n)"
    assert str(mc.parse(str(J), {"n": n})) == str(J)


def test_a_number_spread_over_a_vector_stays_a_number_but_over_a_matrix_shows_its_ones():
    # regression: in a sum of elementwise terms 1 was printed bare, and exp(W) − 1 read as e^W − I
    y, A = mc.vector("y", n), mc.matrix("A", n, n)
    assert mc.unicode(1 - y) == "1 − y"
    assert mc.unicode(A + 1) == "A + 𝟏𝟏ᵀ" and str(A + 1) == "A + ones(n, n)"
    assert mc.unicode(x - mc.sum(x) / n) == "x − (1/n) sum(x)𝟏"
    X = mc.matrix("X", n, m)  # exp(X) − 1 would read as e^X − I
    assert mc.unicode(1 - mc.sigmoid(X)) == "𝟏𝟏ᵀ − σ(X)" and mc.unicode(mc.exp(X) - 1) == (
        "exp∘(X) − 𝟏𝟏ᵀ")


def test_a_difference_prints_its_positive_term_first():
    mu, S = mc.vector("mu", n), mc.matrix("S", n, spd=True)
    assert mc.unicode(mc.diff((x - mu).T @ mc.inv(S) @ (x - mu) / 2, mu)) == "−S⁻¹(x − μ)"
    r = mc.dims("r")
    X, U, V = mc.matrix("X", m, n), mc.matrix("U", m, r), mc.matrix("V", n, r)
    assert mc.unicode(mc.diff(mc.norm2(X - U @ V.T) ** 2, U)) == "−2(X − UVᵀ)V"


# regression: a minus sign before a sum printed without brackets: −(x − a) as "−x − a"
def test_a_negated_sum_keeps_its_brackets_in_every_printer():
    from matcalc.core.expr import Add, Const, Mul

    a = mc.vector("a", n)
    raw = Mul.new(Const.new(-1), Add.new(x, Mul.new(Const.new(-1), a)))  # not simplified
    assert mc.unicode(raw) == "−(x − a)"
    assert mc.latex(raw) == r"-\left(x - a\right)"
    assert str(raw) == "-(x - a)"
    assert mc.unicode(mc.simplify(raw)) == "a − x"  # canonical: the sign goes into the sum
    assert mc.unicode(mc.simplify(-(a + x))) == "−(a + x)"
    assert mc.unicode(mc.simplify(mc.vector("b", n) - (x - a))) == "a + b − x"


# regression: a division by a scalar lost its brackets under a power, a transpose or an inverse
def test_a_quotient_is_bracketed_under_a_power_transpose_inverse_and_product():
    c, A, B = mc.scalar("c"), mc.matrix("A", n, n), mc.matrix("B", n, n)
    assert mc.unicode((x / c) ** 3) == "(x/c)³"
    assert mc.unicode(mc.inv(A / c) @ B) == "(A/c)⁻¹B"
    assert mc.unicode((x / c).T @ A @ x) == "(x/c)ᵀAx"
    assert mc.unicode((A / c) @ B) == "(A/c)B"
    assert mc.latex((x / c) ** 3) == r"\left(\frac{x}{c}\right)^{\circ 3}"
    assert mc.unicode(x / c + x) == "x/c + x"


# regression: exp, log and sqrt of a matrix printed as exp(W), log(W), √W: on paper (Higham, the
# Matrix Cookbook) those are the matrix exponential, logarithm and square root, expm/logm/sqrtm
def test_an_elementwise_function_of_a_matrix_never_reads_as_its_matrix_function():
    W = mc.matrix("W", n)
    for f, fm, uni, tex in [
            (mc.exp, mc.expm, "exp∘(W)", r"\exp^{\circ}\left(W\right)"),
            (mc.log, mc.logm, "log∘(W)", r"\log^{\circ}\left(W\right)"),
            (mc.sqrt, mc.sqrtm, "W∘¹ᐟ²", r"W^{\circ \frac{1}{2}}")]:
        assert (mc.unicode(f(W)), mc.latex(f(W))) == (uni, tex)
        assert mc.unicode(fm(W)) == f"{fm.__name__}(W)" and mc.latex(fm(W)) == (
            rf"\operatorname{{{fm.__name__}}}\left(W\right)")
        for e in (f(W), fm(W)):  # the text names them apart and reads back
            assert mc.parse(mc.text(e), {"W": W}) == e
        # a vector, a scalar: no matrix function to confuse it with, written as before
        assert mc.unicode(f(x)) in ("exp(x)", "log(x)", "√(x)")
    assert mc.unicode(W ** sympy.Rational(1, 2)) == "W∘¹ᐟ²"  # the power ½ too
    assert mc.unicode(mc.exp(mc.matrix("X", n, m)) - 1) == "exp∘(X) − 𝟏𝟏ᵀ"
    assert mc.unicode(mc.tanh(W)) == "tanh(W)"  # no tanhm: one meaning, unmarked


# regression: a float the user typed printed as an exact fraction, 1e-5 as 1/100000
def test_a_decimal_number_prints_as_a_decimal_and_keeps_its_exact_value():
    f = x.T @ x + 1e-5 * mc.sum(x)
    g = mc.diff(f, x)
    assert (str(g), mc.unicode(g), mc.latex(g)) == (
        "1e-05 + 2 * x", "10⁻⁵ + 2x", r"10^{-5} + 2 x")
    assert mc.unicode(f) == "xᵀx + 10⁻⁵ sum(x)" and str(f) == "x.T @ x + 1e-05 * sum(x)"
    assert mc.check(f, x).ok  # the value is the float's: 1/100000 exactly
    assert mc.simplify(mc.parse(str(g), {"x": x})) == g
    c = [node for node in postorder(g) if isinstance(node, mc.core.expr.Const)]
    assert [node.value for node in c] == [sympy.Rational(1, 100000), 2]
    cases = {0.05: ("0.05", "0.05", "0.05"), 2.5e-5: ("2.5e-05", "2.5·10⁻⁵", r"2.5 \cdot 10^{-5}"),
             -0.3: ("-0.3", "−0.3", "-0.3"), 2.00001: ("2.00001", "2.00001", "2.00001"),
             1e20: ("100000000000000000000", "100000000000000000000", "100000000000000000000")}
    for number, forms in cases.items():
        e = number * x
        assert (str(e), mc.unicode(e), mc.latex(e)) == tuple(
            f"{t} * x" if i == 0 else (f"{t}x" if i == 1 else f"{t} x")
            for i, t in enumerate(forms)), number
        assert eval(str(e), namespace(e)) == e  # the text rebuilds the same exact value
    # a fraction the user means stays a fraction; so does one that no float holds exactly
    assert mc.unicode(x / 2) == "(1/2)x" and mc.unicode(mc.core.expr.Const.new(
        sympy.Rational(1, 3)) * x) == "(1/3)x"
    assert str(sympy.Rational(10**20 + 1, 10**20) * x) == "100000000000000000001/100000000000000000000 * x"


# regression: c**0.1 printed its exponent as the fraction 1/10 (c¹ᐟ¹⁰) while 0.1 * c printed 0.1
def test_a_decimal_exponent_prints_as_typed_and_its_derivative_too():
    c = mc.scalar("c")
    f = c ** 0.1
    assert (str(f), mc.unicode(f), mc.latex(f)) == ("c**0.1", "c^(0.1)", "c^{0.1}")
    g = mc.diff(f, c)
    assert (str(g), mc.unicode(g), mc.latex(g)) == (
        "0.1 * c**(-0.9)", "0.1c^(−0.9)", r"0.1 c^{-0.9}")
    assert mc.parse(str(g), {"c": c}) == g and mc.parse(str(f), {"c": c}) == f
    assert eval(str(g), namespace(g)) == g  # the text rebuilds the same exact exponent
    assert mc.check(f, c).ok
    W = mc.matrix("W", n, m)
    assert mc.unicode(W ** 0.5) == "W∘¹ᐟ²" and mc.unicode(W ** 0.3) == "W^∘(0.3)"
    assert mc.unicode(c ** 0.5) == "√(c)" and mc.unicode(c ** 0.75) == "c³ᐟ⁴"  # fractions stay


# regression: a scalar in front of the first factor of a product kept its own brackets, so
# 1/2*x'*x printed ((1/2)xᵀ)x and -x'*x printed (−xᵀ)x
@pytest.mark.parametrize("text,unicode,latex", [
    ("1/2*x'*x", "(1/2)xᵀx", r"\frac{1}{2} x^{\top} x"),
    ("-x'*x", "−xᵀx", r"-x^{\top} x"),
    ("exp(-1/2*x'*inv(S)*x)", "exp(−(1/2)xᵀS⁻¹x)", r"\exp\left(- \frac{1}{2} x^{\top} S^{-1} x\right)"),
    ("x'*A*x + c*sin(y)'*x", "xᵀAx + c sin(y)ᵀx", r"x^{\top} A x + c \sin\left(y\right)^{\top} x"),
    ("(c*(A+B))*x", "c(A + B)x", r"c \left(A + B\right) x"),
    ("(x'/c)*y", "((xᵀ)/c)y", r"\left(\frac{x^{\top}}{c}\right) y"),
    ("(x.*y)'*z", "(x ⊙ y)ᵀz", r"\left(x \odot y\right)^{\top} z"),
    # regression (review): a negated first factor inside a product or a sum, and a scalar
    # multiple of a Hadamard or Kronecker product, lost the brackets they need
    ("a*(-x'*x)", "a(−xᵀx)", r"a \left(-x^{\top} x\right)"),
    ("b + -x'*x", "b − xᵀx", r"b - x^{\top} x"),
    ("tr((-(X.*B))*C)", "tr((−X ⊙ B)C)", r"\operatorname{tr}\left(\left(-X \odot B\right) C\right)"),
    ("(a*kron(A,B))*C", "(aA ⊗ B)C", r"\left(a A \otimes B\right) C"),
    # regression (second review): a negated product after a factor, a Hadamard or Kronecker
    # sign or a minus sign read as a subtraction
    ("2*((-A)*B)", "2(−AB)", r"2 \left(-A B\right)"),
    ("A .* ((-B)*C)", "A ⊙ (−BC)", r"A \odot \left(-B C\right)"),
    ("kron(A, (-B)*C)", "A ⊗ (−BC)", r"A \otimes \left(-B C\right)"),
    ("A - (-B)*C", "A − (−BC)", r"A - \left(-B C\right)"),
])
def test_a_scalar_multiple_of_a_products_first_factor_needs_no_brackets(text, unicode, latex):
    f = mc.parse(text)
    assert mc.unicode(f) == unicode and mc.latex(f) == latex
    assert mc.parse(mc.text(f)) == f


# regression: x'*A^3*x printed xᵀAAAx and its gradient (AAA + AᵀAᵀAᵀ)x
def test_a_repeated_square_factor_prints_as_a_matrix_power():
    f = mc.parse("x'*A^3*x")
    assert mc.unicode(f) == "xᵀA³x" and mc.latex(f) == r"x^{\top} A^{3} x"
    assert mc.unicode(mc.diff(f, next(s for s in f.free_symbols() if s.name == "x"))) \
        == "(A³ + (Aᵀ)³)x"
    assert mc.unicode(mc.parse("A^2*B*B")) == "A²B²"
    assert mc.unicode(mc.parse("x'*inv(A)*inv(A)*x")) == "xᵀ(A⁻¹)²x"
    assert mc.text(f) == "x.T @ A @ A @ A @ x"  # Python's text stays a product
    assert mc.unicode(x @ x.T @ x @ x.T) == "xxᵀxxᵀ"  # not square: no power
