"""End to end with the real core: Feishu deliveries through the real HTTP server (uvicorn), the
app's real ``lark.Client`` against the fake Open API, and the database checked afterwards."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.feishu.text import BotIdentity
from handlers.core import ACTION_DONE, ACTION_SNOOZE, ACTION_START
from storage.models import Launch, Task, Workspace
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu

ME = BotIdentity(open_id=events.BOT_OPEN_ID, app_name="coordbot")
BOB = events.mention(2, "ou_bob", "Bob Li")


class Chat:
    """Someone typing to coordbot in a Feishu group, through the real HTTP server."""

    def __init__(self, base: str, fake: FakeFeishu, tenant: str = events.TENANT) -> None:
        self.base = base
        self.fake = fake
        self.tenant = tenant
        self.count = 0

    def deliver(self, payload: dict[str, Any]) -> httpx.Response:
        raw, headers = events.signed(events.encrypt(payload))
        return httpx.post(self.base + "/feishu/events", content=raw, headers=headers, timeout=10)

    def say(self, text: str, *, user: str = "ou_alice", mentions: list[dict] | None = None) -> dict[str, Any]:
        """Send ``@coordbot <text>``; return the card coordbot answered with (a threaded reply for
        the group, or a card only ``user`` sees)."""
        return self.answer(text, user=user, mentions=mentions).card  # type: ignore[return-value]

    def answer(self, text: str, *, user: str = "ou_alice", mentions: list[dict] | None = None) -> Any:
        """Send ``@coordbot <text>``; return the call that answered it."""
        before = len(self.fake.answers)
        self.count += 1
        message_id = f"om_{self.tenant}_{self.count}"
        event = events.message_event(
            f"@_user_1 {text}",
            sender=user,
            mentions=[events.BOT_MENTION, *(mentions or [])],
            message_id=message_id,
            tenant=self.tenant,
        )
        response = self.deliver(event)
        assert response.status_code == 200, response.text
        reply = f"/open-apis/im/v1/messages/{message_id}/reply"

        def answered() -> list[Any]:
            return [
                c
                for c in self.fake.answers[before:]
                if c.path == reply
                or (c.path.endswith("/ephemeral/v1/send") and c.body.get("open_id") == user)
            ]

        (call,) = self.fake.wait_for(answered)
        return call

    def press(self, action: str, value: str, *, user: str = "ou_alice") -> dict[str, Any]:
        event = events.card_action_event(action, value, operator=user, tenant=self.tenant)
        response = self.deliver(event)
        assert response.status_code == 200, response.text
        return response.json()


def title(card: dict[str, Any]) -> str:
    return card["header"]["title"]["content"]


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def ok(card: dict[str, Any]) -> dict[str, Any]:
    assert card["header"]["template"] != "red", text_of(card)
    return card


def failed(card: dict[str, Any]) -> dict[str, Any]:
    assert card["header"]["template"] == "red", text_of(card)
    return card


@pytest.fixture
def chat(make_runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    runtime = make_runtime(identity=ME)
    return Chat(http_server(runtime), fake)


def tasks(db) -> list[Task]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return list(session.scalars(select(Task).where(Task.kind == "task").order_by(Task.id)).unique())


ZH_SCRIPT = [
    "帮助",
    "添加 设计 首页改版 @_user_2 截止 下周五",
    "添加 研发 修复登录",
    "列表",
    "列表 我的",
    "查看 #1",
    "开始 #2",
    "阻塞 #2 等待接口",
    "解除阻塞 #2",
    "完成 #2",
    "重开 #2",
    "指派 #2 @_user_2",
    "截止 #2 明天",
    "稍后 #2 2h",
    "重命名 #2 修复登录页面",
    "发布 新建 v2 2026-12-15",
    "发布 列表",
    "发布 v2",
    "勾选 v2 研发 1",
    "取消勾选 v2 研发 1",
    "部门 列表",
    "设置",
    "站会 这里 在 09:30",
    "删除 #2",
]

EN_SCRIPT = [
    "help",
    "/coord add design Homepage redesign @_user_2 due fri",
    "add dev Fix login",
    "list",
    "list mine",
    "show #1",
    "start #2",
    "block #2 waiting for the API",
    "unblock #2",
    "done #2",
    "reopen #2",
    "assign #2 @_user_2",
    "due #2 tomorrow",
    "snooze #2 2h",
    "rename #2 Fix the login page",
    "launch new v2 2026-12-15",
    "launch list",
    "launch v2",
    "check v2 dev 1",
    "uncheck v2 dev 1",
    "dept list",
    "settings",
    "digest here at 09:30",
    "delete #2",
]


def test_every_command_in_chinese(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    cards = [ok(chat.say(line, mentions=[BOB] if "@_user_2" in line else None)) for line in ZH_SCRIPT]
    assert "coordbot" in title(cards[0])
    assert "#1" in title(cards[1])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in title(cards[1]))  # the Feishu default: Chinese
    first, second = tasks(db)
    assert (first.title, first.department.key, first.assignee.user_id) == ("首页改版", "design", "ou_bob")
    assert first.due_date is not None
    assert (second.title, second.status) == ("修复登录页面", "deleted")
    with db.transaction() as session:
        workspace = session.scalars(select(Workspace)).one()
        seen = (workspace.platform, workspace.external_id, workspace.language)
        assert seen == ("feishu", events.TENANT, "zh")
        assert session.scalar(select(func.count()).select_from(Launch)) == 1
    # Bob was told about his task by DM (the core's outbox, sent by the Feishu messenger).
    dms = fake.wait_for(lambda: [c for c in fake.sent if c.query.get("receive_id_type") == "open_id"])
    assert dms[0].body["receive_id"] == "ou_bob"
    assert failed(chat.say("乱码命令"))


def test_every_command_in_english(chat: Chat, db) -> None:  # type: ignore[no-untyped-def]
    switched = ok(chat.say("settings language en"))
    assert title(switched)
    cards = [ok(chat.say(line, mentions=[BOB] if "@_user_2" in line else None)) for line in EN_SCRIPT]
    assert "coordbot" in title(cards[0])
    assert "#1" in title(cards[1])
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in title(cards[1]))
    first, second = tasks(db)
    assert (first.title, first.assignee.user_id) == ("Homepage redesign", "ou_bob")
    assert (second.title, second.status) == ("Fix the login page", "deleted")
    assert failed(chat.say("frobnicate"))


def test_buttons_run_as_the_presser_with_permissions(chat: Chat, db) -> None:  # type: ignore[no-untyped-def]
    card = ok(chat.say("add dev Ship the API @ou_carol", user="ou_alice"))
    values = [e["behaviors"][0]["value"] for e in _elements(card) if e.get("tag") == "button"]
    assert {v["action"] for v in values} == {ACTION_START, ACTION_DONE, ACTION_SNOOZE}
    assert all(v["value"] == "1" and v.get("in_place") for v in values)

    started = chat.press(ACTION_START, "1", user="ou_carol")  # the assignee starts work
    assert started["toast"]["type"] == "success"
    assert started["card"]["type"] == "raw"
    assert started["card"]["data"]["schema"] == "2.0"

    refused = chat.press(ACTION_DONE, "1", user="ou_mallory")  # not creator, assignee, lead or admin
    assert refused["toast"]["type"] == "error"
    assert "card" not in refused
    assert tasks(db)[0].status != "done"

    done = chat.press(ACTION_DONE, "1", user="ou_alice")
    assert done["toast"]["type"] == "success"
    assert tasks(db)[0].status == "done"


def test_redelivered_message_creates_one_task(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    event = events.message_event("@_user_1 add dev Only once", message_id="om_once")
    for _ in range(3):
        assert chat.deliver(event).status_code == 200
    fake.wait_for(lambda: fake.calls_to("POST", "/om_once/reply"))
    assert [t.title for t in tasks(db)] == ["Only once"]
    assert len(fake.calls_to("POST", "/om_once/reply")) == 1


def test_reply_survives_a_rate_limit(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    fake.fail("POST", "/reply", status=429, code=99991400, headers={"x-ogw-ratelimit-reset": "0"})
    event = events.message_event("@_user_1 add ops Rotate keys", message_id="om_limited")
    assert chat.deliver(event).status_code == 200
    attempts = fake.wait_for(
        lambda: (
            len(fake.calls_to("POST", "/om_limited/reply")) >= 2
            and fake.calls_to("POST", "/om_limited/reply")
        )
    )
    assert len(attempts) == 2
    assert attempts[0].body["uuid"] == attempts[1].body["uuid"]
    assert "#1" in title(ok(attempts[1].card))
    assert [t.title for t in tasks(db)] == ["Rotate keys"]


def test_bad_signature_and_token_change_nothing(chat: Chat, db) -> None:  # type: ignore[no-untyped-def]
    raw, headers = events.signed(events.encrypt(events.message_event("@_user_1 add dev Forged")), bad=True)
    assert httpx.post(chat.base + "/feishu/events", content=raw, headers=headers).status_code == 401
    forged = events.message_event("@_user_1 add dev Forged", token="guessed")
    assert chat.deliver(forged).status_code == 401
    assert tasks(db) == []


def _elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(elements: list[dict[str, Any]]) -> None:
        for element in elements:
            found.append(element)
            for column in element.get("columns", ()):
                walk(column.get("elements", []))

    walk(card["body"]["elements"])
    return found


# -- the same privacy as on Slack ----------------------------------------------------------------


def test_what_is_for_the_asker_alone_is_a_card_only_they_see(chat: Chat, fake: FakeFeishu) -> None:
    """Lists, help, errors and refusals in a group: an ephemeral card for the asker; what the
    group should see (a new task) is a threaded reply."""
    for text in ("list mine", "help", "add nosuchdept Something", "done #99"):
        call = chat.answer(text)
        assert call.path == "/open-apis/ephemeral/v1/send", (text, call.path)
        assert (call.body["chat_id"], call.body["open_id"]) == ("oc_group", "ou_alice")
        assert call.body["msg_type"] == "interactive" and call.card is not None
    call = chat.answer("add dev Visible to everyone")
    assert call.path.endswith("/reply") and "Visible to everyone" in text_of(call.card)
    assert [c.path for c in fake.sent] == [call.path]  # nothing else reached the whole group


def test_where_feishu_shows_no_private_card_it_goes_to_the_direct_chat(chat: Chat, fake: FakeFeishu) -> None:
    # e.g. a topic group, or a person the card cannot be shown to: Feishu refuses the send
    fake.fail("POST", "/ephemeral/v1/send", status=400, code=230099, msg="not supported in this chat")
    call = chat.answer("list mine")
    assert call.path == "/open-apis/ephemeral/v1/send"  # tried first …
    (direct,) = fake.wait_for(lambda: [c for c in fake.sent if c.query.get("receive_id_type") == "open_id"])
    assert direct.body["receive_id"] == "ou_alice"  # … then the asker's direct chat
    assert direct.card is not None and direct.card["header"] == call.card["header"]  # the same card


def test_in_a_direct_chat_the_answer_is_a_post(make_runtime, http_server, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    base = http_server(make_runtime(identity=ME))
    event = events.message_event("list mine", chat_type="p2p", chat_id="oc_p2p_alice", message_id="om_p2p_1")
    raw, headers = events.signed(events.encrypt(event))
    assert httpx.post(base + "/feishu/events", content=raw, headers=headers, timeout=10).status_code == 200
    (posted,) = fake.wait_for(lambda: fake.answers)
    assert posted.path == "/open-apis/im/v1/messages" and posted.query == {"receive_id_type": "chat_id"}
    assert posted.body["receive_id"] == "oc_p2p_alice" and fake.ephemeral == []
