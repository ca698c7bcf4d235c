"""Catch-up after downtime, retries with backoff, permanent failures, idle ticks, the background job."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import scheduler as scheduler_module
from bot.messenger import DeliveryError, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.replies import Outbound
from storage import notifications as ledger
from storage.db import Database
from storage.models import Department, Notification, Workspace
from tests.scheduler import factories as f
from tests.scheduler.conftest import LAUNCH_DAY, FakeServices, QueryCounter, RecordingMessenger, seed_world
from tests.virtual_seconds import virtual_sender


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


T7 = LAUNCH_DAY - timedelta(days=7)  # Tuesday Dec 8


def _with_digest(services: FakeServices, channel: str = "C-dev") -> None:
    seed_world(services.db)
    with services.db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        f.digest(s, ws, channel, at="09:30")


def test_catch_up_after_downtime_on_the_same_day(services: FakeServices, scheduler: CoordScheduler) -> None:
    _with_digest(services)
    scheduler.tick(at(T7, 8, 0))
    assert services.messenger.sent == []
    # Down from 08:00 to 11:00 (the digest's grace window still open): the first tick back sends
    # the check-in, digest and nudges, once.
    sent = scheduler.tick(at(T7, 11, 0))
    kinds = sorted({(m.key or "").split(":")[0] for m in services.messenger.sent})
    assert kinds == ["checkin", "digest", "escalate", "nudge"]
    assert sent == len(services.messenger.sent)
    assert scheduler.tick(at(T7, 11, 1)) == 0


def test_a_day_down_sends_only_the_missed_check_in_late_the_next_day(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    _with_digest(services)
    scheduler.tick(at(T7, 8, 0))
    scheduler.tick(at(T7 + timedelta(days=1), 8, 0))  # down all of the T-7 day
    assert services.messenger.sent == []
    scheduler.tick(at(T7 + timedelta(days=1), 12, 0))
    keys = services.messenger.keys()
    # Tuesday's digest and nudges are stale and dropped; Wednesday's digest is past its grace
    # window; the T-7 check-in is not lost: it comes late, once, saying so.
    assert not any("2026-12-08" in k or k.startswith("digest:") for k in keys)
    assert sorted(k.split(":")[0] for k in keys) == ["checkin", "escalate", "nudge"]
    (checkin,) = [m for m in services.messenger.sent if (m.key or "").startswith("checkin:")]
    assert checkin.key == "checkin:launch:1:T-7"
    assert checkin.reply.headline.startswith("Late · v2.3 readiness check-in · T-7")
    assert "missed Tue 2026-12-08's slot" in checkin.reply.headline
    assert scheduler.tick(at(T7 + timedelta(days=1), 12, 1)) == 0


def test_transient_failures_are_retried_with_backoff_until_sent(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    _with_digest(services)
    messenger = services.messenger

    def fail(message: Outbound, tries: int) -> DeliveryError | Exception | None:
        if (message.key or "").startswith("digest:") and tries <= 3:
            return [
                DeliveryError("ratelimited", retry_after=300),
                TimeoutError("read timed out"),
                DeliveryError("internal_error"),
            ][tries - 1]
        return None

    messenger.fail = fail
    start = at(T7, 9, 0)
    scheduler.run_through(start, at(T7, 12, 0))
    digests = [m for m in messenger.sent if (m.key or "").startswith("digest:")]
    assert len(digests) == 1
    tries = [m for m in messenger.attempts if (m.key or "").startswith("digest:")]
    assert len(tries) == 4
    with services.db.transaction() as s:
        row = ledger.get(s, digests[0].key or "")
        assert row is not None
        assert (row.status, row.attempts) == (ledger.SENT, 4)
        # 09:30 fails (Retry-After 300 s) -> 09:35 times out (backoff 2 min) -> 09:37 fails (4 min) -> 09:41.
        assert row.sent_at == at(T7, 9, 41)
        assert row.last_error is None or "internal_error" in row.last_error


def test_failures_survive_a_restart(services: FakeServices, db: Database) -> None:
    _with_digest(services)
    services.messenger.fail = lambda m, n: (
        DeliveryError("boom") if (m.key or "").startswith("digest") else None
    )
    first = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    first.tick(at(T7, 9, 30))
    assert not services.messenger.keys("digest:")
    # A new process (new scheduler, new messenger) picks the failed one up from the database.
    messenger = RecordingMessenger()
    other = FakeServices(
        db=db, clock=ManualClock(at(T7, 9, 40)), messengers=MessengerRegistry({"console": messenger})
    )
    CoordScheduler(other, virtual_sender()).tick(at(T7, 9, 40))  # type: ignore[arg-type]
    assert [m.key for m in messenger.sent] == ["digest:channel:1:C-dev:2026-12-08"]


def test_permanent_failure_is_recorded_and_reported_to_admins_once(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    _with_digest(services, channel="C-gone")
    with services.db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        f.person(s, ws, "UADMIN2", name="zed", is_admin=True)
    services.messenger.fail = lambda m, n: (
        DeliveryError("channel_not_found", permanent=True) if m.target.id == "C-gone" else None
    )
    scheduler.run_through(at(T7, 9, 0), at(T7, 23, 0))
    alerts = [m for m in services.messenger.sent if (m.key or "").startswith("alert:")]
    assert sorted(m.target.id for m in alerts) == ["UADMIN2", "UALICE"]
    body = alerts[0].reply.plain_text()
    assert "could not deliver a standup digest to #c-gone" in body and "channel_not_found" in body
    tries = [m for m in services.messenger.attempts if m.target.id == "C-gone"]
    assert len(tries) == 1  # not retried
    with services.db.transaction() as s:
        row = ledger.get(s, "digest:channel:1:C-gone:2026-12-08")
        assert row is not None and row.status == ledger.DEAD and row.last_error == "channel_not_found"


def test_a_failing_alert_does_not_cascade(services: FakeServices, scheduler: CoordScheduler) -> None:
    _with_digest(services, channel="C-gone")
    services.messenger.fail = lambda m, n: DeliveryError("nope", permanent=True)
    scheduler.run_through(at(T7, 9, 0), at(T7, 12, 0))
    assert services.messenger.sent == []
    with services.db.transaction() as s:
        from sqlalchemy import func, select

        rows = s.scalars(select(Notification).where(Notification.status == ledger.DEAD)).all()
        alerts = [r for r in rows if r.kind == "alert"]
        failed = {(r.target_kind, r.target_id) for r in rows if r.kind != "alert" and r.target_id != "UALICE"}
        # One alert to the one admin per failed target; the alerts fail too, and nothing reports them.
        assert len(alerts) == len(failed) >= 2
        assert {a.target_id for a in alerts} == {"UALICE"}
        assert s.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "alert")
        ) == len(alerts)


def test_an_alert_outlives_an_outage_that_used_up_the_messages_it_reports(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    _with_digest(services, channel="C-gone")
    platform_down = [True]

    def fail(message: Outbound, tries: int) -> DeliveryError | None:
        if message.target.id == "C-gone":
            return DeliveryError("channel_not_found", permanent=True)
        if (message.key or "").startswith("alert:") and platform_down[0]:
            return DeliveryError("service unavailable")  # transient, for longer than 8 attempts
        return None

    services.messenger.fail = fail
    scheduler.run_through(at(T7, 9, 0), at(T7, 23, 0))
    with services.db.transaction() as s:
        from sqlalchemy import select

        (alert,) = s.scalars(select(Notification).where(Notification.kind == "alert")).all()
        assert alert.status == ledger.FAILED and alert.attempts > ledger.MAX_ATTEMPTS
    platform_down[0] = False
    scheduler.run_through(at(T7, 23, 0), at(T7 + timedelta(days=1), 1, 0))
    alerts = [m for m in services.messenger.sent if (m.key or "").startswith("alert:")]
    assert [m.target.id for m in alerts] == ["UALICE"]


def test_run_through_skipping_equals_every_minute(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Tuesday in New York and Tokyo, every send retried once: the same messages at the same minutes
    whether each minute ticks or only those at which something may come due. (Monday's slots,
    missed overnight before the start, stay missed: nothing is posted at night.)"""
    results = []
    for every_minute in (True, False):
        db = Database(f"sqlite:///{tmp_path / f'm{every_minute}.db'}")
        db.upgrade()
        messenger = RecordingMessenger()
        services = FakeServices(
            db=db, clock=ManualClock(at(T7, 0)), messengers=MessengerRegistry({"console": messenger})
        )
        seed_world(db, timezone="America/New_York")
        with db.transaction() as s:
            ws = s.get(Workspace, 1)
            assert ws is not None
            f.digest(s, ws, "C-dev", at="07:15")
            kenji = f.person(s, ws, "UTOKYO", name="kenji", timezone="Asia/Tokyo")
            dev = s.scalars(
                select(Department).where(Department.workspace_id == ws.id, Department.key == "dev")
            ).one()
            f.task(s, ws, dev, "Tokyo office setup", assignee=kenji, due=date(2026, 12, 4))
        messenger.fail = lambda m, n: DeliveryError("slow", retry_after=95) if n == 1 else None
        CoordScheduler(services, virtual_sender()).run_through(
            at(T7, 3), at(T7 + timedelta(hours=30), 0), every_minute=every_minute
        )  # type: ignore[arg-type]
        with db.transaction() as s:
            rows = ledger.by_keys(s, [m.key or "" for m in messenger.sent])
            results.append(sorted((r.key, r.sent_at, r.attempts) for r in rows))
        db.dispose()
    assert results[0] == results[1]
    keys = {key for key, _at, _n in results[0]}
    assert {"nudge:user:1:UTOKYO:2026-12-08", "nudge:user:1:UBOB:2026-12-08", "checkin:launch:1:T-7"} <= keys
    assert {"digest:channel:1:C-dev:2026-12-08", "escalate:lead:1:UALICE:2026-12-08"} <= keys
    assert all(attempts == 2 for _k, _at, attempts in results[0])  # each retried once, as asked


