"""Readable terminal output for the CLI (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from abierto.ingest.pipeline import TableResult

MAX_ERRORS_SHOWN = 20


@contextmanager
def progress(console: Console, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A live line showing the current step and the time spent; silent when disabled."""
    if not enabled:
        yield lambda _step: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("…", total=None)
        yield lambda step: bar.update(task, description=step)


def _short(value: Any, width: int = 28) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def table_result(console: Console, table: TableResult) -> None:
    detected = ", ".join(f"{k}={v!r}" for k, v in table.source.detected.items())
    console.print(
        Panel(
            f"[bold]{table.name}[/]: {table.row_count:,} filas / rows, "
            f"{len(table.columns)} columnas / columns\n[dim]{detected}[/]",
            title="abierto inspect",
        )
    )
    for note in table.source.notes:
        console.print(f"[dim]nota ({note.position}, fila {note.row}): {_short(note.text, 100)}[/]")
    columns = Table("name", "title", "type", "nulls", "distinct", "min", "max", "sample")
    for c in table.columns:
        p = c.profile
        columns.add_row(
            c.name, _short(c.title), f"{c.type}", f"{p.get('null_count', '')}",
            f"{p.get('distinct_count', '')}", _short(p.get("min"), 16), _short(p.get("max"), 16),
            _short(", ".join(map(str, p.get("sample", [])[:3])), 30),
        )  # fmt: skip
    console.print(columns)
    report = table.report.to_dict(table.row_count)
    style = "green" if report["valid"] else "yellow"
    console.print(f"[{style}]{report['summary']['es']}[/]\n[dim]{report['summary']['en']}[/]")
    if report["errors"]:
        errors = Table("type", "row", "column", "message")
        for e in report["errors"][:MAX_ERRORS_SHOWN]:
            errors.add_row(
                e["type"], str(e["row"] or ""), _short(e["column"]), _short(e["message"], 70)
            )
        console.print(errors)
        if len(report["errors"]) > MAX_ERRORS_SHOWN:
            console.print(f"[dim]… use --json for all {report['error_count']:,} errors[/]")


def publish_result(console: Console, document: dict[str, Any], tables: list[TableResult]) -> None:
    if document["unchanged"]:
        console.print(
            f"[green]Sin cambios:[/] el archivo ya es la versión vigente de "
            f"«{document['dataset']}» / unchanged: already the current release."
        )
        return
    for table in tables:
        table_result(console, table)
    for release in document["releases"]:
        console.print(
            f"[bold green]Publicado / published:[/] {document['dataset']} / {release['resource']} "
            f"versión {release['number']} ({release['row_count']:,} filas / rows)"
        )
        diff = release.get("diff")
        if diff:
            style = "red" if diff["breaking"] else "cyan"
            console.print(f"[{style}]{diff['summary']['es']} / {diff['summary']['en']}[/]")
            for change in diff["changes"]:
                flag = "[red]incompatible[/] " if change["breaking"] else ""
                console.print(f"  • {flag}{change['es']} / {change['en']}")
