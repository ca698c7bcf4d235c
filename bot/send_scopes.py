"""The rate-limit scopes this process holds while it sends (its side of :mod:`storage.send_leases`)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from datetime import datetime

from bot.ratelimit import RateLimiter
from storage import send_leases
from storage.db import Database


def process_name() -> str:
    """A holder name no other process shares: host, pid and a random part (pids repeat in containers)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class SendScopes:
    """The scopes this process may send in now, and the handover of each to its rate limiter."""

    def __init__(self, db: Database, limiter: RateLimiter, holder: str | None = None) -> None:
        self.db = db
        self.limiter = limiter
        self.holder = holder or process_name()
        self.held: set[str] = set()

    def taken(self, taken: Iterable[send_leases.Taken], at: datetime) -> None:
        """Record scopes taken (in a transaction now committed) at ``at``; buckets of one another
        process sent in start as that one left them at most (see RateLimiter.take_over)."""
        for lease in taken:
            self.held.add(lease.scope)
            if lease.after is not None:
                self.limiter.take_over(lease.scope, (at - lease.after).total_seconds())

    def renew(self, until: datetime) -> set[str]:
        """Move the held leases on to ``until``; the scopes lost meanwhile (no longer held)."""
        if not self.held:
            return set()
        with self.db.transaction() as s:
            kept = send_leases.renew(s, sorted(self.held), self.holder, until)
        lost = self.held - kept
        self.held = kept
        return lost

    def release(self, at: datetime) -> list[str]:
        """Release every held scope at ``at``; the scopes released."""
        released = sorted(self.held)
        if released:
            with self.db.transaction() as s:
                send_leases.release(s, released, self.holder, at)
            self.held.clear()
        return released
