"""The read-permission matrix over the real server: every caller × dataset × read path.

Callers are anonymous, and a member, an editor and an admin of the datasets' organization,
an editor of another organization and a site admin, each logged in once with a real session
cookie and once with an API token (as ``Bearer`` and bare, the way CKAN clients send it).
Datasets are public (``obras``), private (``secreto``) and draft (``borrador``).

A new read path (search, rows API, SQL, CKAN…) is one more line in ``READ_PATHS``.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pyarrow.parquet as pq
import pytest

from tests.accounts.people import Person, create_people, log_in
from tests.web.conftest import Portal


@dataclass(frozen=True)
class Case:
    """A dataset of the portal fixture, and text only it has."""

    slug: str
    title: str
    content: str  # a value in its data


DATASETS = {
    "public": Case("obras", "Obra pública", "Zapotlanejo"),
    "private": Case("secreto", "Nómina secreta", "Juana Pérez Confidencial"),
    "draft": Case("borrador", "Borrador oculto", "Juana Pérez Confidencial"),
}
ORG_READERS = {"member", "editor", "admin", "site-admin"}
READERS = {
    "public": ORG_READERS | {"anonymous", "other-editor"},
    "private": ORG_READERS,
    "draft": ORG_READERS,
}
PEOPLE = [
    Person("matrix-member", {"zapopan": "member"}),
    Person("matrix-editor", {"zapopan": "editor"}),
    Person("matrix-admin", {"zapopan": "admin"}),
    Person("matrix-other-editor", {"matrix-otra": "editor"}),
    Person("matrix-site-admin", site_admin=True),
]
CALLERS = ["anonymous"] + [
    f"{p.username.removeprefix('matrix-')}:{how}"
    for p in PEOPLE
    for how in ("cookie", "bearer", "bare-token")
]


def _text(response: httpx.Response) -> str:
    if "parquet" in response.headers.get("content-type", ""):
        return str(pq.read_table(io.BytesIO(response.content)).to_pylist())
    return response.text


def _names(case: Case, response: httpx.Response) -> bool:
    """The response shows the dataset's title or its data."""
    text = _text(response)
    return case.title in text or case.content in text


def _linked(case: Case, response: httpx.Response) -> bool:
    return f'href="/datasets/{case.slug}"' in response.text


def _in_api_list(case: Case, response: httpx.Response) -> bool:
    return case.slug in {item["slug"] for item in response.json()["items"]}


def _in_ckan_list(case: Case, response: httpx.Response) -> bool:
    return case.slug in response.json()["result"]


def _any(case: Case, response: httpx.Response) -> bool:
    return True  # HEAD: no body, the status says it all


@dataclass(frozen=True)
class ReadPath:
    name: str
    url: Callable[[Portal, Case], str]
    # For a listing, "hidden" means 200 without the dataset; for anything else, a 404.
    listing: bool = False
    shows: Callable[[Case, httpx.Response], bool] = _names
    method: str = "GET"
    hidden_status: int = 404  # what a caller who may not read gets (SQL: "no such table")


def _resource_id(portal: Portal, slug: str) -> str:
    return _resource_of(str(portal.settings.home), portal.release_ids[slug][-1])


@functools.cache
def _resource_of(home: str, release_id: str) -> str:
    from abierto.app_context import AppContext
    from abierto.catalog.models import Release
    from abierto.settings import Settings

    context = AppContext.create(Settings(home=home))
    try:
        with context.db.session() as session:
            release = session.get(Release, release_id)
            assert release is not None
            return release.resource_id
    finally:
        context.close()


def _sql(portal: Portal, case: Case) -> str:
    return f'/api/v1/sql?sql=SELECT * FROM "{case.slug}"'


def _release(portal: Portal, case: Case) -> str:
    return f"/api/v1/releases/{portal.release_ids[case.slug][-1]}"


def _download(extension: str) -> Callable[[Portal, Case], str]:
    return lambda portal, case: f"/datasets/{case.slug}/resources/data/data.{extension}"


