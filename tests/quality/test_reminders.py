"""Overdue datasets remind their editors once per period, by feed and by email."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from abierto.accounts.services import create_user, set_membership
from abierto.app_context import AppContext
from abierto.catalog.models import Organization, utcnow
from abierto.catalog.services import dataset_by_slug
from abierto.notify.mail import send_pending
from abierto.notify.models import Notification
from abierto.quality.reminders import send_reminders
from tests.notify.smtp import smtp_server
from tests.web.conftest import publish_csv

PASSWORD = "caballo correcto batería grapa"
CSV = "folio,monto\n1,10\n2,20\n"


def test_overdue_and_due_soon_remind_editors_once(context: AppContext, tmp_path: Path) -> None:
    publish_csv(context, tmp_path, "pagos", CSV, title="Pagos mensuales")
    publish_csv(context, tmp_path, "pagos", CSV + "3,30\n", title="Pagos mensuales")  # a series
    publish_csv(context, tmp_path, "sin-frecuencia", CSV, title="Otro")
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "pagos")
        assert dataset is not None
        dataset.frequency = "MONTHLY"
        org = session.scalar(select(Organization).where(Organization.slug == "zapopan"))
        assert org is not None
        for name, role in (("edi", "editor"), ("adm", "admin"), ("mem", "member")):
            user = create_user(session, name, f"{name}@example.org", PASSWORD)
            set_membership(session, user, org, role)
    now = utcnow()
    with context.db.session() as session:
        assert send_reminders(session, now + dt.timedelta(days=5)) == 0  # on time
        assert send_reminders(session, now + dt.timedelta(days=29)) == 2  # due soon
        assert send_reminders(session, now + dt.timedelta(days=40)) == 2  # overdue
        assert send_reminders(session, now + dt.timedelta(days=41)) == 0  # same period
        kinds = sorted(session.scalars(select(Notification.kind)))
        assert kinds == ["quality.due_soon"] * 2 + ["quality.overdue"] * 2
    with smtp_server() as (url, inbox), context.db.session() as session:
        context.settings.smtp_url = url
        assert send_pending(session, context.settings) == (4, 0)
    assert sorted({m["To"] for m in inbox.messages}) == ["adm@example.org", "edi@example.org"]
    assert any("Pagos mensuales" in m["Subject"] for m in inbox.messages)
