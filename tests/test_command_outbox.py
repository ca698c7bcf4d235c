"""The messages a command sends on ("you were assigned #1") are never lost with the platform away.

The core records them in the notification ledger in the command's own transaction; the adapter
sends them after the commit (``deliver_outbox``) and records the outcome; what could not go out
then is sent by the scheduler — once — after a platform outage or a crash. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery import deliver_outbox
from bot.messenger import DeliveryError, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.context import Caller, SourceMessage
from handlers.core import Coordinator
from handlers.replies import Outcome
from storage import notifications as ledger
from storage.db import Database
from storage.models import Notification
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.virtual_seconds import virtual_sender

ASSIGN = "/coord add design Hero banner <@U2|bob> due fri"


def alice() -> Caller:
    return Caller("console", "T1", "U1", "Alice", "C1", "general")


def updates(db: Database) -> list[Notification]:
    with db.transaction() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == "update")))


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC")


@pytest.fixture
def messenger() -> RecordingMessenger:
    return RecordingMessenger()


@pytest.fixture
def services(db: Database, clock: ManualClock, messenger: RecordingMessenger) -> FakeServices:
    return FakeServices(db=db, clock=clock, messengers=MessengerRegistry({"console": messenger}))


def deliver(outcome: Outcome, services: FakeServices) -> int:
    return deliver_outbox(outcome.outbox, services.messengers, db=services.db, now=services.clock.now)


def test_the_update_is_recorded_with_the_command_and_sent_once(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger
) -> None:
    outcome = core.handle_text(alice(), ASSIGN)
    (message,) = outcome.outbox
    (row,) = updates(services.db)
    assert message.key == row.key and row.status == ledger.PENDING and row.target_id == "U2"
    assert deliver(outcome, services) == 1
    assert [m.target.id for m in messenger.sent] == ["U2"]
    (row,) = updates(services.db)
    assert row.status == ledger.SENT and row.attempts == 1
    assert deliver(outcome, services) == 0  # sent already: not again
    assert len(messenger.sent) == 1


def test_a_refused_command_records_nothing(core: Coordinator, services: FakeServices) -> None:
    outcome = core.handle_text(alice(), "/coord add nowhere Hero banner <@U2|bob>")
    assert outcome.outbox == [] and updates(services.db) == []


def test_the_platform_away_delays_the_update_but_does_not_lose_it(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    messenger.fail = lambda _m, tries: DeliveryError("Slack is unavailable") if tries == 1 else None
    outcome = core.handle_text(alice(), ASSIGN)
    assert deliver(outcome, services) == 0
    (row,) = updates(services.db)
    assert row.status == ledger.FAILED and "unavailable" in (row.last_error or "")
    scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    try:
        start = clock.now()
        assert scheduler.tick(start) == 0  # not before its backoff
        assert scheduler.run_through(start, start + timedelta(minutes=5)) == 1
        assert scheduler.run_through(start + timedelta(minutes=5), start + timedelta(hours=3)) == 0
    finally:
        scheduler.shutdown()
    assert [m.target.id for m in messenger.sent] == ["U2"]
    assert updates(services.db)[0].status == ledger.SENT


def test_an_update_a_crash_left_unsent_goes_out_after_its_lease(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    core.handle_text(alice(), ASSIGN)  # committed; the process dies before deliver_outbox
    scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    try:
        assert scheduler.tick(clock.now()) == 0  # the sender's reservation still runs
        assert scheduler.run_through(clock.now(), clock.now() + ledger.LEASE + timedelta(minutes=1)) == 1
    finally:
        scheduler.shutdown()
    assert [m.target.id for m in messenger.sent] == ["U2"]


def test_a_permanent_refusal_is_recorded_and_not_retried(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    messenger.fail = lambda _m, _tries: DeliveryError("cannot_dm_bot", permanent=True)
    outcome = core.handle_text(alice(), ASSIGN)
    assert deliver(outcome, services) == 0
    (row,) = updates(services.db)
    assert row.status == ledger.DEAD
    scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    try:
        scheduler.run_through(clock.now(), clock.now() + timedelta(hours=3))
    finally:
        scheduler.shutdown()
    assert len(messenger.attempts) == 1 and messenger.sent == []


def test_with_the_ledger_away_the_update_is_left_to_the_scheduler(
    core: Coordinator,
    services: FakeServices,
    messenger: RecordingMessenger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    outcome = core.handle_text(alice(), ASSIGN)

    def away(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(ledger, "by_keys", away)
    assert deliver(outcome, services) == 0
    assert messenger.attempts == []  # not sent blind: the scheduler would not know


def test_a_thread_update_a_crash_left_unsent_goes_out_once_in_its_thread(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    """Killed between the commit of ``start #1`` and its send: the ledger row the command wrote
    is sent by the scheduler after its lease, once, as a reply in the task's source thread."""
    source = SourceMessage("C9", "1700000000.000100")
    deliver(core.handle_text(replace(alice(), replying_to=source), "/coord add dev Sync crashes"), services)
    messenger.clear()
    started = core.handle_text(alice(), "/coord start #1")  # committed; the process dies here
    assert [m.target.thread for m in started.outbox] == [source.message_id]
    scheduler = CoordScheduler(services)  # type: ignore[arg-type]
    try:
        assert scheduler.tick(clock.now()) == 0  # the dead sender's reservation still holds it
        end = clock.now() + ledger.LEASE + timedelta(minutes=1)
        assert scheduler.run_through(clock.now(), end) == 1
        assert scheduler.run_through(end, end + 2 * ledger.LEASE) == 0
    finally:
        scheduler.shutdown()
    (sent,) = messenger.sent
    assert (sent.target.id, sent.target.thread) == ("C9", source.message_id)
    assert sent.reply.headline.startswith("#1 started")
    (row,) = [n for n in updates(services.db) if n.target_id == "C9"]
    assert row.status == ledger.SENT and row.attempts == 1


