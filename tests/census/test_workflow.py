"""The census on a real database (SQLite and PostgreSQL): templates, submissions, reviews,
reviewers, government confirmation, comments, notifications and editions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.accounts.services import create_user, set_membership
from abierto.app_context import AppContext
from abierto.catalog.services import get_or_create_organization
from abierto.census import templates, workflow
from abierto.census.models import Census, DatasetType, Government, Place, Submission
from abierto.census.scoring import ranking
from abierto.census.workflow import CensusError
from abierto.notify.models import Notification

PASSWORD = "caballo correcto batería grapa"
OPEN = {
    "exists": "yes",
    "online": "yes",
    "url": "https://datos.zapopan.gob.mx/presupuesto.csv",
    "registration_free": "yes",
    "free": "yes",
    "bulk_download": "yes",
    "up_to_date": "yes",
    "open_license": "yes",
    "open_format": "yes",
    "elements": ["dependencia", "programa", "monto aprobado", "año"],
}


@dataclass
class World:
    session: Session
    census: Census
    places: dict[str, Place]
    users: dict[str, User]

    def dtype(self, slug: str) -> DatasetType:
        return next(t for t in self.census.dataset_types if t.slug == slug)


@pytest.fixture
def world(context: AppContext) -> Iterator[World]:
    with context.db.session() as session:
        census = templates.load_template(session, "mx-local", 2026)
        places = templates.ensure_places(session)
        users = {
            name: create_user(
                session, name, f"{name}@example.org", PASSWORD, site_admin=name == "admin"
            )
            for name in ("vol", "rev_zap", "rev_mty", "admin", "oficial", "otro")
        }
        zapopan_gov = get_or_create_organization(session, "gobierno-zapopan")
        set_membership(session, users["oficial"], zapopan_gov, "editor")
        session.add(Government(place_id=places["14120"].id, organization_id=zapopan_gov.id))
        for name, key in (("rev_zap", "14120"), ("rev_mty", "19039")):
            claim = workflow.request_reviewer(session, census, users[name], place=places[key])
            workflow.approve_reviewer(session, claim, users["admin"])
        session.flush()
        yield World(session, census, places, users)


def _submit(w: World, place: str = "14120", dtype: str = "presupuesto", **answers: object):  # type: ignore[no-untyped-def]
    return workflow.submit(
        w.session, w.census, w.places[place], w.dtype(dtype), w.users["vol"], {**OPEN, **answers}
    )


def test_template_loads_the_mexican_city_census(world: World) -> None:
    assert world.census.slug == "mx-local-2026" and world.census.year == 2026
    assert len(world.census.dataset_types) == 16
    assert sum(q.weight for q in world.census.questions) == 100
    assert world.places["14120"].name == "Zapopan" and world.places["30087"].name == "Xalapa"
    ranked = ranking(world.session, world.census)
    assert {r.place.key for r in ranked} == {
        "09",
        "14039",
        "14120",
        "19039",
        "19019",
        "19046",
        "30087",
    }
    assert all(r.score == 0 and r.rank == 1 for r in ranked)  # nothing assessed: all tie


def test_accepted_submission_becomes_the_scored_entry(world: World) -> None:
    submission = _submit(world)
    assert submission.status == "pending"
    workflow.review(world.session, submission, world.users["rev_zap"], "accept")
    entry = workflow.find_entry(
        world.session, world.census.id, world.places["14120"].id, world.dtype("presupuesto").id
    )
    assert entry is not None and entry.score == 100.0 and entry.submission_id == submission.id
    # A later edit is a new submission; accepting it moves the entry, history keeps both.
    second = _submit(world, open_license="no")
    workflow.review(world.session, second, world.users["admin"], "accept")
    assert entry.score == 80.0 and entry.submission_id == second.id
    history = workflow.history(
        world.session, world.census.id, world.places["14120"].id, world.dtype("presupuesto").id
    )
    assert [s.id for s in history] == [second.id, submission.id]


def test_review_rules(world: World) -> None:
    submission = _submit(world)
    with pytest.raises(CensusError, match="own"):
        workflow.review(world.session, submission, world.users["vol"], "accept")
    with pytest.raises(CensusError, match="do not review"):
        workflow.review(world.session, submission, world.users["rev_mty"], "accept")
    with pytest.raises(CensusError, match="say why"):
        workflow.review(world.session, submission, world.users["rev_zap"], "reject")
    workflow.review(world.session, submission, world.users["rev_zap"], "request_changes", "URL?")
    assert submission.status == "changes_requested" and submission.pending_key is None
    with pytest.raises(CensusError, match="already reviewed"):
        workflow.review(world.session, submission, world.users["rev_zap"], "accept")


def test_reviewer_scopes(world: World) -> None:
    by_type = workflow.request_reviewer(
        world.session, world.census, world.users["otro"], dataset_type=world.dtype("gasto")
    )
    gasto = _submit(world, place="19039", dtype="gasto")
    with pytest.raises(CensusError):  # requested, not yet approved
        workflow.review(world.session, gasto, world.users["otro"], "accept")
    workflow.approve_reviewer(world.session, by_type, world.users["admin"])
    workflow.review(world.session, gasto, world.users["otro"], "accept")  # any place, gasto
    other_type = _submit(world, place="19039", dtype="contratos")
    with pytest.raises(CensusError):
        workflow.review(world.session, other_type, world.users["otro"], "accept")
    with pytest.raises(CensusError, match="site admin"):
        workflow.approve_reviewer(world.session, by_type, world.users["rev_zap"])


def test_one_pending_submission_per_entry(world: World) -> None:
    _submit(world)
    with pytest.raises(CensusError, match="already waits"):
        _submit(world)
    _submit(world, place="19039")  # another place is another entry
    world.session.flush()
    duplicate = Submission(
        census_id=world.census.id,
        place_id=world.places["14120"].id,
        dataset_type_id=world.dtype("presupuesto").id,
        user_id=world.users["otro"].id,
        pending_key=f"{world.census.id}:{world.places['14120'].id}:{world.dtype('presupuesto').id}",
    )
    with pytest.raises(IntegrityError), world.session.begin_nested():  # the database says no
        world.session.add(duplicate)
        world.session.flush()


def test_answers_follow_conditions_kinds_and_evidence(world: World) -> None:
    offline = _submit(world, online="no", url="", open_format="yes")
    assert offline.answers == {"exists": "yes", "online": "no"}  # the rest did not apply
    with pytest.raises(CensusError, match="evidence"):
        _submit(world, place="19039", url="")
    with pytest.raises(CensusError, match="yes or no"):
        _submit(world, place="19039", free="quizá")
    with pytest.raises(CensusError, match="http"):
        _submit(world, place="19039", url="javascript:alert(1)")


def test_missing_required_elements_scores_zero(world: World) -> None:
    partial = _submit(world, elements=["dependencia", "monto aprobado"])
    workflow.review(world.session, partial, world.users["rev_zap"], "accept")
    entry = workflow.find_entry(
        world.session, world.census.id, world.places["14120"].id, world.dtype("presupuesto").id
    )
    assert entry is not None and entry.score == 0.0


def test_place_scores_count_every_dataset_type_and_ties_share_ranks(world: World) -> None:
    # Zapopan: budget open (100) + spending without licence or format (60): 160 / 16 = 10.
    # Monterrey: spending open (100) + contracts 60: 10 too; Guadalajara: budget 100 → 6.25.
    accept = [
        ("14120", "presupuesto", {}),
        ("14120", "gasto", {"open_license": "no", "open_format": "no"}),
        ("19039", "gasto", {}),
        ("19039", "contratos", {"open_license": "no", "open_format": "no"}),
        ("14039", "presupuesto", {}),
    ]
    for place, dtype, changes in accept:
        elements = {"elements": world.dtype(dtype).elements}
        submission = _submit(world, place=place, dtype=dtype, **changes, **elements)
        workflow.review(world.session, submission, world.users["admin"], "accept")
    ranked = {r.place.key: r for r in ranking(world.session, world.census)}
    assert ranked["14120"].score == 10.0 and ranked["19039"].score == 10.0
    assert ranked["14120"].rank == ranked["19039"].rank == 1
    assert ranked["14039"].score == 6.25 and ranked["14039"].rank == 3
    assert ranked["30087"].score == 0 and ranked["30087"].rank == 4
    assert (ranked["14120"].entries_open, ranked["14120"].entries_total) == (1, 2)


def test_only_the_places_government_confirms(world: World) -> None:
    submission = _submit(world)
    workflow.review(world.session, submission, world.users["rev_zap"], "accept")
    entry = workflow.find_entry(
        world.session, world.census.id, world.places["14120"].id, world.dtype("presupuesto").id
    )
    assert entry is not None
    for outsider in ("vol", "rev_zap", "admin"):
        with pytest.raises(CensusError, match="government"):
            workflow.confirm(world.session, entry, world.users[outsider], "confirmed")
    with pytest.raises(CensusError, match="say what"):
        workflow.confirm(world.session, entry, world.users["oficial"], "disputed")
    workflow.confirm(world.session, entry, world.users["oficial"], "disputed", "Falta 2025")
    confirmed = workflow.confirm(world.session, entry, world.users["oficial"], "confirmed", "Ok")
    latest = workflow.current_confirmation(world.session, entry)
    assert latest is not None and latest.id == confirmed.id
    assert [c.state for c in workflow.confirmations(world.session, entry)] == [
        "confirmed",
        "disputed",
    ]
    newer = _submit(world)  # new answers accepted: the confirmation was about the old ones
    workflow.review(world.session, newer, world.users["rev_zap"], "accept")
    assert newer.decided_at is not None and newer.decided_at >= confirmed.created_at
    assert workflow.current_confirmation(world.session, entry) is None
    again = workflow.confirm(world.session, entry, world.users["oficial"], "confirmed")
    assert workflow.current_confirmation(world.session, entry) == again


def test_notifications_reach_reviewers_submitters_and_commenters(world: World) -> None:
    def kinds(user: str) -> list[str]:
        return list(
            world.session.scalars(
                select(Notification.kind).where(Notification.user_id == world.users[user].id)
            )
        )

    submission = _submit(world)
    assert kinds("rev_zap") == ["census.review_waiting"] and kinds("rev_mty") == []
    workflow.add_comment(
        world.session, world.census, world.places["14120"], world.dtype("presupuesto"),
        world.users["rev_zap"], "¿Incluye 2025?",
    )  # fmt: skip
    assert "census.comment" in kinds("vol")
    workflow.review(world.session, submission, world.users["rev_zap"], "accept")
    assert "census.accept" in kinds("vol")


def test_a_new_edition_copies_the_census_and_compares(world: World) -> None:
    submission = _submit(world)
    workflow.review(world.session, submission, world.users["rev_zap"], "accept")
    following = templates.new_edition(world.session, world.census, 2027)
    assert following.slug == "mx-local-2027" and following.previous_id == world.census.id
    assert [t.slug for t in following.dataset_types] == [t.slug for t in world.census.dataset_types]
    assert [q.key for q in following.questions] == [q.key for q in world.census.questions]
    before = {r.place.key: r.score for r in ranking(world.session, world.census)}
    after = {r.place.key: r.score for r in ranking(world.session, following)}
    assert before["14120"] == 6.25 and after["14120"] == 0.0  # the new year starts empty
    with pytest.raises(CensusError, match="exists"):
        templates.new_edition(world.session, world.census, 2027)


def test_other_templates_load(world: World) -> None:
    anti = templates.load_template(world.session, "anticorrupcion", 2026)
    assert len(anti.dataset_types) == 30
    godi = templates.load_template(world.session, "godi-nacional", 2026, scheme="godi-2013")
    assert len(godi.dataset_types) == 15 and sum(q.weight for q in godi.questions) == 100
    with pytest.raises(CensusError, match="unknown template"):
        templates.load_template(world.session, "nada", 2026)
