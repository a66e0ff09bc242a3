"""The SQL sandbox on real release files: what runs, what is refused, what a limit stops.

Every escape attempt must be refused before it runs or stopped by a limit, and the sandbox
must answer a normal query right after it.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from abierto.ingest.pipeline import inspect_file
from abierto.query import sandbox
from abierto.query.sandbox import Checked, SqlError
from abierto.settings import Settings
from tests.realdata import real_file

SOURCES = {
    "epp/csv": ("csv", "pe_minsa_adquisiciones_epp.csv"),
    "epp/xls": ("excel", "pe_minsa_adquisiciones_epp.xls"),
    "delitos/data": ("csv", "mx_cdmx_pgj_delitos_2013_2017.csv"),
}
PRIVATE = "privado/data"  # published, but never given to the queries below


@pytest.fixture(scope="module")
def release_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real government files through the real pipeline, one typed Parquet file each."""
    root = tmp_path_factory.mktemp("sandbox")
    settings = Settings(home=root / "home")
    files = {}
    for name, (folder, file_name) in {**SOURCES, PRIVATE: SOURCES["epp/csv"]}.items():
        out = root / name.replace("/", "-")
        [table] = inspect_file(real_file(folder, file_name), settings, output_dir=out)
        assert table.parquet_path is not None
        files[name] = table.parquet_path
    return files


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("sandbox-home"), query_memory_mb=128)


@pytest.fixture
def files(release_files: dict[str, Path]) -> dict[str, Path]:
    return {name: path for name, path in release_files.items() if name != PRIVATE}


def query(
    settings: Settings, files: dict[str, Path], sql: str, **limits: float
) -> sandbox.SqlResult:
    return sandbox.run(settings, sandbox.check(sql), files, **limits)  # type: ignore[arg-type]


def still_answers(settings: Settings, files: dict[str, Path]) -> None:
    result = query(settings, files, 'SELECT count(*) AS n FROM "epp/csv"')
    assert result.rows == [[313]]


# -- what works ---------------------------------------------------------------------------


def test_a_join_of_two_tables(settings: Settings, files: dict[str, Path]) -> None:
    # The ministry published the same purchases as CSV and as XLS: every row matches.
    result = query(
        settings,
        files,
        'SELECT count(*) AS n, sum(c.cantidad) AS total FROM "epp/csv" c '
        'JOIN "epp/xls" x ON c.fecha = x.fecha AND c.ruc = x.ruc '
        "AND c.producto = x.producto AND c.cantidad = x.cantidad",
    )
    assert result.fields[0] == {"name": "n", "type": "integer", "db_type": "BIGINT"}
    [[matched, total]] = result.rows
    assert matched >= 313
    assert total > 0
    assert result.truncated is False


def test_aggregates_and_types(settings: Settings, files: dict[str, Path]) -> None:
    result = query(
        settings,
        files,
        "SELECT delegacion, sum(enero) AS enero, avg(enero) AS promedio, min(ano) AS desde "
        'FROM "delitos/data" GROUP BY delegacion ORDER BY enero DESC, delegacion LIMIT 3',
    )
    assert [f["type"] for f in result.fields] == ["text", "integer", "number", "integer"]
    assert len(result.rows) == 3
    enero = [row[1] for row in result.rows]
    assert enero == sorted(enero, reverse=True)
    assert all(row[3] == 2013 for row in result.rows)


def test_ctes_and_window_functions(settings: Settings, files: dict[str, Path]) -> None:
    result = query(
        settings,
        files,
        'WITH por_dia AS (SELECT fecha, sum(cantidad) AS unidades FROM "epp/csv" '
        "GROUP BY fecha), ranked AS (SELECT fecha, unidades, "
        "rank() OVER (ORDER BY unidades DESC) AS puesto FROM por_dia) "
        "SELECT fecha, unidades, puesto FROM ranked WHERE puesto <= 2 ORDER BY puesto",
    )
    assert [f["type"] for f in result.fields] == ["date", "integer", "integer"]
    assert result.rows[0][2] == 1
    assert len(result.rows[0][0]) == 10 and result.rows[0][0][4] == "-"  # ISO date


def test_recursive_cte_over_a_table(settings: Settings, files: dict[str, Path]) -> None:
    result = query(
        settings,
        files,
        'WITH RECURSIVE anios(a) AS (SELECT min(ano) FROM "delitos/data" '
        "UNION ALL SELECT a + 1 FROM anios WHERE a < 2017) SELECT list(a) FROM anios",
    )
    assert result.rows == [[[2013, 2014, 2015, 2016, 2017]]]


