"""The demo data: published once, unchanged the second time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.catalog.services import dataset_by_slug, latest_release
from abierto.demo import DATASETS, load_demo, write_demo_files
from abierto.settings import Settings


def test_demo_files_are_identical_on_every_run(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for (_, a), (_, b) in zip(write_demo_files(first), write_demo_files(second), strict=True):
        assert a.read_bytes() == b.read_bytes()
    contracts = (first / DATASETS[0].filename).read_bytes()
    assert "Fuente:".encode("cp1252") in contracts and "Número".encode("cp1252") in contracts


def test_load_demo_twice_creates_no_new_release(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    lines = list(load_demo(settings))
    assert len(lines) == len(DATASETS)
    assert all("versión 1" in line for line in lines)
    again = list(load_demo(settings))
    assert all("sin cambios" in line for line in again)
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Release)) == len(DATASETS)
            dataset = dataset_by_slug(session, "municipios-jalisco")
            assert dataset is not None and dataset.organization.place_key == "14"
            release = latest_release(session, dataset.resources[0])
            assert release is not None
            types = {c["name"]: c["type"] for c in release.columns}
            assert types["clave_municipio"] == "text"  # "039" keeps its zeros
            assert "039" in release.profile["clave_municipio"]["sample"] or (
                release.profile["clave_municipio"]["min"] == "001"
            )
    finally:
        context.close()
