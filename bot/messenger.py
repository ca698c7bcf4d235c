"""The one outbound interface: channel posts and DMs. One implementation per platform.

The scheduler and the command handlers' follow-ups (e.g. "you were assigned #12") only ever
talk to a :class:`Messenger`; how a platform delivers is the implementation's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Protocol

from handlers.i18n import t
from handlers.replies import Outbound, Reply, Section


class DeliveryError(Exception):
    """A send that did not go through.

    ``permanent`` errors (channel not found, bot not in channel) are not retried;
    others are, no sooner than ``retry_after`` seconds when the platform said so (HTTP 429);
    ``method`` names the platform method that was limited, when known (limits are per method).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.method = method


_HAND_BACK_RATE_LIMITS: ContextVar[bool] = ContextVar("hand_back_rate_limits", default=False)


@contextmanager
def rate_limits_handed_back() -> Iterator[None]:
    """Within this block, messengers raise every rate limit at once instead of waiting it out.

    A caller that paces its sends itself (:mod:`bot.sending`) holds just the limited workspace's
    method and sends others meanwhile; a wait inside the call would hold a worker and let the
    same workspace's next sends run into the same limit.
    """
    token = _HAND_BACK_RATE_LIMITS.set(True)
    try:
        yield
    finally:
        _HAND_BACK_RATE_LIMITS.reset(token)


def rate_limits_are_handed_back() -> bool:
    return _HAND_BACK_RATE_LIMITS.get()


@dataclass(frozen=True)
class Delivery:
    """Where a sent message landed (platform message id), for later updates."""

    message_id: str | None = None


class Messenger(Protocol):
    platform: str

    def send(self, message: Outbound) -> Delivery:
        """Deliver ``message`` or raise :class:`DeliveryError`."""
        ...


class MessengerRegistry:
    """Routes an outbound message to the messenger of its workspace's platform."""

    def __init__(self, messengers: dict[str, Messenger] | None = None) -> None:
        self._by_platform: dict[str, Messenger] = dict(messengers or {})

    def register(self, messenger: Messenger) -> None:
        self._by_platform[messenger.platform] = messenger

    def for_platform(self, platform: str) -> Messenger:
        try:
            return self._by_platform[platform]
        except KeyError:
            raise DeliveryError(f"no messenger for platform {platform!r}", permanent=True) from None


def beside_file(reply: Reply) -> Reply:
    """``reply`` as the message shown once its file went to the person's direct chat: the same text
    and a line saying where the file is (the file itself travels apart, as an upload)."""
    note = Section(text=t(reply.language, "export.file_sent"))
    return replace(reply, file=None, sections=(*reply.sections, note))
