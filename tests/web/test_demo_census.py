"""The demo census (part of ``abierto demo``): this year's Mexican local census, started from
last year's, with the seven places assessed through the real workflow; idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.app_context import AppContext
from abierto.catalog.models import Organization
from abierto.census import permissions
from abierto.census.models import (
    Census,
    Comment,
    Confirmation,
    Entry,
    Government,
    Place,
    Review,
    Reviewer,
    Submission,
)
from abierto.census.scoring import ranking
from abierto.db import Base
from abierto.demo import load_into
from abierto.demo.census import load_census

PASSWORD = "contraseña-de-prueba"
PLACES = {"09", "14039", "14120", "19039", "19019", "19046", "30087"}


def _census(session: Session, year: int) -> Census:
    return session.scalars(select(Census).where(Census.slug == f"mx-local-{year}")).one()


def _census_counts(context: AppContext) -> dict[str, int]:
    with context.db.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name.startswith(("census", "notification", "user"))
        }


def test_the_demo_census_is_alive_and_loads_once(context: AppContext) -> None:
    lines = list(load_into(context, PASSWORD))
    assert any(line.startswith("censo mx-local-") for line in lines)
    year = dt.date.today().year
    with context.db.session() as session:
        census, previous = _census(session, year), _census(session, year - 1)
        assert census.open and not previous.open and census.previous_id == previous.id
        rows = ranking(session, census)
        assert {r.place.key for r in rows} == PLACES
        assert all(r.entries_total >= 2 for r in rows)  # every place has accepted entries
        assert rows[0].place.key == "09" and rows[0].score > rows[-1].score > 0
        scores = session.scalars(select(Entry.score).where(Entry.census_id == census.id)).all()
        assert len(scores) == 38 and {0.0, 100.0} <= set(scores) and len(set(scores)) >= 6
        past = {r.place.key: r.score for r in ranking(session, previous)}
        now = {r.place.key: r.score for r in rows}
        assert now["14120"] > past["14120"] > 0  # Zapopan's trend goes up

        statuses = session.scalars(
            select(Submission.status).where(Submission.census_id == census.id)
        ).all()
        assert statuses.count("pending") == 3 and statuses.count("changes_requested") == 1
        states = session.scalars(select(Confirmation.state)).all()
        assert sorted(states) == ["confirmed", "disputed"]
        reasons = session.scalars(select(Review.reason).where(Review.decision != "accept")).all()
        assert len(reasons) == 1 and reasons[0].strip()
        assert session.scalar(select(func.count()).select_from(Comment)) == 3

        zapopan = session.scalars(select(Place).where(Place.key == "14120")).one()
        org = session.scalars(select(Organization).where(Organization.slug == "zapopan")).one()
        assert session.get(Government, (zapopan.id, org.id)) is not None
        claims = session.scalars(select(Reviewer).where(Reviewer.census_id == census.id)).all()
        assert sorted(c.approved for c in claims) == [False, True, True]
        types = {t.slug: t.id for t in census.dataset_types}
        reviewers = permissions.reviewers_of(session, census.id, zapopan.id, types["gasto"])
        assert len(reviewers) == 1

    before = _census_counts(context)
    again = list(load_census(context, "otra-contraseña-123"))
    assert all("sin cambios" in line for line in again), again
    assert _census_counts(context) == before
