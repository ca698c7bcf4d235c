"""What the migrations manage: our models' tables, not the ones libraries keep for themselves."""

from __future__ import annotations

from storage.models import Base


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Alembic filter: leave alone tables we do not model (slack_sdk's OAuth stores, migration 0003)."""
    return not (type_ == "table" and reflected and compare_to is None and name not in Base.metadata.tables)
