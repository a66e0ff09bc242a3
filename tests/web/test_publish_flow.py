"""Publishing and editing in the browser, over real HTTP against a live portal.

The portal here allows fetching from private addresses (a local file server stands in for a
government web site) and limits uploads to 1 MB; users log in through ``/login``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.accounts import services as accounts
from abierto.accounts.models import LoginSession
from abierto.app_context import AppContext
from abierto.catalog.models import ActivityEvent, Dataset, Release, Resource
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.ingest import staging
from abierto.settings import Settings
from tests.web.conftest import OBRAS_V1, XSS, Portal, _serve, publish_csv

PASSWORD = "contraseña de prueba larga"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PEOPLE = {  # user name → (organization slug, role)
    "editora": ("zapopan", "editor"),
    "miembro": ("zapopan", "member"),
    "ajena": ("jalisco", "editor"),
    "jefa": ("zapopan", "admin"),
}
RENAMED = (
    "Municipio,Monto del contrato,Fecha,Nota\n"
    'Zapopan,"1,200.50",31/12/2019,ok\n'
    "Tlaquepaque,300,01/01/2020,ok\n"
    "Tonalá,50.25,02/01/2020,\n"
)


@dataclass
class Pub:
    url: str
    files_url: str
    settings: Settings
    folder: Path


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            yield session
    finally:
        context.close()


def _create_people(context: AppContext) -> None:
    with context.db.session() as session:
        for name, (org, role) in PEOPLE.items():
            user = accounts.create_user(session, name, f"{name}@example.org", PASSWORD)
            accounts.set_membership(session, user, get_or_create_organization(session, org), role)


@pytest.fixture(scope="module")
def pub(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Iterator[Pub]:
    root = tmp_path_factory.mktemp("publish")
    settings = Settings(
        home=root / "home", rate_limit="100000/minute", fetch_allow_private=True, max_upload_mb=1
    )
    context = AppContext.create(settings)
    try:
        for slug in ("obras", "renombres", "fallida", "editable", "borrable", "privada"):
            publish_csv(context, root, slug, OBRAS_V1, title=f"Obra {slug}")
        publish_csv(context, root, "de-jalisco", OBRAS_V1, title="Obra de Jalisco", org="jalisco")
        _create_people(context)
    finally:
        context.close()
    files = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(realdata))
    )
    threading.Thread(target=files.serve_forever, daemon=True).start()
    server, thread, url = _serve(settings)
    try:
        yield Pub(url, f"http://127.0.0.1:{files.server_address[1]}", settings, root)
    finally:
        server.should_exit = True
        files.shutdown()
        thread.join(timeout=10)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@contextmanager
def browser(url: str, username: str | None = None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=120) as client:
        if username is not None:
            page = client.get("/login")
            form = {"csrf_token": csrf_of(page.text), "login": username, "password": PASSWORD}
            assert client.post("/login", data={**form, "next": "/"}).status_code == 303
        yield client


def upload(
    client: httpx.Client, path: Path | None = None, content: bytes | None = None, **fields: str
) -> httpx.Response:
    token = csrf_of(client.get("/publish").text)
    files = None
    if path is not None:
        files = {"file": (path.name, path.read_bytes(), "text/csv")}
    elif content is not None:
        files = {"file": ("datos.csv", content, "text/csv")}
    return client.post("/publish/upload", data={"csrf_token": token, **fields}, files=files)


def staged_id(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/publish/[0-9a-f]{32}", location)
    return location.rsplit("/", 1)[1]


def finish(
    client: httpx.Client, upload_id: str, renames: tuple[str, ...] = (), **metadata: str
) -> httpx.Response:
    page = client.get(f"/publish/{upload_id}/metadata", params=[("rename", r) for r in renames])
    assert page.status_code == 200, page.text
    data: dict[str, str | list[str]] = {"csrf_token": csrf_of(page.text), **metadata}
    hidden = re.findall(r'name="rename" value="([^"]+)"', page.text)
    return client.post(f"/publish/{upload_id}", data={**data, "rename": hidden})


def uploads_left(pub: Pub) -> list[str]:
    root = staging.uploads_dir(pub.settings)
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def session_csrf(pub: Pub, username: str) -> str:
    """The CSRF token of the user's newest login session (what its pages would carry)."""
    with database(pub.settings) as session:
        user = accounts.user_by_name(session, username)
        assert user is not None
        query = select(LoginSession.csrf_token).where(LoginSession.user_id == user.id)
        token = session.scalar(query.order_by(LoginSession.created_at.desc()))
        assert token is not None
        return token


