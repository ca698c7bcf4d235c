"""The messages a command sends on ("you were assigned #12") and its answer: a transactional outbox.

Each one is recorded in the notification ledger (:mod:`storage.notifications`, kind
``update``, a key of its own) inside the command's transaction, so it exists if and only if
the change it reports does. The adapter sends it right after the commit
(:func:`bot.delivery.deliver_outbox`), unless it waits for its recipient's working time
(:attr:`Outbound.not_before`: the scheduler sends it then); one the platform refused for now,
or that a crash left unsent, is retried by the scheduler like any notification, and its key keeps a retry from
posting it twice (Feishu's ``uuid``, Slack's message metadata).

The answer to the asker is recorded the same way (kind ``reply``, the key the adapter chose from
the request's own id, :class:`AnswerRoute`), so whatever dies after the commit, the answer still
goes out once: through the request's reply handle while it is valid, else to the route's target.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.notices import outbound_to_dict
from handlers.replies import Outbound, Reply, Target
from storage import notifications as ledger

KIND = "update"
TTL = timedelta(days=1)  # an update not delivered within a day is stale: not sent late
ANSWER_KIND = "reply"
ANSWER_TTL = timedelta(hours=1)  # an answer that could not be delivered within the hour is dropped


@dataclass(frozen=True)
class AnswerRoute:
    """Where the answer to one request goes, as its adapter says.

    ``key``: the ledger key, from the request's own id (a redelivery cannot answer twice).
    ``handle``: the platform's reply handle (:attr:`Outbound.reply_handle`). ``public``: the
    target of an answer for everyone, ``private`` of one for the asker alone, when the handle
    cannot be used (expired, refused) or the process died before using it.
    """

    key: str
    public: Target
    private: Target
    handle: str | None = None

    def answer(self, platform: str, workspace_external_id: str, reply: Reply) -> Outbound:
        target = self.private if reply.ephemeral else self.public
        return Outbound(
            platform, workspace_external_id, target, reply, key=self.key, reply_handle=self.handle
        )


def record(session: Session, workspace_id: int, outbox: Sequence[Outbound], now: datetime) -> list[Outbound]:
    """Claim a ledger row for each message in the caller's transaction; the messages, keyed."""
    keyed = [
        replace(message, key=message.key or f"{KIND}:{workspace_id}:{uuid.uuid4().hex}") for message in outbox
    ]
    rows = []
    for message in keyed:
        row = ledger_row(message, workspace_id, KIND, (message.not_before or now) + TTL)
        rows.append(replace(row, not_before=message.not_before))
    ledger.claim_many(session, rows, now)
    return keyed


def deferred(message: Outbound, now: datetime) -> bool:
    """Whether ``message`` waits in the ledger for its recipient's working time (the scheduler's)."""
    return message.not_before is not None and message.not_before > now


def record_answer(session: Session, workspace_id: int, answer: Outbound, now: datetime) -> int | None:
    """Claim the ledger row of a request's answer: its id, or None when it was recorded before."""
    return ledger.claim(session, ledger_row(answer, workspace_id, ANSWER_KIND, now + ANSWER_TTL), now)


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
