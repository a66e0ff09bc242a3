"""The work of the browser flow on a staged upload — inspecting it, publishing it with its
metadata — run in the web request for a small file, as a background job for a big one.

Both paths call the same functions (``inspect_upload``, ``publish_to_target``), so a file
handled in the background gets exactly what a synchronous request gives it: for a publish,
permissions checked again, one transaction for the release, the metadata, the activity
events and the search index.

The ``publish.web`` job runs wherever a worker is (another machine, with its own scratch
folder): it reads the file from the blob store (``uploads/<sha256>``), re-resolves the
actor from the database (the editor may have lost the right since the upload) and is
idempotent: its summary is written to its own job row in the publishing transaction, so a
rerun after a crash between that commit and the job's "done" returns the summary instead of
publishing twice (which, for a new dataset, would create ``title-2``). The ``inspect.web``
job only reads: its report (what the inspect page shows) is its result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.accounts.permissions import Action, Actor, actor_for, can
from abierto.catalog import activity
from abierto.catalog.editing import EditError, Metadata, apply_metadata, free_slug
from abierto.catalog.models import Dataset, Organization
from abierto.catalog.services import SlugTaken, dataset_by_slug, latest_release
from abierto.ingest.diff import schema_diff
from abierto.ingest.errors import UnreadableFileError
from abierto.ingest.pipeline import TableResult, inspect_file
from abierto.ingest.publish import PublishRequest, PublishResult, publish
from abierto.ingest.staging import Target
from abierto.jobs.errors import NotRetryable
from abierto.jobs.models import Job
from abierto.jobs.registry import handler

if TYPE_CHECKING:
    from abierto.app_context import AppContext

log = logging.getLogger(__name__)
JOB_KIND = "publish.web"
INSPECT_KIND = "inspect.web"
DATE_FIELDS = ("temporal_start", "temporal_end")
SLUG_TRIES = 5


class PublishRefused(NotRetryable):
    """The publish cannot go ahead; ``code`` is a message key (``publish.job.error.*``).

    ``str()`` is the code itself, so the job's stored error names the message to show.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PublishFailed(NotRetryable):
    """The file could not be published; the text says why and where (file, row, column)."""


# -- the inspect report ----------------------------------------------------------------


def inspect_upload(context: AppContext, path: Path, dataset_slug: str) -> dict[str, Any]:
    """The inspect report of a staged file, as JSON-ready data: per table what was read,
    the errors, the profile and the schema diff against the latest release of the same
    resource; ``{"error": {"message", "hint"}}`` for a file that cannot be read."""
    try:
        tables = inspect_file(path, context.settings)
        with context.db.session() as session:
            result: dict[str, Any] = {"tables": _table_views(session, dataset_slug, tables)}
    except UnreadableFileError as exc:
        result = {"error": {"message": exc.message, "hint": exc.hint}}
    except (duckdb.Error, OSError, ValueError) as exc:
        log.exception("cannot inspect staged file %s", path.name)
        result = {"error": {"message": f"{type(exc).__name__}", "hint": None}}
    # Profiles hold dates: stored as text, the same in a cache file and in a job row.
    return json.loads(json.dumps(result, default=str))


def _table_views(
    session: Session, dataset_slug: str, tables: list[TableResult]
) -> list[dict[str, Any]]:
    dataset = dataset_by_slug(session, dataset_slug) if dataset_slug else None
    views = []
    for table in tables:
        view = table.to_dict()
        view["resource"] = "data" if len(tables) == 1 else table.name
        view["diff"] = _diff(session, dataset, view["resource"], view["columns"])
        views.append(view)
    return views


def _diff(
    session: Session, dataset: Dataset | None, resource_name: str, columns: list[dict[str, Any]]
) -> dict[str, Any] | None:
    resource = (
        next((r for r in dataset.resources if r.name == resource_name), None) if dataset else None
    )
    previous = latest_release(session, resource) if resource else None
    if previous is None:
        return None
    old = [{**c, "profile": previous.profile.get(c["name"], {})} for c in previous.columns]
    diff = schema_diff(old, columns)
    diff["previous"] = previous.number
    return diff


# -- the one publish both paths run -----------------------------------------------------


def publish_to_target(
    session: Session,
    context: AppContext,
    actor: Actor,
    path: Path,
    target: Target,
    metadata: Metadata,
    renames: dict[str, str],
    source: str,
) -> PublishResult:
    """Publish ``path`` into ``target`` with ``metadata``, as ``actor``; the caller commits.

    Permissions are checked here, at the moment of publishing, not only when the file was
    uploaded: PublishRefused when the actor may no longer do it.
    """
    org = session.get(Organization, target.organization_id)
    if org is None:
        raise PublishRefused("publish.job.error.organization")
    for _ in range(SLUG_TRIES):
        slug, new = _destination(session, actor, target, metadata)
        request = PublishRequest(path, org.slug, slug, metadata.title, renames, new_dataset=new)
        try:
            result = publish(session, context.settings, context.store, request)
            break
        except SlugTaken:  # another editor's new dataset took the free slug first
            continue
    else:
        raise PublishRefused("publish.job.error.slug")
    if new:
        activity.record(session, "dataset.created", actor_id=actor.user_id, dataset=result.dataset)
    apply_metadata(session, result.dataset, metadata, actor.user_id, record=not new)
    for release in result.releases:
        activity.record(
            session,
            "release.published",
            actor_id=actor.user_id,
            dataset=result.dataset,
            resource=release.resource.name,
            number=release.number,
            rows=release.row_count,
            source=source,
        )
    return result