def org_id(pub: Pub, slug: str) -> str:
    with database(pub.settings) as session:
        return get_or_create_organization(session, slug).id


# -- the whole flow ---------------------------------------------------------------------


def test_whole_flow_with_a_real_file(pub: Pub, realdata: Path) -> None:
    source = realdata / "csv" / "mx_cdmx_contador_ciclistas.csv"
    with browser(pub.url, "editora") as client:
        start = client.get("/publish")
        assert start.status_code == 200
        assert "Zapopan".lower() in start.text.lower() and "jalisco" not in start.text.lower()
        assert "Obra de Jalisco" not in start.text  # another organization's dataset
        title = f"Ciclistas {XSS}"
        upload_id = staged_id(
            upload(client, source, organization=org_id(pub, "zapopan"), title=title)
        )
        assert upload_id in uploads_left(pub)

        report = client.get(f"/publish/{upload_id}")
        assert report.status_code == 200
        assert "utf-8" in report.text and "2,435" in report.text  # detections, row count
        assert "Codificación de caracteres" in report.text  # detections in words, not keys
        assert "encoding_confidence" not in report.text
        assert "Primera versión de esta tabla" in report.text  # no earlier release
        assert XSS not in report.text and "&lt;script&gt;" in report.text
        with database(pub.settings) as session:  # nothing exists before the last step
            assert session.scalar(select(Dataset).where(Dataset.title == title)) is None

        done = finish(
            client, upload_id, title=title, description="Conteo diario de ciclistas.",
            license_id="cc-by-4.0", frequency="DAILY", tags="movilidad, bicicletas",
            temporal_start="2013-12-01", spatial="Ciudad de México",
        )  # fmt: skip
        assert done.status_code == 303, done.text
        assert (
            done.headers["location"] == "/datasets/ciclistas-script-alert-1-script?notice=published"
        )
        page = client.get(done.headers["location"])
        assert "Se publicó la nueva versión." in page.text and XSS not in page.text
    assert upload_id not in uploads_left(pub)
    with browser(pub.url) as anonymous:
        api = anonymous.get("/api/v1/datasets/ciclistas-script-alert-1-script").json()
        assert api["title"] == title and api["resources"][0]["latest_release"]["row_count"] == 2435
    with database(pub.settings) as session:
        dataset = dataset_by_slug(session, "ciclistas-script-alert-1-script")
        assert dataset is not None and dataset.license_id == "cc-by-4.0"
        assert [t.name for t in dataset.tags] == ["bicicletas", "movilidad"]
        verbs = session.scalars(
            select(ActivityEvent.verb).where(ActivityEvent.dataset_id == dataset.id)
        ).all()
        assert sorted(verbs) == ["dataset.created", "release.published"]


