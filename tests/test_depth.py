"""Deep expressions of every node kind build, print and differentiate without a
RecursionError, and their derivatives stay linear in size (counted in distinct nodes).

Depth 10,000 for most kinds; 2,000 for the kinds whose derivative repeats the node and a
scalar at every level (inv, det, logdet, the norms, softmax): their cost is linear too, but
about 1–2 ms per level, so 10,000 levels would add a minute to the suite.  Printing builds each
level's string from its argument's, so it is quadratic in nesting depth (about 20 s at depth
10,000); printed here at depth 2,000.
"""

from __future__ import annotations

import pytest

import matcalc as mc
from matcalc.core.walk import postorder

n = mc.dims("n")
X, x = mc.matrix("X", n), mc.vector("x", n)
DEEP, PRINTED, SHALLOW = 10_000, 2_000, 2_000

#: kind -> (one level of nesting around e, depth)
KINDS = {
    "elementwise tanh": (lambda e: mc.tanh(e), DEEP),
    "exp of sin": (lambda e: mc.exp(0.5 * mc.sin(e)), DEEP),
    "trace": (lambda e: mc.tr(e) * X, DEEP),
    "sum": (lambda e: mc.sum(e) * X, DEEP),
    "diag": (lambda e: mc.diag(mc.diag(e) * x), DEEP),
    "kron": (lambda e: mc.kron(mc.tr(e) * X, mc.eye(1)), DEEP),
    "logsumexp along an axis": (lambda e: mc.logsumexp(e, axis=1) @ x.T, DEEP),
    "inverse": (lambda e: mc.inv(e + X), SHALLOW),
    "det": (lambda e: mc.det(e) * X, SHALLOW),
    "logdet": (lambda e: mc.logdet(e) * X, SHALLOW),
    "norm2": (lambda e: mc.norm2(e) * X, SHALLOW),
    "norm1": (lambda e: mc.norm1(e) * X, SHALLOW),
    "softmax along an axis": (lambda e: mc.softmax(e, axis=1), SHALLOW),
}


def nest(step, depth: int):
    e = X
    for _ in range(depth):
        e = step(e)
    return e


@pytest.mark.parametrize("kind", KINDS)
def test_deep_expressions_of_every_kind_differentiate_with_linear_size(kind):
    step, depth = KINDS[kind]
    e = nest(step, depth)
    g = mc.diff(mc.sum(e), X)
    shape, size = g.shape, len(postorder(g))
    del g  # a failing assert must not print it: its text is exponentially long
    assert shape == X.shape
    # the gradient holds a bounded number of distinct nodes per level
    assert size <= 8 * depth + 20


@pytest.mark.parametrize("kind", ["elementwise tanh", "exp of sin", "diag", "trace"])
def test_deep_expressions_print_in_every_printer(kind):
    step, depth = KINDS[kind]
    e = nest(step, min(depth, PRINTED))
    text = str(e)
    assert text.count("(") >= min(depth, PRINTED)
    assert mc.latex(e) and mc.unicode(e)


def test_a_sum_and_a_product_of_ten_thousand_terms():
    terms = [mc.vector(f"a{i}", n) for i in range(DEEP)]
    total = mc.add(*terms)
    assert len(total.args) == DEEP
    assert mc.diff(mc.sum(total * x), x) is not None
    chain = mc.matmul(*[mc.matrix(f"W{i}", n) for i in range(DEEP)], x)
    assert len(chain.args) == DEEP + 1
    g = mc.diff(mc.sum(chain), x)
    assert g.shape == x.shape


def test_text_nested_past_the_parsers_limit_is_a_clear_error():
    with pytest.raises(mc.ParseError, match="nests deeper"):
        mc.parse("(" * DEEP + "x" + ")" * DEEP)


def test_a_product_nested_past_the_recursion_limit_is_a_matcalc_error():
    # A(B(A(B⋯))) built node by node, not flat: transposing it recursed out (RecursionError)
    from matcalc.core.expr import MatMul

    B = mc.matrix("B", n)
    e = X
    for i in range(20_000):
        e = MatMul.new(B if i % 2 else X, e)
    with pytest.raises(mc.MatcalcError, match="nests too deeply"):
        mc.diff(mc.tr(e.T), X)


def _long_cases():
    """Expressions past FLAT_LIMIT (24 factors), where long products nest instead of flattening
    and the product rule builds prefixes and suffixes: each is checked against differences."""
    A, B = mc.matrix("A", n), mc.matrix("B", n)
    e = x
    for i in range(30):  # one weight used 30 times, and another between
        e = (A if i % 3 else B) @ e
    yield "a weight used 30 times", mc.norm2(e) ** 2, A
    h = x
    for i in range(30):
        h = mc.tanh(mc.matrix(f"W{i}", n) @ h)
    yield "30 tanh layers by their input", mc.sum(h), x
    s = X
    for _ in range(30):
        s = mc.logdet(s) * X + X
    yield "logdet nested 30 deep", mc.sum(s), X
    p = x
    for i in range(40):
        p = p * mc.sin(mc.vector(f"v{i}", n) + x)
    yield "a product of 40 elementwise factors", mc.sum(p), x


@pytest.mark.parametrize("name, f, wrt", list(_long_cases()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_long_and_deep_expressions_agree_with_finite_differences_in_every_layout(name, f, wrt):
    for layout in mc.LAYOUTS:
        assert mc.check(f, wrt, layout).ok, (name, layout)


def test_the_hessian_of_a_30_layer_network_agrees_with_second_differences():
    h = x
    for i in range(30):
        h = mc.tanh(mc.matrix(f"W{i}", n) @ h)
    assert mc.check_hessian(mc.sum(h), x).ok