def _at(clock: ManualClock, *parts: int) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(*parts, tzinfo=UTC))


def test_a_dm_after_hours_waits_for_the_recipients_working_morning(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    """Alice assigns at 20:00 on a Friday: her answer is immediate; bob's DM goes out on Monday at
    09:00 (his working morning), by the scheduler, once, and not in the night or weekend before."""
    _at(clock, 2026, 11, 27, 20)
    outcome = core.handle_text(alice(), ASSIGN)
    assert outcome.reply.plain_text().startswith("New task #1")  # the answer to what she did: now
    assert deliver(outcome, services) == 0 and messenger.sent == []
    (row,) = updates(services.db)
    assert row.status == ledger.PENDING and row.next_attempt_at.isoformat().startswith("2026-11-30T09:00")
    scheduler = CoordScheduler(services)  # type: ignore[arg-type]
    start = clock.now()
    scheduler.run_through(start, start + timedelta(hours=60))  # up to Monday 08:00
    assert messenger.sent == []
    scheduler.run_through(start + timedelta(hours=60), start + timedelta(hours=62))
    assert [m.target.id for m in messenger.sent if m.key == row.key] == ["U2"]
    assert messenger.sent[0].key == row.key  # 09:00, before the day's nudges (09:30)
    scheduler.run_through(start + timedelta(hours=62), start + timedelta(hours=90))
    assert [m.key for m in messenger.sent].count(row.key) == 1


def test_a_dm_waits_for_the_recipients_own_hours_zone_and_away_time(
    core: Coordinator, services: FakeServices, messenger: RecordingMessenger, clock: ManualClock
) -> None:
    _at(clock, 2026, 11, 25, 9)  # Wed 09:00 UTC, 17:00 in Shanghai
    bob = Caller("console", "T1", "U2", "Bob", "C1", "general")
    core.handle_text(bob, "/coord me timezone Asia/Shanghai")
    core.handle_text(bob, "/coord me hours 08:00-16:00")
    outcome = core.handle_text(alice(), ASSIGN)
    (message,) = outcome.outbox
    assert message.not_before is not None and message.not_before.isoformat() == "2026-11-26T00:00:00+00:00"
    core.handle_text(bob, "/coord me hours none")  # back to 09:00-18:00: 17:00 is inside them
    (now_message,) = core.handle_text(alice(), "/coord due #1 mon").outbox
    assert now_message.not_before is None
    core.handle_text(bob, "/coord away 2026-11-20..2026-11-27")
    (later,) = core.handle_text(alice(), "/coord due #1 tue").outbox
    assert later.not_before is not None and later.not_before.isoformat() == "2026-11-30T01:00:00+00:00"
