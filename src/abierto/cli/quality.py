"""``abierto quality score``: score every dataset now and record today's history point."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

quality_app = typer.Typer(help="Quality and openness scores.", no_args_is_help=True)
console = Console()


@quality_app.command("score")
def score() -> None:
    """Score the whole catalog (run it daily, e.g. from cron or a systemd timer)."""
    from abierto.app_context import AppContext
    from abierto.catalog.models import utcnow
    from abierto.quality.scoring import weights_from
    from abierto.quality.services import score_catalog
    from abierto.settings import load_settings

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
    from abierto.settings import load_settings

    context = AppContext.create(load_settings())
    try:
        with context.db.session() as session:
            made = send_reminders(session, utcnow())
    finally:
        context.close()
    console.print(f"{made} notifications")


@quality_app.command("check-links")
def check_links_command(
    limit: Annotated[int, typer.Option(help="At most this many links per run.")] = 1000,
) -> None:
    """Check the link resources that are due (never checked, or not in the last day)."""
    from abierto.app_context import AppContext
    from abierto.catalog.models import utcnow
    from abierto.quality.links import Checker, check_links
    from abierto.settings import load_settings

    settings = load_settings()
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            rows = check_links(
                session, Checker(allow_private=settings.fetch_allow_private), utcnow(), limit=limit
            )
    finally:
        context.close()
    console.print(f"{len(rows)} links checked, {sum(not r.ok for r in rows)} broken")
