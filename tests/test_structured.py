"""Structured derivatives by a symmetric or a diagonal matrix, only on request (Matrix Cookbook
§2.8)."""

import pytest

import matcalc as mc

n = mc.dims("n")
x, a = mc.vector("x", n), mc.vector("a", n)
A = mc.matrix("A", n)
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)

CASES = [x.T @ S @ a, mc.tr(A @ S), mc.logdet(P), x.T @ mc.inv(P) @ x, mc.tr(S @ S @ A),
         mc.det(P), mc.norm2(S @ x - a) ** 2]


def structured(f, X):
    G = mc.diff(f, X)
    return mc.simplify(G + G.T - mc.diag(mc.diag(G)))


@pytest.mark.parametrize("f", CASES, ids=[str(f) for f in CASES])
def test_structured_is_g_plus_g_transposed_minus_its_diagonal(f):
    X = next(s for s in f.free_symbols() if s.name in ("S", "P"))
    assert mc.diff(f, X, structure="symmetric") == structured(f, X)
    assert mc.diff(f, X) != mc.diff(f, X, structure="symmetric")  # the default stays unstructured


@pytest.mark.parametrize("layout", mc.LAYOUTS)
@pytest.mark.parametrize("f", CASES, ids=[str(f) for f in CASES])
def test_structured_matches_differences_that_move_both_entries(f, layout):
    X = next(s for s in f.free_symbols() if s.name in ("S", "P"))
    assert mc.check(f, X, layout, structure="symmetric").ok
    # and the unstructured result does not pass the structured check
    import dataclasses

    from matcalc.numeric import check as check_module

    real = check_module.differentiate
    try:
        check_module.differentiate = lambda f_, w, l="denominator", s="unstructured": \
            dataclasses.replace(real(f_, w, l, s), result=real(f_, w, l).result)
        assert not mc.check(f, X, layout, structure="symmetric").ok
    finally:
        check_module.differentiate = real


def test_logdet_of_an_spd_matrix_structured_form():
    Pinv = mc.inv(P)
    assert mc.diff(mc.logdet(P), P, structure="symmetric") == mc.simplify(
        2 * Pinv - mc.diag(mc.diag(Pinv)))


def test_structure_needs_a_declared_symmetric_matrix():
    with pytest.raises(mc.MatcalcError, match="declared symmetric"):
        mc.diff(mc.tr(A), A, structure="symmetric")
    with pytest.raises(mc.MatcalcError, match="unknown structure"):
        mc.diff(mc.tr(S), S, structure="toeplitz")


def test_structure_is_not_for_diagonal_matrices_and_reports_say_which_check_ran():
    D = mc.matrix("D", n, diagonal=True)
    with pytest.raises(mc.MatcalcError, match="not diagonal"):
        mc.diff(x.T @ D @ a, D, structure="symmetric")
    assert "symmetric]" in str(mc.check(x.T @ S @ a, S, structure="symmetric")).splitlines()[0]


B = mc.matrix("B", n)
D = mc.matrix("D", n, diagonal=True)


# regression: a symmetric or diagonal variable got a structured, not entry-by-entry, derivative
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


X = mc.matrix("X", n)
Dg = mc.matrix("Dg", n, diagonal=True)
DIAGONAL_CASES = [(mc.tr(A @ X @ A.T @ X), X), (x.T @ X @ a, X), (mc.logdet(P + X @ X.T), X),
                  (x.T @ Dg @ a + mc.tr(Dg @ Dg @ A), Dg)]


@pytest.mark.parametrize("f,D", DIAGONAL_CASES, ids=[str(f) for f, _ in DIAGONAL_CASES])
def test_by_a_diagonal_it_is_the_gradient_masked_to_the_diagonal(f, D):
    G = mc.diff(f, D)
    assert mc.diff(f, D, structure="diagonal") == mc.simplify(mc.diag(mc.diag(G)))


@pytest.mark.parametrize("layout", mc.LAYOUTS)
@pytest.mark.parametrize("f,D", DIAGONAL_CASES, ids=[str(f) for f, _ in DIAGONAL_CASES])
def test_by_a_diagonal_it_matches_differences_that_move_only_the_diagonal(f, D, layout):
    assert mc.check(f, D, layout, structure="diagonal").ok
    if D is X:  # and the full gradient, which has entries off the diagonal, does not
        import matcalc.numeric.check as check_module
        original = check_module.differentiate
        try:
            check_module.differentiate = lambda f_, w, l=None, s="unstructured": original(f_, w, l)
            assert not mc.check(f, D, layout, structure="diagonal").ok
        finally:
            check_module.differentiate = original


def test_by_a_diagonal_needs_a_square_matrix():
    W = mc.matrix("W", n, mc.dims("m"))
    with pytest.raises(mc.MatcalcError, match="structure='diagonal' needs a square matrix"):
        mc.diff(mc.sum(W), W, structure="diagonal")
    with pytest.raises(mc.MatcalcError, match="square matrix"):
        mc.diff(mc.scalar("c") ** 2, mc.scalar("c"), structure="diagonal")
