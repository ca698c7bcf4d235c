"""Send leases: one process at a time sends in a rate-limit scope, on SQLite and PostgreSQL.

The rows (:mod:`storage.send_leases`), the rate limiter's side of a handover
(:meth:`bot.ratelimit.RateLimiter.take_over`), and two schedulers on one database: one sending in
a scope while the other claims new work there, which the first sends in the same tick, once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.messenger import Delivery, MessengerRegistry
from bot.ratelimit import FEISHU, SLACK, RateLimiter
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.replies import Outbound, Reply, Target
from storage import send_leases
from storage.db import Database
from storage.models import Notification, Workspace
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices, RecordingMessenger, seed_world
from tests.virtual_seconds import VirtualSeconds, virtual_sender

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def held(taken: list[send_leases.Taken]) -> list[str]:
    return sorted(lease.scope for lease in taken)


def test_a_scope_is_held_by_one_holder_until_released_or_run_out(db: Database) -> None:
    with db.transaction() as s:
        assert held(send_leases.take(s, ["slack:T1", "slack:T2"], "A", NOW, NOW + LEASE)) == [
            "slack:T1",
            "slack:T2",
        ]
    with db.transaction() as s:
        assert send_leases.take(s, ["slack:T1", "slack:T3"], "B", NOW, NOW + LEASE) == [
            send_leases.Taken("slack:T3", None)
        ]
    with db.transaction() as s:  # the holder takes its own again, as nothing new
        again = send_leases.take(s, ["slack:T1"], "A", NOW, NOW + LEASE)
        assert again == [send_leases.Taken("slack:T1", None)]
    with db.transaction() as s:
        send_leases.release(s, ["slack:T1"], "A", NOW + timedelta(seconds=5))
        send_leases.release(s, ["slack:T2"], "B", NOW + timedelta(seconds=5))  # not B's: kept by A
    with db.transaction() as s:
        # T1 released: B learns when A last sent there; T2 still A's until its lease runs out.
        taken = send_leases.take(s, ["slack:T1", "slack:T2"], "B", NOW + timedelta(seconds=6), NOW + LEASE)
        assert taken == [send_leases.Taken("slack:T1", NOW + timedelta(seconds=5))]
    with db.transaction() as s:
        after = NOW + LEASE
        assert send_leases.take(s, ["slack:T2"], "B", after, after + LEASE) == [
            send_leases.Taken("slack:T2", after)
        ]


def test_renew_keeps_only_the_scopes_still_held(db: Database) -> None:
    with db.transaction() as s:
        send_leases.take(s, ["feishu:app", "slack:T1"], "A", NOW, NOW + LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    with db.transaction() as s:  # A paused past its lease; B took the Feishu app meanwhile
        assert held(send_leases.take(s, ["feishu:app"], "B", later, later + LEASE)) == ["feishu:app"]
    with db.transaction() as s:
        assert send_leases.renew(s, ["feishu:app", "slack:T1"], "A", later + LEASE) == {"slack:T1"}
    with db.transaction() as s:
        assert send_leases.take(s, ["slack:T1"], "B", later, later + LEASE) == []
        assert send_leases.renew(s, [], "A", later) == set()
        assert send_leases.take(s, [], "A", later, later) == []


def test_a_handover_starts_the_buckets_as_the_last_sender_left_them() -> None:
    clock = VirtualSeconds()
    clock.sleep(100.0)
    limiter = RateLimiter({"slack": SLACK, "feishu": FEISHU}, monotonic=clock)
    assert limiter.scope_of("slack", "T1") == "slack:T1"
    assert limiter.scope_of("feishu", "tenant-1") == "feishu:app"
    assert limiter.scope_of("console", "T1") is None

    def post(workspace: str, channel: str, platform: str = "slack") -> Outbound:
        return Outbound(platform, workspace, Target.channel(channel), Reply(headline="x"))

    assert limiter.try_take(post("T1", "C1")) == 0.0  # a bucket of this process's, at its burst
    limiter.take_over("slack:T1", 0.0)  # another process sent in T1 until this instant
    assert limiter.try_take(post("T1", "C1")) > 0  # that channel's bucket is empty now
    assert limiter.try_take(post("T1", "C2")) > 0  # and a channel new here starts empty too
    assert limiter.try_take(post("T2", "C1")) == 0.0  # another workspace is not touched
    limiter.take_over("feishu:app", 0.0)
    assert limiter.try_take(post("tenant-9", "oc_1", "feishu")) > 0  # the app's limit is shared
    clock.sleep(2.0)
    assert limiter.try_take(post("T1", "C2")) == 0.0  # refilled at the limit's rate since


class Handing:
    """A messenger that, at its first send, lets another scheduler tick (as a replica would then)."""

    def __init__(self, record: RecordingMessenger, meanwhile) -> None:  # type: ignore[no-untyped-def]
        self.record = record
        self.platform = record.platform
        self.meanwhile = meanwhile
        self._once = threading.Lock()
        self.ran = False

    def send(self, message: Outbound) -> Delivery:
        with self._once:
            if not self.ran:
                self.ran = True
                self.meanwhile()
        return self.record.send(message)


def test_work_claimed_while_another_replica_sends_in_its_scope_is_sent_by_that_one_once(db: Database) -> None:
    """Feishu's limits are the app's: replica B, ticking while A sends, hands its new claims to A."""
    seed_world(db, with_tasks=True)
    with db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        ws.platform = "feishu"
    clock = ManualClock(NOW)
    sent_by_a, sent_by_b = RecordingMessenger("feishu"), RecordingMessenger("feishu")
    replica_b = CoordScheduler(
        FakeServices(db, clock, MessengerRegistry({"feishu": sent_by_b})),  # type: ignore[arg-type]
        virtual_sender(),
    )

    def b_ticks_with_new_work() -> None:
        with db.transaction() as s:  # a second Feishu tenant, due now too: the same scope
            other = f.workspace(s, "T2", platform="feishu")
            depts = f.departments(s, other, {"dev": f.person(s, other, "UZED", name="zed")})
            f.launch(s, other, "v9", NOW.date() + timedelta(days=7), depts)
        assert replica_b.tick(NOW) == 0

    handing = Handing(sent_by_a, b_ticks_with_new_work)
    replica_a = CoordScheduler(
        FakeServices(db, clock, MessengerRegistry({"feishu": handing})),  # type: ignore[arg-type]
        virtual_sender(),
    )
    try:
        sent = replica_a.tick(NOW)
        assert handing.ran and sent_by_b.sent == []
        keys = sent_by_a.keys()
        assert sent == len(keys) and len(keys) == len(set(keys))
        assert {m.workspace_external_id for m in sent_by_a.sent} == {"T1", "T2"}  # B's too, in A's tick
        with db.transaction() as s:
            statuses = {n.status for n in s.query(Notification) if n.status != "marker"}
        assert statuses == {"sent"}
        assert replica_a.tick(NOW + timedelta(minutes=1)) == 0
        assert replica_b.tick(NOW + timedelta(minutes=1)) == 0
    finally:
        replica_a.shutdown()
        replica_b.shutdown()


def test_a_scope_whose_holder_died_is_taken_when_its_lease_runs_out(db: Database) -> None:
    seed_world(db)
    with db.transaction() as s:
        ws = s.get(Workspace, 1)
        assert ws is not None
        ws.platform = "slack"
        send_leases.take(s, ["slack:T1"], "killed-replica", NOW, NOW + LEASE)
    messenger = RecordingMessenger("slack")
    clock = ManualClock(NOW)
    replica = CoordScheduler(
        FakeServices(db, clock, MessengerRegistry({"slack": messenger})),  # type: ignore[arg-type]
        virtual_sender(),
    )
    try:
        assert replica.tick(NOW) == 0  # claimed, and left in the ledger for the scope's holder
        with db.transaction() as s:
            waiting = [n for n in s.query(Notification) if n.status == "pending"]
        assert waiting and all(n.attempts == 0 for n in waiting)
        assert replica.tick(NOW + timedelta(seconds=30)) == 0
        sent = replica.tick(NOW + LEASE)
        assert sent == len(waiting) and len(messenger.keys()) == len(set(messenger.keys())) == sent
        assert replica.tick(NOW + LEASE + timedelta(minutes=1)) == 0
    finally:
        replica.shutdown()
