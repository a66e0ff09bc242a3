"""ZIP archives: every member in a supported format is read by the format dispatcher.

Zip bombs are refused before and during extraction: the declared sizes and compression
ratios are checked from the central directory, then the bytes actually written are counted
(headers can lie). Nested archives share one byte budget and may go two levels deep.

Members are extracted to a numbered folder under their base name (``0003/2019.csv``),
never to the path the archive gives, so ``../evil.json`` cannot write outside scratch.

Lifetime of the extracted files: tables are staged after ``read_zip`` returns, and some
readers read their file only then (CSV's staged relation is a view over DuckDB's scan of
the file; NDJSON streams it again). So the scratch
:class:`~tempfile.TemporaryDirectory` is owned by the returned tables: their callables hold
a reference to it, and :meth:`SourceTable.close` of the last of them removes it. Tables
never closed release it when garbage-collected (or at interpreter exit). This keeps big
members on disk, not in memory. If reading fails, the directory is removed at once.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import duckdb
import pyarrow as pa

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions
from abierto.ingest.source import SourceTable

MAX_DEPTH = 2  # an archive inside an archive is fine; one more level is refused
RATIO_FLOOR = 1 << 20  # members smaller than this are not held to the ratio limit
CHUNK = 1 << 20
SUPPORTED = {
    ".csv", ".tsv", ".txt", ".tab", ".dat",
    ".xlsx", ".xlsm", ".xls", ".ods",
    ".json", ".geojson", ".ndjson", ".jsonl",
    ".pdf", ".zip",
}  # fmt: skip


class ZipLimitError(UnreadableFileError):
    """A zip-bomb guard tripped; never skipped as a mere unreadable member."""


@dataclass(slots=True)
class _Budget:
    """Bytes still allowed to be extracted, shared by an archive and those nested in it."""

    remaining: int


# While an archive's members are read: the shared budget and how deep we are.
_STATE: ContextVar[tuple[_Budget, int] | None] = ContextVar("abierto_zip_state", default=None)


def read_zip(path: Path, options: ReadOptions) -> list[SourceTable]:
    state = _STATE.get()
    depth = 1 if state is None else state[1] + 1
    if depth > MAX_DEPTH:
        raise ZipLimitError(str(path), f"ZIP archives nested deeper than {MAX_DEPTH} levels")
    budget = _Budget(options.max_unzipped_bytes) if state is None else state[0]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(str(path), f"damaged ZIP archive: {exc}") from exc
    with archive:
        members = _members(archive, path, options, budget)
        scratch = tempfile.TemporaryDirectory(prefix="abierto-zip-", dir=options.workdir)
        token = _STATE.set((budget, depth))
        try:
            tables, failures = _read_members(archive, path, members, Path(scratch.name), options)
        except BaseException:
            scratch.cleanup()
            raise
        finally:
            _STATE.reset(token)
    if not tables:
        scratch.cleanup()
        if failures:
            listed = "; ".join(f"{name}: {reason}" for name, reason in failures.items())
            raise UnreadableFileError(str(path), f"no member could be read ({listed})")
        raise UnreadableFileError(str(path), "the ZIP archive holds no file in a data format")
    for table in tables:
        if failures:
            table.detected.setdefault("archive_unreadable", failures)
    return _owned(tables, scratch)


def _members(
    archive: zipfile.ZipFile, path: Path, options: ReadOptions, budget: _Budget
) -> list[zipfile.ZipInfo]:
    """The members worth reading, after the checks the central directory allows."""
    infos = archive.infolist()
    if len(infos) > options.max_zip_members:
        raise ZipLimitError(
            str(path),
            f"the ZIP archive has {len(infos)} members, more than max_zip_members "
            f"({options.max_zip_members})",
        )
    members = [info for info in infos if _wanted(info)]
    declared = sum(info.file_size for info in members)
    if declared > budget.remaining:
        raise ZipLimitError(str(path), _too_big(options))
    for info in members:
        _check_ratio(path, info.filename, info.file_size, info.compress_size, options)
    return members


def _wanted(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    if info.is_dir() or not parts:
        return False
    if any(p == "__MACOSX" or (p.startswith(".") and p not in ("..", ".")) for p in parts):
        return False  # macOS resource forks, hidden files and folders
    return PurePosixPath(parts[-1]).suffix.lower() in SUPPORTED


def _too_big(options: ReadOptions) -> str:
    return (
        f"the ZIP archive expands to more than max_unzipped_bytes "
        f"({options.max_unzipped_bytes} bytes): refused as a possible zip bomb"
    )


def _check_ratio(path: Path, name: str, size: int, compressed: int, options: ReadOptions) -> None:
    if size < RATIO_FLOOR:
        return
    ratio = size / max(compressed, 1)
    if ratio > options.max_zip_ratio:
        raise ZipLimitError(
            str(path),
            f"member {name!r} is compressed {ratio:.0f}:1, over max_zip_ratio "
            f"({options.max_zip_ratio}): refused as a possible zip bomb",
        )


def _read_members(
    archive: zipfile.ZipFile,
    path: Path,
    members: list[zipfile.ZipInfo],
    scratch: Path,
    options: ReadOptions,
) -> tuple[list[SourceTable], dict[str, str]]:
    from abierto.ingest.readers import read_tables  # the dispatcher imports this module

    tables: list[SourceTable] = []
    failures: dict[str, str] = {}
    for index, info in enumerate(members, start=1):
        target = scratch / f"{index:04d}" / _safe_name(info.filename)
        try:
            _extract(archive, path, info, target, options)
            found = read_tables(target, options)
        except ZipLimitError as exc:
            raise ZipLimitError(str(path), f"member {info.filename!r}: {exc.message}") from exc
        except UnreadableFileError as exc:
            failures[info.filename] = exc.message
            continue
        tables += [_renamed(t, info.filename, len(found)) for t in found]
    return tables, failures


def _safe_name(name: str) -> str:
    """The member's base name, reduced to harmless characters; never a path."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(". ")
    return base or "member"