def test_each_step_may_reach_another_web_machine(pub: Pub, realdata: Path) -> None:
    """No sticky sessions: a second portal with its own scratch folder, sharing only the
    database and the blob store, takes over the flow after the upload."""
    second = Settings(
        home=pub.folder / "second-machine",
        database_url=pub.settings.database_url,
        storage_url=pub.settings.storage_url,
        rate_limit="100000/minute",
        max_upload_mb=1,
    )
    server, thread, second_url = _serve(second)
    try:
        with browser(pub.url, "editora") as first:
            new = {"organization": org_id(pub, "zapopan"), "title": "Ciclistas en dos máquinas"}
            source = realdata / "csv" / "mx_cdmx_contador_ciclistas.csv"
            upload_id = staged_id(upload(first, source, **new))
            with httpx.Client(base_url=second_url, cookies=first.cookies, timeout=120) as other:
                report = other.get(f"/publish/{upload_id}")
                assert report.status_code == 200 and "2,435" in report.text
                done = finish(other, upload_id, title="Ciclistas en dos máquinas")
                assert done.status_code == 303, done.text
            assert first.get(f"/publish/{upload_id}").status_code == 404  # gone everywhere
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert upload_id not in uploads_left(pub)
    with database(pub.settings) as session:
        dataset = dataset_by_slug(session, "ciclistas-en-dos-maquinas")
        assert dataset is not None
        query = select(Release.row_count).join(Resource).where(Resource.dataset_id == dataset.id)
        assert session.scalars(query).all() == [2435]


def test_a_file_with_errors_shows_its_report(pub: Pub, realdata: Path) -> None:
    source = realdata / "csv" / "mx_sfp_proveedores_contratistas_sancionados.csv"
    with browser(pub.url, "editora") as client:
        upload_id = staged_id(upload(client, source, dataset="obras"))
        report = client.get(f"/publish/{upload_id}")
        assert report.status_code == 200
        assert "Encabezado vacío" in report.text and "blank-header" in report.text
        assert "Valor con tipo incorrecto" in report.text
        assert "Frente a la versión 1" in report.text  # the diff against the existing release
        assert "se quitó «municipio»" in report.text
        client.post(f"/publish/{upload_id}/cancel", data={"csrf_token": csrf_of(report.text)})
    assert upload_id not in uploads_left(pub)


def test_a_confirmed_rename_keeps_the_column_name(pub: Pub) -> None:
    with browser(pub.url, "editora") as client:
        upload_id = staged_id(upload(client, content=RENAMED.encode(), dataset="renombres"))
        report = client.get(f"/publish/{upload_id}").text
        assert 'value="monto_del_contrato=monto_contratado"' in report
        done = finish(
            client, upload_id, renames=("monto_del_contrato=monto_contratado", "nota=inventada"),
            title="Obra renombres",
        )  # fmt: skip
        assert done.status_code == 303, done.text
    with database(pub.settings) as session:
        dataset = dataset_by_slug(session, "renombres")
        assert dataset is not None
        latest = dataset.resources[0].releases[-1]
        assert latest.number == 2
        assert [c["name"] for c in latest.columns] == [
            "municipio",
            "monto_contratado",
            "fecha",
            "nota",
        ]
        assert latest.columns[1]["title"] == "Monto del contrato"
        assert not any(c["kind"] in ("renamed", "removed") for c in latest.diff["changes"])


def test_too_big_and_empty_uploads_are_refused(pub: Pub, realdata: Path) -> None:
    big = realdata / "csv" / "mx_sat_listado_completo_69b_2022-11.csv"  # 4 MB, limit 1 MB
    with browser(pub.url, "editora") as client:
        before = uploads_left(pub)
        refused = upload(client, big, dataset="obras")
        assert refused.status_code == 400 and "límite de 1 MB" in refused.text
        empty = upload(client, content=b"", dataset="obras")
        assert empty.status_code == 400 and "Sube un archivo" in empty.text
        nothing = upload(client, dataset="obras")
        assert nothing.status_code == 400 and "Sube un archivo" in nothing.text
        assert uploads_left(pub) == before


