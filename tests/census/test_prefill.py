"""The census pre-fill against real local servers: a CKAN-like portal, a data.json catalog,
files in several real formats (one lying about its format), a login wall, a slow and a huge
response, and abierto itself."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import xlsxwriter

from abierto.census.http import Fetcher
from abierto.census.prefill import prefill, sniff
from tests.realdata import real_file
from tests.web.conftest import Portal

NOW = dt.datetime(2026, 11, 23, 12, 0)
RECENT = (NOW - dt.timedelta(days=10)).isoformat()
OLD = (NOW - dt.timedelta(days=400)).isoformat()
CSV = b"folio,dependencia,monto\n1,Obras,100.5\n2,Salud,20\n3,Agua,7\n"


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Presupuesto")
    sheet.write_row(0, 0, ["Dependencia", "Monto"])
    sheet.write_row(1, 0, ["Obras", 100])
    book.close()
    return buffer.getvalue()


def _package(base: str, name: str) -> dict | None:
    packages = {
        "presupuesto": {
            "license_id": "cc-by",
            "metadata_modified": RECENT,
            "extras": [{"key": "frequency", "value": "monthly"}],
            "resources": [{"url": f"{base}/files/presupuesto.csv", "format": "CSV"}],
        },
        "disfrazado": {
            "license_id": "other-closed",
            "metadata_modified": OLD,
            "extras": [{"key": "frequency", "value": "monthly"}],
            "resources": [{"url": f"{base}/files/portal.csv", "format": "CSV"}],
        },
        "excel": {
            "license_id": "licencia-rara",
            "metadata_modified": RECENT,
            "resources": [{"url": f"{base}/files/libro.xlsx", "format": "XLSX"}],
        },
    }
    return packages.get(name)


def _catalog(base: str) -> dict:
    return {
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "dataset": [
            {
                "identifier": "gasto-2026",
                "title": "Gasto",
                "license": "https://creativecommons.org/licenses/by/4.0/",
                "modified": OLD,
                "accrualPeriodicity": "R/P1M",
                "distribution": [{"downloadURL": f"{base}/files/informe.pdf", "format": "CSV"}],
            },
            {
                "identifier": "presupuesto-2026",
                "title": "Presupuesto",
                "license": "https://creativecommons.org/publicdomain/zero/1.0/",
                "modified": RECENT,
                "accrualPeriodicity": "R/P1Y",
                "distribution": [{"downloadURL": f"{base}/files/presupuesto.csv"}],
            },
        ],
    }


class Handler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        parts = urlsplit(self.path)
        if parts.path == "/api/3/action/package_show":
            package = _package(base, parse_qs(parts.query).get("id", [""])[0])
            body = {"success": package is not None, "result": package}
            self._send(200 if package else 404, "application/json", json.dumps(body).encode())
        elif parts.path == "/data.json":
            self._send(200, "application/json", json.dumps(_catalog(base)).encode())
        elif parts.path in self.files:
            self._send(200, *self.files[parts.path])
        elif parts.path == "/privado":
            self._send(401, "text/html", b"<html>Inicia sesion</html>")
        elif parts.path == "/lento":
            time.sleep(3)
            self._send(200, "text/csv", CSV)
        elif parts.path == "/enorme":
            self._send(200, "text/csv", CSV * 100_000)
        elif parts.path == "/vuelta":
            self.send_response(302)
            self.send_header("Location", "/files/presupuesto.csv")
            self.end_headers()
        else:
            self._send(404, "text/html", b"<html>no</html>")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hung up on purpose (timeouts, size caps)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    Handler.files = {
        "/files/presupuesto.csv": ("text/csv", CSV),
        "/files/portal.csv": ("text/html", b"<!DOCTYPE html><html><body>Portal</body></html>"),
        "/files/libro.xlsx": ("application/octet-stream", _xlsx()),
        "/files/informe.pdf": (
            "application/pdf",
            real_file("pdf", "mx_conapo_diccionario_proyecciones_2023.pdf").read_bytes(),
        ),
    }
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, timeout=1.0, max_bytes=256 * 1024) as f:
        yield f


def test_an_open_ckan_dataset(server: str, fetcher: Fetcher) -> None:
    found = prefill(f"{server}/dataset/presupuesto", fetcher, NOW)
    assert found.values() == {
        "exists": "yes",
        "online": "yes",
        "registration_free": "yes",
        "free": "yes",
        "format": "CSV",
        "open_format": "yes",
        "bulk_download": "yes",
        "license": "cc-by-4.0",
        "open_license": "yes",
        "last_updated": RECENT[:10],
        "up_to_date": "yes",
    }
    assert "package_show" in found.answers["online"].evidence
    assert "presupuesto.csv → 200 text/csv" in found.answers["format"].evidence


def test_a_csv_link_that_is_really_a_web_page(server: str, fetcher: Fetcher) -> None:
    found = prefill(f"{server}/dataset/disfrazado", fetcher, NOW).values()
    assert (found["format"], found["open_format"], found["bulk_download"]) == ("HTML", "no", "no")
    assert (found["open_license"], found["up_to_date"]) == ("no", "no")


def test_excel_and_an_unknown_licence(server: str, fetcher: Fetcher) -> None:
    found = prefill(f"{server}/dataset/excel", fetcher, NOW)
    assert found.values()["format"] == "XLSX" and found.values()["open_format"] == "no"
    assert "open_license" not in found.answers and "up_to_date" not in found.answers
    assert any("licencia-rara" in p for p in found.problems)
    assert any("frequency" in p for p in found.problems)


def test_a_data_json_catalog(server: str, fetcher: Fetcher) -> None:
    gasto = prefill(f"{server}/data.json#gasto-2026", fetcher, NOW).values()
    assert gasto["format"] == "PDF" and gasto["open_format"] == "no"  # declared CSV, is PDF
    assert gasto["license"] == "cc-by-4.0" and gasto["up_to_date"] == "no"
    presupuesto = prefill(f"{server}/data.json#presupuesto-2026", fetcher, NOW).values()
    assert presupuesto["license"] == "cc0-1.0" and presupuesto["up_to_date"] == "yes"
    missing = prefill(f"{server}/data.json#nada", fetcher, NOW)
    assert missing.answers == {} and "no dataset 'nada'" in missing.problems[0]


def test_direct_files_walls_and_limits(server: str, fetcher: Fetcher) -> None:
    direct = prefill(f"{server}/vuelta", fetcher, NOW)
    assert (
        direct.values()["format"] == "CSV"
        and "via 1 redirects" in direct.answers["format"].evidence
    )
    wall = prefill(f"{server}/privado", fetcher, NOW).values()
    assert wall == {"online": "yes", "registration_free": "no"}
    slow = prefill(f"{server}/lento", fetcher, NOW)
    assert slow.answers == {} and "timed out" in slow.problems[0]
    huge = fetcher.get(f"{server}/enorme")
    assert huge.ok and huge.truncated and len(huge.body) == 256 * 1024


def test_private_addresses_are_refused_by_default(server: str) -> None:
    with Fetcher() as strict:
        found = prefill(f"{server}/dataset/presupuesto", strict, NOW)
    assert found.answers == {} and "refused" in found.problems[0]


def test_a_dataset_on_abierto_itself(portal: Portal) -> None:
    with Fetcher(allow_private=True) as fetcher:
        found = prefill(f"{portal.url}/datasets/obras", fetcher, NOW).values()
    assert found["online"] == "yes" and found["format"] == "CSV" and found["open_format"] == "yes"
    assert found["license"] == "notspecified" and found["open_license"] == "no"
    with Fetcher(allow_private=True) as fetcher:
        hidden = prefill(f"{portal.url}/datasets/secreto", fetcher, NOW)
    assert "format" not in hidden.answers  # a private dataset tells an outsider nothing


def test_sniffing() -> None:
    assert sniff(b"%PDF-1.7 ...", "") == "PDF"
    assert sniff(b"a;b;c\n1;2;3\n4;5;6\n", "") == "CSV"
    assert sniff(b'[{"a": 1}]', "") == "JSON"
    assert sniff(b"\xd0\xcf\x11\xe0rest", "") == "XLS"
    assert sniff(b"just some words", "") == "TXT"
