"""The census workflow: submit, review, reviewers, government confirmation, comments.

Functions take a session and plain values, raise ``CensusError`` for anything a rule refuses,
and never commit: the caller commits (a web request, a CLI command, the demo).

- ``submit`` → a pending Submission (answers validated against the edition's questions);
  its reviewers are notified.
- ``review`` → accept (the entry now points at it, scored), reject or request changes; the
  submitter is notified.
- ``request_reviewer`` / ``approve_reviewer`` → reviewers per place, dataset type or edition.
- ``confirm`` → the place's government confirms or disputes the entry.
- ``add_comment`` → discussion on a place × dataset type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.catalog.models import utcnow
from abierto.census import permissions
from abierto.census.models import (
    Census,
    CensusPlace,
    Comment,
    Confirmation,
    DatasetType,
    Entry,
    Place,
    Review,
    Reviewer,
    Submission,
)
from abierto.census.scoring import applies, entry_score
from abierto.db import add_unique
from abierto.notify.services import notify

YES_NO = ("yes", "no")
MAX_TEXT = 5_000


class CensusError(ValueError):
    """A refused census action; ``code`` names its message (``census.error.*``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _url_ok(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def clean_answers(census: Census, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers kept by the edition's questions: unknown keys and questions whose condition
    is false are dropped, each value checked against its question's kind."""
    kept: dict[str, Any] = {}
    for question in census.questions:
        if not applies(question, kept):
            continue
        value = answers.get(question.key)
        if value in (None, "", []):
            continue
        kept[question.key] = _checked(question.key, question.kind, value)
    return kept


def _checked(key: str, kind: str, value: Any) -> Any:
    if kind == "yes_no":
        if value not in YES_NO:
            raise CensusError("census.error.answer", f"{key}: answer yes or no, not {value!r}")
        return value
    if kind == "choice":
        values = value if isinstance(value, list) else [value]
        return [str(v)[:200] for v in values]
    if kind == "url":
        if not _url_ok(str(value)):
            raise CensusError("census.error.url", f"{key}: {value!r} is not an http(s) address")
        return str(value)[:1000]
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise CensusError("census.error.date", f"{key}: {value!r} is not a date") from exc
    return str(value)[:MAX_TEXT]


def submit(
    session: Session,
    census: Census,
    place: Place,
    dataset_type: DatasetType,
    user: User,
    answers: dict[str, Any],
    *,
    evidence: list[str] | None = None,
    comment: str = "",
) -> Submission:
    if not census.open:
        raise CensusError("census.error.closed", f"the census {census.slug} is closed")
    _check_membership(session, census, place, dataset_type)
    kept = clean_answers(census, answers)
    urls = [u.strip() for u in (evidence or []) if u.strip()]
    for url in urls:
        if not _url_ok(url):
            raise CensusError("census.error.url", f"evidence: {url!r} is not an http(s) address")
    for question in census.questions:
        if question.evidence_required and applies(question, kept) and question.key not in kept:
            raise CensusError(
                "census.error.evidence", f"{question.key}: this answer needs its evidence URL"
            )
    key = f"{census.id}:{place.id}:{dataset_type.id}"
    if session.scalar(select(Submission.id).where(Submission.pending_key == key)):
        raise CensusError("census.error.pending", "a submission for this entry already waits")
    submission = Submission(
        census_id=census.id,
        place_id=place.id,
        dataset_type_id=dataset_type.id,
        user_id=user.id,
        answers=kept,
        evidence=urls,
        comment=comment[:MAX_TEXT],
        pending_key=key,
    )
    try:
        inserted = add_unique(session, submission)
    except IntegrityError:  # SQLite: another submission got there first
        inserted = False
    if not inserted:
        raise CensusError("census.error.pending", "a submission for this entry already waits")
    reviewers = [
        r
        for r in permissions.reviewers_of(session, census.id, place.id, dataset_type.id)
        if r != user.id
    ]
    notify(
        session,
        reviewers,
        kind="census.review_waiting",
        subject=f"Por revisar / to review: {place.name} · {dataset_type.name_es}",
        url=entry_path(census, place, dataset_type),
        dedup_key=f"census.review:{submission.id}",
    )
    return submission


def _check_membership(
    session: Session, census: Census, place: Place, dataset_type: DatasetType
) -> None:
    if dataset_type.census_id != census.id:
        raise CensusError("census.error.scope", f"{dataset_type.slug} is not in {census.slug}")
    linked = session.get(CensusPlace, (census.id, place.id))
    if linked is None:
        raise CensusError("census.error.scope", f"{place.name} is not in {census.slug}")


def entry_path(census: Census, place: Place, dataset_type: DatasetType) -> str:
    return f"/census/{census.slug}/places/{place.key}/{dataset_type.slug}"


def review(
    session: Session, submission: Submission, reviewer: User, decision: str, reason: str = ""
) -> Review:
    if submission.status != "pending":
        raise CensusError("census.error.decided", "this submission was already reviewed")
    if decision not in ("accept", "reject", "request_changes"):
        raise CensusError("census.error.decision", f"unknown decision {decision!r}")
    if submission.user_id == reviewer.id:
        raise CensusError("census.error.own", "nobody reviews their own submission")
    allowed = permissions.can_review(
        session, reviewer, submission.census_id, submission.place_id, submission.dataset_type_id
    )
    if not allowed:
        raise CensusError("census.error.not_reviewer", "you do not review this place")
    if decision != "accept" and not reason.strip():
        raise CensusError("census.error.reason", "say why, so the submitter can fix it")
    done = Review(
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        decision=decision,
        reason=reason[:MAX_TEXT],
    )
    session.add(done)
    submission.status = {"accept": "accepted", "reject": "rejected"}.get(
        decision, "changes_requested"
    )
    submission.pending_key = None
    submission.decided_at = utcnow()
    if decision == "accept":
        _make_entry(session, submission)
    census = session.get(Census, submission.census_id)
    place = session.get(Place, submission.place_id)
    dataset_type = session.get(DatasetType, submission.dataset_type_id)
    assert census and place and dataset_type
    notify(
        session,
        [submission.user_id],
        kind=f"census.{decision}",
        subject=f"{place.name} · {dataset_type.name_es}: {submission.status}",
        body=reason,
        url=entry_path(census, place, dataset_type),
    )
    session.flush()
    return done


def _make_entry(session: Session, submission: Submission) -> Entry:
    census = session.get(Census, submission.census_id)
    dataset_type = session.get(DatasetType, submission.dataset_type_id)
    assert census is not None and dataset_type is not None
    score = entry_score(census.questions, submission.answers, dataset_type.elements)
    entry = find_entry(session, census.id, submission.place_id, submission.dataset_type_id)
    if entry is None:
        entry = Entry(
            census_id=census.id,
            place_id=submission.place_id,
            dataset_type_id=submission.dataset_type_id,
            submission_id=submission.id,
        )
        session.add(entry)
    entry.submission_id = submission.id
    entry.score = score
    entry.updated_at = utcnow()
    session.flush()
    return entry


def find_entry(
    session: Session, census_id: str, place_id: str, dataset_type_id: str
) -> Entry | None:
    return session.scalar(
        select(Entry).where(
            Entry.census_id == census_id,
            Entry.place_id == place_id,
            Entry.dataset_type_id == dataset_type_id,
        )
    )


def history(
    session: Session, census_id: str, place_id: str, dataset_type_id: str
) -> list[Submission]:
    """Every submission for the entry, newest first (accepted ones are its versions)."""
    return list(
        session.scalars(
            select(Submission)
            .where(
                Submission.census_id == census_id,
                Submission.place_id == place_id,
                Submission.dataset_type_id == dataset_type_id,
            )
            .order_by(Submission.created_at.desc())
        )
    )


def request_reviewer(
    session: Session,
    census: Census,
    user: User,
    *,
    place: Place | None = None,
    dataset_type: DatasetType | None = None,
) -> Reviewer:
    existing = session.scalar(
        select(Reviewer).where(
            Reviewer.census_id == census.id,
            Reviewer.user_id == user.id,
            Reviewer.place_id == (place.id if place else None),
            Reviewer.dataset_type_id == (dataset_type.id if dataset_type else None),
        )
    )
    if existing is not None:
        return existing
    claim = Reviewer(
        census_id=census.id,
        user_id=user.id,
        place_id=place.id if place else None,
        dataset_type_id=dataset_type.id if dataset_type else None,
    )
    session.add(claim)
    scope = place.name if place else census.name
    admins = session.scalars(select(User.id).where(User.is_site_admin.is_(True))).all()
    notify(
        session,
        admins,
        kind="census.reviewer_request",
        subject=f"{user.username} pide revisar / asks to review: {scope}",
        url=f"/census/{census.slug}/reviewers",
    )
    session.flush()
    return claim


def approve_reviewer(session: Session, claim: Reviewer, admin: User) -> None:
    if not admin.is_site_admin:
        raise CensusError("census.error.admin", "only a site admin approves reviewers")
    claim.approved = True
    session.flush()


def confirm(
    session: Session, entry: Entry, user: User, state: str, comment: str = ""
) -> Confirmation:
    if state not in ("confirmed", "disputed"):
        raise CensusError("census.error.state", f"unknown state {state!r}")
    organization = permissions.government_of(session, user, entry.place_id)
    if organization is None:
        raise CensusError(
            "census.error.not_government", "only the place's government confirms its entries"
        )
    if state == "disputed" and not comment.strip():
        raise CensusError("census.error.reason", "say what is wrong with the entry")
    confirmation = Confirmation(
        entry_id=entry.id,
        user_id=user.id,
        organization_id=organization,
        state=state,
        comment=comment[:MAX_TEXT],
    )
    session.add(confirmation)
    session.flush()
    return confirmation


def confirmations(session: Session, entry: Entry) -> list[Confirmation]:
    """Every answer of the government on the entry, newest first."""
    return list(
        session.scalars(
            select(Confirmation)
            .where(Confirmation.entry_id == entry.id)
            .order_by(Confirmation.created_at.desc(), Confirmation.id.desc())
        )
    )


def current_confirmation(session: Session, entry: Entry) -> Confirmation | None:
    """The government's newest answer if it is about the answers accepted now."""
    accepted = session.get(Submission, entry.submission_id)
    return current_among(confirmations(session, entry), accepted)


def current_among(found: list[Confirmation], accepted: Submission | None) -> Confirmation | None:
    """The newest of ``found`` unless a newer submission was accepted since: that one
    confirmed (or disputed) something else."""
    if not found:
        return None
    since = accepted.decided_at if accepted is not None else None
    return found[0] if since is None or found[0].created_at >= since else None


def add_comment(
    session: Session,
    census: Census,
    place: Place,
    dataset_type: DatasetType,
    user: User,
    body: str,
) -> Comment:
    if not body.strip():
        raise CensusError("census.error.empty", "write something")
    comment = Comment(
        census_id=census.id,
        place_id=place.id,
        dataset_type_id=dataset_type.id,
        user_id=user.id,
        body=body.strip()[:MAX_TEXT],
    )
    session.add(comment)
    people = {s.user_id for s in history(session, census.id, place.id, dataset_type.id)}
    people |= set(permissions.reviewers_of(session, census.id, place.id, dataset_type.id))
    people.discard(user.id)
    notify(
        session,
        sorted(people),
        kind="census.comment",
        subject=f"Comentario / comment: {place.name} · {dataset_type.name_es}",
        body=comment.body[:300],
        url=entry_path(census, place, dataset_type),
    )
    session.flush()
    return comment
