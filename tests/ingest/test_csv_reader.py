import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions, read_tables
from abierto.ingest.readers.csv import _scan_lines


def stage(path: Path, options: ReadOptions | None = None):
    [table] = read_tables(path, options)
    con = duckdb.connect()
    table.materialize(con, "s")
    rows = con.execute("SELECT * FROM s ORDER BY __row").fetchall()
    return table, rows


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(delimiter.join(["clave", "nombre", "monto"]) + "\n"
                    + delimiter.join(["01001", "Aguascalientes", "12.5"]) + "\n"
                    + delimiter.join(["01002", "Asientos", "3"]) + "\n")  # fmt: skip
    table, rows = stage(path)
    assert table.detected["delimiter"] == delimiter
    assert table.titles == ["clave", "nombre", "monto"]
    assert rows == [(2, "01001", "Aguascalientes", "12.5"), (3, "01002", "Asientos", "3")]


def test_quoted_newlines_and_commas(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,texto\n1,"línea uno\nlínea dos"\n2,"a, b"\n')
    _, rows = stage(path)
    assert [r[1:] for r in rows] == [("1", "línea uno\nlínea dos"), ("2", "a, b")]


def test_header_below_title_rows_and_notes_below(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "Gobierno de Monterrey,,\n"
        "Contratos de obra pública 2019,,\n"
        ",,\n"
        "Contrato,Fecha,Monto\n"
        'OP-1,31/12/2019,"1,234.50"\n'
        "OP-2,01/02/2019,300\n"
        'Total,,"1,534.50"\n'
        "Fuente: Secretaría de Obras Públicas,,\n"
        "Nota: cifras preliminares,,\n"
    )
    table, rows = stage(path)
    assert table.detected["header_row"] == 4
    assert table.titles == ["Contrato", "Fecha", "Monto"]
    assert [r[0] for r in rows] == [5, 6]
    above = [n.text for n in table.notes if n.position == "above"]
    below = [n.text for n in table.notes if n.position == "below"]
    assert above == ["Gobierno de Monterrey", "Contratos de obra pública 2019"]
    assert below == [
        "Total 1,534.50",
        "Fuente: Secretaría de Obras Públicas",
        "Nota: cifras preliminares",
    ]


def test_blank_lines_keep_row_numbers_true(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("a,b\n1,x\n\n2,y\n\n\n3,z\n\n")
    table, rows = stage(path)
    assert [(r[0], r[1]) for r in rows] == [(2, "1"), (4, "2"), (7, "3")]
    assert sorted(e.row for e in table.errors if e.type == "blank-row") == [3, 5, 6]


def test_extra_cells_are_reported_and_the_row_kept(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4,5,6\n7,8\n")
    table, rows = stage(path)
    assert [r[1:] for r in rows] == [("1", "2"), ("3", "4"), ("7", "8")]
    extra = [e for e in table.errors if e.type == "extra-cell"]
    assert [(e.row, e.value) for e in extra] == [(3, "5"), (3, "6")]


def test_short_rows_have_missing_cells_as_null(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b,c\n1,,3\n4,5\n")
    _, rows = stage(path)
    assert rows == [(2, "1", "", "3"), (3, "4", "5", None)]


def test_forced_options(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes("x;y\nuno;dos\nÑ;1\n".encode("cp850"))
    table, rows = stage(path, ReadOptions(encoding="cp850", delimiter=";", header_row=2))
    assert table.titles == ["uno", "dos"]
    assert rows == [(3, "Ñ", "1")]


def test_html_page_with_csv_name_is_refused(realdata: Path) -> None:
    with pytest.raises(UnreadableFileError, match="HTML"):
        read_tables(realdata / "csv" / "mx_inegi_indicadores_export_is_html.csv")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFileError, match="empty"):
        read_tables(path)


def test_sat_title_rows_and_windows_1252(realdata: Path) -> None:
    table, rows = stage(realdata / "csv" / "mx_sat_listado_completo_69b_2022-11.csv")
    assert table.detected["header_row"] == 3
    assert table.titles[:3] == ["No", "RFC", "Nombre del Contribuyente"]
    assert table.notes[0].text.startswith("Información actualizada")
    assert rows[0][:3] == (4, "1", "AAA080808HL8")
    assert any("\n" in (cell or "") for row in rows for cell in row[1:])  # the multi-line cell


def test_inegi_utf16_notes_below(realdata: Path) -> None:
    table, rows = stage(realdata / "csv" / "mx_inegi_bie_indicadores_envipe_utf16.csv")
    assert table.detected["header_row"] == 5
    assert len(rows) == 14
    below = [n.text for n in table.notes if n.position == "below"]
    assert below[0].startswith("Notas:") and below[1].startswith("Fuentes:")


def test_zapopan_classic_mac_line_endings(realdata: Path) -> None:
    table, rows = stage(realdata / "csv" / "mx_zapopan_obra_publica.csv")
    assert table.detected["encoding"] == "mac-roman"
    assert len(rows) == 2258
    assert table.width == 14


def test_missing_cells_are_counted_exactly_past_the_listed_rows(tmp_path: Path, settings) -> None:
    from abierto.ingest.pipeline import inspect_file

    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n" + "".join(f"{i},x\n" if i % 2 else f"{i},x,y\n" for i in range(400)))
    [table] = inspect_file(path, settings)
    assert table.report.counts["missing-cell"] == 200
    listed = [e for e in table.report.errors if e.type == "missing-cell"]
    assert len(listed) == 100 and listed[0].row == 3 and listed[0].column == "c"


def test_a_late_byte_that_is_not_utf8_is_found_by_the_parser(tmp_path: Path, settings) -> None:
    """The samples look like UTF-8; DuckDB meets the Windows-1252 "Ñ" while parsing, and the
    file is read again as a single-byte encoding: no row lost, no encoding error."""
    from abierto.ingest.pipeline import inspect_file

    path = tmp_path / "late.csv"
    path.write_bytes(
        b"a,b\n" + b"1,2\n" * 800_000 + "ESPAÑA,3\n".encode("windows-1252")
    )  # fmt: skip
    [table] = inspect_file(path, settings, output_dir=tmp_path / "out")
    assert table.source.detected["encoding"] in ("windows-1252", "iso-8859-1")
    assert table.row_count == 800_001
    assert "encoding-error" not in table.report.counts
    assert "malformed-row" not in table.report.counts
    [error] = [e for e in table.report.errors if e.type == "type-error"]
    assert (error.row, error.value) == (800_002, "ESPAÑA")  # "a" holds integers


def reference_lines(data: bytes) -> tuple[int, list[int]]:
    """Lines counted the slow, obvious way: a line is empty when nothing or a lone "\\r"
    comes before its newline; an unterminated last line is still a line."""
    parts = data.split(b"\n")
    terminated, last = parts[:-1], parts[-1]
    total = len(terminated) + (1 if last or not data else 0)
    empty = [i for i, part in enumerate(terminated, start=1) if part in (b"", b"\r")]
    return total, empty


@given(st.lists(st.sampled_from([b"a", b"\n", b"\r", b",", b"\r\n"]), max_size=60))
@settings(max_examples=300, deadline=None)
def test_line_scan_finds_every_empty_line_across_chunks(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.csv"
        path.write_bytes(data)
        for chunk_bytes in (1, 2, 3, 7, 1 << 20):
            assert _scan_lines(path, chunk_bytes) == reference_lines(data)
