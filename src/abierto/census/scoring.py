"""Scores and rankings.

- An entry's score is the share of its edition's question weight answered "yes", in percent:
  100 means open. Questions whose condition is false score nothing.
- Required data elements: if a dataset type lists elements and the answer to ``elements``
  lacks any of them, the data is not the dataset the census asks for: the entry scores 0.
- A place's score is over *every* dataset type of the edition: an unassessed dataset type
  counts as 0 (dividing only by assessed ones would reward leaving gaps).
- Ranks are competition ranks: equal scores share a rank and the next rank skips (1, 1, 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.census.models import Census, CensusPlace, DatasetType, Entry, Place


class QuestionLike(Protocol):
    key: str
    kind: str
    weight: int
    condition: dict[str, Any] | None


def applies(question: QuestionLike, answers: dict[str, Any]) -> bool:
    """Whether ``question`` is asked, given the earlier answers."""
    condition = question.condition
    return not condition or answers.get(condition["key"]) == condition["equals"]


def missing_elements(required: Sequence[str], answers: dict[str, Any]) -> list[str]:
    present = set(answers.get("elements") or [])
    return [element for element in required if element not in present]


def entry_score(
    questions: Sequence[QuestionLike], answers: dict[str, Any], required: Sequence[str] = ()
) -> float:
    total = sum(q.weight for q in questions)
    if not total or (required and missing_elements(required, answers)):
        return 0.0
    earned = sum(
        q.weight
        for q in questions
        if q.weight and applies(q, answers) and answers.get(q.key) == "yes"
    )
    return round(100.0 * earned / total, 2)


def competition_ranks(scores: Iterable[float]) -> list[int]:
    """Ranks for scores given in descending order: ties share a rank (1, 1, 3)."""
    ranks: list[int] = []
    previous: float | None = None
    for position, score in enumerate(scores, start=1):
        ranks.append(ranks[-1] if previous is not None and score == previous else position)
        previous = score
    return ranks


@dataclass(frozen=True, slots=True)
class PlaceScore:
    place: Place
    score: float
    rank: int
    entries_open: int  # entries scoring 100
    entries_total: int  # accepted entries
    by_type: dict[str, float]  # dataset type slug → entry score (absent: unassessed)


def ranking(session: Session, census: Census) -> list[PlaceScore]:
    """The edition's places, best first, scored over all of its dataset types."""
    types = {t.id: t.slug for t in census.dataset_types}
    places = session.scalars(
        select(Place)
        .join(CensusPlace, CensusPlace.place_id == Place.id)
        .where(CensusPlace.census_id == census.id)
    ).all()
    entries = session.scalars(select(Entry).where(Entry.census_id == census.id)).all()
    per_place: dict[str, dict[str, float]] = {p.id: {} for p in places}
    for entry in entries:
        if entry.place_id in per_place and entry.dataset_type_id in types:
            per_place[entry.place_id][types[entry.dataset_type_id]] = entry.score
    rows = []
    for place in places:
        by_type = per_place[place.id]
        score = round(sum(by_type.values()) / len(types), 2) if types else 0.0
        rows.append((score, place, by_type))
    rows.sort(key=lambda row: (-row[0], row[1].name))
    ranks = competition_ranks(row[0] for row in rows)
    return [
        PlaceScore(
            place, score, rank, sum(v == 100 for v in by_type.values()), len(by_type), by_type
        )
        for rank, (score, place, by_type) in zip(ranks, rows, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class TypeScore:
    dataset_type: DatasetType
    score: float  # mean over every place of the edition (unassessed = 0)
    rank: int


def dataset_type_ranking(session: Session, census: Census) -> list[TypeScore]:
    places = session.scalars(
        select(CensusPlace.place_id).where(CensusPlace.census_id == census.id)
    ).all()
    entries = session.scalars(select(Entry).where(Entry.census_id == census.id)).all()
    totals: dict[str, float] = {t.id: 0.0 for t in census.dataset_types}
    for entry in entries:
        if entry.dataset_type_id in totals and entry.place_id in places:
            totals[entry.dataset_type_id] += entry.score
    count = max(1, len(places))
    rows = sorted(
        ((round(totals[t.id] / count, 2), t) for t in census.dataset_types),
        key=lambda row: (-row[0], row[1].position),
    )
    ranks = competition_ranks(row[0] for row in rows)
    return [TypeScore(t, score, rank) for rank, (score, t) in zip(ranks, rows, strict=True)]


def rescore(session: Session, census: Census) -> None:
    """Recompute every entry's score (after its question weights change)."""
    from abierto.census.models import Submission

    questions = list(census.questions)
    types = {t.id: t for t in census.dataset_types}
    for entry in session.scalars(select(Entry).where(Entry.census_id == census.id)):
        submission = session.get(Submission, entry.submission_id)
        if submission is not None:
            required = types[entry.dataset_type_id].elements
            entry.score = entry_score(questions, submission.answers, required)
