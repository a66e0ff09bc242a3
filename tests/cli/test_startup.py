"""The fixed cost of a command: it imports only what it uses (issue 2: every tenth of a second
of `abierto publish` counts)."""

import json
import os
import subprocess
import sys
from pathlib import Path

# Runs the command in-process, then writes its exit code and the top-level packages it
# loaded to a file.
PROBE = """
import json, sys
from abierto.cli.app import app
try:
    app(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as f:
    json.dump({"exit": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}, f)
"""
WEB_AND_SERVICES = {
    "fastapi", "starlette", "jinja2", "uvicorn", "httpx", "boto3", "botocore", "psycopg",
    "redis", "rq", "pdfplumber", "python_calamine", "argon2",
}  # fmt: skip


def loaded(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "ABIERTO_HOME": str(tmp_path / "h")}
    command = [sys.executable, "-c", PROBE, str(out), *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert out.exists(), result.stderr
    document = json.loads(out.read_text())
    assert document["exit"] in (0, None), result.stderr
    return set(document["modules"])


def tiny_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    path.write_text("clave,monto\nA-1,10.5\n")
    return path


def test_help_loads_neither_the_database_nor_the_data_stack(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "--help")
    heavy = {"sqlalchemy", "alembic", "pydantic", "pyarrow", "numpy", "duckdb"}
    assert modules & (heavy | WEB_AND_SERVICES) == set()


def test_publish_loads_no_web_stack_and_no_alembic_once_migrated(tmp_path: Path) -> None:
    csv = tiny_csv(tmp_path)
    args = ("publish", str(csv), "--org", "a", "--dataset", "b", "--json")
    first = loaded(tmp_path, *args)
    assert {"duckdb", "pyarrow", "sqlalchemy"} <= first
    assert first & WEB_AND_SERVICES == set()
    csv.write_text("clave,monto\nA-1,10.5\nA-2,3\n")
    again = loaded(tmp_path, *args)  # the database is at the newest migration now
    assert again & (WEB_AND_SERVICES | {"alembic", "mako"}) == set()
