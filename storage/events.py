"""Processed platform events: a redelivered event id is recognised and changes nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def insert_ignore(session: Session, model: type, values: dict[str, object]) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL; True when this call inserted."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    primary_key = model.__table__.primary_key.columns.values()[0]
    # RETURNING tells inserted from skipped on both databases; rowcount does not (it is -1
    # on PostgreSQL when SQLAlchemy adds RETURNING to an ORM insert).
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(primary_key)
    return session.execute(statement).first() is not None


def claim_event(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as handled; False when it already was (a redelivery)."""
    values = {"platform": platform, "event_id": event_id[:128], "at": now}
    return insert_ignore(session, ProcessedEvent, values)


def forget_events_before(session: Session, cutoff: datetime) -> int:
    """Drop old event ids; platforms stop redelivering long before ``cutoff`` (days, not hours)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < cutoff))
    return int(result.rowcount or 0)
