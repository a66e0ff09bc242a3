"""Who may do what. Every read path and every write path asks this module, nothing else.

An ``Actor`` is the caller of a request (a logged-in user, a token's owner or anonymous),
with its roles per organization resolved once. ``can`` answers for one object;
``readable_datasets`` and ``editable_datasets`` are the same rules as SQL conditions, for
listings, search and the quality dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from abierto.accounts import ROLES
from abierto.accounts.models import Membership, User
from abierto.catalog.models import Dataset


class Action(StrEnum):
    READ = "read"  # see a dataset, its rows, files, releases
    EDIT = "edit"  # metadata, column descriptions, visibility, publish releases
    DELETE = "delete"
    CREATE_DATASET = "create_dataset"  # in an organization
    MANAGE_ORGANIZATION = "manage_organization"  # members, organization metadata


# The least role an action needs inside the dataset's organization.
NEEDED_ROLE: dict[Action, str] = {
    Action.READ: "member",
    Action.EDIT: "editor",
    Action.DELETE: "admin",
    Action.CREATE_DATASET: "editor",
    Action.MANAGE_ORGANIZATION: "admin",
}


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str | None = None
    username: str | None = None
    is_site_admin: bool = False
    roles: dict[str, str] = field(default_factory=dict)  # organization id → role

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, organization_id: str, least: str) -> bool:
        role = self.roles.get(organization_id)
        # A role this code does not know (a typo in the database) grants nothing.
        return role in ROLES and ROLES.index(role) >= ROLES.index(least)

    def organizations_with(self, least: str) -> list[str]:
        return [org for org in self.roles if self.has_role(org, least)]


ANONYMOUS = Actor()


def actor_for(session: Session, user: User | None) -> Actor:
    if user is None or not user.is_active:
        return ANONYMOUS
    roles = dict(
        session.execute(
            select(Membership.organization_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
    )
    return Actor(user.id, user.username, user.is_site_admin, roles)


def is_public(dataset: Dataset) -> bool:
    return not dataset.private and dataset.state == "published"


def can(
    actor: Actor,
    action: Action,
    dataset: Dataset | None = None,
    *,
    organization_id: str | None = None,
) -> bool:
    """May ``actor`` do ``action`` to ``dataset`` (or inside ``organization_id``)?"""
    if action is Action.READ and dataset is not None and is_public(dataset):
        return True
    if actor.is_site_admin:
        return actor.is_authenticated
    org = dataset.organization_id if dataset is not None else organization_id
    if org is None:
        return False
    return actor.has_role(org, NEEDED_ROLE[action])


def public_datasets() -> ColumnElement[bool]:
    """SQL condition: the datasets anyone may read (``is_public``)."""
    return and_(Dataset.private.is_(False), Dataset.state == "published")


def readable_datasets(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the datasets ``actor`` may read (use it on every listing and search)."""
    if actor.is_site_admin and actor.is_authenticated:
        return true()
    member_of = actor.organizations_with(NEEDED_ROLE[Action.READ])
    if not member_of:
        return public_datasets()
    return or_(public_datasets(), Dataset.organization_id.in_(member_of))


def editable_datasets(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the datasets ``actor`` may edit (``can`` with ``Action.EDIT``)."""
    if actor.is_site_admin and actor.is_authenticated:
        return true()
    editor_of = actor.organizations_with(NEEDED_ROLE[Action.EDIT])
    return Dataset.organization_id.in_(editor_of) if editor_of else false()
