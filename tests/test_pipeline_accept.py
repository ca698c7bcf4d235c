"""A slow inbox at the acknowledgement: Slack's request runs unsaved, Feishu's is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.inbound import Accepted, Pipeline


class SlowInbox:
    """An accept queue whose write did not answer within the wait (it may still land)."""

    def accept(self, platform: str, key: str, payload: str, *, timeout: float) -> bool:
        raise TimeoutError("the inbox did not answer in time")


def test_a_platform_that_does_not_redeliver_runs_the_request_unsaved() -> None:
    pipeline = Pipeline(SimpleNamespace(), "slack", accepts=SlowInbox())  # type: ignore[arg-type]
    ticket = pipeline.accept("trigger:1", {"command": "/coord"})
    assert ticket.accepted is Accepted.UNSAVED and ticket.key == "trigger:1"  # still guarded by its key


def test_a_platform_that_redelivers_is_answered_with_an_error() -> None:
    pipeline = Pipeline(SimpleNamespace(), "feishu", accepts=SlowInbox(), redelivers=True)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        pipeline.accept("event:1", {})


def test_a_full_work_pool_leaves_a_saved_request_in_the_inbox_and_runs_unsaved_ones() -> None:
    """The pool is bounded: a saved request past its capacity is not held in memory (the inbox
    has it, and the sweeper runs it after its lease); one that is not saved is queued anyway."""
    import threading

    from bot.inbound import Ticket, WorkPool

    release = threading.Event()
    ran: list[str] = []
    pool = WorkPool(1, "test-work", capacity=1, offer_wait=0)
    pipeline = Pipeline(SimpleNamespace(), "slack", work=pool)  # type: ignore[arg-type]
    pipeline.run = lambda ticket, job, tell: ran.append(ticket.key) if release.wait(5) else None  # type: ignore[method-assign]
    try:
        pipeline.submit(Ticket("trigger:1", Accepted.SAVED), lambda: None, lambda _reply: None)
        assert not pool.offer(lambda: None)  # full
        pipeline.submit(Ticket("trigger:2", Accepted.SAVED), lambda: None, lambda _reply: None)
        pipeline.submit(Ticket("trigger:3", Accepted.UNSAVED), lambda: None, lambda _reply: None)
        release.set()
        assert pool.wait_idle(5)
        assert ran == ["trigger:1", "trigger:3"]
        assert pool.offer(lambda: None)  # room again
    finally:
        release.set()
        pool.shutdown(wait=True)
