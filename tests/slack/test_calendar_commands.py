"""The working calendar's commands on Slack, end to end: signed slash commands through the real
server and bolt, answered through the real slack_sdk client on the fake Web API, in English and
(for Bob, whose Slack locale is zh-CN) Chinese."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from handlers.clock import ManualClock
from storage.db import Database
from storage.models import CompanyDay, Person
from tests.slack.conftest import ADMIN, ALICE, BOB, SlackSender
from tests.slack.fake_slack import FakeSlack
from tests.slack.limits import all_text, check_blocks


def ask(slack: SlackSender, fake: FakeSlack, text: str, user: str = ADMIN) -> str:
    fake.clear()
    slack.command(text, user=user)
    (answer,) = fake.wait_for("response_url")
    blocks = answer.params.get("blocks")
    if blocks:
        check_blocks(blocks)
        return answer.params["text"] + "\n" + all_text(blocks)
    return answer.params["text"]


def test_holidays_company_days_hours_and_away_on_slack(
    slack: SlackSender, fake: FakeSlack, db: Database
) -> None:
    assert "Public holidays" in ask(slack, fake, "settings holidays US")
    assert "2026-12-24" in ask(slack, fake, "holiday add 2026-12-24 Company day")
    assert "is now a working day" in ask(slack, fake, "holiday workday 2026-12-26 Inventory")
    listed = ask(slack, fake, "holidays 2026-12")
    assert "Christmas" in listed and "Company day" in listed and "Inventory" in listed
    assert "no longer a company day" in ask(slack, fake, "holiday remove 2026-12-26")
    assert "admins" in ask(slack, fake, "holiday add 2026-12-31 Party", user=ALICE)
    assert "你的工作时间" in ask(slack, fake, "me hours 10:00-19:00", user=BOB)  # zh-CN in Slack
    assert "休假" in ask(slack, fake, f"away 2026-12-20..2026-12-27 backup <@{ALICE}|alice>", user=BOB)
    with db.transaction() as s:
        days = {(d.day, d.kind) for d in s.scalars(select(CompanyDay))}
        bob = s.scalars(select(Person).where(Person.user_id == BOB)).one()
        assert days == {(date(2026, 12, 24), "off")}
        assert (bob.work_start, bob.work_end, bob.timezone) == ("10:00", "19:00", "Asia/Shanghai")
        assert (bob.away_from, bob.away_until) == (date(2026, 12, 20), date(2026, 12, 27))


def test_a_vacationing_slack_status_is_a_hint_not_away_time(
    slack: SlackSender, fake: FakeSlack, db: Database, clock: ManualClock
) -> None:
    profile = fake.users[BOB]["profile"]
    profile.update(status_text="Vacationing", status_emoji=":palm_tree:", status_expiration=0)
    ask(slack, fake, "dept list")
    ask(slack, fake, f"add dev Ship the API <@{BOB}|bob> due today")
    assert "@Bob (status: 🌴 Vacationing)" in ask(slack, fake, "list all")
    assert "你的状态是“🌴 Vacationing”" in ask(slack, fake, "me", user=BOB)  # Bob reads Chinese
    with db.transaction() as s:
        bob = s.scalars(select(Person).where(Person.user_id == BOB)).one()
        assert (bob.status_hint, bob.away_until) == ("🌴 Vacationing", None)  # a hint, not away time
    profile.update(status_text="", status_emoji="")  # back: once Slack is asked again (hourly) ...
    clock.set(clock.now() + timedelta(hours=2))
    assert "状态" not in ask(slack, fake, "me", user=BOB)  # ... the hint is gone


def test_which_slack_statuses_say_away() -> None:
    from datetime import UTC, datetime

    from bot.slack.users import away_status

    now = datetime(2026, 12, 21, 9, tzinfo=UTC)
    assert away_status({"status_text": "Vacationing", "status_emoji": ":palm_tree:"}, now) == "🌴 Vacationing"
    assert away_status({"status_text": "休假中", "status_emoji": ""}, now) == "休假中"
    assert away_status({"status_text": "In a meeting", "status_emoji": ":spiral_calendar_pad:"}, now) == ""
    expired = {"status_text": "Vacationing", "status_emoji": ":palm_tree:", "status_expiration": 1}
    assert away_status(expired, now) == ""
    assert away_status({}, now) == ""
