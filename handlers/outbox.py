"""The messages a command sends on ("you were assigned #12"): a transactional outbox.

Each one is recorded in the notification ledger (:mod:`storage.notifications`, kind
``update``, a key of its own) inside the command's transaction, so it exists if and only if
the change it reports does. The adapter sends it right after the commit
(:func:`bot.delivery.deliver_outbox`); one the platform refused for now, or that a crash left
unsent, is retried by the scheduler like any notification, and its key keeps a retry from
posting it twice (Feishu's ``uuid``, Slack's message metadata).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.notices import outbound_to_dict
from handlers.replies import Outbound
from storage import notifications as ledger

KIND = "update"
TTL = timedelta(days=1)  # an update not delivered within a day is stale: not sent late


def record(session: Session, workspace_id: int, outbox: Sequence[Outbound], now: datetime) -> list[Outbound]:
    """Claim a ledger row for each message in the caller's transaction; the messages, keyed."""
    keyed = [
        replace(message, key=message.key or f"{KIND}:{workspace_id}:{uuid.uuid4().hex}") for message in outbox
    ]
    ledger.claim_many(session, [ledger_row(m, workspace_id, KIND, now + TTL) for m in keyed], now)
    return keyed


def ledger_row(
    message: Outbound, workspace_id: int, kind: str, expires_at: datetime
) -> ledger.NewNotification:
    """The ledger row that sends ``message`` (by its key) until ``expires_at``."""
    return ledger.NewNotification(
        key=message.key or "",
        workspace_id=workspace_id,
        kind=kind,
        target_kind=message.target.kind,
        target_id=message.target.id,
        payload={"outbound": outbound_to_dict(message)},
        expires_at=expires_at,
    )
