"""``matcalc serve`` for the tests and the load benchmark: started as a user starts it, in a
subprocess, on 127.0.0.1 and a port the system chooses (``--port 0``; the command prints its
address), stopped with ctrl-C (SIGINT).  And a small HTTP client on urllib."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120  # seconds: the command imports matcalc on a shared, loaded machine


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def post(self, body: Any, content_type: str = "application/json",
             headers: dict | None = None, timeout: float = 120) -> tuple[int, dict, Any]:
        """POST /api/diff: (status, headers, the JSON answer)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return request(self.url + "api/diff", data, {"Content-Type": content_type,
                                                     **(headers or {})}, timeout)

    def get(self, path: str = "", headers: dict | None = None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.url + path.lstrip("/"), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers.items()), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), e.read()

    def descendants(self) -> set[int]:
        """The processes the server started, and theirs (read from /proc)."""
        found, todo = set(), [self.process.pid]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children = (task / "children").read_text().split()
                except OSError:
                    continue
                for child in map(int, children):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
        return found


def request(url: str, data: bytes | None, headers: dict, timeout: float = 120
            ) -> tuple[int, dict, Any]:
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers.items()), json.loads(r.read())
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = text.decode(errors="replace")
        return e.code, dict(e.headers.items()), answer


def _drain(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line)


@contextmanager
def running_server(*options: str) -> Iterator[Server]:
    """``matcalc serve --port 0 *options``; on leaving, ctrl-C, and the exit code is kept in
    ``server.process.returncode``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen(
        [sys.executable, "-m", "matcalc", "serve", "--host", "127.0.0.1", "--port", "0",
         *options], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    stdout: list[str] = []
    stderr: list[str] = []
    first = threading.Event()

    def read_stdout() -> None:
        for line in process.stdout:
            stdout.append(line)
            first.set()
        first.set()

    threads = [threading.Thread(target=read_stdout, daemon=True),
               threading.Thread(target=_drain, args=(process.stderr, stderr), daemon=True)]
    for t in threads:
        t.start()
    try:
        if not first.wait(START_TIMEOUT) or not stdout:
            raise RuntimeError(f"matcalc serve did not start: {''.join(stderr)}")
        url = next(word for word in stdout[0].split() if word.startswith("http://"))
        yield Server(url, process, stdout, stderr)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for t in threads:
            t.join(timeout=10)
