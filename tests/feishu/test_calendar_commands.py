"""The working calendar's commands on Feishu, end to end: encrypted, signed message events through
the real HTTP server, answered through the real lark-oapi client on the fake Open API — in
Chinese (a Feishu workspace's default) and in English."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from storage.models import CompanyDay, Person
from tests.feishu.fake_feishu import FakeFeishu
from tests.feishu.test_e2e import ME, Chat, failed, ok, text_of


@pytest.fixture
def chat(make_runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(http_server(make_runtime(identity=ME)), fake)


def says(chat: Chat, line: str, user: str = "ou_alice") -> str:
    return text_of(ok(chat.say(line, user=user)))


def test_calendar_commands_in_chinese(chat: Chat, db) -> None:  # type: ignore[no-untyped-def]
    assert "CN" in says(chat, "settings holidays CN")  # ou_alice, the first to speak, is admin
    assert "已设为休息日" in says(chat, "holiday add 2026-12-24 公司年会")
    assert "已设为工作日" in says(chat, "holiday workday 2026-12-26 盘点")
    listed = says(chat, "holidays 2026-10")
    assert "国庆节" in listed and "调休上班" in listed  # National Day and the make-up Saturday
    assert "恢复按法定日历计算" in says(chat, "holiday remove 2026-12-26")
    assert "你的工作时间：10:00–19:00" in says(chat, "me hours 10:00-19:00", user="ou_bob")
    assert "休假" in says(chat, "away 2026-12-20..2026-12-27", user="ou_bob")
    assert failed(chat.say("holiday add 2026-12-31 派对", user="ou_bob"))  # not an admin
    with db.transaction() as s:
        assert {(d.day, d.kind) for d in s.scalars(select(CompanyDay))} == {(date(2026, 12, 24), "off")}
        bob = s.scalars(select(Person).where(Person.user_id == "ou_bob")).one()
        assert (bob.work_start, bob.away_until) == ("10:00", date(2026, 12, 27))


def test_calendar_commands_in_english(chat: Chat) -> None:
    ok(chat.say("settings language en"))
    assert "US" in says(chat, "settings holidays US")
    assert "is now a day off: Offsite" in says(chat, "holiday add 2026-11-27 Offsite")
    listed = says(chat, "holidays 2026-11")
    assert "Thanksgiving" in listed and "Offsite" in listed
    assert "Your working hours: 08:00–17:00" in says(chat, "me hours 08:00-17:00", user="ou_bob")
    assert "is back" in says(chat, "away off", user="ou_bob")
