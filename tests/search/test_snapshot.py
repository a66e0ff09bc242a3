"""The in-memory snapshot answers every search exactly as the SQL statements do.

A generated catalog (the search benchmark's generator: private and draft datasets, several
organizations, tags, themes, formats) is searched both ways for many actors, words, filters,
sorts and pages, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization
from abierto.quality.services import score_catalog
from abierto.search import cache, snapshot
from abierto.search.service import SearchQuery, _compute, _compute_in_memory

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search_catalog.py"
WORDS = ["", "presupuesto", "contratos zapopan", "escuelas", "dat", "calidad del aire", "zzz"]
SORTS = ["relevance", "modified", "name", "quality"]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("search_catalog", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def generated(context: AppContext) -> AppContext:
    with context.db.session() as session:
        _generator().build_catalog(session, 400, seed=11)
        session.commit()
        score_catalog(session, dt.datetime(2026, 11, 23))  # the quality facet and sort
        session.commit()
    return context


def _actors(context: AppContext) -> list[Actor]:
    with context.db.session() as session:
        private_org = session.scalar(
            select(Dataset.organization_id).where(Dataset.private.is_(True)).limit(1)
        )
        org = session.get(Organization, private_org)
        assert org is not None
    return [
        Actor(),
        Actor("u1", "miembro", roles={org.id: "member"}),
        Actor("u2", "raiz", is_site_admin=True),
    ]


def _filters(context: AppContext) -> list[dict[str, list[str]]]:
    with context.db.session() as session:
        org = session.scalars(select(Organization.slug).order_by(Organization.slug)).first()
    assert org is not None
    return [
        {},
        {"format": ["csv"]},
        {"format": ["PDF", "XLSX"], "license": ["cc-by-4.0"]},
        {"organization": [org]},
        {"theme": ["salud", "educacion"], "tag": ["presupuesto"]},
        {"frequency": ["annual"], "organization": ["no-existe"]},
        {"quality": ["high", "medium"], "format": ["CSV"]},
    ]


def test_snapshot_and_sql_agree(generated: AppContext) -> None:
    actors, filters = _actors(generated), _filters(generated)
    snapshot.clear()
    cache.clear()
    checked = 0
    with generated.db.session() as session:
        generation = cache.generation(session)
        assert generation is not None
        combos = itertools.product(actors, WORDS, filters, SORTS)
        for n, (actor, words, chosen, sort) in enumerate(combos):
            page = 1 + n % 3
            request = SearchQuery(q=words, filters=chosen, sort=sort, page=page, page_size=7)
            expected, _ = _compute(session, actor, request)
            got = _compute_in_memory(session, actor, request, generation)
            context = f"{actor.username} {words!r} {chosen} {sort} page {page}"
            assert got.total == expected.total, context
            assert got.facets == expected.facets, context
            assert got.ids == expected.ids, context
            checked += expected.total
    assert checked > 1000  # the combinations did find datasets
    with generated.db.session() as session:
        found = _compute_in_memory(session, Actor(), SearchQuery(), cache.generation(session))
        bands = {f.value: f.count for f in found.facets["quality"]}
        assert sum(bands.values()) == found.total and set(bands) <= {"high", "medium", "low"}
