"""The search service's CKAN additions (clauses, leaving out private datasets or drafts, the
facet size) answer the same in memory as in SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from abierto.accounts.permissions import Actor
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization, Tag
from abierto.search import cache, snapshot
from abierto.search.service import (
    Clause,
    DateRange,
    SearchQuery,
    _compute,
    _compute_in_memory,
    search,
)

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search_catalog.py"


@pytest.fixture
def generated(context: AppContext) -> AppContext:
    spec = importlib.util.spec_from_file_location("search_catalog", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with context.db.session() as session:
        module.build_catalog(session, 300, seed=5)
        session.commit()
    return context


def _clauses(context: AppContext) -> list[tuple[Clause, ...]]:
    with context.db.session() as session:
        orgs = list(session.scalars(select(Organization.slug).order_by(Organization.slug)))
        tags = list(session.scalars(select(Tag.name).order_by(Tag.name).limit(2)))
    return [
        (),
        (Clause("organization", (orgs[0],)),),
        (Clause("tag", (tags[0],)), Clause("tag", (tags[1],))),
        (Clause("format", ("pdf",), negate=True), Clause("license", ("cc-by-4.0",))),
        (Clause("organization", tuple(orgs[:2]), negate=True),),
        (Clause("theme", ()),),  # no value: nothing matches
    ]


def _member(context: AppContext) -> Actor:
    with context.db.session() as session:
        org = session.scalar(
            select(Dataset.organization_id).where(Dataset.private.is_(True)).limit(1)
        )
    assert org is not None
    return Actor("u1", "miembro", roles={org: "member"})


def test_in_memory_and_sql_agree(generated: AppContext) -> None:
    actors = [Actor(), _member(generated), Actor("u2", "raiz", is_site_admin=True)]
    flags = [(True, True), (False, False), (True, False), (False, True)]
    snapshot.clear()
    cache.clear()
    found = 0
    with generated.db.session() as session:
        generation = cache.generation(session)
        assert generation is not None
        combos = itertools.product(actors, ["", "datos"], _clauses(generated), flags)
        for n, (actor, words, clauses, (private, drafts)) in enumerate(combos):
            request = SearchQuery(
                q=words,
                filters={"frequency": ["monthly"]} if n % 4 == 0 else {},
                sort=("relevance", "modified", "name", "oldest")[n % 4],
                page_size=9,
                clauses=clauses,
                private=private,
                drafts=drafts,
                facet_size=3 + n % 5,
            )
            expected, _ = _compute(session, actor, request)
            got = _compute_in_memory(session, actor, request, generation)
            where = f"{actor.username} {words!r} {clauses} private={private} drafts={drafts}"
            assert got == expected, where
            assert all(len(v) <= request.facet_size for v in got.facets.values())
            found += expected.total
    assert found > 500


def test_leaving_out_private_and_drafts(generated: AppContext) -> None:
    admin = Actor("u2", "raiz", is_site_admin=True)
    with generated.db.session() as session:
        rows = session.execute(select(Dataset.id, Dataset.private, Dataset.state)).all()
        assert {state for _, _, state in rows} == {"published", "draft"}
        assert {private for _, private, _ in rows} == {True, False}
        generation = cache.generation(session)
        assert generation is not None
        for private, drafts in [(True, True), (False, False), (True, False), (False, True)]:
            request = SearchQuery(page_size=1000, private=private, drafts=drafts)
            got = _compute_in_memory(session, admin, request, generation)
            wanted = {
                i
                for i, is_private, state in rows
                if (private or not is_private) and (drafts or state == "published")
            }
            assert set(got.ids) == wanted and got.total == len(wanted)
            assert 0 < len(wanted) <= len(rows)


def test_date_ranges_narrow_the_results(generated: AppContext) -> None:
    admin = Actor("u2", "raiz", is_site_admin=True)
    with generated.db.session() as session:
        stamps = sorted(session.scalars(select(Dataset.modified_at)))
        middle = stamps[len(stamps) // 2]
        newer = sum(1 for s in stamps if s >= middle)
        since = SearchQuery(page_size=1000, ranges=(DateRange("modified", low=middle),))
        assert search(session, admin, since).total == newer
        before = DateRange("modified", high=middle, include_high=False)
        assert search(session, admin, SearchQuery(ranges=(before,))).total == len(stamps) - newer
        oldest = search(session, admin, SearchQuery(sort="oldest", page_size=1000)).items
        assert [d.modified_at for d in oldest] == stamps
        created = DateRange("created", low=max(stamps) + dt.timedelta(days=1))
        assert search(session, admin, SearchQuery(ranges=(created,))).total == 0
