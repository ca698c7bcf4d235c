"""Card forms on Feishu, end to end: "未就绪" and "推迟" pressed on a card answer with a toast and a
form card only the presser sees; submitting it (``card.action.trigger`` with ``form_value``,
encrypted and signed) runs the sign-off or the postponement with the commands' permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from handlers.feedback_views import ACTION_LOG
from handlers.launch_views import ACTION_POSTPONE, ACTION_SIGNOFF_NOT_READY
from handlers.next_version import ACTION_NEXT
from storage.models import Department, Feedback, Launch, SignOff
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu
from tests.feishu.test_e2e import Chat, ok
from tests.feishu.test_launch_plans import BOB, buttons


@pytest.fixture
def runtime(make_runtime):  # type: ignore[no-untyped-def]
    from tests.feishu.test_e2e import ME

    return make_runtime(identity=ME)


@pytest.fixture
def chat(runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(http_server(runtime), fake)
    ok(chat.say("部门 set 研发 lead @_user_2", mentions=[BOB]))
    ok(chat.say("发布 新建 v2 2026-12-15"))
    return chat


def ids(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        launch = session.scalars(select(Launch.id)).one()
        dev = session.scalars(select(Department.id).where(Department.key == "dev")).one()
    return launch, dev


def form_card(fake: FakeFeishu, user: str) -> dict[str, Any]:
    """The latest form card sent to ``user`` alone."""

    def sent() -> list[dict[str, Any]]:
        cards = [c.card for c in fake.ephemeral if c.body.get("open_id") == user and c.card]
        return [card for card in cards if '"tag": "form"' in json.dumps(card)]

    return fake.wait_for(sent)[-1]


def submit(chat: Chat, card: dict[str, Any], user: str, **values: Any) -> dict[str, Any]:
    (value,) = [v for v in buttons(card) if v.get("form")]
    event = events.card_action_event(
        value["action"],
        value["value"],
        operator=user,
        in_place=False,
        extra_value={"form": True},
        form_value=values,
    )
    response = chat.deliver(event)
    assert response.status_code == 200, response.text
    return response.json()


def form_of(card: dict[str, Any]) -> dict[str, Any]:
    (form,) = [e for e in card["body"]["elements"] if e["tag"] == "form"]
    return form


def test_not_ready_opens_a_card_form_and_its_submission_signs_off(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    launch, dev = ids(db)
    refused = chat.press(ACTION_SIGNOFF_NOT_READY, f"{launch}/{dev}", user="ou_zed")
    assert refused["toast"]["type"] == "error" and "card" not in refused
    pressed = chat.press(ACTION_SIGNOFF_NOT_READY, f"{launch}/{dev}", user="ou_bob")
    assert pressed["toast"]["content"] == "请填写我发给你的表单（仅你可见）。" and "card" not in pressed
    card = form_card(fake, "ou_bob")
    assert card["header"]["title"]["content"] == "未就绪"
    form = form_of(card)
    (reason, submit_button) = form["elements"]
    assert reason["tag"] == "input" and reason["name"] == "reason" and reason["required"] is True
    assert reason["input_type"] == "multiline_text" and reason["max_length"] == 300
    assert submit_button["form_action_type"] == "submit"
    # what Feishu would stop locally is refused on the server too; the form stays
    blank = submit(chat, card, "ou_bob", reason="   ")
    assert blank["toast"]["type"] == "error" and "card" not in blank
    # a form passed on to someone else runs with that person's permissions
    assert submit(chat, card, "ou_zed", reason="不是我的")["toast"]["type"] == "error"
    with db.transaction() as session:
        assert session.scalars(select(SignOff)).all() == []
    done = submit(chat, card, "ou_bob", reason="压测未通过")
    assert done["toast"]["type"] == "warning" and "压测未通过" in done["toast"]["content"]
    assert done["card"]["type"] == "raw" and "签核" in str(done["card"]["data"])  # the form, replaced
    with db.transaction() as session:
        (row,) = session.scalars(select(SignOff)).all()
        assert (
            not row.ready and row.note == "压测未通过" and row.by is not None and row.by.user_id == "ou_bob"
        )


def test_postpone_takes_its_date_from_the_card_date_picker(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    launch, _ = ids(db)
    assert chat.press(ACTION_POSTPONE, f"launch/{launch}", user="ou_bob")["toast"]["type"] == "error"
    chat.press(ACTION_POSTPONE, f"launch/{launch}", user="ou_alice")
    card = form_card(fake, "ou_alice")
    picker = next(e for e in form_of(card)["elements"] if e["tag"] == "date_picker")
    assert picker["name"] == "date"
    past = submit(chat, card, "ou_alice", date="2026-11-01 +0800")
    assert past["toast"]["type"] == "error"
    moved = submit(chat, card, "ou_alice", date="2026-12-18 +0800")
    assert moved["toast"]["type"] != "error", moved
    with db.transaction() as session:
        assert str(session.scalars(select(Launch.launch_date)).one()) == "2026-12-18"


def test_log_feedback_opens_a_card_form_that_logs_it(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    launch, _ = ids(db)
    pressed = chat.press(ACTION_LOG, f"launch/{launch}", user="ou_bob")
    assert "card" not in pressed and pressed["toast"]["type"] != "error"
    card = form_card(fake, "ou_bob")
    assert card["header"]["title"]["content"] == "记录反馈"
    names = [e.get("name") for e in form_of(card)["elements"] if e.get("name")]
    assert names[:2] == ["kind", "text"], names
    assert submit(chat, card, "ou_bob", kind="bug", text="  ")["toast"]["type"] == "error"
    logged = submit(chat, card, "ou_bob", kind="bug", text="导出按钮在小屏幕上看不到")
    assert logged["toast"]["type"] == "success" and "F1" in logged["toast"]["content"]
    with db.transaction() as session:
        item = session.scalars(select(Feedback)).one()
        assert (item.kind, item.text, item.author.user_id) == ("bug", "导出按钮在小屏幕上看不到", "ou_bob")


def test_start_the_next_version_opens_a_prefilled_card_form(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    launch, _ = ids(db)
    chat.press(ACTION_NEXT, f"launch/{launch}", user="ou_alice")
    card = form_card(fake, "ou_alice")
    name = next(e for e in form_of(card)["elements"] if e.get("name") == "name")
    assert name["default_value"] == "v3"
    made = submit(chat, card, "ou_alice", name="v3", date="2027-01-20 +0800", plan="template", carry="yes")
    assert made["toast"]["type"] == "success", made
    with db.transaction() as session:
        v2, v3 = session.scalars(select(Launch).order_by(Launch.id)).all()
        assert v3.name == "v3" and v3.previous_id == v2.id and str(v3.launch_date) == "2027-01-20"
