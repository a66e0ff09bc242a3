"""Workbooks: real government .xlsx/.xls files, and small workbooks written here by hand."""

from __future__ import annotations

import functools
import os
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pytest

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions, read_tables
from abierto.ingest.readers.excel import ENCRYPTED, read_excel, render
from abierto.ingest.source import SourceTable
from tests.realdata import real_file


def real(name: str) -> Path:
    return real_file("excel", name)


@functools.cache
def read_real(name: str) -> list[SourceTable]:
    return read_tables(real(name))


def rows_of(table: SourceTable) -> list[tuple]:
    """The staged rows, through DuckDB as the pipeline does: (__row, c0, c1, …)."""
    con = duckdb.connect()
    table.stage(con, "t")
    return con.execute("SELECT * FROM t ORDER BY __row").fetchall()


def column(table: SourceTable, title: str) -> list[str | None]:
    index = table.titles.index(title)
    return [row[index + 1] for row in rows_of(table)]


def by_name(tables: list[SourceTable], name: str) -> SourceTable:
    [table] = [t for t in tables if t.name == name]
    return table


def notes(table: SourceTable, position: str) -> list[str]:
    return [n.text for n in table.notes if n.position == position]


# --- real files -------------------------------------------------------------------------


def test_nayarit_multi_row_merged_header_title_and_totals() -> None:
    tables = read_real("mx_nayarit_refugios_temporales.xlsx")
    assert len(tables) == 22
    first = tables[0]
    assert first.name == "1-20"
    assert first.detected | {"data_rows": None, "columns": None} == {
        "format": "xlsx", "sheet": "1-20", "header_row": 4, "header_rows": 3,
        "table_index": 1, "data_rows": None, "columns": None,
    }  # fmt: skip
    assert "COORDENADAS GEOGRAFICAS - LATITUD - N" in first.titles
    assert "COORDENADAS GEOGRAFICAS - ALTITUD - MSNM" in first.titles
    assert first.titles[:3] == ["No.", "REFUGIO", "MUNICIPIO"]
    assert first.notes[0].text == "RELACION DE REFUGIOS TEMPORALES"
    assert (first.notes[0].row, first.notes[0].position) == (2, "above")
    rows = rows_of(first)
    assert rows[0][:4] == (7, "1", "PRIMARIA LABOR Y CONSTANCIA ", "ACAPONETA ")
    assert rows[0][first.titles.index("CAPACIDAD DE PERSONAS") + 1] == "200"
    # The unlabelled capacity total under the table is a note, not a shelter.
    assert len(rows) == 20
    assert notes(first, "below") == ["4280"]
    numbers = [n for t in tables for n in column(t, "No.")]
    assert numbers == [str(i) for i in range(1, 438)]


def test_shcp_hierarchical_header_and_footnote() -> None:
    [table] = read_real("mx_shcp_cuenta_publica_2019_gasto_programatico.xls")
    assert table.detected["format"] == "xls"
    assert (table.detected["header_row"], table.detected["header_rows"]) == (7, 3)
    assert "GASTO CORRIENTE - SERVICIOS PERSONALES" in table.titles
    assert "GASTO DE INVERSIÓN - SUMA" in table.titles
    assert table.titles[-1] == "TOTAL - ESTRUCTURA PORCENTUAL - INVERSIÓN"
    assert notes(table, "above")[0] == "CUENTA PÚBLICA 2019"
    [footnote] = [n for n in table.notes if n.position == "below"]
    assert footnote.text.startswith("1/ Las sumas parciales")
    assert footnote.row == 5103
    rows = rows_of(table)
    assert len(rows) == 5092
    assert rows[0][0] == 10 and "Poder Legislativo" in rows[0]
    assert rows[-1][0] == 5101
    assert not any("Las sumas parciales" in (c or "") for r in rows for c in r[1:])
    approved = rows[1][table.titles.index("GASTO CORRIENTE - SERVICIOS PERSONALES") + 1]
    assert approved == "8797074307"


