"""JSON, NDJSON and GeoJSON: records become rows, nested objects become dotted columns.

Where the records are: a top-level array; one object per line (NDJSON, read line by line,
twice: once for the columns, once for the rows); the largest array of objects inside a
top-level object ({"data": [...]}, CKAN's {"result": [...]}, DCAT's {"dataset": [...]});
the ``features`` of a GeoJSON FeatureCollection. A lone object is a one-row table.

Nested objects are flattened with dotted names ("contacto.email"); lists inside a record are
kept as JSON text. Columns are the union of keys in first-seen order. GeoJSON Point features
get "latitude" and "longitude" columns; other geometries a "geometry" column of GeoJSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions
from abierto.ingest.readers.encoding import decoding_codec, detect_encoding
from abierto.ingest.source import SourceTable, batches_from_rows

MAX_SEARCH_DEPTH = 4  # how deep inside objects to look for the array of records
Flat = dict[str, str | None]


def read_json(path: Path, options: ReadOptions) -> list[SourceTable]:
    guess = detect_encoding(path, options.encoding)
    codec = decoding_codec(guess.encoding)
    detected: dict[str, Any] = {"encoding": guess.encoding}
    if _is_ndjson(path, codec):
        columns = _Columns()
        for _, record in _ndjson_records(path, codec):
            columns.add(record)
        detected |= {"format": "ndjson", "records_path": "$"}
        return [_table(path, columns, detected, lambda: _ndjson_records(path, codec))]
    data = _load(path, codec)
    records, fmt, records_path = _locate(data)
    columns = _Columns()
    flat = [_flatten_record(r) for r in records]
    for record in flat:
        columns.add(record)
    if not columns.names:
        return []  # no records: the dispatcher reports that no table was found
    detected |= {"format": fmt, "records_path": records_path}
    return [_table(path, columns, detected, lambda: enumerate(flat, start=1))]


def _table(
    path: Path,
    columns: _Columns,
    detected: dict[str, Any],
    records: Callable[[], Iterable[tuple[int, Flat]]],
) -> SourceTable:
    titles = list(columns.names)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for number, record in records():
            yield number, [record.get(name) for name in titles]

    return SourceTable(
        name=path.stem,
        titles=titles,
        detected=detected,
        batches=lambda: batches_from_rows(rows(), len(titles)),
    )


class _Columns:
    """Column names in first-seen order (a dict keeps insertion order)."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}

    def add(self, record: Flat) -> None:
        for name in record:
            if name not in self.names:
                self.names[name] = None


# --- reading ----------------------------------------------------------------------------


def _open(path: Path, codec: str) -> Any:
    errors = "abierto-latin1" if codec == "windows-1252" else "replace"
    return path.open(encoding=codec, errors=errors, newline=None)


def _invalid(path: Path, exc: json.JSONDecodeError, line: int | None = None) -> Exception:
    where = f"line {line or exc.lineno}, column {exc.colno}"
    return UnreadableFileError(str(path), f"invalid JSON at {where}: {exc.msg}")


def _load(path: Path, codec: str) -> Any:
    with _open(path, codec) as f:
        text = f.read().lstrip("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(path, exc) from exc


def _is_ndjson(path: Path, codec: str) -> bool:
    """One complete object on the first line and more content after it."""
    with _open(path, codec) as f:
        first = ""
        for line in f:
            if line.strip():
                first = line.strip().lstrip("\ufeff")
                break
        if not first.startswith("{"):
            return False
        try:
            if not isinstance(json.loads(first), dict):
                return False
        except json.JSONDecodeError:
            return False
        return any(line.strip() for line in f)


def _ndjson_records(path: Path, codec: str) -> Iterator[tuple[int, Flat]]:
    """(record number, flattened record) for every non-blank line, streamed."""
    number = 0
    with _open(path, codec) as f:
        for line_number, line in enumerate(f, start=1):
            text = line.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _invalid(path, exc, line_number) from exc
            number += 1
            yield number, _flatten_record(value)


# --- finding the records ------------------------------------------------------------------


def _locate(data: Any) -> tuple[list[Any], str, str]:
    """The records, the format name and where the records are ("$" for the top level)."""
    if isinstance(data, list):
        return data, "json", "$"
    if not isinstance(data, dict):
        return [data], "json", "$"
    if data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        return data["features"], "geojson", "features"
    if data.get("type") == "Feature":
        return [data], "geojson", "$"
    found = _largest_array(data, "", MAX_SEARCH_DEPTH)
    if found is None:
        return [data], "json", "$"
    return found[1], "json", found[0]


def _largest_array(data: dict[str, Any], prefix: str, depth: int) -> tuple[str, list] | None:
    """The largest array of objects among the members (first one wins a tie)."""
    best: tuple[str, list] | None = None
    for key, value in data.items():
        path = f"{prefix}{key}"
        candidate: tuple[str, list] | None = None
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            candidate = (path, value)
        elif isinstance(value, dict) and depth > 1:
            candidate = _largest_array(value, f"{path}.", depth - 1)
        if candidate and (best is None or len(candidate[1]) > len(best[1])):
            best = candidate
    return best


# --- flattening ---------------------------------------------------------------------------


def render(value: Any) -> str | None:
    """A JSON value as cell text: null is a missing cell, lists and objects JSON text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _flatten_record(record: Any) -> Flat:
    if not isinstance(record, dict):
        return {"value": render(record)}
    if record.get("type") == "Feature" and "geometry" in record:
        return _flatten_feature(record)
    return dict(_flatten(record, ""))


def _flatten(value: dict[str, Any], prefix: str) -> Iterable[tuple[str, str | None]]:
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            yield from _flatten(item, f"{name}.")
        else:
            yield name, render(item)


def _flatten_feature(feature: dict[str, Any]) -> Flat:
    """Properties as columns; a Point as latitude/longitude, other geometries as GeoJSON."""
    flat: Flat = {}
    if feature.get("id") is not None:
        flat["id"] = render(feature["id"])
    properties = feature.get("properties")
    if isinstance(properties, dict):
        flat.update(_flatten(properties, ""))
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return flat
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
        lat, lon = _free_name(flat, "latitude"), _free_name(flat, "longitude")
        flat[lat], flat[lon] = render(coordinates[1]), render(coordinates[0])
    else:
        flat[_free_name(flat, "geometry")] = render(geometry)
    return flat


def _free_name(flat: Flat, name: str) -> str:
    """``name``, or ``geometry.name`` when a property already has that name."""
    return name if name not in flat else f"geometry.{name}"
