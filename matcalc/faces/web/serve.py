"""``matcalc serve``: the web app on uvicorn, on a socket bound here (so that a busy port is a
one-line error, and ``--port 0`` prints the port the system chose).  Ctrl-C stops it: uvicorn
finishes the requests in flight, and the command exits 0.

The application needs the optional extra ``web`` (Starlette, uvicorn, latex2mathml): it is
imported when the command runs, not when ``matcalc`` starts, so that the other commands start
as fast without it.
"""

from __future__ import annotations

import argparse
import socket
import sys
import webbrowser
from typing import Any, TextIO

from matcalc.faces.web.limits import LOOPBACK, Limits

EXTRA = "pip install 'matcalc[web]' (or pip install starlette uvicorn latex2mathml)"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free one), for argparse: out of range is a usage error."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a port from 0 to 65535 "
                                         "(0: any free one)")
    return port


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    # bound to every interface, the page is opened on this machine's loopback address
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          time_limit: float = Limits.time_limit, out: TextIO = sys.stdout,
          err: TextIO = sys.stderr) -> int:
    """Serve until ctrl-C; 0 then, 2 when the extra is missing or the port cannot be had."""
    try:
        import uvicorn

        from matcalc.faces.web.app import create_app
    except ImportError as e:
        print(f"matcalc: error: matcalc serve needs {e.name}: {EXTRA}", file=err)
        return 2
    if not time_limit > 0:
        print("matcalc: error: --time-limit must be a positive number of seconds", file=err)
        return 2
    try:
        sock = _listen(host, port)
    except OSError as e:
        print(f"matcalc: error: cannot listen on {host}:{port}: {e.strerror or e}", file=err)
        return 2
    url = url_of(sock)
    app = create_app(Limits(time_limit=time_limit), host=host)
    print(f"matcalc playground on {url}  (ctrl-C stops it)", file=out, flush=True)
    if host not in LOOPBACK:
        print(f"matcalc: note: listening on {host}, not only on this machine: anyone who can "
              "reach it can use it", file=err, flush=True)
    if open_browser:
        webbrowser.open(url)  # the socket listens already: the browser's request waits for it
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=5))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the ctrl-C it handled, once it has stopped
        pass
    finally:
        sock.close()
    print("matcalc playground stopped", file=out, flush=True)
    return 0


def add_arguments(parser: Any) -> None:
    """The command's options, for ``faces.cli``."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, default=8000,
                        help="the port (default 8000; 0: any free port)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument("--time-limit", type=float, default=Limits.time_limit, metavar="SECONDS",
                        help=f"stop a derivation after this long (default {Limits.time_limit:g})")
