"""Notifications in the database: one per user, deduplicated, read state."""

from __future__ import annotations

from abierto.accounts.services import create_user
from abierto.app_context import AppContext
from abierto.notify import services

PASSWORD = "caballo correcto batería grapa"


def _users(context: AppContext, *names: str) -> list[str]:
    with context.db.session() as session:
        ids = [create_user(session, n, f"{n}@example.org", PASSWORD).id for n in names]
        session.commit()
    return ids


def test_one_notification_per_user_and_dedup_key(context: AppContext) -> None:
    ana, beto = _users(context, "ana", "beto")
    with context.db.session() as session:
        made = services.notify(
            session, [ana, beto, ana], kind="census.review", subject="Revisar", dedup_key="k1"
        )
        assert len(made) == 2
        again = services.notify(
            session, [ana, beto], kind="census.review", subject="Otra vez", dedup_key="k1"
        )
        assert again == []
        other = services.notify(
            session, [ana], kind="census.review", subject="Nuevo", dedup_key="k2"
        )
        assert len(other) == 1
        session.commit()
    with context.db.session() as session:
        assert sorted(n.subject for n in services.feed(session, ana)) == ["Nuevo", "Revisar"]
        assert services.unread_count(session, ana) == 2
        assert services.unread_count(session, beto) == 1


def test_without_dedup_key_every_call_notifies(context: AppContext) -> None:
    [ana] = _users(context, "ana")
    with context.db.session() as session:
        services.notify(session, [ana], kind="x", subject="uno")
        services.notify(session, [ana], kind="x", subject="dos")
        session.commit()
        assert services.unread_count(session, ana) == 2


def test_mark_read_touches_only_the_users_own(context: AppContext) -> None:
    ana, beto = _users(context, "ana", "beto")
    with context.db.session() as session:
        [mine] = services.notify(session, [ana], kind="x", subject="uno")
        services.notify(session, [ana, beto], kind="x", subject="dos")
        session.commit()
        assert services.mark_read(session, beto, [mine.id]) == 0
        assert services.mark_read(session, ana, [mine.id]) == 1
        session.commit()
        assert services.unread_count(session, ana) == 1
        assert services.mark_read(session, ana) == 1
        session.commit()
        assert services.unread_count(session, ana) == 0
        assert services.unread_count(session, beto) == 1
