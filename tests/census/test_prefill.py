"""The census pre-fill against real local servers: a CKAN-like portal (and a real DKAN
answer), a real DCAT data.json served over HTTP, real government files (one a web page
posing as CSV), login walls, payment, and abierto itself."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
import xlsxwriter

from abierto.catalog.models import utcnow
from abierto.census.http import Fetcher
from abierto.census.prefill import prefill
from tests.census.servers import Reply, Route, Site, serving
from tests.realdata import real_file
from tests.web.conftest import Portal

NOW = dt.datetime(2026, 11, 23, 12, 0)
RECENT = (NOW - dt.timedelta(days=10)).isoformat()
OLD = (NOW - dt.timedelta(days=400)).isoformat()
SNIFF = "first 65,536 bytes read"


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Compras")
    sheet.write_row(0, 0, ["Proveedor", "Monto"])
    sheet.write_row(1, 0, ["Papelería del Centro", 1200.5])
    book.close()
    return buffer.getvalue()


def _zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _file(folder: str, name: str) -> bytes:
    return real_file(folder, name).read_bytes()


def _packages(base: str) -> dict[str, dict]:
    files = f"{base}/files"
    return {
        "obra-publica": {
            "name": "obra-publica",
            "license_id": "cc-by",
            "metadata_modified": OLD,
            "extras": [{"key": "frequency", "value": "monthly"}],
            "resources": [
                {"id": "r-pdf", "url": f"{files}/informe.pdf", "format": "PDF"},
                {
                    "id": "r-csv",
                    "url": f"{files}/obra.csv",
                    "format": "CSV",
                    "last_modified": RECENT,
                },
            ],
        },
        "indicadores": {
            "name": "indicadores",
            "license_id": "other-closed",
            "metadata_modified": OLD,
            "frequency": "Mensual",
            "resources": [{"url": f"{files}/indicadores.csv", "format": "CSV"}],
        },
        "compras": {
            "name": "compras",
            "license_id": "licencia-rara",
            "metadata_modified": RECENT,
            "resources": [
                {"url": f"{files}/compras.xlsx", "format": "CSV"},
                {"url": f"{files}/gasto.xls", "format": "XLS"},
            ],
        },
        "cerrado": {
            "name": "cerrado",
            "license_id": "cc-by-4.0",
            "metadata_modified": RECENT,
            "resources": [{"url": f"{base}/privado", "format": "CSV"}],
        },
    }


def _package_show(base: str) -> Callable[[dict[str, list[str]]], Reply]:
    def answer(query: dict[str, list[str]]) -> Reply:
        package = _packages(base).get(query.get("id", [""])[0])
        body = {"success": package is not None, "result": package}
        if package is None:
            body["error"] = {"__type": "Not Found Error", "message": "Not found"}
        return Reply(200 if package else 404, "application/json", json.dumps(body).encode())

    return answer


def _dkan(base: str) -> bytes:
    """Peru's real DKAN package_show (result is a list), its files moved to this server."""
    text = real_file("catalog", "pe_datosabiertos_package_show_osce_contrataciones.json")
    files = "https:\\/\\/www.datosabiertos.gob.pe\\/sites\\/default\\/files"  # escaped slashes
    return text.read_text("utf-8").replace(files, f"{base}/files").encode()


def _argentina(base: str) -> bytes:
    """The real data.json of datos.jus.gob.ar, its files moved to this server."""
    text = real_file("catalog", "ar_datos_jus_gob_ar_data.json").read_text("utf-8")
    return text.replace("http://datos.jus.gob.ar", base).encode()


def _mini_catalog(base: str) -> bytes:
    return json.dumps(
        {
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
            "dataset": [
                {
                    "identifier": "pagos",
                    "title": "Pagos a proveedores",
                    "license": "https://creativecommons.org/licenses/by-nc/4.0/",
                    "modified": RECENT,
                    "accrualPeriodicity": "R/P1D",
                    "distribution": [{"accessURL": f"{base}/api/pagos", "format": "JSON"}],
                },
                {
                    "identifier": "informe",
                    "title": "Informe anual",
                    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
                    "modified": "2026-11-20",
                    "accrualPeriodicity": "R/P1Y",
                    "distribution": [
                        {"downloadURL": f"{base}/files/informe.pdf", "mediaType": "text/csv"}
                    ],
                },
                {"identifier": "sin-archivos", "title": "Sin archivos"},
            ],
        }
    ).encode()


