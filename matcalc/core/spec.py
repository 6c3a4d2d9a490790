"""What an operation is: the typed facts every layer reads, in one place per operation.

Two kinds of rows:

* :class:`ElementwiseFunction` — an elementwise function (``tanh``): its derivative, numpy,
  generated code, LaTeX, unicode, parser names, SymPy counterpart both ways, domain and range.
  The table itself is ``matcalc.core.functions``; every entry registers here when it is made.
* :class:`NodeSpec` — the presentation facts of a structural node (``tr``): the names users
  call it by, its text, LaTeX and unicode, its numpy code (also on a 1×1 argument) and its
  SymPy counterpart.  Each node class in ``matcalc.core.nodes`` carries its row.

A domain and a range are typed values (an :class:`Interval`), not free strings: a domain draws
its own sample points, and the code generator reads nonnegativity off a range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: import matcalc does not load it
    import numpy as np

from matcalc.core.errors import MatcalcError


@dataclass(frozen=True)
class Interval:
    """An interval of the real line, open or closed at each end."""

    low: float = -math.inf
    high: float = math.inf
    closed_low: bool = False
    closed_high: bool = False

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise MatcalcError(f"an interval needs low < high, got ({self.low}, {self.high})")

    def __str__(self) -> str:
        def end(v: float) -> str:
            return "∞" if v == math.inf else "−∞" if v == -math.inf else f"{v:g}".replace("-", "−")

        return (("[" if self.closed_low else "(") + f"{end(self.low)}, {end(self.high)}"
                + ("]" if self.closed_high else ")"))

    def contains(self, values: np.ndarray) -> bool:
        import numpy as np

        v = np.asarray(values, dtype=float)
        above = v >= self.low if self.closed_low else v > self.low
        below = v <= self.high if self.closed_high else v < self.high
        return bool(np.all(above & below))

    def intersect(self, other: "Interval") -> "Interval":
        low = max(self.low, other.low)
        high = min(self.high, other.high)
        closed_low = (self.closed_low if self.low >= other.low else True) and (
            other.closed_low if other.low >= self.low else True)
        closed_high = (self.closed_high if self.high <= other.high else True) and (
            other.closed_high if other.high <= self.high else True)
        return Interval(low, high, closed_low, closed_high)

    @property
    def nonnegative(self) -> bool:
        return self.low >= 0

    @property
    def within_unit_interval(self) -> bool:
        """Every value in [0, 1]."""
        return self.low >= 0 and self.high <= 1

    @property
    def bounded_by_one(self) -> bool:
        """Every value in [−1, 1], so its square is in [0, 1]."""
        return self.low >= -1 and self.high <= 1

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Points well inside the interval, away from its ends (finite differences need room)."""
        lo, hi = self.low, self.high
        if math.isfinite(lo) and math.isfinite(hi):
            width = hi - lo
            return rng.uniform(lo + 0.2 * width, hi - 0.2 * width, shape)
        if math.isfinite(lo):
            return lo + rng.uniform(0.5, 1.5, shape)
        if math.isfinite(hi):
            return hi - rng.uniform(0.5, 1.5, shape)
        return rng.standard_normal(shape)


REAL = Interval()
POSITIVE = Interval(0.0)
NONNEGATIVE = Interval(0.0, closed_low=True)


