from sqlalchemy import inspect

from storage.db import Database


def test_migrations_create_every_table_from_empty_and_are_idempotent(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        database.upgrade()  # a second run is a no-op, not an error
        tables = set(inspect(database.engine).get_table_names())
        assert {
            "workspaces",
            "people",
            "departments",
            "department_members",
            "launches",
            "checklist_items",
            "tasks",
            "task_events",
            "digest_schedules",
            "notifications",
            "processed_events",
            "alembic_version",
        } <= tables
    finally:
        database.dispose()