def _serve_all(site: Site) -> None:
    base = site.url
    pdf = _file("pdf", "mx_conapo_diccionario_proyecciones_2023.pdf")
    xlsx = _file("excel", "pe_osce_diccionario_de_datos.xlsx")
    csv = _file("csv", "mx_zapopan_obra_publica.csv")
    html = "text/html; charset=utf-8"
    routes: dict[str, Route] = {
        "/api/3/action/package_show": _package_show(base),
        "/portal/api/3/action/package_show": _package_show(base),
        "/dkan/api/3/action/package_show": Reply(200, "application/json", _dkan(base)),
        "/files/obra.csv": Reply(200, "text/csv", csv),
        "/files/indicadores.csv": Reply(
            200, "text/csv", _file("csv", "mx_inegi_indicadores_export_is_html.csv")
        ),
        "/files/informe.pdf": Reply(200, "application/pdf", pdf),
        "/files/compras.xlsx": Reply(200, "application/octet-stream", _xlsx()),
        "/files/gasto.xls": Reply(
            200, "application/vnd.ms-excel", _file("excel", "pe_minsa_adquisiciones_epp.xls")
        ),
        "/files/CONOSCE_CONTRATACIONDIRECTA.xlsx": Reply(200, "application/octet-stream", xlsx),
        "/files/DICCIONARIO%20DE%20DATOS.xlsx": Reply(200, "application/octet-stream", xlsx),
        "/files/datos.zip": Reply(200, "application/zip", _zip_of("datos/obra.csv", csv)),
        "/files/envipe.csv": Reply(
            200, "text/csv", _file("csv", "mx_inegi_bie_indicadores_envipe_utf16.csv")
        ),
        "/files/fechado.csv": Reply(
            200, "text/csv", csv[:5000], {"Last-Modified": "Fri, 13 Nov 2026 08:00:00 GMT"}
        ),
        "/data.json": Reply(200, "application/json", _argentina(base)),
        "/dataset/*": Reply(200, "text/csv", _file("csv", "mx_cdmx_contador_ciclistas.csv")),
        "/mini/data.json": Reply(200, "application/json", _mini_catalog(base)),
        "/api/pagos": Reply(
            200,
            "application/json",
            json.dumps(
                {"results": [{"folio": 1, "monto": 10}], "next": "/api/pagos?page=2"}
            ).encode(),
        ),
        "/vuelta": Reply(302, html, b"", {"Location": "/files/obra.csv"}),
        "/pagina": Reply(200, html, b"<!DOCTYPE html><html><head><title>Datos de Obra</title>"),
        "/privado": Reply(401, html, b"<html>Inicia sesion</html>", {"WWW-Authenticate": "Basic"}),
        "/cuenta/datos.csv": Reply(302, html, b"", {"Location": "/cuenta/login?next=/datos"}),
        "/cuenta/login": Reply(200, html, b"<html><form>usuario</form></html>"),
        "/pago": Reply(402, html, b"<html>Compra el acceso</html>"),
    }
    for path, reply in routes.items():
        site.route(path, reply)


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        _serve_all(running)
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, timeout=2.0, max_bytes=256 * 1024) as client:
        yield client


