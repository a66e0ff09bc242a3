"""Create notifications, list a user's feed, mark them read.

Producers (census workflow, quality reminders) call ``notify`` inside their own transaction;
emails go out later through ``notify.mail.send_pending`` (a job), so a slow SMTP server never
holds a web request or a publish.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from abierto.catalog.models import utcnow
from abierto.notify.models import Notification


def notify(
    session: Session,
    user_ids: Iterable[str],
    *,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    dedup_key: str | None = None,
) -> list[Notification]:
    """One notification per user; with ``dedup_key``, users who already have it are skipped."""
    users = list(dict.fromkeys(user_ids))
    if dedup_key is not None and users:
        seen = session.scalars(
            select(Notification.user_id).where(
                Notification.dedup_key == dedup_key, Notification.user_id.in_(users)
            )
        )
        already = set(seen)
        users = [u for u in users if u not in already]
    created = [
        Notification(
            user_id=user_id,
            kind=kind,
            subject=subject[:300],
            body=body,
            url=url[:500],
            dedup_key=dedup_key,
        )
        for user_id in users
    ]
    session.add_all(created)
    session.flush()
    return created


def feed(session: Session, user_id: str, *, limit: int = 50) -> list[Notification]:
    """A user's newest notifications first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(session: Session, user_id: str) -> int:
    query = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return session.scalar(query) or 0


def mark_read(session: Session, user_id: str, notification_ids: Iterable[str] | None = None) -> int:
    """Mark some (or, with None, all) of a user's notifications read; returns how many."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    return session.execute(query.values(read_at=utcnow())).rowcount or 0
