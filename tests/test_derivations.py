"""mc.derive: the steps a reader recognises, and a result equal to mc.diff."""

import numpy as np
import pytest

import matcalc as mc
from matcalc.engine.derivation import STEP_RULES
from matcalc.core.walk import postorder
from tests.networks import mlp
from tests.test_rules_numeric import EXAMPLES
from tests.test_sympy_hard_cases import CASES as HARD

n, m, p, q = mc.dims("n m p q")
x = mc.vector("x", n)
W1, W2, W3 = mc.matrix("W1", m, n), mc.matrix("W2", p, m), mc.matrix("W3", q, p)

ALL = [(f, w) for _, f, ws in EXAMPLES for w in ws] + [(f, w) for _, f, w, _ in HARD]


@pytest.mark.parametrize("layout", mc.LAYOUTS)
def test_derivation_result_equals_diff_for_every_case_in_the_suite(layout):
    for f, w in ALL:
        d = mc.derive(f, w, layout)
        assert d.result == mc.diff(f, w, layout), (str(f), w.name, d.text())
        assert d.steps and d.steps[0].rule is STEP_RULES["function"]


def test_steps_are_immutable_values():
    d = mc.derive(x.T @ x, x)
    with pytest.raises(AttributeError):
        d.steps[0].after = x  # type: ignore[misc]
    assert isinstance(d.steps, tuple)


def test_three_layer_chain_rule_orders_local_jacobians_by_layout():
    o = W3 @ mc.tanh(W2 @ mc.tanh(W1 @ x))
    den, num = mc.derive(o, x, "denominator"), mc.derive(o, x, "numerator")
    chain = next(s for s in den if s.rule is STEP_RULES["chain"])
    assert mc.unicode(chain.after) == "∂h₁/∂x ∂h₂/∂h₁ ∂o/∂h₂"
    chain_num = next(s for s in num if s.rule is STEP_RULES["chain_numerator"])
    assert mc.unicode(chain_num.after) == "∂o/∂h₂ ∂h₂/∂h₁ ∂h₁/∂x"
    # the local Jacobians in closed form: Wᵀ and diag(Φ′(W h)) in denominator layout
    local = {mc.unicode(s.lhs): s.after for s in den if s.rule in (STEP_RULES["layer"], STEP_RULES["linear"])}
    h1 = mc.vector("h1", m)
    assert local["∂o/∂h₂"] == W3.T
    assert local["∂h₂/∂h₁"] == mc.simplify(W2.T @ mc.diag(1 - mc.tanh(W2 @ h1) ** 2))
    assert local["∂h₁/∂x"] == mc.simplify(W1.T @ mc.diag(1 - mc.tanh(W1 @ x) ** 2))
    # each layout's result is the other's transpose, and the derivation says so
    assert den.result == mc.simplify(num.result.T)
    assert den.steps[-1].rule is STEP_RULES["transpose_layout"] and den.steps[-1].after == num.result
    for layout in ("denominator", "numerator"):
        assert mc.check(o, x, layout).ok


def test_two_layer_backprop_ends_in_the_hadamard_outer_product_form():
    t = mc.vector("t", p)
    L = mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2
    d = mc.derive(L, W1)
    r = W2 @ mc.tanh(W1 @ x) - t
    assert d.result == mc.simplify(2 * ((W2.T @ r) * (1 - mc.tanh(W1 @ x) ** 2)) @ x.T)
    rules = d.rules
    assert "diagonal matrix to Hadamard product" in rules
    assert "weight gradient of a layer" in rules
    assert not any(isinstance(node, mc.core.nodes.Diag) for node in postorder(d.result))


def test_backprop_steps_and_result_size_grow_linearly_with_depth():
    steps, sizes = [], []
    for k in (1, 2, 4, 8, 16, 32):
        L, weights = mlp(k)
        d = mc.derive(L, weights[0])
        steps.append(len(d))
        sizes.append(len(postorder(d.result)))  # distinct nodes: shared h_p counted once
    # exact affine growth: every extra layer adds the same number of steps and nodes
    per_layer_steps = (steps[-1] - steps[0]) / 31
    per_layer_nodes = (sizes[-1] - sizes[0]) / 31
    for k, s, z in zip((1, 2, 4, 8, 16, 32), steps, sizes):
        assert s == steps[0] + per_layer_steps * (k - 1)
        assert z == sizes[0] + per_layer_nodes * (k - 1)
    assert per_layer_steps <= 4 and per_layer_nodes <= 12


def test_batch_linear_layer_backward_pass():
    N = mc.dims("N")
    X, W, b = mc.matrix("X", N, n), mc.matrix("W", n, m), mc.vector("b", m)
    G = mc.matrix("G", N, m)
    Y = X @ W + mc.ones(N) @ b.T
    assert mc.derive(Y, X, upstream=G).result == G @ W.T
    assert mc.derive(Y, W, upstream=G).result == X.T @ G
    assert mc.derive(Y, b, upstream=G).result == mc.simplify(G.T @ mc.ones(N))
    for w in (X, W, b):  # numerically, in every layout: the gradient of L = ⟨G, Y⟩
        for layout in mc.LAYOUTS:
            assert mc.diff(Y, w, layout, upstream=G) == mc.diff(mc.sum(G * Y), w, layout)
            assert mc.check(mc.sum(G * Y), w, layout).ok
    rules = {w.name: mc.derive(Y, w, upstream=G).steps[-1].rule.name for w in (X, W, b)}
    assert rules == {"X": "linear layer, rows as samples", "W": "weight gradient, rows as samples",
                     "b": "bias gradient: the column sums"}


