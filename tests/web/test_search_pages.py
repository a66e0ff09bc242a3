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
