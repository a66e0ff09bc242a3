"""The CKAN Action API v3, driven by the real ckanapi client against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from tests.web.conftest import XSS, Portal


@pytest.fixture
def ckan(portal: Portal) -> RemoteCKAN:
    with RemoteCKAN(portal.url, user_agent="abierto-tests") as remote:
        yield remote


def test_envelope_and_status(client: httpx.Client) -> None:
    response = client.get("/api/3/action/status_show")
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=status_show")
    assert body["result"]["ckan_version"].startswith("2.")
    assert "datastore" in body["result"]["extensions"]


def test_unknown_action_and_not_found_shapes(client: httpx.Client) -> None:
    unknown = client.get("/api/3/action/no_such_action")
    assert unknown.status_code == 400
    assert unknown.json()["success"] is False
    missing = client.get("/api/3/action/package_show", params={"id": "nada"})
    assert missing.status_code == 404
    assert missing.json()["error"]["__type"] == "Not Found Error"
    invalid = client.post("/api/3/action/package_show", json={})
    assert invalid.status_code == 409
    assert invalid.json()["error"]["__type"] == "Validation Error"
    assert "id" in invalid.json()["error"]


def test_package_list_and_show_hide_private_and_drafts(ckan: RemoteCKAN) -> None:
    names = ckan.action.package_list()
    assert "obras" in names and "trampa" in names
    assert "secreto" not in names and "borrador" not in names
    obras = ckan.action.package_show(id="obras")
    assert obras["name"] == "obras"
    assert obras["organization"]["name"] == "zapopan"
    [resource] = obras["resources"]
    assert resource["datastore_active"] is True
    assert resource["format"] == "CSV"
    with pytest.raises(NotFound):
        ckan.action.package_show(id="secreto")
    with pytest.raises(NotFound):
        ckan.action.package_show(id="borrador")
    with pytest.raises(ValidationError):
        ckan.action.package_show()


def test_resource_show_and_download_url(ckan: RemoteCKAN, client: httpx.Client) -> None:
    resource_id = ckan.action.package_show(id="obras")["resources"][0]["id"]
    resource = ckan.action.resource_show(id=resource_id)
    assert resource["package_id"] == ckan.action.package_show(id="obras")["id"]
    download = client.get(resource["url"])
    assert download.status_code == 200
    assert download.text.splitlines()[0].startswith("municipio")


def test_private_resource_is_not_found(ckan: RemoteCKAN, portal: Portal) -> None:
    secret_release = portal.release_ids["secreto"][0]
    from abierto.app_context import AppContext
    from abierto.catalog.models import Release

    context = AppContext.create(portal.settings)
    try:
        with context.db.session() as session:
            resource_id = session.get(Release, secret_release).resource_id
    finally:
        context.close()
    with pytest.raises(NotFound):
        ckan.action.resource_show(id=resource_id)


def test_organizations_groups_tags_licences(ckan: RemoteCKAN) -> None:
    assert "zapopan" in ckan.action.organization_list()
    [org] = [o for o in ckan.action.organization_list(all_fields=True) if o["name"] == "zapopan"]
    assert org["package_count"] == 2  # obras and trampa; secreto and borrador are hidden
    shown = ckan.action.organization_show(id="zapopan", include_datasets=True)
    assert sorted(p["name"] for p in shown["packages"]) == ["obras", "trampa"]
    assert isinstance(ckan.action.group_list(), list)
    assert isinstance(ckan.action.tag_list(), list)
    licences = {lic["id"]: lic for lic in ckan.action.license_list()}
    assert licences["cc-by-4.0"]["od_conformance"] == "approved"
    assert licences["other-closed"]["is_okd_compliant"] is False


def test_current_package_list_with_resources(ckan: RemoteCKAN) -> None:
    packages = ckan.action.current_package_list_with_resources(limit=10)
    names = [p["name"] for p in packages]
    assert set(names) == {"obras", "trampa"}
    assert all(p["resources"] for p in packages)


def test_titles_are_data_not_markup(ckan: RemoteCKAN) -> None:
    assert ckan.action.package_show(id="trampa")["title"] == f"Trampa {XSS}"


def test_ckanapi_dump_datasets(portal: Portal, tmp_path: Path) -> None:
    """`ckanapi dump datasets --all` (the real command line) dumps every public package."""
    out = tmp_path / "dump.jsonl"
    bin_dir = Path(sys.executable).parent  # ckanapi starts its workers as `ckanapi` from PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(bin_dir / "ckanapi"),
            "dump",
            "datasets",
            "--all",
            "-q",
            "-O",
            str(out),
            "-r",
            portal.url,
        ],
        timeout=120,
        capture_output=True,
        env=env,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["name"] for r in records) == ["obras", "trampa"]
    assert all(r["resources"][0]["datastore_active"] for r in records)


@pytest.fixture
def editor_key(portal: Portal) -> str:
    """An API token of an editor of Zapopan (created with the account services)."""
    from abierto.accounts import services
    from abierto.app_context import AppContext
    from abierto.catalog.services import get_or_create_organization

    context = AppContext.create(portal.settings)
    try:
        with context.db.session() as session:
            name = f"script{uuid.uuid4().hex[:8]}"
            user = services.create_user(session, name, f"{name}@zapopan.gob.mx", "contraseña-larga")
            org = get_or_create_organization(session, "zapopan")
            get_or_create_organization(session, "jalisco")  # where the editor is nobody
            services.set_membership(session, user, org, "editor")
            token, _ = services.create_token(session, user, "publicador")
    finally:
        context.close()
    return token


def test_publishing_script_creates_a_package_with_a_csv(
    portal: Portal, editor_key: str, tmp_path: Path
) -> None:
    name = f"presupuesto-{uuid.uuid4().hex[:6]}"
    source = tmp_path / "presupuesto.csv"
    source.write_text('Capítulo,Monto aprobado\nServicios personales,"1,200.50"\nObra,300\n')
    with RemoteCKAN(portal.url, apikey=editor_key) as remote:
        package = remote.action.package_create(
            name=name,
            title="Presupuesto de egresos",
            owner_org="zapopan",
            notes="Presupuesto **aprobado**.",
            license_id="cc-by-4.0",
            tags=[{"name": "presupuesto"}],
        )
        assert package["name"] == name and package["license_id"] == "cc-by-4.0"
        with source.open("rb") as f:
            resource = remote.action.resource_create(
                package_id=name, name="Presupuesto 2024", upload=f
            )
        assert resource["datastore_active"] is True
        table = remote.action.datastore_search(resource_id=resource["id"])
        assert [r["capitulo"] for r in table["records"]] == ["Servicios personales", "Obra"]
        assert table["records"][0]["monto_aprobado"] == 1200.5
        patched = remote.action.package_patch(id=name, title="Presupuesto 2024")
        assert patched["title"] == "Presupuesto 2024" and patched["notes"].startswith("Presup")
        with pytest.raises(ValidationError):
            remote.action.package_create(name=name, owner_org="zapopan")
    with RemoteCKAN(portal.url) as anonymous:
        shown = anonymous.action.package_show(id=name)
        assert [t["name"] for t in shown["tags"]] == ["presupuesto"]
        csv_text = httpx.get(shown["resources"][0]["url"]).text
        assert csv_text.splitlines()[1].startswith("Servicios personales,1200.5")
        with pytest.raises(NotAuthorized):
            anonymous.action.package_create(name="otro", owner_org="zapopan")
    with RemoteCKAN(portal.url, apikey=editor_key) as remote:
        with pytest.raises(NotAuthorized):  # deleting needs an organization admin
            remote.action.package_delete(id=name)
        with pytest.raises(NotAuthorized):  # another organization
            remote.action.package_create(name="ajeno", owner_org="jalisco")
        with pytest.raises(ValidationError):
            remote.action.package_create(name="ajeno", owner_org="no-existe")
    _remove(portal, name)  # the portal is shared: other tests count its datasets


def _remove(portal: Portal, slug: str) -> None:
    from abierto.app_context import AppContext
    from abierto.catalog.editing import delete_dataset
    from abierto.catalog.services import dataset_by_slug

    context = AppContext.create(portal.settings)
    try:
        with context.db.session() as session:
            dataset = dataset_by_slug(session, slug)
            assert dataset is not None
            delete_dataset(session, dataset, None)
    finally:
        context.close()


def _resource_id(ckan: RemoteCKAN, name: str = "obras") -> str:
    return ckan.action.package_show(id=name)["resources"][0]["id"]


def test_datastore_search(ckan: RemoteCKAN) -> None:
    resource_id = _resource_id(ckan)
    result = ckan.action.datastore_search(resource_id=resource_id, limit=2)
    assert [f["id"] for f in result["fields"]][:3] == ["_id", "municipio", "monto_contratado"]
    assert result["total"] == 4 and len(result["records"]) == 2
    assert result["records"][0]["_id"] == 1 and result["records"][0]["municipio"] == "Zapopan"
    filtered = ckan.action.datastore_search(
        resource_id=resource_id,
        filters={"municipio": ["Tonalá", "Zapotlanejo"]},
        sort="monto_contratado desc",
    )
    assert [r["municipio"] for r in filtered["records"]] == ["Zapotlanejo", "Tonalá"]
    searched = ckan.action.datastore_search(resource_id=resource_id, q="tonala", fields="municipio")
    assert searched["records"] == [{"_id": 3, "municipio": "Tonalá"}]
    lists = ckan.action.datastore_search(resource_id=resource_id, records_format="lists", limit=1)
    assert lists["records"][0][:2] == [1, "Zapopan"]
    distinct = ckan.action.datastore_search(resource_id=resource_id, fields="obra", distinct=True)
    assert sorted(r["obra"] for r in distinct["records"]) == [
        "Banqueta",
        "Calle",
        "Parque",
        "Puente",
    ]
    with pytest.raises(ValidationError):
        ckan.action.datastore_search(resource_id=resource_id, filters={"nada": "x"})


def test_datastore_search_sql_and_info(ckan: RemoteCKAN, portal: Portal) -> None:
    resource_id = _resource_id(ckan)
    result = ckan.action.datastore_search_sql(
        sql=f'SELECT municipio, monto_contratado FROM "{resource_id}" WHERE monto_contratado > 60 '
        "ORDER BY monto_contratado"
    )
    assert [r["municipio"] for r in result["records"]] == ["Zapotlanejo", "Tlaquepaque", "Zapopan"]
    with pytest.raises(ValidationError):
        ckan.action.datastore_search_sql(sql="SELECT * FROM read_csv('/etc/passwd')")
    info = ckan.action.datastore_info(id=resource_id)
    assert info["meta"]["count"] == 4
    assert {f["id"]: f["type"] for f in info["fields"]}["monto_contratado"] == "numeric"


def test_datastore_hides_private_tables(ckan: RemoteCKAN, portal: Portal) -> None:
    from abierto.app_context import AppContext
    from abierto.catalog.models import Release

    context = AppContext.create(portal.settings)
    try:
        with context.db.session() as session:
            secret = session.get(Release, portal.release_ids["secreto"][0]).resource_id
    finally:
        context.close()
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id=secret)
    with pytest.raises(ValidationError):
        ckan.action.datastore_search_sql(sql=f'SELECT * FROM "{secret}"')
