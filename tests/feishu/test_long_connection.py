"""The long connection: ``lark.ws.Client`` on its own thread, fed frames as Feishu's server does."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx
import lark_oapi as lark
import pytest
from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from sqlalchemy import select

from bot.feishu.text import BotIdentity
from handlers.core import ACTION_DONE
from storage.models import Task
from tests.feishu import events
from tests.feishu.conftest import RecordingCoordinator
from tests.feishu.fake_feishu import FakeFeishu
from tests.feishu.fake_ws import FakeLongConnection

ME = BotIdentity(open_id=events.BOT_OPEN_ID, app_name="coordbot")


@pytest.fixture
def ws(fake: FakeFeishu):  # type: ignore[no-untyped-def]
    server = FakeLongConnection().start()
    fake.ws_url = server.url
    yield server
    server.stop()


def titles(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return [t.title for t in session.scalars(select(Task).order_by(Task.id)).unique()]


def test_events_over_the_long_connection(make_runtime, http_server, ws, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime(identity=ME)
    base = http_server(runtime)
    started = time.monotonic()
    runtime.start_long_connection()
    assert time.monotonic() - started < 5  # returns at once: the client runs on its own thread
    ws.wait_connected()
    assert runtime.long_connection_running

    # A message event, plain JSON as the long connection carries it (no encryption, no signature).
    event = events.message_event("@_user_1 add dev Over the socket", message_id="om_ws_1")
    ws.push(event, "frame-1")
    assert ws.answer_to("frame-1")["code"] == 200
    (reply,) = fake.wait_for(lambda: fake.calls_to("POST", "/om_ws_1/reply"))
    assert "#1" in reply.card["header"]["title"]["content"]

    # Feishu pushes the same event again: nothing twice.
    ws.push(event, "frame-2")
    assert ws.answer_to("frame-2")["code"] == 200
    assert titles(db) == ["Over the socket"]

    # A button press; the answer (toast + card) travels back in the frame.
    ws.push(events.card_action_event(ACTION_DONE, "1"), "frame-3")
    answer = ws.answer_to("frame-3")
    assert answer["code"] == 200
    assert answer["data"]["toast"]["type"] == "success"
    assert answer["data"]["card"]["data"]["schema"] == "2.0"

    # The HTTP server keeps serving meanwhile.
    raw, headers = events.signed(events.encrypt(events.message_event("@_user_1 add ops Via HTTP")))
    assert httpx.post(base + "/feishu/events", content=raw, headers=headers).status_code == 200
    assert runtime.listeners.wait_idle()  # answered first, run after
    assert titles(db) == ["Over the socket", "Via HTTP"]

    runtime.stop()
    assert not runtime.long_connection_running


def test_failed_long_connection_does_not_block(make_runtime, http_server, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    fake.ws_url = None  # the endpoint refuses: the client gives up on its thread
    runtime = make_runtime(RecordingCoordinator(), identity=ME)
    base = http_server(runtime)
    started = time.monotonic()
    runtime.start_long_connection()
    assert time.monotonic() - started < 5
    fake.wait_for(lambda: not runtime.long_connection_running)
    assert httpx.get(base + "/healthz").status_code == 200
    runtime.stop()


def _frame(payload: dict, message_id: str) -> Frame:
    frame = Frame()
    frame.SeqID = 1
    frame.LogID = 1
    frame.method = 1
    frame.service = 7
    headers = {"type": "event", "message_id": message_id, "trace_id": "t", "sum": "1", "seq": "0"}
    for key, value in headers.items():
        header = frame.headers.add()
        header.key, header.value = key, value
    frame.payload = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return frame


def test_events_from_a_ws_frame(make_runtime, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    core = RecordingCoordinator()
    runtime = make_runtime(core, identity=ME)
    written: list[bytes] = []

    async def feed() -> None:
        # Built inside a running loop, as on the long-connection thread.
        handler = runtime.long_connection_events()
        client = lark.ws.Client("cli_x", "secret", event_handler=handler, domain=fake.url)

        async def capture(data: bytes) -> None:
            written.append(data)

        client._write_message = capture  # type: ignore[method-assign]
        await client._handle_data_frame(_frame(events.message_event("@_user_1 list mine"), "m1"))
        await client._handle_data_frame(_frame(events.card_action_event(ACTION_DONE, "4"), "m2"))
        client._cache._cron.cancel()

    asyncio.run(feed())
    assert runtime.listeners.wait_idle()  # the message was answered first, and runs after
    assert [text for _, text in core.texts] == ["list mine"]
    assert [(a, v) for _, a, v in core.actions] == [(ACTION_DONE, "4")]
    answers = []
    for data in written:
        frame = Frame()
        frame.ParseFromString(data)
        answers.append(json.loads(frame.payload))
    assert [a["code"] for a in answers] == [200, 200]
    assert json.loads(base64.b64decode(answers[1]["data"]))["toast"]["content"] == "#4 done"
    fake.wait_sent(1)
