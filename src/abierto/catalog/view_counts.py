"""Dataset page views, added up in memory and written a few at a time.

Counting a view inside the page's own transaction held the dataset's row locked until the
page was rendered, so concurrent views of one dataset waited for each other across web
processes on PostgreSQL. Here each process keeps the views it saw and adds them to
``dataset.view_count`` in one short transaction at most every ``interval`` seconds (and when
the process stops): a crash loses at most those seconds of views, a count no one audits.

The statement names ``view_count`` only. A view is not a modification, and an UPDATE that
sets ``modified_at`` (even to itself) fires the search-generation trigger, which would make
every process rebuild its search snapshot after every page view.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from sqlalchemy import text

from abierto.db import Database

log = logging.getLogger(__name__)
ADD_VIEWS = text("UPDATE dataset SET view_count = view_count + :views WHERE id = :id")


class ViewCounter:
    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._next_flush = time.monotonic() + interval

    def add(self, dataset_id: str) -> None:
        """One more view of ``dataset_id``; written now if the interval has passed."""
        with self._lock:
            self._pending[dataset_id] += 1
            due = time.monotonic() >= self._next_flush
        if due:
            try:
                self.flush()
            except Exception:  # the page is served all the same; the views wait their turn
                log.warning("could not write dataset views", exc_info=True)

    def flush(self) -> None:
        """Write every pending view (one UPDATE per dataset, one transaction)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._next_flush = time.monotonic() + self.interval
        if not pending:
            return
        rows = [{"id": dataset_id, "views": n} for dataset_id, n in sorted(pending.items())]
        try:
            with self.db.session() as session:
                session.execute(ADD_VIEWS, rows)
        except Exception:
            with self._lock:  # keep them for the next try
                self._pending.update(pending)
            raise
