"""The `abierto` command, run as a user runs it: a subprocess with its own ABIERTO_HOME."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ABIERTO = [sys.executable, "-m", "abierto"]


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "ABIERTO_HOME": str(home), "COLUMNS": "200"}
    result = subprocess.run([*ABIERTO, *args], capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def monterrey_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contratos.csv"
    rows = "".join(f"OP-{n};{n % 28 + 1:02d}/02/2020;{n},50\n" for n in range(3, 61))
    path.write_bytes(
        (
            "Municipio de Monterrey;;\n"
            "Contrato;Fecha;Monto\n"
            "OP-1;31/12/2019;1.234,50\n"
            "OP-2;01/02/2020;abc\n" + rows + "Fuente: Secretaría de Obras Públicas;;\n"
        ).encode("windows-1252")
    )
    return path


def test_inspect_json_contract(tmp_path: Path, monterrey_csv: Path) -> None:
    document = json.loads(run(tmp_path / "h", "inspect", str(monterrey_csv), "--json").stdout)
    [table] = document["tables"]
    assert table["row_count"] == 60
    detected = table["detected"]
    assert detected["encoding"] == "iso-8859-1" or detected["encoding"] == "windows-1252"
    assert (detected["delimiter"], detected["header_row"]) == (";", 2)
    columns = {c["name"]: c for c in table["columns"]}
    assert [c["title"] for c in table["columns"]] == ["Contrato", "Fecha", "Monto"]
    assert columns["fecha"]["type"] == "date"
    assert columns["monto"]["type"] == "number"
    profile = columns["monto"]["profile"]
    assert set(profile) >= {"null_count", "distinct_count", "min", "max", "top_values", "sample"}
    assert profile["max"] == 1234.5 and profile["null_count"] == 1
    [error] = table["errors"]
    assert {k: error[k] for k in ("type", "row", "column")} == {
        "type": "type-error", "row": 4, "column": "Monto"
    }  # fmt: skip
    assert error["message"]
    assert [n["text"] for n in table["notes"]] == [
        "Municipio de Monterrey", "Fuente: Secretaría de Obras Públicas"
    ]  # fmt: skip


def test_inspect_human_report(tmp_path: Path, monterrey_csv: Path) -> None:
    out = run(tmp_path / "h", "inspect", str(monterrey_csv)).stdout
    assert "header_row=2" in out and "type-error" in out and "1 × valor con tipo incorrecto" in out


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "datos.csv"
    page.write_text("<!DOCTYPE html><html><form></form></html>")
    result = run(tmp_path / "h", "inspect", str(page), check=False)
    assert result.returncode == 2
    assert "HTML" in result.stderr and "Traceback" not in result.stderr


def test_publish_then_republish(tmp_path: Path, monterrey_csv: Path) -> None:
    home = tmp_path / "h"
    args = ("publish", str(monterrey_csv), "--org", "monterrey", "--dataset", "contratos")
    first = json.loads(run(home, *args, "--json", "--title", "Contratos").stdout)
    assert first["releases"][0]["number"] == 1 and first["releases"][0]["row_count"] == 60
    assert (home / "abierto.db").exists()
    second = json.loads(run(home, *args, "--json").stdout)
    assert second["unchanged"] is True
    human = run(home, *args).stdout
    assert "Sin cambios" in human
