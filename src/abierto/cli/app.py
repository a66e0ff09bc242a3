"""The ``abierto`` command."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from abierto.cli import ops, render
from abierto.cli.census import census_app
from abierto.cli.harvest import harvest_app
from abierto.cli.notify import notify_app
from abierto.cli.quality import quality_app
from abierto.cli.users import users_app
from abierto.ingest.errors import UnreadableFileError

if TYPE_CHECKING:
    from abierto.ingest.readers import ReadOptions

app = typer.Typer(help="abierto: publica datos abiertos / publish open data.", no_args_is_help=True)
db_app = typer.Typer(help="Metadata database.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(census_app, name="census")
app.add_typer(quality_app, name="quality")
app.add_typer(harvest_app, name="harvest")
app.add_typer(notify_app, name="notify")
ops.register(app)
console = Console()
errors = Console(stderr=True)

EncodingOpt = Annotated[str | None, typer.Option(help="Force the encoding, e.g. windows-1252.")]
DelimiterOpt = Annotated[str | None, typer.Option(help="Force the delimiter.")]
HeaderOpt = Annotated[int | None, typer.Option(help="Force the header row (1-based).")]
SheetOpt = Annotated[str | None, typer.Option(help="Read only this sheet of a workbook.")]


def _options(
    encoding: str | None, delimiter: str | None, header_row: int | None, sheet: str | None
) -> ReadOptions | None:
    if not any((encoding, delimiter, header_row, sheet)):
        return None
    from abierto.ingest.readers import ReadOptions
    from abierto.settings import load_settings

    settings = load_settings()
    delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
    return ReadOptions(
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        sheet=sheet,
        workdir=str(settings.scratch_dir),
    )


def _fail(exc: Exception) -> None:
    errors.print(f"[bold red]Error:[/] {exc}")
    raise typer.Exit(2)


@app.command()
def inspect(
    file: Path,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    header_row: HeaderOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Dry run: every detection decision, the validation report and the profile."""
    from abierto.ingest.pipeline import inspect_file
    from abierto.settings import load_settings

    settings = load_settings()
    try:
        with render.progress(console, enabled=not as_json) as step:
            tables = inspect_file(
                file, settings, _options(encoding, delimiter, header_row, sheet), progress=step
            )
    except (UnreadableFileError, LookupError, ValueError) as exc:
        if as_json:
            print(json.dumps({"error": str(exc), "tables": []}, ensure_ascii=False))
            raise typer.Exit(2) from exc
        _fail(exc)
        return
    if as_json:
        document = {"file": str(file), "tables": [t.to_dict() for t in tables]}
        json.dump(document, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return
    for table in tables:
        render.table_result(console, table)


@app.command()
def publish(
    file: Path,
    org: Annotated[str, typer.Option(help="Organization slug (created if new).")],
    dataset: Annotated[str, typer.Option(help="Dataset slug (created if new).")],
    title: Annotated[str | None, typer.Option(help="Dataset title.")] = None,
    rename: Annotated[
        list[str] | None,
        typer.Option(help="Confirm a rename NEW=OLD so a column keeps its earlier name."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    header_row: HeaderOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Publish FILE as a new release of the dataset (nothing changes if it fails)."""
    from abierto.ingest.hashing import start_sha256

    if file.is_file():
        start_sha256(file)  # while the publishing code loads
    from abierto.app_context import AppContext
    from abierto.ingest.publish import PublishRequest, publish
    from abierto.settings import load_settings

    renames = dict(r.split("=", 1) for r in rename or [] if "=" in r)
    request = PublishRequest(
        path=file,
        organization=org,
        dataset=dataset,
        title=title,
        renames=renames,
        options=_options(encoding, delimiter, header_row, sheet),
    )
    context = AppContext.create(load_settings())
    try:
        with render.progress(console, enabled=not as_json) as step, context.db.session() as s:
            result = publish(s, context.settings, context.store, request, progress=step)
            document = result.to_dict()
    except (UnreadableFileError, LookupError, ValueError) as exc:
        _fail(exc)
        return
    finally:
        context.close()
    if as_json:
        print(json.dumps(document, ensure_ascii=False, default=str))
    else:
        render.publish_result(console, document, result.tables)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from abierto.db import Database
    from abierto.settings import load_settings

    database = Database(load_settings())
    database.upgrade()
    database.dispose()
    console.print("[green]Base de datos al día / database up to date.[/]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes (production: one per core).")] = 1,
) -> None:
    """Start the web portal and API."""
    import uvicorn

    from abierto.observability.logging import configure_logging, logging_config
    from abierto.observability.multiprocess import shared_metrics
    from abierto.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)  # every line in one format
    log = logging.getLogger("abierto.serve")
    if workers > 1 and settings.database_url.startswith("sqlite"):
        log.warning("several processes on SQLite: use PostgreSQL in production")
    log.info("abierto en / at http://%s:%d/", host, port)
    with shared_metrics(workers):  # web processes add up their metrics in one folder
        uvicorn.run(
            "abierto.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logging_config(settings.log_format, settings.log_level),
            log_level=settings.log_level,
            access_log=False,  # abierto logs one line per request, with its id
            proxy_headers=True,
        )


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Stop when the queue is empty.")] = False,
    name: Annotated[str | None, typer.Option(help="Worker name shown in the admin.")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Run background jobs from the Redis queue (production mode)."""
    from abierto.app_context import AppContext
    from abierto.jobs.rq_backend import run_worker
    from abierto.observability.logging import configure_logging
    from abierto.settings import load_settings

    settings = load_settings()
    if not settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
        _fail(
            ValueError(
                "the embedded default runs jobs inside `abierto serve`; "
                "set ABIERTO_QUEUE_URL=redis://host:6379/0 to run separate workers"
            )
        )
        return
    configure_logging(settings.log_format, settings.log_level)
    if metrics_port is not None:
        from abierto.observability.metrics import serve_worker_metrics

        serve_worker_metrics(metrics_port)
    context = AppContext.create(settings)
    try:
        run_worker(context, settings.queue_url, burst=burst, name=name)
    finally:
        context.close()


@app.command()
def demo() -> None:
    """Load the demo catalog: organizations, themes, a dozen datasets, two accounts
    (idempotent)."""
    from abierto.demo import load_demo
    from abierto.settings import load_settings

    try:
        for line in load_demo(load_settings()):
            console.print(line)
    except ValueError as exc:
        _fail(exc)


def main() -> None:
    app()
