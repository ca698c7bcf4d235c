"""The services one process shares: settings, database, clock, core, messengers."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messenger import MessengerRegistry
from bot.settings import Settings
from handlers.clock import Clock
from handlers.core import Coordinator
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    coordinator: Coordinator
    messengers: MessengerRegistry = field(default_factory=MessengerRegistry)

    @classmethod
    def build(cls, settings: Settings, clock: Clock, *, migrate: bool = True) -> Services:
        db = Database(settings.database_url)
        if migrate:
            db.upgrade()
        coordinator = Coordinator(
            db,
            clock,
            default_timezone=settings.timezone,
            default_language=settings.language,
            admin_ids=settings.admin_ids,
            web=settings.web_access,
        )
        return cls(settings=settings, db=db, clock=clock, coordinator=coordinator)
