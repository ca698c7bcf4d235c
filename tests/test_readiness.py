"""``GET /readyz``: 503 while the database is unreachable or its migrations are behind; 200 when ready."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from starlette.testclient import TestClient

from bot.server import build_asgi_app
from storage.db import Database, _alembic_config


def test_ready_when_the_schema_is_current(db: Database) -> None:
    with TestClient(build_asgi_app(db)) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json() == {"status": "ready"}


def test_unready_while_migrations_are_behind(database_url: str) -> None:
    database = Database(database_url)
    try:
        config = _alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
        with TestClient(build_asgi_app(database)) as client:
            behind = client.get("/readyz")
            database.upgrade()
            ready = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["migrations"] == "behind" and behind.json()["at"] == ["0006"]
        assert ready.status_code == 200
    finally:
        database.dispose()


def test_unready_while_the_database_is_unreachable(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")  # its directory does not exist
    with TestClient(build_asgi_app(database)) as client:
        answer = client.get("/readyz")
        health = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["database"] == "unreachable"
    assert health.status_code == 503
