"""The weekly report and the retro on Feishu, end to end: @coordbot messages through the real server
(encrypted, signed), the scheduler posting through the real lark client, and the burn-up uploaded
as an image (im/v1/images) before the card that shows it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot.chart_png import HEIGHT, WIDTH
from bot.scheduler import CoordScheduler
from tests.feishu import events
from tests.feishu.fake_feishu import Call, FakeFeishu
from tests.feishu.test_e2e import ME, Chat, ok, text_of, title

BOB = events.mention(2, "ou_bob", "Bob Li")
IMAGES = "/open-apis/im/v1/images"


@pytest.fixture
def runtime(make_runtime):  # type: ignore[no-untyped-def]
    return make_runtime(identity=ME)


@pytest.fixture
def chat(runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(http_server(runtime), fake)
    ok(chat.say("部门 set 研发 lead @_user_2", mentions=[BOB]))
    ok(chat.say("发布 新建 v2 2026-12-15"))  # alice (the first person, an admin) is its PM
    return chat


def image_cards(fake: FakeFeishu) -> list[Call]:
    return [c for c in fake.sent if c.card and '"tag": "img"' in text_of(c.card)]


def shown_image(fake: FakeFeishu, call: Call) -> tuple[str, Image.Image]:
    """The image a card shows (its key was uploaded before the card was sent), decoded."""
    (element,) = [e for e in call.card["body"]["elements"] if e.get("tag") == "img"]  # type: ignore[index]
    key = element["img_key"]
    uploads = [c for c in fake.calls if c.path == IMAGES]  # in the order the fake gave out keys
    upload = uploads[list(fake.images).index(key)]
    assert fake.calls.index(upload) < fake.calls.index(call)
    return key, Image.open(io.BytesIO(fake.images[key]))


def posted_to(fake: FakeFeishu, receive_id: str) -> list[dict[str, Any]]:
    return [c.card for c in fake.sent if c.body.get("receive_id") == receive_id and c.card]  # type: ignore[misc]


def test_report_now_answers_in_the_thread_then_uploads_the_burnup_and_shows_it(
    chat: Chat, fake: FakeFeishu
) -> None:
    card = ok(chat.say("周报 现在"))
    assert title(card).startswith("周报 · ") and "就绪度 0/10（一周前 0/0）" in text_of(card)
    (chart,) = fake.wait_for(lambda: image_cards(fake))
    assert chart.body["receive_id"] == "oc_group" and title(chart.card) == "v2 发布就绪燃起图"  # type: ignore[arg-type]
    _key, image = shown_image(fake, chart)
    assert image.size == (WIDTH, HEIGHT)


def test_the_scheduled_report_and_the_retro_at_t_plus_7_through_the_lark_client(
    chat: Chat, runtime, fake: FakeFeishu
) -> None:  # type: ignore[no-untyped-def]
    assert "已设置周报发到 #" in text_of(ok(chat.say("周报 这里 每周 周五 16:00")))
    ok(chat.say("周报 私信 每周 周五 16:00", user="ou_bob"))
    before = len(fake.calls)
    scheduler = CoordScheduler(runtime.listeners.services)
    try:
        friday = datetime(2026, 11, 27, 15, 55, tzinfo=UTC)
        scheduler.run_through(friday, friday + timedelta(minutes=10))
        reports = [c for c in fake.sent[-4:] if c.card and title(c.card).startswith("周报 · ")]
        assert sorted(c.body["receive_id"] for c in reports) == ["oc_group", "ou_bob"]
        charts = image_cards(fake)
        assert sorted(c.body["receive_id"] for c in charts) == ["oc_group", "ou_bob"]
        for chart in charts:
            assert shown_image(fake, chart)[1].size == (WIDTH, HEIGHT)
        assert len([c for c in fake.calls[before:] if c.path == IMAGES]) == 2
        t_plus_7 = datetime(2026, 12, 22, 9, 55, tzinfo=UTC)
        scheduler.run_through(t_plus_7, t_plus_7 + timedelta(minutes=10))
    finally:
        scheduler.shutdown()
    retros = [c for c in fake.sent if c.card and title(c.card) == "v2 复盘"]
    assert sorted(c.body["receive_id"] for c in retros) == ["oc_group", "ou_alice"]
    assert "按计划日期 12月15日 周二 发布。" in text_of(retros[0].card)


def test_retro_in_english_answers_the_asker_then_close_sends_it_once(
    chat: Chat, fake: FakeFeishu, clock
) -> None:  # type: ignore[no-untyped-def]
    ok(chat.say("settings language en"))
    clock.set(datetime(2026, 12, 17, 10, tzinfo=UTC))
    preview = chat.answer("retro v2", user="ou_bob")
    assert preview.path.endswith("/ephemeral/v1/send") and title(preview.card) == "Retro of v2"
    assert "Shipped on its planned date, Tue 12-15." in text_of(preview.card)
    assert "Retro of v2 sent" in text_of(ok(chat.say("retro v2 close")))

    def retros() -> list[Any]:  # the channel's and the PM's, sent concurrently
        found = [c for c in fake.sent if c.card and title(c.card) == "Retro of v2"]
        return found if len(found) >= 2 else []

    sent = fake.wait_for(retros)
    assert sorted(c.body["receive_id"] for c in sent) == ["oc_group", "ou_alice"]
    assert "was sent already" in text_of(ok(chat.say("retro v2 close")))
    assert len([c for c in fake.sent if c.card and title(c.card) == "Retro of v2"]) == 2
