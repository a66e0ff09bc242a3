"""The services one process needs, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from abierto.db import Database
from abierto.settings import Settings
from abierto.storage import BlobStore, blob_store


@dataclass(slots=True)
class AppContext:
    settings: Settings
    db: Database
    store: BlobStore

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        settings.home.mkdir(parents=True, exist_ok=True)
        db = Database(settings)
        if db.engine.dialect.name == "sqlite":
            # The embedded default migrates itself; production runs `abierto db upgrade`.
            db.upgrade()
        return cls(settings, db, blob_store(settings.storage_url))

    def close(self) -> None:
        self.db.dispose()
