"""Rate-limit pacing on virtual seconds, for tests whose subject is what is sent, not its pacing.

The scheduler paces Slack and Feishu sends in real time (one post a second per channel); a test
that plays a week of check-ins would sleep through that pacing. With :func:`virtual_sender` the
sender's limiter reads a clock that moves only when the sender waits, so the order and the
limits are kept and no time is spent.
"""

from __future__ import annotations

from bot.ratelimit import RateLimiter
from bot.sending import WORKERS, ConcurrentSender


class VirtualSeconds:
    """Monotonic seconds that move only when the sender sleeps, by at least a microsecond (a
    shorter wait added to a large clock reading would leave it unchanged and the sender waiting)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-6)


def virtual_sender(workers: int = WORKERS) -> ConcurrentSender:
    seconds = VirtualSeconds()
    return ConcurrentSender(RateLimiter(monotonic=seconds), workers=workers, sleep=seconds.sleep)
