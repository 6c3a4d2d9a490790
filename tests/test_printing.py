"""Printers: exact Python text, LaTeX, unicode and rich."""

import io

import pytest
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
