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
            "launch_templates",
            "template_items",
            "launch_signoffs",
            "launch_events",
            "tasks",
            "task_events",
            "digest_schedules",
            "notifications",
            "processed_events",
            "alembic_version",
        } <= tables
    finally:
        database.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """Autogenerate against the migrated schema finds nothing to do: no model change lacks a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base
    from storage.schema import include_object

    database = Database(database_url)
    try:
        database.upgrade()
        with database.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": False}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


_UPGRADE = """
import sys
from storage.db import Database
sys.stdin.read(1)  # every process is started before any upgrades: they race
database = Database(sys.argv[1])
database.upgrade()
current, heads = database.schema_revisions()
print("current" if current == heads else f"behind {current} {heads}")
"""


def test_replicas_starting_together_on_a_fresh_database_migrate_once(database_url: str) -> None:
    """Four processes upgrade one new database at the same moment: all succeed, the schema is current."""
    import subprocess
    import sys

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _UPGRADE, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for process in processes:  # let them all go at once
        assert process.stdin is not None
        process.stdin.write("x")
        process.stdin.flush()
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, [err for _out, err in results]
    assert [out.strip() for out, _err in results] == ["current"] * 4
    database = Database(database_url)
    try:
        current, heads = database.schema_revisions()
        assert current == heads
    finally:
        database.dispose()


def test_the_newest_revisions_read_from_the_files_are_alembics_heads() -> None:
    """Start-up compares the database with heads read from the migration files without alembic."""
    from alembic.script import ScriptDirectory

    from storage.db import _alembic_config, _newest_revisions

    assert _newest_revisions() == set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def test_a_database_behind_is_upgraded_and_one_at_the_newest_is_left_alone(database_url: str) -> None:
    from alembic import command

    from storage.db import _alembic_config

    database = Database(database_url)
    try:
        database.upgrade()
        config = _alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "-1")
        current, heads = database.schema_revisions()
        assert current and current != heads
        database.upgrade()
        assert database.schema_revisions()[0] == heads
    finally:
        database.dispose()
