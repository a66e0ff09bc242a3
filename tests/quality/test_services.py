"""Scoring published datasets (real files through the real pipeline) on SQLite and
PostgreSQL: facts loaded in bulk, history per day, organization scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from abierto.accounts.permissions import ANONYMOUS, readable_datasets
from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata, apply_metadata
from abierto.catalog.models import Dataset
from abierto.catalog.services import dataset_by_slug
from abierto.ingest.publish import PublishRequest, publish
from abierto.quality import services
from abierto.quality.models import QualityScore
from tests.realdata import real_file
from tests.web.conftest import hide, publish_csv

CLEAN = "folio,monto,fecha\n1,10.5,2024-01-01\n2,20,2024-01-02\n"


def _publish(context: AppContext, path: Path, slug: str, org: str) -> None:
    with context.db.session() as session:
        publish(session, context.settings, context.store, PublishRequest(path, org, slug))


def _ids(context: AppContext) -> dict[str, dict[str, bool | None]]:
    with context.db.session() as session:
        datasets = session.scalars(select(Dataset).order_by(Dataset.slug)).all()
        found = services.assess(session, datasets, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        return {
            d.slug: {c.id: c.passed for c in a.checks} for d, a in zip(datasets, found, strict=True)
        }


def test_real_files_are_checked(context: AppContext, tmp_path: Path) -> None:
    _publish(
        context, real_file("csv", "mx_sfp_proveedores_contratistas_sancionados.csv"), "sfp", "sfp"
    )
    _publish(context, real_file("csv", "mx_cdmx_contador_ciclistas.csv"), "bici", "cdmx")
    checks = _ids(context)
    assert checks["sfp"]["structure.headers"] is False  # the file has a blank header
    assert checks["bici"]["structure.headers"] is True
    assert checks["bici"]["format.open_machine_readable"] is True
    assert checks["bici"]["license.open"] is False  # no licence yet
    assert checks["bici"]["freshness.on_time"] is None  # no frequency: nothing to be late for


def test_metadata_raises_the_score_and_history_keeps_one_point_a_day(
    context: AppContext, tmp_path: Path
) -> None:
    publish_csv(context, tmp_path, "pagos", CLEAN, title="Pagos")
    day_one = dt.datetime(2026, 11, 1, 9)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "pagos")
        assert dataset is not None
        before = services.score_dataset(session, dataset, day_one).score
        again = services.score_dataset(session, dataset, day_one.replace(hour=18)).score
        assert again == before
        metadata = Metadata(
            title="Pagos",
            description="Pagos a proveedores del municipio de Zapopan, por fecha y monto. " * 2,
            license_id="cc-by-4.0",
            frequency="IRREG",
            contact_name="Tesorería",
            tags=["pagos"],
        )
        apply_metadata(session, dataset, metadata, None)
        after = services.score_dataset(session, dataset, day_one + dt.timedelta(days=1)).score
        assert after > before
        days = [day for day, _ in services.history(session, dataset.id)]
        assert days == [dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
        assert session.query(QualityScore).count() == 2


def test_catalog_scoring_and_organization_scores(context: AppContext, tmp_path: Path) -> None:
    for n in range(5):
        publish_csv(context, tmp_path, f"z{n}", CLEAN, title=f"Z {n}", org="zapopan")
    publish_csv(context, tmp_path, "m0", CLEAN, title="M", org="monterrey")
    publish_csv(context, tmp_path, "secreto", CLEAN, title="S", org="monterrey")
    hide(context, "secreto", private=True)
    now = dt.datetime(2026, 11, 23)
    with context.db.session() as session:
        assert services.score_catalog(session, now) == 7
        rows = services.organization_scores(session, readable_datasets(ANONYMOUS))
        counted = {org.slug: n for org, _, n, _ in rows}
        assert counted == {"zapopan": 5, "monterrey": 1}  # the private one is not counted
