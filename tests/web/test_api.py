"""The JSON API, and the rule that private and draft datasets never show."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import Portal

HIDDEN = ["secreto", "borrador"]


def test_dataset_list(client: httpx.Client) -> None:
    body = client.get("/api/v1/datasets").json()
    assert body["total"] == 2
    assert [d["slug"] for d in body["items"]] == ["trampa", "obras"]
    obras = body["items"][1]
    assert obras["title"] == "Obra pública" and obras["row_count"] == 4
    assert obras["organization"]["slug"] == "zapopan"
    assert obras["last_release_at"].endswith("Z") and obras["url"] == "/datasets/obras"


def test_dataset_detail_summarizes_the_latest_release(client: httpx.Client) -> None:
    body = client.get("/api/v1/datasets/obras").json()
    [resource] = body["resources"]
    assert resource["name"] == "data"
    latest = resource["latest_release"]
    assert latest["number"] == 2 and latest["row_count"] == 4
    assert [c["name"] for c in latest["columns"]][-1] == "obra"
    assert latest["columns"][1] == {
        "name": "monto_contratado",
        "title": "Monto contratado",
        "type": "number",
        "format": "number",
        "description": "",
    }
    assert latest["report_summary"] == {
        "es": "Sin errores en 4 filas.",
        "en": "No errors in 4 rows.",
    }
    assert {c["kind"] for c in latest["diff"]["changes"]} == {"added"}
    assert latest["downloads"]["csv"] == "/datasets/obras/resources/data/data.csv"


def test_release_detail(client: httpx.Client, portal: Portal) -> None:
    first, second = portal.release_ids["obras"]
    body = client.get(f"/api/v1/releases/{second}").json()
    assert body["dataset"] == "obras" and body["number"] == 2
    assert [c["name"] for c in body["schema"]["columns"]][:2] == ["municipio", "monto_contratado"]
    assert body["profile"]["monto_contratado"]["max"] == 1200.5
    assert body["profile"]["fecha"]["min"] == "2019-12-31"
    assert body["report"]["valid"] is True and body["report"]["counts"] == {}
    assert body["detected"]["delimiter"] == ","
    assert body["notes"] == []
    assert body["diff"]["summary"]["en"].startswith("1 schema changes")
    old = client.get(f"/api/v1/releases/{first}").json()
    assert old["diff"] is None and old["downloads"]["csv"].endswith("?release=1")


def test_openapi_documents_the_responses(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"DatasetList", "DatasetDetail", "ReleaseDetail"} <= set(spec["components"]["schemas"])
    assert "schema" in spec["components"]["schemas"]["ReleaseDetail"]["properties"]
    assert "/api/v1/releases/{release_id}" in spec["paths"]


def test_unknown_ids_are_json_404(client: httpx.Client) -> None:
    response = client.get("/api/v1/releases/nope")
    assert response.status_code == 404 and response.json() == {"detail": "release not found"}


@pytest.mark.parametrize("slug", HIDDEN)
def test_hidden_datasets_are_404_everywhere(
    client: httpx.Client, portal: Portal, slug: str
) -> None:
    [release_id] = portal.release_ids[slug]
    base = f"/datasets/{slug}/resources/data"
    for path in (
        f"/datasets/{slug}",
        f"/api/v1/datasets/{slug}",
        f"/api/v1/releases/{release_id}",
        f"{base}/data.csv",
        f"{base}/data.parquet",
        f"{base}/data.csv?release=1",
    ):
        assert client.get(path).status_code == 404, path


def test_hidden_datasets_are_absent_from_lists(client: httpx.Client) -> None:
    listed = [d["slug"] for d in client.get("/api/v1/datasets").json()["items"]]
    assert not set(HIDDEN) & set(listed)
    home = client.get("/").text
    for text in ("secreto", "borrador", "Nómina", "Borrador oculto", "Confidencial"):
        assert text not in home
