"""The JAX and PyTorch backends of the one code generator (issue 13, point 2): the same
functions as numpy, on cases drawn from the function and node tables; JAX code under jax.jit
and jax.vmap; torch code on its inputs' dtype; what a backend lacks is refused by name."""

import importlib.util
import os

import numpy as np
import pytest

import matcalc as mc
from matcalc.core.errors import UnsupportedError
from matcalc.core.nodes import NODE_TYPES
from matcalc.core.spec import FUNCTIONS
from matcalc.core.unary import Unary
from matcalc.numeric.backends import BACKENDS
from matcalc.numeric.codegen import Generated
from matcalc.numeric.sampling import choose_sizes, sample_inputs

if os.environ.get("CI") == "true":  # CI installs the CPU JAX wheel: a skip there is a failure
    assert importlib.util.find_spec("jax"), "CI must install jax (the dev extra lists it)"


def _need(module: str):
    return pytest.importorskip(
        module, reason=f"{module} is not installed: pip install -e '.[dev]' brings jax, "
        "pip install -e '.[torch]' the CPU torch wheel; the {module} backend is not tested")


@pytest.fixture(scope="module")
def jax():
    jax = _need("jax")
    jax.config.update("jax_enable_x64", True)  # compare with numpy in float64
    return jax


@pytest.fixture(scope="module")
def torch():
    return _need("torch")


n, m = mc.dims("n m")
u, z = mc.vector("u", n), mc.vector("z", n)
S, M = mc.matrix("S", n), mc.matrix("M", n, m)
C = mc.matrix("C", n, m)

#: (name, f, variables): every elementwise function and every one-argument node with a
#: public builder, inside a scalar loss so its derivative is generated too
CASES = [(f"elementwise {name}", mc.sum(mc.vector("w", n) * getattr(mc, name)(u)), [u])
         for name in FUNCTIONS if hasattr(mc, name)]
for cls in NODE_TYPES:
    if not (issubclass(cls, Unary) and cls.spec.public and hasattr(mc, cls.spec.public)):
        continue
    build, arg = getattr(mc, cls.spec.public), cls.spec.argument
    X = {"square": S, "vector": z}.get(arg, M)
    try:
        e = build(X)
    except mc.MatcalcError:
        e = build(M, axis=1)  # a reduction along an axis of a matrix
        X = M
    weight = mc.matrix("G", *e.shape) if not e.is_scalar else 1
    loss = mc.sum(e * weight) if not e.is_scalar else e
    try:
        mc.diff(loss, X)
        wrt = [X]
    except UnsupportedError:  # a derivative's factor (expm_kron): its value is compared
        wrt = []
    CASES.append((f"node {cls.__name__}", loss, wrt))
CASES += [
    ("two-layer network", mc.norm2(M.T @ mc.tanh(S @ z) - mc.vector("t", m)) ** 2, [S, M, z]),
    ("log-sum-exp", mc.logsumexp(S @ z), [z, S]),
    ("gaussian nll", mc.logdet(S) + z.T @ mc.inv(S) @ z, [S, z]),
    ("softmax rows", mc.sum(mc.log_softmax(M, axis=1) * C), [M]),
    ("spd: one Cholesky", mc.logdet(mc.matrix("P", n, spd=True)) + mc.det(mc.matrix("P", n, spd=True))
     + z.T @ mc.inv(mc.matrix("P", n, spd=True)) @ z, [mc.matrix("P", n, spd=True), z]),
    ("one LU for det, logdet, solves", mc.det(S) + mc.logdet(S) + z.T @ mc.inv(S).T @ S @ z
     + mc.tr(mc.inv(S) @ M @ C.T), [S, z]),
    ("trace of a product", mc.tr(M.T @ S @ C) + mc.tr(M @ C.T), [M, S]),
    ("log-sum-exp Hessian", mc.hessian(mc.logsumexp(z), z), []),
    ("attention (row sums)", mc.sum(C * (mc.softmax(M @ M.T, axis=1) @ C)), [M, C]),
    ("a difference written into its product's array", mc.norm2(C - S @ M) ** 2, [S, M]),
    ("softmax and log softmax of a product, in its array",
     mc.sum(C * mc.softmax(S @ M, axis=0)) + mc.sum(C * mc.log_softmax(S @ M, axis=1)), [S, M]),
    ("tanh network Hessian (diagonals at both ends)",
     mc.hessian(mc.vector("a", n).T @ mc.tanh(S @ mc.tanh(S @ z)), z), []),
]


