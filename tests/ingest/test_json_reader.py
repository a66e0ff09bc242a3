"""JSON, NDJSON and GeoJSON: real catalog dumps and generated edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions, read_tables
from abierto.ingest.readers.json import read_json, render
from abierto.ingest.source import SourceTable
from tests.realdata import real_file


def real_json(name: str) -> Path:
    return real_file("catalog", name)


def only_table(path: Path) -> SourceTable:
    (table,) = read_json(path, ReadOptions())
    return table


def records(table: SourceTable) -> list[dict[str, Any]]:
    """Rows as {title: cell}, plus "__row"."""
    assert table.batches is not None
    out = []
    for batch in table.batches():
        for row in batch.to_pylist():
            record = {title: row[f"c{i}"] for i, title in enumerate(table.titles)}
            out.append({"__row": row["__row"], **record})
    return out


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- real files -----------------------------------------------------------------------------


def test_array_of_organizations() -> None:
    table = only_table(real_json("mx_adela_api_v1_organizations_2015.json"))
    assert table.detected["format"] == "json"
    assert table.detected["records_path"] == "$"
    assert table.titles[:5] == ["title", "slug", "description", "logo_url", "gov_type"]
    rows = records(table)
    assert len(rows) == 149
    assert [r["__row"] for r in rows] == list(range(1, 150))
    assert rows[0]["title"] == "adela mxabierto"
    assert rows[0]["logo_url"] == ""  # an empty string stays empty…
    assert any(r["description"] is None for r in rows)  # …and null is a missing cell
    assert {r["gov_type"] for r in rows} >= {"federal", "state", "municipal"}


def test_ckan_result_list() -> None:
    path = real_json("pe_datosabiertos_package_show_osce_contrataciones.json")
    table = only_table(path)
    assert table.detected["records_path"] == "result"
    (row,) = records(table)
    assert row["state"] == "Active"
    assert row["private"] == "true"
    assert row["license_title"] == "http://opendefinition.org/licenses/odc-by/"
    resources = json.loads(row["resources"])  # lists inside a record: JSON text
    assert isinstance(resources, list) and resources[0]["format"] == "csv"


def test_int_and_float_kept_canonical() -> None:
    table = only_table(real_json("mx_datosgobmx_ranking_dependencias.json"))
    assert table.detected["records_path"] == "dependencias"
    rows = records(table)
    assert len(rows) == 204
    assert rows[0]["institucion"] == "INEGI"
    assert rows[0]["descargas"] == "21552"
    aperturas = {r["apertura"] for r in rows}
    assert "3" in aperturas and "1.0" in aperturas  # int vs float as the file has them


def test_dcat_catalog_nested_objects_get_dotted_names() -> None:
    table = only_table(real_json("ar_datos_jus_gob_ar_data.json"))
    assert table.detected["records_path"] == "dataset"
    assert {"publisher.name", "publisher.mbox", "contactPoint.fn"} <= set(table.titles)
    rows = records(table)
    assert len(rows) == 16
    assert rows[0]["publisher.name"].startswith("Ministerio de Justicia")
    distributions = json.loads(rows[0]["distribution"])
    assert sum(len(json.loads(r["distribution"])) for r in rows) == 56
    assert "accessURL" in distributions[0] or "downloadURL" in distributions[0]


def test_array_of_plain_values() -> None:
    table = only_table(real_json("mx_adela_catalogo_json_urls_2015.json"))
    assert table.titles == ["value"]
    rows = records(table)
    assert len(rows) == 187
    assert rows[0]["value"] == "http://adela.datos.gob.mx/sectur/catalogo.json"


# --- generated files ------------------------------------------------------------------------


def test_ndjson_union_of_keys_in_first_seen_order(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "nombre": "Ana", "activo": True},
        {"id": 2, "edad": 31, "nombre": "Luis"},
        {},
        {"id": 3, "monto": 10.5, "extra": None},
    ]
    text = (
        "\n".join(json.dumps(x) for x in lines[:2])
        + "\n\n"
        + "\n".join(json.dumps(x) for x in lines[2:])
    )
    table = only_table(write(tmp_path, "datos.ndjson", text + "\n"))
    assert table.detected["format"] == "ndjson"
    assert table.titles == ["id", "nombre", "activo", "edad", "monto", "extra"]
    rows = records(table)
    assert [r["__row"] for r in rows] == [1, 2, 3, 4]
    assert rows[0] == {
        "__row": 1,
        "id": "1",
        "nombre": "Ana",
        "activo": "true",
        "edad": None,
        "monto": None,
        "extra": None,
    }
    assert rows[3]["monto"] == "10.5"


def test_ndjson_is_streamed_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w") as f:
        for i in range(25_000):
            f.write(json.dumps({"n": i, "par": i % 2 == 0}) + "\n")
    table = only_table(path)
    assert table.batches is not None
    assert len(list(table.batches())) == 3  # 10,000 rows a batch
    con = duckdb.connect()
    table.stage(con, "s")
    assert con.execute("SELECT count(*), max(__row), min(c0) FROM s").fetchone() == (
        25_000,
        25_000,
        "0",
    )


def test_nested_objects_and_lists(tmp_path: Path) -> None:
    data = {
        "meta": {"total": 2},
        "data": [
            {"nombre": "A", "contacto": {"email": "a@x.mx", "tel": {"fijo": "55"}}, "tags": [1]},
            {"nombre": "B", "contacto": {"email": "b@x.mx"}, "tags": [], "vacio": {}},
        ],
    }
    table = only_table(write(tmp_path, "nested.json", json.dumps(data, indent=2)))
    assert table.detected["records_path"] == "data"
    assert table.titles == ["nombre", "contacto.email", "contacto.tel.fijo", "tags", "vacio"]
    rows = records(table)
    assert rows[0]["contacto.tel.fijo"] == "55"
    assert rows[1]["contacto.tel.fijo"] is None
    assert (rows[0]["tags"], rows[1]["tags"], rows[1]["vacio"]) == ("[1]", "[]", "{}")


def test_largest_array_of_objects_wins_even_nested(tmp_path: Path) -> None:
    data = {
        "help": "x",
        "warnings": [{"w": 1}],
        "result": {"count": 3, "results": [{"id": i} for i in range(3)]},
    }
    table = only_table(write(tmp_path, "ckan.json", json.dumps(data)))
    assert table.detected["records_path"] == "result.results"
    assert [r["id"] for r in records(table)] == ["0", "1", "2"]


def test_empty_array_has_no_table(tmp_path: Path) -> None:
    path = write(tmp_path, "vacio.json", "[]")
    assert read_json(path, ReadOptions()) == []
    with pytest.raises(UnreadableFileError, match="no table found"):
        read_tables(path)


def test_lone_object_is_one_row(tmp_path: Path) -> None:
    table = only_table(write(tmp_path, "one.json", '{"a": 1, "b": {"c": "x"}}'))
    assert table.detected["records_path"] == "$"
    assert records(table) == [{"__row": 1, "a": "1", "b.c": "x"}]


def test_geojson_points_and_other_geometries(tmp_path: Path) -> None:
    polygon = {"type": "Polygon", "coordinates": [[[-99.1, 19.4], [-99.0, 19.4], [-99.0, 19.5]]]}
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nombre": "Zócalo", "alcaldia": {"clave": 15}},
                "geometry": {"type": "Point", "coordinates": [-99.1332, 19.4326]},
            },
            {"type": "Feature", "properties": {"nombre": "Zona"}, "geometry": polygon},
            {"type": "Feature", "properties": {"nombre": "Sin lugar"}, "geometry": None},
        ],
    }
    table = only_table(write(tmp_path, "puntos.geojson", json.dumps(collection)))
    assert table.detected["format"] == "geojson"
    assert table.detected["records_path"] == "features"
    assert table.titles == ["nombre", "alcaldia.clave", "latitude", "longitude", "geometry"]
    first, second, third = records(table)
    assert (first["latitude"], first["longitude"]) == ("19.4326", "-99.1332")
    assert first["geometry"] is None
    assert json.loads(second["geometry"]) == polygon
    assert second["latitude"] is None
    assert (third["latitude"], third["geometry"]) == (None, None)


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "roto.json", '[\n  {"a": 1},\n  {"a": 2,,}\n]\n')
    with pytest.raises(UnreadableFileError, match=r"line 3, column 11"):
        read_json(path, ReadOptions())


def test_invalid_ndjson_line_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "roto.ndjson", '{"a": 1}\n{"a": 2}\n\n{"a": tru}\n')
    with pytest.raises(UnreadableFileError, match=r"line 4, column 7"):
        read_json(path, ReadOptions())


def test_encodings_bom_and_latin1(tmp_path: Path) -> None:
    bom = write(tmp_path, "bom.json", '\ufeff[{"año": "Nuevo León"}]')
    assert records(only_table(bom))[0] == {"__row": 1, "año": "Nuevo León"}
    latin = write(tmp_path, "latin.json", '[{"año": "Nuevo León"}]', encoding="latin-1")
    table = only_table(latin)
    assert records(table)[0]["año"] == "Nuevo León"
    assert table.detected["encoding"] != "utf-8"


def test_dispatcher_and_staging(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", json.dumps({"data": [{"x": 1, "y": "a"}, {"x": 2.5}]}))
    (table,) = read_tables(path)
    con = duckdb.connect()
    table.stage(con, "s")
    assert [c[0] for c in con.execute("DESCRIBE s").fetchall()] == ["__row", "c0", "c1"]
    assert con.execute("SELECT * FROM s ORDER BY __row").fetchall() == [
        (1, "1", "a"),
        (2, "2.5", None),
    ]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
flat_records = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), scalars, max_size=4), max_size=6
)


@settings(max_examples=60, deadline=None)
@given(flat_records)
def test_cells_are_canonical_renderings(tmp_path_factory: Any, data: list[dict]) -> None:
    path = tmp_path_factory.mktemp("h") / "r.json"
    path.write_text(json.dumps(data))
    tables = read_json(path, ReadOptions())
    if not any(data):
        assert tables == []  # no record, or only empty ones: no table
        return
    (table,) = tables
    expected_titles: list[str] = []
    for record in data:
        expected_titles += [k for k in record if k not in expected_titles]
    assert table.titles == expected_titles
    for record, row in zip(data, records(table), strict=True):
        for key in expected_titles:
            cell = row[key]
            if key not in record or record[key] is None:
                assert cell is None
            else:
                assert cell == render(record[key])
                if type(record[key]) is int:
                    assert cell == str(record[key])  # no ".0"
