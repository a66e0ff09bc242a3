"""Catalog search on SQLite FTS5 and PostgreSQL: Spanish terms, facets, sorts, visibility."""

from __future__ import annotations

from pathlib import Path

import pytest

from abierto.accounts import services
from abierto.accounts.permissions import ANONYMOUS, actor_for
from abierto.app_context import AppContext
from abierto.catalog import editing
from abierto.catalog.models import Theme
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.search.service import SearchQuery, search
from abierto.search.text import terms
from tests.web.conftest import hide, publish_csv

CONTRATOS = "Proveedor,Monto adjudicado,Fecha\nConstructora del Norte,1500,2020-01-02\n"
ESCUELAS = "Escuela,Alumnos\nPrimaria Benito Juárez,300\n"
AIRE = "Estación,PM10\nCentro,40.5\n"


def _meta(context: AppContext, slug: str, **values: object) -> None:
    with context.db.session() as session:
        dataset = dataset_by_slug(session, slug)
        assert dataset is not None
        current = editing.metadata_of(dataset)
        for key, value in values.items():
            setattr(current, key, value)
        editing.apply_metadata(session, dataset, current, None)


@pytest.fixture
def catalog(context: AppContext, tmp_path: Path) -> AppContext:
    with context.db.session() as session:
        session.add(Theme(slug="educacion", name_es="Educación", name_en="Education"))
        session.add(Theme(slug="finanzas", name_es="Finanzas públicas", name_en="Public finance"))
    publish_csv(context, tmp_path, "contratos", CONTRATOS, title="Contratos adjudicados")
    publish_csv(
        context, tmp_path, "escuelas", ESCUELAS, title="Escuelas públicas de Jalisco", org="jalisco"
    )
    publish_csv(context, tmp_path, "aire", AIRE, title="Calidad del aire")
    publish_csv(context, tmp_path, "nomina", "Nombre,Sueldo\nAna,10\n", title="Nómina de educación")
    _meta(
        context,
        "escuelas",
        description="Padrón de **educación** básica.",
        tags=["escuela"],
        themes=["educacion"],
        license_id="cc-by-4.0",
        frequency="ANNUAL",
    )
    _meta(context, "contratos", themes=["finanzas"], license_id="cc-by-4.0", tags=["compras"])
    _meta(context, "aire", license_id="other-closed", frequency="DAILY")
    hide(context, "nomina", private=True)
    return context


def found(context: AppContext, actor=ANONYMOUS, **kwargs: object) -> list[str]:  # type: ignore[no-untyped-def]
    with context.db.session() as session:
        return [d.slug for d in search(session, actor, SearchQuery(**kwargs)).items]  # type: ignore[arg-type]


def test_terms_fold_accents_case_and_stem() -> None:
    assert terms("EDUCACIÓN educacion") == terms("educación Educacion")
    assert terms("escuelas") == terms("escuela")
    assert terms("año") != terms("ano")


@pytest.mark.parametrize(
    ("q", "slugs"),
    [
        ("educacion", ["escuelas"]),
        ("EDUCACIÓN", ["escuelas"]),
        ("escuela", ["escuelas"]),
        ("escuelas jalisco", ["escuelas"]),
        ("monto adjudicado", ["contratos"]),
        ("constructora", []),  # cell values are not indexed, column titles are
        ("estacion", ["aire"]),
        ("calid", ["aire"]),  # the last word is a prefix: search as you type
        ("nómina", []),  # private
    ],
)
def test_spanish_queries(catalog: AppContext, q: str, slugs: list[str]) -> None:
    assert found(catalog, q=q) == slugs


def test_private_found_by_members_only(catalog: AppContext) -> None:
    with catalog.db.session() as session:
        user = services.create_user(session, "ana", "ana@zapopan.gob.mx", "contraseña-larga")
        services.set_membership(
            session, user, get_or_create_organization(session, "zapopan"), "member"
        )
        actor = actor_for(session, user)
    assert found(catalog, actor, q="nomina") == ["nomina"]
    assert found(catalog, q="nomina") == []


def test_facets_filters_sorts_paging(catalog: AppContext) -> None:
    with catalog.db.session() as session:
        results = search(session, ANONYMOUS, SearchQuery())
        assert results.total == 3
        facets = {
            name: {v.value: v.count for v in values} for name, values in results.facets.items()
        }
    assert facets["organization"] == {"zapopan": 2, "jalisco": 1}  # the private one not counted
    assert facets["license"] == {"cc-by-4.0": 2, "other-closed": 1}
    assert facets["theme"] == {"educacion": 1, "finanzas": 1}
    assert facets["format"] == {"CSV": 3}
    assert facets["frequency"] == {"ANNUAL": 1, "DAILY": 1}
    assert found(catalog, filters={"organization": ["zapopan"]}, sort="name") == [
        "aire",
        "contratos",
    ]
    assert found(catalog, filters={"license": ["cc-by-4.0"], "theme": ["finanzas"]}) == [
        "contratos"
    ]
    assert found(catalog, filters={"tag": ["escuela", "compras"]}, sort="name") == [
        "contratos",
        "escuelas",
    ]
    assert found(catalog, sort="name") == ["aire", "contratos", "escuelas"]
    assert found(catalog, sort="name", page=2, page_size=2) == ["escuelas"]


def test_deleted_dataset_leaves_the_index(catalog: AppContext) -> None:
    with catalog.db.session() as session:
        editing.delete_dataset(session, dataset_by_slug(session, "aire"), None)
    assert found(catalog, q="aire") == []
