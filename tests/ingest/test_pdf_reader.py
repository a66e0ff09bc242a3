"""PDF tables: real government PDFs (multi-page tables, merged cells, scans)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions, read_tables
from abierto.ingest.readers.pdf import read_pdf
from abierto.ingest.source import SourceTable
from tests.realdata import real_file


def real_pdf(name: str) -> Path:
    return real_file("pdf", name)


def rows_of(table: SourceTable) -> list[dict]:
    assert table.batches is not None
    return [row for batch in table.batches() for row in batch.to_pylist()]


def column(table: SourceTable, title: str) -> list[str | None]:
    index = table.titles.index(title)
    return [row[f"c{index}"] for row in rows_of(table)]


def assert_no_empty_columns(table: SourceTable) -> None:
    rows = rows_of(table)
    for i, title in enumerate(table.titles):
        assert title.strip(), f"blank title in {table.titles}"
        assert any(row[f"c{i}"] for row in rows), f"column {title!r} holds no value"


@pytest.fixture(scope="module")
def covid_positive() -> list[SourceTable]:
    return read_pdf(real_pdf("mx_ssa_casos_positivos_covid19_2020-04-18.pdf"), ReadOptions())


@pytest.mark.slow
def test_long_table_is_joined_across_116_pages(covid_positive: list[SourceTable]) -> None:
    assert len(covid_positive) == 1
    table = covid_positive[0]
    assert table.detected == {"format": "pdf", "pages": [1, 116], "table_index": 1}
    assert len(table.titles) == 6
    assert {"Estado", "Sexo", "Edad"} <= set(table.titles)
    assert "Fecha de Inicio de síntomas" in table.titles
    assert not any("\n" in t for t in table.titles)
    rows = rows_of(table)
    assert len(rows) == 7497
    # The header repeated on no page: case numbers run 1…7497 without gaps or header rows.
    assert [int(r["c0"]) for r in rows] == list(range(1, 7498))
    assert [r["__row"] for r in rows] == list(range(1, 7498))
    assert set(column(table, "Sexo")) == {"FEMENINO", "MASCULINO"}
    assert "Estado" not in column(table, "Estado")
    assert rows[0]["c1"] == "MÉXICO"
    texts = [n.text for n in table.notes]
    assert "Casos Confirmados a enfermedad por COVID-19." in texts
    assert "Fuente: SINAVE/DGE/InDRE" in texts


@pytest.mark.slow
def test_long_table_stages_into_duckdb(covid_positive: list[SourceTable]) -> None:
    con = duckdb.connect()
    covid_positive[0].stage(con, "s")
    columns = [c[0] for c in con.execute("DESCRIBE s").fetchall()]
    assert columns == ["__row", "c0", "c1", "c2", "c3", "c4", "c5"]
    count, women = con.execute(
        "SELECT count(*), count(*) FILTER (c2 = 'FEMENINO') FROM s"
    ).fetchone()
    assert count == 7497
    assert 2000 < women < 5000


def test_wrapped_header_and_fragments() -> None:
    (table,) = read_pdf(real_pdf("mx_ssa_casos_sospechosos_covid19_2020-03-16.pdf"), ReadOptions())
    assert table.titles == [
        "N° Caso",
        "Estado",
        "Sexo",
        "Edad",
        "Fecha de Inicio de síntomas",
        "Identificación de COVID-19 por RT-PCR/Secuencia de DNA*",
        "Procedencia",
        "Fecha del llegada a México",
    ]
    assert table.detected["pages"] == [1, 4]
    rows = rows_of(table)
    # Rows 50 and 161 sit at the top of a page where the table has no top border.
    assert [int(r["c0"]) for r in rows] == list(range(1, 172))
    assert set(column(table, "Sexo")) == {"F", "M"}
    assert {n.text for n in table.notes if n.position == "below"} >= {
        "Fuente: SINAVE/DGE/InDRE- *InDRE",
        "Corte: 16 de Marzo del 2020 a las 13:00 horas",
    }


def test_merged_cells_give_clean_columns() -> None:
    tables = read_pdf(real_pdf("mx_conapo_diccionario_proyecciones_2023.pdf"), ReadOptions())
    assert len(tables) >= 6
    for table in tables:
        assert table.titles == ["VARIABLE", "DESCRIPCIÓN"]
        assert_no_empty_columns(table)
        assert all(r["c0"] != "VARIABLE" for r in rows_of(table))
    first = rows_of(tables[0])
    assert (first[0]["c0"], first[0]["c1"]) == (
        "RENGLON",
        "Identificador único de caso (Llave primaria)",
    )
    # "Indicadores demográficos" runs over pages 5–7, on two different grids.
    (long,) = [t for t in tables if t.detected["pages"] == [5, 7]]
    variables = column(long, "VARIABLE")
    assert variables[0] == "RENGLON" and variables[-1] == "TGF"
    assert {"MUJ_30_64", "T_EMI_EST"} <= set(variables)
    assert len(variables) == len(set(variables))
    assert [t.detected["table_index"] for t in tables] == list(range(1, len(tables) + 1))
    assert len({t.name for t in tables}) == len(tables)


def test_tables_inside_a_long_report() -> None:
    tables = read_pdf(real_pdf("mx_inecc_vulnerabilidad_presas_recomendaciones.pdf"), ReadOptions())
    for table in tables:
        assert_no_empty_columns(table)
    dams = [t for t in tables if "Vulnerabilidad Escenario GFDL-CM3" in t.titles]
    assert [t.detected["pages"] for t in dams] == [[17, 24], [36, 43]]
    for table in dams:
        assert table.titles[:4] == ["No", "Nombre", "Estado", "Vulnerabilidad Actual"]
        assert len(table.titles) == 8
        names = column(table, "Nombre")
        assert len(names) == 207  # numbers 72, 163 and 189 are missing from the report
        assert names[0] == "Abelardo L. Rodríguez" and names[-1] == "Ñadó"
        assert "Nombre" not in names
        assert table.notes[0].text.startswith("Tabla ")
    ranges = [t for t in tables if t.titles == ["Rango de valores", "Categoría de vulnerabilidad"]]
    assert len(ranges) == 2
    assert column(ranges[0], "Categoría de vulnerabilidad") == ["Baja", "Media", "Alta", "Muy alta"]


def test_scanned_pdf_needs_ocr() -> None:
    path = real_pdf("mx_cdmx_pgj_respuesta_transparencia_escaneada_2018.pdf")
    with pytest.raises(UnreadableFileError, match="no text layer") as caught:
        read_tables(path)
    assert "OCR" in str(caught.value)


def test_dispatcher_reads_pdf_and_stages() -> None:
    tables = read_tables(real_pdf("mx_conapo_diccionario_proyecciones_2023.pdf"))
    con = duckdb.connect()
    tables[0].stage(con, "s")
    assert [c[0] for c in con.execute("DESCRIBE s").fetchall()] == ["__row", "c0", "c1"]
    assert con.execute("SELECT c0 FROM s WHERE __row = 1").fetchone() == ("RENGLON",)


def test_damaged_pdf_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    with pytest.raises(UnreadableFileError, match=re.escape(str(path))):
        read_pdf(path, ReadOptions())
