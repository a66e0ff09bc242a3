"""Reminders: overdue and soon-due datasets notify their organization's editors and admins,
at most once per period (the dedup key names the dataset, the status and the due date, so
the next period — a new due date — may remind again)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.models import Membership
from abierto.catalog.models import Dataset, utcnow
from abierto.jobs.registry import handler
from abierto.notify.services import notify
from abierto.quality.freshness import dataset_freshness

if TYPE_CHECKING:
    from abierto.app_context import AppContext

SUBJECTS = {
    "overdue": "Actualización atrasada / overdue update: {title} ({days} días / days)",
    "due_soon": "Actualización próxima / update due soon: {title} ({due})",
    "never_updated": "Sin actualizar / never updated: {title}",
}


def send_reminders(session: Session, now: dt.datetime) -> int:
    """Notify for every scheduled dataset that is late or nearly so; returns how many
    notifications were created (0 on a second run in the same period)."""
    made = 0
    datasets = session.scalars(select(Dataset).where(Dataset.frequency.is_not(None))).all()
    for dataset in datasets:
        fresh = dataset_freshness(session, dataset, now)
        if fresh.status not in SUBJECTS or fresh.due_at is None:
            continue
        editors = session.scalars(
            select(Membership.user_id).where(
                Membership.organization_id == dataset.organization_id,
                Membership.role.in_(("editor", "admin")),
            )
        ).all()
        due = fresh.due_at.date().isoformat()
        subject = SUBJECTS[fresh.status].format(
            title=dataset.title, days=fresh.days_overdue, due=due
        )
        made += len(
            notify(
                session,
                editors,
                kind=f"quality.{fresh.status}",
                subject=subject,
                url=f"/datasets/{dataset.slug}",
                dedup_key=f"quality.{fresh.status}:{dataset.id}:{due}",
            )
        )
    return made


@handler("quality.reminders")
def reminders_job(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    with context.db.session() as session:
        return {"notifications": send_reminders(session, utcnow())}
