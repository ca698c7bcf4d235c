"""storage.inbox on SQLite and PostgreSQL: accept once, complete once, stale entries to one taker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import inbox
from storage.db import Database
from storage.models import InboxEvent

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _accept(db: Database, key: str, now: datetime = NOW) -> bool:
    with db.transaction(urgent=True) as s:
        return inbox.accept(s, "feishu", key, json.dumps({"k": key}), now)


def _complete(db: Database, key: str, now: datetime = NOW) -> bool:
    with db.transaction() as s:
        return inbox.settle(s, "feishu", key, now)


def test_a_key_is_accepted_once_per_platform(db: Database) -> None:
    assert _accept(db, "message:om_1")
    assert not _accept(db, "message:om_1")
    with db.transaction() as s:
        assert inbox.accept(s, "slack", "message:om_1", "{}", NOW)  # another platform's id space


def _settle(db: Database, key: str, now: datetime = NOW) -> bool:
    with db.transaction() as s:
        return inbox.settle(s, "slack", key, now)


def test_settle_is_true_once_whether_or_not_the_entry_was_accepted(db: Database) -> None:
    with db.transaction() as s:
        inbox.accept(s, "slack", "trigger:1", "{}", NOW)
    assert _settle(db, "trigger:1")
    assert not _settle(db, "trigger:1")
    assert _settle(db, "trigger:never_accepted")  # the accept failed: the work still runs once
    assert not _settle(db, "trigger:never_accepted")
    with db.transaction() as s:  # a late accept of a settled key is a redelivery, not new work
        assert not inbox.accept(s, "slack", "trigger:never_accepted", "{}", NOW)
        assert not inbox.take_stale(s, "slack", NOW + timedelta(hours=1))


def test_settle_rolled_back_with_its_transaction_leaves_the_entry_pending(db: Database) -> None:
    with db.transaction() as s:
        inbox.accept(s, "slack", "trigger:2", "{}", NOW)
    try:
        with db.transaction() as s:
            assert inbox.settle(s, "slack", "trigger:2", NOW)
            raise RuntimeError("the command failed")
    except RuntimeError:
        pass
    assert _settle(db, "trigger:2")


def test_stale_entries_go_to_one_taker_after_their_lease(db: Database) -> None:
    _accept(db, "message:a")
    _accept(db, "message:b")
    _complete(db, "message:b")
    with db.transaction() as s:
        assert inbox.take_stale(s, "feishu", NOW + inbox.LEASE - timedelta(seconds=1)) == []
    later = NOW + inbox.LEASE + timedelta(seconds=1)
    with db.transaction() as s:
        (taken,) = inbox.take_stale(s, "feishu", later)
    assert (taken.key, taken.payload, taken.attempts) == ("message:a", '{"k": "message:a"}', 2)
    with db.transaction() as s:  # leased again to the first taker: nobody else gets it now
        assert inbox.take_stale(s, "feishu", later) == []
    with db.transaction() as s:  # until that lease runs out too
        (again,) = inbox.take_stale(s, "feishu", later + inbox.LEASE + timedelta(seconds=1))
    assert again.attempts == 3


def test_give_up_and_forget(db: Database) -> None:
    _accept(db, "message:old")
    _complete(db, "message:old")
    _accept(db, "message:stuck")
    _accept(db, "message:new", NOW + timedelta(days=8))
    with db.transaction() as s:
        inbox.give_up(s, "feishu", "message:stuck", NOW)
        assert inbox.take_stale(s, "feishu", NOW + timedelta(days=1)) == []
    with db.transaction() as s:
        assert inbox.forget_done_before(s, NOW + timedelta(days=7)) == 2  # old and the given-up one
    with db.transaction() as s:
        keys = s.scalars(select(InboxEvent.key)).all()
        assert keys == ["message:new"]
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 1


def test_accept_many_answers_in_order_and_once_per_key(db: Database) -> None:
    _accept(db, "message:old")
    entries = [("feishu", k, "{}") for k in ("message:a", "message:old", "message:a", "message:b")]
    with db.transaction() as s:
        assert inbox.accept_many(s, entries, NOW) == [True, False, False, True]


def test_accept_queue_commits_concurrent_callers_together_once_per_key(db: Database) -> None:
    import threading

    queue = inbox.AcceptQueue(db, lambda: NOW)
    keys = [f"message:{n % 40}" for n in range(120)]  # every key delivered three times
    answers: dict[int, bool] = {}
    start = threading.Barrier(len(keys))

    def deliver(n: int) -> None:
        start.wait()
        answers[n] = queue.accept("feishu", keys[n], "{}")

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    queue.close()
    accepted = sorted(keys[n] for n, ok in answers.items() if ok)
    assert accepted == sorted(set(keys))  # each key accepted by exactly one caller
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 40


def test_accept_queue_hands_each_caller_the_database_error(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from storage.db import DatabaseUnavailable

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, ConnectionError("gone"))

    monkeypatch.setattr(inbox, "accept_many", unreachable)
    queue = inbox.AcceptQueue(db, lambda: NOW)
    try:
        queue.accept("feishu", "message:x", "{}")
    except DatabaseUnavailable:
        pass
    else:
        raise AssertionError("the caller was not told the database failed")
    monkeypatch.undo()
    assert queue.accept("feishu", "message:x", "{}")  # the writer thread lives on
    queue.close()
