"""A typed Parquet table for the rows-engine tests: every column type, accents, nulls."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

COLONIAS = ["Centro", "Chapalita", "Providencia", "Tesistán", "Santa Úrsula", None]
COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "title": "Folio", "type": "integer"},
    {"name": "monto", "title": "Monto", "type": "number"},
    {"name": "fecha", "title": "Fecha", "type": "date"},
    {"name": "momento", "title": "Momento", "type": "datetime"},
    {"name": "pagado", "title": "Pagado", "type": "boolean"},
    {"name": "colonia", "title": "Colonia", "type": "text"},
    {"name": "ubicacion", "title": "Ubicación", "type": "geopoint"},
]
POINT = pa.struct([("lat", pa.float64()), ("lon", pa.float64())])
ARROW = pa.schema(
    [
        ("id", pa.int64()),
        ("monto", pa.float64()),
        ("fecha", pa.date32()),
        ("momento", pa.timestamp("us")),
        ("pagado", pa.bool_()),
        ("colonia", pa.string()),
        ("ubicacion", POINT),
    ]
)


def records(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        rows.append(
            {
                "id": n + 1,
                "monto": rng.choice([None, round(rng.uniform(-50, 5000), 2), 100.0]),
                "fecha": rng.choice([day, day, None]),
                "momento": dt.datetime(2021, 3, 1, 8) + dt.timedelta(minutes=rng.randint(0, 9999)),
                "pagado": rng.choice([True, False, None]),
                "colonia": rng.choice(COLONIAS),
                "ubicacion": rng.choice(
                    [None, {"lat": 20.6 + rng.random() / 10, "lon": -103.4 + rng.random() / 10}]
                ),
            }
        )
    return rows


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=ARROW), path, row_group_size=1000)
    return path