@dataclass(frozen=True, eq=False)
class ElementwiseFunction:
    """One elementwise function, everything about it.  Making an entry registers it."""

    name: str
    #: f′(u) as an expression in u
    derivative: Callable[[Any], Any]
    #: the identity the derivative rule implements, shown in docs and derivations
    identity: str
    #: the numpy function (for tests and references)
    numpy: Callable[[np.ndarray], np.ndarray]
    #: numpy source for generated code, with {} for the argument
    code: str
    latex: str
    unicode: str
    #: the same function of one SymPy scalar, and the SymPy class read back as this function
    sympy: Callable[[Any], Any]
    sympy_class: Optional[type] = None
    #: where the function is defined and differentiable (away from a kink), and its values
    domain: Interval = REAL
    range: Interval = REAL
    #: other names the parser accepts (asin for arcsin)
    aliases: tuple[str, ...] = ()
    #: modules the generated code imports for it (``import scipy.special``)
    imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise MatcalcError(f"a function name must be an identifier, got {self.name!r}")
        for fact in ("domain", "range"):
            if not isinstance(getattr(self, fact), Interval):
                raise MatcalcError(
                    f"the {fact} of {self.name} must be an Interval (REAL, POSITIVE, "
                    f"Interval(-1, 1), …), got {getattr(self, fact)!r}")
        if "′(u) = " not in self.identity:
            raise MatcalcError(f"the identity of {self.name} reads f′(u) = …, got {self.identity!r}")
        if "{}" not in self.code:
            raise MatcalcError(f"the code of {self.name} needs {{}} for its argument")
        taken = [n for n in (self.name, *self.aliases) if n in FUNCTION_NAMES]
        if taken:
            raise MatcalcError(f"the function name {taken[0]!r} is taken")
        FUNCTIONS[self.name] = self
        for n in (self.name, *self.aliases):
            FUNCTION_NAMES[n] = self

    def __repr__(self) -> str:
        return f"<elementwise {self.name}>"


#: name -> entry, filled as ``matcalc.core.functions`` makes its entries
FUNCTIONS: dict[str, ElementwiseFunction] = {}
#: every name the parser accepts, aliases included -> entry
FUNCTION_NAMES: dict[str, ElementwiseFunction] = {}


@dataclass(frozen=True)
class NodeSpec:
    """The presentation facts of one structural node.

    ``call`` names the operation in text, where text writes ``call(argument)``; ``latex`` and
    ``unicode`` name it in maths (a node whose printers need more, such as ‖x‖ or X⁻¹, leaves
    them empty and has printer rules of its own).  ``numpy`` is generated code with ``{}`` for
    the argument; ``numpy_scalar`` the same on a 1×1 argument, which generated code holds as a
    number.  ``sympy`` and ``sympy_scalar`` build the SymPy counterpart from the node and its
    converted arguments (``None``: there is none).  A one-argument node says which argument it
    takes (``argument``: "any", "square", "vector") and the shape of its result (``result``:
    "scalar", "same", "diagonal", "diagonal part", "vec", "transposed", "kronecker" (n²×n²)); its constructor, the parser and the
    public builder read them.  ``public`` is the builder's name in ``matcalc`` (``mc.tr``),
    if the builder is made from the row.  A LaTeX or unicode text with ``{}`` is a template
    (‖X‖₁); without it, the name of an operator applied to a bracketed argument."""

    call: str
    latex: str = ""
    unicode: str = ""
    numpy: str = ""
    numpy_scalar: str = ""
    sympy: Optional[Callable[[Any, Any], Any]] = None
    sympy_scalar: Optional[Callable[[Any], Any]] = None
    argument: str = ""
    result: str = ""
    #: the argument must be a matrix with a positive determinant (inv, det, logdet): numeric
    #: checks draw it positive definite
    definite_argument: bool = False
    #: the derivative assumes a spread spectrum (full rank, distinct eigenvalues, a simple top
    #: singular value: pinv, eigvalsh, the singular-value norms): numeric checks draw the
    #: argument's symbols with well separated singular values and eigenvalues
    spread_argument: bool = False
    #: a function through which a derivation is best read as its differential, rule by rule
    #: (Magnus–Neudecker), not as a backward pass through gates: tr, det, inv, diag, vec
    matrix_function: bool = False
    public: str = ""
    #: other names the text syntax accepts (normF for norm2)
    aliases: tuple[str, ...] = ()
    doc: str = ""
    #: modules its generated code imports (``scipy.linalg`` for expm)
    imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.argument not in ARGUMENTS or self.result not in RESULTS:
            raise MatcalcError(
                f"the spec of {self.call!r} needs an argument in {ARGUMENTS} and a result in "
                f"{RESULTS}, got {self.argument!r} and {self.result!r}")
        if (self.argument == "") != (self.result == ""):
            raise MatcalcError(f"the spec of {self.call!r} names an argument and a result, or "
                               "neither")


#: the arguments a one-argument node takes, and the shapes of its results ("": not read)
ARGUMENTS = ("", "any", "square", "vector")
RESULTS = ("", "scalar", "same", "diagonal", "diagonal part", "vec", "transposed", "kronecker")
