"""A live portal over real HTTP: a fresh home with published datasets, uvicorn in a thread."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from abierto.app_context import AppContext
from abierto.catalog.services import dataset_by_slug
from abierto.ingest.publish import PublishRequest, publish
from abierto.settings import Settings
from abierto.web.app import create_app

XSS = "<script>alert(1)</script>"
OBRAS_V1 = (
    "Municipio,Monto contratado,Fecha,Nota\n"
    f'Zapopan,"1,200.50",31/12/2019,{XSS}\n'
    'Tlaquepaque,300,01/01/2020,"Puente & ""calle"""\n'
    "Tonalá,50.25,02/01/2020,\n"
)
OBRAS_V2 = (
    "Municipio,Monto contratado,Fecha,Nota,Obra\n"
    f'Zapopan,"1,200.50",31/12/2019,{XSS},Puente\n'
    "Tlaquepaque,300,01/01/2020,ok,Calle\n"
    "Tonalá,50.25,02/01/2020,,Parque\n"
    "Zapotlanejo,75,03/01/2020,,Banqueta\n"
)
SECRET = "Nombre,Sueldo mensual\nJuana Pérez Confidencial,99999\n"


@dataclass
class Portal:
    """The running server and what was published before it started."""

    url: str
    settings: Settings
    release_ids: dict[str, list[str]] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)


def publish_csv(
    context: AppContext, folder: Path, slug: str, text: str, *, title: str, org: str = "zapopan"
) -> list[str]:
    fd, name = tempfile.mkstemp(prefix=f"{slug}-", suffix=".csv", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    path = Path(name)
    request = PublishRequest(path=path, organization=org, dataset=slug, title=title)
    with context.db.session() as session:
        result = publish(session, context.settings, context.store, request)
        session.flush()
        return [r.id for r in result.releases]


def hide(context: AppContext, slug: str, *, private: bool = False, draft: bool = False) -> None:
    with context.db.session() as session:
        dataset = dataset_by_slug(session, slug)
        assert dataset is not None
        dataset.private = private
        dataset.state = "draft" if draft else "published"


def _publish_fixtures(settings: Settings, folder: Path) -> dict[str, list[str]]:
    context = AppContext.create(settings)
    try:
        ids = {"obras": publish_csv(context, folder, "obras", OBRAS_V1, title="Obra pública")}
        ids["obras"] += publish_csv(context, folder, "obras", OBRAS_V2, title="Obra pública")
        ids["trampa"] = publish_csv(context, folder, "trampa", OBRAS_V1, title=f"Trampa {XSS}")
        ids["secreto"] = publish_csv(context, folder, "secreto", SECRET, title="Nómina secreta")
        ids["borrador"] = publish_csv(context, folder, "borrador", SECRET, title="Borrador oculto")
        hide(context, "secreto", private=True)
        hide(context, "borrador", draft=True)
    finally:
        context.close()
    return ids


def _serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    # IPPROTO_TCP, so asyncio turns on TCP_NODELAY (else each response waits ~40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("portal")
    settings = Settings(home=root / "home", rate_limit="100000/minute", view_flush_seconds=0)
    ids = _publish_fixtures(settings, root)
    server, thread, url = _serve(settings)
    try:
        yield Portal(url, settings, ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(portal: Portal) -> Iterator[httpx.Client]:
    with portal.client() as http:
        yield http
