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


# regression: a chain's "= 2WᵀW [simplify]" was followed by the same "= 2WᵀW [substitute the
# definitions]" when the simplified product had no intermediate left to substitute
@pytest.mark.parametrize("order", [1, 2])
def test_no_step_repeats_the_equation_before_it(order):
    W, y = mc.matrix("W", m, n), mc.vector("y", m)
    cases = ALL + [(mc.norm2(W @ x - y) ** 2, x)] if order == 1 else [
        (mc.norm2(W @ x - y) ** 2, x), (x.T @ W.T @ W @ x, x), (mc.sum(mc.tanh(W @ x)), x)]
    for f, w in cases:
        if order == 2 and not (f.is_scalar and w.cols == 1):
            continue
        steps = mc.derive(f, w, order=order).steps
        for before, after in zip(steps, steps[1:]):
            assert (before.lhs, before.after) != (after.lhs, after.after), (
                str(f), w.name, after.name)


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
    assert d.steps[-1].rule.name == "elementwise sigmoid on a batch"
    assert "∂L/∂X = G ⊙ σ′(X)" in d.steps[-1].rule.formula


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
        "elementwise tanh": mc.derive(mc.sum(mc.tanh(x)), x),
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
        # a rule's name, or the name of one of the moves an identification step lists
        assert rule in d.rules or any(rule in str(s.rule) for s in d), (rule, d.text())
        assert d.result == mc.diff(d.f, d.wrt, d.layout)


# regression: the paths through a skip connection were not separate steps summed by the copy rule
def test_skip_connection_contributions_are_separate_lines_then_summed():
    W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", n, m)
    t = mc.vector("t", n)
    L = mc.norm2(x + W2 @ mc.relu(W1 @ x) - t) ** 2
    d = mc.derive(L, x)
    paths = [s for s in d if isinstance(s.lhs, mc.core.nodes.Partial) and s.lhs.via]
    assert {s.lhs.via for s in paths} >= {"h1", "h2"} or len({s.lhs.via for s in paths}) >= 2
    assert "|" in mc.unicode(paths[0].lhs)
    assert STEP_RULES["copy"] in [s.rule for s in d] and d.result == mc.diff(L, x)


# regression: the layout steps of a derivation were not true equations ((∂y/∂x)ᵀ = J, ∂y/∂x = Jᵀ)
def test_layout_steps_are_true_equations():
    W1, W2 = mc.matrix("W1", n), mc.matrix("W2", n)
    y = x + W2 @ mc.tanh(W1 @ x)
    d = mc.derive(y, x, "denominator")
    natural = next(s for s in d if s.rule is STEP_RULES["identify"])
    assert isinstance(natural.lhs, mc.core.expr.Transpose)  # (∂y/∂x)ᵀ = J, then ∂y/∂x = Jᵀ
    assert d.steps[-1].lhs is natural.lhs.args[0] and d.steps[-1].after == d.result
    num = mc.derive(x.T @ x, x, "numerator")
    assert mc.unicode(num.steps[-1].lhs) == "(∂L/∂x)ᵀ"


# regression: a batch layer's derivation skipped the activation step, and ∂/∂b kept tanh(W.T…)
def test_batch_layer_with_an_activation_shows_the_activation_step():
    N = mc.dims("N")
    X, W, b, G = mc.matrix("X", N, n), mc.matrix("W", n, m), mc.vector("b", m), mc.matrix("G", N, m)
    Y = mc.tanh(X @ W + mc.ones(N) @ b.T)
    dX = mc.derive(Y, X, upstream=G)
    assert "elementwise tanh on a batch" in dX.rules
    assert STEP_RULES["linear_rows"] in [s.rule for s in dX]
    db = mc.derive(Y, b, upstream=G)
    assert "tanh(W.T" not in str(db.result) and db.result == mc.diff(Y, b, upstream=G)
    for v in (X, W, b):
        assert mc.check(mc.sum(G * Y), v).ok


def test_gaussian_nll_by_its_covariance_shows_its_differential_rule_by_rule():
    S, mu = mc.matrix("S", n, spd=True), mc.vector("mu", n)
    f = 0.5 * mc.logdet(S) + 0.5 * (x - mu).T @ mc.inv(S) @ (x - mu)
    d = mc.derive(f, S)
    names = d.rules
    assert "take the differential" in names
    assert any("log-determinant" in r for r in names) and "inverse" in names
    # the steps are equations in df, each one level of rules further, ending in df itself
    df = [s for s in d if mc.unicode(s.lhs) == "df" or s.rule.name in ("linearity",)]
    assert mc.unicode(d.steps[2].after).startswith("d(")
    assert "tr(S⁻¹ dS)" in mc.unicode(next(s.after for s in d if "log-determinant" in s.rule.name))
    assert "S⁻¹ dS S⁻¹" in mc.unicode(next(s.after for s in d if s.rule.name == "inverse"))
    identification = next(s for s in d if s.rule.name == "identification")
    assert "df = ⟨G, dX⟩ = tr(Gᵀ dX) ⇒ ∂f/∂X = G" in identification.rule.formula
    assert len(df) >= 4 and d.result == mc.diff(f, S)