def test_a_file_from_a_url(pub: Pub) -> None:
    url = f"{pub.files_url}/csv/mx_compranet_contratos2013_sample.csv"
    with browser(pub.url, "editora") as client:
        upload_id = staged_id(upload(client, dataset="obras", url=url))
        report = client.get(f"/publish/{upload_id}")
        assert "mx_compranet_contratos2013_sample.csv" in report.text and "399" in report.text
        missing = upload(client, dataset="obras", url=f"{pub.files_url}/no-existe.csv")
        assert missing.status_code == 400 and "código 404" in missing.text
        ftp = upload(client, dataset="obras", url="ftp://example.org/datos.csv")
        assert ftp.status_code == 400 and "http://" in ftp.text
        client.post(f"/publish/{upload_id}/cancel", data={"csrf_token": csrf_of(report.text)})


def test_private_addresses_are_refused_by_default(portal: Portal) -> None:
    with database(portal.settings) as session:
        user = accounts.create_user(session, "publica-url", "pu@example.org", PASSWORD)
        accounts.set_membership(
            session, user, get_or_create_organization(session, "zapopan"), "editor"
        )
    with browser(portal.url, "publica-url") as client:
        refused = upload(client, dataset="obras", url=f"{portal.url}/healthz")
        assert refused.status_code == 400 and "red privada" in refused.text


# -- who may do what --------------------------------------------------------------------


