"""The link checker against a real local server: good, missing, failing, moved, looping,
slow, mislabelled and robots-forbidden links; politeness per host; results stored on SQLite
and PostgreSQL, broken-since dates kept while broken."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from abierto.app_context import AppContext
from abierto.catalog.editing import add_link
from abierto.catalog.services import dataset_by_slug
from abierto.quality.links import Checker, check_links, latest_results
from abierto.quality.services import assess
from tests.web.conftest import publish_csv

NOW = dt.datetime(2026, 11, 23, 12)


class Handler(BaseHTTPRequestHandler):
    active = 0
    most = 0
    lock = threading.Lock()
    fixed: ClassVar[set[str]] = set()

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, kind: str = "text/csv", body: bytes = b"a,b\n1,2\n") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def _redirect(self, where: str) -> None:
        self.send_response(301)
        self.send_header("Location", where)
        self.end_headers()

    def do_HEAD(self) -> None:
        if not self.path.startswith("/ok"):
            self._route()
            return
        with Handler.lock:  # concurrency of the /ok requests the politeness test makes
            Handler.active += 1
            Handler.most = max(Handler.most, Handler.active)
        try:
            self._route()
        finally:
            with Handler.lock:
                Handler.active -= 1

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._answer(200, "text/plain", b"User-agent: *\nDisallow: /privado/\n")
        else:
            self._route()

    def _route(self) -> None:
        path = self.path
        if path.startswith("/ok"):
            time.sleep(0.05)
            self._answer(200)
        elif path == "/falta":
            if "falta" in Handler.fixed:
                self._answer(200)
            else:
                self._answer(404, "text/html")
        elif path == "/error":
            self._answer(500, "text/html")
        elif path == "/movido":
            self._redirect("/ok-destino")
        elif path == "/bucle":
            self._redirect("/bucle")
        elif path == "/lento":
            time.sleep(3)
            self._answer(200)
        elif path == "/pagina.csv":
            self._answer(200, "text/html; charset=utf-8", b"<html></html>")
        elif path == "/sin-head":
            self.send_response(405)
            self.end_headers()
        else:
            self._answer(404, "text/html")


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = Quiet(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


LINKS = {
    "ok": ("/ok-1", "CSV"),
    "falta": ("/falta", "CSV"),
    "error": ("/error", "CSV"),
    "movido": ("/movido", "CSV"),
    "bucle": ("/bucle", "CSV"),
    "lento": ("/lento", "CSV"),
    "pagina": ("/pagina.csv", "CSV"),
    "privado": ("/privado/datos.csv", "CSV"),
}


def _links(context: AppContext, tmp_path: Path, site: str) -> dict[str, str]:
    publish_csv(context, tmp_path, "enlaces", "a,b\n1,2\n", title="Enlaces")
    ids = {}
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "enlaces")
        assert dataset is not None
        for name, (path, fmt) in LINKS.items():
            resource = add_link(
                session,
                dataset,
                title=name,
                url=site + path,
                format=fmt,
                kind="link",
                actor_id=None,
            )
            ids[name] = resource.id
    return ids


def test_results_are_stored_with_their_reasons(
    context: AppContext, tmp_path: Path, site: str
) -> None:
    ids = _links(context, tmp_path, site)
    checker = Checker(per_host=2, delay=0.0, timeout=1.0, allow_private=True)
    with context.db.session() as session:
        rows = check_links(session, checker, NOW)
        assert len(rows) == len(LINKS)
        found = latest_results(session, list(ids.values()))
    by_name = {name: found[i] for name, i in ids.items()}
    assert by_name["ok"].ok and by_name["ok"].status == 200
    assert by_name["movido"].ok and by_name["movido"].status == 200
    assert (by_name["falta"].ok, by_name["falta"].status) == (False, 404)
    assert (by_name["error"].ok, by_name["error"].status) == (False, 500)
    assert by_name["bucle"].error == "too many redirects"
    assert by_name["lento"].error == "timed out"
    assert not by_name["pagina"].ok and "answers text/html" in by_name["pagina"].error
    assert by_name["privado"].error == "robots.txt disallows checking"
    assert by_name["falta"].first_broken_at == NOW and by_name["ok"].first_broken_at is None
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "enlaces")
        assert dataset is not None
        [assessment] = assess(session, [dataset], NOW)
        links = next(c for c in assessment.checks if c.id == "retrievability.links")
        assert (
            links.passed is False and links.value == 6
        )  # falta, error, bucle, lento, pagina, privado


def test_broken_since_is_kept_until_fixed_and_rechecks_wait(
    context: AppContext, tmp_path: Path, site: str
) -> None:
    ids = _links(context, tmp_path, site)
    checker = Checker(per_host=4, delay=0.0, timeout=1.0, allow_private=True)
    Handler.fixed.clear()
    with context.db.session() as session:
        check_links(session, checker, NOW)
        assert check_links(session, checker, NOW + dt.timedelta(hours=1)) == []  # not due yet
        later = NOW + dt.timedelta(days=2)
        check_links(session, checker, later)
        assert latest_results(session, [ids["falta"]])[ids["falta"]].first_broken_at == NOW
        Handler.fixed.add("falta")
        check_links(session, checker, NOW + dt.timedelta(days=4))
        fixed = latest_results(session, [ids["falta"]])[ids["falta"]]
        assert fixed.ok and fixed.first_broken_at is None
    Handler.fixed.clear()


def test_never_more_than_per_host_requests_at_once(site: str) -> None:
    import asyncio

    Handler.most = 0
    checker = Checker(per_host=2, delay=0.0, timeout=5.0, allow_private=True)
    outcomes = asyncio.run(checker.check_all([f"{site}/ok-{n}" for n in range(12)]))
    assert all(o.status == 200 for o in outcomes)
    assert Handler.most == 2  # busy enough to reach the limit, never beyond it


def test_private_addresses_are_refused_by_default(site: str) -> None:
    import asyncio

    [outcome] = asyncio.run(Checker(delay=0.0).check_all([f"{site}/ok-1"]))
    assert outcome.error.startswith("refused")
