"""Launch plans on Feishu, end to end: @coordbot messages and card button presses through the real
server (encrypted, signed), the scheduler posting cards through the real lark client to the fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.scheduler import CoordScheduler
from handlers.launch_views import ACTION_CHECK, ACTION_GO, ACTION_SIGNOFF_READY
from storage.models import Launch, SignOff, Task
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu
from tests.feishu.test_e2e import ME, Chat, failed, ok, text_of
from tests.virtual_seconds import virtual_sender

BOB = events.mention(2, "ou_bob", "Bob Li")


@pytest.fixture
def runtime(make_runtime):  # type: ignore[no-untyped-def]
    return make_runtime(identity=ME)


@pytest.fixture
def chat(runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(http_server(runtime), fake)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The callback values of every button on a card."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") == "button":
                found.extend(b["value"] for b in node.get("behaviors", []) if b.get("type") == "callback")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def item(db, number: int) -> Task:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return session.scalars(select(Task).where(Task.number == number)).one()


def test_templates_a_launch_and_its_check_off_buttons_in_chinese(chat: Chat, db) -> None:  # type: ignore[no-untyped-def]
    edited = ok(chat.say("模板 standard 添加 运营 压力测试 at T-3"))
    assert "压力测试 · T-3" in text_of(edited)
    failed(chat.say("模板 standard 添加 运营 另一项", user="ou_zed"))  # not an admin
    ok(chat.say("部门 set 研发 lead @_user_2", mentions=[BOB]))
    card = ok(chat.say("发布 新建 v2 2026-12-15"))
    assert "按模板 standard 生成 11 个检查项及 2 个发布后事项" in text_of(card)
    shown = text_of(card)  # a Feishu workspace speaks Chinese: the plan's texts are Chinese too
    assert "研发 1 · #1 功能开发完成 — <at id=ou_bob></at> · 截止 " in shown and " · T-10" in shown
    values = buttons(card)
    assert {"action": ACTION_CHECK, "value": "#1"} in values  # a card of many items: no in_place
    refused = chat.press(ACTION_CHECK, "#1", user="ou_zed")
    assert refused["toast"]["type"] == "error" and "card" not in refused
    assert item(db, 1).status == "todo"
    pressed = chat.press(ACTION_CHECK, "#1", user="ou_bob")  # dev's lead
    assert pressed["toast"]["type"] == "success" and "已勾选" in pressed["toast"]["content"]
    assert item(db, 1).status == "done"


def test_check_ins_across_a_reschedule_and_sign_off_from_the_card(
    chat: Chat,
    runtime,
    fake: FakeFeishu,
    db,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    ok(chat.say("部门 set 研发 lead @_user_2", mentions=[BOB]))
    ok(chat.say("发布 新建 v2 2026-12-15"))
    scheduler = CoordScheduler(runtime.listeners.services, virtual_sender())
    try:
        scheduler.run_through(clock.now(), datetime(2026, 12, 9, 8, tzinfo=UTC))
        clock.set(datetime(2026, 12, 9, 8, tzinfo=UTC))
        moved = ok(chat.say("发布 v2 改期 2026-12-17"))
        assert "把发布 v2 从" in text_of(moved)
        scheduler.run_through(clock.now(), datetime(2026, 12, 17, 11, tzinfo=UTC))
    finally:
        scheduler.shutdown()
    posted = [c.card for c in fake.sent if c.body.get("receive_id") == "oc_group" and c.card]
    headers = [card["header"]["title"]["content"] for card in posted]  # type: ignore[index]
    checkins = [h for h in headers if "发布就绪检查" in h or "发布日" in h or "签核" in h]
    assert [h.split(" · ")[1] for h in checkins if "发布就绪检查" in h] == ["T-14", "T-7", "T-3", "T-1"]
    assert (
        sum("发布前签核" in h for h in checkins) == 1 and sum(h.startswith("发布日") for h in checkins) == 1
    )
    launch_day = next(card for card in posted if card["header"]["title"]["content"].startswith("发布日"))  # type: ignore[index]
    values = buttons(launch_day)  # type: ignore[arg-type]
    assert any(v["action"] == ACTION_GO for v in values)
    with db.transaction() as session:
        launch_id = session.scalars(select(Launch.id)).one()
    ready = next(
        v for v in values if v["action"] == ACTION_SIGNOFF_READY and v["value"].startswith(f"{launch_id}/")
    )
    answer = chat.press(ACTION_SIGNOFF_READY, ready["value"], user="ou_bob")
    assert answer["toast"]["type"] == "success"
    with db.transaction() as session:
        (signoff,) = session.scalars(select(SignOff)).all()
        assert signoff.ready and signoff.by is not None and signoff.by.user_id == "ou_bob"
    go = chat.press(ACTION_GO, f"launch/{launch_id}", user="ou_bob")
    assert go["toast"]["type"] == "error"  # only the launch's owner decides
    assert chat.press(ACTION_GO, f"launch/{launch_id}", user="ou_alice")["toast"]["type"] == "success"


def test_the_version_plan_in_chinese_on_a_card(chat: Chat) -> None:
    ok(chat.say("部门 set 研发 lead @_user_2", mentions=[BOB]))
    ok(chat.say("发布 新建 v2 2026-12-15"))
    ok(chat.say("发布 新建 v3 2027-01-19"))
    ok(chat.say("添加 研发 修复登录 for v2"))
    ok(chat.say("移到 #25 v3"))
    shown = text_of(ok(chat.say("计划 v2")))
    assert "版本计划 v2：" in shown and "研发（已完成 0/4）" in shown
    assert "研发 1 · #1 功能开发完成 — <at id=ou_bob></at> · 截止 " in shown
    assert "#25 &#91;研发&#93; 修复登录 — 移到了 v3（<at id=ou_alice></at>，" in shown  # markdown-escaped
    assert "从 v2 延续" in text_of(ok(chat.say("计划 v3")))


def test_an_export_is_a_file_in_the_askers_direct_chat(chat: Chat, fake: FakeFeishu) -> None:
    ok(chat.say("发布 新建 v2 2026-12-15"))
    answer = chat.answer("导出 v2 json")
    assert answer.path.endswith("/ephemeral/v1/send")  # a card only the asker sees
    shown = text_of(answer.card)
    assert "v2 的导出：0 个任务和 12 个发布事项" in shown and "文件已发到你与 coordbot 的私聊中" in shown
    ((name, data),) = fake.files.values()
    assert name == "coordbot-v2-2026-11-25.json" and len(json.loads(data)["records"]) == 12
    (sent,) = [c for c in fake.sent if c.body.get("msg_type") == "file"]
    assert sent.query["receive_id_type"] == "open_id" and sent.body["receive_id"] == "ou_alice"
    assert json.loads(sent.body["content"]) == {"file_key": next(iter(fake.files))}
    order = [c.path for c in fake.calls]
    assert order.index("/open-apis/im/v1/files") < fake.calls.index(sent) < fake.calls.index(answer)


def test_the_calendar_address_on_feishu_and_reset(
    make_runtime, http_server, fake: FakeFeishu, db, clock
) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from bot.app import Services
    from bot.feed_web import feed_routes
    from bot.server import build_asgi_app
    from handlers.core import Coordinator
    from handlers.web_access import WebAccess

    core = Coordinator(
        db, clock, default_timezone="UTC", web=WebAccess(public_url="https://coord.example.com")
    )
    chat = Chat(http_server(make_runtime(core, identity=ME)), fake)
    ok(chat.say("发布 新建 v2 2026-12-15"))
    shown = text_of(ok(chat.say("日历")))
    assert "你的日历订阅" in shown
    token = shown.split("https://coord.example.com/calendar/", 1)[1].split(".ics", 1)[0]
    services = Services(settings=None, db=db, clock=clock, coordinator=core)  # type: ignore[arg-type]
    client = TestClient(build_asgi_app(db, feed_routes(services)))
    assert "发布 v2" in client.get(f"/calendar/{token}.ics").content.decode("utf-8")
    assert "已停用 1 个日历地址" in text_of(ok(chat.say("日历 重置")))
    assert client.get(f"/calendar/{token}.ics").status_code == 404
