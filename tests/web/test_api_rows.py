"""The data API over a live server: filters, sort, paging, cursors, aggregates, formats."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from abierto.app_context import AppContext
from abierto.settings import Settings
from tests.web.conftest import SECRET, _serve, hide, publish_csv

ROWS = 3_000
COLONIAS = ["Centro", "Chapalita", "Providencia", "Tesistán", None]
BASE = "/api/v1/datasets/pagos/resources/data"


@dataclass
class Server:
    url: str
    rows: list[dict]


def _table(rows: int) -> tuple[str, list[dict]]:
    rng = random.Random(3)
    records = []
    lines = ["Folio,Colonia,Monto,Fecha,Pagado"]
    for n in range(rows):
        record = {
            "folio": n + 1,
            "colonia": rng.choice(COLONIAS),
            "monto": rng.choice([None, round(rng.uniform(1, 1000), 2)]),
            "fecha": f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "pagado": rng.choice([True, False]),
        }
        records.append(record)
        monto = "" if record["monto"] is None else record["monto"]
        pagado = "Sí" if record["pagado"] else "No"
        lines.append(
            f"{record['folio']},{record['colonia'] or ''},{monto},{record['fecha']},{pagado}"
        )
    return "\n".join(lines) + "\n", records


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("rows")
    settings = Settings(home=root / "home", rate_limit="")
    text, records = _table(ROWS)
    context = AppContext.create(settings)
    try:
        publish_csv(context, root, "pagos", text, title="Pagos")
        publish_csv(context, root, "secreto", SECRET, title="Secreto")
        hide(context, "secreto", private=True)
    finally:
        context.close()
    uvicorn_server, thread, url = _serve(settings)
    try:
        yield Server(url, records)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def rows(http: httpx.Client, **params: object) -> dict:
    response = http.get(f"{BASE}/rows", params={"shape": "objects", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_fields_and_default_page(http: httpx.Client, server: Server) -> None:
    document = rows(http)
    assert [f["name"] for f in document["fields"]] == [
        "folio",
        "colonia",
        "monto",
        "fecha",
        "pagado",
    ]
    assert [f["type"] for f in document["fields"]][2:] == ["number", "date", "boolean"]
    assert len(document["rows"]) == 100
    assert document["rows"][0]["fecha"] == server.rows[0]["fecha"]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"monto__gt": "500"}, lambda r: r["monto"] is not None and r["monto"] > 500),
        ({"monto__lte": "10.5"}, lambda r: r["monto"] is not None and r["monto"] <= 10.5),
        ({"colonia": "Centro"}, lambda r: r["colonia"] == "Centro"),
        ({"colonia__ne": "Centro"}, lambda r: r["colonia"] not in (None, "Centro")),
        ({"colonia__in": "Centro,Chapalita"}, lambda r: r["colonia"] in ("Centro", "Chapalita")),
        ({"colonia__contains": "tesistan"}, lambda r: r["colonia"] == "Tesistán"),
        ({"colonia__startswith": "CHA"}, lambda r: r["colonia"] == "Chapalita"),
        ({"colonia__isnull": "true"}, lambda r: r["colonia"] is None),
        ({"monto__isnull": "false"}, lambda r: r["monto"] is not None),
        ({"fecha__gte": "2020-12-01"}, lambda r: r["fecha"] >= "2020-12-01"),
        ({"pagado": "sí"}, lambda r: r["pagado"]),
        ({"q": "providencia"}, lambda r: r["colonia"] == "Providencia"),
    ],
)
def test_filters(http: httpx.Client, server: Server, params: dict, keep) -> None:  # type: ignore[no-untyped-def]
    document = rows(http, limit=10_000, include_total="true", select="folio", **params)
    expected = [r["folio"] for r in server.rows if keep(r)]
    assert [int(r["folio"]) for r in document["rows"]] == expected
    assert document["total"] == len(expected)


def test_order_and_offset(http: httpx.Client, server: Server) -> None:
    document = rows(http, order="-monto,folio", select="folio,monto", limit=50, offset=10)
    ordered = sorted(
        server.rows, key=lambda r: (r["monto"] is None, -(r["monto"] or 0), r["folio"])
    )
    assert [int(r["folio"]) for r in document["rows"]] == [r["folio"] for r in ordered[10:60]]


@pytest.mark.parametrize("order", ["", "colonia,-monto", "-fecha"])
def test_cursor_pages_every_row_exactly_once(http: httpx.Client, order: str) -> None:
    seen: list[int] = []
    params: dict[str, object] = {
        "select": "folio",
        "limit": 700,
        **({"order": order} if order else {}),
    }
    while True:
        document = rows(http, **params)
        seen += [int(r["folio"]) for r in document["rows"]]
        if not document["next_cursor"]:
            break
        params["cursor"] = document["next_cursor"]
    assert sorted(seen) == list(range(1, ROWS + 1))


def test_group_by_aggregates(http: httpx.Client, server: Server) -> None:
    document = rows(http, group_by="colonia", count="", sum="monto", max="fecha", order="colonia")
    by = {r["colonia"]: r for r in document["rows"]}
    centro = [r for r in server.rows if r["colonia"] == "Centro"]
    assert by["Centro"]["count"] == len(centro)
    assert by["Centro"]["sum_monto"] == pytest.approx(sum(r["monto"] or 0 for r in centro))
    assert by["Centro"]["max_fecha"] == max(r["fecha"] for r in centro)
    assert sum(r["count"] for r in document["rows"]) == ROWS


def test_facets(http: httpx.Client, server: Server) -> None:
    response = http.get(f"{BASE}/facets", params={"columns": "colonia", "pagado": "true"})
    counts = {f["value"]: f["count"] for f in response.json()["facets"]["colonia"]}
    assert counts["Centro"] == sum(
        1 for r in server.rows if r["colonia"] == "Centro" and r["pagado"]
    )


def test_csv_and_ndjson(http: httpx.Client) -> None:
    text = http.get(
        f"{BASE}/rows", params={"format": "csv", "limit": 3, "select": "folio,colonia"}
    ).text
    assert next(csv.reader(io.StringIO(text))) == ["folio", "colonia"]
    lines = http.get(f"{BASE}/rows", params={"format": "ndjson", "limit": 3}).text.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["folio"] == "1"


def test_errors_name_the_parameter(http: httpx.Client) -> None:
    for params, param in [
        ({"nada": "1"}, "nada"),
        ({"monto__gt": "mucho"}, "monto__gt"),
        ({"monto__like": "1"}, "monto__like"),
        ({"limit": "20000"}, "limit"),
        ({"order": "nada"}, "order"),
        ({"cursor": "basura"}, "cursor"),
        ({"colonia": "x'; DROP TABLE t; --", "select": 'folio" FROM x; --'}, "select"),
    ]:
        response = http.get(f"{BASE}/rows", params=params)
        assert response.status_code == 400, params
        assert response.json()["param"] == param


def test_injection_in_values_is_just_a_value(http: httpx.Client) -> None:
    document = rows(http, colonia="x' OR '1'='1")
    assert document["rows"] == []


def test_etag_and_private(http: httpx.Client) -> None:
    first = http.get(f"{BASE}/rows", params={"limit": 5})
    again = http.get(
        f"{BASE}/rows", params={"limit": 5}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert http.get("/api/v1/datasets/secreto/resources/data/rows").status_code == 404
    release = first.json()["release"]["id"]
    assert http.get(f"/api/v1/releases/{release}/rows", params={"limit": 1}).status_code == 200
