"""Notification emails through a real SMTP server: once each, in the user's language."""

from __future__ import annotations

from abierto.accounts.services import create_user
from abierto.app_context import AppContext
from abierto.notify import services
from abierto.notify.mail import send_pending
from abierto.notify.models import Notification
from tests.notify.smtp import smtp_server

PASSWORD = "caballo correcto batería grapa"


def test_pending_notifications_are_mailed_once(context: AppContext) -> None:
    with context.db.session() as session:
        ana = create_user(session, "ana", "ana@example.org", PASSWORD)
        bob = create_user(session, "bob", "bob@example.org", PASSWORD)
        bob.language = "en"
        gone = create_user(session, "gone", "gone@example.org", PASSWORD)
        gone.is_active = False
        services.notify(
            session, [ana.id, bob.id, gone.id], kind="x", subject="Revisa Zapopan", url="/census"
        )
        session.commit()
    with smtp_server() as (url, inbox):
        context.settings.smtp_url = url
        with context.db.session() as session:
            sent = send_pending(session, context.settings, base_url="https://datos.example")
        assert sent == (2, 0)
        with context.db.session() as session:
            assert send_pending(session, context.settings) == (0, 0)  # nothing twice
    assert sorted(m["To"] for m in inbox.messages) == ["ana@example.org", "bob@example.org"]
    by_to = {m["To"]: m.get_content() for m in inbox.messages}
    assert "https://datos.example/census" in by_to["ana@example.org"]
    assert "Todos tus avisos" in by_to["ana@example.org"]
    assert "All your notices" in by_to["bob@example.org"]
    with context.db.session() as session:
        pending = session.query(Notification).filter(Notification.emailed_at.is_(None)).all()
        assert [n.user_id for n in pending] == [gone.id]  # inactive users get no email


def test_without_an_smtp_url_nothing_is_sent(context: AppContext) -> None:
    with context.db.session() as session:
        ana = create_user(session, "ana", "ana@example.org", PASSWORD)
        services.notify(session, [ana.id], kind="x", subject="Hola")
        assert send_pending(session, context.settings) == (0, 0)
