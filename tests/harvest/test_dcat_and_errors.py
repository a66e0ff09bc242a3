"""DCAT-US data.json sources, bad remote datasets, and sources that fail: real files served
by a real ``http.server`` on loopback, jobs on the in-process queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from abierto.app_context import AppContext
from abierto.catalog.models import Dataset
from abierto.harvest.models import HarvestSource
from abierto.harvest.tasks import enqueue_run
from abierto.jobs.models import Job
from tests.harvest.test_ckan import _counts, _job, _local, _run, _source

DATA_JSON: dict[str, Any] = {
    "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
    "dataset": [
        {
            "identifier": "https://datos.example.gob.mx/id/obras-2020",
            "title": "Obra pública 2020",
            "description": "Contratos de obra pública.",
            "keyword": ["obra pública", "Contratos"],
            "modified": "2021-03-01",
            "publisher": {"name": "Secretaría de Obras"},
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "accrualPeriodicity": "R/P1M",
            "temporal": "2020-01-01/2020-12-31",
            "spatial": "Jalisco",
            "distribution": [
                {"downloadURL": "https://example.org/obras.csv", "mediaType": "text/csv"},
                {"accessURL": "https://example.org/obras", "title": "Consulta",
                 "format": "API"},
            ],
        },
        {
            "identifier": "padron-proveedores",
            "title": "Padrón de proveedores",
            "license": "https://example.org/mi-licencia",
            "accrualPeriodicity": "irregular",
            "distribution": [{"downloadURL": "https://example.org/p.xlsx", "format": "XLSX"}],
        },
        {"identifier": "sin-titulo", "description": "Nadie le puso título."},
        {
            "identifier": "url-rota",
            "title": "Enlace roto",
            "distribution": [{"downloadURL": "ftp://example.org/x.csv"}],
        },
    ],
}  # fmt: skip


def _write(folder: Path, name: str, content: Any) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


def test_dcat_datasets_land_and_bad_ones_are_skipped_with_reasons(
    local: AppContext, files: tuple[str, Path]
) -> None:
    url, folder = files
    _write(folder, "data.json", DATA_JSON)
    source_id = _source(local, f"{url}/data.json", "dcat")
    result = _run(local, source_id)
    assert _counts(result) == (2, 0, 0, 0, 2) and result["complete"]
    assert result["reasons"] == [
        {"id": "sin-titulo", "reason": "missing title"},
        {"id": "url-rota", "reason": "bad resource URL 'ftp://example.org/x.csv'"},
    ]
    datasets = _local(local)
    assert set(datasets) == {"obra-publica-2020", "padron-de-proveedores"}
    works = datasets["obra-publica-2020"]
    assert works["license"] == "cc-by-4.0" and works["frequency"] == "MONTHLY"
    assert works["tags"] == ["contratos", "obra pública"] and works["spatial"] == "Jalisco"
    assert [str(d) for d in works["temporal"]] == ["2020-01-01", "2020-12-31"]
    assert works["links"] == [
        ("link", "obras.csv", "https://example.org/obras.csv", "CSV"),
        ("link", "Consulta", "https://example.org/obras", "API"),
    ]
    suppliers = datasets["padron-de-proveedores"]
    assert suppliers["license"] is None and suppliers["frequency"] == "IRREG"  # unknown: none

    # The catalog drops one dataset and changes another: data.json is always a full listing.
    DATA_JSON_2 = json.loads(json.dumps(DATA_JSON))
    del DATA_JSON_2["dataset"][1]
    DATA_JSON_2["dataset"][0]["title"] = "Obra pública 2020 (revisada)"
    _write(folder, "data.json", DATA_JSON_2)
    again = _run(local, source_id)
    assert _counts(again) == (0, 1, 0, 1, 2)
    datasets = _local(local)
    assert datasets["obra-publica-2020"]["title"] == "Obra pública 2020 (revisada)"
    assert datasets["padron-de-proveedores"]["state"] == "draft"

    # A catalog that suddenly lists nothing is more likely broken than emptied.
    _write(folder, "data.json", {"dataset": []})
    assert _counts(_run(local, source_id)) == (0, 0, 0, 0, 0)
    assert _local(local)["obra-publica-2020"]["state"] == "published"


def test_odd_but_readable_dcat_values(local: AppContext, files: tuple[str, Path]) -> None:
    url, folder = files
    catalog = [  # DCAT-US 1.0: a bare list
        {"identifier": "x" * 301, "title": "Identificador enorme"},
        {"identifier": "k", "title": "Palabras en una cadena", "keyword": "agua, Drenaje; lluvia",
         "temporal": "2021-12-31/2020-01-01", "spatial": '{"type": "Point"}',
         "license": "https://opendatacommons.org/licenses/odbl/1-0/",
         "distribution": [{"downloadURL": "https://example.org/a.xlsx", "mediaType":
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}]},
    ]  # fmt: skip
    _write(folder, "catalogo.json", catalog)
    result = _run(local, _source(local, f"{url}/catalogo.json", "dcat"))
    assert _counts(result) == (1, 0, 0, 0, 1)
    assert result["reasons"][0]["reason"] == "identifier longer than 300 characters"
    words = _local(local)["palabras-en-una-cadena"]
    assert words["tags"] == ["agua", "drenaje", "lluvia"]
    assert words["temporal"] == (None, None) and words["spatial"] is None  # left out
    assert words["license"] == "odc-odbl"
    assert words["links"] == [("link", "a.xlsx", "https://example.org/a.xlsx", "XLSX")]


def test_a_ckan_server_repeating_its_page_is_read_once_and_withdraws_nothing(
    local: AppContext, files: tuple[str, Path]
) -> None:
    """A static file ignores ``start``: every page is the first. The listing stops there,
    incomplete, and the package without a title is reported while the other lands."""
    url, folder = files
    packages = [
        {"id": "a1", "name": "agua", "title": "Agua potable", "license_id": "cc-by-sa-4.0",
         "tags": [{"name": "agua"}], "extras": [{"key": "frequency", "value": "MONTHLY"}],
         "resources": [{"url": "https://example.org/agua.csv", "name": "Agua", "format": "csv"}]},
        {"id": "b2", "name": "sin-titulo", "title": "  "},
    ]  # fmt: skip
    answer = {"success": True, "result": {"count": 2, "results": packages}}
    _write(folder, "api/3/action/package_search", answer)
    result = _run(local, _source(local, url), full=True)
    assert _counts(result) == (1, 0, 0, 0, 1) and not result["complete"]
    assert result["reasons"] == [{"id": "b2", "reason": "missing title"}]
    agua = _local(local)["agua"]
    assert agua["license"] == "cc-by-sa-4.0" and agua["frequency"] == "MONTHLY"
    assert agua["links"] == [("link", "Agua", "https://example.org/agua.csv", "CSV")]


def _failed(context: AppContext, source_id: str) -> Job:
    job_id = enqueue_run(context, source_id)
    assert context.jobs.wait(job_id, 60) == "failed"
    job = _job(context, job_id)
    with context.db.session() as session:
        source = session.get(HarvestSource, source_id)
        assert source is not None and source.last_status == "failed"
        assert source.last_error and source.last_error in (job.error or "")
        assert session.scalars(select(Dataset)).all() == []
    return job


def test_a_source_answering_html_or_404_fails_at_once_with_a_clear_message(
    local: AppContext, files: tuple[str, Path]
) -> None:
    url, folder = files
    _write(folder, "portal.html", "<!doctype html><title>Portal</title><p>Bienvenidos</p>")
    html = _failed(local, _source(local, f"{url}/portal.html", "dcat"))
    assert "did not answer JSON" in (html.error or "") and "text/html" in (html.error or "")
    assert html.attempts == 1  # NotRetryable: another attempt would read the same page
    missing = _failed(local, _source(local, f"{url}/catalogo/"))  # no CKAN API there
    assert "answered HTTP 404" in (missing.error or "") and missing.attempts == 1
    assert "/api/3/action/package_search" in (missing.error or "")
    _write(folder, "not-ckan/api/3/action/package_search", {"datasets": []})
    envelope = _failed(local, _source(local, f"{url}/not-ckan"))
    assert "not a CKAN Action API answer" in (envelope.error or "")


def test_private_addresses_are_refused_unless_allowed(
    context: AppContext, files: tuple[str, Path]
) -> None:
    url, folder = files
    _write(folder, "data.json", DATA_JSON)
    assert context.settings.fetch_allow_private is False
    job = _failed(context, _source(context, f"{url}/data.json", "dcat"))
    assert "refused" in (job.error or "") and job.attempts == 1
