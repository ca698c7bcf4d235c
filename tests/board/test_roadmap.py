"""``/coord roadmap``: the coming launches in date order with readiness, sign-off, open work and
the documented risk rule (each reason on its own), shipped launches, the window, both languages,
bad input, and Slack's App Home showing the same roadmap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.replies import Tone
from tests.launch.conftest import Team


def roadmap(team: Team, text: str = "roadmap", user: str = "alice") -> str:
    return team.ok(user, text).reply.plain_text()


def entry(text: str, name: str) -> str:
    """The lines of one launch's entry in a plain-text roadmap."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {name} · " in line)
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if not line.startswith("    ")), len(rest))
    return "\n".join(lines[start : start + 1 + end])


def bare_template(team: Team) -> None:
    """A template of two undated items: nothing becomes overdue, only time passes."""
    team.ok("alice", "template new bare")
    team.ok("alice", "template bare add dev Build it")
    team.ok("alice", "template bare add ops Run it")


def test_an_empty_roadmap_says_how_to_plan(team: Team) -> None:
    assert "No launches in the next 8 weeks" in roadmap(team)


def test_launches_in_date_order_with_their_figures(team: Team) -> None:
    team.ok("alice", "launch new later 2027-01-12")
    team.ok("alice", "launch new soon 2026-12-15")
    team.ok("alice", "check soon dev 1")
    team.ok("alice", "add dev Write notes for soon")
    text = roadmap(team)
    assert text.index(" soon · ") < text.index(" later · ")
    soon = entry(text, "soon")
    assert "Tue 2026-12-15 · 14 working days left" in soon
    assert "Readiness: 1 done / 0 due by now / 10 items · dev 1/3 · design 0/2" in soon
    assert "Sign-off: 0 of 4 departments ready, 0 not ready" in soon
    assert "Open work: 12 · overdue 0 · blocked 0" in soon  # 9 + 2 follow-ups + 1 task
    assert "at risk" not in soon


def test_overdue_work_puts_a_launch_at_risk(team: Team) -> None:
    bare_template(team)
    team.ok("alice", "launch new v2 2026-12-15 template bare")
    team.ok("alice", "add dev Fix login for v2 due tomorrow")
    assert "at risk" not in entry(roadmap(team), "v2")
    team.clock.advance(timedelta(days=2))
    outcome = team.ok("alice", "roadmap")
    v2 = entry(outcome.reply.plain_text(), "v2")
    assert "⚠ v2" in v2 and "overdue 1" in v2
    assert "(At risk: work past its due date)" in v2
    assert outcome.reply.tone == Tone.WARNING


def test_work_blocked_for_more_than_two_working_days_puts_it_at_risk(team: Team) -> None:
    bare_template(team)
    team.ok("alice", "launch new v2 2026-12-22 template bare")
    team.ok("alice", "add dev Waiting on vendor for v2")
    team.ok("alice", "block #3 vendor has not answered")
    team.clock.advance(timedelta(days=2))  # Friday: two working days
    assert "blocked 1" in entry(roadmap(team), "v2") and "at risk" not in entry(roadmap(team), "v2")
    team.clock.advance(timedelta(days=3))  # Monday: three working days (the weekend does not count)
    assert "work blocked for more than 2 working days" in entry(roadmap(team), "v2")


def test_readiness_behind_the_time_gone_by_puts_it_at_risk(team: Team) -> None:
    bare_template(team)
    team.ok("alice", "launch new v2 2026-12-09 template bare")  # 10 working days of planning
    team.ok("alice", "check v2 dev 1")
    team.clock.advance(timedelta(days=7))  # 5 of 10 working days gone, half done: on track
    assert "at risk" not in entry(roadmap(team), "v2")
    team.ok("alice", "uncheck v2 dev 1")  # none done, half the time gone: behind
    assert "readiness behind the time gone by" in entry(roadmap(team), "v2")


def test_a_not_ready_sign_off_puts_it_at_risk(team: Team) -> None:
    bare_template(team)
    team.ok("alice", "launch new v2 2026-12-15 template bare")
    team.ok("alice", "signoff v2 dev not ready load tests fail")
    team.ok("alice", "signoff v2 ops ready")
    v2 = entry(roadmap(team), "v2")
    assert "Sign-off: 1 of 2 departments ready, 1 not ready" in v2
    assert "a department signed off not ready" in v2


def test_shipped_and_cancelled_launches_and_the_window(team: Team) -> None:
    team.ok("alice", "launch new early 2026-12-01")
    team.ok("alice", "launch new gone 2026-12-02")
    team.ok("alice", "launch new far 2027-02-23")  # 13 weeks away
    team.ok("alice", "launch gone cancel")
    team.ok("alice", "launch early launched")
    text = roadmap(team)  # shipping early moved its date to the day it shipped
    assert "early · Wed 2026-11-25 · shipped" in text and "gone" not in text and "far" not in text
    assert "far · " in roadmap(team, "roadmap 13")
    team.clock.advance(timedelta(days=7))  # a week after it shipped, early is still shown
    assert "early · Wed 2026-11-25 · shipped" in roadmap(team)
    team.clock.advance(timedelta(days=1))
    assert "early" not in roadmap(team)


def test_a_chinese_workspace_reads_the_roadmap_in_chinese(team: Team) -> None:
    team.ok("alice", "settings language zh")
    team.ok("alice", "launch new v2 2026-12-15")
    text = roadmap(team, "路线图 4")
    assert "路线图（未来 4 周）：1 个发布，0 个有风险" in text
    assert "还剩 14 个工作日" in text and "就绪度：已完成 0 / 到期 0 / 共 10 项" in text
    assert "签核：4 个部门中 0 个就绪，0 个未就绪" in text


@pytest.mark.parametrize("weeks", ["0", "53", "abc", "3 x"])
def test_a_bad_number_of_weeks_gets_usage(team: Team, weeks: str) -> None:
    outcome = team.say("alice", f"roadmap {weeks}")
    assert outcome.reply.tone == Tone.ERROR
    assert "is not a number of weeks: give 1 to 52" in outcome.reply.plain_text()
    assert "Usage: /coord roadmap [weeks]" in outcome.reply.plain_text()


def test_the_home_view_shows_the_roadmap(team: Team) -> None:
    team.ok("alice", "launch new v2 2026-12-15")
    team.ok("alice", "add dev Fix login for v2 due 2026-11-20")
    from tests.launch.conftest import caller

    home = team.core.home(caller("alice")).plain_text()
    assert "Roadmap, next 8 weeks" in home
    assert "⚠ v2 · Tue 2026-12-15 · 14 working days left · at risk" in home
    assert "At risk: work past its due date" in home
