"""The portal's home and organization queries on SQLite and PostgreSQL: only readable data."""

from __future__ import annotations

from pathlib import Path

from abierto.accounts.permissions import ANONYMOUS, Actor
from abierto.app_context import AppContext
from abierto.catalog.models import Theme
from abierto.catalog.services import dataset_by_slug
from abierto.catalog.view_counts import ViewCounter
from abierto.search import cache as search_cache
from abierto.web import portal_queries
from tests.web.conftest import OBRAS_V1, OBRAS_V2, SECRET, hide, publish_csv


def _catalog(context: AppContext, folder: Path) -> str:
    """obras (4 rows, v2), nuevo (jalisco, 1 row), secreto (private), borrador (draft)."""
    publish_csv(context, folder, "obras", OBRAS_V1, title="Obras")
    publish_csv(context, folder, "obras", OBRAS_V2, title="Obras")
    publish_csv(context, folder, "nuevo", SECRET, title="Nuevo", org="jalisco")
    publish_csv(context, folder, "secreto", SECRET, title="Secreto")
    publish_csv(context, folder, "borrador", SECRET, title="Borrador", org="tonala")
    hide(context, "secreto", private=True)
    hide(context, "borrador", draft=True)
    with context.db.session() as session:
        salud = Theme(slug="salud", name_es="Salud", name_en="Health")
        obras = Theme(slug="obras", name_es="Obras", name_en="Works")
        for slug, themes in (("obras", [obras]), ("secreto", [salud]), ("borrador", [salud])):
            dataset = dataset_by_slug(session, slug)
            assert dataset is not None
            dataset.themes = themes
        org_id = dataset_by_slug(session, "secreto").organization_id  # type: ignore[union-attr]
    return org_id


def test_home_counts_only_what_the_actor_reads(context: AppContext, tmp_path: Path) -> None:
    zapopan = _catalog(context, tmp_path)
    member = Actor("u1", "ana", roles={zapopan: "member"})
    with context.db.session() as session:
        stats = portal_queries.home_stats(session, ANONYMOUS)
        assert (stats.datasets, stats.organizations, stats.rows) == (2, 2, 5)  # 4 of v2 + 1
        stats = portal_queries.home_stats(session, member)
        assert (stats.datasets, stats.organizations, stats.rows) == (3, 2, 6)
        themes = {
            c.item.slug: c.datasets for c in portal_queries.themes_with_counts(session, ANONYMOUS)
        }
        assert themes == {"obras": 1, "salud": 0}
        themes = {
            c.item.slug: c.datasets for c in portal_queries.themes_with_counts(session, member)
        }
        assert themes == {"obras": 1, "salud": 1}
        newest = [d.slug for d in portal_queries.newest_datasets(session, ANONYMOUS)]
        assert newest == ["nuevo", "obras"]


def test_views_are_counted_and_ranked(context: AppContext, tmp_path: Path) -> None:
    _catalog(context, tmp_path)
    with context.db.session() as session:
        assert portal_queries.most_viewed_datasets(session, ANONYMOUS) == []
        found = {s: dataset_by_slug(session, s) for s in ("obras", "nuevo", "secreto")}
        ids = {slug: d.id for slug, d in found.items() if d is not None}
        modified = {slug: d.modified_at for slug, d in found.items() if d is not None}
        generation = search_cache.generation(session)
    counter = ViewCounter(context.db, interval=3600)  # written only when flushed
    for slug, views in (("obras", 1), ("nuevo", 3), ("secreto", 9)):
        for _ in range(views):
            counter.add(ids[slug])
    with context.db.session() as session:
        assert portal_queries.most_viewed_datasets(session, ANONYMOUS) == []
    counter.flush()
    with context.db.session() as session:
        ranked = portal_queries.most_viewed_datasets(session, ANONYMOUS)
        assert [(d.slug, d.view_count) for d in ranked] == [("nuevo", 3), ("obras", 1)]
        after = {slug: dataset_by_slug(session, slug).modified_at for slug in modified}  # type: ignore[union-attr]
        assert after == modified  # a view is not a modification …
        assert search_cache.generation(session) == generation  # … nor a change to search
    eager = ViewCounter(context.db, interval=0)
    eager.add(ids["obras"])
    with context.db.session() as session:
        assert dataset_by_slug(session, "obras").view_count == 2  # type: ignore[union-attr]


def test_organizations_and_their_readable_datasets(context: AppContext, tmp_path: Path) -> None:
    zapopan = _catalog(context, tmp_path)
    with context.db.session() as session:
        orgs, total = portal_queries.organizations_with_counts(session, ANONYMOUS, 10, 0)
        assert total == 3
        assert {c.item.slug: c.datasets for c in orgs} == {"jalisco": 1, "tonala": 0, "zapopan": 1}
        page, total = portal_queries.organizations_with_counts(session, ANONYMOUS, 1, 1)
        assert total == 3 and len(page) == 1
        datasets, total = portal_queries.organization_datasets(session, ANONYMOUS, zapopan, 10, 0)
        assert [d.slug for d in datasets] == ["obras"] and total == 1
        admin = Actor("u2", "root", is_site_admin=True)
        datasets, total = portal_queries.organization_datasets(session, admin, zapopan, 10, 0)
        assert [d.slug for d in datasets] == ["obras", "secreto"] and total == 2
        datasets, total = portal_queries.organization_datasets(session, admin, zapopan, 1, 1)
        assert [d.slug for d in datasets] == ["secreto"] and total == 2
        assert portal_queries.organization_by_slug(session, "no-existe") is None
