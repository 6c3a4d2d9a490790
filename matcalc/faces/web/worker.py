"""Each derivation in a process of its own, killed at the time limit.

A derivation cannot be interrupted from inside Python (SymPy and the engine run in C and in
long loops), so it runs in a child process: the answer comes back through a pipe, or at the
time limit the child is killed and the request is answered with 503 and a message saying it
took too long.  The children are forked from multiprocessing's fork server, which imports
matcalc once: a child starts in milliseconds, from a process with one thread (forking the
server itself, which runs threads, is not safe), and keeps nothing from one request to the next.

Each child also has an address-space limit, so one request cannot take the machine's memory
(it is a MemoryError, answered 400), and at most ``concurrency`` children run at once; a request
that waits longer than ``queue_wait`` for its turn is answered 503.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import sys
import threading
import time
import traceback
import warnings
from typing import Any

from matcalc.core.errors import MatcalcWarning
from matcalc.faces.web.api import Request, answer
from matcalc.faces.web.limits import Limits


#: seconds between looks at whether the client has gone, while waiting or deriving
POLL = 0.1
#: the answer to a request whose client left (nobody reads it; nginx's code for it)
CLIENT_GONE = (499, {"error": {"type": "ClientGone", "position": None,
                               "message": "the client closed the request"}})


def took_too_long(seconds: float) -> dict:
    return {"error": {"type": "TimeLimitError", "position": None, "message":
                      f"the derivation took longer than {seconds:g} s, this server's time "
                      "limit, and was stopped; try a smaller expression, or fewer variables, "
                      "steps or checks at once"}}


def _work(sender: Any, request: Request, memory: int) -> None:
    """The child: the answer to one request, sent through the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl-C is the server's to handle
    # the answer carries matcalc's warnings; printed too, each would fill the server's log
    warnings.simplefilter("ignore", MatcalcWarning)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # a hard limit below ours: keep it
        pass
    try:
        result = answer(request)
    except Exception:  # noqa: BLE001 - a bug: logged by the server, answered 500
        traceback.print_exc(file=sys.stderr)
        result = (500, {"error": {"type": "InternalError", "position": None, "message":
                                  "matcalc failed on this input (a bug): please report it "
                                  "with the expression"}})
    sender.send(result)
    sender.close()


class Worker:
    """Runs requests in killable child processes, at most ``limits.concurrency`` at once.
    ``run`` blocks: call it from a thread, not the event loop."""

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["matcalc.faces.web.api"])
        self._slots = threading.BoundedSemaphore(limits.concurrency)

    def run(self, request: Request, gone: threading.Event | None = None) -> tuple[int, dict]:
        """The answer; stopped, waiting or deriving, once ``gone`` is set (the client left)."""
        gone = gone or threading.Event()
        deadline = time.monotonic() + self.limits.queue_wait
        while not self._slots.acquire(timeout=POLL):
            if gone.is_set():
                return CLIENT_GONE
            if time.monotonic() >= deadline:
                return 503, {"error": {"type": "Busy", "position": None, "message":
                                       "the server is busy with other derivations; try again"}}
        try:
            return self._run(request, gone)
        finally:
            self._slots.release()

    def warm(self) -> None:
        """Start the fork server (it imports matcalc: seconds) and one child, before the first
        request needs them."""
        self.run(Request(expr="x"))

    def _run(self, request: Request, gone: threading.Event) -> tuple[int, dict]:
        receiver, sender = self._context.Pipe(duplex=False)
        child = self._context.Process(target=_work, args=(sender, request, self.limits.memory),
                                      daemon=True)
        child.start()
        sender.close()  # the child's end: EOF here when the child dies
        deadline = time.monotonic() + self.limits.time_limit
        try:
            while not receiver.poll(min(POLL, max(0.0, deadline - time.monotonic()))):
                if gone.is_set():
                    return CLIENT_GONE
                if time.monotonic() >= deadline:
                    return 503, took_too_long(self.limits.time_limit)
            try:
                return receiver.recv()
            except EOFError:  # the child died without an answer (killed, out of memory)
                return 500, {"error": {"type": "InternalError", "position": None, "message":
                                       "the derivation stopped without an answer (out of "
                                       "memory?); try a smaller expression"}}
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
