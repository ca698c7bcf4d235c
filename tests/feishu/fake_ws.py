"""A loopback fake of Feishu's long-connection server: pushes event frames, records answers.

Frames are the SDK's protobuf ``Frame`` (pbbp2): an event is a DATA frame with headers
``type=event``, ``message_id``, ``trace_id``, ``sum``, ``seq`` and the JSON event as payload;
the client answers on the same frame with ``{"code": 200, "data": base64(response)}``.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
from typing import Any

from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

SERVICE_ID = 7
DATA = 1


class FakeLongConnection:
    def __init__(self) -> None:
        self.received: list[Frame] = []
        self.connections = 0
        self._outgoing: queue.Queue[bytes] = queue.Queue()
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-feishu-ws")

    @property
    def url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/ws?device_id=dev-1&service_id={SERVICE_ID}"

    def start(self) -> FakeLongConnection:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def push(self, payload: dict[str, Any], message_id: str) -> None:
        """Send one event to the connected client, as Feishu does."""
        frame = Frame()
        frame.SeqID = 1
        frame.LogID = 1
        frame.service = SERVICE_ID
        frame.method = DATA
        for key, value in {
            "type": "event",
            "message_id": message_id,
            "trace_id": "trace-" + message_id,
            "sum": "1",
            "seq": "0",
        }.items():
            header = frame.headers.add()
            header.key, header.value = key, value
        frame.payload = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._outgoing.put(frame.SerializeToString())

    def answer_to(self, message_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's answer to the event pushed as ``message_id`` (waits, bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for frame in self.received:
                    headers = {h.key: h.value for h in frame.headers}
                    if frame.method == DATA and headers.get("message_id") == message_id:
                        answer = json.loads(frame.payload)
                        if answer.get("data"):
                            answer["data"] = json.loads(base64.b64decode(answer["data"]))
                        return answer
            time.sleep(0.01)
        raise AssertionError(f"no answer to {message_id} within {timeout}s")

    def wait_connected(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.connections == 0:
            if time.monotonic() > deadline:
                raise AssertionError("the long-connection client did not connect")
            time.sleep(0.01)

    def _handle(self, connection: ServerConnection) -> None:
        self.connections += 1
        while True:
            try:
                while not self._outgoing.empty():
                    connection.send(self._outgoing.get_nowait())
                message = connection.recv(timeout=0.02)
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            frame = Frame()
            frame.ParseFromString(message if isinstance(message, bytes) else message.encode())
            with self._lock:
                self.received.append(frame)
