"""Sending what a command produced, after its transaction committed: its answer and its outbox.

The core records both in the notification ledger with the command (:mod:`handlers.outbox`).
:func:`record_answer_attempt` records how the adapter's first answer went: sent, or failed — then
the scheduler sends the row (to its target, no longer through the request's reply handle) with
backoff; an answer a crash left unsent is the scheduler's once its reservation runs out.

:func:`deliver_outbox` takes the messages to others for its one attempt (the ledger's
compare-and-set, as the scheduler does), sends, and records the outcome: a message the platform
refused for now is retried by the scheduler, a crash mid-send leaves the row to the scheduler once
its lease runs out, and a row it cannot take (the database away, another process has it) is left
to the scheduler rather than risk sending it twice. Without the database, or for a message the
ledger does not hold, sending is best-effort.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.messenger import DeliveryError, MessengerRegistry
from handlers import outbox as command_outbox
from handlers.replies import Outbound
from storage import notifications as ledger
from storage.db import Database, DatabaseUnavailable

log = logging.getLogger(__name__)


def deliver_outbox(
    outbox: Iterable[Outbound],
    messengers: MessengerRegistry,
    *,
    db: Database | None = None,
    now: Callable[[], datetime] | None = None,
) -> int:
    """Send a command's messages to others (e.g. "you were assigned #12"); returns how many went."""
    # Those waiting for their recipient's working time are the scheduler's, then.
    messages = [m for m in outbox if not (now is not None and command_outbox.deferred(m, now()))]
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


def record_answer_attempt(db: Database, answer_id: int, now: datetime, error: DeliveryError | None) -> None:
    """Record the first attempt at a command's answer (the core claimed row ``answer_id``, pending).

    Sent: the row is done. Failed: the attempt is counted, so the scheduler's retry posts to the
    answer's target instead of the reply handle (an expired ``response_url`` stays expired), or
    the row is dead when the refusal is permanent.
    """
    try:
        with db.transaction() as session:
            if error is None:
                ledger.record_sent(session, answer_id, now)
                return
            ledger.acquire(session, answer_id, now, own=True)
            ledger.record_failure(
                session, answer_id, now, str(error), permanent=error.permanent, retry_after=error.retry_after
            )
    except DatabaseUnavailable as exc:  # its reservation runs out and the scheduler sends it
        log.warning("answer %s: outcome not recorded (%s)", answer_id, exc)


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
    except DatabaseUnavailable as exc:
        log.warning("task updates left to the scheduler: the ledger is unavailable (%s)", exc)
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
    except DatabaseUnavailable as exc:  # the lease runs out and the scheduler retries
        log.warning("task update %s: outcome not recorded (%s)", got.key, exc)
