"""The HTML portal and the downloads, over real HTTP."""

from __future__ import annotations

import csv
import io

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from tests.web.conftest import XSS

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
V2_ROWS = [
    ["Zapopan", "1200.5", "2019-12-31", XSS, "Puente"],
    ["Tlaquepaque", "300.0", "2020-01-01", "ok", "Calle"],
    ["Tonalá", "50.25", "2020-01-02", "", "Parque"],
    ["Zapotlanejo", "75.0", "2020-01-03", "", "Banqueta"],
]


def test_health(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_home_lists_public_datasets_newest_first(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="es">' in html and "Conjuntos de datos publicados" in html
    assert 'href="/datasets/obras"' in html and "Obra pública" in html
    assert html.index("/datasets/trampa") < html.index("/datasets/obras")  # newest first
    assert "zapopan" in html  # the organization
    assert "<dd>2</dd>" in html and "<dd>7</dd>" in html  # public datasets; rows: 4 + 3


def test_dataset_page_shows_dictionary_preview_report_and_history(client: httpx.Client) -> None:
    response = client.get("/datasets/obras")
    assert response.status_code == 200
    html = response.text
    for title in ("Municipio", "Monto contratado", "Fecha", "Nota", "Obra"):
        assert f">{title}</th>" in html or f"<td>{title}</td>" in html
    assert "<code>monto_contratado</code>" in html and "<td>number</td>" in html
    for value in ("Tlaquepaque", "1200.5", "2019-12-31", "Banqueta"):
        assert f"<td>{value}</td>" in html
    assert "Sin errores en 4 filas." in html
    assert "Historial de versiones" in html and "se agregó «obra»" in html
    assert 'href="/datasets/obras/resources/data/data.csv?release=1"' in html


def test_html_escapes_titles_and_values(client: httpx.Client) -> None:
    for path in ("/", "/datasets/trampa", "/datasets/obras"):
        html = client.get(path).text
        assert XSS not in html
        assert ESCAPED in html


def test_english_switch(client: httpx.Client) -> None:
    html = client.get("/datasets/obras", params={"lang": "en"}).text
    assert '<html lang="en">' in html
    assert "Data dictionary" in html and "No errors in 4 rows." in html
    assert 'href="/lang/es?next=%2Fdatasets%2Fobras"' in html  # the switch back to Spanish
    assert 'href="/?lang=en"' in html  # links keep the language


def test_unknown_dataset_is_a_spanish_404_page(client: httpx.Client) -> None:
    response = client.get("/datasets/no-existe")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Página no encontrada" in response.text


def test_csv_download_has_the_published_values(client: httpx.Client) -> None:
    response = client.get("/datasets/obras/resources/data/data.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "obras-data-v2.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["municipio", "monto_contratado", "fecha", "nota", "obra"]
    assert rows[1:] == V2_ROWS


def test_csv_download_of_an_earlier_release(client: httpx.Client) -> None:
    response = client.get("/datasets/obras/resources/data/data.csv", params={"release": 1})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["municipio", "monto_contratado", "fecha", "nota"]
    assert rows[2] == ["Tlaquepaque", "300.0", "2020-01-01", 'Puente & "calle"']
    assert len(rows) == 4


def test_parquet_download_is_readable(client: httpx.Client) -> None:
    response = client.get("/datasets/obras/resources/data/data.parquet")
    assert response.status_code == 200
    table = pq.read_table(pa.BufferReader(response.content))
    assert table.num_rows == 4
    assert table.column("monto_contratado").to_pylist() == [1200.5, 300.0, 50.25, 75.0]
    old = client.get("/datasets/obras/resources/data/data.parquet", params={"release": 1})
    assert pq.read_table(pa.BufferReader(old.content)).column_names[-1] == "nota"


def test_unknown_release_or_resource_is_404(client: httpx.Client) -> None:
    base = "/datasets/obras/resources"
    assert client.get(f"{base}/data/data.csv", params={"release": 9}).status_code == 404
    assert client.get(f"{base}/otro/data.parquet").status_code == 404