def test_logistic_loss_labels_name_the_log_exp_and_hadamard_rules():
    N = mc.dims("N")
    X, w, y = mc.matrix("X", N, n), mc.vector("w", n), mc.vector("y", N)
    d = mc.derive(mc.sum(mc.log(1 + mc.exp(-y * (X @ w)))), w)
    names = " | ".join(d.rules)
    assert "elementwise log" in names and "elementwise exp" in names
    assert "Hadamard product rule" in names and "linear propagation" in names
    assert "add gate" not in d.rules  # the add gate passes along; the log rule does the work


def test_the_engine_reports_which_rules_fired():
    from matcalc.rules.differential import differential
    from matcalc.rules.pullback import gradients_of

    A = mc.matrix("A", n)
    fired = []
    df = differential(mc.simplify(mc.logdet(A) + x.T @ mc.inv(A) @ x), [A], fired)
    assert [r.name for _, r in fired] == ["log-determinant", "inverse", "product rule",
                                         "linearity"]
    moves = []
    gradients_of(df, [mc.core.nodes.Differential.new(A)], moves)
    assert {r.name for _, r in moves} >= {"cyclic property of the trace", "linear propagation"}


# regression: the identification step read a zero differential (d tr(sign X) = 0) and crashed
def test_a_matrix_function_with_a_zero_derivative_derives_to_zero():
    X = mc.matrix("X", n)
    for f, w in [(mc.tr(mc.sign(X)), X), (mc.logdet(X) + mc.sum(mc.sign(x)), x)]:
        d = mc.derive(f, w)
        assert d.result == mc.diff(f, w)


# regression: differential steps cited gradient identities (∂(aᵀx)/∂x = a) in numerator layout
def test_differential_steps_cite_differential_identities_in_every_layout():
    a, X = mc.vector("a", n), mc.matrix("X", n)
    for layout in mc.LAYOUTS:
        d = mc.derive(mc.logdet(X) + a.T @ x, x, layout)
        formulas = " | ".join(s.rule.formula for s in d)
        assert "d(aᵀx) = aᵀ dx" in formulas and "∂(aᵀx)/∂x = a" not in formulas


# regression: a transposed weight's step cited Y = XW: ∂L/∂W = Xᵀ G without its transpose
def test_a_transposed_weight_names_its_transpose():
    N = mc.dims("N")
    Xb, W, G = mc.matrix("X", N, n), mc.matrix("W", m, n), mc.matrix("G", N, m)
    d = mc.derive(mc.tanh(Xb @ W.T), W, upstream=G)
    assert any("transpose" in s.rule.name for s in d) and d.result == mc.diff(
        mc.tanh(Xb @ W.T), W, upstream=G)


def test_a_norm1_residual_is_named_like_a_norm2_one():
    W, V, b = mc.matrix("W", m, n), mc.matrix("V", p, m), mc.vector("b", p)
    for norm in (mc.norm1, mc.norm2):
        d = mc.derive(norm(V @ mc.tanh(W @ x) - b), x)
        assert d.steps[1].rule is STEP_RULES["definition"] and d.result == mc.diff(d.f, x)


# regression: the derivation called a vector function y even when y was one of its variables
def test_the_function_is_named_apart_from_its_variables():
    y = mc.vector("y", n)
    d = mc.derive(mc.exp(x) * y, y)
    assert mc.unicode(d.steps[0].lhs) != "y" and d.result == mc.diff(mc.exp(x) * y, y)


def test_single_head_attention_by_queries_keys_and_values():
    N, dk, dv = mc.dims("N dk dv")
    Q, K = mc.matrix("Q", N, dk), mc.matrix("K", N, dk)
    V, G = mc.matrix("V", N, dv), mc.matrix("G", N, dv)
    P = mc.softmax(Q @ K.T / mc.sqrt(dk), axis=1)
    L = mc.sum(G * (P @ V))
    assert mc.diff(L, V) == mc.simplify(P.T @ G)
    for w in (Q, K, V):
        for layout in mc.LAYOUTS:
            assert mc.check(L, w, layout).ok
        assert mc.derive(L, w).result == mc.diff(L, w)
    by_Q = mc.diff(L, Q)
    assert not any(isinstance(node, mc.core.nodes.Diag) for node in postorder(by_Q))


