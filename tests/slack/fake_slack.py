"""A loopback fake of the Slack Web API (and of ``response_url`` endpoints) that records calls.

``FakeSlack().start()`` serves ``http://127.0.0.1:<port>/api/<method>`` from a thread. It answers
the methods coordbot uses with plausible bodies, records every call (method, parameters, token),
and can be told to fail: ``fail("chat.postMessage", "not_in_channel")``,
``rate_limit("chat.postMessage", times=5, retry_after=7)``, ``http_error(..., status=503)``.
Tests wait for background work with :meth:`wait_for` (a condition variable with a bounded
timeout — never a fixed sleep).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TEAM_ID = "T0TEAM"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage"), or "response_url" for respond()
    params: dict[str, Any]
    token: str | None
    path: str
    ok: bool = True

    def json(self, key: str) -> Any:
        """A parameter that may arrive JSON-encoded (form posts) or as JSON already."""
        value = self.params.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            return json.loads(value)
        return value


@dataclass
class _Script:
    remaining: int
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_url: str | None = None
        self._scripts: dict[str, list[_Script]] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.oauth_access: dict[str, Any] | None = None
        # What chat.postMessage posted, per channel, oldest first (conversations.history reads it)
        self.history: dict[str, list[dict[str, Any]]] = {}
        # files_upload_v2: file id -> {"filename", "length"} asked for, and the bytes uploaded
        self.upload_slots: dict[str, dict[str, Any]] = {}
        self.uploaded: dict[str, bytes] = {}
        # Seconds part of the ``ts`` of new messages (tests on a manual clock set it to that clock)
        self.clock: Callable[[], float] = lambda: 1700000000.0
        # The token's scopes, answered in auth.test's x-oauth-scopes header (None: no header)
        self.scopes: list[str] | None = None
        # conversations.info: channel id -> its fields (is_private, is_member, is_archived); others not found
        self.channel_info: dict[str, dict[str, Any]] = {}
        # TCP connections clients opened to the fake (keep-alive clients reuse theirs)
        self.connections = 0

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = (
                True  # headers and body are two writes: no 40 ms wait on kept-alive connections
            )

            def setup(self) -> None:
                super().setup()
                with fake._cond:
                    fake.connections += 1

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/respond/{key}"

    # ---- scripting -------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, tz: str = "UTC", locale: str | None = None) -> None:
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "profile": {"display_name": name, "real_name": name},
        }
        if locale:
            user["locale"] = locale
        self.users[user_id] = user

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200) -> None:
        self._script(method, _Script(times, status, {"ok": False, "error": error}))

    def rate_limit(self, method: str, *, times: int, retry_after: int = 1) -> None:
        body = {"ok": False, "error": "ratelimited"}
        self._script(method, _Script(times, 429, body, {"Retry-After": str(retry_after)}))

    def http_error(
        self, method: str, *, status: int = 503, times: int = 1, body: str = "upstream error"
    ) -> None:
        self._script(method, _Script(times, status, body))

    def _script(self, method: str, script: _Script) -> None:
        with self._cond:
            self._scripts.setdefault(method, []).append(script)

    # ---- inspection ------------------------------------------------------------------------
    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` successful calls of ``method`` (matching ``where``) were recorded."""

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and c.ok and (where is None or where(c))]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} call(s) to {method}; calls so far: {seen}")
            return matching()

    def clear(self) -> None:
        with self._cond:
            self.calls.clear()

    # ---- serving ---------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        if request.path.startswith("/upload/"):
            self._receive_upload(request)
            return
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        path, _, query = request.path.partition("?")
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
        if raw:
            if (request.headers.get("Content-Type") or "").startswith("application/json"):
                params.update(json.loads(raw))
            else:
                params.update({k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()})
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or params.get("token")
        if path.startswith("/respond/"):
            method = "response_url"
        elif path.startswith("/api/"):
            method = path.removeprefix("/api/")
        else:
            method = path
        status, body, headers = self._answer(method, params)
        ok = status == 200 and isinstance(body, dict) and body.get("ok", False)
        with self._cond:
            self.calls.append(Call(method, params, token, path, ok=bool(ok)))
            self._cond.notify_all()
        payload = json.dumps(body) if isinstance(body, dict) else body
        data = payload.encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _receive_upload(self, request: BaseHTTPRequestHandler) -> None:
        """The second step of files_upload_v2: the bytes, POSTed to the URL Slack handed out."""
        file_id = request.path.removeprefix("/upload/")
        data = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        with self._cond:
            slot = self.upload_slots.get(file_id)
            ok = slot is not None and slot["length"] == len(data)
            if ok:
                self.uploaded[file_id] = data
            self.calls.append(Call("upload", {"file_id": file_id, "size": len(data)}, None, request.path, ok))
            self._cond.notify_all()
        body = f"OK - {len(data)}".encode() if ok else b"upload failed"
        request.send_response(200 if ok else 400)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = str(params.get("channel_id") or "")
        with self._cond:
            if not files or any(f.get("id") not in self.uploaded for f in files):
                return {"ok": False, "error": "file_upload_not_complete"}
            shared = [
                {"id": f["id"], "name": self.upload_slots[f["id"]]["filename"], "title": f.get("title")}
                for f in files
            ]
            if channel:
                ts = f"{int(self.clock())}.{next(self._ts):06d}"
                comment = params.get("initial_comment")
                message = {"type": "message", "ts": ts, "text": comment, "files": shared}
                self.history.setdefault(channel, []).append(message)
        return {"ok": True, "files": shared}

    def _history_page(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history as Slack answers it: newest first, ``oldest`` exclusive, paged;
        message metadata only with ``include_all_metadata``."""
        channel = str(params.get("channel", ""))
        with self._cond:
            if channel not in self.history and not channel.startswith(("C", "D", "G")):
                return {"ok": False, "error": "channel_not_found"}
            posted = list(reversed(self.history.get(channel, [])))
        thread = params.get("ts")  # conversations.replies: that thread's messages, not the channel's
        posted = [
            m
            for m in posted
            if m.get("thread_ts", m["ts"]) == thread or (not thread and "thread_ts" not in m)
        ]
        oldest = float(params.get("oldest") or 0)
        posted = [m for m in posted if float(m["ts"]) > oldest]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = posted[start : start + limit]
        if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(posted)
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return answer

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        with self._cond:
            scripts = self._scripts.get(method) or []
            if scripts:
                script = scripts[0]
                script.remaining -= 1
                if script.remaining <= 0:
                    scripts.pop(0)
                return script.status, script.body, script.headers
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            scopes = {"x-oauth-scopes": ",".join(self.scopes)} if self.scopes is not None else {}
            return (
                200,
                {**ok, "team_id": TEAM_ID, "team": "Acme", "user_id": BOT_USER_ID, "bot_id": BOT_ID},
                scopes,
            )
        if method == "conversations.info":
            info = self.channel_info.get(str(params.get("channel", "")))
            if info is None:
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            return 200, {**ok, "channel": {"id": params.get("channel"), **info}}, {}
        if method in ("chat.postMessage", "chat.update"):
            channel = params.get("channel", "")
            if channel.startswith("U"):  # a DM to a user id lands in the IM channel
                channel = "D" + channel[1:]
            ts = params.get("ts") or f"{int(self.clock())}.{next(self._ts):06d}"
            message = {"type": "message", "bot_id": BOT_ID, "text": params.get("text"), "ts": ts}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            metadata = params.get("metadata")
            if metadata:
                message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            if method == "chat.postMessage":
                with self._cond:
                    self.history.setdefault(channel, []).append(message)
            return 200, {**ok, "channel": channel, "ts": ts, "message": {"text": params.get("text")}}, {}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not str(params.get("length", "")).isdigit():
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            with self._cond:
                file_id = f"F{len(self.upload_slots) + 1:04d}"
                self.upload_slots[file_id] = {"filename": params["filename"], "length": int(params["length"])}
            return 200, {**ok, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}, {}
        if method == "files.completeUploadExternal":
            return 200, self._complete_upload(params), {}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            if not users.startswith("U") or "," in users:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            return 200, {**ok, "channel": {"id": "D" + users[1:]}}, {}
        if method == "chat.getPermalink":
            channel, ts = params.get("channel", ""), str(params.get("message_ts", ""))
            link = f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return 200, {**ok, "channel": channel, "permalink": link}, {}
        if method in ("conversations.history", "conversations.replies"):
            return 200, self._history_page(params), {}
        if method == "chat.postEphemeral":
            return 200, {**ok, "message_ts": f"1700000000.{next(self._ts):06d}"}, {}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            if user is None:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            return 200, {**ok, "user": user}, {}
        if method in ("views.open", "views.publish", "views.update"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return 200, {**ok, "view": {**(view or {}), "id": "V123"}}, {}
        if method == "apps.connections.open":
            return 200, {**ok, "url": self.socket_url}, {}
        if method == "oauth.v2.access":
            return 200, self.oauth_access or {"ok": False, "error": "invalid_code"}, {}
        return 200, ok, {}
