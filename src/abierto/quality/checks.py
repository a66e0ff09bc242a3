"""Quality and openness checks of one dataset, each with its evidence and a one-line fix.

Checks read ``Facts``: what the catalog knows about a dataset, loaded in bulk by
``quality.services`` so scoring the whole catalog is a few queries, not one per dataset.
``passed`` is True, False, or None when the check does not apply (a dataset without link
resources has nothing to retrieve). Families: format, structure, metadata, licence,
freshness, retrievability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from abierto.catalog.vocab import LICENSES
from abierto.quality.freshness import Freshness

# 5-star open data: 1 on the web with an open licence, 2 machine-readable, 3 non-proprietary.
OPEN_FORMATS = {"CSV", "TSV", "JSON", "GEOJSON", "XML", "PARQUET", "ODS", "TXT", "RDF", "NDJSON"}
PROPRIETARY_MACHINE_READABLE = {"XLSX", "XLS", "DBF", "SHP", "MDB"}
MIN_DESCRIPTION = 80
MAX_ERROR_SHARE = 0.01
RECENT_RELEASES = 3


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    family: str
    passed: bool | None
    value: Any
    evidence: str
    fix_es: str = ""
    fix_en: str = ""

    def fix(self, lang: str) -> str:
        return self.fix_en if lang == "en" else self.fix_es


@dataclass(slots=True)
class LinkStatus:
    ok: bool
    status: int | None
    first_broken_at: dt.datetime | None


@dataclass(slots=True)
class Facts:
    """One dataset as the checks see it."""

    description: str = ""
    license_id: str | None = None
    frequency: str | None = None
    temporal: bool = False
    spatial: bool = False
    contact: bool = False
    themes: int = 0
    tags: int = 0
    formats: list[str] = field(default_factory=list)  # one per resource; tables are "CSV"
    row_count: int = 0
    report: dict[str, Any] = field(default_factory=dict)  # the latest release's
    diffs: list[dict[str, Any] | None] = field(default_factory=list)  # newest first
    columns: int = 0
    described_columns: int = 0
    links: list[LinkStatus] = field(default_factory=list)
    freshness: Freshness | None = None


def stars(formats: list[str]) -> int:
    """The best 5-star level among the resources (1–3; 0 without resources)."""
    upper = {f.upper() for f in formats}
    if upper & OPEN_FORMATS:
        return 3
    if upper & PROPRIETARY_MACHINE_READABLE:
        return 2
    return 1 if upper else 0


def format_checks(facts: Facts) -> list[Check]:
    level = stars(facts.formats)
    listed = ", ".join(sorted(set(facts.formats))) or "—"
    return [
        Check(
            "format.open_machine_readable",
            "format",
            level >= 3,
            level,
            f"formats: {listed}; {level}★",
            "Publica los datos como CSV o JSON, no solo como PDF o Excel.",
            "Publish the data as CSV or JSON, not only as PDF or Excel.",
        )
    ]


def structure_checks(facts: Facts) -> list[Check]:
    if not facts.report:
        return [
            Check(
                "structure.has_table",
                "structure",
                False,
                0,
                "no table release",
                "Publica el archivo como tabla para que se valide y se pueda consultar.",
                "Publish the file as a table so it is validated and queryable.",
            )
        ]
    errors = int(facts.report.get("error_count", 0))
    share = errors / facts.row_count if facts.row_count else (1.0 if errors else 0.0)
    counts = facts.report.get("counts", {})
    headers = sum(int(counts.get(k, 0)) for k in ("blank-header", "duplicate-header"))
    breaking = sum(1 for d in facts.diffs[:RECENT_RELEASES] if d and d.get("breaking"))
    return [
        Check(
            "structure.valid_rows",
            "structure",
            share <= MAX_ERROR_SHARE,
            round(share, 4),
            f"{errors} errors in {facts.row_count} rows",
            "Corrige los errores del reporte de validación y publica una nueva versión.",
            "Fix the errors in the validation report and publish a new release.",
        ),
        Check(
            "structure.headers",
            "structure",
            headers == 0,
            headers,
            f"{headers} blank or duplicate headers",
            "Da a cada columna un encabezado único y no vacío.",
            "Give every column a unique, non-empty header.",
        ),
        Check(
            "structure.stable_schema",
            "structure",
            breaking == 0,
            breaking,
            f"{breaking} breaking schema changes in the last {RECENT_RELEASES} releases",
            "Mantén los nombres y tipos de columna entre versiones (confirma los renombres).",
            "Keep column names and types across releases (confirm renames).",
        ),
    ]


def _meta(key: str, ok: bool, value: Any, es: str, en: str) -> Check:
    return Check(f"metadata.{key}", "metadata", ok, value, f"{key}: {value}", es, en)


def metadata_checks(facts: Facts) -> list[Check]:
    """DCAT-AP mandatory and recommended properties."""
    described = f"{facts.described_columns}/{facts.columns}"
    return [
        _meta(
            "description",
            len(facts.description.strip()) >= MIN_DESCRIPTION,
            len(facts.description.strip()),
            f"Describe qué contiene y cómo se produce (al menos {MIN_DESCRIPTION} caracteres).",
            f"Say what it contains and how it is produced (at least {MIN_DESCRIPTION} chars).",
        ),
        _meta(
            "contact_point",
            facts.contact,
            facts.contact,
            "Indica un contacto.",
            "Give a contact point.",
        ),
        _meta(
            "frequency",
            facts.frequency is not None,
            facts.frequency,
            "Declara cada cuándo se actualiza.",
            "Declare the update frequency.",
        ),
        _meta(
            "temporal",
            facts.temporal,
            facts.temporal,
            "Indica el periodo que cubren los datos.",
            "Give the period the data covers.",
        ),
        _meta(
            "spatial",
            facts.spatial,
            facts.spatial,
            "Indica el lugar que cubren los datos.",
            "Give the place the data covers.",
        ),
        _meta("themes", facts.themes > 0, facts.themes, "Elige un tema.", "Choose a theme."),
        _meta(
            "keywords",
            facts.tags > 0,
            facts.tags,
            "Agrega etiquetas.",
            "Add keywords.",
        ),
        _meta(
            "column_descriptions",
            facts.columns > 0 and facts.described_columns * 2 >= facts.columns,
            described,
            "Describe las columnas en el diccionario de datos (al menos la mitad).",
            "Describe the columns in the data dictionary (at least half).",
        ),
    ]


def license_checks(facts: Facts) -> list[Check]:
    known = LICENSES.get(facts.license_id or "")
    if facts.license_id in (None, "", "notspecified"):
        state = "missing"
    else:
        state = "open" if known and known.is_open else "not_open"
    return [
        Check(
            "license.open",
            "license",
            state == "open",
            state,
            f"license: {facts.license_id or '—'}",
            "Usa una licencia abierta (Libre Uso MX o CC BY 4.0).",
            "Use an open licence (Libre Uso MX or CC BY 4.0).",
        )
    ]


def freshness_checks(facts: Facts) -> list[Check]:
    fresh = facts.freshness
    if fresh is None:
        return []
    # Without a declared frequency there is nothing to be late against (metadata says so).
    passed = {"on_time": True, "due_soon": True, "irregular": None, "not_scheduled": None}.get(
        fresh.status, False
    )
    due = fresh.due_at.date().isoformat() if fresh.due_at else "—"
    evidence = f"{fresh.status}; due {due}; {fresh.days_overdue} days overdue"
    return [
        Check(
            "freshness.on_time",
            "freshness",
            passed,
            fresh.status,
            evidence,
            "Publica una versión nueva según la frecuencia declarada.",
            "Publish a new release as often as the declared frequency says.",
        )
    ]


def retrievability_checks(facts: Facts) -> list[Check]:
    if not facts.links:
        return []
    broken = [link for link in facts.links if not link.ok]
    return [
        Check(
            "retrievability.links",
            "retrievability",
            not broken,
            len(broken),
            f"{len(broken)} of {len(facts.links)} links broken",
            "Arregla o quita los enlaces rotos.",
            "Fix or remove the broken links.",
        )
    ]


def all_checks(facts: Facts) -> list[Check]:
    return [
        *format_checks(facts),
        *structure_checks(facts),
        *metadata_checks(facts),
        *license_checks(facts),
        *freshness_checks(facts),
        *retrievability_checks(facts),
    ]
