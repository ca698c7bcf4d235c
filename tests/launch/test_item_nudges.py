"""Overdue launch items are nudged and escalated exactly like tasks: the same daily sweep, one DM
per person with their tasks and items together, the lead and then the creator (the PM)."""

from __future__ import annotations

from datetime import date

from bot.scheduler import CoordScheduler
from handlers.core import ACTION_DONE
from handlers.replies import Outbound
from tests.launch.conftest import Team, at
from tests.scheduler.conftest import RecordingMessenger


def dms(messenger: RecordingMessenger, prefix: str, user: str) -> list[Outbound]:
    return [m for m in messenger.sent if (m.key or "").startswith(prefix) and m.target.id == user]


def test_an_overdue_item_is_nudged_with_its_owners_tasks_and_escalated(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("alice", "launch v1 dev 1 owner <@frank|Frank>")  # Feature complete, due Tue Dec 1
    team.ok("alice", "add dev Ship the API <@frank|Frank> due 2026-11-30")
    team.clock.set(at(date(2026, 12, 2), 8))
    scheduler.run_through(team.clock.now(), at(date(2026, 12, 7), 12))
    [first, *_] = dms(messenger, "nudge:", "frank")
    body = first.reply.plain_text()
    assert first.key == "nudge:user:1:frank:2026-12-02"  # one DM a working day, for both
    assert "You have 2 overdue tasks" in body
    assert "#1 [dev] Feature complete" in body and "#13 [dev] Ship the API" in body
    assert [
        b.action_id for s in first.reply.sections if "Feature complete" in (s.text or "") for b in s.buttons
    ] == [
        "task.start",
        "task.done",
        "task.snooze",
    ]
    assert [m.key[-10:] for m in dms(messenger, "nudge:", "frank")] == [  # type: ignore[index]
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-07",
    ]
    # two working days late: the lead (bob); four: the creator, here the launch's owner (alice)
    [lead] = [
        m for m in dms(messenger, "escalate:lead:", "bob") if "Feature complete" in m.reply.plain_text()
    ]
    assert lead.key == "escalate:lead:1:bob:2026-12-03"
    [pm] = [
        m for m in dms(messenger, "escalate:creator:", "alice") if "Feature complete" in m.reply.plain_text()
    ]
    assert pm.key == "escalate:creator:1:alice:2026-12-07"
    # the nudge's Done button checks the item off, as the owner
    pressed = team.press("frank", ACTION_DONE, "1")
    assert (
        pressed.changed_task == 1
        and team.item(1).status == "done"
        and team.item(1).done_by.user_id == "frank"
    )


def test_an_item_without_an_owner_goes_to_the_pm(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-10 <#CL|launch-v1>")  # ops has no lead: ops items have no owner
    team.clock.set(at(date(2026, 12, 9), 8))
    scheduler.run_through(team.clock.now(), at(date(2026, 12, 9), 12))
    [nudge] = dms(messenger, "nudge:", "alice")
    assert "[ops] Support and users trained" in nudge.reply.plain_text()  # T-3: Mon Dec 7


def test_snoozed_and_checked_items_are_left_alone(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")  # three T-10 items due Dec 1
    team.ok("bob", "check v1 dev 1")
    team.ok("carol", "snooze #5 2w")
    team.clock.set(at(date(2026, 12, 2), 8))
    scheduler.run_through(team.clock.now(), at(date(2026, 12, 2), 12))
    assert dms(messenger, "nudge:", "bob") == [] and dms(messenger, "nudge:", "carol") == []
    [dave] = dms(messenger, "nudge:", "dave")
    assert "Announcement and promotion plan ready" in dave.reply.plain_text()