def test_batch_activation_layer_is_a_hadamard_product():
    N = mc.dims("N")
    X, G = mc.matrix("X", N, n), mc.matrix("G", N, n)
    d = mc.derive(mc.sigmoid(X), X, upstream=G)
    assert d.result == mc.simplify(G * mc.sigmoid(X) * (1 - mc.sigmoid(X)))
    assert d.steps[-1].rule is STEP_RULES["activation_rows"]


def _numeric_backward(Y, wrt, G, values, h=1e-6):
    """∂⟨G, Y⟩/∂wrt by central differences, entry by entry."""
    f = mc.lambdify(mc.sum(G * Y))
    base = values[wrt.name]
    out = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        e = np.zeros_like(base)
        e[idx] = h
        out[idx] = (f(**{**values, wrt.name: base + e}) - f(**{**values, wrt.name: base - e})) / (2 * h)
    return out


def test_seed_text_batch_equations_hold_numerically():
    N = mc.dims("N")
    X, W, b = mc.matrix("X", N, n), mc.matrix("W", n, m), mc.vector("b", m)
    G = mc.matrix("G", N, m)
    rng = np.random.default_rng(0)
    values = {"X": rng.standard_normal((5, 3)), "W": rng.standard_normal((3, 4)),
              "b": rng.standard_normal((4, 1)), "G": rng.standard_normal((5, 4))}
    Y = X @ W + mc.ones(N) @ b.T
    for wrt in (X, W, b):
        symbolic = mc.lambdify(mc.derive(Y, wrt, upstream=G).result)(
            **{k: v for k, v in values.items() if k in mc.lambdify(mc.derive(Y, wrt, upstream=G).result).names})
        np.testing.assert_allclose(symbolic, _numeric_backward(Y, wrt, G, values), atol=1e-6)
    Xa, Ga = mc.matrix("X", N, n), mc.matrix("G", N, n)
    act_values = {"X": rng.standard_normal((5, 3)), "G": rng.standard_normal((5, 3))}
    grad = mc.lambdify(mc.derive(mc.sigmoid(Xa), Xa, upstream=Ga).result)(**act_values)
    np.testing.assert_allclose(grad, _numeric_backward(mc.sigmoid(Xa), Xa, Ga, act_values),
                               atol=1e-6)


def test_copy_gate_sums_the_gradients_of_each_use():
    A = mc.matrix("A", n)
    d = mc.derive(x.T @ A @ x, x)
    assert d.rules[:3] == ["the function", "copy gate: fan-out sums the gradients",
                           "collect terms"]
    assert mc.unicode(d.steps[1].after) == "Ax + Aᵀx"
    assert mc.unicode(d.result) == "(A + Aᵀ)x"


def test_skip_connection_is_a_copy_gate():
    V = mc.matrix("V", n)
    L = mc.sum(mc.tanh(V @ x) + x)
    d = mc.derive(L, x)
    assert "copy gate: fan-out sums the gradients" in d.rules
    assert mc.check(L, x).ok and d.result == mc.diff(L, x)


def test_renderings():
    t = mc.vector("t", p)
    d = mc.derive(mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2, W1)
    tex = d.latex()
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert tex.count("\\\\") == len(d) - 1 and tex.count(r"\text{") >= len(d)
    assert d._repr_latex_().startswith("$$")
    text = d.text()
    assert "∂L/∂W₁" in text and "⊙" in text and "[weight gradient of a layer" in text
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    Console(file=buf, width=160, color_system=None).print(d)
    assert "∂L/∂h₁" in buf.getvalue() and "diagonal matrix to Hadamard product" in buf.getvalue()


def test_every_rule_the_issue_names_appears_where_a_reader_expects_it():
    c, A = mc.scalar("c"), mc.matrix("A", n)
    where = {
        "linearity": mc.derive(mc.exp(c * x) + c * x, c),
        "product rule": mc.derive(mc.tanh(c * W1) @ x, c),
        "linear propagation": mc.derive(mc.norm2(W1 @ x) ** 2, x),
        "elementwise activation": mc.derive(mc.sum(mc.tanh(x)), x),
        "diagonal matrix to Hadamard product": mc.derive(mc.sum(mc.tanh(x)), x),
        "vectored chain rule": mc.derive(W2 @ mc.tanh(W1 @ x), x),
        "Jacobian transpose (numerator ↔ denominator)": mc.derive(x.T @ A @ x, x, "numerator"),
        "cyclic property of the trace": mc.derive(mc.tr(A @ mc.matrix("X", n) @ A),
                                                  mc.matrix("X", n)),
        "add gate": mc.derive(mc.sum(mc.tanh(A @ x) + x), x),
        "copy gate: fan-out sums the gradients": mc.derive(x.T @ A @ x, x),
        "collect terms": mc.derive(x.T @ A @ x, x),
    }
    for rule, d in where.items():
        assert rule in d.rules, (rule, d.text())
        assert d.result == mc.diff(d.f, d.wrt, d.layout)
