"""Sending the follow-up messages a command produced (after its transaction committed)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.messenger import DeliveryError, MessengerRegistry
from handlers.replies import Outbound

log = logging.getLogger(__name__)


def deliver_outbox(outbox: Iterable[Outbound], messengers: MessengerRegistry) -> int:
    """Best-effort delivery of command follow-ups (e.g. "you were assigned #12"); returns how many went."""
    sent = 0
    for message in outbox:
        try:
            messengers.for_platform(message.platform).send(message)
            sent += 1
        except DeliveryError as exc:
            log.warning("could not deliver to %s: %s", message.target.label, exc)
        except Exception:
            log.exception("unexpected error delivering to %s", message.target.label)
    return sent
