"""Remote catalogs for harvesting, all real servers on loopback: an abierto portal (its CKAN
Action API) with a small catalog of its own, and a plain ``http.server`` for static files
(a DCAT ``data.json``, an HTML page, a canned CKAN answer)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from abierto.app_context import AppContext
from abierto.catalog.editing import Metadata, add_link, apply_metadata
from abierto.catalog.services import (
    dataset_by_slug,
    get_or_create_dataset,
    get_or_create_organization,
)
from abierto.settings import Settings
from tests.web.conftest import _serve, publish_csv

PUBLIC = {"presupuesto", "escuelas", "calidad-aire"}


@dataclass
class Remote:
    url: str
    context: AppContext  # the remote portal's own database, to change it between runs


def _dataset(context: AppContext, slug: str, metadata: Metadata, links: list[tuple]) -> None:
    with context.db.session() as session:
        org = get_or_create_organization(session, "cdmx", "Ciudad de México")
        dataset = dataset_by_slug(session, slug) or get_or_create_dataset(session, org, slug)
        apply_metadata(session, dataset, metadata, None)
        for title, url, fmt in links:
            add_link(session, dataset, title=title, url=url, format=fmt, kind="link",
                     actor_id=None)  # fmt: skip


def build_remote(context: AppContext, folder: Path) -> None:
    csv = "partida,monto\n1000,5.5\n2000,7\n"
    publish_csv(context, folder, "presupuesto", csv, title="Presupuesto", org="cdmx")
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    _dataset(context, "presupuesto", Metadata(
        title="Presupuesto de egresos", description="Egresos **aprobados**.",
        license_id="cc-by-4.0", frequency="ANNUAL", temporal_start=year[0],
        temporal_end=year[1], spatial="Ciudad de México", tags=["presupuesto", "finanzas"],
    ), [("Decreto", "https://example.org/decreto.pdf", "pdf")])  # fmt: skip
    _dataset(context, "escuelas", Metadata(
        title="Escuelas públicas", license_id="odc-odbl", tags=["educación"],
    ), [("Padrón", "https://example.org/escuelas.csv", "csv")])  # fmt: skip
    _dataset(context, "calidad-aire", Metadata(
        title="Calidad del aire", license_id="cc0-1.0", frequency="DAILY", tags=["aire"],
    ), [("API", "https://example.org/aire.json", "json")])  # fmt: skip
    _dataset(context, "nomina", Metadata(title="Nómina confidencial", private=True), [])
    _dataset(context, "borrador", Metadata(title="Borrador", state="draft"), [])


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    """A live abierto portal (SQLite, its own home) as the remote CKAN."""
    settings = Settings(home=tmp_path / "remote", rate_limit="100000/minute")
    context = AppContext.create(settings)
    build_remote(context, tmp_path)
    server, thread, url = _serve(settings)
    try:
        yield Remote(url, context)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def files(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static file server: (its URL, the folder it serves)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local(context: AppContext) -> AppContext:
    """The harvesting portal (SQLite and PostgreSQL); loopback sources allowed."""
    context.settings.fetch_allow_private = True
    return context
