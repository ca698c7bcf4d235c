"""The notification ledger on SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import notifications as ledger
from storage.db import Database
from tests.scheduler import factories as f

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def _new(ws_id: int, key: str = "nudge:user:1:U1:2026-12-02", **kw: object) -> ledger.NewNotification:
    values: dict = {"kind": "nudge", "target_kind": "user", "target_id": "U1", "payload": {"x": 1}}
    values.update(kw)
    return ledger.NewNotification(key=key, workspace_id=ws_id, **values)


def _ws(db: Database) -> int:
    with db.transaction() as s:
        return f.workspace(s).id


def test_claim_is_once_per_key(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        first = ledger.claim(s, _new(ws), NOW)
    with db.transaction() as s:
        second = ledger.claim(s, _new(ws), NOW)
        assert ledger.existing_keys(s, ["nudge:user:1:U1:2026-12-02", "other"]) == {
            "nudge:user:1:U1:2026-12-02"
        }
    assert first is not None
    assert second is None


def test_owner_acquires_at_once_others_wait_for_the_reservation(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws), NOW)
    assert nid is not None
    with db.transaction() as s:
        assert ledger.acquire(s, nid, NOW) is None  # reserved for the inserter
        assert ledger.due_for_retry(s, NOW) == []
    with db.transaction() as s:
        got = ledger.acquire(s, nid, NOW, own=True)
        assert got is not None and got.attempt == 1 and got.payload["x"] == 1
    with db.transaction() as s:  # now it is being sent: nobody else gets it
        assert ledger.acquire(s, nid, NOW, own=True) is None
        ledger.record_sent(s, nid, NOW)
    with db.transaction() as s:
        row = ledger.get(s, "nudge:user:1:U1:2026-12-02")
        assert row is not None and row.status == ledger.SENT and row.attempts == 1
        assert ledger.acquire(s, nid, NOW + timedelta(days=1)) is None


def test_failure_backs_off_then_retries_until_sent(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws), NOW)
    assert nid is not None
    now = NOW
    delays = []
    for _ in range(3):
        with db.transaction() as s:
            got = ledger.acquire(s, nid, now, own=True)
            assert got is not None
            assert ledger.record_failure(s, nid, now, "timeout") == ledger.FAILED
        with db.transaction() as s:
            row = ledger.get(s, got.key)
            assert row is not None and row.next_attempt_at is not None
            delays.append(row.next_attempt_at - now)
            assert ledger.due_for_retry(s, now) == []
            assert [due.id for due in ledger.due_for_retry(s, row.next_attempt_at)] == [nid]
            assert ledger.next_attempt_after(s, now) == row.next_attempt_at
            now = row.next_attempt_at
    assert delays == [timedelta(minutes=m) - ledger.TICK_SLACK for m in (1, 2, 4)]
    with db.transaction() as s:
        assert ledger.acquire(s, nid, now) is not None
        ledger.record_sent(s, nid, now)
    with db.transaction() as s:
        row = ledger.get(s, "nudge:user:1:U1:2026-12-02")
        assert row is not None and (row.status, row.attempts) == (ledger.SENT, 4)


def test_retry_after_is_honoured_and_attempts_run_out(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws), NOW)
    assert nid is not None
    with db.transaction() as s:
        ledger.acquire(s, nid, NOW, own=True)
        ledger.record_failure(s, nid, NOW, "429", retry_after=600)
    with db.transaction() as s:
        row = ledger.get(s, "nudge:user:1:U1:2026-12-02")
        assert row is not None and row.next_attempt_at == NOW + timedelta(seconds=600)
        assert row.last_error == "429"
    now = NOW
    status = ledger.FAILED
    while status == ledger.FAILED:
        now += timedelta(days=1)
        with db.transaction() as s:
            assert ledger.acquire(s, nid, now) is not None
            status = ledger.record_failure(s, nid, now, "boom")
    assert status == ledger.DEAD
    with db.transaction() as s:
        row = ledger.get(s, "nudge:user:1:U1:2026-12-02")
        assert row is not None and row.attempts == ledger.MAX_ATTEMPTS
        assert ledger.due_for_retry(s, now + timedelta(days=30)) == []


def test_permanent_failure_is_dead_at_once(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws), NOW)
        assert nid is not None
    with db.transaction() as s:
        ledger.acquire(s, nid, NOW, own=True)
        assert ledger.record_failure(s, nid, NOW, "channel_not_found", permanent=True) == ledger.DEAD
    with db.transaction() as s:
        assert ledger.due_for_retry(s, NOW + timedelta(days=1)) == []


def test_a_send_left_behind_by_a_dead_process_is_retried_after_its_lease(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws), NOW)
        assert nid is not None
    with db.transaction() as s:
        assert ledger.acquire(s, nid, NOW, own=True) is not None  # …and the process dies here
    with db.transaction() as s:
        assert ledger.due_for_retry(s, NOW + timedelta(minutes=1)) == []
        later = NOW + ledger.LEASE
        assert [due.id for due in ledger.due_for_retry(s, later)] == [nid]
        again = ledger.acquire(s, nid, later)
        assert again is not None and again.attempt == 2


def test_expired_notifications_are_never_sent(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        nid = ledger.claim(s, _new(ws, expires_at=NOW + timedelta(hours=1)), NOW)
        assert nid is not None
    with db.transaction() as s:
        ledger.acquire(s, nid, NOW, own=True)
        ledger.record_failure(s, nid, NOW, "timeout")
    with db.transaction() as s:
        assert ledger.acquire(s, nid, NOW + timedelta(hours=2)) is None
    with db.transaction() as s:
        row = ledger.get(s, "nudge:user:1:U1:2026-12-02")
        assert row is not None and row.status == ledger.EXPIRED


def test_markers_are_once_and_never_retried(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        assert ledger.mark(s, "sweep:nudge:1:UTC:2026-12-02", ws, "sweep", NOW)
    with db.transaction() as s:
        assert not ledger.mark(s, "sweep:nudge:1:UTC:2026-12-02", ws, "sweep", NOW)
        assert ledger.due_for_retry(s, NOW + timedelta(days=9)) == []
    with db.transaction() as s:
        assert ledger.prune(s, NOW + timedelta(days=1)) == 1


def test_backoff_schedule() -> None:
    assert ledger.backoff(1) == timedelta(minutes=1)
    assert ledger.backoff(4) == timedelta(minutes=8)
    assert ledger.backoff(30) == timedelta(hours=1)
    # Due on the tick it was meant for: a step ends a moment before the next tick's instant …
    assert ledger.next_attempt_at(NOW, 1) == NOW + timedelta(minutes=1) - ledger.TICK_SLACK
    assert ledger.next_attempt_at(NOW, 3, retry_after=1) == NOW + timedelta(minutes=4) - ledger.TICK_SLACK
    # … but never before the platform's Retry-After.
    assert ledger.next_attempt_at(NOW, 1, retry_after=90) == NOW + timedelta(seconds=90)
    assert ledger.next_attempt_at(NOW, 1, retry_after=58) == NOW + timedelta(seconds=58)


def test_a_failure_recorded_after_its_tick_is_retried_on_the_next_tick(db: Database) -> None:
    """The tick at 09:00 records a failure at 09:00:00.4; the next tick runs at 09:01:00.1 (jitter)."""
    ws = _ws(db)
    (nid,) = _claim_many(db, ws, 1)
    with db.transaction() as s:
        assert ledger.acquire(s, nid, NOW, own=True) is not None
        ledger.record_failure(s, nid, NOW + timedelta(milliseconds=400), "timeout")
    with db.transaction() as s:
        due = ledger.due_for_retry(s, NOW + timedelta(minutes=1, milliseconds=100))
    assert [item.id for item in due] == [nid]


def _claim_many(db: Database, ws: int, n: int, now: datetime = NOW) -> list[int]:
    news = [_new(ws, key=f"nudge:user:1:U{i}:2026-12-02") for i in range(n)]
    with db.transaction() as s:
        ids = ledger.claim_many(s, news, now)
    assert list(ids) == [new.key for new in news]  # inserted, keys in order
    return list(ids.values())


def test_claim_many_returns_only_what_this_call_inserted(db: Database) -> None:
    ws = _ws(db)
    first = _claim_many(db, ws, 2)
    with db.transaction() as s:
        again = ledger.claim_many(
            s, [_new(ws, key="nudge:user:1:U1:2026-12-02"), _new(ws, key="nudge:user:1:U9:2026-12-02")], NOW
        )
    assert list(again) == ["nudge:user:1:U9:2026-12-02"]
    assert again["nudge:user:1:U9:2026-12-02"] not in first


def test_acquire_many_takes_what_it_may_in_the_order_given(db: Database) -> None:
    ws = _ws(db)
    fresh, failed, later, sent = _claim_many(db, ws, 4)
    with db.transaction() as s:
        for nid in (failed, later, sent):
            assert ledger.acquire(s, nid, NOW, own=True) is not None
        ledger.record_failure(s, failed, NOW, "timeout")  # retry from NOW + 1 min
        ledger.record_failure(s, later, NOW, "429", retry_after=3600)
        ledger.record_sent(s, sent, NOW)
    at = NOW + timedelta(minutes=5)
    lease = at + ledger.LEASE
    with db.transaction() as s:
        # not the inserter: the fresh row waits for its reservation (NOW + LEASE < at, so it is due)
        got = ledger.acquire_many(s, [sent, later, failed, fresh], at, lease_until=lease)
    assert [(g.id, g.attempt) for g in got] == [(failed, 2), (fresh, 1)]
    assert got[0].payload == {"x": 1}
    with db.transaction() as s:
        rows = {r.id: r for r in ledger.by_keys(s, [g.key for g in got])}
        assert {r.status for r in rows.values()} == {ledger.SENDING}
        assert {r.next_attempt_at for r in rows.values()} == {lease}
        assert ledger.acquire_many(s, [failed, fresh], at) == []  # held until the lease ends


def test_acquire_many_for_the_inserter_can_leave_the_payload_out(db: Database) -> None:
    ws = _ws(db)
    ids = _claim_many(db, ws, 3)
    with db.transaction() as s:
        got = ledger.acquire_many(s, list(reversed(ids)), NOW, own=True, payloads=False)
    assert [g.id for g in got] == list(reversed(ids))
    assert all(g.payload == {} and g.attempt == 1 and g.kind == "nudge" for g in got)


def test_renew_keeps_only_the_rows_still_held(db: Database) -> None:
    ws = _ws(db)
    ids = _claim_many(db, ws, 3)
    lease = NOW + ledger.LEASE
    with db.transaction() as s:
        assert len(ledger.acquire_many(s, ids, NOW, own=True, lease_until=lease)) == 3
    # Our lease ran out on the last one and another process took it.
    later = lease + timedelta(seconds=1)
    with db.transaction() as s:
        assert [g.id for g in ledger.acquire_many(s, ids[2:], later)] == ids[2:]
    with db.transaction() as s:
        assert ledger.renew(s, ids, lease, later + ledger.LEASE) == set(ids[:2])
    with db.transaction() as s:
        rows = sorted(
            ledger.by_keys(s, [f"nudge:user:1:U{i}:2026-12-02" for i in range(3)]), key=lambda r: r.id
        )
        assert [r.next_attempt_at for r in rows] == [later + ledger.LEASE] * 3  # the third by its new owner
        assert [r.attempts for r in rows] == [1, 1, 2]


def test_outcome_log_records_each_send_at_once(db: Database) -> None:
    ws = _ws(db)
    ids = _claim_many(db, ws, 2)
    with db.transaction() as s:
        ledger.acquire_many(s, ids, NOW, own=True)
    with ledger.OutcomeLog(db.engine) as outcomes:
        outcomes.sent(ids[0], NOW)
        with db.transaction() as s:  # another connection sees it while the log is still open
            statuses = {r.id: r.status for r in ledger.by_keys(s, ["nudge:user:1:U0:2026-12-02"])}
        assert statuses == {ids[0]: ledger.SENT}
        outcomes.sent(ids[1], NOW)
    with db.transaction() as s:
        assert ledger.due_for_retry(s, NOW + timedelta(days=1)) == []


def test_acquire_many_skips_rows_another_process_is_taking(db: Database) -> None:
    """PostgreSQL: a replica never waits on (or deadlocks with) another one taking the same rows."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time: there is nothing to skip")
    ws = _ws(db)
    ids = _claim_many(db, ws, 4)
    at = NOW + ledger.LEASE
    with db.transaction() as first:
        took = ledger.acquire_many(first, ids[:2], at)
        assert [g.id for g in took] == ids[:2]
        with db.transaction() as second:  # while the first still holds its rows
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert [g.id for g in ledger.acquire_many(second, ids, at)] == ids[2:]


