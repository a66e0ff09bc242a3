"""The visibility rule and the listing query, on each metadata backend."""

from __future__ import annotations

from pathlib import Path

from abierto.accounts.permissions import ANONYMOUS, Actor
from abierto.app_context import AppContext
from abierto.catalog.services import dataset_by_slug
from abierto.web import queries
from tests.web.conftest import OBRAS_V1, OBRAS_V2, SECRET, hide, publish_csv


def test_listing_and_visibility(context: AppContext, tmp_path: Path) -> None:
    publish_csv(context, tmp_path, "obras", OBRAS_V1, title="Obras")
    [obras_v2] = publish_csv(context, tmp_path, "obras", OBRAS_V2, title="Obras")
    publish_csv(context, tmp_path, "nuevo", SECRET, title="Nuevo", org="jalisco")
    [secret] = publish_csv(context, tmp_path, "secreto", SECRET, title="Secreto")
    publish_csv(context, tmp_path, "borrador", SECRET, title="Borrador")
    hide(context, "secreto", private=True)
    hide(context, "borrador", draft=True)
    with context.db.session() as session:
        listings = queries.list_datasets(session, ANONYMOUS)
        assert [x.dataset.slug for x in listings] == ["nuevo", "obras"]
        assert [x.row_count for x in listings] == [1, 4]
        assert all(isinstance(x.row_count, int) for x in listings)
        assert listings[0].dataset.organization.slug == "jalisco"
        assert queries.count_datasets(session, ANONYMOUS) == 2
        assert (
            queries.list_datasets(session, ANONYMOUS, limit=1, offset=1)[0].dataset.slug == "obras"
        )
        assert queries.get_dataset(session, ANONYMOUS, "secreto") is None
        assert queries.get_dataset(session, ANONYMOUS, "borrador") is None
        assert queries.get_release(session, ANONYMOUS, secret) is None
        found = queries.get_release(session, ANONYMOUS, obras_v2)
        assert found is not None and found.dataset.slug == "obras"
        assert queries.find_release(session, ANONYMOUS, "obras", "data", 1) is not None
        assert queries.find_release(session, ANONYMOUS, "obras", "data", 3) is None
        assert queries.find_release(session, ANONYMOUS, "secreto", "data") is None


def test_release_lookups_apply_the_read_rule_on_every_call(
    context: AppContext, tmp_path: Path
) -> None:
    """The release row is kept per process, but visibility and "which release is the latest"
    are asked of the database every time."""
    [v1] = publish_csv(context, tmp_path, "obras", OBRAS_V1, title="Obras")
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "obras")
        assert dataset is not None
        member = Actor("u1", "ana", roles={dataset.organization_id: "member"})
    for step in ("cached", "private", "public again"):
        if step == "private":
            hide(context, "obras", private=True)
        if step == "public again":
            hide(context, "obras")
        with context.db.session() as session:
            anonymous = queries.find_release(session, ANONYMOUS, "obras", "data")
            by_id = queries.find_release_by_id(session, ANONYMOUS, v1)
            as_member = queries.find_release(session, member, "obras", "data")
        assert as_member is not None and as_member.release.id == v1
        assert as_member.public is (step != "private")
        if step == "private":
            assert anonymous is None and by_id is None
        else:
            assert anonymous is not None and by_id is not None
            assert anonymous.release.id == v1 and anonymous.release.columns
    [v2] = publish_csv(context, tmp_path, "obras", OBRAS_V2, title="Obras")
    with context.db.session() as session:
        latest = queries.find_release(session, ANONYMOUS, "obras", "data")
        first = queries.find_release(session, ANONYMOUS, "obras", "data", 1)
    assert latest is not None and latest.release.id == v2 and latest.release.number == 2
    assert first is not None and first.release.id == v1
