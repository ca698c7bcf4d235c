"""A loopback fake of the Feishu Open API, enough for coordbot's ``lark.Client``.

Serves ``auth/v3/tenant_access_token/internal``, ``im/v1/messages`` (create), ``…/{id}/reply``,
``PATCH …/{id}``, ``ephemeral/v1/send`` (a card one member of a group sees), ``bot/v3/info``,
``contact/v3/users/{id}`` and the long connection's
``/callback/ws/endpoint``; records every call; can be
told to answer the next calls with an error (e.g. 429 then success). Like Feishu, a repeated
``uuid`` returns the message already sent instead of sending another.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes = b""  # the body as sent (an image upload is multipart form data)

    @property
    def card(self) -> dict[str, Any] | None:
        """The card JSON of a message call, parsed (an ephemeral send carries it as an object)."""
        if isinstance(self.body, dict) and self.body.get("msg_type") in ("interactive", None):
            content = self.body.get("content")
            if isinstance(content, str):
                return json.loads(content)
            if isinstance(self.body.get("card"), dict):
                return self.body["card"]
        return None


@dataclass
class Failure:
    method: str
    path_part: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class FakeFeishu:
    def __init__(self, *, bot_open_id: str = "ou_bot", app_name: str = "coordbot") -> None:
        self.calls: list[Call] = []
        self.bot_open_id = bot_open_id
        self.app_name = app_name
        self.users: dict[str, str] = {}  # open_id -> name, for contact.v3.user.get
        self.contact_allowed = True
        self.files: dict[str, tuple[str, bytes]] = {}  # file_key -> (file name, bytes uploaded)
        self.images: dict[str, bytes] = {}  # image_key -> the PNG uploaded
        self.ws_url: str | None = None  # what /callback/ws/endpoint hands the long-connection client
        self.chats_without_bot: set[str] = set()  # im.v1.chat_members.is_in_chat answers False for these
        self._failures: list[Failure] = []
        self._by_uuid: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Feishu's API servers do
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name="fake-feishu"
        )

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeFeishu:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- programming and inspecting ----------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_part: str,
        *,
        status: int,
        code: int,
        msg: str = "error",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls whose path contains ``path_part`` with an error."""
        with self._lock:
            self._failures.append(
                Failure(method, path_part, status, {"code": code, "msg": msg}, dict(headers or {}), times)
            )

    def calls_to(self, method: str, path_part: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and path_part in c.path]

    @property
    def sent(self) -> list[Call]:
        """Message create and reply calls (not token or info calls), in order."""
        with self._lock:
            return [
                c for c in self.calls if c.method == "POST" and c.path.startswith("/open-apis/im/v1/messages")
            ]

    @property
    def ephemeral(self) -> list[Call]:
        """Cards sent for one member of a group alone (``ephemeral/v1/send``), in order."""
        return self.calls_to("POST", "/open-apis/ephemeral/v1/send")

    @property
    def answers(self) -> list[Call]:
        """Everything a person could see from the bot: messages, replies and ephemeral cards."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == "POST"
                and (
                    c.path.startswith("/open-apis/im/v1/messages") or c.path == "/open-apis/ephemeral/v1/send"
                )
            ]

    @property
    def patched(self) -> list[Call]:
        return self.calls_to("PATCH", "/open-apis/im/v1/messages/")

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Poll ``predicate`` until it is truthy (bounded, generous for a loaded CI machine: a chart
        is rendered on the bot's pool first); return its value or fail naming the calls seen."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                seen = ", ".join(f"{c.method} {c.path}" for c in self.calls)
                raise AssertionError(f"condition not met within {timeout}s; calls: {seen}")
            time.sleep(0.01)

    def wait_sent(self, count: int, timeout: float = 5.0) -> list[Call]:
        return self.wait_for(lambda: len(self.sent) >= count and self.sent, timeout)

    # -- serving --------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        call = Call(
            handler.command,
            parts.path,
            {k: v[0] for k, v in parse_qs(parts.query).items()},
            {k.lower(): v for k, v in handler.headers.items()},
            body,
            raw,
        )
        with self._lock:
            self.calls.append(call)
            failure = next(
                (f for f in self._failures if f.method == call.method and f.path_part in call.path), None
            )
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
        if failure is not None:
            self._answer(handler, failure.status, failure.body, failure.headers)
            return
        status, answer = self._route(call)
        self._answer(handler, status, answer)

    def _route(self, call: Call) -> tuple[int, dict[str, Any]]:
        path = call.path
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": "t-fake-token", "expire": 7200}
        if path == "/callback/ws/endpoint":
            if not self.ws_url:
                return 200, {"code": 1000040350, "msg": "fake: no long connection endpoint"}
            config = {"ReconnectCount": 3, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}
            return 200, {"code": 0, "msg": "ok", "data": {"URL": self.ws_url, "ClientConfig": config}}
        if path == "/open-apis/bot/v3/info":
            bot = {"activate_status": 2, "app_name": self.app_name, "open_id": self.bot_open_id}
            return 200, {"code": 0, "msg": "ok", "bot": bot}
        if path.startswith("/open-apis/contact/v3/users/") and call.method == "GET":
            open_id = path.rsplit("/", 1)[1]
            if not self.contact_allowed:
                return 400, {"code": 99991672, "msg": "Access denied. contact:user.base:readonly is required"}
            if open_id not in self.users:
                return 400, {"code": 41050, "msg": "no user authority error"}
            return 200, {
                "code": 0,
                "msg": "success",
                "data": {"user": {"open_id": open_id, "name": self.users[open_id]}},
            }
        if path == "/open-apis/ephemeral/v1/send" and call.method == "POST":
            body = call.body if isinstance(call.body, dict) else {}
            if not body.get("chat_id") or not body.get("open_id") or not isinstance(body.get("card"), dict):
                return 400, {"code": 230001, "msg": "fake: chat_id, open_id and card are required"}
            return 200, {"code": 0, "msg": "ok", "data": {"message_id": f"om_eph_{next(self._ids)}"}}
        if path.startswith("/open-apis/im/v1/chats/") and path.endswith("/members/is_in_chat"):
            chat_id = path.removeprefix("/open-apis/im/v1/chats/").removesuffix("/members/is_in_chat")
            return 200, {
                "code": 0,
                "msg": "ok",
                "data": {"is_in_chat": chat_id not in self.chats_without_bot},
            }
        if path == "/open-apis/im/v1/files" and call.method == "POST":
            return self._file(call)
        if path == "/open-apis/im/v1/images" and call.method == "POST":
            return self._image(call)
        if path.startswith("/open-apis/im/v1/messages"):
            if call.method == "POST":
                return 200, {"code": 0, "msg": "success", "data": self._message(call)}
            if call.method == "PATCH":
                return 200, {"code": 0, "msg": "success", "data": {}}
        return 404, {"code": 404, "msg": f"fake: no route {call.method} {path}"}

    def _file(self, call: Call) -> tuple[int, dict[str, Any]]:
        """im.v1.file.create: multipart form data with ``file_type``, ``file_name`` and the ``file``."""
        form = call.headers.get("content-type", "")
        if not form.startswith("multipart/form-data") or b'name="file_type"' not in call.raw:
            return 400, {"code": 234001, "msg": "fake: invalid file upload"}
        boundary = b"--" + form.split("boundary=", 1)[1].encode()
        parts = {}
        for part in call.raw.split(boundary)[1:-1]:
            head, _, content = part.partition(b"\r\n\r\n")
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            parts[name] = content.removesuffix(b"\r\n")
        if "file" not in parts or not parts.get("file_name"):
            return 400, {"code": 234001, "msg": "fake: file and file_name are required"}
        with self._lock:
            key = f"file_v3_{next(self._ids)}"
            self.files[key] = (parts["file_name"].decode("utf-8"), parts["file"])
        return 200, {"code": 0, "msg": "success", "data": {"file_key": key}}

    def _image(self, call: Call) -> tuple[int, dict[str, Any]]:
        """im.v1.image.create: multipart form data with ``image_type`` and the ``image`` file."""
        form = call.headers.get("content-type", "")
        start = call.raw.find(b"\x89PNG\r\n\x1a\n")
        if not form.startswith("multipart/form-data") or b'name="image_type"' not in call.raw or start < 0:
            return 400, {"code": 234001, "msg": "fake: invalid image upload"}
        boundary = form.split("boundary=", 1)[1].encode()
        image = call.raw[start : call.raw.index(b"\r\n--" + boundary, start)]
        with self._lock:
            key = f"img_v3_{next(self._ids)}"
            self.images[key] = image
        return 200, {"code": 0, "msg": "success", "data": {"image_key": key}}

    def _message(self, call: Call) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        uuid = body.get("uuid")
        with self._lock:
            if uuid and uuid in self._by_uuid:
                message_id = self._by_uuid[uuid]
            else:
                message_id = f"om_sent_{next(self._ids)}"
                if uuid:
                    self._by_uuid[uuid] = message_id
        return {"message_id": message_id, "msg_type": body.get("msg_type"), "create_time": "0"}

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def unique_messages(self) -> set[str]:
        """Message ids Feishu would show: a repeated uuid counts once."""
        ids: set[str] = set()
        for call in self.sent:
            body = call.body if isinstance(call.body, dict) else {}
            ids.add(body.get("uuid") or f"{id(call)}")
        return ids
