"""`abierto demo`: a realistic catalog, loaded through the real pipeline, idempotent."""

from __future__ import annotations

import datetime as dt
import html
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from abierto.accounts.models import Membership, User
from abierto.accounts.permissions import ANONYMOUS, actor_for
from abierto.accounts.services import authenticate, start_session
from abierto.app_context import AppContext
from abierto.catalog.models import (
    ActivityEvent,
    Dataset,
    Organization,
    Release,
    Resource,
    Tag,
    Theme,
)
from abierto.catalog.services import dataset_by_slug
from abierto.catalog.vocab import FREQUENCIES, LICENSES
from abierto.cli.app import app
from abierto.db import Base
from abierto.demo import DATASETS, PASSWORD_ENV, DemoError, load_demo, load_into, write_files
from abierto.demo.census import USERS as CENSUS_USERS
from abierto.settings import Settings
from abierto.web import queries
from abierto.web.auth import SESSION_COOKIE
from tests.web.conftest import _serve

PASSWORD = "contraseña-de-prueba"
HIDDEN = {"nomina", "presupuesto-participativo-2025"}


def _load(context: AppContext, password: str | None = PASSWORD) -> list[str]:
    return list(load_into(context, password))


def _row_counts(context: AppContext) -> dict[str, int]:
    with context.db.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _snapshot(session: Session) -> list[tuple[Any, ...]]:
    datasets = session.scalars(select(Dataset).order_by(Dataset.slug))
    return [(d.slug, d.modified_at, d.view_count, d.description, d.state) for d in datasets]


def _release(session: Session, slug: str, number: int = 1) -> Release:
    return session.scalars(
        select(Release)
        .join(Resource)
        .join(Dataset)
        .where(Dataset.slug == slug, Release.number == number)
    ).one()


