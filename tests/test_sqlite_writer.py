"""The process's SQLite writer turn: re-entrant, bounded, and urgent transactions go first."""

from __future__ import annotations

import threading
import time

from storage.db import _SqliteWriter


def _until_waiting(writer: _SqliteWriter, count: int) -> None:
    deadline = time.monotonic() + 5
    while writer.waiting < count:
        assert time.monotonic() < deadline, "the threads never queued"
        threading.Event().wait(0.001)


def test_urgent_waiter_goes_before_ordinary_waiters_queued_earlier() -> None:
    writer = _SqliteWriter()
    assert writer.acquire(timeout=1)
    order: list[str] = []

    def take(name: str, urgent: bool) -> None:
        assert writer.acquire(timeout=5, urgent=urgent)
        order.append(name)
        writer.release()

    threads = [threading.Thread(target=take, args=(f"ordinary{i}", False)) for i in range(3)]
    for thread in threads:
        thread.start()
    _until_waiting(writer, 3)
    urgent = threading.Thread(target=take, args=("urgent", True))
    urgent.start()
    _until_waiting(writer, 4)
    writer.release()
    for thread in [*threads, urgent]:
        thread.join(5)
    assert order[0] == "urgent"
    assert sorted(order[1:]) == ["ordinary0", "ordinary1", "ordinary2"]


def test_reentrant_for_its_owner_and_bounded_for_others() -> None:
    writer = _SqliteWriter()
    assert writer.acquire(timeout=1)
    assert writer.acquire(timeout=1)  # the same thread again
    got: list[bool] = []

    def other() -> None:
        thread = threading.Thread(target=lambda: got.append(writer.acquire(timeout=0.05)))
        thread.start()
        thread.join()

    other()
    assert got == [False]
    writer.release()
    other()
    assert got == [False, False]  # still held once
    writer.release()
    other()
    assert got == [False, False, True]
