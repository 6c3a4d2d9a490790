"""Every differentiation rule and every elementwise function against finite differences, in
all three layouts, generated from the rule tables: a node type or function without an example
here fails ``test_every_node_type_has_examples``."""

import numpy as np
import pytest
import sympy

import matcalc as mc
from matcalc.core.nodes import NODE_TYPES, Differential
from matcalc.core.functions import FUNCTIONS
from matcalc.core.walk import postorder
from tests.strategies import DERIVATIVE_FACTORS  # made of first derivatives, never differentiated

n, m, p = mc.dims("n m p")
a, b, x, y, z = (mc.vector(s, n) for s in "abxyz")
u, v = mc.vector("u", m), mc.vector("v", m)
c, d = mc.scalar("c"), mc.scalar("d")
A, B, X = mc.matrix("A", n), mc.matrix("B", n), mc.matrix("X", n)
W, V = mc.matrix("W", m, n), mc.matrix("V", n, m)
S = mc.matrix("S", n, symmetric=True)
P = mc.matrix("P", n, spd=True)
Dg = mc.matrix("D", n, diagonal=True)
k = mc.vector("k", n * m)

#: (name, f, variables): each variable is checked in every layout
EXAMPLES = [
    ("symbol: scalar by scalar", c * d + c, [c, d]),
    ("symbol: vector by itself", x, [x]),
    ("const", 3 * (x.T @ x) - 2, [x]),
    ("const: scalar by scalar", c**2 / 4, [c]),
    ("identity", x.T @ (A + mc.eye(n)) @ x, [x, A]),
    ("ones: sum by the ones vector", mc.ones(n).T @ mc.exp(x), [x]),
    ("ones: broadcast scalar", mc.sum(1 - mc.tanh(W @ x) ** 2), [x, W]),
    ("zero", (W + mc.zeros(m, n)) @ x, [x]),
    ("add", a.T @ x + x.T @ x + c * (x.T @ y), [x, y, c]),
    ("mul: scalar times vector", c * x, [x, c]),
    ("mul: hadamard", x * y, [x, y]),
    ("mul: hadamard of matrices", mc.sum(W * (W @ A)), [W, A]),
    ("mul: scalar times matrix", c * W, [c]),
    ("mul: scalar of scalars", c * d * (x.T @ y), [c, x]),
    ("matmul", a.T @ A @ B @ x, [x, A, B, a]),
    ("matmul: vector by vector", W @ A @ x, [x]),
    ("matmul: outer product", (x @ y.T) @ a, [x, y]),
    ("pow: elementwise", mc.sum(x**3), [x]),
    ("pow: negative", mc.sum(x**-1), [x]),
    ("pow: fractional", mc.sum(x**1.5), [x]),
    ("pow: jacobian", x**2, [x]),
    ("pow: scalar", (x.T @ y) ** 2, [x, y]),
    ("transpose", (W @ x).T @ u, [x, W, u]),
    ("transpose: of a matrix", mc.tr(X.T @ B), [X]),
    ("trace", mc.tr(X @ B @ X), [X, B]),
    ("trace: of an outer product", mc.tr(x @ y.T), [x, y]),
    ("det", mc.det(X), [X]),
    ("det: scalar by scalar", mc.det(c * P), [c]),
    ("logdet", mc.logdet(X), [X]),
    ("logdet: of an spd matrix", mc.logdet(P) + mc.tr(P), [P]),
    ("inverse", a.T @ mc.inv(X) @ b, [X, a]),
    ("inverse: matrix by scalar", mc.inv(c * P + A), [c]),
    ("inverse: of a symmetric matrix", x.T @ mc.inv(P) @ x, [x, P]),
    ("solve: A⁻¹B by each", a.T @ mc.solve(X, W.T @ u) + mc.sum(mc.solve(P, V) ** 2), [X, W, P, V]),
    ("pinv: of a tall and of a wide matrix, by each", mc.sum(mc.pinv(W) ** 2)
     + u.T @ mc.pinv(V) @ x, [W, V, x]),
    ("pinv: matrix by matrix", mc.pinv(W), [W]),
    ("pinv: of a product, by a scalar", mc.pinv(c * W + W @ A), [c, A]),
    ("expm: gradient through the adjoint of the Fréchet derivative",
     mc.tr(A @ mc.expm(X)) + mc.sum(mc.expm(S) * B), [X, A, S]),
    ("expm: matrix by scalar", mc.expm(c * A), [c]),
    ("expm: vector by vector", mc.expm(X) @ x, [x]),
    ("logm: by the matrix and a vector", a.T @ mc.logm(X) @ b, [X, a]),
    ("logm: of an spd matrix, matrix by scalar", mc.logm(c * P), [c]),
    ("sqrtm: by the matrix", mc.sum(mc.sqrtm(X) * A), [X, A]),
    ("sqrtm: of a sum, by each", mc.tr(mc.sqrtm(P + c * X) @ B), [P, X, c]),
    ("eigvalsh: spectral function, by the matrix", mc.sum(mc.eigvalsh(S) ** 3)
     + a.T @ mc.eigvalsh(X), [S, X, a]),
    ("eigvalsh: vector by scalar", mc.eigvalsh(c * S + P), [c]),
    ("eigvalsh: vector by vector", mc.eigvalsh(P + mc.diag(x)), [x]),
    ("nuclear_norm: of a tall matrix and of a product", mc.nuclear_norm(W)
     + mc.nuclear_norm(X @ A), [W, X, A]),
    ("spectral_norm: of a product, by each factor", mc.spectral_norm(W @ X) + c * mc.spectral_norm(V),
     [W, X, V, c]),
    # the factors of first derivatives, differentiated for Hessians (issue 11, point 7)
    ("Fréchet derivative: by its point and its direction", mc.sum(B * mc.expm_frechet(X, A))
     + mc.tr(mc.logm_frechet(X, A) @ B) + mc.sum(mc.sqrtm_frechet(X, A) ** 2), [X, A]),
    ("Fréchet derivative: matrix by matrix", mc.expm_frechet(X, A), [X, A]),
    ("eigvecsh: through sign-free functions of the eigenvectors",
     mc.sum(B * mc.eigvecsh(S) ** 2) + a.T @ mc.eigvecsh(X) @ mc.diag(b) @ mc.eigvecsh(X).T @ a,
     [S, X]),
    ("divided differences: by the symmetric matrix", mc.sum(B * mc.expm_divdiff(S))
     + mc.sum(mc.logm_divdiff(P) ** 2) + mc.tr(A @ mc.sqrtm_divdiff(P)), [S, P]),
    ("polar: of a tall, a wide and a square matrix", mc.sum(mc.polar(W) * (W @ A)) + x.T
     @ mc.polar(V) @ u + mc.sum(mc.polar(X) * B), [W, V, X]),
    ("top_singular: of a tall and a square matrix", mc.sum(mc.top_singular(W) ** 3)
     + mc.tr(A @ mc.top_singular(X)), [W, X]),
    ("polar and top_singular: matrix by matrix", mc.polar(V) + mc.top_singular(V), [V]),
    ("sum", mc.sum(W), [W]),
    ("sum: of a nonlinear vector", mc.sum(mc.exp(W @ x)), [x, W]),
    ("sum: along each axis", mc.sum(mc.tanh(W), axis=0) @ x + u.T @ mc.sum(W ** 2, axis=1), [W, x]),
    ("mean: of all entries and along an axis", mc.mean(W * W) + mc.mean(mc.exp(W), axis=0) @ x,
     [W, x]),
    ("mean: jacobian of a column of row means", mc.mean(mc.tanh(W @ mc.diag(x)), axis=1), [x]),
    ("norm2: vector", mc.norm2(x), [x]),
    ("norm2: matrix", mc.norm2(X), [X]),
    ("norm2: squared residual", mc.norm2(W @ x - u) ** 2, [x, W, u]),
    ("norm1: vector", mc.norm1(x), [x]),
    ("norm1: of a product, by each factor", mc.norm1(W @ X) + mc.norm1(c * u), [W, X, c]),
    ("diag: vector to matrix", x.T @ mc.diag(y) @ x, [x, y]),
    ("diag: jacobian", mc.diag(x) @ a, [x, a]),
    ("diagpart", mc.diag(X).T @ a, [X, a]),
    ("diagpart: jacobian", mc.diag(x @ y.T), [x, y]),
    ("softmax: jacobian", mc.softmax(x), [x]),
    ("softmax: cross-entropy", -(y.T @ mc.log(mc.softmax(x))), [x, y]),
    ("logsumexp", mc.logsumexp(x), [x]),
    ("softmax: each row of a matrix", mc.softmax(W, axis=1) @ x, [W, x]),
    ("softmax: each column, by the matrix", mc.sum(V * mc.softmax(W.T @ W @ V, axis=0)), [V, W]),
    ("logsumexp: along each axis", mc.sum(mc.logsumexp(W, axis=1)) + mc.logsumexp(W, axis=0) @ x,
     [W, x]),
    ("log_softmax: jacobian", mc.log_softmax(x), [x]),
    ("log_softmax: rows, cross-entropy", mc.sum(W * mc.log_softmax(W @ A, axis=1)) / m, [A, W]),
    ("logsumexp: of a layer", mc.logsumexp(V @ u), [u, V]),
    ("kron: vectors", mc.kron(x, u), [x, u]),
    ("kron: scalar function", k.T @ mc.kron(x, u), [x, u]),
    ("kron: matrix by scalar", mc.kron(c * A, W), [c]),
    ("symmetric", x.T @ S @ x + mc.tr(S @ A), [x, S]),
    ("diagonal", x.T @ Dg @ x + mc.tr(Dg @ A), [x, Dg]),
    ("vector by scalar", mc.exp(c * x), [c]),
    ("matrix by scalar", mc.tanh(c * W) @ A, [c]),
    ("vec: of a product, by each factor", mc.vec(W @ X), [W, X]),
    ("vec: gradient through it", mc.vec(W).T @ k + mc.sum(mc.vec(X) ** 2), [W, X]),
    ("commutation: applied to vec", mc.commutation(m, n) @ mc.vec(W), [W]),
    ("commutation: in a scalar", k.T @ mc.commutation(n, m) @ mc.vec(mc.tanh(V)), [V]),
    ("kron: of matrices by each", mc.kron(W, X), [W, X]),
    ("kron: gradient by a matrix inside", mc.sum(mc.kron(X, W) ** 2), [X, W]),
    ("vec convention: matrix by matrix", A @ X @ B, [X, A, B]),
    ("vec convention: transpose", X.T, [X]),
    ("vec convention: inverse", mc.inv(X), [X]),
    ("vec convention: gram", X.T @ X, [X]),
    ("vec convention: hadamard", X * A.T, [X]),
    ("vec convention: elementwise function", mc.tanh(W @ X), [X, W]),
    ("vec convention: trace times matrix", mc.tr(X) * A, [X]),
    ("vec convention: diag and diagonal part", mc.diag(mc.diag(X)), [X]),
    ("vec convention: vector by matrix", W @ x, [W]),
    ("vec convention: matrix by vector", x @ u.T, [x, u]),
    ("vec convention: row by vector", x.T @ A, [x]),
]

