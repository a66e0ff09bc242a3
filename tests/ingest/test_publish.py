"""Publishing on each metadata backend: releases, idempotence, diffs, atomicity."""

import threading
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization, Release
from abierto.catalog.services import SlugTaken
from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.publish import PublishRequest, publish
from abierto.settings import Settings
from tests.conftest import _truncate_all

V1 = 'Municipio,Monto contratado,Fecha\nZapopan,"1,200.50",31/12/2019\nTlaquepaque,300,01/01/2020\n'
V2 = "Municipio,Monto del contrato,Fecha,Obra\nZapopan,\"1,200.50\",31/12/2019,Puente\n" \
     "Tlaquepaque,300,01/01/2020,Calle\nTonalá,50,02/01/2020,Parque\n"  # fmt: skip


def do_publish(ctx: AppContext, path: Path, **kwargs) -> object:
    request = PublishRequest(path=path, organization="zapopan", dataset="obras", **kwargs)
    with ctx.db.session() as session:
        return publish(session, ctx.settings, ctx.store, request)


def releases(ctx: AppContext) -> list[Release]:
    with ctx.db.session() as session:
        return list(session.scalars(select(Release).order_by(Release.number)))


def read_release(ctx: AppContext, release: Release) -> list[tuple]:
    path = ctx.store.local_path(release.blob_key)
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()


def test_first_publish_creates_everything(context: AppContext, tmp_path: Path) -> None:
    source = tmp_path / "obras.csv"
    source.write_text(V1)
    result = do_publish(context, source, title="Obra pública")
    assert not result.unchanged
    [release] = releases(context)
    assert release.number == 1 and release.row_count == 2
    assert [c["name"] for c in release.columns] == ["municipio", "monto_contratado", "fecha"]
    assert [c["type"] for c in release.columns] == ["text", "number", "date"]
    assert release.profile["monto_contratado"]["max"] == 1200.5
    assert release.report["valid"] is True
    assert release.diff is None
    assert read_release(context, release)[0][:2] == ("Zapopan", 1200.5)
    with context.db.session() as session:
        dataset = session.scalar(select(Dataset))
        assert dataset.title == "Obra pública" and dataset.organization.slug == "zapopan"


def test_identical_file_creates_no_release(context: AppContext, tmp_path: Path) -> None:
    source = tmp_path / "obras.csv"
    source.write_text(V1)
    do_publish(context, source)
    again = do_publish(context, source)
    assert again.unchanged
    assert len(releases(context)) == 1


def test_an_identical_file_stops_before_its_rows_are_typed(
    context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "obras.csv"
    source.write_text(V1)
    do_publish(context, source)

    def typing(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows typed")

    monkeypatch.setattr("abierto.ingest.pipeline.build_typed_table", typing)
    assert do_publish(context, source).unchanged
    source.write_text(V2)  # a changed file is typed
    with pytest.raises(AssertionError, match="rows typed"):
        do_publish(context, source)


def test_new_release_has_a_schema_diff_and_keeps_the_old_one(
    context: AppContext, tmp_path: Path
) -> None:
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    first.write_text(V1)
    second.write_text(V2)
    do_publish(context, first)
    do_publish(context, second)
    old, new = releases(context)
    assert new.number == 2 and new.row_count == 3
    kinds = {(c["kind"], c["column"]) for c in new.diff["changes"]}
    assert ("renamed", "monto_del_contrato") in kinds
    assert ("added", "obra") in kinds
    assert new.diff["breaking"] is True
    assert len(read_release(context, old)) == 2  # the earlier release is still readable
    assert old.blob_key != new.blob_key


def test_confirmed_rename_keeps_the_machine_name(context: AppContext, tmp_path: Path) -> None:
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    first.write_text(V1)
    second.write_text(V2)
    do_publish(context, first)
    do_publish(context, second, renames={"monto_del_contrato": "monto_contratado"})
    new = releases(context)[-1]
    names = [c["name"] for c in new.columns]
    assert "monto_contratado" in names and "monto_del_contrato" not in names
    changes = {(c["kind"], c["column"]) for c in new.diff["changes"]}
    assert ("title-changed", "monto_contratado") in changes
    assert ("renamed", "monto_del_contrato") not in changes


def test_failed_publish_changes_nothing(context: AppContext, tmp_path: Path) -> None:
    good, bad = tmp_path / "v1.csv", tmp_path / "bad.csv"
    good.write_text(V1)
    bad.write_text("<!DOCTYPE html><html><body><form></form></body></html>")
    do_publish(context, good)
    blobs_before = set(context.store.keys())
    with pytest.raises(UnreadableFileError):
        do_publish(context, bad)
    [release] = releases(context)
    assert release.number == 1
    assert set(context.store.keys()) == blobs_before
    assert len(read_release(context, release)) == 2


def test_workbook_with_several_tables_makes_one_resource_each(
    context: AppContext, realdata: Path
) -> None:
    do_publish(context, realdata / "excel" / "mx_inecc_anvcc_municipios_vulnerables.xlsx")
    with context.db.session() as session:
        dataset = session.scalar(select(Dataset))
        names = [r.name for r in dataset.resources]
        count = session.scalar(select(func.count()).select_from(Release))
    assert len(names) >= 4 and count == len(names)


def test_two_publishes_creating_the_same_dataset_at_once(postgres_url: str, tmp_path: Path) -> None:
    """Both land in the one new dataset (releases 1 and 2), neither fails: the second insert
    waits for the first transaction, then finds its dataset and organization."""
    ctx = AppContext.create(Settings(home=tmp_path / "home", database_url=postgres_url))
    _truncate_all(ctx.db)
    files = []
    for n in range(2):
        path = tmp_path / f"obras-{n}.csv"
        path.write_text("Obra,Monto\n" + f"Obra {n},{n}\n" * (20_000 + n), encoding="utf-8")
        files.append(path)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish_one(path: Path) -> None:
        request = PublishRequest(path=path, organization="nueva-org", dataset="nuevas-obras")
        try:
            with ctx.db.session() as session:
                start.wait()
                publish(session, ctx.settings, ctx.store, request)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish_one, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        with ctx.db.session() as session:
            numbers = session.scalars(select(Release.number).order_by(Release.number)).all()
            assert numbers == [1, 2]
            assert session.scalar(select(func.count()).select_from(Dataset)) == 1
            assert session.scalar(select(func.count()).select_from(Organization)) == 1
    finally:
        _truncate_all(ctx.db)
        ctx.close()


def test_a_new_dataset_never_takes_an_existing_slug(context: AppContext, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(V1, encoding="utf-8")
    second.write_text(V2, encoding="utf-8")
    do_publish(context, first)
    request = PublishRequest(second, organization="zapopan", dataset="obras", new_dataset=True)
    with pytest.raises(SlugTaken), context.db.session() as session:
        publish(session, context.settings, context.store, request)
    assert [r.number for r in releases(context)] == [1]


def test_a_failed_first_publish_leaves_no_dataset_or_organization(
    context: AppContext, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("<!DOCTYPE html><html><body><form></form></body></html>")
    request = PublishRequest(path=bad, organization="nueva-org", dataset="nuevo")
    with pytest.raises(UnreadableFileError), context.db.session() as session:
        publish(session, context.settings, context.store, request)
    with context.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
        assert session.scalar(select(func.count()).select_from(Organization)) == 0
