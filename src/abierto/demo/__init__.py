"""``abierto demo``: a small, realistic Spanish-language catalog for a fresh machine.

Four publishers (federal, state, two municipalities), seven themes, a dozen datasets with
full metadata, all published from generated files through the real pipeline, plus two demo
accounts. Loading is idempotent: what exists already (a publisher, a theme, a user, a
dataset) is left exactly as it is, so a second run changes nothing.
"""

from __future__ import annotations

import os
import random
import secrets
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.services import (
    MIN_PASSWORD,
    create_user,
    set_membership,
    user_by_name,
)
from abierto.app_context import AppContext
from abierto.catalog.models import (
    ActivityEvent,
    Dataset,
    Organization,
    Resource,
    Tag,
    Theme,
    utcnow,
)
from abierto.catalog.services import dataset_by_slug
from abierto.demo.catalog import (
    DATASETS,
    ORGANIZATIONS,
    THEMES,
    DemoDataset,
    DemoOrganization,
    DemoTheme,
)
from abierto.ingest.publish import PublishRequest, publish
from abierto.search import index_dataset
from abierto.settings import Settings

__all__ = [
    "DATASETS",
    "PASSWORD_ENV",
    "SEED",
    "USERS",
    "DemoError",
    "load_demo",
    "load_into",
    "write_files",
]

SEED = 2024
PASSWORD_ENV = "ABIERTO_DEMO_PASSWORD"
ALPHABET = string.ascii_letters + string.digits