def _extract(
    archive: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo, target: Path, options: ReadOptions
) -> None:
    """Copy one member out, counting the bytes really written against the budget."""
    state = _STATE.get()
    assert state is not None
    budget = state[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as source, target.open("wb") as sink:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                budget.remaining -= len(chunk)
                if budget.remaining < 0:
                    raise ZipLimitError(str(path), _too_big(options))
                _check_ratio(path, info.filename, written, info.compress_size, options)
                sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an exotic compression.
        raise UnreadableFileError(info.filename, f"cannot extract: {exc}") from exc


def _renamed(table: SourceTable, member: str, count: int) -> SourceTable:
    """Prefix the table's name with the member path and record the member in ``detected``."""
    nested = table.detected.get("archive_member")
    if nested is None and count == 1:
        table.name = member
    else:
        table.name = f"{member}/{table.name}"
    table.detected["archive_member"] = f"{member}/{nested}" if nested else member
    return table


class _Scratch:
    """The extracted members' directory, removed once every table read from it is closed."""

    def __init__(self, directory: tempfile.TemporaryDirectory, tables: int) -> None:
        self.directory = directory
        self.open = tables

    def release(self) -> None:
        self.open -= 1
        if self.open <= 0:
            self.directory.cleanup()


class _Owner:
    """A member table's callables, holding the scratch directory while the table lives."""

    def __init__(self, table: SourceTable, scratch: _Scratch) -> None:
        self.table = table
        self.scratch = scratch

    def batches(self) -> Iterator[pa.RecordBatch]:
        assert self.table.batches is not None
        yield from self.table.batches()

    def stage_into(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        assert self.table.stage_into is not None
        self.table.stage_into(con, name)

    def close(self) -> None:
        self.table.close()
        self.scratch.release()


def _owned(tables: list[SourceTable], directory: tempfile.TemporaryDirectory) -> list[SourceTable]:
    scratch = _Scratch(directory, len(tables))
    owned = []
    for table in tables:
        owner = _Owner(table, scratch)
        owned.append(
            replace(
                table,
                batches=owner.batches if table.batches is not None else None,
                stage_into=owner.stage_into if table.stage_into is not None else None,
                closer=owner.close,
            )
        )
    return owned
