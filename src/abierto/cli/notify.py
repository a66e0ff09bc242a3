"""``abierto notify send``: email the notifications not yet emailed (needs ABIERTO_SMTP_URL)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

notify_app = typer.Typer(help="Notifications.", no_args_is_help=True)
console = Console()


@notify_app.command("send")
def send(
    base_url: Annotated[str, typer.Option(help="The portal's public address, for links.")] = "",
) -> None:
    """Send pending notification emails (run it every few minutes)."""
    from abierto.app_context import AppContext
    from abierto.notify.mail import send_pending
    from abierto.settings import load_settings

    settings = load_settings()
    if not settings.smtp_url:
        console.print("ABIERTO_SMTP_URL is not set: notifications stay in the feed.")
        return
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            sent, failed = send_pending(session, settings, base_url=base_url.rstrip("/"))
    finally:
        context.close()
    console.print(f"{sent} sent, {failed} failed")
