"""Every kind of post: right time, right place, right content, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.scheduler import CoordScheduler
from handlers.core import ACTION_DONE, ACTION_SNOOZE, ACTION_START
from handlers.replies import Outbound, Tone
from storage import notifications as ledger
from storage.models import Task, Workspace
from tests.scheduler import factories as f
from tests.scheduler.conftest import LAUNCH_DAY, FakeServices, seed_world


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def text(message: Outbound) -> str:
    return message.reply.plain_text()


def only_keys(services: FakeServices, prefix: str) -> list[str]:
    return services.messenger.keys(prefix)


# --------------------------------------------------------------------------- launch check-ins


def test_checkin_t7_at_checkin_time_in_the_launch_channel_once(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed_world(services.db)
    t7 = LAUNCH_DAY - timedelta(days=7)
    scheduler.tick(at(t7, 9, 59))
    assert only_keys(services, "checkin:") == []
    assert scheduler.tick(at(t7, 10, 0)) == 1
    assert scheduler.tick(at(t7, 10, 1)) == 0
    assert scheduler.tick(at(t7, 17, 0)) == 0
    [message] = [m for m in services.messenger.sent if (m.key or "").startswith("checkin:")]
    assert message.target.kind == "channel" and message.target.id == "C-launch"
    assert message.key and message.key.startswith("checkin:launch:") and message.key.endswith(":T-7")
    body = text(message)
    assert "v2.3 readiness check-in · T-7 · 5 working days left" in body
    assert "dev 1/3 · design 2/2 · marketing 0/2 · ops 0/3" in body
    assert "dev 2 · #9102 QA / regression passed — @alice" in body  # open items, numbered per department
    assert "#1 [dev] Ship the API" in body  # overdue launch task
    assert "waiting for assets" in body  # blocked launch task
    assert "Write API docs" not in body  # not linked to the launch
    # dev has an overdue task and marketing a blocked one: their leads are mentioned; design is done.
    behind = next(s.text for s in message.reply.sections if s.text and s.text.startswith("Behind"))
    assert "<@UALICE|alice> (dev)" in behind and "<@UDAVE|dave> (marketing)" in behind
    assert "UCAROL" not in behind
    assert message.reply.tone == Tone.WARNING


def test_checkins_on_every_offset_and_launch_day_go_no_go(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed_world(services.db)
    start = at(LAUNCH_DAY - timedelta(days=20), 0)
    scheduler.run_through(start, at(LAUNCH_DAY + timedelta(days=10), 0))
    labels = [k.split(":")[3] for k in only_keys(services, "checkin:")]
    assert labels == ["T-14", "T-7", "T-3", "T-1", "T0", "T+1", "T+7"]
    launch_day = next(m for m in services.messenger.sent if ":T0:" in (m.key or ""))
    assert launch_day.key == f"checkin:launch:1:T0:{LAUNCH_DAY.isoformat()}"  # per launch date
    body = text(launch_day)
    assert "Launch day: v2.3 ships today" in body
    assert "Go / no-go? 7 checklist items and 3 tasks are still open" in body
    assert launch_day.reply.tone == Tone.WARNING
    # At T-3 open items alone put a department behind: ops has no lead and says so.
    t3 = next(m for m in services.messenger.sent if (m.key or "").endswith(":T-3"))
    assert "ops (no lead set)" in text(t3)


def test_launch_day_with_everything_done_says_go(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db, done={"dev": 3, "design": 2, "marketing": 2, "ops": 3}, with_tasks=False)
    assert scheduler.tick(at(LAUNCH_DAY, 10)) == 1
    message = services.messenger.sent[0]
    assert "Everything is checked off and no tasks are open" in text(message)
    assert message.reply.tone == Tone.SUCCESS


def test_followups_ask_each_department(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db)
    scheduler.tick(at(LAUNCH_DAY + timedelta(days=1), 10))
    [message] = [m for m in services.messenger.sent if (m.key or "").startswith("checkin:")]
    assert message.key and message.key.endswith(":T+1") and message.target.id == "C-launch"
    body = text(message)
    assert "v2.3 follow-up · T+1 · launched 1 day ago" in body
    for who in ("@alice (dev)", "@carol (design)", "@dave (marketing)", "ops (no lead set)"):
        assert who in body
    assert "Any feedback or open issues?" in body


def test_weekend_checkin_moves_to_friday(services: FakeServices, scheduler: CoordScheduler) -> None:
    monday = date(2026, 12, 14)
    seed_world(services.db, launch_day=monday, with_tasks=False)
    scheduler.run_through(at(date(2026, 12, 11), 0), at(date(2026, 12, 14), 0))  # Fri, Sat, Sun
    assert [k.rsplit(":", 1)[1] for k in only_keys(services, "checkin:")] == ["T-1"]
    scheduler.tick(at(date(2026, 12, 11), 23))
    assert services.messenger.sent[0].key and services.messenger.sent[0].key.endswith(":T-1")


def test_launch_without_channel_is_skipped(services: FakeServices, scheduler: CoordScheduler) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s)
        f.launch(s, ws, "quiet", LAUNCH_DAY, f.departments(s, ws), channel_id=None)
    assert scheduler.tick(at(LAUNCH_DAY, 12)) == 0


def test_checkin_language_follows_the_workspace(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db, language="zh")
    scheduler.tick(at(LAUNCH_DAY - timedelta(days=7), 10))
    body = text(services.messenger.sent[0])
    assert "发布就绪检查" in body and "还剩 5 个工作日" in body


# --------------------------------------------------------------------------- standup digests


def test_digest_for_a_team_channel_per_department_once_a_day(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    world = seed_world(services.db)
    with services.db.transaction() as s:
        ws = s.get(Workspace, world.ws_id)
        assert ws is not None
        f.digest(s, ws, "C-dev", at="09:30")
        dev = s.get(Task, world.tasks["docs"])
        assert dev is not None
        bob_task = f.task(s, ws, dev.department, "Fix login", assignee=dev.assignee, due=date(2026, 12, 8))
        f.task(s, ws, dev.department, "Old", status="done", done_at=at(date(2026, 12, 1), 12))
        f.task(s, ws, dev.department, "Recent", status="done", done_at=at(date(2026, 12, 7), 15))
        assert bob_task.number == 5
    day = date(2026, 12, 8)  # Tuesday
    assert scheduler.tick(at(day, 9, 29)) == 0 or not only_keys(services, "digest:")
    scheduler.tick(at(day, 9, 30))
    scheduler.tick(at(day, 9, 31))
    [message] = [m for m in services.messenger.sent if (m.key or "").startswith("digest:")]
    assert message.key == f"digest:channel:{world.ws_id}:C-dev:2026-12-08"
    assert message.target.id == "C-dev"
    body = text(message)
    assert "Standup digest for Tue 2026-12-08: 1 due today · 2 overdue · 0 blocked · 1 done" in body
    assert "[today] #5 Fix login" in body
    assert "[overdue] #1 Ship the API" in body
    assert "[done] #7 Recent" in body and "Old" not in body  # done within the last 24 h only
    assert "marketing" not in body  # a team channel shows its department


def test_digest_done_since_the_last_digest_and_all_clear(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s)
        depts = f.departments(s, ws)
        f.digest(s, ws, "C-general", at="09:00", days=0b1111111)
        f.task(s, ws, depts["design"], "Icons", status="done", done_at=at(date(2026, 12, 2), 8))
    scheduler.tick(at(date(2026, 12, 2), 9))
    scheduler.tick(at(date(2026, 12, 3), 9))
    first, second = services.messenger.sent
    assert "[done] #1 Icons" in text(first)  # whole workspace: a channel no department or launch uses
    assert text(second) == "Standup digest for Thu 2026-12-03: all clear — nothing due, overdue or blocked."
    assert second.reply.sections == ()


def test_digest_respects_its_days_and_is_never_sent_late(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s)
        f.departments(s, ws)
        f.digest(s, ws, "C-x", at="09:30", days=0b0011111)
    scheduler.run_through(at(date(2026, 12, 4), 0), at(date(2026, 12, 7), 0))  # Fri, Sat, Sun
    assert only_keys(services, "digest:") == [f"digest:channel:{1}:C-x:2026-12-04"]
    # Down all Monday: Tuesday's first tick does not post Monday's digest, only Tuesday's.
    scheduler.tick(at(date(2026, 12, 8), 9, 0))
    assert len(only_keys(services, "digest:")) == 1
    scheduler.tick(at(date(2026, 12, 8), 9, 30))
    assert only_keys(services, "digest:")[-1].endswith("2026-12-08")


def test_compose_digest_is_two_queries_for_200_tasks(services: FakeServices) -> None:
    from handlers.notices import compose_digest
    from tests.scheduler.conftest import QueryCounter

    with services.db.transaction() as s:
        ws = f.workspace(s)
        depts = f.departments(s, ws)
        person = f.person(s, ws, "U1")
        for n in range(200):
            status = ("todo", "in_progress", "blocked", "done")[n % 4]
            f.task(
                s,
                ws,
                depts["dev"],
                f"Task {n}",
                assignee=person,
                due=date(2026, 12, 1) + timedelta(days=n % 5),
                status=status,
                done_at=at(date(2026, 12, 2), 12) if status == "done" else None,
            )
    with services.db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        with QueryCounter(services.db) as counter:
            reply = compose_digest(s, ws, "C-dev", at(date(2026, 12, 3), 9), "en")
    # the schedule's last post, the channel's scope; then the digest: the tasks, and the people they name
    assert len(counter.selects()) <= 4
    assert len(counter.selects("people")) <= 1
    assert len(counter.selects("tasks")) == 1
    assert "50 done" in reply.headline and "50 blocked" in reply.headline


# --------------------------------------------------------------------------- nudges and escalation


def test_one_nudge_dm_per_person_with_buttons(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db)
    day = date(2026, 12, 8)
    assert scheduler.tick(at(day, 9, 29)) == 0
    scheduler.tick(at(day, 9, 30))
    scheduler.tick(at(day, 9, 45))
    bob = services.messenger.to("UBOB")
    assert [m.key for m in bob] == [f"nudge:user:1:UBOB:{day}"]
    message = bob[0]
    assert message.target.kind == "user"
    assert message.reply.headline == "You have 2 overdue tasks"
    buttons = [(b.action_id, b.value) for sec in message.reply.sections for b in sec.buttons]
    assert (
        (ACTION_START, "1") in buttons and (ACTION_DONE, "2") in buttons and (ACTION_SNOOZE, "2") in buttons
    )
    assert "2 working days overdue" in text(message)  # #1 due Fri Dec 4, now Tue Dec 8


def test_blocked_tasks_go_to_lead_and_creator_not_the_assignee(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed_world(services.db)
    scheduler.tick(at(date(2026, 12, 10), 9, 30))  # the banner (due Dec 9) is blocked and overdue
    assert services.messenger.to("UDAVE") and all(
        "Launch banner" not in text(m) or (m.key.startswith("nudge:") and "blocked" in text(m))
        for m in services.messenger.to("UDAVE")
        if m.key
    )
    dave = [m for m in services.messenger.to("UDAVE") if (m.key or "").startswith("nudge:")]
    erin = [m for m in services.messenger.to("UERIN") if (m.key or "").startswith("nudge:")]
    # dave is the assignee *and* the marketing lead: he hears about it as the lead; erin as creator.
    assert "1 blocked task is waiting for you" in dave[0].reply.headline
    assert "waiting for assets" in text(erin[0])
    unblock = [b.action_id for sec in erin[0].reply.sections for b in sec.buttons]
    assert "task.unblock" in unblock


def test_unassigned_overdue_task_nudges_the_lead_or_creator(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed_world(services.db)
    scheduler.tick(at(date(2026, 12, 15), 9, 30))
    # ops has no lead: the runbook (due Dec 14, unassigned) goes to its creator erin.
    erin = [m for m in services.messenger.to("UERIN") if (m.key or "").startswith("nudge:")]
    assert "Runbook" in text(erin[0])


def test_no_nudges_on_non_working_days(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db)
    scheduler.run_through(at(date(2026, 12, 12), 0), at(date(2026, 12, 14), 0))  # Sat, Sun
    assert only_keys(services, "nudge:") == []


def test_snoozed_tasks_are_skipped_until_the_snooze_ends(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    world = seed_world(services.db)
    with services.db.transaction() as s:
        task = s.get(Task, world.tasks["api"])
        assert task is not None
        task.snoozed_until = at(date(2026, 12, 9), 12)
    scheduler.tick(at(date(2026, 12, 8), 9, 30))
    scheduler.tick(at(date(2026, 12, 9), 9, 30))
    scheduler.tick(at(date(2026, 12, 10), 9, 30))
    bob = [text(m) for m in services.messenger.to("UBOB")]
    assert len(bob) == 3
    assert "Ship the API" not in bob[0] and "Ship the API" not in bob[1]
    assert "Ship the API" in bob[2]


def test_escalation_to_lead_after_n_and_creator_after_m_working_days(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed_world(services.db)  # "Ship the API" due Fri Dec 4, assignee bob, dev lead alice, creator erin
    for n in range(4, 12):
        scheduler.tick(at(date(2026, 12, n), 9, 30))
    lead = only_keys(services, "escalate:lead:")
    creator = only_keys(services, "escalate:creator:")
    # Late working days: Mon 7 -> 1, Tue 8 -> 2 (lead), Wed 9 -> 3, Thu 10 -> 4 (creator).
    assert f"escalate:lead:1:UALICE:{date(2026, 12, 8)}" in lead
    assert f"escalate:creator:1:UERIN:{date(2026, 12, 10)}" in creator
    api_lead = [m for m in services.messenger.to("UALICE") if "Ship the API" in text(m)]
    assert len(api_lead) == 1  # told once, not every day
    assert "assigned to @bob · 2 working days overdue" in text(api_lead[0])
    api_creator = [
        m
        for m in services.messenger.to("UERIN")
        if "Ship the API" in text(m) and m.key.startswith("escalate")
    ]
    assert len(api_creator) == 1
    assert "Escalation: 1 task you asked for is overdue" in api_creator[0].reply.headline


# --------------------------------------------------------------------------- timezones and DST


def test_workspace_timezone_sets_the_local_times(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db, timezone="Asia/Shanghai")
    with services.db.transaction() as s:
        f.digest(s, s.get(Workspace, 1), "C-dev", at="09:30")  # type: ignore[arg-type]
    t7 = LAUNCH_DAY - timedelta(days=7)
    # 09:30 Shanghai is 01:30 UTC; 10:00 is 02:00 UTC.
    scheduler.run_through(at(t7, 0), at(t7, 1, 29))
    assert services.messenger.sent == []
    scheduler.run_through(at(t7, 1, 29), at(t7, 2, 0))
    assert {m.key.split(":")[0] for m in services.messenger.sent if m.key} == {
        "digest",
        "nudge",
        "escalate",
        "checkin",
    }
    rows = _sent_at(services)
    assert rows["digest"] == at(t7, 1, 30) and rows["checkin"] == at(t7, 2, 0)


def test_a_persons_own_timezone_times_their_dm(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db)
    with services.db.transaction() as s:
        from storage.models import Person

        bob = s.get(Person, 2)
        assert bob is not None
        bob.timezone = "America/New_York"
    day = date(2026, 12, 8)
    scheduler.run_through(at(day, 5), at(day + timedelta(days=1), 5))  # one New York day
    bob_dm = services.messenger.to("UBOB")
    assert len(bob_dm) == 1
    assert _sent_at(services, f"nudge:user:1:UBOB:{day}") == at(day, 14, 30)  # 09:30 in New York (EST)
    assert _sent_at(services, f"escalate:lead:1:UALICE:{day}") == at(day, 9, 30)  # workspace zone, UTC


def test_dst_changes_neither_skip_nor_double(services: FakeServices, scheduler: CoordScheduler) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s, timezone="America/New_York")
        f.departments(s, ws)
        f.digest(s, ws, "C-morning", at="09:30", days=0b1111111)
        f.digest(s, ws, "C-gap", at="02:30", days=0b1111111)
        f.digest(s, ws, "C-twice", at="01:30", days=0b1111111)
    # Spring forward on Sun Mar 8 2026, fall back on Sun Nov 1 2026.
    for start in (datetime(2026, 3, 6, 5, tzinfo=UTC), datetime(2026, 10, 30, 4, tzinfo=UTC)):
        services.messenger.clear()
        scheduler.run_through(start, start + timedelta(days=4))
        for channel in ("C-morning", "C-gap", "C-twice"):
            days = [k.rsplit(":", 1)[1] for k in only_keys(services, f"digest:channel:1:{channel}:")]
            assert len(days) == len(set(days)) == 4, (channel, days)
    with services.db.transaction() as s:
        assert _sent_at(services, "digest:channel:1:C-gap:2026-03-08") == datetime(
            2026, 3, 8, 7, 0, tzinfo=UTC
        )
        assert _sent_at(services, "digest:channel:1:C-twice:2026-11-01") == datetime(
            2026, 11, 1, 5, 30, tzinfo=UTC
        )
        assert _sent_at(services, "digest:channel:1:C-morning:2026-10-31") == datetime(
            2026, 10, 31, 13, 30, tzinfo=UTC
        )
        assert _sent_at(services, "digest:channel:1:C-morning:2026-11-01") == datetime(
            2026, 11, 1, 14, 30, tzinfo=UTC
        )
        assert _sent_at(services, "digest:channel:1:C-morning:2026-03-08") == datetime(
            2026, 3, 8, 13, 30, tzinfo=UTC
        )


def test_custom_working_days(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed_world(services.db)
    with services.db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        ws.workdays = 0b0111110  # Tuesday to Saturday
    scheduler.run_through(at(date(2026, 12, 5), 0), at(date(2026, 12, 8), 0))  # Sat, Sun, Mon
    days = sorted({k.rsplit(":", 1)[1] for k in only_keys(services, "nudge:")})
    assert days == ["2026-12-05"]


def _sent_at(services: FakeServices, key: str | None = None) -> dict[str, datetime] | datetime:  # type: ignore[return]
    with services.db.transaction() as s:
        if key is not None:
            row = ledger.get(s, key)
            assert row is not None and row.sent_at is not None, key
            return row.sent_at
        rows = ledger.by_keys(s, [m.key for m in services.messenger.sent if m.key])
        return {r.key.split(":")[0]: r.sent_at for r in rows if r.sent_at is not None}
