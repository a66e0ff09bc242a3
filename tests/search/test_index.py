"""The index and the result cache: kept exact by triggers, rebuilt in bulk."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from abierto.accounts.permissions import ANONYMOUS
from abierto.app_context import AppContext
from abierto.search import cache
from abierto.search.indexing import backend_for, ensure_index
from abierto.search.service import SearchQuery, search
from tests.search.test_search import catalog, found  # noqa: F401  (fixture)
from tests.web.conftest import publish_csv


def _facet(context: AppContext, name: str, **kwargs: object) -> dict[str, int]:
    with context.db.session() as session:
        results = search(session, ANONYMOUS, SearchQuery(**kwargs))  # type: ignore[arg-type]
        return {v.value: v.count for v in results.facets.get(name, [])}


def test_raw_visibility_change_is_never_served_from_cache(catalog: AppContext) -> None:  # noqa: F811
    assert found(catalog, q="aire") == ["aire"]
    assert _facet(catalog, "organization") == {"zapopan": 2, "jalisco": 1}
    with catalog.db.session() as session:  # no service call, no index_dataset: a bare UPDATE
        session.execute(text("UPDATE dataset SET private = true WHERE slug = 'aire'"))
    assert found(catalog, q="aire") == []
    assert _facet(catalog, "organization") == {"zapopan": 1, "jalisco": 1}


def test_new_release_and_relabel_show_up(catalog: AppContext, tmp_path: Path) -> None:  # noqa: F811
    assert _facet(catalog, "theme", lang="en") == {"educacion": 1, "finanzas": 1}
    publish_csv(catalog, tmp_path, "becas", "Beca,Monto\nA,1\n", title="Becas escolares")
    assert found(catalog, q="becas") == ["becas"]
    with catalog.db.session() as session:
        session.execute(text("UPDATE theme SET name_en = 'Schooling' WHERE slug = 'educacion'"))
    with catalog.db.session() as session:
        results = search(session, ANONYMOUS, SearchQuery(lang="en"))
    assert {v.label for v in results.facets["theme"]} == {"Schooling", "Public finance"}


def test_cache_is_bypassed_without_its_triggers(catalog: AppContext) -> None:  # noqa: F811
    with catalog.db.session() as session:
        assert cache.generation(session) is not None
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("DROP TRIGGER search_generation_dataset_update"))
        else:
            session.execute(text("ALTER TABLE dataset DISABLE TRIGGER search_generation_dataset"))
    try:
        with catalog.db.session() as session:
            assert cache.generation(session) is None
        assert found(catalog, q="aire") == ["aire"]
    finally:  # the PostgreSQL database is shared by the whole test session
        if catalog.db.engine.dialect.name == "postgresql":
            with catalog.db.session() as session:
                session.execute(
                    text("ALTER TABLE dataset ENABLE TRIGGER search_generation_dataset")
                )
                session.commit()


def test_filters_keep_the_other_values_of_their_facet(catalog: AppContext) -> None:  # noqa: F811
    counts = _facet(catalog, "organization", filters={"organization": ["jalisco"]})
    assert counts == {"zapopan": 2, "jalisco": 1}  # pick another one to OR it in
    assert _facet(catalog, "license", filters={"organization": ["jalisco"]}) == {"cc-by-4.0": 1}
    both = found(catalog, filters={"organization": ["jalisco", "zapopan"]}, sort="name")
    assert both == ["aire", "contratos", "escuelas"]


def test_ensure_index_rebuilds_a_lost_index(catalog: AppContext) -> None:  # noqa: F811
    with catalog.db.session() as session:
        table = "search_fts" if session.get_bind().dialect.name == "sqlite" else "search_document"
        session.execute(text(f"DELETE FROM {table}"))
        session.execute(text("DELETE FROM dataset_format"))
    assert found(catalog, q="escuelas") == []
    with catalog.db.session() as session:
        assert ensure_index(session) == 4
        assert backend_for(session).count(session) == 4
        assert ensure_index(session) == 0
    assert found(catalog, q="escuelas") == ["escuelas"]
    assert _facet(catalog, "format") == {"CSV": 3}
