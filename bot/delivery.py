"""Sending the messages a command produced for others (after its transaction committed).

The core records each of them in the notification ledger with the command
(:mod:`handlers.outbox`). Given the database, :func:`deliver_outbox` takes those rows for its
one attempt (the ledger's compare-and-set, as the scheduler does), sends, and records the
outcome: a message the platform refused for now is retried by the scheduler with backoff, a
crash mid-send leaves the row to the scheduler once its lease runs out, and a row it cannot take
(the database away, another process has it) is left to the scheduler rather than risk sending
it twice. Without the database, or for a message the ledger does not hold, sending is
best-effort, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.messenger import DeliveryError, MessengerRegistry
from handlers.outbox import ledger_row
from handlers.replies import Outbound
from storage import notifications as ledger
from storage.db import Database
from storage.models import Workspace

log = logging.getLogger(__name__)

REPLY_TTL = timedelta(hours=1)  # an answer that could not be delivered within the hour is dropped


def deliver_outbox(
    outbox: Iterable[Outbound],
    messengers: MessengerRegistry,
    *,
    db: Database | None = None,
    now: Callable[[], datetime] | None = None,
) -> int:
    """Send a command's messages to others (e.g. "you were assigned #12"); returns how many went."""
    messages = list(outbox)
    held, taken = _take(messages, db, now) if db is not None and now is not None else (set(), {})
    sent = 0
    for message in messages:
        got = taken.get(message.key or "")
        if got is None and message.key and (held is None or message.key in held):
            continue  # in the ledger but not ours to send now (or the ledger is away): the scheduler's
        error: DeliveryError | None = None
        try:
            messengers.for_platform(message.platform).send(message)
            sent += 1
        except DeliveryError as exc:
            log.warning("could not deliver to %s: %s", message.target.label, exc)
            error = exc
        except Exception as exc:
            log.exception("unexpected error delivering to %s", message.target.label)
            error = DeliveryError(f"unexpected error: {type(exc).__name__}")
        if got is not None and db is not None and now is not None:
            _record(db, got, now(), error)
    return sent


def _take(
    messages: list[Outbound], db: Database, now: Callable[[], datetime]
) -> tuple[set[str] | None, dict[str, ledger.Acquired]]:
    """The keys the ledger holds (None: it could not be asked) and the rows taken for this attempt."""
    keys = [message.key for message in messages if message.key]
    if not keys:
        return set(), {}
    try:
        with db.transaction() as session:
            rows = ledger.by_keys(session, keys)
            got = ledger.acquire_many(session, [row.id for row in rows], now(), own=True, payloads=False)
    except (OperationalError, DBAPIError) as exc:
        log.warning("task updates left to the scheduler: the ledger is unavailable (%s)", type(exc).__name__)
        return None, {}
    return {row.key for row in rows}, {item.key: item for item in got}


def _record(db: Database, got: ledger.Acquired, now: datetime, error: DeliveryError | None) -> None:
    try:
        with db.transaction() as session:
            if error is None:
                ledger.record_sent(session, got.id, now)
            else:
                ledger.record_failure(
                    session, got.id, now, str(error), permanent=error.permanent, retry_after=error.retry_after
                )
    except (OperationalError, DBAPIError) as exc:  # the lease runs out and the scheduler retries
        log.warning("task update %s: outcome not recorded (%s)", got.key, type(exc).__name__)


def defer(message: Outbound, db: Database, now: datetime, *, kind: str = "reply") -> bool:
    """Hand a message the platform refused for now to the scheduler: a ledger row it sends
    (once, by ``message.key``) when the row's reservation runs out, retrying with backoff.

    For the answer to a command when the platform failed at that moment (its ``response_url``
    or reply call): the command has applied, so the person must still hear the answer. False
    when it could not be handed over (logged).
    """
    if not message.key:
        return False
    try:
        with db.transaction() as session:
            workspace_id = session.scalar(
                select(Workspace.id).where(
                    Workspace.platform == message.platform,
                    Workspace.external_id == message.workspace_external_id,
                )
            )
            if workspace_id is None:
                return False
            ledger.claim(session, ledger_row(message, workspace_id, kind, now + REPLY_TTL), now)
    except (OperationalError, DBAPIError) as exc:
        log.warning("%s %s could not be handed to the scheduler (%s)", kind, message.key, type(exc).__name__)
        return False
    log.info("%s %s handed to the scheduler", kind, message.key)
    return True
