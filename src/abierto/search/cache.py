"""A per-process cache of search results, exact: it keys on the database's search generation.

Triggers (migration 0005) bump ``search_generation.value`` in the transaction of every write
that can change a result — a dataset's text, visibility, organization, licence, frequency,
tags, themes or formats, or a label — so an entry of an older generation is never read again.
The actor is part of the key (visibility differs per reader). If the triggers are missing
(e.g. a table rebuilt without them), the cache is bypassed rather than trusted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from abierto.accounts.permissions import Actor
from abierto.search.facets import FacetValue

SIZE = 1024
TRIGGERS = {"sqlite": 21, "postgresql": 7}
COUNT_TRIGGERS = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
    "AND name LIKE 'search_generation_%'",
    "postgresql": "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'search_generation_%' "
    "AND tgenabled <> 'D'",
}


@dataclass(frozen=True, slots=True)
class CachedResult:
    total: int
    facets: dict[str, list[FacetValue]]
    ids: list[str]


_entries: OrderedDict[Hashable, CachedResult] = OrderedDict()
_lock = threading.Lock()


def generation(session: Session) -> tuple[str, int] | None:
    """The database's (token, generation), or None when results must not be cached."""
    dialect = session.get_bind().dialect.name
    if dialect not in TRIGGERS:
        return None
    row = session.execute(
        text(f"SELECT token, value, ({COUNT_TRIGGERS[dialect]}) FROM search_generation")
    ).first()
    if row is None or row[2] != TRIGGERS[dialect]:
        return None
    return str(row[0]), int(row[1])


def actor_key(actor: Actor) -> Hashable:
    return (actor.user_id, actor.is_site_admin, tuple(sorted(actor.roles.items())))


def get(key: Hashable) -> CachedResult | None:
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
        return found


def put(key: Hashable, result: CachedResult) -> None:
    with _lock:
        _entries[key] = result
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()


def bump(session: Session) -> None:
    """Mark every cached result stale, for a change the triggers do not watch (scores)."""
    session.execute(text("UPDATE search_generation SET value = value + 1 WHERE id = 1"))
