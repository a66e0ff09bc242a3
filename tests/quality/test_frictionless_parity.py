"""abierto's validation finds every error frictionless-py finds, at the same row and column.

Both validate the same files — real government CSVs from ../shared/realdata and generated
files with planted errors. Frictionless's error types map to abierto's (``blank-label`` →
``blank-header``, ``duplicate-label`` → ``duplicate-header``; the others share their names).
Rows are physical line numbers in both; header errors compare by column position. Where
abierto detects the header below title rows, frictionless reads the title row as the header:
its header errors there are artefacts and are left out (and printed). What abierto finds
beyond frictionless is printed too (duplicate rows, type errors frictionless's sample-based
inference misses, …).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from abierto.ingest.pipeline import TableResult, inspect_file
from abierto.settings import Settings
from tests.realdata import real_file

frictionless = pytest.importorskip("frictionless")

TYPES = {"blank-label": "blank-header", "duplicate-label": "duplicate-header"}
HEADER_TYPES = {"blank-header", "duplicate-header"}
REAL = [
    "mx_compranet_contratos2013_sample.csv",
    "mx_sfp_proveedores_contratistas_sancionados.csv",
    "mx_cdmx_contador_ciclistas.csv",
    "mx_cdmx_viajemos_seguras_2014.csv",
    "mx_sat_listado_completo_69b_2022-11.csv",
]
PLANTED = {
    "structure.csv": (
        "id,nombre,,monto,nombre\n1,Ana,x,10.5,a\n2,Luis,y,20\n\n3,Eva,z,7,b,extra\n"
        "1,Ana,x,10.5,a\n4,Sol,w,30,c\n"
    ),
    "types.csv": "folio,monto,fecha\n"
    + "".join(f"{n},{n * 10}.5,2024-01-{n % 28 + 1:02d}\n" for n in range(1, 200))
    + "200,mucho,2024-02-01\n201,15.5,no es fecha\n",
    "semicolon.csv": "clave;nombre;total\n01;Aguascalientes;10\n02;;\n03;Campeche;30;sobra\n",
}

Key = tuple[str, int | None, int | None]


def frictionless_errors(path: Path) -> list[Key]:
    with frictionless.system.use_context(trusted=True):
        report = frictionless.validate(str(path), limit_errors=100_000)
    found = []
    for task in report.tasks:
        for error in task.errors:
            kind = TYPES.get(error.type, error.type)
            row = None if kind in HEADER_TYPES else getattr(error, "row_number", None)
            found.append((kind, row, getattr(error, "field_number", None)))
    return found


def _position(table: TableResult, column: str | None) -> int | None:
    if column is None:
        return None
    if column.startswith("#") and column[1:].isdigit():
        return int(column[1:])
    by_name = {c.name: c.source_index + 1 for c in table.columns}
    by_title = {c.title: c.source_index + 1 for c in table.columns}
    return by_name.get(column) or by_title.get(column)


def abierto_errors(path: Path, home: Path) -> tuple[list[Key], int]:
    result = inspect_file(path, Settings(home=home))
    [table] = result.tables if hasattr(result, "tables") else result
    keys = []
    for error in table.report.errors:
        row = None if error.type in HEADER_TYPES else error.row
        keys.append((error.type, row, _position(table, error.column)))
    header_row = int(table.source.detected.get("header_row", 1))
    return keys, header_row


def _compare(path: Path, home: Path) -> None:
    theirs = frictionless_errors(path)
    ours, header_row = abierto_errors(path, home)
    if header_row != 1:
        skipped = [e for e in theirs if e[0] in HEADER_TYPES]
        print(f"{path.name}: header on row {header_row}; {len(skipped)} header errors ignored")
        theirs = [e for e in theirs if e[0] not in HEADER_TYPES]
    missing = sorted(set(theirs) - set(ours), key=str)
    more = sorted(set(ours) - set(theirs), key=str)
    print(f"{path.name}: frictionless {len(theirs)}, abierto {len(ours)}; more: {more[:10]}")
    assert not missing, f"{path.name}: abierto misses {missing[:20]}"


@pytest.mark.parametrize("name", REAL)
def test_real_files(name: str, tmp_path: Path) -> None:
    _compare(real_file("csv", name), tmp_path / "home")


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_errors(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(PLANTED[name], encoding="utf-8")
    _compare(path, tmp_path / "home")
