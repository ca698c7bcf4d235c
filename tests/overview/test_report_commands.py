"""Chart, report and retro commands through the core: what each answers, in both languages, and
a specific message for each kind of bad input."""

from __future__ import annotations

from datetime import date

from handlers.chart_model import ChartKind
from tests.launch.conftest import Team, at


def launch(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")


def test_chart_burnup_answers_for_everyone_with_the_chart(team: Team) -> None:
    launch(team)
    team.ok("bob", "done #1")
    reply = team.ok("erin", "chart burnup v1").reply
    assert reply.headline == "Readiness burn-up of v1: 1/10 done" and not reply.ephemeral
    assert reply.chart is not None and reply.chart.kind == ChartKind.LINES
    assert team.ok("erin", "chart v1").reply.chart == reply.chart  # burnup is the default chart


def test_chart_overdue_counts_per_department(team: Team) -> None:
    team.ok("alice", "add dev Old bug due 2026-11-20")
    reply = team.ok("alice", "chart overdue 3").reply
    assert reply.headline == "Overdue by department over 3 weeks: 1 overdue now"
    assert reply.chart is not None and reply.chart.kind == ChartKind.BARS and len(reply.chart.days) == 3


def test_bad_chart_requests_say_what_was_wrong(team: Team) -> None:
    team.refused("alice", "chart burnup nosuch", "nosuch")
    team.refused("alice", "chart overdue 99", "not a number of weeks from 1 to 26")
    team.refused("alice", "chart", "Say which chart")


def test_report_schedules_here_for_admins_and_dm_for_anyone(team: Team) -> None:
    shown = team.ok("alice", "report here weekly fri 16:00").reply.plain_text()
    assert "Weekly report scheduled in #general every fri at 16:00 (UTC)" in shown
    team.refused("bob", "report here weekly fri 16:00", "admin")
    team.ok("bob", "report dm weekly mon 9:00")
    listed = team.ok("bob", "report").reply.plain_text()
    assert "in #general: every fri at 16:00" in listed and "as a DM to @Bob: every mon at 09:00" in listed
    assert "DM" not in team.ok("erin", "report").reply.plain_text()  # someone else's DM is theirs
    team.ok("alice", "report here weekly 17:30 thu")  # changed, not doubled; order does not matter
    assert team.ok("alice", "report").reply.headline == "1 weekly report scheduled"
    team.ok("alice", "report here off")
    team.refused("alice", "report here off", "No weekly report is scheduled there")


def test_bad_report_schedules_get_specific_messages(team: Team) -> None:
    team.refused("alice", "report here weekly funday 16:00", "“funday” is not one day of the week")
    team.refused("alice", "report here weekly mon-fri 16:00", "is not one day of the week")
    team.refused("alice", "report here weekly fri 25:00", "25:00")
    team.refused("alice", "report somewhere", "Say where and when")


def test_report_now_answers_here_and_sends_the_chart_after_it(team: Team) -> None:
    launch(team)
    team.clock.set(at(date(2026, 11, 27), 10))
    team.ok("bob", "done #1")
    team.ok("bob", "block #2 waiting for the API")
    team.ok("alice", "due #3 2026-12-14")
    outcome = team.ok("alice", "report now")
    text = outcome.reply.plain_text()
    assert outcome.reply.headline == "Weekly report · Sat 11-21 – Fri 11-27" and not outcome.reply.ephemeral
    assert "v1 · Tue 12-15 · 12 working days left" in text
    assert "Readiness 1/10 (a week ago 0/0)" in text  # it was made this week
    assert "Finished this week: 1" in text
    assert "Blocked 0 days: #2" in text
    assert "Due date slipped: #3 Release plan and rollback ready — 1× this week, 1× in all" in text
    assert "Due next week" in text
    assert "dev: 1/1 on time (100%)" in text  # #1, due Tue 12-01, done on Fri 11-27
    [chart] = [m for m in outcome.outbox if m.reply.chart is not None]
    assert chart.target.id == "C1" and chart.reply.chart.name == "burnup-v1"


def test_the_report_speaks_chinese_to_a_chinese_workspace(team: Team) -> None:
    team.ok("alice", "settings language zh")
    launch(team)
    text = team.ok("alice", "report now").reply.plain_text()
    assert "周报" in text and "就绪度 0/10（一周前 0/0）" in text and "下周到期" in text
    assert team.ok("alice", "chart burnup v1").reply.chart.title.text == "发布就绪燃起图 · v1"


def test_retro_waits_for_the_launch_then_goes_once_to_channel_and_pm(team: Team) -> None:
    launch(team)
    team.refused("alice", "retro v1", "has not launched yet")
    team.ok("bob", "block #2 waiting for the API")
    team.ok("alice", "launch v1 date 2026-12-17")  # every item dated by offset moves two days later
    team.clock.set(at(date(2026, 12, 18), 10))
    preview = team.ok("bob", "retro v1").reply
    assert preview.ephemeral and preview.headline == "Retro of v1"
    text = preview.plain_text()
    assert "Shipped Thu 12-17, 2 days after the planned Tue 12-15." in text
    assert "moved it from Tue 12-15 to Thu 12-17" in text
    assert "dev: 0 on time, 0 late, 4 still open" in text or "dev: 0 on time" in text
    assert "Slipped the most" in text and "#1 Feature complete — due date moved later 1×" in text
    assert "Time spent blocked: 23.0 days in all" in text and "#2 " in text
    assert "Carry-over candidates (12)" in text
    team.refused("bob", "retro v1 close", "v1")  # the PM's (or an admin's) to close
    closed = team.ok("alice", "retro v1 close")
    assert sorted(m.target.id for m in closed.outbox) == ["CL", "alice"]
    again = team.ok("alice", "retro v1 close")
    assert again.reply.headline.startswith("The retro of v1 was sent already") and not again.outbox
    team.refused("alice", "retro", "Say which launch")


def test_the_retro_counts_the_feedback_logged_on_the_launch(team: Team) -> None:
    launch(team)
    team.clock.set(at(date(2026, 12, 16), 10))
    assert "Feedback (" not in team.ok("alice", "retro v1").reply.plain_text()  # none logged: no section
    team.ok("erin", "feedback v1 bug The export button is hidden")
    team.ok("bob", "feedback v1 request Dark mode please", channel="C1")
    team.ok("carol", "feedback v1 praise Love the new onboarding")
    team.ok("frank", "feedback F1 +1")
    team.ok("alice", "feedback F3 accept")
    text = team.ok("alice", "retro v1").reply.plain_text()
    assert "Feedback (3)" in text and "accepted 1 · not triaged 2" in text
    assert "bug: 1" in text and "request: 1" in text and "praise: 1" in text
    team.ok("alice", "settings language zh")
    assert "用户反馈（3）" in team.ok("alice", "retro v1").reply.plain_text()
