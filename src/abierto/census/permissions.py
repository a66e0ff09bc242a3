"""Who may review and who may confirm census entries.

- Review: a site admin, or an approved reviewer of the edition whose scope covers the place
  and the dataset type (a reviewer set for a place covers all its dataset types; one set for
  a dataset type covers every place; one with neither covers the whole edition). Nobody
  reviews their own submission.
- Confirm or dispute: a member of a catalog organization verified as the place's government.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from abierto.accounts.models import Membership, User
from abierto.census.models import Government, Reviewer


def _scope(census_id: str, place_id: str, dataset_type_id: str):  # type: ignore[no-untyped-def]
    return and_(
        Reviewer.census_id == census_id,
        Reviewer.approved.is_(True),
        or_(Reviewer.place_id.is_(None), Reviewer.place_id == place_id),
        or_(Reviewer.dataset_type_id.is_(None), Reviewer.dataset_type_id == dataset_type_id),
    )


def can_review(
    session: Session, user: User | None, census_id: str, place_id: str, dataset_type_id: str
) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_site_admin:
        return True
    query = select(Reviewer.id).where(
        Reviewer.user_id == user.id, _scope(census_id, place_id, dataset_type_id)
    )
    return session.scalar(query.limit(1)) is not None


def reviewers_of(
    session: Session, census_id: str, place_id: str, dataset_type_id: str
) -> list[str]:
    """The user ids to tell when a submission for this place and dataset type waits."""
    query = select(Reviewer.user_id).where(_scope(census_id, place_id, dataset_type_id))
    return list(dict.fromkeys(session.scalars(query)))


def government_of(session: Session, user: User | None, place_id: str) -> str | None:
    """The verified government organization of the place that ``user`` belongs to, if any."""
    if user is None or not user.is_active:
        return None
    query = (
        select(Government.organization_id)
        .join(Membership, Membership.organization_id == Government.organization_id)
        .where(Government.place_id == place_id, Membership.user_id == user.id)
        .limit(1)
    )
    return session.scalar(query)
