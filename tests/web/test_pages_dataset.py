"""The dataset page over a live portal: metadata, Markdown, dictionary, resources, the
preview's sort/filter/paging (full page and htmx partial), history, views, escaping.

The preview is checked against the real CDMX bicycle-counter file read with Python's csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from abierto.app_context import AppContext
from abierto.catalog.models import Resource, Tag, Theme
from abierto.catalog.services import dataset_by_slug
from abierto.ingest.publish import PublishRequest, publish
from abierto.settings import Settings
from tests.accounts.people import portal_db
from tests.web.conftest import OBRAS_V1, OBRAS_V2, XSS, Portal, _serve, publish_csv

CICLISTAS = "csv/mx_cdmx_contador_ciclistas.csv"
OBRAS_V3 = "Municipio,Monto contratado,Fecha,Obra\nZapopan,10,31/12/2019,Puente\n"
STATIONS = 'Estación,Coordenadas\nCentro,"20.7108,-103.3952"\nNorte,"20.75,-103.4"\n'
DESCRIPTION = (
    "Conteo **diario** de ciclistas. Fuente: [INEGI](https://www.inegi.org.mx).\n\n"
    f"{XSS} [clic](javascript:alert(2)) <img src=x onerror=alert(3)>\n"
)
ROW_RE = re.compile(r"<tbody>(.*?)</tbody>", re.S)


def _rich_metadata(context: AppContext) -> None:
    with context.db.session() as session:
        dataset = dataset_by_slug(session, "ciclistas")
        assert dataset is not None
        dataset.description = DESCRIPTION
        dataset.license_id = "libre-uso-mx"
        dataset.frequency = "MONTHLY"
        dataset.temporal_start, dataset.temporal_end = dt.date(2013, 12, 5), dt.date(2020, 2, 29)
        dataset.spatial = "Ciudad de México"
        dataset.contact_name = "Secretaría de Movilidad"
        dataset.contact_email = "datos@semovi.cdmx.gob.mx"
        dataset.tags = [Tag(name="bicicletas"), Tag(name=f"t{XSS}")]
        dataset.themes = [Theme(slug="movilidad", name_es="Movilidad", name_en="Mobility")]
        table = dataset.resources[0]
        table.column_descriptions = {"dia": f"Día del mes {XSS}"}
        method = "https://semovi.cdmx.gob.mx/metodologia.pdf"
        dataset.resources += [
            Resource(name="metodologia", kind="link", format="PDF", position=1, url=method),
            Resource(
                name="malo", kind="link", format="HTML", position=2, url="javascript:alert(4)"
            ),
        ]
        dataset.resources[1].description = "**Cómo** se cuenta"
        obras = dataset_by_slug(session, "obras-x")
        assert obras is not None
        obras.license_id = "cc-by-nc-4.0"
        obras.spatial = "14120"  # an INEGI key, not a place name


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("pages-dataset")
    settings = Settings(home=root / "home", rate_limit="100000/minute", view_flush_seconds=0)
    context = AppContext.create(settings)
    try:
        request = PublishRequest(realdata / CICLISTAS, "cdmx", "ciclistas", "Ciclistas CDMX")
        with context.db.session() as session:
            publish(session, settings, context.store, request)
        for text in (OBRAS_V1, OBRAS_V2, OBRAS_V3):
            publish_csv(context, root, "obras-x", text, title=f"Obras {XSS}")
        publish_csv(context, root, "estaciones", STATIONS, title="Estaciones")
        _rich_metadata(context)
    finally:
        context.close()
    server, thread, url = _serve(settings)
    try:
        yield Portal(url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def rows(realdata: Path) -> list[list[str]]:
    with (realdata / CICLISTAS).open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[1:]


@pytest.fixture(scope="module")
def names(portal: Portal) -> list[str]:
    with portal.client() as http:
        body = http.get("/api/v1/datasets/ciclistas/resources/data/rows", params={"limit": 0})
        return [f["name"] for f in body.json()["fields"]]


def _cells(html: str) -> list[list[str]]:
    """The preview table's body cells, unescaped."""
    block = html[html.index('class="preview-table"') :]
    body = ROW_RE.search(block)
    assert body
    found = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [[htmllib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in found]


def _count(html: str) -> str:
    match = re.search(r'class="muted preview-count">([^<]*)<', html)
    assert match
    return match.group(1)


def test_metadata_table_and_open_licence_badge(client: httpx.Client) -> None:
    html = client.get("/datasets/ciclistas").text
    assert 'href="https://datos.gob.mx/libreusomx"' in html and "Términos de Libre Uso MX" in html
    assert '<span class="badge badge-ok">Abierta</span>' in html
    expected = (
        "Mensual",
        "2013-12-05 – 2020-02-29",
        "Ciudad de México",
        "Secretaría de Movilidad",
        'href="mailto:datos@semovi.cdmx.gob.mx"',
        'href="/search?tag=bicicletas"',
        'href="/search?theme=movilidad">Movilidad<',
        'href="/organizations/cdmx"',
    )
    for text in expected:
        assert text in html, text
    english = client.get("/datasets/ciclistas", params={"lang": "en"}).text
    assert "Monthly" in english and ">Mobility<" in english and "Update frequency" in english
    assert "<td>Español</td>" in html and "<td>Spanish</td>" in english
    closed = client.get("/datasets/obras-x").text
    assert '<span class="badge badge-warn">No abierta</span>' in closed
    assert "<td>Clave geoestadística INEGI 14120</td>" in closed


def test_markdown_description_is_rendered_and_sanitised(client: httpx.Client) -> None:
    html = client.get("/datasets/ciclistas").text
    assert "Conteo <strong>diario</strong> de ciclistas" in html
    assert '<a href="https://www.inegi.org.mx" rel="nofollow noopener">INEGI</a>' in html
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html.replace("[clic](javascript:alert(2))", "")
    assert 'href="javascript' not in html and "<img" not in html
    assert "t&lt;script&gt;" in html  # a tag name, escaped


def test_dictionary_merges_publisher_descriptions_and_shows_the_profile(
    client: httpx.Client, names: list[str]
) -> None:
    html = client.get("/datasets/ciclistas").text
    dictionary = html[html.index('class="dictionary"') :]
    assert (
        "<code>dia_de_la_semana</code>" in dictionary and "<td>Día de la semana</td>" in dictionary
    )
    assert "Día del mes &lt;script&gt;" in dictionary
    assert "<td>integer</td>" in dictionary and "<td>2013</td>" in dictionary  # min of año
    assert "Valores frecuentes" in dictionary  # top values of the profile
    assert len(names) == 7


def test_link_resources_keep_only_web_addresses(client: httpx.Client) -> None:
    html = client.get("/datasets/ciclistas").text
    assert 'href="https://semovi.cdmx.gob.mx/metodologia.pdf"' in html and ">PDF<" in html
    assert "<strong>Cómo</strong> se cuenta" in html
    assert "javascript:alert(4)" not in html and "Sin enlace válido." in html


def test_downloads_and_api_snippet(client: httpx.Client) -> None:
    html = client.get("/datasets/ciclistas").text
    for ext in ("csv", "json", "xlsx", "parquet"):
        assert f'href="/datasets/ciclistas/resources/data/data.{ext}"' in html
    assert "data.geojson" not in html  # no point column
    rows_url = "/api/v1/datasets/ciclistas/resources/data/rows"
    base = str(client.base_url).rstrip("/")
    assert f'curl "{base}{rows_url}?limit=10"' in html
    assert "import httpx" in html and f'"{base}{rows_url}",' in html
    assert client.get(rows_url, params={"limit": 1}).status_code == 200


def test_preview_first_page_matches_the_file(client: httpx.Client, rows: list[list[str]]) -> None:
    html = client.get("/datasets/ciclistas").text
    assert _count(html) == "Filas 1–25 de 2,435"
    cells = _cells(html)
    assert len(cells) == 25
    assert [c[:5] for c in cells] == [r[:5] for r in rows[:25]]
    assert 'rel="next"' in html and 'rel="prev"' not in html


def test_preview_sorts_by_a_column_both_ways(
    client: httpx.Client, rows: list[list[str]], names: list[str]
) -> None:
    counter = names[4]
    values = sorted(int(r[4]) for r in rows if r[4])
    html = client.get(
        "/datasets/ciclistas", params={"resource": "data", "sort": f"-{counter}"}
    ).text
    assert [int(c[4]) for c in _cells(html)] == values[::-1][:25]
    assert 'aria-sort="descending"' in html
    assert f"sort={counter}#preview-r1" in html  # the header now sorts ascending
    asc = client.get("/datasets/ciclistas", params={"sort": counter}).text
    assert [int(c[4]) for c in _cells(asc)] == values[:25]
    assert 'aria-sort="ascending"' in asc


def test_preview_filters_by_column_and_text(
    client: httpx.Client, rows: list[list[str]], names: list[str]
) -> None:
    domingos = [r for r in rows if r[0] == "domingo"]
    params = {"col": names[0], "op": "eq", "val": "domingo"}
    html = client.get("/datasets/ciclistas", params=params).text
    assert _count(html) == f"Filas 1–25 de {len(domingos):,}"
    assert {c[0] for c in _cells(html)} == {"domingo"}
    big = [r for r in rows if r[4] and int(r[4]) > 9000]
    params = {"col": names[4], "op": "gt", "val": "9000"}
    html = client.get("/datasets/ciclistas", params=params).text
    assert _count(html).endswith(f"de {len(big):,}")
    html = client.get("/datasets/ciclistas", params={"q": "septiembre"}).text
    septiembre = [r for r in rows if "septiembre" in r]
    assert _count(html).endswith(f"de {len(septiembre):,}")
    assert all("septiembre" in c for c in _cells(html))


def test_preview_pages(client: httpx.Client, rows: list[list[str]]) -> None:
    html = client.get("/datasets/ciclistas", params={"page": 2}).text
    assert _count(html) == "Filas 26–50 de 2,435"
    assert [c[:4] for c in _cells(html)] == [r[:4] for r in rows[25:50]]
    assert 'rel="prev"' in html and "Página 2 de 98" in html
    last = client.get("/datasets/ciclistas", params={"page": 98}).text
    assert _count(last) == "Filas 2,426–2,435 de 2,435" and 'rel="next"' not in last


def test_preview_partial_is_the_block_alone(client: httpx.Client, rows: list[list[str]]) -> None:
    url = "/datasets/ciclistas/resources/data/preview"
    response = client.get(url, params={"page": 3}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and html.lstrip().startswith('<div class="preview" id="preview-r1"')
    assert [c[:4] for c in _cells(html)] == [r[:4] for r in rows[50:75]]
    assert f'hx-get="{url}?page=4"' in html and 'hx-target="#preview-r1"' in html
    assert 'href="/datasets/ciclistas?resource=data&amp;page=4#preview-r1"' in html  # no-JS
    pushed = response.headers["hx-push-url"]
    assert pushed == "/datasets/ciclistas?resource=data&page=3#preview-r1"
    assert "hx-push-url" not in client.get(url, params={"page": 3}).headers  # not htmx
    english = client.get(url, params={"q": "lunes", "lang": "en"}, headers={"HX-Request": "true"})
    assert english.headers["hx-push-url"] == (
        "/datasets/ciclistas?resource=data&q=lunes&lang=en#preview-r1"
    )
    assert client.get("/datasets/ciclistas/resources/otro/preview").status_code == 404
    assert client.get("/datasets/ciclistas/resources/metodologia/preview").status_code == 404


def test_bad_filter_is_a_clear_message_not_an_error(client: httpx.Client, names: list[str]) -> None:
    html = client.get(
        "/datasets/ciclistas", params={"col": names[3], "op": "gt", "val": "dos mil"}
    ).text
    assert 'role="alert">No se pudo aplicar el filtro:' in html and "dos mil" in html
    assert _count(html) == "Filas 1–25 de 2,435"
    html = client.get("/datasets/ciclistas", params={"sort": "<b>x</b>"}).text
    assert "unknown column" in html and "<b>x</b>" not in html


def test_cell_values_and_titles_are_escaped(client: httpx.Client) -> None:
    for path in ("/datasets/obras-x", "/datasets/obras-x/resources/data/preview", "/"):
        html = client.get(path).text
        assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/datasets/obras-x").text


def test_history_shows_schema_changes_and_breaking_badge(client: httpx.Client) -> None:
    html = client.get("/datasets/obras-x").text
    history = html[html.index('class="history"') :]
    assert history.index('<td class="num">3</td>') < history.index('<td class="num">1</td>')
    assert '<span class="badge badge-danger">incompatible</span>' in history
    assert "se agregó «obra»" in history and "Primera versión" in history
    assert "Sin errores en 1 filas." in history or "Sin errores en 1 fila." in history
    assert 'href="/datasets/obras-x/resources/data/data.csv?release=2"' in history


def test_each_page_view_is_counted(portal: Portal, client: httpx.Client) -> None:
    def views() -> int:
        with portal_db(portal.settings) as session:
            dataset = dataset_by_slug(session, "obras-x")
            assert dataset is not None
            return dataset.view_count

    before = views()
    for _ in range(3):
        client.get("/datasets/obras-x")
    client.get("/datasets/obras-x/resources/data/preview")  # the partial is not a page view
    assert views() == before + 3


def test_a_point_column_adds_geojson_and_shows_lat_lon(client: httpx.Client) -> None:
    html = client.get("/datasets/estaciones").text
    assert 'href="/datasets/estaciones/resources/data/data.geojson"' in html
    assert [c[1] for c in _cells(html)] == ["20.7108,-103.3952", "20.75,-103.4"]


def test_cards_summarise_the_markdown_as_plain_text(client: httpx.Client) -> None:
    html = client.get("/").text
    card = html[html.index('href="/datasets/ciclistas"') :]
    summary = re.search(r'<p class="summary">(.*?)</p>', card, re.S)
    assert summary and summary.group(1).startswith("Conteo diario de ciclistas. Fuente: INEGI.")
    assert "**" not in summary.group(1) and "<strong>" not in summary.group(1)
    assert "&lt;script&gt;" in summary.group(1) and XSS not in html
