"""Named shared subexpressions: a result prints each repeated part once, in a where block."""

import re

import pytest

import matcalc as mc
from matcalc.printing.where import shared_parts
from tests.networks import mlp

m, n, p = mc.dims("m n p")
x, t = mc.vector("x", n), mc.vector("t", p)
W1, W2 = mc.matrix("W1", m, n), mc.matrix("W2", p, m)
TWO_LAYER = mc.norm2(W2 @ mc.tanh(W1 @ x) - t) ** 2


def _printed_sizes(k: int) -> tuple[int, int]:
    L, weights = mlp(k)
    g = mc.diff(L, weights[0])
    return len(mc.unicode(g)), len(mc.latex(g))


def test_a_deep_networks_gradient_prints_linearly_in_its_depth():
    (u4, l4), (u32, l32) = _printed_sizes(4), _printed_sizes(32)
    assert u32 <= 10 * u4 and l32 <= 10 * l4, (u4, u32, l4, l32)


def test_the_two_layer_gradient_writes_its_hidden_layer_once():
    g = mc.diff(TWO_LAYER, W1)
    text, latex = mc.unicode(g), mc.latex(g)
    assert text.count("tanh(W₁x)") == 1
    assert latex.count(r"\tanh\left(W_{1} x\right)") == 1
    assert text == "2((1 − u₁²) ⊙ (W₂ᵀ(W₂u₁ − t)))xᵀ\nwhere\n  u₁ = tanh(W₁x)"


def test_where_false_writes_every_part_out():
    g = mc.diff(TWO_LAYER, W1)
    assert mc.unicode(g, where=False).count("tanh(W₁x)") == 2
    assert "where" not in mc.latex(g, where=False)


def test_str_stays_one_python_expression_that_parses_back():
    L, weights = mlp(3)
    g = mc.diff(L, weights[0])
    text = str(g)
    assert "where" not in text and "\n" not in text
    symbols = {s.name: s for s in g.free_symbols()}
    assert mc.parse(text, symbols) == g


def test_each_definition_uses_only_earlier_names():
    L, weights = mlp(6)
    lines = mc.unicode(mc.diff(L, weights[0])).split("\n")
    assert lines[1] == "where"
    defined: list[str] = []
    for line in lines[2:]:
        name, text = line.strip().split(" = ", 1)
        used = set(re.findall(r"t[₀-₉]+", text))
        assert used <= set(defined), (name, used, defined)
        defined.append(name)
    assert defined == [f"t{chr(0x2080 + i)}" for i in range(1, len(defined) + 1)]


def test_a_named_part_is_shown_more_than_once_where_it_is_not_named():
    L, weights = mlp(5)
    g = mc.diff(L, weights[0])
    full = mc.unicode(g, where=False)
    for part in shared_parts(g, mc.unicode):
        assert full.count(mc.unicode(part, where=False)) >= 2


def test_a_short_repeated_part_is_written_out():
    a = mc.vector("a", n)
    assert mc.unicode(mc.diff(mc.norm2(x - a), x)) == "(x − a)/‖x − a‖₂"


def test_a_transpose_is_named_by_its_argument():
    L, weights = mlp(3)
    text = mc.unicode(mc.diff(L, weights[1]))
    assert text.endswith("t₁ᵀ\nwhere\n  t₁ = tanh(W₁x)\n  t₂ = tanh(W₂t₁)")


def test_a_function_of_a_symbol_is_written_out():
    x = mc.vector("x", n)
    assert mc.unicode(mc.hessian(mc.logsumexp(x), x)) == "diag(softmax(x)) − softmax(x) softmax(x)ᵀ"


def test_the_name_letter_avoids_the_expressions_own_symbols():
    g = mc.diff(TWO_LAYER, W1)
    assert "u₁" in mc.unicode(g) and "t₁" not in mc.unicode(g)


@pytest.mark.parametrize("kind", ["unicode", "latex"])
def test_a_500_layer_gradient_prints_in_linear_size(kind):
    L, weights = mlp(500)
    g = mc.diff(L, weights[0])
    size = len(getattr(mc, kind)(g))
    del g
    per_layer = {"unicode": 50, "latex": 150}[kind]  # 4 layers print in 135 and 507 characters
    assert size < per_layer * 500


def test_json_lists_the_named_parts(tmp_path):
    from matcalc.faces.cli import main
    import io
    import contextlib
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["diff", "norm2(W2*tanh(W1*x) - t)^2", "--wrt", "W1", "--json"])
    assert code == 0
    where = json.loads(out.getvalue())["derivatives"][0]["where"]
    assert where == [{"name": "u₁", "unicode": "tanh(W₁x)", "latex_name": "u_{1}",
                      "latex": r"\tanh\left(W_{1} x\right)"}]


def test_a_part_that_reads_short_in_the_names_before_it_is_not_named():
    """Layer norm: σ⁻¹ would be t₃ = t₂⁻¹; it reads better written t₂⁻¹ where it is used."""
    from matcalc.printing.where import MIN_CHARS

    gamma, beta = mc.vector("gamma", n), mc.vector("beta", n)
    centred = x - mc.mean(x) * mc.ones(n)
    sigma = mc.sqrt(mc.mean(centred * centred) + 1 / 100)
    g = mc.diff(mc.sum(mc.tanh(gamma * centred / sigma + beta)), x)
    lines = mc.unicode(g).split("\n")
    definitions = [line.split(" = ", 1)[1] for line in lines[2:]]
    assert definitions and all(len(text) >= MIN_CHARS for text in definitions)
    assert len(mc.unicode(g)) < len(mc.unicode(g, where=False)) / 3


def test_a_short_part_shown_three_times_is_named():
    """tanh(Vx) is eight characters: written out twice it stays, three times it is named."""
    V, W = mc.matrix("V", m, n), mc.matrix("W", p, m)
    H = mc.hessian(mc.norm2(W @ mc.tanh(V @ x) - t) ** 2, x)
    text = mc.unicode(H)
    assert text.count("tanh(Vx)") == 1 and "= tanh(Vx)" in text
