"""``/api/v1/sql`` over the live portal: names, formats, permissions, escapes, limits."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from abierto.accounts import services
from abierto.accounts.permissions import ANONYMOUS, Actor
from abierto.app_context import AppContext
from abierto.catalog.services import dataset_by_slug, get_or_create_organization
from abierto.query import sandbox
from abierto.web.api_sql import resolve_table
from tests.web.conftest import OBRAS_V1, OBRAS_V2, SECRET, Portal, hide, publish_csv

SQL = "/api/v1/sql"


def run(client: httpx.Client, sql: str, **params: object) -> httpx.Response:
    return client.get(SQL, params={"sql": sql, **params})


def rows(client: httpx.Client, sql: str, **params: object) -> list[list[object]]:
    response = run(client, sql, **params)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def still_answers(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert rows(client, 'SELECT count(*) FROM "obras/data"') == [[4]]


@pytest.fixture(scope="module")
def ids(portal: Portal) -> dict[str, str]:
    """Resource id and blob path of each published dataset, read from the portal's database."""
    context = AppContext.create(portal.settings)
    found = {}
    try:
        with context.db.session() as session:
            for slug in ("obras", "secreto", "borrador"):
                dataset = dataset_by_slug(session, slug)
                assert dataset is not None
                [resource] = dataset.resources
                found[slug] = resource.id
                path = context.store.local_path(resource.releases[-1].blob_key)
                found[f"{slug}:path"] = path.as_posix()
    finally:
        context.close()
    return found


@pytest.fixture(scope="module")
def tokens(portal: Portal) -> dict[str, str]:
    """An API token for a member of zapopan (which owns "secreto") and for an outsider."""
    context = AppContext.create(portal.settings)
    suffix = uuid.uuid4().hex[:8]
    made = {}
    try:
        with context.db.session() as session:
            for who, org in (("member", "zapopan"), ("outsider", f"otra-{suffix}")):
                user = services.create_user(
                    session, f"sql-{who}-{suffix}", f"{who}-{suffix}@example.org", "x" * 16
                )
                services.set_membership(
                    session, user, get_or_create_organization(session, org), "member"
                )
                made[who], _ = services.create_token(session, user, "sql tests")
    finally:
        context.close()
    return made


@pytest.fixture
def short_time_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sandbox, "QUERY_SECONDS", 1.0)  # the server runs in this process
    yield


# -- naming tables -------------------------------------------------------------------------


def test_every_way_of_naming_a_table(client: httpx.Client, ids: dict[str, str]) -> None:
    assert rows(client, 'SELECT count(*) FROM "obras/data"') == [[4]]
    assert rows(client, 'SELECT count(*) FROM "obras/data@1"') == [[3]]
    assert rows(client, "SELECT count(*) FROM obras") == [[4]]
    assert rows(client, 'SELECT count(*) FROM "obras@1"') == [[3]]
    assert rows(client, f'SELECT count(*) FROM "{ids["obras"]}"') == [[4]]
    body = run(client, "SELECT obra FROM \"obras/data\" WHERE municipio = 'Tonalá'").json()
    assert body["rows"] == [["Parque"]]
    assert body["fields"] == [{"name": "obra", "type": "text", "db_type": "VARCHAR"}]
    assert body["truncated"] is False
    [table] = body["tables"]
    assert table["dataset"] == "obras" and table["resource"] == "data"
    assert table["release"]["number"] == 2


def test_old_and_new_releases_side_by_side(client: httpx.Client) -> None:
    # Release 2 added the "obra" column and a fourth row.
    added = rows(
        client,
        'SELECT n.municipio FROM "obras/data" n ANTI JOIN "obras/data@1" o USING (municipio)',
    )
    assert added == [["Zapotlanejo"]]
    missing = run(client, 'SELECT obra FROM "obras/data@1"')
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_sql"
    assert "obra" in missing.json()["detail"]


def test_join_aggregate_window_over_two_public_tables(client: httpx.Client) -> None:
    result = rows(
        client,
        "WITH j AS (SELECT o.municipio, o.monto_contratado + t.monto_contratado AS suma "
        "FROM obras o JOIN trampa t USING (municipio)) SELECT municipio, suma, "
        "rank() OVER (ORDER BY suma DESC) AS puesto FROM j ORDER BY puesto",
    )
    assert result == [["Zapopan", 2401.0, 1], ["Tlaquepaque", 600.0, 2], ["Tonalá", 100.5, 3]]


