"""Email delivery of notifications, after the fact and at most once each.

``send_pending`` mails every notification not yet emailed to its (active) user, in the user's
language, through the SMTP server ``settings.smtp_url`` names, and records ``emailed_at`` or
the error. It runs as the ``notify.send_email`` job or ``abierto notify send``; producers only
insert rows, so a slow mail server never holds a request.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.catalog.models import utcnow
from abierto.jobs.registry import handler
from abierto.notify.models import Notification
from abierto.settings import Settings

if TYPE_CHECKING:
    from abierto.app_context import AppContext

FOOTER = {
    "es": "Recibes este aviso por tu cuenta en abierto. Todos tus avisos: {url}",
    "en": "You get this notice through your abierto account. All your notices: {url}",
}


def connect(smtp_url: str, timeout: float = 30) -> smtplib.SMTP:
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"ABIERTO_SMTP_URL must start with smtp:// or smtps://, not {smtp_url!r}")
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout)
    else:
        server = smtplib.SMTP(host, port or 25, timeout=timeout)
        if parse_qs(parts.query).get("starttls") == ["true"]:
            server.starttls()
    if parts.username:
        server.login(unquote(parts.username), unquote(parts.password or ""))
    return server


def message(settings: Settings, user: User, item: Notification, base_url: str) -> EmailMessage:
    lang = "en" if user.language == "en" else "es"
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = user.email
    mail["Subject"] = item.subject
    link = f"{base_url}{item.url}" if item.url else ""
    feed = FOOTER[lang].format(url=f"{base_url}/account/notifications")
    mail.set_content("\n\n".join(part for part in (item.body, link, feed) if part))
    return mail


def send_pending(
    session: Session, settings: Settings, *, base_url: str = "", limit: int = 500
) -> tuple[int, int]:
    """Mail up to ``limit`` pending notifications; returns (sent, failed)."""
    if not settings.smtp_url:
        return 0, 0
    rows = session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.email_error == "")
        .where(User.is_active.is_(True))
        .order_by(Notification.created_at)
        .limit(limit)
    ).all()
    if not rows:
        return 0, 0
    sent = failed = 0
    with connect(settings.smtp_url) as server:
        for item, user in rows:
            try:
                server.send_message(message(settings, user, item, base_url))
            except smtplib.SMTPException as exc:
                item.email_error = f"{type(exc).__name__}: {exc}"[:500]
                failed += 1
            else:
                item.emailed_at = utcnow()
                sent += 1
            session.flush()
    return sent, failed


@handler("notify.send_email")
def send_email_job(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    with context.db.session() as session:
        sent, failed = send_pending(
            session, context.settings, base_url=str(payload.get("base_url", ""))
        )
    return {"sent": sent, "failed": failed}
