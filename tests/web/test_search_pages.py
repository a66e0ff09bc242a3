"""The search page and the search API over the live portal."""

from __future__ import annotations

import httpx


def test_search_page_finds_accentless_and_hides_private(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "obra publica"})
    assert page.status_code == 200
    assert 'href="/datasets/obras"' in page.text
    assert "Nómina secreta" not in client.get("/search", params={"q": "nomina"}).text
    assert "Borrador oculto" not in client.get("/search").text


def test_search_page_facets_work_without_javascript(client: httpx.Client) -> None:
    page = client.get("/search", params={"organization": "zapopan", "sort": "name"})
    assert 'name="organization" value="zapopan"' in page.text and "checked" in page.text
    assert page.text.index("/datasets/obras") < page.text.index("/datasets/trampa")
    english = client.get("/search", params={"lang": "en"})
    assert "Search data" in english.text


def test_search_page_escapes_the_query(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text


def test_search_api_with_facets(client: httpx.Client) -> None:
    body = client.get("/api/v1/datasets", params={"q": "obra", "limit": 10}).json()
    assert body["items"][0]["slug"] == "obras"
    assert {f["value"] for f in body["facets"]["organization"]} == {"zapopan"}
    everything = client.get("/api/v1/datasets", params={"format": "CSV"}).json()
    assert {item["slug"] for item in everything["items"]} == {"obras", "trampa"}
    assert client.get("/api/v1/datasets", params={"tag": "nada"}).json()["total"] == 0


def test_search_results_show_formats_and_english_labels(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "obra"})
    assert '<span class="format">CSV</span>' in page.text
    english = client.get("/search", params={"q": "obra", "lang": "en"})
    assert "Format" in english.text and "Updated" in english.text


def test_search_api_counts_only_readable_datasets(client: httpx.Client) -> None:
    body = client.get("/api/v1/datasets").json()
    assert body["total"] == 2
    assert body["facets"]["organization"] == [
        {"value": "zapopan", "label": "zapopan", "count": 2}
    ]  # the private and the draft dataset of zapopan are not counted
    assert body["facets"]["format"] == [{"value": "CSV", "label": "CSV", "count": 2}]
    assert client.get("/api/v1/datasets", params={"q": "secreta"}).json()["total"] == 0
    paged = client.get("/api/v1/datasets", params={"sort": "name", "limit": 1, "offset": 1})
    assert [item["slug"] for item in paged.json()["items"]] == ["trampa"]
    assert paged.json()["total"] == 2


def test_search_api_is_documented(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    parameters = {p["name"] for p in spec["paths"]["/api/v1/datasets"]["get"]["parameters"]}
    assert {"q", "organization", "theme", "tag", "format", "license", "frequency"} <= parameters
    assert "facets" in spec["components"]["schemas"]["DatasetList"]["properties"]