def test_demo_files_are_identical_on_every_run(tmp_path: Path) -> None:
    for demo in DATASETS:
        first, second = tmp_path / "a" / demo.slug, tmp_path / "b" / demo.slug
        first.mkdir(parents=True)
        second.mkdir(parents=True)
        for a, b in zip(write_files(demo, first), write_files(demo, second), strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_demo_sources_are_an_excel_workbook_and_a_windows_1252_csv(tmp_path: Path) -> None:
    by_slug = {demo.slug: demo for demo in DATASETS}
    (workbook,) = write_files(by_slug["contratos-adjudicados-2024"], tmp_path)
    sheet = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("Contratos 2024")
    rows = sheet.to_python()
    assert "Monto adjudicado" in rows[2]
    assert isinstance(rows[3][6], dt.date) and isinstance(rows[3][9], float)
    with zipfile.ZipFile(workbook) as archive:  # no clock inside: the same bytes every run
        core = archive.read("docProps/core.xml").decode()
    assert "<dcterms:created" in core and dt.date.today().isoformat() not in core
    (air,) = write_files(by_slug["calidad-del-aire"], tmp_path)
    raw = air.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "Estación;" in text and "µg/m³" in text and ";20,6306;" in text


def test_demo_loads_once_and_a_second_run_changes_nothing(context: AppContext) -> None:
    lines = _load(context)
    assert len(lines) == 2 + len(DATASETS) + len(CENSUS_USERS) + 2  # + census, quality
    assert lines[-1] == f"calidad: {len(DATASETS)} conjuntos evaluados / datasets scored"
    assert "obra-publica: v1: 119, v2: 240 filas" in "\n".join(lines)
    counts = _row_counts(context)
    assert counts["organization"] == 4 and counts["theme"] == 7
    assert counts["dataset"] == len(DATASETS) == 12
    assert counts["release"] == 13  # obra-publica has two
    assert counts["resource"] == 13  # one table each, plus the budget's link to a PDF
    assert counts["user"] == 2 + len(CENSUS_USERS) and counts["membership"] == 1
    # 4 organizations, 2 + 3 users, 12 datasets, 13 releases
    assert counts["activity_event"] == 4 + 2 + len(CENSUS_USERS) + 12 + 13
    with context.db.session() as session:
        before = _snapshot(session)
        blobs = sorted(r.blob_key for r in session.scalars(select(Release)))

    again = _load(context, password="otra-contraseña-123")
    assert all("sin cambios" in line for line in again), again
    assert _row_counts(context) == counts
    with context.db.session() as session:
        assert _snapshot(session) == before
        assert sorted(r.blob_key for r in session.scalars(select(Release))) == blobs
        # the first password still works: existing accounts are left alone
        assert authenticate(session, "editor", PASSWORD) is not None
        assert authenticate(session, "editor", "otra-contraseña-123") is None
    for key in blobs:
        assert context.store.exists(key)


def test_demo_catalog_metadata(context: AppContext) -> None:
    _load(context)
    with context.db.session() as session:
        orgs = {o.slug: o for o in session.scalars(select(Organization))}
        assert orgs["shcp"].name == "Secretaría de Hacienda y Crédito Público"
        assert (orgs["shcp"].level, orgs["jalisco"].level) == ("federal", "state")
        assert (orgs["monterrey"].level, orgs["monterrey"].place_key) == ("municipal", "19039")
        assert (orgs["zapopan"].level, orgs["zapopan"].place_key) == ("municipal", "14120")
        themes = {t.name_es: t.name_en for t in session.scalars(select(Theme))}
        assert themes["Finanzas públicas"] == "Public finance"
        assert set(themes) == {
            "Finanzas públicas", "Seguridad", "Obra pública", "Medio ambiente", "Educación",
            "Salud", "Movilidad",
        }  # fmt: skip
        datasets = list(session.scalars(select(Dataset)))
        licences = [d.license_id for d in datasets]
        assert licences.count(None) == 1
        assert all(lic is None or lic in LICENSES for lic in licences)
        closed = [lic for lic in licences if lic and not LICENSES[lic].is_open]
        assert len(closed) == 1 and len(licences) - 2 > len(datasets) // 2
        for d in datasets:
            assert d.frequency in FREQUENCIES and d.tags and d.spatial and d.contact_email
            assert d.temporal_start and d.temporal_end and d.temporal_start <= d.temporal_end
            assert "\n\n> Datos de demostración" in d.description  # Markdown
        assert sum(1 for d in datasets if d.themes) == 11
        assert session.scalar(select(func.count()).select_from(Tag)) >= 25
        for d in datasets:  # column descriptions name real columns of the latest release
            table = next(r for r in d.resources if r.kind == "table")
            names = {c["name"] for c in table.releases[-1].columns}
            assert set(table.column_descriptions) <= names, d.slug
        link = dataset_by_slug(session, "presupuesto-egresos-federacion-2024").resources[-1]
        assert (link.kind, link.format, link.releases) == ("link", "PDF", [])
        assert link.url.startswith("https://") and link.url.endswith(".pdf")
        events = session.scalars(select(ActivityEvent).where(ActivityEvent.verb != "user.created"))
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        for event in events:
            assert event.organization_id is not None
            if event.verb != "organization.created":
                assert event.actor_id == admin.id and event.dataset_id is not None


def test_demo_sources_were_read_as_what_they_are(context: AppContext) -> None:
    _load(context)
    with context.db.session() as session:
        excel = _release(session, "contratos-adjudicados-2024")
        assert excel.detected["format"] == "xlsx" and excel.detected["sheet"] == "Contratos 2024"
        assert excel.source_name.endswith(".xlsx")
        types = {c["name"]: c["type"] for c in excel.columns}
        assert types["monto_adjudicado"] == "number" and types["fecha_de_adjudicacion"] == "date"
        assert excel.row_count == 600 and excel.report["error_count"] == 0

        air = _release(session, "calidad-del-aire")
        assert air.detected["encoding"] == "windows-1252" and air.detected["delimiter"] == ";"
        titles = {c["title"]: c for c in air.columns}
        assert titles["Estación"]["type"] == "text"
        assert titles["Fecha y hora"]["type"] == "datetime"
        for title in ("PM10 (µg/m³)", "PM2.5 (µg/m³)", "O3 (µg/m³)", "Latitud"):
            assert titles[title]["type"] == "number", title
        lat = air.profile["latitud"]
        assert 20.5 < lat["min"] < lat["max"] < 20.8  # "20,6306" read as 20.6306
        assert air.schema["point"] == {"lat": "latitud", "lon": "longitud"}
        assert air.row_count == 14 * 24 * 10 and air.report["error_count"] == 0

        budget = _release(session, "presupuesto-egresos-federacion-2024")
        keys = {c["name"]: c["type"] for c in budget.columns}
        assert keys["clave_de_ramo"] == "text"  # "01" keeps its zero
        works = _release(session, "obra-publica")
        assert works.schema["point"] == {"lat": "latitud", "lon": "longitud"}


def test_demo_second_release_shows_the_rename(context: AppContext) -> None:
    _load(context)
    with context.db.session() as session:
        first, second = _release(session, "obra-publica"), _release(session, "obra-publica", 2)
        assert "contratista" in {c["name"] for c in first.columns}
        assert second.row_count > first.row_count
        renames = [c for c in second.diff["changes"] if c["kind"] == "renamed"]
        assert [(c["old"], c["new"]) for c in renames] == [("contratista", "empresa_contratista")]
        assert second.diff["breaking"] is True


def test_demo_private_and_draft_are_hidden_from_visitors(context: AppContext) -> None:
    _load(context)
    with context.db.session() as session:
        payroll = dataset_by_slug(session, "nomina")
        draft = dataset_by_slug(session, "presupuesto-participativo-2025")
        assert payroll.private and payroll.state == "published"
        assert draft.state == "draft" and not draft.private
        public = {item.dataset.slug for item in queries.list_datasets(session, ANONYMOUS)}
        assert public == {d.slug for d in DATASETS} - HIDDEN
        assert queries.count_datasets(session, ANONYMOUS) == len(DATASETS) - 2
        for slug in HIDDEN:
            assert queries.get_dataset(session, ANONYMOUS, slug) is None
            release = _release(session, slug)
            assert queries.get_release(session, ANONYMOUS, release.id) is None

        editor = authenticate(session, "editor", PASSWORD)
        assert editor is not None and not editor.is_site_admin
        (membership,) = session.scalars(select(Membership).where(Membership.user_id == editor.id))
        assert (membership.organization.slug, membership.role) == ("zapopan", "editor")
        listed = queries.list_datasets(session, actor_for(session, editor))
        assert {item.dataset.slug for item in listed} >= HIDDEN  # both are Zapopan's
        admin = authenticate(session, "admin", PASSWORD)
        assert admin is not None and admin.is_site_admin
        assert queries.count_datasets(session, actor_for(session, admin)) == len(DATASETS)


def test_cli_demo_prints_the_accounts_and_the_portal_lists_the_datasets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.delenv("ABIERTO_CONFIG", raising=False)
    monkeypatch.delenv("ABIERTO_DATABASE_URL", raising=False)
    monkeypatch.setenv("ABIERTO_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["demo"], terminal_width=200)
    assert result.exit_code == 0, result.output
    passwords = dict(
        line.split(": ", 1)[1].split(" (")[0].split(" / ")
        for line in result.output.splitlines()
        if line.startswith("usuario / contraseña: ")
    )
    names = {"admin", "editor", *(u.username for u in CENSUS_USERS)}
    assert set(passwords) == names and len(set(passwords.values())) == len(names)
    assert all(len(p) >= 16 for p in passwords.values())

    settings = Settings(home=tmp_path / "home")
    server, thread, url = _serve(settings)
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            _check_served_portal(http, settings, passwords["editor"])
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _check_served_portal(http: httpx.Client, settings: Settings, password: str) -> None:
    home = http.get("/")
    assert home.status_code == 200
    page = html.unescape(home.text)
    for demo in DATASETS:
        assert (demo.title in page) == (demo.slug not in HIDDEN), demo.title
        assert (f"/datasets/{demo.slug}" in page) == (demo.slug not in HIDDEN)
    assert "Secretaría de Hacienda y Crédito Público" in page
    for slug in HIDDEN:
        assert http.get(f"/datasets/{slug}").status_code == 404
    budget = http.get("/datasets/presupuesto-egresos-federacion-2024")
    assert budget.status_code == 200 and "Ramo" in html.unescape(budget.text)
    scoreboard = html.unescape(http.get("/quality").text)  # scored by the demo
    assert (
        "Gobierno del Estado de Jalisco" in scoreboard and "Aún no hay puntajes" not in scoreboard
    )

    context = AppContext.create(settings)
    try:
        with context.db.session() as session:
            editor = authenticate(session, "editor", password)
            assert editor is not None
            cookie, _ = start_session(session, editor)
    finally:
        context.close()
    http.cookies.set(SESSION_COOKIE, cookie)
    as_editor = html.unescape(http.get("/").text)
    assert "Nómina del personal municipal" in as_editor
    assert "Presupuesto participativo 2025 (borrador)" in as_editor


def test_demo_password_from_the_environment_is_not_printed(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "desde-el-entorno-2024"
    monkeypatch.setenv(PASSWORD_ENV, secret)
    steps = load_demo(context.settings)
    lines = [next(steps), next(steps)]  # the accounts come first, committed
    steps.close()  # stopping early keeps them and publishes nothing
    assert lines[0] == f"usuario / contraseña: admin / ${PASSWORD_ENV} (administrador del sitio)"
    assert not any(secret in line for line in lines)
    with context.db.session() as session:
        assert authenticate(session, "admin", secret) is not None
        assert authenticate(session, "editor", secret) is not None
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0


def test_demo_refuses_a_short_password_before_changing_anything(context: AppContext) -> None:
    with pytest.raises(DemoError, match=PASSWORD_ENV):
        _load(context, password="corta")
    assert _row_counts(context)["organization"] == 0
