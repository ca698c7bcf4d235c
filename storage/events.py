"""Processed platform events, the redelivery check before the inbox (:mod:`storage.inbox`) took it over.

Nothing writes them any more; rows an earlier version wrote are forgotten with the inbox's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def forget_events_before(session: Session, cutoff: datetime) -> int:
    """Drop old event ids; platforms stop redelivering long before ``cutoff`` (days, not hours)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < cutoff))
    return int(result.rowcount or 0)