def test_an_open_ckan_dataset_is_read_through_package_show(site: Site, fetcher: Fetcher) -> None:
    csv = f"{site.url}/files/obra.csv"
    found = prefill(f"{site.url}/dataset/obra-publica", fetcher, NOW)
    assert found.values() == {
        "exists": "yes",
        "online": "yes",
        "url": csv,
        "registration_free": "yes",
        "free": "yes",
        "bulk_download": "yes",
        "format": "CSV",
        "open_format": "yes",
        "license": "cc-by",
        "open_license": "yes",
        "last_updated": RECENT[:10],
        "up_to_date": "yes",
    }
    api = f"{site.url}/api/3/action/package_show?id=obra-publica"
    exists = found.answers["exists"]
    assert (
        exists.evidence
        == f"GET {api} → 200 application/json: CKAN package_show of 'obra-publica' describes it"
    )
    assert exists.source == api
    # The real Zapopan file: Mac Roman, bare CR line endings, 14 columns.
    fmt = found.answers["format"]
    assert fmt.evidence == (
        f"GET {csv} → 200 text/csv, {SNIFF}; the first bytes are CSV "
        "(','-separated, 14 columns, not UTF-8)"
    )
    assert fmt.source == csv and found.answers["free"].source == csv
    assert (
        "CKAN package_show of 'obra-publica' says license 'cc-by'"
        in found.answers["license"].evidence
    )
    assert "the resources' last_modified" in found.answers["last_updated"].evidence
    fresh = found.answers["up_to_date"].evidence
    assert (
        "declared frequency 'monthly' (MONTHLY): next update due" in fresh
        and "not due yet" in fresh
    )
    assert "/files/informe.pdf" not in site.hits  # an open CSV was found first
    assert found.problems == []


def test_a_csv_link_that_is_really_a_web_page(site: Site, fetcher: Fetcher) -> None:
    found = prefill(f"{site.url}/dataset/indicadores", fetcher, NOW)
    values = found.values()
    assert (values["format"], values["open_format"], values["bulk_download"]) == (
        "HTML",
        "no",
        "no",
    )
    assert "text/csv" in found.answers["format"].evidence  # served as CSV…
    assert (
        "the first bytes are HTML (a web page) (declared CSV)" in found.answers["format"].evidence
    )
    assert "free" not in values and "registration_free" not in values  # no data was fetched
    assert any("no data file could be downloaded" in p for p in found.problems)
    assert (values["license"], values["open_license"]) == ("other-closed", "no")
    assert values["up_to_date"] == "no"
    assert "metadata_modified" in found.answers["last_updated"].evidence
    assert "(MONTHLY): next update due" in found.answers["up_to_date"].evidence
    assert "overdue by" in found.answers["up_to_date"].evidence


def test_spreadsheets_are_told_by_their_bytes(site: Site, fetcher: Fetcher) -> None:
    found = prefill(f"{site.url}/dataset/compras", fetcher, NOW)
    values = found.values()
    assert (values["format"], values["open_format"], values["bulk_download"]) == (
        "XLSX",
        "no",
        "yes",
    )
    evidence = found.answers["format"].evidence
    assert "the first bytes are XLSX (an Office Open XML workbook) (declared CSV)" in evidence
    assert f"also {site.url}/files/gasto.xls is XLS" in evidence  # the real .xls, OLE2
    assert values["license"] == "licencia-rara" and "open_license" not in values
    assert "licence 'licencia-rara': a person must read its terms" in found.problems
    assert "up_to_date" not in values
    assert any("no known update frequency" in p for p in found.problems)
    hinted = prefill(f"{site.url}/dataset/compras", fetcher, NOW, frequency_hint="ANNUAL")
    assert hinted.values()["up_to_date"] == "yes"
    assert (
        "expected frequency 'ANNUAL' (not from the catalog)"
        in hinted.answers["up_to_date"].evidence
    )


