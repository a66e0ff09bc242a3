"""``abierto quality score``: score every dataset now and record today's history point."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from abierto.settings import load_settings

quality_app = typer.Typer(help="Quality and openness scores.", no_args_is_help=True)
console = Console()


@quality_app.command("score")
def score() -> None:
    """Score the whole catalog (run it daily, e.g. from cron or a systemd timer)."""
    from abierto.app_context import AppContext
    from abierto.catalog.models import utcnow
    from abierto.quality.scoring import weights_from
    from abierto.quality.services import score_catalog

    settings = load_settings()
    context = AppContext.create(settings)
    started = time.perf_counter()
    try:
        with context.db.session() as session:
            count = score_catalog(session, utcnow(), weights_from(settings.quality_weights))
    finally:
        context.close()
    console.print(f"{count} datasets scored in {time.perf_counter() - started:.1f} s")


@quality_app.command("remind")
def remind() -> None:
    """Notify editors of overdue and soon-due datasets (once per period); run it daily."""
    from abierto.app_context import AppContext
    from abierto.catalog.models import utcnow
    from abierto.quality.reminders import send_reminders

    context = AppContext.create(load_settings())
    try:
        with context.db.session() as session:
            made = send_reminders(session, utcnow())
    finally:
        context.close()
    console.print(f"{made} notifications")
