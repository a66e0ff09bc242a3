"""The permission function, as a table: every actor × every Action × every kind of dataset.

``readable_datasets`` and ``editable_datasets`` (the SQL forms of the read and edit rules)
are checked against ``can`` on both databases, so listings can never disagree with the page
of one dataset.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from abierto.accounts import services
from abierto.accounts.models import User
from abierto.accounts.permissions import (
    ANONYMOUS,
    Action,
    Actor,
    actor_for,
    can,
    editable_datasets,
    readable_datasets,
)
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization

ORG, OTHER = "org-zapopan", "org-otra"
ACTORS: dict[str, Actor] = {
    "anonymous": ANONYMOUS,
    "member": Actor("u1", "member", roles={ORG: "member"}),
    "editor": Actor("u2", "editor", roles={ORG: "editor"}),
    "admin": Actor("u3", "admin", roles={ORG: "admin"}),
    "other-editor": Actor("u4", "other", roles={OTHER: "editor"}),
    "other-admin": Actor("u5", "other", roles={OTHER: "admin"}),
    "site-admin": Actor("u6", "root", is_site_admin=True),
    "broken-role": Actor("u7", "typo", roles={ORG: "owner"}),  # unknown role: nothing
    # A site-admin flag without a user cannot happen through actor_for; still, no power.
    "forged": Actor(None, None, is_site_admin=True),
}
VISIBILITY = {"public": (False, "published"), "private": (True, "published"),
              "draft": (False, "draft"), "private-draft": (True, "draft")}  # fmt: skip

# What each actor may do to a dataset of ORG: action → the visibilities where it is allowed.
EVERY = frozenset(VISIBILITY)
NONE: frozenset[str] = frozenset()
PUBLIC = frozenset({"public"})
EXPECTED: dict[str, dict[Action, frozenset[str]]] = {
    "anonymous": {Action.READ: PUBLIC},
    "member": {Action.READ: EVERY},
    "editor": {Action.READ: EVERY, Action.EDIT: EVERY, Action.CREATE_DATASET: EVERY},
    "admin": {action: EVERY for action in Action},
    "other-editor": {Action.READ: PUBLIC},
    "other-admin": {Action.READ: PUBLIC},
    "site-admin": {action: EVERY for action in Action},
    "broken-role": {Action.READ: PUBLIC},
    "forged": {Action.READ: PUBLIC},
}


def _dataset(visibility: str, organization_id: str = ORG) -> Dataset:
    private, state = VISIBILITY[visibility]
    return Dataset(slug=visibility, organization_id=organization_id, private=private, state=state)


def test_every_action_is_in_the_table() -> None:
    assert set(Action) == {Action.READ, Action.EDIT, Action.DELETE,
                           Action.CREATE_DATASET, Action.MANAGE_ORGANIZATION}  # fmt: skip


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("action", list(Action))
def test_can_on_datasets(actor_name: str, action: Action) -> None:
    actor = ACTORS[actor_name]
    allowed = {v for v in VISIBILITY if can(actor, action, _dataset(v))}
    assert allowed == EXPECTED[actor_name].get(action, NONE)


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("action", list(Action))
def test_can_inside_an_organization(actor_name: str, action: Action) -> None:
    """Without a dataset (create a dataset, manage members) only the role counts."""
    actor = ACTORS[actor_name]
    expected = EXPECTED[actor_name].get(action, NONE) == EVERY
    assert can(actor, action, organization_id=ORG) is expected
    assert can(actor, action) is (actor_name == "site-admin")  # no organization at all


def test_roles_in_another_organization_grant_nothing_here() -> None:
    admin_elsewhere = ACTORS["other-admin"]
    for action in Action:
        assert can(admin_elsewhere, action, _dataset("private", OTHER))
        if action is not Action.READ:
            assert not can(admin_elsewhere, action, _dataset("public", ORG))


def _db_actor(context: AppContext, name: str) -> tuple[Actor, str]:
    """``name``'s actor as the web resolves it (roles read from the database)."""
    roles = {"member": "member", "editor": "editor", "admin": "admin"}
    with context.db.session() as session:
        org = session.scalar(select(Organization).where(Organization.slug == "zapopan"))
        other = session.scalar(select(Organization).where(Organization.slug == "otra"))
        user = services.create_user(
            session, name, f"{name}@example.org", "contraseña larga", site_admin=name == "root"
        )
        if name in roles:
            services.set_membership(session, user, org, roles[name])
        elif name == "other":
            services.set_membership(session, user, other, "editor")
        return actor_for(session, user), org.id


def test_readable_and_editable_datasets_agree_with_can(context: AppContext) -> None:
    with context.db.session() as session:
        org, other = Organization(slug="zapopan", name="Z"), Organization(slug="otra", name="O")
        session.add_all([org, other])
        for visibility, (private, state) in VISIBILITY.items():
            for owner in (org, other):
                slug = f"{owner.slug}-{visibility}"
                session.add(
                    Dataset(slug=slug, organization=owner, title=slug, private=private, state=state)
                )
    actors = {"anonymous": ANONYMOUS}
    for name in ("member", "editor", "admin", "other", "root"):
        actors[name], _ = _db_actor(context, name)
    assert actors["root"].is_site_admin and actors["admin"].roles
    with context.db.session() as session:
        datasets = session.scalars(select(Dataset)).all()
        for name, actor in actors.items():
            listed = set(session.scalars(select(Dataset.slug).where(readable_datasets(actor))))
            allowed = {d.slug for d in datasets if can(actor, Action.READ, d)}
            assert listed == allowed, name
            editable = set(session.scalars(select(Dataset.slug).where(editable_datasets(actor))))
            assert editable == {d.slug for d in datasets if can(actor, Action.EDIT, d)}, name
        forged = ACTORS["forged"]
        assert not session.scalars(select(Dataset.slug).where(editable_datasets(forged))).all()
        assert len(set(session.scalars(select(Dataset.slug).where(readable_datasets(ANONYMOUS)))))
        assert {"zapopan-private", "zapopan-draft"} <= allowed  # the last actor: the site admin


def test_inactive_users_are_anonymous(context: AppContext) -> None:
    with context.db.session() as session:
        org = Organization(slug="zapopan", name="Z")
        session.add(org)
        user = services.create_user(session, "ana", "ana@example.org", "contraseña larga")
        services.set_membership(session, user, org, "admin")
        assert actor_for(session, user).roles == {org.id: "admin"}
        user.is_active = False
        assert actor_for(session, user) is ANONYMOUS
        assert actor_for(session, None) is ANONYMOUS
        assert session.scalar(select(User.username)) == "ana"
