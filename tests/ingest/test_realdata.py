"""`abierto inspect` on every real government file: a table with a report, or a clear error."""

from pathlib import Path

import pytest

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.pipeline import inspect_file
from abierto.settings import Settings
from tests.realdata import REALDATA

FILES = sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.name != "SOURCES.md")
EXPECTED_ERRORS = {
    "mx_inegi_indicadores_export_is_html.csv": "HTML",
    "mx_cdmx_pgj_respuesta_transparencia_escaneada_2018.pdf": "text layer",
}


@pytest.mark.skipif(not FILES, reason=f"no real files at {REALDATA}")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_inspect_every_real_file(path: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    if path.name in EXPECTED_ERRORS:
        with pytest.raises(UnreadableFileError, match=EXPECTED_ERRORS[path.name]):
            inspect_file(path, settings)
        return
    tables = inspect_file(path, settings)
    assert tables
    for table in tables:
        document = table.to_dict()
        assert document["columns"], f"{table.name} has no columns"
        assert document["row_count"] >= 0
        assert {c["type"] for c in document["columns"]} <= {
            "integer", "number", "boolean", "date", "datetime", "text", "geopoint"
        }  # fmt: skip
        assert "es" in document["report"]["summary"]
