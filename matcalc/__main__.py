"""``python -m matcalc demo``: the quick-start derivation."""

import sys

USAGE = """usage: python -m matcalc demo

  demo    derive the gradient of a 2-layer network loss step by step, in every layout,
          and check it against finite differences
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["demo"]:
        from .demo import main as demo

        return demo()
    if argv in ([], ["-h"], ["--help"]):
        print(USAGE)
        return 0
    print(f"unknown command {' '.join(argv)!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