def test_an_idle_tick_reads_no_tasks_and_few_rows(services: FakeServices, scheduler: CoordScheduler) -> None:
    _with_digest(services)
    scheduler.tick(at(T7, 12, 0))  # everything due today is done
    with QueryCounter(services.db) as counter:
        assert scheduler.tick(at(T7, 12, 1)) == 0
    assert counter.selects("tasks") == []
    assert counter.selects("checklist_items") == []
    # 13: the workspaces, their company days and their departments' own offices among them
    assert len(counter.statements) <= 13, counter.statements


def test_background_scheduler_ticks_with_the_services_clock(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    _with_digest(services)
    services.clock.set(at(T7, 10, 0))
    scheduler.start()
    scheduler.start()  # idempotent
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not services.messenger.keys("checkin:"):
        time.sleep(0.05)
    scheduler.shutdown()
    assert len(services.messenger.keys("checkin:")) == 1
    job_stores = scheduler._background  # shut down and released
    assert job_stores is None


class _Killed(BaseException):
    """Stands in for a process dying mid-send (not an Exception: nothing in the scheduler catches it)."""


def _messages(db: Database) -> list[Notification]:
    with db.transaction() as s:
        rows = s.scalars(select(Notification).where(Notification.status != ledger.MARKER)).all()
        return sorted(rows, key=lambda r: r.id)


BUSY_AT = at(date(2026, 12, 8), 12, 0)  # a Tuesday: digests, nudges and escalations in three zones


def test_a_batch_cut_short_sends_its_unsent_rest_once_after_the_lease(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    with services.db.transaction() as s:
        f.seed_busy(s)
    messenger = services.messenger
    messenger.fail = lambda _m, _n: _Killed() if len(messenger.attempts) == 3 else None
    with pytest.raises(_Killed):
        scheduler.tick(BUSY_AT)
    # The third attempt "died"; the sends in flight beside it finished and were recorded.
    assert 2 <= len(messenger.sent) <= 2 + scheduler.sender.workers
    claimed = _messages(services.db)
    assert len(claimed) > len(messenger.sent) + 3
    sent = [r for r in claimed if r.status == ledger.SENT]
    assert sorted(r.key for r in sent) == sorted(m.key for m in messenger.sent)  # each recorded at once
    reserved = [r for r in claimed if r.status == ledger.SENDING]
    assert len(reserved) == len(claimed) - len(sent)  # the one in flight, and the unsent rest

    # A new process: nothing is sent before the leases run out, then everything once.
    restarted = RecordingMessenger()
    other = FakeServices(
        db=services.db, clock=ManualClock(BUSY_AT), messengers=MessengerRegistry({"console": restarted})
    )
    again = CoordScheduler(other, virtual_sender())  # type: ignore[arg-type]
    assert again.tick(BUSY_AT + timedelta(minutes=1)) == 0
    again.run_through(BUSY_AT + timedelta(minutes=1), BUSY_AT + timedelta(minutes=10))
    keys = [m.key for m in messenger.sent + restarted.sent]
    assert sorted(keys) == sorted(r.key for r in claimed)  # each once: only the in-flight one could repeat
    assert {r.status for r in _messages(services.db)} == {ledger.SENT}


def test_a_reservation_held_too_long_is_renewed_without_what_others_took(
    services: FakeServices, scheduler: CoordScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "RENEW_AFTER", timedelta(seconds=-1))  # renew before every send
    with services.db.transaction() as s:
        f.seed_busy(s)
    taken: list[str] = []

    once = threading.Lock()

    def another_process_takes_one(_message: Outbound, _tries: int) -> None:
        with once:  # sends run concurrently: one of them does this, once
            _take_the_last_reserved()
        return None

    def _take_the_last_reserved() -> None:
        if not taken:  # as if our lease had run out: the last row of our batch goes to someone else
            with services.db.transaction() as s:
                row = s.scalars(
                    select(Notification)
                    .where(Notification.status == ledger.SENDING)
                    .order_by(Notification.id.desc())
                ).first()
                assert row is not None
                row.attempts += 1
                row.next_attempt_at = BUSY_AT + timedelta(hours=1)
                taken.append(row.key)

    services.messenger.fail = another_process_takes_one
    sent = scheduler.tick(BUSY_AT)
    keys = services.messenger.keys()
    assert taken and taken[0] not in keys
    assert len(keys) == len(set(keys)) == sent == len(_messages(services.db)) - 1
    with services.db.transaction() as s:
        row = ledger.get(s, taken[0])
        assert row is not None and row.status == ledger.SENDING and row.attempts == 2  # the other's


def test_one_workspace_failing_to_claim_holds_back_no_other(
    services: FakeServices, scheduler: CoordScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick claims whole workspaces together (one transaction a unit); when one workspace's
    sweep fails, the unit is claimed workspace by workspace and only that one waits."""
    storm = at(T7, 9, 30)
    with services.db.transaction() as s:
        f.seed_busy(s, workspaces=3, people=4, tasks=8, zones=("UTC",))
    real = scheduler._sweep

    def sweep(s, sweep, info, now):  # type: ignore[no-untyped-def]
        if info.external_id == "W1":
            raise RuntimeError("a bug in W1's data")
        return real(s, sweep, info, now)

    monkeypatch.setattr(scheduler, "_sweep", sweep)
    scheduler.tick(storm)
    posted = services.messenger.keys("digest:") + services.messenger.keys("nudge:")
    sent = {key.split(":")[2] for key in posted}
    with services.db.transaction() as s:
        ids = {w.external_id: str(w.id) for w in s.scalars(select(Workspace))}
    assert sent == {ids["W0"], ids["W2"]}
    assert services.messenger.keys("digest:")  # W0's and W2's digests went out
