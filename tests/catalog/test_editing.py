"""The metadata update service and the activity log, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from abierto.accounts import services as accounts
from abierto.accounts.permissions import ANONYMOUS, actor_for
from abierto.app_context import AppContext
from abierto.catalog import activity, editing
from abierto.catalog.editing import EditError, Metadata
from abierto.catalog.models import ActivityEvent, Dataset, Release, Resource, Tag, Theme
from abierto.catalog.services import dataset_by_slug
from abierto.ingest.publish import PublishRequest, publish

CSV = "Municipio,Monto\nZapopan,10\nTonalá,20\n"


def _publish(context: AppContext, tmp_path: Path, slug: str = "obras") -> None:
    path = tmp_path / f"{slug}.csv"
    path.write_text(CSV, encoding="utf-8")
    with context.db.session() as session:
        publish(
            session,
            context.settings,
            context.store,
            PublishRequest(path, "zapopan", slug, "Obras"),
        )


def _editor(context: AppContext) -> str:
    with context.db.session() as session:
        user = accounts.create_user(session, "editora", "e@example.org", "contraseña larga 1")
        return user.id


def test_apply_metadata_sets_every_field_and_records_activity(
    context: AppContext, tmp_path: Path
) -> None:
    _publish(context, tmp_path)
    user_id = _editor(context)
    with context.db.session() as session:
        session.add(Theme(slug="gobierno", name_es="Gobierno", name_en="Government"))
        session.add(Tag(name="obra"))  # an existing tag is reused, not duplicated
    form = {
        "title": "  Obra pública de Zapopan ",
        "description": "Contratos de **obra**.",
        "license_id": "cc-by-4.0",
        "frequency": "MONTHLY",
        "temporal_start": "2019-01-01",
        "temporal_end": "2020-12-31",
        "spatial": "Zapopan, 14120",
        "contact_name": "Dirección de Obras",
        "contact_email": "obras@zapopan.gob.mx",
        "language": "es",
        "tags": "Obra, contratos;  Infraestructura  urbana, obra",
        "themes": ["gobierno"],
        "private": "on",
        "state": "draft",
    }
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        changed = editing.apply_metadata(session, dataset, editing.parse_metadata(form), user_id)
        assert {"title", "license_id", "tags", "themes", "private", "state"} <= set(changed)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        assert dataset.title == "Obra pública de Zapopan"
        assert dataset.license_id == "cc-by-4.0" and dataset.frequency == "MONTHLY"
        assert dataset.temporal_start == dt.date(2019, 1, 1)
        assert dataset.temporal_end == dt.date(2020, 12, 31)
        assert dataset.contact_email == "obras@zapopan.gob.mx"
        assert [t.name for t in dataset.tags] == ["contratos", "infraestructura urbana", "obra"]
        assert [t.slug for t in dataset.themes] == ["gobierno"]
        assert dataset.private and dataset.state == "draft"
        assert session.scalar(select(func.count()).select_from(Tag)) == 3
        event = session.scalar(select(ActivityEvent).where(ActivityEvent.verb == "dataset.updated"))
        assert event is not None and event.actor_id == user_id
        assert event.dataset_id == dataset.id and "title" in event.data["fields"]


def test_unchanged_metadata_records_nothing(context: AppContext, tmp_path: Path) -> None:
    _publish(context, tmp_path)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        same = editing.metadata_of(dataset)
        assert editing.apply_metadata(session, dataset, same, None) == []
        assert session.scalar(select(func.count()).select_from(ActivityEvent)) == 0


@pytest.mark.parametrize(
    ("form", "field", "code"),
    [
        ({"title": ""}, "title", "publish.error.required"),
        ({"title": "x" * 301}, "title", "publish.error.too_long"),
        ({"title": "T", "license_id": "gpl"}, "license_id", "publish.error.choice"),
        ({"title": "T", "frequency": "HOURLY"}, "frequency", "publish.error.choice"),
        ({"title": "T", "temporal_start": "31/12/2019"}, "temporal_start", "publish.error.date"),
        (
            {"title": "T", "temporal_start": "2020-01-02", "temporal_end": "2020-01-01"},
            "temporal_end",
            "publish.error.date_order",
        ),
        ({"title": "T", "contact_email": "no-es-correo"}, "contact_email", "publish.error.email"),
        ({"title": "T", "language": "español"}, "language", "publish.error.language"),
        ({"title": "T", "tags": "x" * 101}, "tags", "publish.error.tags"),
    ],
)
def test_bad_metadata_is_refused_per_field(form: dict, field: str, code: str) -> None:
    with pytest.raises(EditError) as caught:
        editing.parse_metadata(form)
    assert caught.value.errors[field][0] == code


def test_unknown_theme_changes_nothing(context: AppContext, tmp_path: Path) -> None:
    _publish(context, tmp_path)
    with pytest.raises(EditError) as caught, context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        metadata = Metadata(title="Otro título", themes=["no-existe"])
        editing.apply_metadata(session, dataset, metadata, None)
    assert "themes" in caught.value.errors
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None and dataset.title == "Obras"


def test_column_descriptions_only_for_columns_of_the_release(
    context: AppContext, tmp_path: Path
) -> None:
    _publish(context, tmp_path)
    with context.db.session() as session:
        resource = session.scalar(select(Resource))
        assert resource is not None
        columns = [c["name"] for c in session.scalars(select(Release)).one().columns]
        texts = {"municipio": " Nombre del municipio ", "monto": "", "inventada": "no"}
        assert editing.set_column_descriptions(session, resource, columns, texts, None)
        assert not editing.set_column_descriptions(session, resource, columns, texts, None)
    with context.db.session() as session:
        resource = session.scalar(select(Resource))
        assert resource is not None
        assert resource.column_descriptions == {"municipio": "Nombre del municipio"}
        verbs = session.scalars(select(ActivityEvent.verb)).all()
        assert verbs == ["resource.described"]


def test_links_are_added_and_removed(context: AppContext, tmp_path: Path) -> None:
    _publish(context, tmp_path)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        with pytest.raises(EditError) as caught:
            editing.add_link(
                session, dataset, title="x", url="javascript:alert(1)", format="", kind="link",
                actor_id=None,
            )  # fmt: skip
        assert "url" in caught.value.errors
        for _ in range(2):
            editing.add_link(
                session, dataset, title="Metodología", url="https://zapopan.gob.mx/m.pdf",
                format="pdf", kind="file", actor_id=None,
            )  # fmt: skip
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        links = [(r.name, r.kind, r.format, r.position) for r in dataset.resources[1:]]
        assert links == [("metodologia", "file", "PDF", 1), ("metodologia-2", "file", "PDF", 2)]
        with pytest.raises(EditError):
            editing.remove_link(session, dataset.resources[0], None)  # the table
        editing.remove_link(session, dataset.resources[1], None)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        assert [r.name for r in dataset.resources] == ["data", "metodologia-2"]


def test_delete_removes_rows_and_keeps_the_record(context: AppContext, tmp_path: Path) -> None:
    _publish(context, tmp_path)
    _publish(context, tmp_path, "otro")
    user_id = _editor(context)
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        editing.apply_metadata(session, dataset, Metadata(title="Obras", tags=["obra"]), user_id)
        blobs = editing.delete_dataset(session, dataset, user_id)
    assert len(blobs) == 1 and all(context.store.exists(key) for key in blobs)
    with context.db.session() as session:
        assert dataset_by_slug(session, "obras") is None
        assert dataset_by_slug(session, "otro") is not None
        assert session.scalar(select(func.count()).select_from(Resource)) == 1
        assert session.scalar(select(func.count()).select_from(Release)) == 1
        events = session.scalars(select(ActivityEvent).order_by(ActivityEvent.created_at)).all()
        assert [e.verb for e in events] == ["dataset.updated", "dataset.deleted"]
        assert all(e.dataset_id is None for e in events)  # SET NULL, the rows stay
        assert events[1].data["slug"] == "obras" and events[1].data["releases"] == 1
        # The log of a deleted dataset is for its organization's members, not the public.
        assert activity.list_events(session, ANONYMOUS) == []
        admin = accounts.create_user(
            session, "admin", "a@example.org", "contraseña larga 1", site_admin=True
        )
        assert len(activity.list_events(session, actor_for(session, admin))) == 2


def test_free_slug_avoids_taken_ones(context: AppContext, tmp_path: Path) -> None:
    _publish(context, tmp_path, "obra-publica")
    with context.db.session() as session:
        assert editing.free_slug(session, "Obra pública") == "obra-publica-2"
        assert editing.free_slug(session, "Nómina 2024") == "nomina-2024"
        session.add(Dataset(slug="obra-publica-2", organization_id=_org_id(session), title="x"))
        session.flush()
        assert editing.free_slug(session, "Obra   pública") == "obra-publica-3"


def _org_id(session) -> str:  # type: ignore[no-untyped-def]
    return session.scalars(select(Dataset.organization_id)).first()
