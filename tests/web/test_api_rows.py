"""The data API over a live server: filters, sort, paging, cursors, aggregates, facets, every
export format parsed back, the download URLs, ETags, gzip, visibility and time limits."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from abierto.accounts import services
from abierto.app_context import AppContext
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.ingest.publish import PublishRequest, publish
from abierto.query import export_cache
from abierto.query.engine import engine_for
from abierto.settings import Settings
from abierto.web.api_rows import json_body
from tests.realdata import real_file
from tests.web.conftest import SECRET, _serve, hide, publish_csv

ROWS = 3_000
COLONIAS = ["Centro", "Chapalita", "Providencia", "Tesistán", None]
BASE = "/api/v1/datasets/pagos/resources/data"
GEO = "Nombre,Latitud,Longitud\nCentro,20.67,-103.35\nSin punto,,\nTesistán,20.79,-103.47\n"
EPP = "pe_minsa_adquisiciones_epp.csv"


@dataclass
class Server:
    url: str
    rows: list[dict]
    settings: Settings


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
        publish_csv(context, root, "borrador", SECRET, title="Borrador")
        hide(context, "borrador", draft=True)
        publish_csv(context, root, "sitios", GEO, title="Sitios")
        _publish_path(context, real_file("csv", EPP), "epp")
    finally:
        context.close()
    uvicorn_server, thread, url = _serve(settings)
    try:
        yield Server(url, records, settings)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)


def _publish_path(context: AppContext, path: Path, slug: str) -> None:
    request = PublishRequest(path=path, organization="minsa", dataset=slug, title="EPP")
    with context.db.session() as session:
        publish(session, context.settings, context.store, request)


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


# -- formats --------------------------------------------------------------------------------


def test_every_format_through_the_extension(http: httpx.Client, server: Server) -> None:
    params = {"colonia": "Centro", "select": "folio,monto,fecha,pagado"}
    expected = [r for r in server.rows if r["colonia"] == "Centro"]
    folios = [str(r["folio"]) for r in expected]

    got = http.get(f"{BASE}/rows.csv", params=params)
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(got.text)))
    assert table[0] == ["folio", "monto", "fecha", "pagado"]
    assert [r[0] for r in table[1:]] == folios  # every matching row, not one page

    lines = http.get(f"{BASE}/rows.ndjson", params=params).text.splitlines()
    assert [json.loads(line)["folio"] for line in lines] == folios

    parquet = http.get(f"{BASE}/rows.parquet", params=params)
    back = pq.read_table(io.BytesIO(parquet.content)).to_pylist()
    assert [r["folio"] for r in back] == folios
    assert [r["pagado"] for r in back] == [r["pagado"] for r in expected]
    assert [r["fecha"] for r in back] == [dt.date.fromisoformat(r["fecha"]) for r in expected]

    xlsx = http.get(f"{BASE}/rows.xlsx", params=params)
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert cells[0] == ["folio", "monto", "fecha", "pagado"]
    assert [str(r[0]) for r in cells[1:]] == folios
    assert [r[3] for r in cells[1:]] == [r["pagado"] for r in expected]

    same = http.get(f"{BASE}/rows", params={**params, "format": "csv"})
    assert same.text == got.text


def test_geojson_of_a_table_with_latitude_and_longitude(http: httpx.Client) -> None:
    response = http.get("/api/v1/datasets/sitios/resources/data/rows.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    document = response.json()
    assert document["type"] == "FeatureCollection"
    first, middle, _ = document["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [-103.35, 20.67]}
    assert first["properties"]["nombre"] == "Centro"
    assert middle["geometry"] is None and middle["properties"]["nombre"] == "Sin punto"
    no_point = http.get(f"{BASE}/rows.geojson")
    assert no_point.status_code == 400 and no_point.json()["param"] == "format"


def test_unknown_format(http: httpx.Client) -> None:
    for response in (http.get(f"{BASE}/rows.exe"), http.get(f"{BASE}/rows?format=exe")):
        assert response.status_code == 400 and response.json()["param"] == "format"


def test_gzip_when_asked(http: httpx.Client) -> None:
    for path, params in ((f"{BASE}/rows", {"limit": 500}), (f"{BASE}/rows.csv", {})):
        raw = http.build_request("GET", path, params=params, headers={"Accept-Encoding": "gzip"})
        response = http.send(raw, stream=True)
        body = b"".join(response.iter_raw())
        response.close()
        assert response.headers["content-encoding"] == "gzip"
        assert len(gzip.decompress(body)) > len(body)
        plain = http.get(path, params=params, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert gzip.decompress(body) == plain.content


def test_shape_objects_and_arrays(http: httpx.Client) -> None:
    arrays = http.get(f"{BASE}/rows", params={"limit": 2, "select": "folio,pagado"}).json()
    assert arrays["rows"] == [["1", arrays["rows"][0][1]], ["2", arrays["rows"][1][1]]]
    objects = rows(http, limit=2, select="folio,pagado")
    assert [list(r.values()) for r in objects["rows"]] == arrays["rows"]
    bad = http.get(f"{BASE}/rows", params={"shape": "tabla"})
    assert bad.status_code == 400 and bad.json()["param"] == "shape"


# -- the download URLs ------------------------------------------------------------------------


def test_downloads_in_every_format(http: httpx.Client, server: Server) -> None:
    base = "/datasets/pagos/resources/data"
    csv_rows = list(csv.reader(io.StringIO(http.get(f"{base}/data.csv").text)))
    assert len(csv_rows) == ROWS + 1
    as_json = http.get(f"{base}/data.json")
    assert as_json.headers["content-disposition"] == 'attachment; filename="pagos-data-v1.json"'
    assert [r["folio"] for r in as_json.json()] == [r[0] for r in csv_rows[1:]]
    lines = http.get(f"{base}/data.ndjson").text.splitlines()
    assert len(lines) == ROWS
    xlsx = http.get(f"{base}/data.xlsx").content
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0)
    assert len(sheet.to_python()) == ROWS + 1
    parquet = http.get(f"{base}/data.parquet")
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == ROWS
    geo = http.get("/datasets/sitios/resources/data/data.geojson").json()
    assert len(geo["features"]) == 3
    assert http.get(f"{base}/data.geojson").status_code == 400
    assert http.get(f"{base}/data.exe").status_code == 400
    filtered = http.get(f"{base}/data.csv", params={"colonia": "Centro"}).text.splitlines()
    assert len(filtered) - 1 == sum(1 for r in server.rows if r["colonia"] == "Centro")
    assert http.head(f"{base}/data.xlsx").status_code == 200


def test_downloads_revalidate(http: httpx.Client) -> None:
    url = "/datasets/pagos/resources/data/data.csv"
    first = http.get(url)
    assert first.headers["last-modified"].endswith("GMT")
    again = http.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = http.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    other = http.get(f"{url}?colonia=Centro", headers={"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200


# -- visibility, limits, real data ------------------------------------------------------------


@pytest.mark.parametrize("slug", ["secreto", "borrador"])
def test_private_and_draft_tables_are_not_found(http: httpx.Client, slug: str) -> None:
    for path in (
        f"/api/v1/datasets/{slug}/resources/data/rows",
        f"/api/v1/datasets/{slug}/resources/data/rows.csv",
        f"/api/v1/datasets/{slug}/resources/data/facets?columns=nombre",
        f"/datasets/{slug}/resources/data/data.csv",
        f"/datasets/{slug}/resources/data/data.parquet",
        f"/datasets/{slug}/resources/data/data.xlsx",
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        assert "Confidencial" not in response.text


def test_release_routes_hide_private_releases(http: httpx.Client, server: Server) -> None:
    context = AppContext.create(server.settings)
    try:
        with context.db.session() as session:
            dataset = dataset_by_slug(session, "secreto")
            assert dataset is not None
            release_id = dataset.resources[0].releases[-1].id
    finally:
        context.close()
    assert http.get(f"/api/v1/releases/{release_id}/rows").status_code == 404
    assert http.get(f"/api/v1/releases/{release_id}/rows.csv").status_code == 404
    assert http.get(f"/api/v1/releases/{release_id}/facets?columns=nombre").status_code == 404


def test_a_table_made_private_is_refused_at_once(http: httpx.Client, server: Server) -> None:
    """Its release row and decoded row groups stay in the server's memory; the read rule is
    still asked on every request."""
    release = rows(http, limit=1)["release"]["id"]
    paths = [
        f"{BASE}/rows?limit=5",
        f"{BASE}/rows.csv?limit=5",
        f"{BASE}/facets?columns=pagado",
        f"/api/v1/releases/{release}/rows?offset=200",
        "/datasets/pagos/resources/data/data.csv",
    ]
    assert [http.get(p).status_code for p in paths] == [200] * 5
    context = AppContext.create(server.settings)
    try:
        hide(context, "pagos", private=True)
        try:
            assert [http.get(p).status_code for p in paths] == [404] * 5
        finally:
            hide(context, "pagos")
    finally:
        context.close()
    assert [http.get(p).status_code for p in paths] == [200] * 5


def test_release_facets(http: httpx.Client, server: Server) -> None:
    release = rows(http, limit=1)["release"]["id"]
    response = http.get(f"/api/v1/releases/{release}/facets", params={"columns": "pagado"})
    counts = {f["value"]: f["count"] for f in response.json()["facets"]["pagado"]}
    assert counts == {
        True: sum(r["pagado"] for r in server.rows),
        False: sum(not r["pagado"] for r in server.rows),
    }
    bad = http.get(f"{BASE}/facets", params={"columns": "nada"})
    assert bad.status_code == 400 and bad.json()["param"] == "columns"


def test_busy_engine_answers_503(http: httpx.Client, server: Server) -> None:
    rows(http, limit=1)  # the server's engine exists
    engine = engine_for(server.settings)
    wait, engine.wait = engine.wait, 0.05
    held = []
    try:
        for _ in range(16):  # every slot
            try:
                cursor = engine.cursor(wait=0)
                cursor.__enter__()
                held.append(cursor)
            except Exception:
                break
        response = http.get(f"{BASE}/rows", params={"limit": 1, "order": "folio"})
        cached = http.get(f"{BASE}/rows", params={"limit": 1})  # sliced from memory
    finally:
        for cursor in held:
            cursor.__exit__(None, None, None)
        engine.wait = wait
    assert cached.status_code == 200
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "busy" in response.json()["detail"]
    assert http.get(f"{BASE}/rows", params={"limit": 1}).status_code == 200


def test_real_file_rows_and_exports_agree(http: httpx.Client) -> None:
    base = "/api/v1/datasets/epp/resources/data"
    params = {"producto__contains": "mascarilla", "order": "-cantidad"}
    document = http.get(f"{base}/rows", params={**params, "include_total": "true"}).json()
    assert [f["type"] for f in document["fields"]] == ["date", "text", "text", "text", "integer"]
    assert document["total"] == len(document["rows"]) > 0
    cantidades = [r[4] for r in document["rows"]]
    assert cantidades == sorted(cantidades, key=lambda c: (c is None, -(c or 0)))
    assert all("MASCARILLA" in r[3].upper() for r in document["rows"])
    exported = list(csv.reader(io.StringIO(http.get(f"{base}/rows.csv", params=params).text)))
    assert [int(r[4]) if r[4] else None for r in exported[1:]] == cantidades
    by_month = http.get(
        f"{base}/rows", params={"group_by": "fecha", "sum": "cantidad", "order": "fecha"}
    ).json()
    total = http.get(f"{base}/rows", params={"sum": "cantidad"}).json()["rows"][0][0]
    assert sum(r[1] or 0 for r in by_month["rows"]) == total


def test_members_read_private_tables_that_shared_caches_do_not_keep(
    http: httpx.Client, server: Server
) -> None:
    context = AppContext.create(server.settings)
    try:
        with context.db.session() as session:
            user = services.create_user(session, "filas-miembro", "filas@example.org", "x" * 16)
            org = get_or_create_organization(session, "zapopan")
            services.set_membership(session, user, org, "member")
            token, _ = services.create_token(session, user, "rows tests")
    finally:
        context.close()
    auth = {"Authorization": f"Bearer {token}"}
    response = http.get("/api/v1/datasets/secreto/resources/data/rows", headers=auth)
    assert response.status_code == 200
    assert response.json()["rows"][0][0] == "Juana Pérez Confidencial"
    assert response.headers["cache-control"] == "private, no-cache"
    download = http.get("/datasets/secreto/resources/data/data.csv", headers=auth)
    assert download.status_code == 200 and "Confidencial" in download.text
    public = http.get(f"{BASE}/rows", params={"limit": 1})
    assert public.headers["cache-control"] == "no-cache"


def test_whole_downloads_are_made_once(http: httpx.Client, server: Server) -> None:
    kept = export_cache.folder(server.settings)
    url = "/datasets/sitios/resources/data/data.ndjson"
    plain = http.get(url, headers={"Accept-Encoding": "identity"})
    files = {p.name: p.stat().st_ino for p in kept.iterdir()}
    assert any(name.endswith(".ndjson") for name in files)
    raw = http.build_request("GET", url, headers={"Accept-Encoding": "gzip"})
    zipped = http.send(raw, stream=True)
    body = b"".join(zipped.iter_raw())
    zipped.close()
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(body)
    assert gzip.decompress(body) == plain.content
    again = http.get(url, headers={"Accept-Encoding": "identity"})
    assert again.content == plain.content
    for name, inode in files.items():  # served from the kept file, not made again
        assert (kept / name).stat().st_ino == inode
    before = set(p.name for p in kept.iterdir())
    http.get(url, params={"nombre": "Centro"})
    assert set(p.name for p in kept.iterdir()) == before  # filtered exports are not kept


def test_json_bodies_are_valid_json_whatever_the_numbers() -> None:
    document = {"rows": [[2**70, float("nan"), "Tesistán", None, 1.5]]}
    assert json.loads(json_body(document)) == {"rows": [[2**70, None, "Tesistán", None, 1.5]]}
    assert json_body({"rows": [[float("inf"), 3]]}) == b'{"rows":[[null,3]]}'