def test_covid_catalogs_header_on_row_2_leading_zeros_no_phantom_columns() -> None:
    tables = read_real("mx_ssa_covid19_catalogos_0412.xlsx")
    assert len(tables) == 9
    result = by_name(tables, "Catálogo RESULTADO")
    assert result.detected["header_row"] == 2
    assert result.titles == ["CLAVE", "DESCRIPCIÓN"]
    assert rows_of(result)[0] == (3, "1", "Positivo SARS-CoV-2")
    states = by_name(tables, "Catálogo de ENTIDADES")
    assert column(states, "CLAVE_ENTIDAD")[:2] == ["01", "02"]
    assert column(by_name(tables, "Catálogo SECTOR"), "CLAVE")[0] == "1"
    assert len(rows_of(by_name(tables, "Catálogo MUNICIPIOS"))) == 2501
    for table in tables:
        assert all(title for title in table.titles), table.name
        rows = rows_of(table)
        for i in range(table.width):
            assert any(r[i + 1] for r in rows), f"{table.name}: column {i} is empty"


def test_inegi_title_rows_are_notes_and_years_are_titles() -> None:
    tables = read_real("mx_inegi_bie_incidencia_delictiva.xlsx")
    assert [t.name for t in tables] == ["valor", "notasPorValor", "notas"]
    value = tables[0]
    assert value.detected["header_row"] == 5
    assert notes(value, "above") == [
        "Banco de Información INEGI", "Fuente: Incidencia delictiva",
        "Estados Unidos Mexicanos", "Valor",
    ]  # fmt: skip
    assert value.titles[:2] == ["cve_entidad", "desc_entidad"]
    assert value.titles[6:8] == ["2010", "2011"]
    rows = rows_of(value)
    assert rows[0][:2] == (6, "00")
    assert rows[0][value.titles.index("2011") + 1] == "37.36592"
    assert rows[0][value.titles.index("2010") + 1] == ""
    assert all(t.detected["header_row"] == 5 for t in tables)


def test_file_openpyxl_cannot_parse() -> None:
    [table] = read_real("mx_datosgobmx_recursos_MAT_invalid_xml.xlsx")
    assert table.titles[:3] == ["dep", "slug", "conj"]
    rows = rows_of(table)
    assert len(rows) == 7442
    assert rows[0][:3] == (2, "CONAPO", "conapo")
    assert any("\x0c" in (c or "") for r in rows for c in r[1:])


def test_conapo_clean_baseline() -> None:
    [table] = read_real("mx_conapo_esperanza_vida_1950_2070.xlsx")
    assert table.titles == ["RENGLON", "AÑO", "ENTIDAD", "CVE_GEO", "SEXO", "EV"]
    assert table.notes == []
    rows = rows_of(table)
    assert len(rows) == 10_059
    assert rows[0] == (2, "1", "1950", "República Mexicana", "0", "Hombres", "44.89935075")
    assert rows[-1][0] == 10_060


def test_peru_xls_and_inecc_sheets() -> None:
    [epp] = read_real("pe_minsa_adquisiciones_epp.xls")
    assert epp.detected["format"] == "xls"
    assert epp.titles == ["FECHA", "RUC", "PROVEEDOR", "PRODUCTO", "CANTIDAD"]
    rows = rows_of(epp)
    assert len(rows) == 313
    assert rows[0][:3] == (2, "13/03/2020", "20109161609") and rows[0][5] == "4600"
    inecc = read_real("mx_inecc_anvcc_municipios_vulnerables.xlsx")
    assert [t.name for t in inecc] == ["1448", "273", "83", "Diccionario"]
    assert [len(rows_of(t)) for t in inecc[:3]] == [1448, 273, 83]
    assert all(t.width == 18 for t in inecc[:3])
    assert "Clave Región" in inecc[0].titles
    assert rows_of(inecc[0])[0][7] == "Muy Alto "  # cell text is kept as the file has it


def test_sheet_option_and_forced_header_row() -> None:
    path = real("mx_inegi_bie_incidencia_delictiva.xlsx")
    [notas] = read_excel(path, ReadOptions(sheet="notas"))
    assert notas.titles == ["id", "indicador", "descripcion"]
    [forced] = read_excel(path, ReadOptions(sheet="notas", header_row=4))
    assert forced.detected["header_row"] == 4
    assert forced.titles[0] == "Notas"
    with pytest.raises(UnreadableFileError, match="no sheet named 'otra'") as info:
        read_excel(path, ReadOptions(sheet="otra"))
    assert "notasPorValor" in (info.value.hint or "")


