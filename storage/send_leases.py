"""Send leases: at most one process sends in a platform's rate-limit scope at a time.

Platforms limit an app's calls per workspace (Slack) or per app (Feishu), and each process paces
itself with token buckets of its own (:mod:`bot.ratelimit`) — right only while no other process
sends in the same scope. A scope's row here says who does:

* **take** — a compare-and-set under the row's lock (``FOR UPDATE``, rows in scope order): free
  when released, when its lease ran out, or when this holder has it already. A new scope's row
  is inserted taken.
* **renew** — while sending, the holder moves ``until`` on; a scope lost meanwhile is not renewed.
* **release** — ``sending`` off and ``until`` the release instant; the holder's name stays, so
  whoever takes the scope next learns when another process last sent in it (:attr:`Taken.after`).

A process that cannot take a scope hands its messages there back to the ledger in the same
transaction (:func:`storage.notifications.hand_back`); the row lock orders that before the
holder's release, and the holder looks for due messages in a scope right after releasing it, so
nothing handed back waits for a later tick. Times are the caller's (the scheduler's tick instant
advanced by real time), as for the ledger's leases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models import SendLease

_TABLE = SendLease.__table__


@dataclass(frozen=True)
class Taken:
    """A scope now held; ``after``: when another process last sent in it (None: not since we did)."""

    scope: str
    after: datetime | None


def take(session: Session, scopes: Sequence[str], holder: str, now: datetime, until: datetime) -> list[Taken]:
    """Take the free ones of ``scopes`` for ``holder`` until ``until``; those now held."""
    wanted = sorted(set(scopes))
    if not wanted:
        return []
    rows = session.execute(
        select(SendLease.scope, SendLease.holder, SendLease.sending, SendLease.until)
        .where(SendLease.scope.in_(wanted))
        .order_by(SendLease.scope)
        .with_for_update()
    ).all()
    seen = {row.scope for row in rows}
    free = {row.scope: row for row in rows if row.holder == holder or not row.sending or row.until <= now}
    taken = []
    if free:
        held = {"holder": holder, "sending": True, "until": until}
        session.execute(update(_TABLE).where(_TABLE.c.scope.in_(list(free))).values(**held))
        taken = [Taken(scope, None if row.holder == holder else row.until) for scope, row in free.items()]
    missing = [{"scope": scope, "holder": holder, "sending": True, "until": until} for scope in wanted]
    missing = [row for row in missing if row["scope"] not in seen]
    inserted = insert_if_absent(session, _TABLE, missing, [_TABLE.c.scope])
    taken.extend(Taken(row.scope, None) for row in inserted)
    return taken


def renew(session: Session, scopes: Sequence[str], holder: str, until: datetime) -> set[str]:
    """Move ``holder``'s leases on ``scopes`` on to ``until``; the scopes still held."""
    if not scopes:
        return set()
    return set(
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.scope.in_(sorted(scopes)), _TABLE.c.holder == holder, _TABLE.c.sending)
            .values(until=until)
            .returning(_TABLE.c.scope)
        ).scalars()
    )


def release(session: Session, scopes: Sequence[str], holder: str, now: datetime) -> None:
    """End ``holder``'s leases on ``scopes`` at ``now`` (the row remembers who sent last, and when)."""
    if scopes:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.scope.in_(sorted(scopes)), _TABLE.c.holder == holder, _TABLE.c.sending)
            .values(sending=False, until=now)
        )