def test_mark_many_records_each_key_once_and_says_which_were_new(db: Database) -> None:
    ws = _ws(db)
    with db.transaction() as s:
        assert ledger.mark_many(s, ["escalated:lead:1:x", "escalated:lead:2:x"], ws, "escalated", NOW) == {
            "escalated:lead:1:x",
            "escalated:lead:2:x",
        }
    many = [f"escalated:creator:{n}:x" for n in range(ledger.MARK_CHUNK + 10)]
    with db.transaction() as s:
        assert ledger.mark_many(s, ["escalated:lead:2:x", *many, many[0]], ws, "escalated", NOW) == set(many)
    with db.transaction() as s:
        row = ledger.get(s, many[-1])
        assert row is not None
        assert (row.status, row.kind, row.payload, row.sent_at, row.next_attempt_at) == (
            ledger.MARKER,
            "escalated",
            {},
            NOW,
            None,
        )
        assert ledger.due_for_retry(s, NOW + timedelta(days=9)) == []


def test_outcome_log_queues_for_the_process_sqlite_writer(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("only SQLite has one writer")
    ws = _ws(db)
    ids = _claim_many(db, ws, 1)
    calls: list[object] = []

    class Writer:
        def acquire(self, timeout: float) -> bool:
            calls.append(("acquire", timeout))
            return True

        def release(self) -> None:
            calls.append("release")

    with ledger.OutcomeLog(db.engine, Writer()) as outcomes:
        outcomes.sent(ids[0], NOW)
    assert calls == [("acquire", ledger.WRITER_WAIT), "release"]
