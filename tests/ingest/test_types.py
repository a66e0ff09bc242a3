"""Types: every Mexican form parses to the right value; breaking values are never silent."""

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from abierto.ingest.pipeline import TableResult, inspect_file
from abierto.settings import Settings


def run(tmp_path: Path, settings: Settings, text: str, encoding: str = "utf-8") -> TableResult:
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode(encoding))
    [table] = inspect_file(source, settings, output_dir=tmp_path / "out")
    return table


def values(table: TableResult, column: str) -> list:
    assert table.parquet_path is not None
    return pq.read_table(table.parquet_path).column(column).to_pylist()


def types(table: TableResult) -> dict[str, str]:
    return {c.name: c.type for c in table.columns}


def test_dates_in_mexican_forms(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        "iso,dmy,mes,largo,oracle\n"
        "2019-12-31,31/12/2019,31-dic-2019,30 de septiembre de 2016,27-MAR-20\n"
        "2020-01-05,05/01/2020,5-ene-2020,7 de enero de 2014,01-ABR-20\n",
    )  # fmt: skip
    assert set(types(table).values()) == {"date"}
    assert values(table, "iso") == [dt.date(2019, 12, 31), dt.date(2020, 1, 5)]
    assert values(table, "dmy") == [dt.date(2019, 12, 31), dt.date(2020, 1, 5)]
    assert values(table, "mes") == [dt.date(2019, 12, 31), dt.date(2020, 1, 5)]
    assert values(table, "largo") == [dt.date(2016, 9, 30), dt.date(2014, 1, 7)]
    assert values(table, "oracle") == [dt.date(2020, 3, 27), dt.date(2020, 4, 1)]


def test_numbers_money_and_percent(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        'importe,pesos,avance,conteo\n"1,234.50","$ 1,234",12.5%,"1,000"\n"10",$ 99.90,7%,2\n',
    )  # fmt: skip
    assert types(table) == {
        "importe": "number", "pesos": "number", "avance": "number", "conteo": "integer"
    }  # fmt: skip
    assert values(table, "importe") == [1234.5, 10.0]
    assert values(table, "pesos") == [1234.0, 99.9]
    assert values(table, "avance") == [12.5, 7.0]
    assert values(table, "conteo") == [1000, 2]


def test_decimal_comma_in_semicolon_files(tmp_path: Path, settings: Settings) -> None:
    table = run(tmp_path, settings, "tasa;monto\n12,5;1.234,50\n3,75;10\n")
    assert types(table) == {"tasa": "number", "monto": "number"}
    assert values(table, "tasa") == [12.5, 3.75]
    assert values(table, "monto") == [1234.5, 10.0]


def test_decimal_comma_values_never_read_as_thousands(tmp_path: Path, settings: Settings) -> None:
    """In a ";" file "0,031" is 0.031, not 31 (a comma grouping thousands would lose data)."""
    table = run(tmp_path, settings, "ozono;personas\n0,031;1.250\n0,045;3\n0,120;12\n")
    assert types(table) == {"ozono": "number", "personas": "integer"}
    assert values(table, "ozono") == [0.031, 0.045, 0.12]
    assert values(table, "personas") == [1250, 3, 12]


def test_missing_markers_are_null(tmp_path: Path, settings: Settings) -> None:
    table = run(tmp_path, settings, "n,fecha\n1,N/D\nND,S/D\nNA,-\n,\n4,2019-01-01\n")
    assert types(table) == {"n": "integer", "fecha": "date"}
    assert values(table, "n") == [1, None, None, 4]  # the blank row is reported and dropped
    assert table.report.counts == {"blank-row": 1}


def test_codes_with_leading_zeros_stay_text(tmp_path: Path, settings: Settings) -> None:
    rows = "".join(f"{i:05d},{i:05d}1,{i}\n" for i in range(14001, 14126))
    table = run(
        tmp_path, settings,
        "clave_inegi,cp,n\n" + rows
        + "01001,06700,1\n",
    )  # fmt: skip
    assert types(table)["clave_inegi"] == "text"
    assert types(table)["cp"] == "text"
    assert values(table, "clave_inegi")[-1] == "01001"