def _inputs(f, wrt):
    symbols = sorted(f.free_symbols() | set(wrt), key=lambda s: s.name)
    sizes = choose_sizes([f])
    args = sample_inputs(f, symbols, sizes, seed=4)
    if "S" in args:  # every square node is defined and differentiable at an spd matrix with
        k = args["S"].shape[0]  # distinct eigenvalues (logm's divided differences need that)
        Q = np.linalg.qr(np.random.default_rng(5).standard_normal((k, k)))[0]
        args["S"] = Q @ np.diag(np.linspace(1.0, 2.0, k)) @ Q.T
    return args, symbols


def _run(source: str, name: str, args: dict):
    fn = Generated(source, name, []).compile()
    return fn(**args)


def _generated(f, wrt, backend):
    try:
        return mc.codegen(f, wrt=wrt or None, backend=backend, name="f_and_grad")
    except UnsupportedError as error:  # allowed only where the backend says it lacks it
        assert backend in str(error) and "cannot be generated" in str(error)
        assert any(f"{h} (" in str(error) for h in BACKENDS[backend].lacks), str(error)
        pytest.skip(f"{backend} lacks it, as the generator says: {error}")


def _compare(f, wrt, backend, convert, back):
    args, _ = _inputs(f, wrt)
    expected = _run(mc.codegen(f, wrt=wrt or None, name="f_and_grad"), "f_and_grad", args)
    got = _run(_generated(f, wrt, backend), "f_and_grad",
               {k: convert(v) for k, v in args.items()})
    if not wrt:
        got, expected = (got,), (expected,)
    assert len(got) == len(expected) == 1 + len(wrt)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(back(g), np.asarray(e, dtype=float).reshape(back(g).shape),
                                   rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,f,wrt", CASES, ids=[c[0] for c in CASES])
def test_jax_code_computes_what_numpy_code_computes(jax, name, f, wrt):
    import jax.numpy as jnp

    _compare(f, wrt, "jax", jnp.asarray, np.asarray)


@pytest.mark.parametrize("name,f,wrt", CASES, ids=[c[0] for c in CASES])
def test_torch_code_computes_what_numpy_code_computes(torch, name, f, wrt):
    _compare(f, wrt, "torch", torch.as_tensor, lambda t: t.detach().cpu().numpy())


def test_jax_code_runs_under_jit_and_vmap(jax):
    f = mc.norm2(M.T @ mc.tanh(S @ z) - mc.vector("t", m)) ** 2 + mc.logdet(S @ S.T)
    fn = mc.lambdify(mc.diff(f, z), backend="jax")
    rng = np.random.default_rng(1)
    args = {"M": rng.standard_normal((3, 2)), "S": rng.standard_normal((3, 3)) + 3 * np.eye(3),
            "t": rng.standard_normal(2), "z": rng.standard_normal(3)}
    reference = mc.lambdify(mc.diff(f, z))
    jitted = jax.jit(fn.function)
    positional = [args[a] for a in fn.arguments]
    np.testing.assert_allclose(jitted(*positional), reference(**args), rtol=1e-10)
    zs = rng.standard_normal((5, 3))
    at = fn.arguments.index("z")
    batched = jax.vmap(lambda zz: fn.function(*positional[:at], zz, *positional[at + 1:]))(zs)
    assert batched.shape == (5, 3, 1)
    for row, zz in zip(batched, zs):
        np.testing.assert_allclose(row, reference(**{**args, "z": zz}), rtol=1e-10)
    with pytest.raises(ValueError, match="z must be n×1"):  # the shape check, at trace time
        jitted(*positional[:at], np.ones(4), *positional[at + 1:])


def test_jax_log_det_is_nan_not_an_exception_where_det_is_not_positive(jax):
    fn = mc.lambdify(mc.logdet(S), backend="jax")
    assert np.isnan(jax.jit(fn.function)(-np.eye(3)))


def test_jax_code_says_how_to_compute_in_float64():
    # JAX silently computes in float32 unless x64 is on: the file says so at its top
    source = mc.codegen(mc.sum(mc.tanh(S @ z)), wrt=z, backend="jax")
    assert source.splitlines()[1] == '# jax.config.update("jax_enable_x64", True)'
    assert "float32" in source.splitlines()[0]


def test_torch_code_runs_in_its_inputs_dtype(torch):
    f = mc.norm2(M.T @ mc.tanh(S @ z)) ** 2 + mc.tr(S) * mc.sum(mc.ones(n))
    fn = mc.lambdify(mc.diff(f, S), backend="torch")
    rng = np.random.default_rng(2)
    args = {"M": rng.standard_normal((3, 2)), "S": rng.standard_normal((3, 3)),
            "z": rng.standard_normal(3)}
    for dtype in (torch.float32, torch.float64):
        out = fn(**{k: torch.as_tensor(v, dtype=dtype) for k, v in args.items()})
        assert out.dtype == dtype and out.device.type == "cpu"
        np.testing.assert_allclose(out.numpy(), mc.lambdify(mc.diff(f, S))(**args),
                                   rtol=1e-5 if dtype == torch.float32 else 1e-12)


def test_an_operation_a_backend_lacks_is_refused_naming_the_node_and_backend():
    with pytest.raises(UnsupportedError, match=r"Frechet .* cannot be generated for torch: "
                                               r"_frechet_exp \(torch has no Fréchet"):
        mc.codegen(mc.tr(mc.expm(S) @ mc.matrix("B", n)), wrt=S, backend="torch")
    with pytest.raises(UnsupportedError, match=r"Logm .* cannot be generated for jax"):
        mc.codegen(mc.logm(S), backend="jax")
    with pytest.raises(UnsupportedError, match="no code-generation backend 'tensorflow'"):
        mc.codegen(S, backend="tensorflow")


def test_the_backends_share_one_generator():
    f = mc.norm2(M.T @ mc.tanh(S @ z)) ** 2
    numpy_source, jax_source, torch_source = (mc.codegen(f, wrt=[S], backend=b)
                                              for b in ("numpy", "jax", "torch"))
    body = [line.split(" = ")[0] for line in numpy_source.splitlines() if line.startswith("    t")]
    for other in (jax_source, torch_source):
        assert [line.split(" = ")[0] for line in other.splitlines()
                if line.startswith("    t")] == body  # the same temporaries, in the same order
    assert "import jax.numpy as jnp" in jax_source and "np." not in jax_source.replace("jnp.", "")
    assert "import torch" in torch_source and "np." not in torch_source


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_stable_numbers_hold_in_every_backend(backend, request):
    lib = request.getfixturevalue(backend)
    convert = (lambda v: np.asarray(v)) if backend == "jax" else lib.as_tensor
    f = mc.lambdify(mc.sum(mc.log(1 + mc.exp(z))), backend=backend)
    assert float(f(z=convert(np.array([1000.0, -1000.0])))) == 1000.0
    J = mc.lambdify(mc.diff(mc.log(mc.softmax(z)), z, "numerator"), backend=backend)
    got = np.asarray(J(z=convert(np.array([0.0, -800.0, 1.0]))))
    s = np.exp(np.array([0.0, -800.0, 1.0]) - np.logaddexp.reduce([0.0, -800.0, 1.0]))
    np.testing.assert_allclose(got, np.eye(3) - np.outer(np.ones(3), s), atol=1e-15)


# regression: a function of a size (attention's √d) was generated as torch.sqrt(d) of an int
@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_function_of_a_dimension_is_a_number_in_every_backend(backend):
    n = mc.dims("n")
    x = mc.vector("x", n)
    module = pytest.importorskip(backend)
    f = mc.lambdify(x / mc.sqrt(n) + mc.log(n) * x, backend=backend)
    value = np.array([1.0, 2.0, 3.0])
    arg = module.tensor(value, dtype=module.float64) if backend == "torch" else value
    got = np.asarray(f(x=arg), dtype=float).ravel()
    assert np.allclose(got, value / np.sqrt(3) + np.log(3) * value, rtol=1e-6)


# regression: jax.scipy.linalg, in the JAX header and needed by a factorisation, was imported twice
@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_each_module_is_imported_once(backend):
    S, x = mc.matrix("S", n, spd=True), mc.vector("x", n)
    source = mc.codegen(mc.logdet(S) + x.T @ mc.inv(S) @ x, wrt=[S], backend=backend)
    imports = [line for line in source.splitlines() if line.startswith("import ")]
    assert imports and len(imports) == len(set(imports))
