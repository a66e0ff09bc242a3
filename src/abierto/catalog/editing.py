"""Changing a dataset's metadata: validate, apply, record the activity, reindex.

Every function here changes the session only; the caller commits, so a change, its
activity event and its search entry land in one transaction. Permission checks are the
caller's (``accounts.permissions.can``). Errors name a message key (``publish.error.*``)
per form field, so the portal can show each one next to its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import abierto.search
from abierto.catalog import activity
from abierto.catalog.models import Dataset, Resource, Tag, Theme
from abierto.catalog.services import slugify
from abierto.catalog.vocab import FREQUENCIES, LICENSES

STATES = ("published", "draft")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
FORMAT = re.compile(r"^[A-Za-z0-9.+-]{1,20}$")
MAX_TEXT = 300
MAX_DESCRIPTION = 20_000
MAX_COLUMN_DESCRIPTION = 2_000
MAX_TAGS = 50
MAX_TAG = 100


class EditError(ValueError):
    """Refused input: field name → (message key, values for the message)."""

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        super().__init__("; ".join(f"{k}: {code}" for k, (code, _) in errors.items()))
        self.errors = errors


@dataclass(slots=True)
class Metadata:
    """What an editor may set on a dataset (DCAT names where DCAT has one)."""

    title: str
    description: str = ""
    license_id: str | None = None
    frequency: str | None = None
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    language: str = "es"
    tags: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # theme slugs
    private: bool = False
    state: str = "published"


SIMPLE_FIELDS = (
    "title",
    "description",
    "license_id",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "contact_name",
    "contact_email",
    "language",
    "private",
    "state",
)


def metadata_of(dataset: Dataset) -> Metadata:
    """The dataset's current metadata (to prefill a form)."""
    values = {name: getattr(dataset, name) for name in SIMPLE_FIELDS}
    return Metadata(
        **values,
        tags=sorted(t.name for t in dataset.tags),
        themes=sorted(t.slug for t in dataset.themes),
    )


# -- parsing and validating -------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _optional(value: Any) -> str | None:
    return _text(value) or None


def _date(value: Any, name: str, errors: dict) -> dt.date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = ("publish.error.date", {"value": text[:40]})
        return None