def test_leading_zero_past_the_sample_widens_to_text(tmp_path: Path, settings: Settings) -> None:
    # The DuckDB sniffer trap: "0870" far beyond any sample must not become 870.
    body = "".join(f"{1000 + i}\n" for i in range(60_000)) + "0870\n"
    table = run(tmp_path, settings, "clave\n" + body)
    assert types(table)["clave"] == "text"
    assert values(table, "clave")[-1] == "0870"


def test_curp_rfc_and_long_ids_stay_text(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        "curp,rfc,folio\nGOMC800101HJCRRR09,GOMC800101AB1,1234567890123456789\n"
        "LOPJ900202MDFRRR01,LOPJ900202XY2,9234567890123456789\n",
    )  # fmt: skip
    assert set(types(table).values()) == {"text"}
    assert values(table, "folio")[0] == "1234567890123456789"


def test_booleans_datetimes_and_points(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        'activo,registrado,ubicacion\nSí,2013-12-30 00:00:00 GMT,"20.6597, -103.3496"\n'
        'No,2014-01-02 13:45:10,"25.6866,-100.3161"\n',
    )  # fmt: skip
    assert types(table) == {"activo": "boolean", "registrado": "datetime", "ubicacion": "geopoint"}
    assert values(table, "activo") == [True, False]
    assert values(table, "registrado") == [
        dt.datetime(2013, 12, 30, 0, 0), dt.datetime(2014, 1, 2, 13, 45, 10)
    ]  # fmt: skip
    assert values(table, "ubicacion")[1] == {"lat": 25.6866, "lon": -100.3161}


def test_a_breaking_value_is_a_reported_type_error(tmp_path: Path, settings: Settings) -> None:
    body = "".join(f"{i},{i * 2}\n" for i in range(200)) + "200,abc\n"
    table = run(tmp_path, settings, "id,cantidad\n" + body)
    assert types(table)["cantidad"] == "integer"
    assert values(table, "cantidad")[-1] is None
    errors = [e for e in table.report.errors if e.type == "type-error"]
    assert [(e.row, e.column, e.value) for e in errors] == [(202, "cantidad", "abc")]


def test_many_breaking_values_widen_the_type(tmp_path: Path, settings: Settings) -> None:
    body = "".join(f"{i}\n" for i in range(20_000)) + "".join(f"{i}.5\n" for i in range(2_000))
    table = run(tmp_path, settings, "valor\n" + body)
    assert types(table)["valor"] == "number"
    assert values(table, "valor")[-1] == 1999.5
    assert not table.report.counts


@pytest.mark.parametrize(
    ("cell", "kind"),
    [("9999-99-99", "date"), ("0000-00-00", "date")],
)
def test_date_sentinels_are_missing(
    tmp_path: Path, settings: Settings, cell: str, kind: str
) -> None:
    table = run(tmp_path, settings, f"fecha_def\n2020-04-01\n{cell}\n{cell}\n")
    assert types(table)["fecha_def"] == kind
    assert values(table, "fecha_def") == [dt.date(2020, 4, 1), None, None]


def test_latitude_longitude_pairs_are_found(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        "refugio,latitud,longitud\nPrimaria,22.4989,-105.3603\nJardín,22.4981,-105.3582\n",
    )  # fmt: skip
    assert table.point == {"lat": "latitud", "lon": "longitud"}
    (tmp_path / "b").mkdir()
    plain = run(tmp_path / "b", settings, "a,b\n1.5,2.5\n")
    assert plain.point is None


def test_identifier_titles_stay_text(tmp_path: Path, settings: Settings) -> None:
    table = run(
        tmp_path, settings,
        "Clave INEGI,Código postal,Folio,Población,id\n"
        "14039,44100,7,1385629,1\n14120,45010,8,1476491,2\n",
    )  # fmt: skip
    assert types(table) == {
        "clave_inegi": "text", "codigo_postal": "text", "folio": "text",
        "poblacion": "integer", "id": "text",
    }  # fmt: skip
    assert values(table, "clave_inegi") == ["14039", "14120"]
