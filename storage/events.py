"""Processed platform events: a redelivered event id is recognised and changes nothing twice."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.models import ProcessedEvent


def insert_ignore(session: Session, model: type, values: dict[str, object]) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL; True when this call inserted."""
    statement = _insert_ignore_statement(model, session.get_bind().dialect.name)
    # Executed as a Core statement with the values as parameters: one cached compiled form per
    # model, not an ORM insert built and compiled per call (this runs while platforms wait).
    session.flush()  # as an ORM insert would: rows added to the session go first
    return session.connection().execute(statement, values).first() is not None


@functools.cache
def _insert_ignore_statement(model: type, dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    primary_key = model.__table__.primary_key.columns.values()[0]
    # RETURNING tells inserted from skipped on both databases; rowcount does not (it is -1
    # on PostgreSQL when SQLAlchemy adds RETURNING to an ORM insert).
    return insert(model.__table__).on_conflict_do_nothing().returning(primary_key)


def claim_event(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as handled; False when it already was (a redelivery)."""
    values = {"platform": platform, "event_id": event_id[:128], "at": now}
    return insert_ignore(session, ProcessedEvent, values)


def forget_events_before(session: Session, cutoff: datetime) -> int:
    """Drop old event ids; platforms stop redelivering long before ``cutoff`` (days, not hours)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < cutoff))
    return int(result.rowcount or 0)
