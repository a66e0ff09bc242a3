"""Release files are written in row groups of ``ROW_GROUP_ROWS`` rows (the data API reads a
page's row group only), and keep every row in file order across the groups."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from abierto.ingest.pipeline import ROW_GROUP_ROWS, inspect_file
from abierto.settings import Settings


def test_release_row_groups(tmp_path: Path) -> None:
    rows = ROW_GROUP_ROWS * 2 + 123
    source = tmp_path / "grande.csv"
    lines = ["folio,monto"] + [f"{n},{n % 97}.5" for n in range(1, rows + 1)]
    source.write_text("\n".join(lines) + "\n")
    [table] = inspect_file(source, Settings(home=tmp_path / "home"), output_dir=tmp_path / "out")
    assert table.parquet_path is not None
    parquet = pq.ParquetFile(table.parquet_path)
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    assert sizes == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 123]
    folios = parquet.read(columns=["folio"]).column(0).to_pylist()  # an identifier: text
    assert folios == [str(n) for n in range(1, rows + 1)]