def test_csrf_is_required_on_every_form(pub: Pub) -> None:
    with browser(pub.url, "jefa") as client:
        before = uploads_left(pub)
        files = {"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
        no_token = client.post("/publish/upload", data={"dataset": "obras"}, files=files)
        assert no_token.status_code == 403
        wrong = {"csrf_token": "falso", "dataset": "obras"}
        assert client.post("/publish/upload", data=wrong, files=files).status_code == 403
        assert uploads_left(pub) == before  # a forged upload leaves no file behind
        for path in (
            "/datasets/editable/edit",
            "/datasets/borrable/delete",
            "/datasets/editable/links",
        ):
            assert client.post(path, data={"title": "x", "confirm": "borrable"}).status_code == 403
    with database(pub.settings) as session:
        assert dataset_by_slug(session, "borrable") is not None


def test_visitors_go_to_login_and_members_are_refused(pub: Pub) -> None:
    with browser(pub.url) as anonymous:
        for path in ("/publish", "/datasets/editable/edit", "/datasets/editable/delete"):
            response = anonymous.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith(
                "/login?next="
            )
    with browser(pub.url, "miembro") as client:
        assert client.get("/publish").status_code == 403
        assert client.get("/datasets/editable/edit").status_code == 403
        files = {"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
        data = {"csrf_token": session_csrf(pub, "miembro"), "dataset": "editable"}
        assert client.post("/publish/upload", data=data, files=files).status_code == 403
        edit = {"csrf_token": data["csrf_token"], "title": "Cambiado por un miembro"}
        assert client.post("/datasets/editable/edit", data=edit).status_code == 403
    with database(pub.settings) as session:
        assert dataset_by_slug(session, "editable").title != "Cambiado por un miembro"  # type: ignore[union-attr]


def test_an_editor_of_another_organization_is_refused(pub: Pub) -> None:
    with browser(pub.url, "ajena") as client:
        start = client.get("/publish")
        assert start.status_code == 200 and "Obra de Jalisco" in start.text
        assert "Obra editable" not in start.text
        files = {"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
        token = csrf_of(start.text)
        into = client.post(
            "/publish/upload", data={"csrf_token": token, "dataset": "editable"}, files=files
        )
        assert into.status_code == 400 and "no puedes editarlo" in into.text
        new = {"csrf_token": token, "organization": org_id(pub, "zapopan"), "title": "Intrusa"}
        assert client.post("/publish/upload", data=new, files=files).status_code == 400
        assert client.get("/datasets/editable/edit").status_code == 403
        assert client.get("/datasets/editable/delete").status_code == 403
    with browser(pub.url, "editora") as owner:  # a staged upload belongs to its uploader
        upload_id = staged_id(upload(owner, content=b"a,b\n1,2\n", dataset="editable"))
    with browser(pub.url, "ajena") as client:
        assert client.get(f"/publish/{upload_id}").status_code == 404


# -- nothing changes until the end ------------------------------------------------------


def test_an_abandoned_flow_leaves_nothing(pub: Pub, realdata: Path) -> None:
    source = realdata / "csv" / "mx_compranet_contratos2013_sample.csv"
    with database(pub.settings) as session:
        counts = _counts(session)
    with browser(pub.url, "editora") as client:
        new = {"organization": org_id(pub, "zapopan"), "title": "Contratos abandonados"}
        upload_id = staged_id(upload(client, source, **new))
        assert client.get(f"/publish/{upload_id}").status_code == 200
        assert client.get(f"/publish/{upload_id}/metadata").status_code == 200
    with database(pub.settings) as session:  # the editor walked away after step 3
        assert _counts(session) == counts
        assert (
            session.scalar(select(Dataset).where(Dataset.title == "Contratos abandonados")) is None
        )
    folder = staging.uploads_dir(pub.settings) / upload_id
    old = time.time() - pub.settings.staged_upload_hours * 3600 - 60
    os.utime(folder, (old, old))
    with browser(pub.url, "editora") as client:  # the next upload sweeps expired ones
        other = staged_id(upload(client, content=b"a,b\n1,2\n", dataset="obras"))
    assert upload_id not in uploads_left(pub) and other in uploads_left(pub)


def test_a_failed_publish_keeps_the_previous_release(pub: Pub, realdata: Path) -> None:
    html = realdata / "csv" / "mx_inegi_indicadores_export_is_html.csv"
    with database(pub.settings) as session:
        counts = _counts(session)
        before = _releases(session, "fallida")
    with browser(pub.url, "editora") as client:
        upload_id = staged_id(upload(client, html, dataset="fallida"))
        report = client.get(f"/publish/{upload_id}")
        assert report.status_code == 422 and "No se pudo leer el archivo" in report.text
        page = client.get("/datasets/fallida/edit")  # any page of the session has the token
        data = {"csrf_token": csrf_of(page.text), "title": "Título que no debe quedar"}
        failed = client.post(f"/publish/{upload_id}", data=data)
        assert failed.status_code == 422 and "la versión anterior sigue publicada" in failed.text
    with database(pub.settings) as session:
        assert _releases(session, "fallida") == before
        assert _counts(session) == counts
        dataset = dataset_by_slug(session, "fallida")
        assert dataset is not None and dataset.title == "Obra fallida"
    with browser(pub.url) as anonymous:
        assert anonymous.get("/datasets/fallida/resources/data/data.csv").status_code == 200


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Dataset, Resource, Release, ActivityEvent)
    )


def _releases(session: Session, slug: str) -> list[tuple[str, int, str]]:
    dataset = dataset_by_slug(session, slug)
    assert dataset is not None
    return [(r.id, r.number, r.checksum) for res in dataset.resources for r in res.releases]


# -- editing ----------------------------------------------------------------------------


def test_edited_metadata_persists_and_reaches_the_api(pub: Pub) -> None:
    with browser(pub.url, "editora") as client:
        page = client.get("/datasets/editable/edit")
        assert page.status_code == 200
        assert "Borrar el conjunto" not in page.text  # deleting needs the admin role
        with database(pub.settings) as session:
            resource = dataset_by_slug(session, "editable").resources[0]  # type: ignore[union-attr]
        form = {
            "csrf_token": csrf_of(page.text),
            "title": "Obra pública editada",
            "description": f"Descripción nueva {XSS}",
            "license_id": "libre-uso-mx",
            "frequency": "ANNUAL",
            "tags": "obra, contratos",
            "contact_email": "obras@zapopan.gob.mx",
            "state": "published",
            f"col.{resource.id}.municipio": "Municipio donde se hizo la obra",
        }
        bad = client.post("/datasets/editable/edit", data={**form, "contact_email": "nada"})
        assert bad.status_code == 400 and "No es un correo electrónico." in bad.text
        assert 'value="Obra pública editada"' in bad.text  # what was typed comes back
        saved = client.post("/datasets/editable/edit", data=form)
        assert saved.status_code == 303
        assert saved.headers["location"] == "/datasets/editable?notice=saved"
        again = client.get("/datasets/editable/edit").text
        assert "Municipio donde se hizo la obra" in again and XSS not in again
    with browser(pub.url) as anonymous:
        api = anonymous.get("/api/v1/datasets/editable").json()
        assert api["title"] == "Obra pública editada" and api["description"].endswith(XSS)
        ckan = anonymous.get("/api/3/action/package_show", params={"id": "editable"}).json()
        assert ckan["result"]["license_id"] == "libre-uso-mx"
        assert sorted(t["name"] for t in ckan["result"]["tags"]) == ["contratos", "obra"]


def test_making_a_dataset_private_hides_it(pub: Pub) -> None:
    with browser(pub.url, "editora") as client:
        page = client.get("/datasets/privada/edit")
        form = {"csrf_token": csrf_of(page.text), "title": "Obra privada", "private": "on"}
        assert client.post("/datasets/privada/edit", data=form).status_code == 303
        assert client.get("/api/v1/datasets/privada").status_code == 200  # members still see it
    with browser(pub.url) as anonymous:
        assert anonymous.get("/api/v1/datasets/privada").status_code == 404
        assert anonymous.get("/datasets/privada/edit").status_code == 303
    with browser(pub.url, "ajena") as outsider:
        assert outsider.get("/datasets/privada/edit").status_code == 404


def test_adding_and_removing_a_link(pub: Pub) -> None:
    with browser(pub.url, "editora") as client:
        token = csrf_of(client.get("/datasets/obras/edit").text)
        bad = {"csrf_token": token, "kind": "file", "link_title": "x", "url": "javascript:alert(1)"}
        refused = client.post("/datasets/obras/links", data=bad)
        assert refused.status_code == 400 and "http://" in refused.text
        link = {
            **bad,
            "link_title": "Metodología",
            "url": "https://zapopan.gob.mx/m.pdf",
            "format": "pdf",
        }
        added = client.post("/datasets/obras/links", data=link)
        assert added.status_code == 303
        page = client.get("/datasets/obras/edit").text
        assert "https://zapopan.gob.mx/m.pdf" in page and "(PDF)" in page
        with database(pub.settings) as session:
            dataset = dataset_by_slug(session, "obras")
            assert dataset is not None
            resource = next(r for r in dataset.resources if r.kind == "file")
        removed = client.post(
            f"/datasets/obras/links/{resource.id}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 303
        assert "https://zapopan.gob.mx/m.pdf" not in client.get("/datasets/obras/edit").text


def test_delete_needs_the_slug_typed(pub: Pub) -> None:
    with browser(pub.url, "editora") as editor:
        assert editor.get("/datasets/borrable/delete").status_code == 403
    with browser(pub.url, "jefa") as client:
        page = client.get("/datasets/borrable/delete")
        assert page.status_code == 200 and "abierto gc" in page.text
        token = csrf_of(page.text)
        wrong = client.post(
            "/datasets/borrable/delete", data={"csrf_token": token, "confirm": "obras"}
        )
        assert wrong.status_code == 400 and "no se borró nada" in wrong.text
        done = client.post(
            "/datasets/borrable/delete", data={"csrf_token": token, "confirm": "borrable"}
        )
        assert done.status_code == 303 and done.headers["location"] == "/?notice=deleted"
        assert "Se borró el conjunto de datos." in client.get(done.headers["location"]).text
        assert client.get("/datasets/borrable").status_code == 404
    with database(pub.settings) as session:
        assert dataset_by_slug(session, "borrable") is None
        event = session.scalar(select(ActivityEvent).where(ActivityEvent.verb == "dataset.deleted"))
        assert event is not None and event.data["slug"] == "borrable"