def split_tags(value: Any) -> list[str]:
    """Tags from "a, b; c" or a list: trimmed, lowercased, single-spaced, without repeats."""
    parts = value if isinstance(value, list) else re.split(r"[,;\n]", _text(value))
    tags: list[str] = []
    for part in parts:
        tag = " ".join(str(part).split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def read_metadata(form: Mapping[str, Any]) -> tuple[Metadata, dict[str, tuple[str, dict]]]:
    """Metadata from form values (strings; ``themes`` a list) and its problems, if any."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    themes = form.get("themes") or []
    metadata = Metadata(
        title=_text(form.get("title")),
        description=_text(form.get("description")),
        license_id=_optional(form.get("license_id")),
        frequency=_optional(form.get("frequency")),
        temporal_start=_date(form.get("temporal_start"), "temporal_start", errors),
        temporal_end=_date(form.get("temporal_end"), "temporal_end", errors),
        spatial=_optional(form.get("spatial")),
        contact_name=_optional(form.get("contact_name")),
        contact_email=_optional(form.get("contact_email")),
        language=_text(form.get("language")) or "es",
        tags=split_tags(form.get("tags")),
        themes=[t for t in (themes if isinstance(themes, list) else [themes]) if t],
        private=_text(form.get("private")) in ("on", "1", "true", "yes"),
        state="draft" if _text(form.get("state")) == "draft" else "published",
    )
    return metadata, {**validate(metadata), **errors}


def parse_metadata(form: Mapping[str, Any]) -> Metadata:
    """Metadata from form values; EditError lists every problem."""
    metadata, errors = read_metadata(form)
    if errors:
        raise EditError(errors)
    return metadata


def validate(m: Metadata) -> dict[str, tuple[str, dict[str, Any]]]:
    """Field → (message key, values) for each problem of ``m``; empty when it is valid."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if not m.title:
        errors["title"] = ("publish.error.required", {})
    for name in ("title", "spatial", "contact_name", "contact_email"):
        if len(getattr(m, name) or "") > MAX_TEXT:
            errors[name] = ("publish.error.too_long", {"n": MAX_TEXT})
    if len(m.description) > MAX_DESCRIPTION:
        errors["description"] = ("publish.error.too_long", {"n": MAX_DESCRIPTION})
    if m.license_id is not None and m.license_id not in LICENSES:
        errors["license_id"] = ("publish.error.choice", {})
    if m.frequency is not None and m.frequency not in FREQUENCIES:
        errors["frequency"] = ("publish.error.choice", {})
    if m.temporal_start and m.temporal_end and m.temporal_end < m.temporal_start:
        errors["temporal_end"] = ("publish.error.date_order", {})
    if m.contact_email and not EMAIL.match(m.contact_email):
        errors["contact_email"] = ("publish.error.email", {})
    if not LANGUAGE.match(m.language):
        errors["language"] = ("publish.error.language", {})
    if len(m.tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in m.tags):
        errors["tags"] = ("publish.error.tags", {"n": MAX_TAGS, "length": MAX_TAG})
    if m.state not in STATES:
        errors["state"] = ("publish.error.choice", {})
    return errors


# -- applying ---------------------------------------------------------------------------


def apply_metadata(
    session: Session,
    dataset: Dataset,
    metadata: Metadata,
    actor_id: str | None,
    *,
    record: bool = True,
) -> list[str]:
    """Set ``metadata`` on ``dataset``; returns the names of the fields that changed.

    Tags are created on the fly; themes must exist. With ``record`` (the default) a change
    is logged as ``dataset.updated``; the dataset is reindexed either way.
    """
    errors = validate(metadata)
    themes = _themes(session, metadata.themes, errors)
    if errors:
        raise EditError(errors)
    before = metadata_of(dataset)
    for name in SIMPLE_FIELDS:
        setattr(dataset, name, getattr(metadata, name))
    dataset.tags = _tags(session, metadata.tags)
    dataset.themes = themes
    after = metadata_of(dataset)
    changed = [
        f.name for f in fields(Metadata) if getattr(before, f.name) != getattr(after, f.name)
    ]
    if changed and record:
        activity.record(
            session, "dataset.updated", actor_id=actor_id, dataset=dataset, fields=changed
        )
    session.flush()
    abierto.search.index_dataset(session, dataset)
    return changed


def _tags(session: Session, names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        tags.append(tag)
    return tags


def _themes(session: Session, slugs: list[str], errors: dict) -> list[Theme]:
    found = {t.slug: t for t in session.scalars(select(Theme).where(Theme.slug.in_(slugs)))}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        errors["themes"] = ("publish.error.theme", {"slug": unknown[0][:100]})
    return [found[s] for s in slugs if s in found]


def free_slug(session: Session, title: str) -> str:
    """A dataset slug from ``title`` that no dataset uses yet (``-2``, ``-3``… when taken)."""
    base = slugify(title)[:90].strip("-") or "dataset"
    taken = set(
        session.scalars(
            select(Dataset.slug).where((Dataset.slug == base) | Dataset.slug.like(f"{base}-%"))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


# -- column descriptions, link resources ------------------------------------------------


def set_column_descriptions(
    session: Session,
    resource: Resource,
    columns: list[str],
    descriptions: Mapping[str, str],
    actor_id: str | None,
) -> bool:
    """Set the descriptions of ``columns`` (the latest release's) from ``descriptions``;
    an empty text removes one, names not in ``columns`` are ignored. True if any changed."""
    current = dict(resource.column_descriptions or {})
    updated = {k: v for k, v in current.items() if k not in columns}
    for name in columns:
        text = (descriptions.get(name) or "").strip()
        if len(text) > MAX_COLUMN_DESCRIPTION:
            raise EditError(
                {f"col:{name}": ("publish.error.too_long", {"n": MAX_COLUMN_DESCRIPTION})}
            )
        if text:
            updated[name] = text
    if updated == current:
        return False
    resource.column_descriptions = updated  # a new dict, so the JSON column is marked dirty
    changed = sorted(k for k in updated.keys() | current.keys() if updated.get(k) != current.get(k))
    activity.record(
        session,
        "resource.described",
        actor_id=actor_id,
        dataset=resource.dataset,
        resource=resource.name,
        columns=changed,
    )
    abierto.search.index_dataset(session, resource.dataset)
    return True


def check_link(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise EditError({"url": ("publish.error.link_url", {})})
    return url.strip()


def add_link(
    session: Session,
    dataset: Dataset,
    *,
    title: str,
    url: str,
    format: str,
    kind: str,
    actor_id: str | None,
) -> Resource:
    """A file or link resource (a PDF, a page, an API) pointing to ``url``."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    title = title.strip()
    if not title or len(title) > MAX_TEXT:
        errors["link_title"] = ("publish.error.required", {})
    try:
        url = check_link(url)
    except EditError as exc:
        errors.update(exc.errors)
    format = format.strip().upper()
    if format and not FORMAT.match(format):
        errors["format"] = ("publish.error.format", {})
    if kind not in ("file", "link"):
        errors["kind"] = ("publish.error.choice", {})
    if errors:
        raise EditError(errors)
    resource = Resource(
        dataset=dataset,
        name=_free_resource_name(session, dataset, title),
        kind=kind,
        position=_next_position(session, dataset),
        title=title,
        url=url,
        format=format or None,
    )
    session.add(resource)
    session.flush()
    activity.record(
        session, "resource.added", actor_id=actor_id, dataset=dataset, resource=resource.name
    )
    abierto.search.index_dataset(session, dataset)
    return resource


def remove_link(session: Session, resource: Resource, actor_id: str | None) -> None:
    """Remove a file or link resource (table resources keep their releases: not here)."""
    if resource.kind == "table":
        raise EditError({"resource": ("publish.error.table_resource", {})})
    dataset = resource.dataset
    dataset.resources.remove(resource)
    activity.record(
        session, "resource.removed", actor_id=actor_id, dataset=dataset, resource=resource.name
    )
    session.flush()
    abierto.search.index_dataset(session, dataset)


def _free_resource_name(session: Session, dataset: Dataset, title: str) -> str:
    base = slugify(title)[:90].strip("-") or "recurso"
    names = set(session.scalars(select(Resource.name).where(Resource.dataset_id == dataset.id)))
    name, n = base, 1
    while name in names:
        n += 1
        name = f"{base}-{n}"
    return name


def _next_position(session: Session, dataset: Dataset) -> int:
    last = session.scalar(
        select(func.max(Resource.position)).where(Resource.dataset_id == dataset.id)
    )
    return 0 if last is None else last + 1


# -- deleting ---------------------------------------------------------------------------


def delete_dataset(session: Session, dataset: Dataset, actor_id: str | None) -> list[str]:
    """Delete the dataset, its resources and release rows; the activity log keeps a record.

    Returns the blob keys the releases used: they stay in the blob store (another dataset
    may share a content-addressed blob) until a garbage collection removes unused ones.
    """
    blobs = sorted({r.blob_key for res in dataset.resources for r in res.releases})
    activity.record(
        session,
        "dataset.deleted",
        actor_id=actor_id,
        dataset=dataset,
        resources=[r.name for r in dataset.resources],
        releases=sum(len(r.releases) for r in dataset.resources),
    )
    dataset_id = dataset.id
    session.delete(dataset)
    session.flush()
    abierto.search.remove_dataset(session, dataset_id)
    return blobs