def test_batch_softmax_cross_entropy_with_a_bias_and_a_mean_over_the_rows():
    N, d, k = mc.dims("N d k")
    X, W, b, Y = mc.matrix("X", N, d), mc.matrix("W", d, k), mc.vector("b", k), mc.matrix("Y", N, k)
    Z = X @ W + mc.ones(N) @ b.T
    L = -mc.sum(Y * mc.log_softmax(Z, axis=1)) / N
    for w in (W, b):
        for layout in mc.LAYOUTS:
            assert mc.check(L, w, layout).ok
    P = mc.softmax(Z, axis=1)
    by_b = mc.lambdify(mc.diff(L, b))
    textbook = mc.lambdify((P - Y).T @ mc.ones(N) / N)
    rng = np.random.default_rng(0)
    values = {"X": rng.standard_normal((5, 3)), "W": rng.standard_normal((3, 4)),
              "b": rng.standard_normal(4), "Y": np.eye(4)[rng.integers(0, 4, 5)]}
    np.testing.assert_allclose(by_b(**{k_: values[k_] for k_ in by_b.names}),
                               textbook(**{k_: values[k_] for k_ in textbook.names}), atol=1e-12)


def test_layer_norm_of_a_vector_by_its_input_scale_and_shift():
    gamma, beta = mc.vector("gamma", n), mc.vector("beta", n)
    centred = x - mc.mean(x) * mc.ones(n)
    y = gamma * centred / mc.sqrt(mc.mean(centred * centred) + 1 / 100) + beta
    L = mc.sum(mc.tanh(y))
    for w in (x, gamma, beta):
        for layout in mc.LAYOUTS:
            assert mc.check(L, w, layout).ok
        assert mc.derive(L, w).result == mc.diff(L, w)


def _values_agree(a, b, values):
    fa, fb = mc.lambdify(a), mc.lambdify(b)
    np.testing.assert_allclose(fa(**{k_: values[k_] for k_ in fa.names}),
                               fb(**{k_: values[k_] for k_ in fb.names}), atol=1e-12)


def test_layer_norm_and_batch_cross_entropy_are_shorter_than_one_and_a_half_textbook_forms():
    """The textbook gradients written out in full (no names for the mean, the scale or the
    upstream), as matcalc text: diff's results are shorter than 1.5 times them, and equal."""
    rng = np.random.default_rng(3)
    gamma, beta = mc.vector("gamma", n), mc.vector("beta", n)
    centred = x - mc.mean(x) * mc.ones(n)
    sigma = mc.sqrt(mc.mean(centred * centred) + 1 / 100)
    xhat = centred / sigma
    L = mc.sum(mc.tanh(gamma * xhat + beta))
    g = 1 - mc.tanh(gamma * xhat + beta) ** 2  # the upstream gradient ∂L/∂y
    textbook = {  # ∂L/∂x = (ĝ − mean(ĝ) − x̂ mean(ĝ ⊙ x̂))/σ with ĝ = γ ⊙ g; ∂L/∂γ = g ⊙ x̂
        x: (gamma * g - mc.mean(gamma * g) * mc.ones(n) - xhat * mc.mean(gamma * g * xhat))
        / sigma,
        gamma: g * xhat,
    }
    values = {name: rng.standard_normal(4) for name in ("x", "gamma", "beta")}
    for w, form in textbook.items():
        result = mc.diff(L, w)
        assert len(str(result)) < 1.5 * len(str(form)), (len(str(result)), len(str(form)))
        _values_agree(result, form, values)

    N, d, k = mc.dims("N d k")
    X, W, b, Y = mc.matrix("X", N, d), mc.matrix("W", d, k), mc.vector("b", k), mc.matrix("Y", N, k)
    Z = X @ W + mc.ones(N) @ b.T
    L = -mc.sum(Y * mc.log_softmax(Z, axis=1)) / N
    P = mc.softmax(Z, axis=1)
    # the textbook's one-hot rows of Y (each sums to 1); diff's results hold for any Y
    textbook = {W: X.T @ (P - Y) / N, b: (P - Y).T @ mc.ones(N) / N}
    values = {"X": rng.standard_normal((5, 3)), "W": rng.standard_normal((3, 4)),
              "b": rng.standard_normal(4), "Y": np.eye(4)[rng.integers(0, 4, 5)]}
    for w, form in textbook.items():
        result = mc.diff(L, w)
        assert len(str(result)) < 1.5 * len(str(form)), (len(str(result)), len(str(form)))
        _values_agree(result, form, values)


def test_a_derivation_repr_is_one_readable_line_not_a_dataclass_dump():
    import matcalc as mc

    n = mc.dims("n")
    x, A = mc.vector("x", n), mc.matrix("A", n)
    d = mc.derive(x.T @ A @ x, x)
    assert repr(d) == ("<Derivation: f = x.T @ A @ x, by x, denominator layout, "
                       f"{len(d)} steps; result (A + A.T) @ x>")
    assert "\n" not in repr(d) and "Rule(" not in repr(d)
