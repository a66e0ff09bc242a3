"""The visibility rule and the listing query, on each metadata backend."""

from __future__ import annotations

from pathlib import Path

from abierto.accounts.permissions import ANONYMOUS
from abierto.app_context import AppContext
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
