"""The SODA 2.1 read layer, driven by the real sodapy client against a live server."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests
from sodapy import Socrata

from abierto.app_context import AppContext
from abierto.catalog.models import Release
from abierto.settings import Settings
from tests.web.conftest import SECRET, _serve, hide, publish_csv

ROWS = 60_000
COLONIAS = ["Centro", "Chapalita", "Providencia", "Tesistán", "Las Águilas"]


@dataclass
class Soda:
    url: str
    big: str  # resource ids
    small: str
    secret: str


def _big_csv(rows: int) -> str:
    rng = random.Random(7)
    lines = ["Folio,Colonia,Monto,Fecha,Pagado,Latitud,Longitud"]
    for n in range(rows):
        lines.append(
            f"{n + 1},{rng.choice(COLONIAS)},{rng.randint(1, 10_000)}.{rng.randint(0, 99):02d},"
            f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.choice(['Sí', 'No'])},"
            f"20.{rng.randint(600000, 760000)},-103.{rng.randint(300000, 460000)}"
        )
    return "\n".join(lines) + "\n"


def _resource_id(context: AppContext, release_id: str) -> str:
    with context.db.session() as session:
        return session.get(Release, release_id).resource_id


@pytest.fixture(scope="module")
def soda(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Soda]:
    root = tmp_path_factory.mktemp("soda")
    settings = Settings(home=root / "home")
    context = AppContext.create(settings)
    try:
        [big] = publish_csv(context, root, "pagos", _big_csv(ROWS), title="Pagos")
        [small] = publish_csv(
            context, root, "obras", "Obra,Monto\nPuente,10\nCalle,20\n", title="Obras"
        )
        [secret] = publish_csv(context, root, "secreto", SECRET, title="Secreto")
        hide(context, "secreto", private=True)
        ids = [_resource_id(context, r) for r in (big, small, secret)]
    finally:
        context.close()
    server, thread, url = _serve(settings)
    try:
        yield Soda(url, *ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(soda: Soda) -> Iterator[Socrata]:
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    domain = soda.url.removeprefix("http://")
    with Socrata(domain, None, session_adapter=adapter, timeout=60) as socrata:
        yield socrata


def test_get_default_page_and_types(client: Socrata, soda: Soda) -> None:
    rows = client.get(soda.big)
    assert len(rows) == 1000  # SODA's default $limit
    first = rows[0]
    assert first["folio"] == "1"
    assert isinstance(first["monto"], str) and float(first["monto"]) > 0
    assert first["fecha"].endswith("T00:00:00.000")
    assert isinstance(first["pagado"], bool)


def test_where_select_and_group_aggregates(client: Socrata, soda: Soda) -> None:
    big = client.get(soda.big, where="monto > 9000 AND colonia = 'Centro'", limit=100_000)
    assert big and all(float(r["monto"]) > 9000 and r["colonia"] == "Centro" for r in big)
    groups = client.get(
        soda.big,
        select="colonia, count(*) AS n, sum(monto) AS total",
        group="colonia",
        order="colonia",
    )
    assert [g["colonia"] for g in groups] == sorted(COLONIAS)
    assert sum(int(g["n"]) for g in groups) == ROWS
    per_colonia = {g["colonia"]: int(g["n"]) for g in groups}
    centro = client.get(soda.big, select="count(*)", where="colonia = 'Centro'")
    assert int(centro[0]["count"]) == per_colonia["Centro"]


def test_get_all_pages_over_every_row_once(client: Socrata, soda: Soda) -> None:
    folios = [int(r["folio"]) for r in client.get_all(soda.big, select="folio", limit=50_000)]
    assert len(folios) == ROWS
    assert folios == list(range(1, ROWS + 1))


def test_requested_limit_is_honoured_beyond_50000(client: Socrata, soda: Soda) -> None:
    rows = client.get(soda.big, select="folio", limit=55_000)
    assert len(rows) == 55_000


def test_equality_filter_full_text_and_query(client: Socrata, soda: Soda) -> None:
    rows = client.get(soda.big, colonia="Tesistán", limit=5)
    assert len(rows) == 5 and {r["colonia"] for r in rows} == {"Tesistán"}
    found = client.get(soda.big, q="tesistan", limit=5)
    assert {r["colonia"] for r in found} == {"Tesistán"}
    query = client.get(
        soda.big, query="SELECT folio WHERE folio IN (1, 2, '3') ORDER BY folio DESC"
    )
    assert [r["folio"] for r in query] == ["3", "2", "1"]


def test_soda_headers_and_errors(soda: Soda) -> None:
    with httpx.Client(base_url=soda.url) as http:
        response = http.get(f"/resource/{soda.small}.json")
        assert response.headers["X-SODA2-Fields"] == '["obra", "monto"]'
        assert response.headers["X-SODA2-Types"] == '["text", "number"]'
        assert response.json() == [
            {"obra": "Puente", "monto": "10"},
            {"obra": "Calle", "monto": "20"},
        ]
        again = http.get(
            f"/resource/{soda.small}.json", headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304
        bad = http.get(f"/resource/{soda.small}.json", params={"$where": "nada = 1"})
        assert bad.status_code == 400
        assert bad.json()["code"] == "query.soql.no-such-column"
        assert "nada" in bad.json()["message"]
        attack = http.get(
            f"/resource/{soda.small}.json", params={"$where": "obra = 'x'; DROP TABLE t"}
        )
        assert attack.status_code == 400
        assert http.get(f"/resource/{soda.secret}.json").status_code == 404
        assert http.get(f"/api/views/{soda.secret}.json").status_code == 404


def test_csv_geojson_row_and_metadata(soda: Soda) -> None:
    with httpx.Client(base_url=soda.url) as http:
        text = http.get(f"/resource/{soda.small}.csv").text
        assert list(csv.reader(io.StringIO(text))) == [
            ["obra", "monto"],
            ["Puente", "10"],
            ["Calle", "20"],
        ]
        row = http.get(f"/resource/{soda.big}/2.json").json()
        assert row["folio"] == "2"
        assert http.get(f"/resource/{soda.big}/{ROWS + 1}.json").status_code == 404
        meta = http.get(f"/api/views/{soda.big}.json").json()
        assert [c["fieldName"] for c in meta["columns"]][:2] == ["folio", "colonia"]
        assert meta["metadata"]["rowCount"] == ROWS
        geo = http.get(f"/resource/{soda.big}.geojson", params={"$limit": 3}).json()
        assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
        assert geo["features"][0]["geometry"]["type"] == "Point"
        lon, lat = geo["features"][0]["geometry"]["coordinates"]
        assert 20 < lat < 21 and -104 < lon < -103


def test_pages_share_one_stable_order(soda: Soda, tmp_path: Path) -> None:
    with httpx.Client(base_url=soda.url) as http:
        pages = [
            http.get(
                f"/resource/{soda.big}.json",
                params={
                    "$select": "folio",
                    "$where": "colonia = 'Centro'",
                    "$limit": 500,
                    "$offset": offset,
                },
            ).json()
            for offset in range(0, 2000, 500)
        ]
    folios = [int(r["folio"]) for page in pages for r in page]
    assert folios == sorted(folios) and len(set(folios)) == len(folios)