class DemoError(ValueError):
    """The demo cannot be loaded as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    email: str
    full_name: str
    site_admin: bool = False
    memberships: tuple[tuple[str, str], ...] = ()  # (organization slug, role)


USERS = (
    DemoUser("admin", "admin@abierto.example", "Administración del portal", site_admin=True),
    DemoUser("editor", "editor@abierto.example", "Editora de Zapopan", False,
             (("zapopan", "editor"),)),
)  # fmt: skip


def load_demo(settings: Settings, password: str | None = None) -> Iterator[str]:
    """Load the demo into the portal of ``settings``, yielding one line per step.

    The accounts get ``password``, else ``$ABIERTO_DEMO_PASSWORD``, else a random one that
    only the yielded line shows.
    """
    context = AppContext.create(settings)
    try:
        yield from load_into(context, password or os.environ.get(PASSWORD_ENV) or None)
    finally:
        context.close()


def load_into(context: AppContext, password: str | None = None) -> Iterator[str]:
    if password is not None and len(password) < MIN_PASSWORD:
        raise DemoError(
            f"la contraseña de la demo ({PASSWORD_ENV}) necesita al menos {MIN_PASSWORD} "
            f"caracteres / the demo password needs at least {MIN_PASSWORD} characters"
        )
    with context.db.session() as session:
        for demo in ORGANIZATIONS:
            _organization(session, demo)
        for theme in THEMES:
            _theme(session, theme)
        lines = [_user(session, demo, password) for demo in USERS]
    yield from lines  # after the commit: a consumer that stops early keeps what was done
    with tempfile.TemporaryDirectory(prefix="abierto-demo-") as tmp:
        for demo in DATASETS:
            with context.db.session() as session:
                line = _dataset(session, context, demo, Path(tmp))
            yield line
    from abierto.demo.census import load_census  # imports this module: load it first

    yield from load_census(context, password)
    yield _score_quality(context)


def _score_quality(context: AppContext) -> str:
    """Today's quality scores, so the scoreboard and the dataset panels have a first point
    (production scores daily: ``abierto quality score``)."""
    from abierto.quality.models import QualityScore
    from abierto.quality.scoring import weights_from
    from abierto.quality.services import score_catalog

    weights = weights_from(context.settings.quality_weights)
    with context.db.session() as session:
        if session.scalar(select(QualityScore.dataset_id).limit(1)) is not None:
            return "calidad: sin cambios / quality: unchanged"
        scored = score_catalog(session, utcnow(), weights)
    return f"calidad: {scored} conjuntos evaluados / datasets scored"


def write_files(demo: DemoDataset, folder: Path) -> list[Path]:
    """Write the source files of ``demo`` into ``folder``: the same bytes on every run."""
    paths = []
    for source in demo.sources:
        path = folder / source.filename
        path.write_bytes(source.build(random.Random(f"{SEED}:{demo.slug}")))
        paths.append(path)
    return paths


def _event(
    session: Session,
    verb: str,
    actor_id: str | None = None,
    organization_id: str | None = None,
    dataset_id: str | None = None,
    **data: Any,
) -> None:
    session.add(
        ActivityEvent(
            verb=verb,
            actor_id=actor_id,
            organization_id=organization_id,
            dataset_id=dataset_id,
            data=data,
        )
    )


def _organization(session: Session, demo: DemoOrganization) -> None:
    if session.scalar(select(Organization).where(Organization.slug == demo.slug)):
        return
    org = Organization(
        slug=demo.slug,
        name=demo.name,
        description=demo.description,
        level=demo.level,
        place_key=demo.place_key,
        homepage=demo.homepage,
        contact_email=demo.contact_email,
    )
    session.add(org)
    session.flush()
    _event(session, "organization.created", None, org.id, slug=org.slug, name=org.name)


def _theme(session: Session, demo: DemoTheme) -> None:
    if session.scalar(select(Theme).where(Theme.slug == demo.slug)) is None:
        session.add(
            Theme(
                slug=demo.slug,
                name_es=demo.name_es,
                name_en=demo.name_en,
                description=demo.description,
            )
        )


def _user(session: Session, demo: DemoUser, password: str | None) -> str:
    if user_by_name(session, demo.username) is not None:
        return f"usuario {demo.username}: ya existía, contraseña sin cambios / unchanged"
    secret = password or "".join(secrets.choice(ALPHABET) for _ in range(16))
    user = create_user(
        session,
        demo.username,
        demo.email,
        secret,
        full_name=demo.full_name,
        site_admin=demo.site_admin,
    )
    roles = []
    for slug, role in demo.memberships:
        org = session.scalars(select(Organization).where(Organization.slug == slug)).one()
        set_membership(session, user, org, role)
        roles.append(f"{role} en {org.slug}")
    _event(session, "user.created", None, username=user.username)
    what = ", ".join(roles) or "administrador del sitio"
    shown = f"${PASSWORD_ENV}" if password else secret
    return f"usuario / contraseña: {user.username} / {shown} ({what})"


def _dataset(session: Session, context: AppContext, demo: DemoDataset, folder: Path) -> str:
    name = f"{demo.organization.slug}/{demo.slug}"
    if dataset_by_slug(session, demo.slug) is not None:
        return f"{name}: ya existe, sin cambios / already there, unchanged"
    admin = user_by_name(session, "admin")
    actor_id = admin.id if admin else None
    releases = []
    for path in write_files(demo, folder):
        request = PublishRequest(path, demo.organization.slug, demo.slug, demo.title)
        result = publish(session, context.settings, context.store, request)
        releases += result.releases
    dataset = result.dataset
    _describe(session, dataset, demo)
    index_dataset(session, dataset)
    where = (actor_id, dataset.organization_id, dataset.id)
    _event(session, "dataset.created", *where, slug=demo.slug, title=demo.title)
    for r in releases:
        _event(
            session,
            "release.published",
            *where,
            slug=demo.slug,
            resource=r.resource.name,
            number=r.number,
            row_count=r.row_count,
        )
    counts = ", ".join(f"v{r.number}: {r.row_count:,}" for r in releases)
    return f"{name}: {counts} filas / rows"


def _describe(session: Session, dataset: Dataset, demo: DemoDataset) -> None:
    """Everything the publish pipeline does not know: the dataset's catalog metadata."""
    dataset.description = demo.description
    dataset.license_id = demo.license_id
    dataset.frequency = demo.frequency
    dataset.temporal_start, dataset.temporal_end = demo.temporal
    dataset.spatial = demo.spatial
    dataset.contact_name, dataset.contact_email = demo.contact
    dataset.private = demo.private
    dataset.state = demo.state
    dataset.view_count = random.Random(f"{SEED}:views:{demo.slug}").randint(15, 4_000)
    dataset.tags = [_tag(session, name) for name in demo.tags]
    dataset.themes = list(
        session.scalars(select(Theme).where(Theme.slug.in_(demo.themes)).order_by(Theme.slug))
    )
    table = next(r for r in dataset.resources if r.kind == "table")
    table.column_descriptions = dict(demo.column_descriptions)
    for link in demo.links:
        dataset.resources.append(
            Resource(
                name=link.name,
                kind="link",
                title=link.title,
                url=link.url,
                format=link.format,
                position=len(dataset.resources),
            )
        )
    session.flush()


def _tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
    return tag
