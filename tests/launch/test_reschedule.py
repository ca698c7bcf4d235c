"""Reschedule, postpone, cancel, launched: items move with their launch, check-ins follow it and
are never posted twice, everyone concerned is told once, history keeps it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.scheduler import CoordScheduler
from handlers.replies import plain_mentions
from storage.models import TaskEvent
from tests.launch.conftest import LAUNCH_DAY, Team, at
from tests.scheduler.conftest import RecordingMessenger


def checkins(messenger: RecordingMessenger) -> list[tuple[str, str]]:
    """``(label, day posted)`` of every check-in and follow-up sent, in order."""
    found = []
    for message in messenger.sent:
        key = message.key or ""
        if key.startswith("checkin:"):
            found.append((key.split(":")[3], message.reply.headline))
    return found


def play(scheduler: CoordScheduler, team: Team, until: date) -> None:
    start = team.clock.now()
    end = at(until, 23, 59)
    scheduler.run_through(start, end)
    team.clock.set(end)


def test_moving_a_launch_later_posts_no_offset_twice(
    team: Team, scheduler: CoordScheduler, messenger
) -> None:  # type: ignore[no-untyped-def]
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    play(scheduler, team, date(2026, 12, 8))  # T-14 (Dec 1) and T-7 (Dec 8) are out
    assert [label for label, _ in checkins(messenger)] == ["T-14", "T-7"]
    team.ok("alice", "launch v1 date 2026-12-22")
    play(scheduler, team, date(2027, 1, 5))
    labels = [label for label, _ in checkins(messenger)]
    assert labels == ["T-14", "T-7", "T-3", "T-1", "T0", "T+1", "T+7"]
    days = {m.key.split(":")[3]: m for m in messenger.sent if (m.key or "").startswith("checkin:")}  # type: ignore[union-attr]
    assert days["T0"].key.endswith(":2026-12-22")  # type: ignore[union-attr]
    assert "v1 readiness check-in · T-3 · 4 days left" in days["T-3"].reply.headline  # Sat moved to Fri


def test_moving_a_launch_earlier_does_not_post_offsets_already_passed(
    team: Team, scheduler: CoordScheduler, messenger
) -> None:  # type: ignore[no-untyped-def]
    team.ok("alice", "launch new v1 2026-12-22 <#CL|launch-v1>")
    play(scheduler, team, date(2026, 12, 8))  # T-14 on Dec 8
    team.ok("alice", "launch v1 date 2026-12-15")  # its T-7 (Dec 8) has passed
    play(scheduler, team, date(2026, 12, 23))
    assert [label for label, _ in checkins(messenger)] == ["T-14", "T-3", "T-1", "T0", "T+1", "T+7"]


def test_items_with_offsets_move_and_dated_ones_stay(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("alice", "launch v1 dev 1 due 2026-12-03")  # dated explicitly: it stays
    team.ok("bob", "check v1 dev 2")  # done: not moved either
    outcome = team.ok("alice", "launch v1 date 2026-12-17")
    by_title = {i.title: i for i in team.tasks(kind="item")}
    assert by_title["Feature complete"].due_date == date(2026, 12, 3)
    assert by_title["QA / regression passed"].due_date == date(2026, 12, 10)
    assert by_title["Release plan and rollback ready"].due_date == date(2026, 12, 15)  # T-2 of Thu
    assert by_title["User feedback collected and shared"].due_date == date(2026, 12, 24)  # T+5
    text = plain_mentions(outcome.reply.plain_text())
    assert "@Alice moved launch v1 from Tue 2026-12-15 to Thu 2026-12-17" in text
    assert "Moved with it (10)" in text
    # told once: the launch channel (the command ran elsewhere) and each lead, with their items
    targets = sorted((m.target.kind, m.target.id) for m in outcome.outbox)
    assert targets == [("channel", "CL"), ("user", "bob"), ("user", "carol"), ("user", "dave")]
    bob = next(m for m in outcome.outbox if m.target.id == "bob")
    assert [i for s in bob.reply.sections for i in s.items] == [
        "#3 [dev] Release plan and rollback ready: Fri 2026-12-11 → Tue 2026-12-15",
        "#4 [dev] Launch issues triaged and fixes planned: Wed 2026-12-16 → Fri 2026-12-18",
    ]
    history = plain_mentions(team.ok("alice", "launch v1").reply.plain_text())
    assert "@Alice moved the launch from Tue 12-15 to Thu 12-17 (10 items moved)" in history
    # in the launch channel itself, the reply is the post: the channel is not told twice
    again = team.ok("alice", "launch v1 date 2026-12-18", channel="CL")
    assert ("channel", "CL") not in [(m.target.kind, m.target.id) for m in again.outbox]


def test_postponing_on_launch_day_asks_go_no_go_again_on_the_new_day(
    team: Team, scheduler: CoordScheduler, messenger
) -> None:  # type: ignore[no-untyped-def]
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    play(scheduler, team, LAUNCH_DAY)
    team.ok("alice", "launch v1 postpone 2026-12-17")
    play(scheduler, team, date(2026, 12, 19))
    labels = [label for label, _ in checkins(messenger)]
    assert labels == ["T-14", "T-7", "T-3", "T-1", "T0", "T0", "T+1"]  # T-1 of the new date: posted before
    t0 = [m.key for m in messenger.sent if ":T0:" in (m.key or "")]
    assert t0 == ["checkin:launch:1:T0:2026-12-15", "checkin:launch:1:T0:2026-12-17"]
    assert (
        "postponed the launch from Tue 12-15 to Thu 12-17" in team.ok("alice", "launch v1").reply.plain_text()
    )


def test_a_launch_that_shipped_or_was_cancelled_cannot_move(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("alice", "launch v1 launched")
    team.refused("alice", "launch v1 date 2026-12-20", "has already shipped")
    team.ok("alice", "launch new v2 2026-12-15")
    team.ok("alice", "launch v2 cancel")
    team.refused("alice", "launch v2 date 2026-12-20", "Launch v2 is cancelled")
    team.refused("alice", "launch v2 add dev Late item", "Launch v2 is cancelled")
    team.refused("alice", "launch v2 cancel", "Launch v2 is cancelled")


def test_cancel_stops_check_ins_and_item_nudges_and_keeps_tasks_with_a_note(
    team: Team, scheduler: CoordScheduler, messenger
) -> None:  # type: ignore[no-untyped-def]
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("alice", "add dev Ship the API <@bob|Bob> due 2026-11-26 for v1")
    outcome = team.ok("alice", "launch v1 cancel")
    assert (
        "No more check-ins. 12 open items were cancelled; 1 open task stays open"
        in outcome.reply.plain_text()
    )
    assert ("channel", "CL") in [(m.target.kind, m.target.id) for m in outcome.outbox]
    assert "v1 · cancelled · Tue 2026-12-15" in team.ok("alice", "launch list").reply.plain_text()
    play(scheduler, team, date(2026, 12, 24))
    assert checkins(messenger) == []
    nudged = " ".join(m.reply.plain_text() for m in messenger.sent if (m.key or "").startswith("nudge:"))
    assert "Ship the API" in nudged  # the task stays, and is still chased
    assert "Feature complete" not in nudged  # the items are not
    assert {i.status for i in team.tasks(kind="item")} == {"cancelled"}
    task = team.item(13)
    assert task.status == "todo" and task.launch is not None
    with team.db.transaction() as s:
        kinds = s.scalars(select(TaskEvent.kind).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id))
        assert list(kinds) == ["created", "launch_cancelled"]
    assert "Feature complete" not in team.ok("bob", "list mine").reply.plain_text()


def test_launched_early_moves_the_launch_to_today(team: Team, scheduler: CoordScheduler, messenger) -> None:  # type: ignore[no-untyped-def]
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.clock.set(at(date(2026, 12, 10), 8))
    shipped = team.ok("alice", "launch v1 launched")
    assert "says launch v1 has shipped" in shipped.reply.headline
    assert "launched · Thu 2026-12-10 · launch day" in shipped.reply.plain_text()
    play(scheduler, team, date(2026, 12, 11))
    labels = [label for label, _ in checkins(messenger)]
    assert labels == ["T0", "T+1"]  # no readiness check-ins any more; follow-ups from the ship day
    launch_day = next(m for m in messenger.sent if ":T0:" in (m.key or ""))
    assert "Launch day: v1 shipped" in launch_day.reply.headline
    assert not any(b.action_id.startswith("decision.") for s in launch_day.reply.sections for b in s.buttons)
    assert team.item(4).due_date == date(2026, 12, 11)  # the T+1 item follows the ship day
    assert date(2026, 12, 10) + timedelta(days=1) == team.item(4).due_date