def test_post_with_a_json_body(client: httpx.Client) -> None:
    response = client.post(SQL, json={"sql": "SELECT max(fecha) AS ultima FROM obras"})
    assert response.status_code == 200
    assert response.json()["rows"] == [["2020-01-03"]]
    assert response.json()["fields"][0]["type"] == "date"


def test_post_must_be_json(client: httpx.Client) -> None:
    """A cross-site form can only send form or text bodies: those are not run."""
    for headers, content in (
        ({"content-type": "text/plain"}, '{"sql": "SELECT 1"}'),
        ({"content-type": "application/x-www-form-urlencoded"}, "sql=SELECT+1"),
    ):
        assert client.post(SQL, headers=headers, content=content).status_code == 422


def test_csv_format(client: httpx.Client) -> None:
    response = run(
        client, "SELECT municipio, nota, fecha FROM obras ORDER BY fecha", format="csv", limit=2
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-truncated"] == "true"
    parsed = list(csv.reader(io.StringIO(response.text)))
    assert parsed == [
        ["municipio", "nota", "fecha"],
        ["Zapopan", "<script>alert(1)</script>", "2019-12-31"],
        ["Tlaquepaque", "ok", "2020-01-01"],
    ]


def test_limit_and_truncation(client: httpx.Client) -> None:
    body = run(client, "SELECT * FROM range(50)", limit=10).json()
    assert len(body["rows"]) == 10 and body["truncated"] is True
    assert run(client, "SELECT 1", limit=0).status_code == 422
    assert run(client, "SELECT 1", limit=sandbox.MAX_ROW_LIMIT + 1).status_code == 422


def test_errors_are_clear_json(client: httpx.Client) -> None:
    bad = run(client, "SELEC 1")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_sql"
    assert "syntax error" in bad.json()["detail"]
    assert client.get(SQL).status_code == 422  # no sql at all
    empty = run(client, "   ")
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]


def test_openapi_documents_the_endpoint(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths[SQL])


# -- permissions -----------------------------------------------------------------------------


def _no_such_table(response: httpx.Response, name: str) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "no_such_table"
    return body["detail"].replace(name, "NAME")


@pytest.mark.parametrize("slug", ["secreto", "borrador"])
def test_hidden_tables_look_exactly_like_missing_ones(
    client: httpx.Client, ids: dict[str, str], slug: str
) -> None:
    expected = _no_such_table(run(client, 'SELECT * FROM "nada/data"'), "nada/data")
    for name in (f"{slug}/data", slug, f"{slug}/data@1", f"{slug}@1", ids[slug]):
        got = _no_such_table(run(client, f'SELECT * FROM "{name}"'), name)
        assert got == expected
    leaked = run(client, f"SELECT * FROM read_parquet('{ids[slug + ':path']}')")
    assert leaked.status_code == 400 and leaked.json()["code"] == "not_allowed"
    by_path = run(client, f"SELECT * FROM '{ids[slug + ':path']}'")
    assert by_path.json()["code"] == "no_such_table"
    assert "Confidencial" not in leaked.text + by_path.text


def test_a_member_reads_the_private_table_with_a_token(
    client: httpx.Client, tokens: dict[str, str]
) -> None:
    sql = 'SELECT nombre, sueldo_mensual FROM "secreto/data"'
    member = client.get(SQL, params={"sql": sql}, headers={"Authorization": tokens["member"]})
    assert member.json()["rows"] == [["Juana Pérez Confidencial", 99999]]
    bearer = {"Authorization": f"Bearer {tokens['member']}"}
    assert client.get(SQL, params={"sql": "SELECT count(*) FROM borrador"}, headers=bearer).json()[
        "rows"
    ] == [[1]]
    outsider = client.get(
        SQL, params={"sql": sql}, headers={"Authorization": f"Bearer {tokens['outsider']}"}
    )
    assert outsider.json()["code"] == "no_such_table"
    assert "Confidencial" not in outsider.text
    forged = client.get(SQL, params={"sql": sql}, headers={"Authorization": "Bearer abt_nope"})
    assert forged.status_code == 401


