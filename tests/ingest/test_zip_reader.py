"""ZIP archives: members through the dispatcher, zip-bomb guards, safe extraction."""

from __future__ import annotations

import gc
import importlib
import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.readers import ReadOptions, archive, read_tables
from abierto.ingest.readers.archive import read_zip
from abierto.ingest.source import SourceTable
from tests.realdata import real_file

MB = 1 << 20


def csv_reader_available() -> bool:
    try:
        importlib.import_module("abierto.ingest.readers.csv")
    except ImportError:
        return False
    return True


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def records_json(n: int, key: str = "n") -> str:
    return json.dumps([{key: i, "texto": f"fila {i}"} for i in range(n)])


def staged(table: SourceTable) -> list[tuple]:
    con = duckdb.connect()
    table.materialize(con, "s")
    return con.execute("SELECT * FROM s ORDER BY __row").fetchall()


def scratch_dirs(workdir: Path) -> list[Path]:
    return sorted(workdir.glob("abierto-zip-*"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_json_members_are_read_and_named_by_path(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(
        tmp_path / "datos.zip",
        {
            "datos/2019.json": records_json(3),
            "datos/2020.ndjson": '{"n": 1}\n{"n": 2, "m": true}\n',
            "datos/": "",
            "__MACOSX/datos/._2019.json": "\0\0",
            ".oculto.json": "[]",
            "datos/.DS_Store": "x",
            "LEEME.docx": "not data",
        },
    )
    tables = read_tables(path, ReadOptions(workdir=str(workdir)))
    assert [t.name for t in tables] == ["datos/2019.json", "datos/2020.ndjson"]
    assert [t.detected["archive_member"] for t in tables] == [
        "datos/2019.json",
        "datos/2020.ndjson",
    ]
    assert tables[0].detected["format"] == "json"
    assert tables[1].detected["format"] == "ndjson"
    assert tables[1].titles == ["n", "m"]
    assert staged(tables[1]) == [(1, "1", None), (2, "2", "true")]
    con = duckdb.connect()
    tables[0].stage(con, "s")
    assert [c[0] for c in con.execute("DESCRIBE s").fetchall()] == ["__row", "c0", "c1"]


def test_extracted_files_live_as_long_as_the_tables(tmp_path: Path, workdir: Path) -> None:
    # NDJSON is read again from the extracted file at staging time, after read_zip returned.
    path = make_zip(tmp_path / "a.zip", {"a.ndjson": '{"x": 1}\n{"x": 2}\n'})
    tables = read_zip(path, ReadOptions(workdir=str(workdir)))
    gc.collect()
    assert len(scratch_dirs(workdir)) == 1
    assert staged(tables[0]) == [(1, "1"), (2, "2")]
    assert staged(tables[0]) == [(1, "1"), (2, "2")]  # and again
    del tables
    gc.collect()
    assert scratch_dirs(workdir) == []


def test_closing_every_table_removes_the_scratch(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(tmp_path / "dos.zip", {"a.json": records_json(2), "b.json": records_json(3)})
    first, second = read_zip(path, ReadOptions(workdir=str(workdir)))
    first.close()
    assert len(scratch_dirs(workdir)) == 1  # b.json's table still needs it
    assert len(staged(second)) == 3
    second.close()
    assert scratch_dirs(workdir) == []


@pytest.mark.skipif(
    not csv_reader_available(), reason="readers/csv.py is not written yet (another engineer)"
)
def test_csv_member(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(tmp_path / "c.zip", {"datos/2019.csv": "estado,casos\nJalisco,3\nColima,4\n"})
    (table,) = read_zip(path, ReadOptions(workdir=str(workdir)))
    assert table.name == "datos/2019.csv"
    assert table.detected["format"] == "csv"
    assert table.titles == ["estado", "casos"]
    rows = staged(table)
    assert [r[1:] for r in rows] == [("Jalisco", "3"), ("Colima", "4")]


def test_pdf_member(tmp_path: Path) -> None:
    pdf = real_file("pdf", "mx_ssa_casos_sospechosos_covid19_2020-03-16.pdf")
    path = tmp_path / "reportes.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(pdf, "reportes/sospechosos.pdf")
        zf.writestr("reportes/resumen.json", records_json(2))
    tables = read_zip(path, ReadOptions())
    assert [t.name for t in tables] == ["reportes/sospechosos.pdf", "reportes/resumen.json"]
    assert tables[0].detected["pages"] == [1, 4]
    assert len(staged(tables[0])) == 171


def test_zip_bomb_ratio_is_refused(tmp_path: Path, workdir: Path) -> None:
    path = tmp_path / "bomba.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("ceros.json", "w") as member,
    ):
        for _ in range(100):
            member.write(b"\0" * MB)
    assert path.stat().st_size < 200_000  # 100 MB of zeros compress to ~100 KB
    with pytest.raises(UnreadableFileError, match="max_zip_ratio"):
        read_tables(path, ReadOptions(workdir=str(workdir)))
    assert scratch_dirs(workdir) == []


def test_declared_size_over_the_limit_is_refused(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(tmp_path / "grande.zip", {"a.json": records_json(20_000)})
    with pytest.raises(UnreadableFileError, match="max_unzipped_bytes"):
        read_zip(path, ReadOptions(max_unzipped_bytes=100_000, workdir=str(workdir)))
    assert scratch_dirs(workdir) == []


def test_bytes_are_counted_while_extracting(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Headers can lie: with the header checks out of the way, the byte count still stops it.
    def trusting(zf: zipfile.ZipFile, *_: object) -> list[zipfile.ZipInfo]:
        return [info for info in zf.infolist() if archive._wanted(info)]

    monkeypatch.setattr(archive, "_members", trusting)
    path = make_zip(tmp_path / "mentira.zip", {"a.json": records_json(20_000)})
    with pytest.raises(UnreadableFileError, match="max_unzipped_bytes"):
        read_zip(path, ReadOptions(max_unzipped_bytes=100_000, workdir=str(workdir)))
    assert scratch_dirs(workdir) == []


def test_too_many_members(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "muchos.zip", {f"m{i}.json": "[]" for i in range(6)})
    with pytest.raises(UnreadableFileError, match=r"max_zip_members \(5\)"):
        read_zip(path, ReadOptions(max_zip_members=5))


def test_nesting_two_levels_is_fine_three_is_not(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"datos.json": records_json(2)})
    middle = make_zip(tmp_path / "middle.zip", {"dentro/inner.zip": inner.read_bytes()})
    (table,) = read_tables(middle)
    assert table.name == "dentro/inner.zip/datos.json"
    assert table.detected["archive_member"] == "dentro/inner.zip/datos.json"
    assert len(staged(table)) == 2
    outer = make_zip(tmp_path / "outer.zip", {"middle.zip": middle.read_bytes()})
    with pytest.raises(UnreadableFileError, match="nested deeper than 2 levels"):
        read_tables(outer)


def test_nested_archives_share_the_byte_budget(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"a.json": records_json(3000)})
    size = len(records_json(3000))
    middle = make_zip(
        tmp_path / "middle.zip", {"x.zip": inner.read_bytes(), "y.zip": inner.read_bytes()}
    )
    read_zip(middle, ReadOptions(max_unzipped_bytes=3 * size))
    with pytest.raises(UnreadableFileError, match="max_unzipped_bytes"):
        read_zip(middle, ReadOptions(max_unzipped_bytes=int(1.5 * size)))


def test_path_traversal_never_escapes(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(
        tmp_path / "malo.zip",
        {
            "../evil.json": records_json(1),
            "/etc/abs.json": records_json(1),
            "../../x/../y.json": "[1]",
        },
    )
    tables = read_zip(path, ReadOptions(workdir=str(workdir)))
    assert [t.name for t in tables] == ["../evil.json", "/etc/abs.json", "../../x/../y.json"]
    assert [len(staged(t)) for t in tables] == [1, 1, 1]
    everything = [p for p in tmp_path.rglob("*") if p.is_file()]
    (scratch,) = scratch_dirs(workdir)
    outside = [p for p in everything if scratch not in p.parents and p != path]
    assert outside == []
    assert not (tmp_path / "evil.json").exists() and not (workdir / "evil.json").exists()


def test_a_bad_member_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "mixto.zip", {"bien.json": records_json(2), "mal.json": "[{,}]"})
    (table,) = read_zip(path, ReadOptions())
    assert table.name == "bien.json"
    assert "invalid JSON" in table.detected["archive_unreadable"]["mal.json"]
    only_bad = make_zip(tmp_path / "malo.zip", {"mal.json": "[{,}]"})
    with pytest.raises(UnreadableFileError, match=r"mal\.json"):
        read_zip(only_bad, ReadOptions())


def test_no_data_members_and_damaged_archives(tmp_path: Path) -> None:
    empty = make_zip(tmp_path / "docs.zip", {"LEEME.docx": "x", "__MACOSX/a.json": "[]"})
    with pytest.raises(UnreadableFileError, match="no file in a data format"):
        read_zip(empty, ReadOptions())
    broken = tmp_path / "roto.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(UnreadableFileError):
        read_tables(broken)
