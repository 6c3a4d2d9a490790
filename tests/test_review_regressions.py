"""Defects an independent review found; each test pins the fix."""


import matcalc as mc
from matcalc.numeric import check as check_module

n, m = mc.dims("n m")
x, a = mc.vector("x", n), mc.vector("a", n)
y = mc.vector("y", m)
c = mc.scalar("c")
X, B = mc.matrix("X", n), mc.matrix("B", n)
A = mc.matrix("A", m, n)
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)
D = mc.matrix("D", n, diagonal=True)


def test_printers_keep_every_number_and_sign():
    assert str(x * 2) == "x * 2"
    assert str(x * (-1)) == "x * (-1)"
    assert str(mc.norm2(x) ** 2 * 0.5) == "norm2(x)**2 * (1/2)"
    assert "-1" in mc.latex(x * (-c)) and "−1" in mc.unicode(x * (-c))


def test_unicode_division_brackets_its_numerator():
    assert mc.unicode(mc.diff(mc.norm2(x - a), x)) == "(−a + x)/‖−a + x‖₂"
    assert mc.unicode((x + a) / c) == "(x + a)/c"


def test_broadcast_scalars_print_as_numbers_in_sums():
    assert str(x - c) == "x - c"
    assert mc.unicode(x - 2 * c) == "x − 2c"
    assert str(1 - m * mc.softmax(y)) == "1 - m * softmax(y)"


def _with_wrong_result(monkeypatch, wrong):
    real = check_module.differentiate

    def fake(f, w, layout="denominator", structure="unstructured"):
        import dataclasses

        return dataclasses.replace(real(f, w, layout, structure), result=wrong)

    monkeypatch.setattr(check_module, "differentiate", fake)


def test_check_catches_a_missing_transpose_under_inv_det_and_logdet(monkeypatch):
    _with_wrong_result(monkeypatch, mc.inv(X))  # the right answer is inv(X).T
    assert not mc.check(mc.logdet(X), X).ok


def test_check_catches_a_zero_gradient_of_a_small_function(monkeypatch):
    _with_wrong_result(monkeypatch, mc.zeros(n))
    assert not mc.check(1e-7 * mc.sum(mc.exp(x)), x).ok


def test_check_passes_a_right_derivative_of_a_large_function():
    report = mc.check(x.T @ x + 1e8, x)
    assert report.ok and "rounding" in report.detail


def test_structured_variables_get_the_unstructured_derivative():
    assert mc.diff(x.T @ S @ a, S) == x @ a.T
    assert mc.diff(mc.tr(S.T @ B), S) == B
    assert mc.diff(x.T @ D @ a, D) == x @ a.T
    assert mc.diff(x.T @ S @ x, x) == mc.simplify(2 * S @ x)  # properties still simplify
    for f, v in [(x.T @ S @ a, S), (mc.tr(S.T @ B), S), (x.T @ mc.inv(P) @ a, P),
                 (x.T @ D @ a, D), (mc.logdet(P), P)]:
        for layout in mc.LAYOUTS:
            assert mc.check(f, v, layout).ok
            assert mc.derive(f, v, layout).result == mc.diff(f, v, layout)


def test_kron_of_vectors_by_either_factor():
    f = mc.kron(x, y).T @ mc.kron(x, y)
    assert mc.diff(f, y) == mc.simplify(2 * (x.T @ x) * y)
    assert mc.diff(f, x) == mc.simplify(2 * (y.T @ y) * x)
    assert all(mc.check(f, v, layout).ok for v in (x, y) for layout in mc.LAYOUTS)


def test_sums_that_cancel_or_collect_after_distributing():
    s = mc.sigmoid(A @ x)
    bce = mc.sum(y * mc.log(s) + (1 - y) * mc.log(1 - s))
    assert mc.diff(bce, x) == mc.simplify(A.T @ (y - s))
    assert mc.simplify(-(x + a) + a + x) == mc.zeros(n)
    assert mc.simplify(1 - (1 - x)) == x
    assert mc.simplify(mc.diag(x) + mc.diag(a)) == mc.diag(mc.simplify(x + a))


def test_relu_derivative_text_rebuilds():
    g = mc.diff(mc.sum(mc.relu(x)), x)
    assert str(g) == "step(x)"
    assert eval(str(g), {"step": mc.step, "x": x}) == g


def test_decorated_names_in_latex_and_unicode():
    xh = mc.vector("x_hat", n)
    assert mc.latex(xh) == r"\hat{x}" and mc.unicode(xh) == "x̂"
    assert mc.unicode(mc.inv(X) ** 2) == "(X⁻¹)∘²"  # elementwise, not a matrix power