def test_names_resolve_on_both_databases(context: AppContext, tmp_path: Path) -> None:
    publish_csv(context, tmp_path, "obras", OBRAS_V1, title="Obras")
    publish_csv(context, tmp_path, "obras", OBRAS_V2, title="Obras")
    publish_csv(context, tmp_path, "nomina", SECRET, title="Nómina", org="tonala")
    hide(context, "nomina", private=True)
    with context.db.session() as session:
        tonala = get_or_create_organization(session, "tonala")
        member = Actor("u1", "ana", roles={tonala.id: "member"})
        latest = resolve_table(session, context, ANONYMOUS, "obras/data")
        first = resolve_table(session, context, ANONYMOUS, "obras/data@1")
        assert (latest.number, first.number) == (2, 1)
        assert latest.path.is_file() and latest.path != first.path
        assert resolve_table(session, context, ANONYMOUS, "obras").release_id == latest.release_id
        for name in ("obras/data@3", "obras/otra", "nomina", "nomina/data", "nada"):
            with pytest.raises(sandbox.UnknownTable):
                resolve_table(session, context, ANONYMOUS, name)
        assert resolve_table(session, context, member, "nomina@1").dataset == "nomina"


# -- escapes and limits over HTTP ---------------------------------------------------------------

ESCAPES = {
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "not_allowed"),
    "read_text": ("SELECT content FROM read_text('/etc/passwd')", "not_allowed"),
    "glob": ("SELECT * FROM glob('/*')", "not_allowed"),
    "replacement_scan": ("SELECT * FROM '/etc/passwd'", "no_such_table"),
    "copy": ("COPY (SELECT 1) TO '/tmp/abierto-sql-escape.csv'", "not_allowed"),
    "attach": ("ATTACH '/tmp/abierto-sql-escape.db'", "not_allowed"),
    "install": ("INSTALL httpfs", "not_allowed"),
    "load": ("LOAD httpfs", "not_allowed"),
    "set": ("SET enable_external_access = true", "not_allowed"),
    "pragma": ("PRAGMA database_list", "not_allowed"),
    "two_statements": ("SELECT 1; DROP VIEW obras", "not_allowed"),
    "comment_trick": ("SELECT 1 /* */; ATTACH '/tmp/abierto-sql-escape.db'", "not_allowed"),
    "settings": ("SELECT * FROM duckdb_settings()", "not_allowed"),
    "getenv": ("SELECT getenv('HOME')", "not_allowed"),
    "cte_wraps_table_function": (
        'WITH "obras/data" AS (SELECT * FROM query(\'SELECT 1\')) SELECT * FROM "obras/data"',
        "not_allowed",
    ),
    "system_view": ("SELECT * FROM pg_settings", "no_such_table"),
    "explain_analyze": ("EXPLAIN ANALYZE SELECT * FROM obras", "not_allowed"),
    "too_long": ("SELECT 1 " + "-" * sandbox.MAX_SQL_CHARS, "not_allowed"),
}


@pytest.mark.parametrize("sql,code", ESCAPES.values(), ids=ESCAPES.keys())
def test_escapes_are_refused_and_the_server_keeps_answering(
    client: httpx.Client, sql: str, code: str
) -> None:
    response = client.post(SQL, json={"sql": sql})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert "root:" not in response.text and "HOME" not in response.text.replace("getenv", "")
    still_answers(client)


def test_a_runaway_query_is_stopped_while_others_are_served(
    client: httpx.Client, portal: Portal, short_time_limit: None
) -> None:
    explosion = (
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r"
    )
    answers: dict[str, httpx.Response] = {}

    def slow() -> None:
        with portal.client() as other:
            answers["slow"] = run(other, explosion)

    thread = threading.Thread(target=slow)
    thread.start()
    assert client.get("/healthz").status_code == 200  # served while the query runs
    thread.join(timeout=10)
    stopped = answers["slow"]
    assert stopped.status_code == 408 and stopped.json()["code"] == "timeout"
    cross = run(client, "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b")
    assert cross.status_code == 408
    still_answers(client)