def test_every_node_type_has_examples():
    covered = {type(node) for _, f, _ in EXAMPLES for node in postorder(f)}
    placeholders = {"Differential", "PendingDifferential", "Partial"}  # differentials and named derivatives in derivations
    missing = ({t.__name__ for t in NODE_TYPES} - {t.__name__ for t in covered} - placeholders
               - DERIVATIVE_FACTORS)
    assert not missing, f"node types without a numeric example: {sorted(missing)}"


def _function_cases():
    out = []
    for name, fn in FUNCTIONS.items():
        f = (lambda arg, name=name: mc.core.expr.Func.new(name, arg))
        out += [
            (f"{name}-scalar", f(c), c),
            (f"{name}-layer-jacobian", f(W @ x), x),
            (f"{name}-layer-weights", mc.sum(f(W @ x)), W),
            (f"{name}-matrix", mc.sum(f(X)), X),
            (f"{name}-vector-by-scalar", f(c * x), c),
        ]
    return [(i, e, w, lay) for i, e, w in out for lay in mc.LAYOUTS]


FUNCTION_CASES = _function_cases()
RULE_CASES = [(f"{name}-by-{w.name}", f, w, layout)
              for name, f, ws in EXAMPLES for w in ws for layout in mc.LAYOUTS]


@pytest.mark.parametrize("case,f,wrt,layout", RULE_CASES + FUNCTION_CASES,
                         ids=[f"{i}-{lay}" for i, _, _, lay in RULE_CASES + FUNCTION_CASES])
