"""CKAN ``package_search`` over the search service, driven by the real ckanapi client.

The module runs its own live server over a small catalog of its own (three organizations,
tags, groups, licences, a PDF link, a private dataset and a draft), so the counts below are
exact and the shared ``portal`` of the other web tests is left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ckanapi import RemoteCKAN, SearchQueryError, ValidationError

from abierto.accounts import services as accounts
from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata, add_link, apply_metadata
from abierto.catalog.models import Theme
from abierto.catalog.services import get_or_create_dataset, get_or_create_organization
from abierto.settings import Settings
from tests.web.conftest import _serve, publish_csv


@dataclass(frozen=True)
class Entry:
    org: str
    slug: str
    title: str
    tags: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    license: str = "cc-by-4.0"
    private: bool = False
    draft: bool = False


CATALOG = [
    Entry("zapopan", "agua-zapopan", "Calidad del agua potable", ("agua", "salud"), ("salud",)),
    Entry("zapopan", "obras", "Obra pública", ("obra pública",), ("obra-publica",), "odc-odbl"),
    Entry("zapopan", "nomina", "Nómina de agua y drenaje", ("agua",), private=True),
    Entry("zapopan", "borrador", "Borrador de salud", ("salud",), draft=True),
    Entry("jalisco", "hospitales", "Hospitales", ("salud pública", "salud"), ("salud",)),
    Entry("jalisco", "presupuesto", "Presupuesto de egresos", (), (), "cc0-1.0"),
    Entry("monterrey", "agua-monterrey", "Consumo de agua", ("agua",), ("salud",)),
]
PUBLIC = {e.slug for e in CATALOG if not e.private and not e.draft}


@dataclass(frozen=True)
class Site:
    url: str
    member_token: str  # a member of Zapopan


def _build(context: AppContext, folder: Path) -> str:
    publish_csv(context, folder, "obras", "Obra,Monto\nPuente,10\n", title="Obra pública")
    with context.db.session() as session:
        for slug, es, en in (("salud", "Salud", "Health"), ("obra-publica", "Obra", "Works")):
            session.add(Theme(slug=slug, name_es=es, name_en=en))
        session.flush()
        for entry in CATALOG:
            org = get_or_create_organization(session, entry.org, entry.org.title())
            dataset = get_or_create_dataset(session, org, entry.slug, entry.title)
            metadata = Metadata(
                title=entry.title,
                license_id=entry.license,
                tags=list(entry.tags),
                themes=list(entry.themes),
                private=entry.private,
                state="draft" if entry.draft else "published",
            )
            apply_metadata(session, dataset, metadata, None)
            if entry.slug == "presupuesto":
                url = "https://example.org/presupuesto.pdf"
                add_link(session, dataset, title="PDF", url=url, format="pdf", kind="file",
                         actor_id=None)  # fmt: skip
        name = f"miembro{uuid.uuid4().hex[:6]}"
        user = accounts.create_user(session, name, f"{name}@zapopan.gob.mx", "contraseña-larga")
        accounts.set_membership(session, user, get_or_create_organization(session, "zapopan"),
                                "member")  # fmt: skip
        token, _ = accounts.create_token(session, user, "búsqueda")
    return token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("ckan-search")
    settings = Settings(home=root / "home", rate_limit="100000/minute")
    context = AppContext.create(settings)
    try:
        token = _build(context, root)
    finally:
        context.close()
    server, thread, url = _serve(settings)
    try:
        yield Site(url, token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def ckan(site: Site) -> Iterator[RemoteCKAN]:
    with RemoteCKAN(site.url, user_agent="abierto-tests") as remote:
        yield remote


def _names(result: dict) -> set[str]:
    return {p["name"] for p in result["results"]}


def test_everything_public_by_default(ckan: RemoteCKAN) -> None:
    result = ckan.action.package_search()
    assert result["count"] == len(PUBLIC) and len(result["results"]) == len(PUBLIC)
    assert _names(result) == PUBLIC
    assert result["sort"] == "score desc, metadata_modified desc"
    assert result["facets"] == {} and result["search_facets"] == {}
    assert ckan.action.package_search(q="*:*")["count"] == len(PUBLIC)
    obras = next(p for p in result["results"] if p["name"] == "obras")
    assert obras["resources"][0]["datastore_active"] is True  # the full package_show dict


def test_free_text_and_fields_inside_q(ckan: RemoteCKAN) -> None:
    assert _names(ckan.action.package_search(q="agua")) == {"agua-zapopan", "agua-monterrey"}
    assert _names(ckan.action.package_search(q="title:agua potable")) == {"agua-zapopan"}
    assert _names(ckan.action.package_search(q="tags:salud")) == {"agua-zapopan", "hospitales"}
    in_zapopan = ckan.action.package_search(q="agua organization:zapopan")
    assert _names(in_zapopan) == {"agua-zapopan"}


def test_filter_queries(ckan: RemoteCKAN) -> None:
    def names(fq: str) -> set[str]:
        return _names(ckan.action.package_search(fq=fq, rows=100))

    assert names("organization:jalisco") == {"hospitales", "presupuesto"}
    assert names('tags:"salud pública"') == {"hospitales"}
    assert names("groups:salud") == {"agua-zapopan", "hospitales", "agua-monterrey"}
    assert names("res_format:PDF") == {"presupuesto"}
    assert names("res_format:CSV") == {"obras"}
    assert names("license_id:cc0-1.0") == {"presupuesto"}
    assert names("+organization:zapopan +tags:agua") == {"agua-zapopan"}
    assert names("groups:salud AND -organization:monterrey") == {"agua-zapopan", "hospitales"}
    assert names("tags:agua tags:salud") == {"agua-zapopan"}
    assert names("tags:(agua OR salud)") == {"agua-zapopan", "hospitales", "agua-monterrey"}
    assert names("organization:jalisco OR organization:monterrey") == {
        "hospitales",
        "presupuesto",
        "agua-monterrey",
    }
    assert names("-tags:(agua OR salud)") == {"obras", "presupuesto"}
    assert names("dataset_type:dataset") == PUBLIC
    assert names("dataset_type:harvest") == set()
    both = ckan.action.package_search(fq_list=["tags:agua", "organization:monterrey"])
    assert _names(both) == {"agua-monterrey"}


def test_facets_shape_counts_and_limit(ckan: RemoteCKAN) -> None:
    fields = ["organization", "groups", "tags", "res_format", "license_id"]
    result = ckan.action.package_search(fq="groups:salud", **{"facet.field": fields})
    assert result["count"] == 3
    assert result["facets"]["organization"] == {"zapopan": 1, "jalisco": 1, "monterrey": 1}
    assert result["facets"]["tags"] == {"salud": 2, "agua": 2, "salud pública": 1}
    assert result["facets"]["license_id"] == {"cc-by-4.0": 3}
    assert set(result["search_facets"]) == set(fields)
    groups = result["search_facets"]["groups"]
    assert groups == {
        "title": "groups",
        "items": [{"name": "salud", "display_name": "Salud", "count": 3}],
    }
    orgs = result["search_facets"]["organization"]["items"]
    assert {o["name"]: o["display_name"] for o in orgs}["jalisco"] == "Jalisco"
    limited = ckan.action.package_search(**{"facet.field": ["license_id"], "facet.limit": 1})
    assert limited["search_facets"]["license_id"]["items"] == [
        {"name": "cc-by-4.0", "display_name": "Creative Commons Atribución 4.0", "count": 3}
    ]
    # as a GET with facet.field as JSON text, the way browsers and curl send it
    response = httpx.get(
        f"{ckan.address}/api/3/action/package_search",
        params={"facet.field": '["res_format"]', "rows": "0"},
    )
    body = response.json()["result"]
    assert body["facets"] == {"res_format": {"CSV": 1, "PDF": 1}} and body["results"] == []


def test_rows_start_and_sorts(ckan: RemoteCKAN) -> None:
    by_title = ckan.action.package_search(sort="title_string asc", rows=100)["results"]
    titles = [p["title"].lower() for p in by_title]
    assert titles == sorted(titles) and len(titles) == len(PUBLIC)
    pages = [ckan.action.package_search(sort="title_string asc", rows=2, start=s) for s in (0, 2)]
    assert [p["title"] for page in pages for p in page["results"]] == [
        p["title"] for p in by_title[:4]
    ]
    newest = ckan.action.package_search(sort="metadata_modified desc", rows=100)["results"]
    stamps = [p["metadata_modified"] for p in newest]
    assert stamps == sorted(stamps, reverse=True)
    assert ckan.action.package_search(sort="name asc")["sort"] == "name asc"
    capped = ckan.action.package_search(rows=5000)  # CKAN cuts rows to its maximum, 1000
    assert capped["count"] == len(capped["results"]) == len(PUBLIC)
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows=-1)
    with pytest.raises(ValidationError):
        ckan.action.package_search(start="once")


def test_private_and_drafts_need_a_members_token(ckan: RemoteCKAN, site: Site) -> None:
    anonymous = ckan.action.package_search(include_private=True, include_drafts=True, rows=100)
    assert _names(anonymous) == PUBLIC
    with RemoteCKAN(site.url, apikey=site.member_token) as member:
        assert _names(member.action.package_search(rows=100)) == PUBLIC  # CKAN's default
        private = member.action.package_search(include_private=True, rows=100)
        assert _names(private) == PUBLIC | {"nomina"}
        assert next(p for p in private["results"] if p["name"] == "nomina")["private"] is True
        drafts = member.action.package_search(include_drafts=True, rows=100)
        assert _names(drafts) == PUBLIC | {"borrador"}
        everything = member.action.package_search(
            q="agua", include_private=True, include_drafts=True, **{"facet.field": ["tags"]}
        )
        assert _names(everything) == {"agua-zapopan", "agua-monterrey", "nomina"}
        assert everything["facets"]["tags"] == {"agua": 3, "salud": 1}


@pytest.mark.parametrize(
    "params",
    [
        {"fq": "tags:[a TO b]"},
        {"fq": "name:obras"},
        {"fq": "tags:agua OR organization:jalisco"},
        {"fq": 'tags:"agua'},
        {"q": "tags:agu*"},
        {"sort": "metadata_created asc"},
        {"sort": "title_string"},
        {"facet.field": '["maintainer"]'},
        {"facet.field": "not json ["},
    ],
)
def test_unsupported_queries_are_ckan_errors(site: Site, params: dict[str, str]) -> None:
    response = httpx.get(f"{site.url}/api/3/action/package_search", params=params)
    body = response.json()
    assert body["success"] is False
    assert response.status_code in (400, 409), body
    assert body["error"]["__type"] in ("Search Query Error", "Validation Error")


def test_ckanapi_raises_search_query_error(ckan: RemoteCKAN) -> None:
    with pytest.raises(SearchQueryError, match="wildcards"):
        ckan.action.package_search(fq="tags:agu*")


def test_a_ckan_harvester_pages_what_changed_since_its_last_run(ckan: RemoteCKAN) -> None:
    """ckanext-harvest's incremental gather: fq=(metadata_modified:[<since>Z TO *]), the
    whole fq in parentheses, sort=id asc, 100 rows a page until an empty page."""
    every = ckan.action.package_search(sort="metadata_modified asc", rows=100)["results"]
    stamps = [p["metadata_modified"] for p in every]
    assert stamps == sorted(stamps) and len(every) == len(PUBLIC)
    since = stamps[len(stamps) // 2]
    changed = {p["name"] for p in every if p["metadata_modified"] >= since}
    assert 0 < len(changed) < len(PUBLIC)

    seen: list[str] = []
    start = 0
    while True:
        page = ckan.action.package_search(
            fq=f"(metadata_modified:[{since}Z TO *])", sort="id asc", rows=2, start=start
        )
        assert page["count"] == len(changed)
        if not page["results"]:
            break
        seen += [p["name"] for p in page["results"]]
        start += 2
    assert sorted(seen) == sorted(changed)  # each once
    before = ckan.action.package_search(fq=f"metadata_modified:{{* TO {since}Z}}", rows=100)
    assert _names(before) == PUBLIC - changed
    assert ckan.action.package_search(fq="metadata_created:[NOW-1DAY TO NOW]")["count"] == len(
        PUBLIC
    )
    with pytest.raises(SearchQueryError, match="not a date"):
        ckan.action.package_search(fq="metadata_modified:[ayer TO *]")
