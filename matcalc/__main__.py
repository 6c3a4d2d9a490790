"""``python -m matcalc``: the command line (see ``matcalc --help``)."""

import sys

from matcalc.faces.cli import main

if __name__ == "__main__":
    sys.exit(main())