def test_derivative_matches_finite_differences(case, f, wrt, layout):
    report = mc.check(f, wrt, layout)
    assert report.ok, str(report)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_has_one_value_in_numpy_generated_code_and_sympy(name):
    """Three independent implementations of each table entry agree at points of its domain:
    its numpy callable, the code generated for mc.<name>, and its SymPy counterpart."""
    fn = FUNCTIONS[name]
    points = fn.domain.sample(np.random.default_rng(7), (6,))
    generated = mc.lambdify(getattr(mc, name)(c))
    for t in points:
        by_sympy = float(fn.sympy(sympy.Float(t, 30)))
        assert fn.numpy(np.array([t]))[0] == pytest.approx(by_sympy, rel=1e-12, abs=1e-300)
        assert generated(c=t) == pytest.approx(by_sympy, rel=1e-12, abs=1e-300)
        assert fn.range.contains(by_sympy), f"{name}({t}) = {by_sympy} is outside {fn.range}"


def test_differentiating_a_differential_is_refused():
    with pytest.raises(mc.MatcalcError, match="differential"):
        mc.diff(Differential.new(x).T @ a, a)
    with pytest.raises(mc.MatcalcError, match="differential"):
        mc.diff(Differential.new(x).T @ a, [a, x])  # several variables at once: the same refusal


