"""CKAN write actions for publishing scripts: package_create/update/patch/delete, resource_create.

They authenticate with an API token in the ``Authorization`` header (as ckanapi sends it),
go through the same permission function and catalog services as the portal, and run in one
transaction: a refused or failed call changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from abierto.accounts.permissions import Action, can
from abierto.catalog import activity, editing
from abierto.catalog.models import Dataset, Organization
from abierto.catalog.services import SLUG
from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.publish import PublishRequest, publish
from abierto.ingest.staging import safe_filename
from abierto.interop import ckan
from abierto.web.ckan_actions import find_dataset
from abierto.web.ckan_api import (
    ActionContext,
    NotAuthorized,
    ValidationError,
    action,
    require,
)

# CKAN field → abierto metadata field
FIELD_MAP = {
    "title": "title",
    "notes": "description",
    "license_id": "license_id",
    "author": "contact_name",
    "maintainer": "contact_name",
    "author_email": "contact_email",
    "maintainer_email": "contact_email",
    "language": "language",
}
EXTRAS = ("frequency", "temporal_start", "temporal_end", "spatial", "language")


def _logged_in(ctx: ActionContext) -> None:
    if not ctx.actor.is_authenticated:
        raise NotAuthorized("an API token is required (Authorization header)")


def _organization(ctx: ActionContext, key: str) -> Organization:
    org = ctx.session.scalar(
        select(Organization).where(or_(Organization.id == key, Organization.slug == key))
    )
    if org is None:
        raise ValidationError("Organization does not exist", owner_org=["Organization not found"])
    return org


def _form(data: dict[str, Any], base: editing.Metadata | None) -> dict[str, Any]:
    """Form values for ``editing.read_metadata``: the current metadata overlaid with ``data``."""
    form: dict[str, Any] = {}
    if base is not None:
        for name in editing.SIMPLE_FIELDS:
            value = getattr(base, name)
            form[name] = "" if value is None else str(value)
        form["private"] = "true" if base.private else ""
        form["tags"] = list(base.tags)
        form["themes"] = list(base.themes)
    for key, target in FIELD_MAP.items():
        if key in data and data[key] is not None:
            form[target] = str(data[key])
    for extra in data.get("extras") or []:
        if isinstance(extra, dict) and extra.get("key") in EXTRAS:
            form[extra["key"]] = str(extra.get("value") or "")
    if "private" in data:
        form["private"] = "true" if str(data["private"]).lower() in ("true", "1") else ""
    if "state" in data:
        form["state"] = "draft" if data["state"] == "draft" else "published"
    if "tags" in data:
        form["tags"] = [t["name"] if isinstance(t, dict) else str(t) for t in data["tags"] or []]
    if "groups" in data:
        form["themes"] = [g["name"] if isinstance(g, dict) else str(g) for g in data["groups"]]
    return form


def _metadata(data: dict[str, Any], base: editing.Metadata | None) -> editing.Metadata:
    metadata, errors = editing.read_metadata(_form(data, base))
    if errors:
        fields = {name: [code] for name, (code, _) in errors.items()}
        raise ValidationError("invalid metadata", **fields)
    return metadata


def _editable(ctx: ActionContext, data: dict[str, Any], action_: Action) -> Dataset:
    _logged_in(ctx)
    dataset = find_dataset(ctx, str(require(data, "id")))
    if not can(ctx.actor, action_, dataset):
        raise NotAuthorized(f"User {ctx.actor.username} not authorized to edit this package")
    return dataset


@action
def package_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    _logged_in(ctx)
    name = str(require(data, "name"))
    org = _organization(ctx, str(require(data, "owner_org")))
    if not can(ctx.actor, Action.CREATE_DATASET, organization_id=org.id):
        raise NotAuthorized(f"User {ctx.actor.username} cannot create datasets in {org.slug}")
    if not SLUG.match(name):
        raise ValidationError("invalid name", name=["Must be lowercase letters, digits and -"])
    if ctx.session.scalar(select(Dataset.id).where(Dataset.slug == name)):
        raise ValidationError("name in use", name=["That URL is already in use."])
    metadata = _metadata({"title": name, **data}, None)
    dataset = Dataset(slug=name, organization=org, title=metadata.title)
    ctx.session.add(dataset)
    ctx.session.flush()
    editing.apply_metadata(ctx.session, dataset, metadata, ctx.actor.user_id, record=False)
    activity.record(ctx.session, "dataset.created", actor_id=ctx.actor.user_id, dataset=dataset)
    ctx.session.flush()
    return ckan.package_dict(ctx.base_url, find_dataset(ctx, dataset.id), ctx.lang)


@action
def package_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace the metadata: fields left out return to their defaults, as in CKAN."""
    dataset = _editable(ctx, data, Action.EDIT)
    metadata = _metadata({"title": dataset.title, **data}, None)
    editing.apply_metadata(ctx.session, dataset, metadata, ctx.actor.user_id)
    return ckan.package_dict(ctx.base_url, find_dataset(ctx, dataset.id), ctx.lang)


@action
def package_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the fields given."""
    dataset = _editable(ctx, data, Action.EDIT)
    metadata = _metadata(data, editing.metadata_of(dataset))
    editing.apply_metadata(ctx.session, dataset, metadata, ctx.actor.user_id)
    return ckan.package_dict(ctx.base_url, find_dataset(ctx, dataset.id), ctx.lang)


@action
def package_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    dataset = _editable(ctx, data, Action.DELETE)
    editing.delete_dataset(ctx.session, dataset, ctx.actor.user_id)
    return None


@action
def resource_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """An uploaded file becomes a new release (a queryable table); a URL becomes a link."""
    dataset = _editable(ctx, {"id": require(data, "package_id")}, Action.EDIT)
    upload = ctx.uploads.get("upload")
    if upload is None:
        resource = editing.add_link(
            ctx.session,
            dataset,
            title=str(data.get("name") or data.get("url") or ""),
            url=str(require(data, "url")),
            format=str(data.get("format") or ""),
            kind="link",
            actor_id=ctx.actor.user_id,
        )
        return ckan.resource_dict(ctx.base_url, dataset, resource)
    names = _publish_upload(ctx, dataset, upload)
    fresh = find_dataset(ctx, dataset.id)
    resource = next(r for r in fresh.resources if r.name in names)
    return ckan.resource_dict(ctx.base_url, fresh, resource)


def _publish_upload(ctx: ActionContext, dataset: Dataset, upload: Any) -> list[str]:
    settings = ctx.app.settings
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="ckan-", dir=settings.scratch_dir) as tmp:
        path = Path(tmp) / safe_filename(upload.filename)
        with path.open("wb") as target:
            shutil.copyfileobj(upload.file, target, 1 << 20)
        if path.stat().st_size > limit:
            raise ValidationError("file too large", upload=[f"at most {settings.max_upload_mb} MB"])
        request = PublishRequest(
            path=path, organization=dataset.organization.slug, dataset=dataset.slug
        )
        try:
            result = publish(ctx.session, settings, ctx.app.store, request)
        except (UnreadableFileError, ValueError) as exc:
            raise ValidationError(str(exc), upload=[str(exc)]) from exc
    if result.unchanged:
        return [r.name for r in dataset.resources if r.kind == "table"]
    activity.record(
        ctx.session,
        "release.published",
        actor_id=ctx.actor.user_id,
        dataset=dataset,
        releases=[r.number for r in result.releases],
    )
    return [r.resource.name for r in result.releases]
