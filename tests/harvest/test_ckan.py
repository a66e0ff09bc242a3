"""Harvesting a live abierto portal through its CKAN Action API, in jobs on the in-process
queue, into a second portal with its own database (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.editing import apply_metadata, delete_dataset, metadata_of
from abierto.catalog.models import ActivityEvent, Dataset
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.harvest.admin import add_source
from abierto.harvest.models import HarvestRecord, HarvestSource
from abierto.harvest.tasks import enqueue_run
from abierto.jobs.models import Job
from tests.harvest.conftest import Remote


def _source(context: AppContext, url: str, kind: str = "ckan") -> str:
    with context.db.session() as session:
        org = get_or_create_organization(session, "cdmx-local", "CDMX (cosechado)")
        return add_source(session, url=url, kind=kind, organization=org, title="CDMX").id


def _run(context: AppContext, source_id: str, *, full: bool = False) -> dict[str, Any]:
    job_id = enqueue_run(context, source_id, full=full)
    assert context.jobs.wait(job_id, 60) == "done", _job(context, job_id).error
    return _job(context, job_id).result or {}


def _job(context: AppContext, job_id: str) -> Job:
    with context.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _local(context: AppContext) -> dict[str, dict[str, Any]]:
    with context.db.session() as session:
        datasets = session.scalars(select(Dataset)).all()
        return {
            d.slug: {
                "title": d.title,
                "org": d.organization.slug,
                "state": d.state,
                "license": d.license_id,
                "frequency": d.frequency,
                "temporal": (d.temporal_start, d.temporal_end),
                "spatial": d.spatial,
                "tags": sorted(t.name for t in d.tags),
                "links": [(r.kind, r.title, r.url, r.format) for r in d.resources],
            }
            for d in datasets
        }


def _counts(result: dict[str, Any]) -> tuple[int, ...]:
    keys = ("created", "updated", "unchanged", "withdrawn", "skipped")
    return tuple(result[k] for k in keys)


def test_harvest_create_rerun_update_and_withdraw(local: AppContext, remote: Remote) -> None:
    # A dataset of the local portal holds the slug "escuelas": it must never be touched.
    with local.db.session() as session:
        sep = get_or_create_organization(session, "sep", "SEP")
        session.add(Dataset(slug="escuelas", organization_id=sep.id, title="Escuelas (SEP)"))
    source_id = _source(local, remote.url)

    first = _run(local, source_id)
    assert _counts(first) == (3, 0, 0, 0, 0) and first["complete"] and not first["incremental"]
    datasets = _local(local)
    assert set(datasets) == {"escuelas", "presupuesto", "escuelas-2", "calidad-aire"}
    assert (datasets["escuelas"]["title"], datasets["escuelas"]["org"]) == ("Escuelas (SEP)", "sep")
    budget = datasets["presupuesto"]
    assert budget["org"] == "cdmx-local" and budget["title"] == "Presupuesto de egresos"
    assert budget["license"] == "cc-by-4.0" and budget["frequency"] == "ANNUAL"
    assert budget["tags"] == ["finanzas", "presupuesto"]
    assert [str(d) for d in budget["temporal"]] == ["2024-01-01", "2024-12-31"]
    assert budget["spatial"] == "Ciudad de México"
    # The remote table becomes a link to its CSV export; its PDF link stays a link.
    assert [(k, f) for k, _, _, f in budget["links"]] == [("link", "CSV"), ("link", "PDF")]
    assert budget["links"][0][2].startswith(f"{remote.url}/datasets/presupuesto/resources/")
    assert budget["links"][1][1:] == ("Decreto", "https://example.org/decreto.pdf", "PDF")
    schools = datasets["escuelas-2"]
    assert schools["license"] == "odc-odbl" and schools["tags"] == ["educación"]
    assert schools["links"] == [("link", "Padrón", "https://example.org/escuelas.csv", "CSV")]
    assert datasets["calidad-aire"]["license"] == "cc0-1.0"
    assert datasets["calidad-aire"]["frequency"] == "DAILY"
    with local.db.session() as session:
        created = session.scalars(
            select(ActivityEvent).where(ActivityEvent.verb == "dataset.created")
        ).all()
        assert {e.data["slug"] for e in created} == {"presupuesto", "escuelas-2", "calidad-aire"}
        assert all(e.data["harvest_source"] == source_id for e in created)
        source = session.get(HarvestSource, source_id)
        assert source is not None and source.last_status == "done"
        assert source.last_counts["created"] == 3 and source.last_success_at is not None

    second = _run(local, source_id)  # incremental: the last hour is looked at again
    assert second["incremental"] and _counts(second) == (0, 0, 3, 0, 0)
    assert _local(local) == datasets

    with remote.context.db.session() as session:
        air = dataset_by_slug(session, "calidad-aire")
        assert air is not None
        changed = metadata_of(air)
        changed.title, changed.tags = "Calidad del aire (horaria)", ["aire", "ozono"]
        apply_metadata(session, air, changed, None)
    third = _run(local, source_id)
    assert _counts(third) == (0, 1, 2, 0, 0)
    after = _local(local)
    assert after["calidad-aire"]["title"] == "Calidad del aire (horaria)"
    assert after["calidad-aire"]["tags"] == ["aire", "ozono"]
    assert {k: v for k, v in after.items() if k != "calidad-aire"} == {
        k: v for k, v in datasets.items() if k != "calidad-aire"
    }

    with remote.context.db.session() as session:
        gone = dataset_by_slug(session, "escuelas")
        assert gone is not None
        delete_dataset(session, gone, None)
    assert _run(local, source_id)["withdrawn"] == 0  # incremental runs never withdraw
    full = _run(local, source_id, full=True)
    assert _counts(full) == (0, 0, 2, 1, 0) and not full["incremental"]
    withdrawn = _local(local)["escuelas-2"]
    assert withdrawn["state"] == "draft" and withdrawn["links"] == schools["links"]
    assert _local(local)["escuelas"]["state"] == "published"  # the SEP's own
    with local.db.session() as session:
        records = session.scalars(select(HarvestRecord)).all()
        assert len(records) == 3 and sum(r.withdrawn for r in records) == 1


def test_private_and_draft_datasets_are_never_harvested(local: AppContext, remote: Remote) -> None:
    _run(local, _source(local, remote.url))
    slugs = set(_local(local))
    assert slugs == {"presupuesto", "escuelas", "calidad-aire"}
    assert "nomina" not in slugs and "borrador" not in slugs
