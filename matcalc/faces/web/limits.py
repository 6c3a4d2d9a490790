"""What one request to the web app may take (``matcalc serve --time-limit`` sets the first),
and which addresses are this machine's only."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The time limit of one derivation in seconds, the address space of the process it runs
    in, how many run at once, and how long a request waits for its turn."""

    time_limit: float = 10.0
    #: bytes; numpy, scipy and SymPy loaded take about 1 GiB of address space
    memory: int = 3 * 2**30
    concurrency: int = max(2, os.cpu_count() or 2)
    queue_wait: float = 30.0


#: the loopback addresses and names (a Host header writes an IPv6 address in brackets)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
