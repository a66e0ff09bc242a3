"""Scoring published datasets (real files through the real pipeline) on SQLite and
PostgreSQL: facts loaded in bulk, history per day, organization scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata, add_link, apply_metadata
from abierto.catalog.models import Dataset
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.ingest.publish import PublishRequest, publish
from abierto.quality import organizations, services
from abierto.quality.models import LinkCheck, OrganizationQualityScore, QualityScore
from tests.realdata import real_file
from tests.web.conftest import hide, publish_csv

CLEAN = "folio,monto,fecha\n1,10.5,2024-01-01\n2,20,2024-01-02\n"
GOOD_METADATA = Metadata(
    title="Pagos",
    description="Pagos a proveedores del municipio de Zapopan, por fecha y monto. " * 2,
    license_id="cc-by-4.0",
    frequency="IRREG",
    contact_name="Tesorería",
    tags=["pagos"],
)


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
        apply_metadata(session, dataset, GOOD_METADATA, None)
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
        rows = organizations.scoreboard(session, now.date())
        counted = {row.organization.slug: row.datasets for row in rows}
        assert counted == {"zapopan": 5, "monterrey": 1}  # the private one is not counted
        stored = session.scalars(select(OrganizationQualityScore)).all()
        assert {(r.day, r.datasets) for r in stored} == {(now.date(), 5), (now.date(), 1)}


def test_organization_history_and_trend(context: AppContext, tmp_path: Path) -> None:
    publish_csv(context, tmp_path, "a", CLEAN, title="A")
    publish_csv(context, tmp_path, "b", CLEAN, title="B")
    start = dt.datetime(2026, 10, 1, 3)
    with context.db.session() as session:
        services.score_catalog(session, start)
        services.score_catalog(session, start.replace(hour=9))  # same day: replaced
        [first] = organizations.scoreboard(session, start.date())
        assert first.trend is None  # nothing to compare with yet
        dataset = dataset_by_slug(session, "a")
        assert dataset is not None
        apply_metadata(session, dataset, GOOD_METADATA, None)
        later = start + dt.timedelta(days=20)
        services.score_catalog(session, later)
        a, b = (services.score_dataset(session, d, later).score for d in _datasets(session))
        [row] = organizations.scoreboard(session, later.date())
        assert row.score == round((a + b) / 2, 1)
        assert row.trend == round(row.score - first.score, 1) and row.trend > 0
        history = services.organization_history(session, row.organization.id)
        assert [day for day, _ in history] == [start.date(), later.date()]
        # Past the trend window, the first day no longer counts.
        [row] = organizations.scoreboard(session, start.date() + dt.timedelta(days=45))
        assert row.trend == 0.0  # against the day-20 point, nothing changed since


def _datasets(session: Session) -> list[Dataset]:
    return list(session.scalars(select(Dataset).order_by(Dataset.slug)))


def test_each_check_family_on_real_files(context: AppContext) -> None:
    """Real files through the real pipeline: errors, headers, a PDF-only dataset, links."""
    _publish(context, real_file("csv", "mx_zapopan_obra_publica.csv"), "obra", "zapopan")
    _publish(context, real_file("csv", "mx_cdmx_contador_ciclistas.csv"), "bici", "cdmx")
    _publish(
        context,
        real_file("excel", "mx_shcp_cuenta_publica_2019_gasto_programatico.xls"),
        "gasto",
        "shcp",
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with context.db.session() as session:
        organization = get_or_create_organization(session, "conapo")
        pdf = Dataset(slug="proyecciones", title="Proyecciones", organization=organization)
        session.add(pdf)
        session.flush()
        add_link(
            session, pdf, title="Diccionario", url="https://www.gob.mx/conapo/dic.pdf",
            format="PDF", kind="file", actor_id=None,
        )  # fmt: skip
        bici = dataset_by_slug(session, "bici")
        assert bici is not None
        up = add_link(session, bici, title="API", url="https://datos.cdmx.gob.mx/api",
                      format="JSON", kind="link", actor_id=None)  # fmt: skip
        down = add_link(session, bici, title="Mapa", url="https://datos.cdmx.gob.mx/mapa.csv",
                        format="CSV", kind="link", actor_id=None)  # fmt: skip
        broken_since = now - dt.timedelta(days=3)
        session.add_all([
            LinkCheck(resource_id=up.id, url=up.url, ok=True, status=200, checked_at=now),
            LinkCheck(resource_id=down.id, url=down.url, ok=False, status=404, checked_at=now,
                      first_broken_at=broken_since),
        ])  # fmt: skip
    checks = _ids(context)
    assert checks["obra"]["structure.valid_rows"] is False  # 706 of 2,258 rows have errors
    assert checks["bici"]["structure.valid_rows"] is True  # none
    assert checks["gasto"]["structure.headers"] is False  # three duplicate headers
    assert checks["gasto"]["format.open_machine_readable"] is True  # served as CSV/Parquet
    assert checks["proyecciones"]["format.open_machine_readable"] is False  # a PDF: 1 star
    assert checks["proyecciones"]["structure.has_table"] is False
    assert checks["bici"]["retrievability.links"] is False  # one of its two links is broken
    assert "retrievability.links" not in checks["obra"]  # no links: does not apply
    with context.db.session() as session:
        bici = dataset_by_slug(session, "bici")
        assert bici is not None
        [assessment] = services.assess(session, [bici], now)
        link = next(c for c in assessment.checks if c.id == "retrievability.links")
        assert (link.value, link.evidence) == (1, "1 of 2 links broken")
