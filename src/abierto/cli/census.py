"""``abierto census …``: load a shipped census, start a new edition, list editions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

census_app = typer.Typer(help="Open Data Census editions.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@contextmanager
def _session() -> Iterator[Session]:
    """A committed session; census errors exit with code 2 and their message."""
    from abierto.app_context import AppContext
    from abierto.census.workflow import CensusError
    from abierto.settings import load_settings

    context = AppContext.create(load_settings())
    try:
        with context.db.session() as session:
            yield session
    except CensusError as exc:
        errors.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        context.close()


@census_app.command("templates")
def list_templates() -> None:
    """The censuses abierto ships (use one with `abierto census load`)."""
    from abierto.census.templates import TEMPLATES, template

    table = Table("template", "datasets", "name")
    for name in TEMPLATES:
        data = template(name)
        table.add_row(name, str(len(data["dataset_types"])), escape(data["name_es"]))
    console.print(table)


@census_app.command("load")
def load(
    name: Annotated[str, typer.Argument(help="mx-local, anticorrupcion or godi-nacional")],
    year: Annotated[int, typer.Option(help="The edition's year.")] = dt.date.today().year,
    scheme: Annotated[
        str | None, typer.Option(help="Question set: godi-2016 (default) or godi-2013.")
    ] = None,
) -> None:
    """Create a census edition from a shipped template, with its places."""
    from abierto.census.templates import load_template

    with _session() as session:
        census = load_template(session, name, year, scheme=scheme)
        console.print(f"{census.slug}: {len(census.dataset_types)} datasets, {census.scheme}")


@census_app.command("new-edition")
def new_edition(
    previous: Annotated[str, typer.Argument(help="Slug of the earlier edition.")],
    year: Annotated[int, typer.Option(help="The new edition's year.")],
) -> None:
    """Start next year's edition from an earlier one (same questions, datasets, places)."""
    from sqlalchemy import select

    from abierto.census.models import Census
    from abierto.census.templates import new_edition as start
    from abierto.census.workflow import CensusError

    with _session() as session:
        earlier = session.scalar(select(Census).where(Census.slug == previous))
        if earlier is None:
            raise CensusError("census.error.unknown", f"no census {previous!r}")
        census = start(session, earlier, year)
        console.print(f"{census.slug}: from {earlier.slug}")


@census_app.command("list")
def list_censuses() -> None:
    """Every edition with its ranking leader."""
    from sqlalchemy import select

    from abierto.census.models import Census
    from abierto.census.scoring import ranking

    with _session() as session:
        table = Table("slug", "year", "datasets", "places", "leader")
        for census in session.scalars(select(Census).order_by(Census.year.desc(), Census.slug)):
            rows = ranking(session, census)
            leader = f"{rows[0].place.name} ({rows[0].score:g})" if rows else "—"
            table.add_row(
                escape(census.slug),
                str(census.year),
                str(len(census.dataset_types)),
                str(len(rows)),
                escape(leader),
            )
        console.print(table)
