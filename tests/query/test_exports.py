"""Every export format written from a real Parquet file and parsed back with its own reader."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from abierto.query import export_cache, exports
from abierto.query.engine import QueryEngine
from abierto.query.exports import export, gzip_chunks, stream_file
from abierto.query.rows import QueryError, parse_row_query
from abierto.settings import Settings
from tests.query import rowdata

COUNT = 1_200
Row = dict[str, Any]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Row]]:
    rows = rowdata.records(COUNT, seed=11)
    return str(rowdata.write(tmp_path_factory.mktemp("exp") / "t.parquet", rows)), rows


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryEngine]:
    engine = QueryEngine(Settings(home=tmp_path_factory.mktemp("home")))
    yield engine
    engine.close()


def run(
    engine: QueryEngine,
    table: tuple[str, list[Row]],
    fmt: str,
    schema: dict[str, Any] | None = None,
    **params: str,
) -> bytes:
    query = parse_row_query(params, rowdata.COLUMNS, export=True)
    path = export(engine, table[0], rowdata.COLUMNS, query, fmt, schema)
    chunks, size = stream_file(path)
    data = b"".join(chunks)
    assert len(data) == size
    assert not path.exists()  # streamed once, then gone
    return data


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return f"{value['lat']},{value['lon']}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def test_csv_has_every_row(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    data = run(engine, table, "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == [c["name"] for c in rowdata.COLUMNS]
    assert len(rows) == COUNT + 1
    for got, want in zip(rows[1:], table[1], strict=True):
        want_text = [text(want[c["name"]]) for c in rowdata.COLUMNS]
        assert got[:1] + got[2:] == want_text[:1] + want_text[2:]
        assert (float(got[1]) if got[1] else None) == want["monto"]


def test_filtered_sorted_export(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    data = run(engine, table, "csv", colonia="Centro", order="-id", select="id,colonia")
    rows = list(csv.reader(io.StringIO(data.decode())))
    expected = [str(r["id"]) for r in reversed(table[1]) if r["colonia"] == "Centro"]
    assert rows[0] == ["id", "colonia"] and [r[0] for r in rows[1:]] == expected
    limited = run(engine, table, "csv", limit="3", select="id").decode().split()
    assert limited == ["id", "1", "2", "3"]


def test_ndjson_and_json(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    lines = run(engine, table, "ndjson").decode().splitlines()
    array = json.loads(run(engine, table, "json"))
    assert [json.loads(line) for line in lines] == array
    assert len(array) == COUNT
    first, source = array[0], table[1][0]
    assert first["id"] == 1 and first["colonia"] == source["colonia"]
    assert first["momento"] == source["momento"].isoformat()
    assert first["ubicacion"] == source["ubicacion"]
    assert first["fecha"] == (source["fecha"].isoformat() if source["fecha"] else None)


def test_parquet_round_trip(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    data = run(engine, table, "parquet", pagado="true")
    back = pq.read_table(io.BytesIO(data)).to_pylist()
    assert back == [r for r in table[1] if r["pagado"] is True]


def test_xlsx_read_back_with_calamine(
    engine: QueryEngine, table: tuple[str, list[Row]], tmp_path: Path
) -> None:
    data = run(engine, table, "xlsx")
    (tmp_path / "t.xlsx").write_bytes(data)
    sheet = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    assert rows[0] == [c["name"] for c in rowdata.COLUMNS]
    assert len(rows) == COUNT + 1
    for got, want in zip(rows[1:], table[1], strict=True):
        assert got[0] == want["id"]
        assert (got[1] if got[1] != "" else None) == want["monto"]
        assert (got[2] or None) == want["fecha"]
        assert got[3] == want["momento"]
        assert (got[4] if got[4] != "" else None) == want["pagado"]
        assert got[5] == (want["colonia"] or "")
        assert got[6] == text(want["ubicacion"])


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    engine: QueryEngine, table: tuple[str, list[Row]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 100)
    with pytest.raises(QueryError, match="at most 100 rows") as caught:
        run(engine, table, "xlsx")
    assert caught.value.param == "format"
    assert run(engine, table, "xlsx", limit="100")[:2] == b"PK"


def test_geojson_from_a_geopoint(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    document = json.loads(run(engine, table, "geojson"))
    assert document["type"] == "FeatureCollection"
    features = document["features"]
    assert len(features) == COUNT
    for feature, row in zip(features, table[1], strict=True):
        assert feature["type"] == "Feature"
        point = row["ubicacion"]
        if point is None:
            assert feature["geometry"] is None
        else:
            assert feature["geometry"] == {
                "type": "Point",
                "coordinates": [point["lon"], point["lat"]],
            }
        assert "ubicacion" not in feature["properties"]
        assert feature["properties"]["id"] == row["id"]


def test_geojson_from_a_latitude_longitude_pair(
    engine: QueryEngine, table: tuple[str, list[Row]]
) -> None:
    schema = {"point": {"lat": "monto", "lon": "id"}}  # any two numeric columns will do
    document = json.loads(run(engine, table, "geojson", schema, select="id,monto", limit="5"))
    for feature, row in zip(document["features"], table[1][:5], strict=True):
        expected = None if row["monto"] is None else [row["id"], row["monto"]]
        assert (feature["geometry"] or {}).get("coordinates") == expected


def test_geojson_needs_a_point(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    with pytest.raises(QueryError, match="point") as caught:
        run(engine, table, "geojson", select="id,colonia")
    assert caught.value.param == "format"


def test_grouped_export(engine: QueryEngine, table: tuple[str, list[Row]]) -> None:
    data = run(engine, table, "csv", group_by="pagado", count="", order="pagado")
    rows = list(csv.reader(io.StringIO(data.decode())))
    counts = {r[0]: int(r[1]) for r in rows[1:]}
    assert rows[0] == ["pagado", "count"]
    assert counts["true"] == sum(1 for r in table[1] if r["pagado"] is True)
    assert sum(counts.values()) == COUNT


def test_gzip_chunks_are_one_gzip_stream() -> None:
    parts = [b"uno,dos\n" * 1000, b"", "tres,cuatro ñ\n".encode() * 500]
    assert gzip.decompress(b"".join(gzip_chunks(iter(parts)))) == b"".join(parts)


def test_failed_export_leaves_no_file(
    engine: QueryEngine, table: tuple[str, list[Row]], tmp_path: Path
) -> None:
    query = parse_row_query({}, rowdata.COLUMNS, export=True)
    with pytest.raises(duckdb.IOException):
        export(engine, str(tmp_path / "missing.parquet"), rowdata.COLUMNS, query, "csv")
    assert list(engine.settings.scratch_dir.glob("export-*")) == []


def test_whole_release_exports_are_kept_and_evicted(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    made: list[str] = []

    def maker(text: str) -> Any:
        def make() -> Path:
            made.append(text)
            path = tmp_path / f"{text}.tmp"
            path.write_text(text * 1000)
            return path

        return make

    first = export_cache.cached(settings, "abc", "csv", False, maker("a"))
    again = export_cache.cached(settings, "abc", "csv", False, maker("b"))
    assert first == again and made == ["a"] and first.read_text() == "a" * 1000
    zipped = export_cache.cached(settings, "abc", "csv", True, maker("c"))
    assert gzip.decompress(zipped.read_bytes()) == b"a" * 1000 and made == ["a"]
    chunks, size = export_cache.read_file(zipped)
    assert b"".join(chunks) == zipped.read_bytes() and size == zipped.stat().st_size
    settings.__dict__["export_cache_mb"] = 0  # every older file must go
    newest = export_cache.cached(settings, "def", "csv", False, maker("d"))
    assert sorted(p.name for p in export_cache.folder(settings).iterdir()) == [newest.name]


def test_only_whole_exports_are_kept() -> None:
    whole = parse_row_query({}, rowdata.COLUMNS, export=True)
    assert export_cache.is_whole(whole)
    for params in ({"id": "1"}, {"select": "id"}, {"order": "id"}, {"limit": "5"}, {"q": "x"}):
        assert not export_cache.is_whole(parse_row_query(params, rowdata.COLUMNS, export=True))
