"""A loopback Socket Mode endpoint: sends envelopes to the connected app and records its acks."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self._outgoing: list[str] = []
        self._cond = threading.Condition()
        self._connected = threading.Event()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def send(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, envelope_id: str | None = None
    ) -> str:
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._cond:
            self._outgoing.append(json.dumps(envelope))
            self._cond.notify_all()
        return envelope_id

    def wait_connected(self, timeout: float = 10) -> None:
        if not self._connected.wait(timeout):
            raise AssertionError("the app did not connect over Socket Mode")

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout=timeout):
                raise AssertionError(f"no ack for envelope {envelope_id}; acks: {list(self.acks)}")
            return self.acks[envelope_id]

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}))
        self._connected.set()
        try:
            while True:
                with self._cond:
                    pending, self._outgoing = self._outgoing, []
                for message in pending:
                    connection.send(message)
                try:
                    raw = connection.recv(timeout=0.02)
                except TimeoutError:
                    continue
                data = json.loads(raw)
                if "envelope_id" in data:
                    with self._cond:
                        self.acks[data["envelope_id"]] = data
                        self._cond.notify_all()
        except ConnectionClosed:
            return