def test_describe_summarize_and_pivot_with_in(settings: Settings, files: dict[str, Path]) -> None:
    described = query(settings, files, 'DESCRIBE "epp/csv"')
    assert [row[0] for row in described.rows] == [
        "fecha",
        "ruc",
        "proveedor",
        "producto",
        "cantidad",
    ]
    summary = query(settings, files, 'SUMMARIZE "delitos/data"')
    assert len(summary.rows) == 17
    pivot = query(
        settings,
        files,
        'PIVOT "delitos/data" ON ano IN (2013, 2017) USING sum(enero) GROUP BY delegacion',
    )
    assert [f["name"] for f in pivot.fields] == ["delegacion", "2013", "2017"]


def test_names_are_case_insensitive_like_duckdb(settings: Settings, files: dict[str, Path]) -> None:
    assert query(settings, files, 'FROM "EPP/CSV" SELECT count(*)').rows == [[313]]


def test_row_limit_marks_truncation(settings: Settings, files: dict[str, Path]) -> None:
    result = query(settings, files, 'SELECT * FROM "delitos/data"', row_limit=100)
    assert len(result.rows) == 100 and result.truncated is True
    exact = query(settings, files, 'SELECT * FROM "epp/csv"', row_limit=313)
    assert len(exact.rows) == 313 and exact.truncated is False


def test_values_become_json(settings: Settings, files: dict[str, Path]) -> None:
    result = query(
        settings,
        files,
        "SELECT 'nan'::DOUBLE AS n, 1.5::DECIMAL(4,2) AS d, DATE '2020-03-01' AS f, "
        "TIMESTAMP '2020-03-01 10:00' AS t, {'lat': 20.6, 'lon': -103.4} AS punto, "
        "'\\x00'::BLOB AS b, [1, NULL] AS l",
    )
    assert result.rows == [
        [
            None,
            1.5,
            "2020-03-01",
            "2020-03-01T10:00:00",
            {"lat": 20.6, "lon": -103.4},
            "00",
            [1, None],
        ]
    ]
    assert [f["type"] for f in result.fields][:5] == [
        "number",
        "number",
        "date",
        "datetime",
        "text",
    ]


# -- escapes --------------------------------------------------------------------------------

