"""The names text may call: elementwise functions, one-argument operations (tr, inv, …), the
builders (diag, eye, …) and the Fréchet derivatives of the matrix functions.  The builder
resolves calls with them; the grammar's hints use them to see that "sin x" meant sin(x)."""

from __future__ import annotations

from matcalc.core.functions import FUNCTIONS  # loading the table fills FUNCTION_NAMES
from matcalc.core.matrix_nodes import MATRIX_FUNCTIONS
from matcalc.core.nodes import NODE_TYPES
from matcalc.core.nodes import Unary as Operation
from matcalc.core.spec import FUNCTION_NAMES

#: the Fréchet derivatives of the matrix functions, as text writes them: expm_frechet(X, E)
FRECHET_CALLS = {f"{cls.spec.call}_frechet": f for f, cls in MATRIX_FUNCTIONS.items()}
#: the second Fréchet derivatives and their Kronecker forms: expm_frechet2(X, E, F),
#: expm_kron2(X, E)
FRECHET2_CALLS = {f"{cls.spec.call}_frechet2": f for f, cls in MATRIX_FUNCTIONS.items()}
KRON2_CALLS = {f"{cls.spec.call}_kron2": f for f, cls in MATRIX_FUNCTIONS.items()}
#: the one-argument operations, by the name their spec row gives (tr, inv, …)
OPERATIONS = {name: cls for cls in NODE_TYPES if issubclass(cls, Operation) and cls.spec.public
              for name in (cls.spec.public, *cls.spec.aliases)}
KNOWN = sorted(set(FUNCTIONS) | set(FUNCTION_NAMES) | set(OPERATIONS) | {
    "diag", "kron", "hadamard", "eye", "ones", "zeros", "vector", "matrix", "commutation", "mean",
    "solve", *FRECHET_CALLS, *FRECHET2_CALLS, *KRON2_CALLS,
})