# regression: a symbol under log and arcsin at once was drawn outside (0, 1), and an spd matrix
# under arcsin outside (−1, 1): check found no point where the function was finite
@pytest.mark.parametrize("f,wrt", [
    (mc.sum(mc.log(x)) + mc.sum(mc.arcsin(x)), x),
    (mc.sum(mc.sqrt(x) * mc.arccos(x)), x),
    (mc.logdet(X) + mc.sum(mc.arcsin(X)), X),
    (mc.sum(mc.arcsin(1 - x)), x),
    (mc.sum(mc.log1p(x - 1)) + mc.sum(mc.arctan(x)), x),
])
def test_check_finds_points_inside_every_domain_a_function_imposes(f, wrt):
    for layout in mc.LAYOUTS:
        assert mc.check(f, wrt, layout).ok


# regression: X n×m drawn 4×3 makes XXᵀ singular; the check said FAILED (nan) for a right
# derivative, or gave up, where the other assignment of the sizes has the Gram matrix full rank
@pytest.mark.parametrize("f", [mc.logdet(W.T @ W), mc.logdet(W @ W.T), mc.log(mc.det(V @ V.T)),
                               mc.sum(mc.inv(V.T @ V) @ u)])
def test_check_chooses_sizes_where_a_gram_matrix_has_full_rank(f):
    wrt = W if W in f.free_symbols() else V
    for layout in mc.LAYOUTS:
        report = mc.check(f, wrt, layout)
        assert report.ok, report


def test_check_at_sizes_where_the_function_is_undefined_says_so_and_how_to_choose_others():
    with pytest.raises(mc.NumericError, match=r"every point tried at sizes m=4, n=5.*sizes="):
        mc.check(mc.logdet(W.T @ W), W, sizes={"n": 5, "m": 4})
