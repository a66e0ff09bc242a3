"""``abierto harvest``: remote CKAN and DCAT catalogs whose datasets this portal copies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

harvest_app = typer.Typer(help="Harvest remote CKAN and DCAT catalogs.", no_args_is_help=True)
console = Console()


@contextmanager
def _session() -> Iterator[Session]:
    """A committed session; a refused field exits with code 2 and the reason."""
    from abierto.app_context import AppContext
    from abierto.catalog.editing import EditError
    from abierto.settings import load_settings

    context = AppContext.create(load_settings())
    try:
        with context.db.session() as session:
            yield session
    except (EditError, ValueError) as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        context.close()


@harvest_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The portal (CKAN) or its data.json (DCAT).")],
    kind: Annotated[str, typer.Option("--kind", help="ckan or dcat")],
    org: Annotated[str, typer.Option("--org", help="The local organization (slug).")],
    title: Annotated[str, typer.Option("--title", help="A name for the source.")] = "",
) -> None:
    """Add a source; its datasets go into ORG (created if it does not exist)."""
    from abierto.catalog.services import get_or_create_organization
    from abierto.harvest.admin import add_source

    with _session() as session:
        organization = get_or_create_organization(session, org)
        source = add_source(session, url=url, kind=kind, organization=organization, title=title)
        source_id = source.id
    console.print(f"source {source_id} added")


@harvest_app.command("list")
def list_command() -> None:
    """Every source with its last run."""
    from abierto.harvest.admin import list_sources

    table = Table("id", "kind", "organization", "title", "url", "datasets", "last run", "status")
    with _session() as session:
        for row in list_sources(session):
            s = row.source
            when = s.last_run_at.strftime("%Y-%m-%d %H:%M") if s.last_run_at else "—"
            status = (s.last_status or "never") + ("" if s.active else " (inactive)")
            table.add_row(s.id, s.kind, row.organization.slug, s.title, s.url,
                          str(row.datasets), when, status)  # fmt: skip
    console.print(table)


@harvest_app.command("run")
def run(
    source_id: Annotated[str, typer.Argument(help="The source's id (see `harvest list`).")],
    full: Annotated[
        bool, typer.Option("--full", help="Read everything; withdraw what is gone.")
    ] = False,
) -> None:
    """Harvest one source now, in this process (for cron or a systemd timer)."""
    from abierto.app_context import AppContext
    from abierto.harvest.service import run_harvest
    from abierto.harvest.sources import SourceError
    from abierto.jobs.errors import NotRetryable
    from abierto.settings import load_settings

    context = AppContext.create(load_settings())
    try:
        counts = run_harvest(context, source_id, full=full)
    except (SourceError, NotRetryable) as exc:
        console.print(f"[red]harvest failed:[/red] {exc}")
        raise typer.Exit(1) from None
    finally:
        context.close()
    mode = "incremental" if counts.incremental else "full"
    console.print(
        f"{mode} run: {counts.created} created, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.withdrawn} withdrawn, {counts.skipped} skipped"
    )
    for reason in counts.reasons:
        console.print(f"  skipped {reason['id']}: {reason['reason']}", markup=False)
    if counts.capped:
        console.print("stopped at ABIERTO_HARVEST_MAX_DATASETS: nothing was withdrawn")
    elif not counts.complete:
        console.print("the source's listing was incomplete: nothing was withdrawn")


def _set_active(source_id: str, active: bool) -> None:
    from abierto.harvest.models import HarvestSource

    with _session() as session:
        source = session.get(HarvestSource, source_id)
        if source is not None:
            source.active = active
    if source is None:
        console.print(f"[red]no harvest source {source_id!r}[/red]")
        raise typer.Exit(1)
    console.print(f"source {source_id} {'enabled' if active else 'disabled'}")


@harvest_app.command("disable")
def disable(source_id: Annotated[str, typer.Argument(help="The source's id.")]) -> None:
    """Stop harvesting a source (its datasets stay as they are)."""
    _set_active(source_id, False)


@harvest_app.command("enable")
def enable(source_id: Annotated[str, typer.Argument(help="The source's id.")]) -> None:
    """Harvest a disabled source again."""
    _set_active(source_id, True)