READ_PATHS = [
    ReadPath("html-dataset-page", lambda _, case: f"/datasets/{case.slug}"),
    ReadPath("html-home", lambda _, case: "/", listing=True, shows=_linked),
    ReadPath(
        "api-datasets", lambda _, c: "/api/v1/datasets?limit=1000", listing=True, shows=_in_api_list
    ),
    ReadPath("api-dataset", lambda _, case: f"/api/v1/datasets/{case.slug}"),
    ReadPath("api-release", _release, shows=lambda case, r: r.json()["dataset"] == case.slug),
    ReadPath("csv", _download("csv")),
    ReadPath("parquet", _download("parquet")),
    ReadPath("csv-head", _download("csv"), shows=_any, method="HEAD"),
    ReadPath("parquet-head", _download("parquet"), shows=_any, method="HEAD"),
    ReadPath("ckan-package-show", lambda _, c: f"/api/3/action/package_show?id={c.slug}"),
    ReadPath(
        "ckan-package-list",
        lambda _, c: "/api/3/action/package_list?include_private=true&include_drafts=true",
        listing=True,
        shows=_in_ckan_list,
    ),
    ReadPath("rows", lambda _, c: f"/api/v1/datasets/{c.slug}/resources/data/rows?limit=50"),
    ReadPath("release-rows", lambda p, c: _release(p, c) + "/rows"),
    ReadPath(
        "facets",
        lambda _, c: (
            f"/api/v1/datasets/{c.slug}/resources/data/facets?columns="
            + ("nombre" if c.slug != "obras" else "municipio")
        ),
    ),
    ReadPath("sql", _sql, hidden_status=400),
    ReadPath("soda", lambda p, c: f"/resource/{_resource_id(p, c.slug)}.json"),
    ReadPath(
        "soda-view",
        lambda p, c: f"/api/views/{_resource_id(p, c.slug)}.json",
        shows=lambda case, r: r.json()["metadata"]["rowCount"] > 0,
    ),
    ReadPath(
        "ckan-datastore",
        lambda p, c: f"/api/3/action/datastore_search?resource_id={_resource_id(p, c.slug)}",
    ),
    ReadPath(
        "quality",
        lambda _, c: f"/api/v1/datasets/{c.slug}/quality",
        shows=lambda case, r: "score" in r.json(),
    ),
    ReadPath(
        "quality-organization",
        lambda _, c: "/api/v1/organizations/zapopan/quality",
        listing=True,
        shows=lambda case, r: case.slug in {d["slug"] for d in r.json()["datasets"]},
    ),
]


@pytest.fixture(scope="module")
def callers(portal: Portal) -> Iterator[dict[str, httpx.Client]]:
    """One HTTP client per caller, logged in as that caller says."""
    tokens = create_people(portal.settings, *PEOPLE)
    clients = {"anonymous": portal.client()}
    for person in PEOPLE:
        actor = person.username.removeprefix("matrix-")
        browser = portal.client()
        assert log_in(browser, person.username).status_code == 303
        clients[f"{actor}:cookie"] = browser
        clients[f"{actor}:bearer"] = portal.client()
        clients[f"{actor}:bearer"].headers["Authorization"] = f"Bearer {tokens[person.username]}"
        clients[f"{actor}:bare-token"] = portal.client()
        clients[f"{actor}:bare-token"].headers["Authorization"] = tokens[person.username]
    yield clients
    for client in clients.values():
        client.close()


@pytest.mark.parametrize("path", READ_PATHS, ids=lambda p: p.name)
@pytest.mark.parametrize("caller", CALLERS)
def test_read_matrix(
    portal: Portal, callers: dict[str, httpx.Client], caller: str, path: ReadPath
) -> None:
    actor = caller.split(":")[0]
    for visibility, case in DATASETS.items():
        response = callers[caller].request(path.method, path.url(portal, case))
        where = f"{caller} {path.method} {response.url.path} ({visibility})"
        if actor in READERS[visibility]:
            assert response.status_code == 200, where
            assert path.shows(case, response), f"{where}: the dataset is missing"
        elif path.listing:
            assert response.status_code == 200, where
            assert not path.shows(case, response), f"{where}: LEAKED"
        else:
            assert response.status_code == path.hidden_status, where
            assert case.title not in response.text, f"{where}: LEAKED"
            assert case.content not in response.text, f"{where}: LEAKED"


def test_the_matrix_covers_every_caller_and_path() -> None:
    assert len(CALLERS) == 1 + 5 * 3
    assert {p.name for p in READ_PATHS} >= {
        "html-dataset-page", "html-home", "api-datasets", "api-dataset", "api-release",
        "csv", "parquet",
    }  # fmt: skip