def may_publish(session: Session, actor: Actor, target: Target) -> bool:
    """Whether ``actor`` may publish into ``target`` now (a new dataset, or a release)."""
    if target.dataset_slug:
        dataset = dataset_by_slug(session, target.dataset_slug)
        return dataset is not None and can(actor, Action.EDIT, dataset)
    return can(actor, Action.CREATE_DATASET, organization_id=target.organization_id)


def _destination(
    session: Session, actor: Actor, target: Target, metadata: Metadata
) -> tuple[str, bool]:
    """(dataset slug, whether it is new) once the actor's right to publish there is checked."""
    if not may_publish(session, actor, target):
        raise PublishRefused("publish.job.error.forbidden")
    if target.dataset_slug:
        return target.dataset_slug, False
    return free_slug(session, metadata.title), True


def summary(result: PublishResult) -> dict[str, Any]:
    """What a publish job reports: the dataset and the releases it made."""
    return {
        "dataset": result.dataset.slug,
        "unchanged": result.unchanged,
        "releases": [
            {
                "id": r.id,
                "resource": r.resource.name,
                "number": r.number,
                "row_count": r.row_count,
            }
            for r in result.releases
        ],
    }


# -- the job ----------------------------------------------------------------------------


def metadata_to_json(metadata: Metadata) -> dict[str, Any]:
    data = dataclasses.asdict(metadata)
    for name in DATE_FIELDS:
        data[name] = data[name].isoformat() if data[name] else None
    return data


def metadata_from_json(data: dict[str, Any]) -> Metadata:
    known = {f.name for f in dataclasses.fields(Metadata)}
    values = {k: v for k, v in data.items() if k in known}
    for name in DATE_FIELDS:
        values[name] = dt.date.fromisoformat(values[name]) if values.get(name) else None
    return Metadata(**values)


@contextmanager
def local_copy(context: AppContext, blob_key: str, name: str) -> Iterator[Path]:
    """The staged blob as a local file named like the original (readers use the extension).

    The copy lives in this process's scratch folder and is removed afterwards; the blob
    store may be a bucket another machine wrote to. A blob no longer stored (collected, or
    never written) raises FileNotFoundError, which the status page explains.
    """
    source = context.store.local_path(blob_key)
    settings = context.settings
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="job-", dir=settings.scratch_dir) as tmp:
        local = Path(tmp) / Path(name).name
        shutil.copyfile(source, local)
        yield local


@handler(INSPECT_KIND)
def inspect_web(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Inspect a big staged upload; reading only, so running it twice is harmless."""
    with local_copy(context, payload["blob_key"], payload["source_name"]) as path:
        return {"inspection": inspect_upload(context, path, payload.get("dataset_slug") or "")}


@handler(JOB_KIND)
def publish_web(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Publish a staged upload with its metadata, as the editor who asked for it."""
    key = payload["job_key"]
    earlier = _earlier_result(context, key)
    if earlier is not None:
        return earlier
    target = Target(**payload["target"])
    metadata = metadata_from_json(payload["metadata"])
    renames = dict(payload.get("renames") or {})
    source = payload.get("source") or payload["source_name"]
    with (
        local_copy(context, payload["blob_key"], payload["source_name"]) as path,
        context.db.session() as session,
    ):
        actor = _actor(session, payload.get("actor_id"))
        try:
            result = publish_to_target(
                session, context, actor, path, target, metadata, renames, source
            )
        except UnreadableFileError as exc:
            raise PublishFailed(unreadable(payload["source_name"], exc)) from exc
        except EditError as exc:  # e.g. a theme deleted since the form was sent
            raise PublishRefused("publish.job.error.metadata") from exc
        done = summary(result)
        # Committed with the release: a rerun finds it (see the module docstring).
        session.execute(update(Job).where(Job.key == key).values(result=done))
    return done


def _earlier_result(context: AppContext, key: str) -> dict[str, Any] | None:
    with context.db.session() as session:
        result = session.scalar(select(Job.result).where(Job.key == key))
    return result if isinstance(result, dict) and "dataset" in result else None


def _actor(session: Session, user_id: str | None) -> Actor:
    """The actor as the database says now: an inactive or deleted user can do nothing."""
    user = session.get(User, user_id) if user_id else None
    return actor_for(session, user)


def unreadable(name: str, exc: UnreadableFileError) -> str:
    text = f"{name}: {exc.message}"
    return f"{text} ({exc.hint})" if exc.hint else text
