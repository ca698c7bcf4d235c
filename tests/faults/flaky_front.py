"""An HTTP front for the fake Slack Web API / Feishu Open API that fails on command.

``FlakyFront(fake_base_url).start()`` relays every request to the fake unchanged — until told
to fail. :meth:`FlakyFront.fail` makes the next requests (all of them, or every ``every``-th)
get one of these instead, in turn:

* ``"500"`` / ``"502"`` — an HTML-ish error page from a proxy, not JSON;
* ``"503"`` — a JSON error body (``{"ok": false, "error": "service_unavailable", "code": …}``);
* ``"429"`` — rate limited with a long ``Retry-After`` / ``x-ogw-ratelimit-reset`` (90 s);
* ``"429-short"`` — rate limited for 1 s (clients wait that out in-process, then retry);
* ``"timeout"`` — no answer at all: the connection is held until the client gives up;
* ``"drop"`` — the connection is closed after the request, without a response;
* ``"reset"`` — the connection is reset (RST) after the request;
* ``"lost"`` — the request *is* relayed (the platform acts on it) but the response never
  comes back: the case only an idempotency key can make safe.

Nothing but ``"lost"`` reaches the fake, so what the fake records is exactly what the
platform delivered. :meth:`heal` ends the fault window.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

KINDS = ("500", "502", "503", "429", "429-short", "timeout", "drop", "reset", "lost")
RATE_LIMIT_BODY = {
    "ok": False,
    "error": "ratelimited",
    "code": 99991400,
    "msg": "request trigger frequency limit",
}
UNAVAILABLE_BODY = {"ok": False, "error": "service_unavailable", "code": 1500, "msg": "service unavailable"}


class FlakyFront:
    def __init__(self, upstream: str, *, hold: float = 2.0) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.hold = hold  # the longest a "timeout" holds a connection (clients give up sooner)
        self.applied: Counter[str] = Counter()
        self.relayed = 0
        self._cycle: itertools.cycle[str] | None = None
        self._every = 1
        self._seen = 0
        self._limits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _handle(self) -> None:
                front._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name="flaky-front"
        )

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FlakyFront:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # -- faults ---------------------------------------------------------------------------------

    def fail(self, kinds: Sequence[str], *, every: int = 1, limits: dict[str, int] | None = None) -> None:
        """From now on every ``every``-th request fails, with ``kinds`` in turn; a kind in ``limits``
        is used at most that many times (then skipped: held connections cost the test wall time)."""
        unknown = set(kinds) - set(KINDS)
        assert not unknown, unknown
        with self._lock:
            self._cycle = itertools.cycle(list(kinds))
            self._every = every
            self._seen = 0
            self._limits = dict(limits or {})
            self.applied.clear()
            self._release.clear()

    def heal(self) -> None:
        with self._lock:
            self._cycle = None
        self._release.set()  # held connections close now

    @property
    def failing(self) -> bool:
        return self._cycle is not None

    def _next_fault(self) -> str | None:
        with self._lock:
            if self._cycle is None:
                return None
            self._seen += 1
            if self._seen % self._every:
                return None
            for _ in range(len(KINDS) * 2):
                kind = next(self._cycle)
                if self.applied[kind] < self._limits.get(kind, 1 << 30):
                    self.applied[kind] += 1
                    return kind
            return None  # every kind used up

    # -- serving --------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        kind = self._next_fault()
        if kind is None:
            self._answer(handler, *self._relay(handler, body))
        elif kind in ("500", "502"):
            page = f"<html><body><h1>{kind} Bad Gateway</h1></body></html>".encode()
            self._answer(handler, int(kind), {"Content-Type": "text/html"}, page)
        elif kind == "503":
            self._answer(
                handler, 503, {"Content-Type": "application/json"}, json.dumps(UNAVAILABLE_BODY).encode()
            )
        elif kind in ("429", "429-short"):
            wait = "90" if kind == "429" else "1"
            headers = {"Content-Type": "application/json", "Retry-After": wait, "x-ogw-ratelimit-reset": wait}
            self._answer(handler, 429, headers, json.dumps(RATE_LIMIT_BODY).encode())
        elif kind == "timeout":
            self._release.wait(timeout=self.hold)
            handler.close_connection = True
        elif kind == "drop":
            handler.close_connection = True
            _close(handler.connection)
        elif kind == "reset":
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            _close(handler.connection, shutdown=False)
        elif kind == "lost":
            self._relay(handler, body)  # the platform acted on it …
            handler.close_connection = True
            _close(handler.connection)  # … and its answer is lost on the way back

    def _relay(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=10)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            relayed = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")
            }
            with self._lock:
                self.relayed += 1
            return response.status, relayed, data
        finally:
            connection.close()

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a connection the front itself dropped or reset


def _close(sock: socket.socket, *, shutdown: bool = True) -> None:
    if shutdown:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