REFUSED = {
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('/etc/passwd')",
    "read_text": "SELECT content FROM read_text('/etc/passwd')",
    "read_blob": "SELECT content FROM read_blob('/etc/passwd')",
    "glob": "SELECT * FROM glob('*')",
    "parquet_scan": "SELECT * FROM parquet_scan('/tmp/x.parquet')",
    "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
    "query": "SELECT * FROM query('SELECT 42')",
    "query_table": "SELECT * FROM query_table('epp/csv')",
    "sqlite_scan": "SELECT * FROM sqlite_scan('/tmp/x.db', 't')",
    "duckdb_settings": "SELECT * FROM duckdb_settings()",
    "duckdb_databases": "SELECT * FROM duckdb_databases()",
    "pragma_fn": "SELECT * FROM pragma_database_list()",
    "json_execute": "SELECT * FROM json_execute_serialized_sql('{}')",
    "getenv": "SELECT getenv('HOME')",
    "current_setting": "SELECT current_setting('temp_directory')",
    "qualified_current_setting": "SELECT main.current_setting('allowed_paths')",
    "sleep": "SELECT sleep_ms(60000)",
    "copy": "COPY (SELECT 1) TO '/tmp/abierto-sandbox-escape.csv'",
    "copy_table": "COPY \"epp/csv\" TO '/tmp/abierto-sandbox-escape.csv'",
    "attach": "ATTACH '/tmp/abierto-sandbox-escape.db' AS x",
    "detach": "DETACH memory",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "pragma": "PRAGMA database_list",
    "set": "SET enable_external_access = true",
    "set_variable": "SET VARIABLE x = 1",
    "reset": "RESET lock_configuration",
    "use": "USE system",
    "call": "CALL pragma_version()",
    "checkpoint": "CHECKPOINT",
    "export": "EXPORT DATABASE '/tmp/abierto-sandbox-export'",
    "import": "IMPORT DATABASE '/tmp/abierto-sandbox-export'",
    "create": "CREATE TABLE t AS SELECT 1",
    "create_macro": "CREATE MACRO leer(p) AS TABLE SELECT * FROM read_csv(p)",
    "insert": 'INSERT INTO "epp/csv" VALUES (1)',
    "update": 'UPDATE "epp/csv" SET cantidad = 0',
    "delete": 'DELETE FROM "epp/csv"',
    "drop": 'DROP VIEW "epp/csv"',
    "two_selects": "SELECT 1; SELECT 2",
    "select_then_copy": "SELECT 1; COPY (SELECT 1) TO '/tmp/abierto-sandbox-escape.csv'",
    "comment_hides_nothing": "SELECT 1 /* ; */; ATTACH '/tmp/abierto-sandbox-escape.db'",
    "line_comment": "SELECT 1 -- only a comment\n; ATTACH '/tmp/abierto-sandbox-escape.db'",
    "string_semicolon": "SELECT ';' AS s; ATTACH '/tmp/abierto-sandbox-escape.db'",
    "explain": "EXPLAIN SELECT 1",
    "explain_analyze": 'EXPLAIN ANALYZE SELECT * FROM "epp/csv"',
    "show_tables": "SHOW TABLES",
    "show_all": "SHOW ALL TABLES",
    "describe_everything": "DESCRIBE",
    "pivot_without_in": 'PIVOT "delitos/data" ON ano USING sum(enero)',
    "prepare": "PREPARE p AS SELECT 1",
    "execute": "EXECUTE p",
    "parameter": "SELECT $1",
    "vacuum": "VACUUM",
    "cte_shadows_view": (
        'WITH "epp/csv" AS (SELECT * FROM read_csv(\'/etc/passwd\')) SELECT * FROM "epp/csv"'
    ),
    "cte_shadows_system_view": "WITH pg_settings AS (SELECT 1) SELECT * FROM pg_settings",
    "lateral_table_function": 'SELECT * FROM "epp/csv" t, LATERAL read_csv(t.ruc)',
    "lateral_subquery": ('SELECT * FROM "epp/csv" t, LATERAL (SELECT * FROM read_text(t.ruc)) x'),
    "scalar_subquery": "SELECT (SELECT content FROM read_text('/etc/passwd')) AS x",
    "in_subquery": "SELECT 1 WHERE 'x' IN (SELECT file FROM glob('/*'))",
    "union_branch": "SELECT ruc FROM \"epp/csv\" UNION ALL SELECT file FROM glob('/*')",
    "qualified_view": 'SELECT * FROM memory.main."epp/csv"',
    "information_schema": "SELECT * FROM information_schema.tables",
    "time_travel": 'SELECT * FROM "epp/csv" AT (VERSION => 1)',
    "too_long": "SELECT 1" + " " * sandbox.MAX_SQL_CHARS,
}


@pytest.mark.parametrize("sql", REFUSED.values(), ids=REFUSED.keys())
def test_escapes_are_refused_before_running(
    settings: Settings, files: dict[str, Path], sql: str
) -> None:
    with pytest.raises(sandbox.SqlRefused) as refused:
        sandbox.check(sql)  # the first wall: nothing reached DuckDB's executor
    assert "not allowed" in refused.value.message or "too long" in refused.value.message
    assert not Path("/tmp/abierto-sandbox-escape.csv").exists()
    assert not Path("/tmp/abierto-sandbox-escape.db").exists()
    still_answers(settings, files)


UNKNOWN = {
    "replacement_scan_file": "SELECT * FROM '/etc/passwd'",
    "replacement_scan_csv": "FROM 'datos.csv'",
    "system_view": "SELECT * FROM pg_settings",
    "sqlite_master": "SELECT * FROM sqlite_master",
    "duckdb_view": "SELECT * FROM duckdb_tables",
    "fullwidth_lookalike": 'SELECT * FROM "ｅｐｐ/csv"',
    "zero_width_space": 'SELECT * FROM "epp/csv\u200b"',
    "quoted_path": 'SELECT * FROM "/etc/passwd"',
    "later_cte_not_in_scope": "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a",
    "self_reference_without_recursion": "WITH x AS (SELECT * FROM x) SELECT * FROM x",
}


@pytest.mark.parametrize("sql", UNKNOWN.values(), ids=UNKNOWN.keys())
def test_unknown_names_are_no_such_table(
    settings: Settings, files: dict[str, Path], sql: str
) -> None:
    with pytest.raises(sandbox.UnknownTable) as unknown:
        query(settings, files, sql)
    assert "no such table" in unknown.value.message
    still_answers(settings, files)


