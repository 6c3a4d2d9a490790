"""The Starlette application: the page, its static files and ``POST /api/diff``.

Every answer carries security headers (a Content-Security-Policy that allows no inline script,
nosniff, no framing, no referrer).  The body of a request is limited before it is read
(``MAX_BODY``, 413 at once), must be JSON (400 otherwise), and is validated before any work
(``api.validate``); the work runs in a killable child process (``worker``).  The server keeps no
state between requests.  Bound to a loopback address, it answers only requests addressed to one
(a page elsewhere cannot reach it through DNS rebinding).
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from matcalc.faces.web.api import BadRequest, validate
from matcalc.faces.web.limits import LOOPBACK, Limits
from matcalc.faces.web.worker import POLL, Worker

STATIC = Path(__file__).resolve().parent / "static"
#: the largest request body read, in bytes (an expression is at most api.MAX_EXPRESSION long)
MAX_BODY = 64 * 1024
#: how much of a refused body is read and dropped before the answer (see ``_drop``)
DRAIN = 4 * 2**20
HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: ``HEADERS`` on every response, the page, static files and errors."""

    def __init__(self, app: Any):
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


class LoopbackHost:
    """ASGI middleware for a server bound to loopback: a request whose Host is not a loopback
    name is refused (400), so that a page elsewhere cannot reach the server through a name
    that resolves to 127.0.0.1 (DNS rebinding)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            # "[::1]:8000" -> "[::1]", "localhost:8000" -> "localhost"
            name = host[:host.find("]") + 1] if host.startswith("[") else host.split(":")[0]
            if name not in LOOPBACK:
                response = _error(400, f"this server answers requests to {LOOPBACK[0]} or "
                                       f"localhost only, not to {host!r}")
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(BadRequest(status, message).json(), status_code=status,
                        headers={"cache-control": "no-store"})


async def _body(request: Request) -> bytes:
    """The body, refused (413) as soon as it is known to be longer than MAX_BODY: from its
    Content-Length before any of it is used, else while reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        await _drop(request)
        raise BadRequest(413, f"the request body has {int(declared):,} bytes; the limit is "
                              f"{MAX_BODY:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            await _drop(request)
            raise BadRequest(413, f"the request body is longer than {MAX_BODY:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _drop(request: Request) -> None:
    """Read and forget the rest of a refused body, up to DRAIN bytes: a client that writes its
    whole body before it reads (urllib, most scripts) then reads the 413, not a connection reset.
    Past DRAIN the connection is closed on it."""
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > DRAIN:
                return
    except (ClientDisconnect, RuntimeError):  # gone, or the stream was read already
        return


def _json(body: bytes, content_type: str) -> Any:
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest(400, "send the request as JSON, with Content-Type: application/json")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise BadRequest(400, f"the body is not JSON: {type(e).__name__}") from None


def create_app(limits: Limits = Limits(), host: str = "127.0.0.1") -> Starlette:
    """The application; ``host`` is the address it is served on (loopback: only requests
    addressed to loopback are answered)."""
    worker = Worker(limits)

    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    async def diff(request: Request) -> JSONResponse:
        try:
            body = _json(await _body(request), request.headers.get("content-type", ""))
            job = validate(body)
        except BadRequest as e:
            return _error(e.status, e.message)
        except ClientDisconnect:
            return _error(400, "the request ended before its body")
        gone = threading.Event()

        async def watch() -> None:
            # the page abandons a request at each pause in typing: its work stops with it
            while not await request.is_disconnected():
                await anyio.sleep(POLL)
            gone.set()

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            status, answer = await anyio.to_thread.run_sync(worker.run, job, gone)
            group.cancel_scope.cancel()
        return JSONResponse(answer, status_code=status, headers={"cache-control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # start the fork server now (it imports matcalc: seconds), not in the first request
        threading.Thread(target=worker.warm, daemon=True).start()
        yield

    middleware = [Middleware(SecurityHeaders)]
    if host in LOOPBACK:
        middleware.append(Middleware(LoopbackHost))
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # a client of the API reads JSON, also for a wrong path or method
        message = f"{exc.detail}: {request.method} {request.url.path}"
        return JSONResponse(BadRequest(exc.status_code, message).json(),
                            status_code=exc.status_code, headers=exc.headers)

    return Starlette(routes=[
        Route("/", page, methods=["GET"]),
        Route("/api/diff", diff, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], middleware=middleware, lifespan=lifespan,
        exception_handlers={HTTPException: http_error})  # type: ignore[dict-item]