def test_a_real_dkan_answer_under_a_path_and_one_resource(site: Site, fetcher: Fetcher) -> None:
    name = "contrataciones-ante-la-emergencia-sanitaria-por-la-existencia-del-coronavirus-organismo"
    found = prefill(f"{site.url}/dkan/dataset/{name}", fetcher, NOW)
    values = found.values()
    assert values["format"] == "XLSX" and values["open_format"] == "no"
    assert "(declared csv)" in found.answers["format"].evidence  # DKAN's label, not the bytes
    assert (values["license"], values["open_license"]) == ("odc-by", "yes")  # license_title URL
    assert "last_updated" not in values  # "Lun, 05/11/2020 - 15:16" is no date
    assert any("gives no modification date" in p for p in found.problems)
    assert "/dkan/api/3/action/package_show" in found.answers["exists"].evidence
    # One resource of a CKAN dataset, on a portal mounted under /portal.
    site.hits.clear()
    one = prefill(f"{site.url}/portal/dataset/obra-publica/resource/r-pdf", fetcher, NOW)
    assert one.values()["format"] == "PDF" and one.values()["open_format"] == "no"
    assert one.values()["bulk_download"] == "yes"  # the whole PDF, at once
    assert site.hits == ["/portal/api/3/action/package_show?id=obra-publica", "/files/informe.pdf"]


def test_a_real_data_json_catalog_served_over_http(site: Site, fetcher: Fetcher) -> None:
    infoleg = prefill(f"{site.url}/data.json#d9a963ea-8b1d-4ca3-9dd9-07a4773e8c23", fetcher, NOW)
    values = infoleg.values()
    assert (values["format"], values["open_format"], values["bulk_download"]) == (
        "CSV",
        "yes",
        "yes",
    )
    assert values["url"].endswith("/download/baseinfolegnormativanacional.csv")
    assert (values["license"], values["open_license"]) == ("odc-odbl", "yes")
    assert values["last_updated"] == "2016-12-19" and values["up_to_date"] == "no"
    assert "declared frequency 'R/P1M' (MONTHLY)" in infoleg.answers["up_to_date"].evidence
    assert "the data.json entry 'd9a963ea" in infoleg.answers["exists"].evidence
    by_title = prefill(
        f"{site.url}/data.json#{quote('Estadística de mediaciones prejudiciales y judiciales')}",
        fetcher,
        NOW,
    )
    assert by_title.values()["license"] == "cc-by"  # "Creative Commons Attribution"
    eventual = prefill(f"{site.url}/data.json#4680199f-6234-4262-8a2a-8f7993bf784d", fetcher, NOW)
    assert "up_to_date" not in eventual.answers
    assert "declared frequency 'eventual' is irregular: no due date" in eventual.problems
    unpicked = prefill(f"{site.url}/data.json", fetcher, NOW)
    assert unpicked.answers == {} and "lists 16 datasets" in unpicked.problems[0]
    missing = prefill(f"{site.url}/data.json#nada", fetcher, NOW)
    assert missing.answers == {} and missing.problems == [
        "no dataset 'nada' in the data.json catalog"
    ]


def test_distributions_that_mislead(site: Site, fetcher: Fetcher) -> None:
    pagos = prefill(f"{site.url}/mini/data.json#pagos", fetcher, NOW)
    values = pagos.values()
    assert (values["format"], values["open_format"], values["bulk_download"]) == (
        "JSON",
        "yes",
        "no",
    )
    assert "a page with a link to the next" in pagos.answers["bulk_download"].evidence
    assert (values["license"], values["open_license"]) == ("cc-by-nc-4.0", "no")
    assert values["up_to_date"] == "no"  # daily, last modified ten days ago
    informe = prefill(f"{site.url}/mini/data.json#informe", fetcher, NOW).values()
    assert (informe["format"], informe["open_format"]) == ("PDF", "no")  # mediaType said CSV
    assert (informe["license"], informe["open_license"]) == ("cc0-1.0", "yes")
    assert (informe["last_updated"], informe["up_to_date"]) == ("2026-11-20", "yes")
    empty = prefill(f"{site.url}/mini/data.json#sin-archivos", fetcher, NOW)
    assert empty.values() == {"exists": "yes", "online": "yes", "url": empty.url}
    assert "the data.json entry 'sin-archivos' lists no file or link to the data" in empty.problems
    assert "the data.json entry 'sin-archivos' states no licence" in empty.problems


