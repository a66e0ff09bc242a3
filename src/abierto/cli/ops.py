"""Operations commands: ``abierto gc``, ``abierto backup``, ``abierto restore``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from abierto.db import Database
    from abierto.settings import Settings
    from abierto.storage import BlobStore

console = Console()
errors = Console(stderr=True)


def _open(settings: Settings) -> tuple[Database, BlobStore]:
    from abierto.db import Database
    from abierto.storage import blob_store

    settings.home.mkdir(parents=True, exist_ok=True)
    database = Database(settings)
    if database.engine.dialect.name == "sqlite":
        database.upgrade()  # the embedded default migrates itself, as the app does
    return database, blob_store(settings.storage_url, settings)


def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would go.")] = False,
    grace_hours: Annotated[
        float, typer.Option(min=0, help="Never remove anything younger than this.")
    ] = 24,
) -> None:
    """Delete blobs no release references and stale scratch files, older than the grace."""
    from abierto.ops.gc import collect
    from abierto.settings import load_settings

    settings = load_settings()
    database, store = _open(settings)
    try:
        with database.session() as session:
            staged = settings.staged_upload_hours
            report = collect(
                session, store, settings.scratch_dir, grace_hours, dry_run, staged_hours=staged
            )
    finally:
        database.dispose()
    verb = "would remove" if dry_run else "removed"
    # Plain lines (no wrapping): operators grep and pipe this output.
    for key in report.blobs:
        typer.echo(f"{verb} blob {key}")
    for path in report.scratch:
        typer.echo(f"{verb} scratch {path}")
    typer.echo(
        f"{verb} {len(report.blobs)} blobs ({report.bytes_freed} bytes) and "
        f"{len(report.scratch)} scratch entries; kept {report.kept_young} young unreferenced "
        "blobs"
    )


def backup(dest_dir: Path) -> None:
    """Write a portable backup (metadata as JSON lines, blobs, manifest) into DEST_DIR."""
    from abierto.ops.backup import backup as take_backup
    from abierto.ops.manifest import BackupError
    from abierto.settings import load_settings

    settings = load_settings()
    database, store = _open(settings)
    try:
        manifest = take_backup(database.engine, store, dest_dir)
    except BackupError as exc:
        errors.print(f"[bold red]Error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        database.dispose()
    rows = sum(t["rows"] for t in manifest["tables"])
    console.print(
        f"backup written to {dest_dir}: {rows} rows in {len(manifest['tables'])} tables, "
        f"{len(manifest['blobs'])} blobs, schema revision {manifest['alembic_revision']}",
        highlight=False,
    )


def restore(
    src_dir: Path,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the contents of a non-empty database.")
    ] = False,
) -> None:
    """Verify the backup in SRC_DIR, then load it into the configured database and store."""
    from abierto.ops.manifest import BackupError
    from abierto.ops.restore import restore as do_restore
    from abierto.settings import load_settings

    settings = load_settings()
    database, store = _open(settings)
    try:
        manifest = do_restore(database.engine, store, src_dir, force=force)
    except BackupError as exc:
        errors.print(f"[bold red]Error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        database.dispose()
    rows = sum(t["rows"] for t in manifest["tables"])
    console.print(
        f"restored {rows} rows and {len(manifest['blobs'])} blobs from {src_dir}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the operations commands to the ``abierto`` command."""
    app.command()(gc)
    app.command()(backup)
    app.command()(restore)