# --- generated workbooks ----------------------------------------------------------------


def _cell(ref: str, value: object) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, date):
        moment = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        serial = (moment - datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}" s="{2 if isinstance(value, datetime) else 1}"><v>{serial!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet(rows: list[list[object]], merges: list[str]) -> str:
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    merged = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
    tail = f"<mergeCells>{merged}</mergeCells></worksheet>"
    return f"<worksheet {MAIN}><sheetData>{body}</sheetData>{tail}"


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def write_xlsx(
    path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None
) -> Path:
    """A minimal .xlsx (inline strings, date styles 1 and 2) that calamine reads."""
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{TYPE}.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheets, 1)
    )
    files = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{TYPE}.styles+xml"/>{overrides}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {MAIN} xmlns:r="{REL}"><sheets>{entries}</sheets>'
        "</workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{sheet_rels}'
        f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet {MAIN}><cellXfs count="3"><xf numFmtId="0"/>'
        '<xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/>'
        "</cellXfs></styleSheet>",
    }
    for i, (name, rows) in enumerate(sheets.items(), 1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet(rows, (merges or {}).get(name, []))
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in files.items():
            zf.writestr(member, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return path


def test_two_tables_on_one_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "dos.xlsx", {"Hoja1": [
        ["Cuadro 1. Población por municipio"],
        ["clave", "municipio", "población"],
        ["001", "Aguascalientes", 948990],
        [],
        ["002", "Asientos", 51536],  # a blank row inside a table does not split it
        ["003", "Calvillo", 58250],
        [],
        [],
        ["Cuadro 2. Escuelas"],
        ["nivel", "escuelas"],
        ["primaria", 120],
        ["secundaria", 45],
        [],
        ["Fuente: SEP"],
    ]})  # fmt: skip
    first, second = read_tables(path)
    assert (first.name, second.name) == ("Hoja1", "Hoja1 (2)")
    assert first.titles == ["clave", "municipio", "población"]
    assert notes(first, "above") == ["Cuadro 1. Población por municipio"]
    assert rows_of(first) == [
        (3, "001", "Aguascalientes", "948990"),
        (4, "", "", ""),
        (5, "002", "Asientos", "51536"),
        (6, "003", "Calvillo", "58250"),
    ]
    assert second.titles == ["nivel", "escuelas"]
    assert second.detected["header_row"] == 10
    assert second.detected["table_index"] == 2
    assert notes(second, "above") == ["Cuadro 2. Escuelas"]
    assert notes(second, "below") == ["Fuente: SEP"]
    assert rows_of(second) == [(11, "primaria", "120"), (12, "secundaria", "45")]


def test_gap_then_text_rows_stays_one_table(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "gap.xlsx", {"Directorio": [
        ["nombre", "cargo", "correo"],
        ["Ana", "Directora", "ana@x.mx"],
        [],
        ["Luis", "Jefe", "luis@x.mx"],
        ["Eva", "Analista", "eva@x.mx"],
    ]})  # fmt: skip
    [table] = read_tables(path)
    assert [r[0] for r in rows_of(table)] == [2, 3, 4, 5]
    # A text-only row after the gap is data when the next row repeats its values.
    path = write_xlsx(tmp_path / "gap2.xlsx", {"Población": [
        ["estado", "municipio", "población"],
        ["Sonora", "Hermosillo", 936263],
        [],
        ["Sinaloa", "Culiacán", "n/d"],
        ["Sinaloa", "Mazatlán", 501441],
    ]})  # fmt: skip
    [table] = read_tables(path)
    assert [r[0] for r in rows_of(table)] == [2, 3, 4, 5]


def test_merged_header_phantom_columns_and_cell_rendering(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Informe"],
        ["estado", "fecha", "ubicación", None, "activo", None, None],
        [None, None, "lat", "lon", None, None, None],
        ["Sonora", date(2020, 3, 13), 29.5, -110.25, True],
        [None, datetime(2021, 1, 2, 3, 4, 5), 200.0, 7, False],
        [None, None, None, None, None, None, ""],  # a phantom cell far to the right
    ]
    merges = {"S": ["A2:A3", "B2:B3", "C2:D2", "E2:E3", "A4:A5"]}
    [table] = read_tables(write_xlsx(tmp_path / "m.xlsx", {"S": rows}, merges))
    assert table.titles == ["estado", "fecha", "ubicación - lat", "ubicación - lon", "activo"]
    assert (table.detected["header_row"], table.detected["header_rows"]) == (2, 2)
    assert table.detected["columns"] == ["A", "B", "C", "D", "E"]
    # A label merged down the data rows belongs to each of them.
    assert rows_of(table) == [
        (4, "Sonora", "2020-03-13", "29.5", "-110.25", "true"),
        (5, "Sonora", "2021-01-02T03:04:05", "200", "7", "false"),
    ]
    assert table.detected["merged_data_cells"] == 1


def test_staging_into_duckdb(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", {"A": [["x", "y", "z"], [1, 2, 3], [4, None, 6]]})
    [table] = read_tables(path)
    con = duckdb.connect()
    table.stage(con, "t")
    columns = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
    assert columns == ["__row", "c0", "c1", "c2"]
    assert con.execute("SELECT * FROM t ORDER BY __row").fetchall() == [
        (2, "1", "2", "3"),
        (3, "4", "", "6"),
    ]


def test_totals_row_only_when_it_is_the_sum(tmp_path: Path) -> None:
    body: list[list[object]] = [["municipio", "clave", "personas"], ["A", "01", 10], ["B", "02", 5]]
    summed = write_xlsx(tmp_path / "t.xlsx", {"T": [*body, ["C", "03", 1], [None, None, 16]]})
    [table] = read_tables(summed)
    assert [r[0] for r in rows_of(table)] == [2, 3, 4]
    assert notes(table, "below") == ["16"]
    other = write_xlsx(tmp_path / "u.xlsx", {"T": [*body, ["C", "03", 1], [None, None, 17]]})
    [table] = read_tables(other)
    assert [r[0] for r in rows_of(table)] == [2, 3, 4, 5]


def test_empty_sheets_are_skipped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", {"Vacía": [], "Datos": [["a", "b"], [1, 2]]})
    assert [t.name for t in read_tables(path)] == ["Datos"]
    with pytest.raises(UnreadableFileError, match="no table"):
        read_tables(write_xlsx(tmp_path / "none.xlsx", {"Vacía": [[None]]}))


MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def test_ods(tmp_path: Path) -> None:
    number = '<table:table-cell office:value-type="float" office:value="{}"/>'
    text = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    cells = "".join(
        "<table:table-row>"
        + "".join((number if isinstance(v, int) else text).format(v) for v in row)
        + "</table:table-row>"
        for row in [["Cuadro"], ["clave", "valor"], ["01", 3]]
    )
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        f'<office:spreadsheet><table:table table:name="Datos">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "d.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", MANIFEST)
        zf.writestr("content.xml", content)
    [table] = read_tables(path)
    assert table.detected["format"] == "ods"
    assert table.titles == ["clave", "valor"]
    assert notes(table, "above") == ["Cuadro"]
    assert rows_of(table) == [(3, "01", "3")]


def test_corrupt_and_encrypted_workbooks(tmp_path: Path) -> None:
    corrupt = tmp_path / "roto.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + os.urandom(4000))
    with pytest.raises(UnreadableFileError):
        read_tables(corrupt)
    with pytest.raises(UnreadableFileError, match="damaged"):
        read_excel(corrupt, ReadOptions())
    # A password-protected .xlsx is an OLE container holding an EncryptedPackage stream.
    locked = tmp_path / "clave.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(2000) + ENCRYPTED + bytes(2000))
    with pytest.raises(UnreadableFileError, match="password"):
        read_tables(locked)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (200.0, "200"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e21, "1000000000000000000000"),
        (7, "7"),
        (True, "true"),
        ("01", "01"),
        (None, ""),
        (date(2020, 1, 31), "2020-01-31"),
        (datetime(2020, 1, 31, 23, 59, 1), "2020-01-31T23:59:01"),
        (time(8, 30), "08:30:00"),
        (timedelta(hours=36, minutes=5), "36:05:00"),
    ],
)
def test_render(value: object, text: str) -> None:
    assert render(value) == text
