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
