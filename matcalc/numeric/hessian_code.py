"""A Hessian's generated file, which checks itself when run as a script, as a gradient's does:
beside ``hessian`` it holds the gradient, and the check compares ``hessian`` with central
finite differences of the gradient, the Hessian being the Jacobian of the gradient."""

from __future__ import annotations

from matcalc.core.expr import Expr
from matcalc.core.nodes import Symbol
from matcalc.engine.differentiation import (
    differentiate, hessian_as_derivative, plain_variables,
)  # fmt: skip
from matcalc.numeric.codegen import Generated, generated
from matcalc.numeric.selfcheck import self_check_block

#: what the file says when run, where it cannot check itself
NO_CHECK = ('\n\nif __name__ == "__main__":\n    import sys\n\n    sys.exit("this Hessian\'s '
            'file has no self-check (a variable with declared properties, or a scalar by a '
            'matrix): check it with matcalc hessian ... --check")\n')


def hessian_code(f: Expr, x: Symbol, y: Symbol, H: Expr, label: str) -> str:
    """numpy's ``def hessian(...)`` returning ``H``, checking itself when run as a script."""
    main = generated([H], "hessian", [label])
    if plain_variables([x, y]) or (x.is_scalar and y.cols != 1):
        # declared properties are plain in the Hessian; a scalar by a matrix is arranged
        # apart from the gradient's Jacobian: neither is the Jacobian the check compares
        return main.source + NO_CHECK
    F, by, layout = hessian_as_derivative(f, x, y)
    d = differentiate(F, by, layout)
    gradient = generated([F], "_gradient", [f"∂f/∂{x.name}"])
    body = "\n".join(line for line in gradient.source.splitlines()
                     if not line.startswith(("import ", "from ")))
    return main.source + body.rstrip() + "\n\n\n" + _pair(main, gradient) + \
        self_check_block(F, [d], "_gradient_and_hessian")


def _pair(main: Generated, gradient: Generated) -> str:
    """``_gradient_and_hessian``: what the check differentiates and what it compares."""
    names = list(dict.fromkeys(str(a) for a in [*gradient.arguments, *main.arguments]))

    def call(g: Generated) -> str:
        return f"{g.name}({', '.join(f'{a}={a}' for a in map(str, g.arguments))})"

    return (f"def _gradient_and_hessian({', '.join(names)}):\n"
            f"    return {call(gradient)}, {call(main)}\n")