def test_the_private_file_is_not_reachable(
    settings: Settings, files: dict[str, Path], release_files: dict[str, Path]
) -> None:
    private = release_files[PRIVATE].as_posix()
    for sql in (
        f"SELECT * FROM read_parquet('{private}')",
        f"SELECT * FROM read_parquet('{Path(private).parent.parent}/*/*.parquet')",
        f"SELECT * FROM read_parquet(['{files['epp/csv'].as_posix()}', '{private}'])",
    ):
        with pytest.raises(sandbox.SqlRefused):
            query(settings, files, sql)
    with pytest.raises(sandbox.UnknownTable):
        query(settings, files, f"SELECT * FROM '{private}'")
    with pytest.raises(sandbox.UnknownTable):
        query(settings, files, 'SELECT * FROM "privado/data"')


# -- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
        'SELECT count(*) FROM "delitos/data" a, "delitos/data" b, "delitos/data" c',
    ],
    ids=["recursive_explosion", "cross_join", "table_cross_join"],
)
def test_the_time_limit_stops_a_query(settings: Settings, files: dict[str, Path], sql: str) -> None:
    started = time.monotonic()
    with pytest.raises(sandbox.SqlTimeout) as stopped:
        query(settings, files, sql, seconds=1)
    assert time.monotonic() - started < 5
    assert stopped.value.status == 408
    still_answers(settings, files)


def test_the_memory_limit_stops_a_query(settings: Settings, files: dict[str, Path]) -> None:
    with pytest.raises(sandbox.SqlTooBig):
        query(settings, files, "SELECT list(range) FROM range(200000000)")
    still_answers(settings, files)


def test_a_huge_result_is_cut_by_the_row_limit(settings: Settings, files: dict[str, Path]) -> None:
    started = time.monotonic()
    result = query(settings, files, 'SELECT * FROM "delitos/data" a, "delitos/data" b')
    assert len(result.rows) == sandbox.ROW_LIMIT and result.truncated is True
    assert time.monotonic() - started < 5


def test_deep_nesting_is_an_error_not_a_crash(settings: Settings, files: dict[str, Path]) -> None:
    with pytest.raises(SqlError):
        query(settings, files, "SELECT " + "(" * 3000 + "1" + ")" * 3000)
    still_answers(settings, files)


# -- the second wall: even an unchecked query cannot reach out ----------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY (SELECT 1) TO '/tmp/abierto-sandbox-escape.csv'",
        "ATTACH '/tmp/abierto-sandbox-escape.db' AS x",
        "SET enable_external_access = true",
        "SET allowed_paths = ['/etc/passwd']",
        "RESET lock_configuration",
        "INSTALL httpfs",
    ],
)
def test_the_connection_itself_is_locked(
    settings: Settings, files: dict[str, Path], sql: str
) -> None:
    """``run`` on a query that skipped ``check``: DuckDB's own settings still refuse it."""
    with pytest.raises(SqlError):
        sandbox.run(settings, Checked(sql, frozenset()), files)
    assert not Path("/tmp/abierto-sandbox-escape.csv").exists()
    assert not Path("/tmp/abierto-sandbox-escape.db").exists()


def test_the_connection_reads_only_the_named_files(
    settings: Settings, files: dict[str, Path], release_files: dict[str, Path]
) -> None:
    other = files["delitos/data"].as_posix()
    unchecked = Checked(f"SELECT count(*) FROM read_parquet('{other}')", frozenset({"epp/csv"}))
    with pytest.raises(sandbox.SqlRefused) as refused:
        sandbox.run(settings, unchecked, files)
    assert other not in refused.value.message  # where blobs live is not shown
    mine = files["epp/csv"].as_posix()
    allowed = Checked(f"SELECT count(*) FROM read_parquet('{mine}')", frozenset({"epp/csv"}))
    assert sandbox.run(settings, allowed, files).rows == [[313]]


def test_unchecked_names_missing_from_the_files_are_unknown(
    settings: Settings, files: dict[str, Path]
) -> None:
    with pytest.raises(sandbox.UnknownTable):
        sandbox.run(settings, Checked("SELECT 1", frozenset({"nada"})), files)


def test_python_variables_are_not_tables(files: dict[str, Path]) -> None:
    """DuckDB's Python client scans a data frame named in FROM; the sandbox's connection not."""
    import pyarrow as pa

    secreto = pa.table({"sueldo": [99999]})
    with duckdb.connect(":memory:") as plain:
        assert plain.execute("SELECT * FROM secreto").fetchall() == [(99999,)]
    con = sandbox._locked_connection(64, 1, {"epp/csv": files["epp/csv"]})
    try:
        with pytest.raises(duckdb.CatalogException):
            con.execute("SELECT * FROM secreto").fetchall()
        assert secreto.num_rows == 1
    finally:
        con.close()