def test_direct_files(site: Site, fetcher: Fetcher) -> None:
    moved = prefill(f"{site.url}/vuelta", fetcher, NOW)
    assert moved.values()["format"] == "CSV"
    assert f"(via 1 redirect to {site.url}/files/obra.csv)" in moved.answers["format"].evidence
    assert "a bare file states no licence: the publisher's terms decide" in moved.problems
    assert "the file " + f"{site.url}/vuelta gives no modification date" in moved.problems
    dated = prefill(f"{site.url}/files/fechado.csv", fetcher, NOW, frequency_hint="MONTHLY")
    assert (dated.values()["last_updated"], dated.values()["up_to_date"]) == ("2026-11-13", "yes")
    assert "its Last-Modified header 2026-11-13" in dated.answers["last_updated"].evidence
    wide = prefill(f"{site.url}/files/envipe.csv", fetcher, NOW)
    assert "CSV (','-separated, 11 columns, UTF-16)" in wide.answers["format"].evidence
    pdf = prefill(f"{site.url}/files/informe.pdf", fetcher, NOW).values()
    assert (pdf["format"], pdf["open_format"], pdf["bulk_download"]) == ("PDF", "no", "yes")
    zipped = prefill(f"{site.url}/files/datos.zip", fetcher, NOW)
    assert (zipped.values()["format"], zipped.values()["open_format"]) == ("ZIP", "yes")
    assert "a ZIP whose first file is datos/obra.csv" in zipped.answers["format"].evidence
    page = prefill(f"{site.url}/pagina", fetcher, NOW)
    assert page.values() == {"exists": "yes", "online": "yes", "url": f"{site.url}/pagina"}
    assert "HTML (a web page titled 'Datos de Obra'), not a catalog record" in page.problems[0]


def test_login_walls_payment_and_failures(site: Site, fetcher: Fetcher) -> None:
    wall = prefill(f"{site.url}/privado", fetcher, NOW)
    assert wall.values() == {"online": "yes", "registration_free": "no"}
    assert wall.answers["registration_free"].evidence == (
        f"GET {site.url}/privado → 401 text/html: it asks for a login"
    )
    login = prefill(f"{site.url}/cuenta/datos.csv", fetcher, NOW)
    assert login.values() == {"online": "yes", "registration_free": "no"}
    assert (
        f"via 1 redirect to {site.url}/cuenta/login?next=/datos" in login.answers["online"].evidence
    )
    paid = prefill(f"{site.url}/pago", fetcher, NOW)
    assert paid.values() == {"online": "yes", "free": "no"}
    gone = prefill(f"{site.url}/no-existe", fetcher, NOW)
    assert gone.answers == {}
    assert gone.problems == [f"could not read the URL: GET {site.url}/no-existe → 404 text/html"]
    closed = prefill(f"{site.url}/dataset/cerrado", fetcher, NOW).values()
    assert closed["registration_free"] == "no" and "free" not in closed
    unknown = prefill(f"{site.url}/dataset/no-hay", fetcher, NOW)
    assert unknown.answers == {} and "the catalog answers 'Not Found Error'" in unknown.problems[0]


def test_a_dataset_on_abierto_itself(portal: Portal) -> None:
    with Fetcher(allow_private=True) as fetcher:
        found = prefill(
            f"{portal.url}/datasets/obras",
            fetcher,
            utcnow(),
            frequency_hint="ANNUAL",
            portal=portal.url,
        )
        hidden = prefill(f"{portal.url}/datasets/secreto", fetcher, utcnow())
    values = found.values()
    assert "this portal's package_show of 'obras' describes it" in found.answers["exists"].evidence
    assert values["url"].startswith(f"{portal.url}/datasets/obras/resources/")
    assert (values["format"], values["open_format"], values["bulk_download"]) == (
        "CSV",
        "yes",
        "yes",
    )
    assert "5 columns" in found.answers["format"].evidence  # the second release added "Obra"
    assert (values["license"], values["open_license"]) == ("notspecified", "no")
    assert values["last_updated"] == utcnow().date().isoformat() and values["up_to_date"] == "yes"
    assert "the resources' last_modified" in found.answers["last_updated"].evidence
    # A private dataset tells an outsider nothing, exactly as the API does.
    assert hidden.answers == {} and "'Not Found Error'" in hidden.problems[0]
