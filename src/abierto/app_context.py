"""The services one process needs, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from abierto.catalog.view_counts import ViewCounter
from abierto.db import Database
from abierto.jobs.interface import JobQueue
from abierto.search.service import ensure_index
from abierto.settings import Settings
from abierto.storage import BlobStore, blob_store


@dataclass(slots=True)
class AppContext:
    settings: Settings
    db: Database
    store: BlobStore
    _jobs: JobQueue | None = field(default=None, repr=False)
    _views: ViewCounter | None = field(default=None, repr=False)

    @property
    def jobs(self) -> JobQueue:
        """The job queue ``settings.queue_url`` names, started on first use."""
        if self._jobs is None:
            self._jobs = make_queue(self)
        return self._jobs

    @property
    def views(self) -> ViewCounter:
        """Dataset page views on their way to the database (see catalog.view_counts)."""
        if self._views is None:
            self._views = ViewCounter(self.db, self.settings.view_flush_seconds)
        return self._views

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        settings.home.mkdir(parents=True, exist_ok=True)
        db = Database(settings)
        if db.engine.dialect.name == "sqlite":
            # The embedded default migrates itself; production runs `abierto db upgrade`.
            db.upgrade()
        with db.session() as session:
            ensure_index(session)
        return cls(settings, db, blob_store(settings.storage_url, settings))

    def close(self) -> None:
        if self._views is not None:
            self._views.flush()
        if self._jobs is not None:
            self._jobs.close()
        self.db.dispose()


def make_queue(context: AppContext) -> JobQueue:
    url = context.settings.queue_url
    if url.startswith("inprocess"):
        from abierto.jobs.inprocess import InProcessQueue

        return InProcessQueue(context)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from abierto.jobs.rq_backend import RqQueue

        return RqQueue(context, url)
    raise ValueError(f"unsupported queue URL {url!r}: use inprocess:// or redis://host:6379/0")
