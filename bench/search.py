"""Search benchmark: a catalog of generated datasets, searched with facets through HTTP.

    .venv/bin/python bench/search.py [--datasets 50000] [--requests 300] [--skip-postgres]

Builds the catalog on the embedded default (SQLite + FTS5) and on the local PostgreSQL,
starts the real server (uvicorn) on loopback for each and times `GET /api/v1/datasets` with a
query and every facet, from an httpx client, printing p50/p95 latency per backend. Target:
p95 under 50 ms on the embedded default.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.conftest import _serve  # noqa: E402

from abierto.app_context import AppContext  # noqa: E402
from abierto.catalog.models import (  # noqa: E402
    Dataset,
    Organization,
    Tag,
    Theme,
    dataset_tag,
    dataset_theme,
    new_id,
    utcnow,
)
from abierto.search.models import DatasetFormat  # noqa: E402
from abierto.search.service import backend_for  # noqa: E402
from abierto.search.text import document  # noqa: E402
from abierto.settings import Settings  # noqa: E402

SUBJECTS = [
    "presupuesto de egresos", "contratos adjudicados", "incidencia delictiva", "obra pública",
    "calidad del aire", "escuelas", "unidades de salud", "estaciones de bicicleta",
    "nómina", "licencias de construcción", "transporte público", "agua potable",
    "residuos sólidos", "becas", "programas sociales", "padrón de proveedores",
]  # fmt: skip
PLACES = ["Zapopan", "Guadalajara", "Monterrey", "Xalapa", "Ciudad de México", "Jalisco",
          "Nuevo León", "Veracruz", "Tlaquepaque", "San Pedro Garza García"]  # fmt: skip
QUERIES = ["presupuesto", "contratos zapopan", "escuela", "calidad aire", "obra publica",
           "salud", "bicicletas monterrey", "nomina", "agua", "becas jalisco"]  # fmt: skip
FORMATS = ["CSV", "XLSX", "PDF", "JSON"]
LICENSES = ["cc-by-4.0", "libre-uso-mx", "cc0-1.0", "other-closed", None]
FREQUENCIES = ["MONTHLY", "ANNUAL", "QUARTERLY", "DAILY", None]


def build(context: AppContext, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = utcnow()
    with context.db.session() as session:
        orgs = [
            {"id": new_id(), "slug": f"org-{n}", "name": f"Gobierno de {PLACES[n % 10]} {n}",
             "description": "", "level": "municipal", "created_at": now}
            for n in range(60)
        ]  # fmt: skip
        session.execute(insert(Organization), orgs)
        themes = [
            {"id": new_id(), "slug": f"tema-{n}", "name_es": s.capitalize(), "name_en": s,
             "description": ""}
            for n, s in enumerate(SUBJECTS[:8])
        ]  # fmt: skip
        session.execute(insert(Theme), themes)
        tags = [{"id": new_id(), "name": f"etiqueta-{n}"} for n in range(300)]
        session.execute(insert(Tag), tags)
        backend = backend_for(session)
        for start in range(0, count, 5000):
            rows, links_tag, links_theme, formats = [], [], [], []
            for n in range(start, min(count, start + 5000)):
                subject, place = rng.choice(SUBJECTS), rng.choice(PLACES)
                title = f"{subject.capitalize()} de {place} {2015 + n % 10}"
                dataset_id = new_id()
                rows.append({
                    "id": dataset_id, "slug": f"ds-{n}", "organization_id": rng.choice(orgs)["id"],
                    "title": title, "description": f"Datos de {subject} publicados por {place}.",
                    "private": n % 50 == 0, "state": "published",
                    "license_id": rng.choice(LICENSES), "frequency": rng.choice(FREQUENCIES),
                    "language": "es", "view_count": 0,
                    "created_at": now, "modified_at": now,
                })  # fmt: skip
                for tag in rng.sample(tags, 3):
                    links_tag.append({"dataset_id": dataset_id, "tag_id": tag["id"]})
                links_theme.append({"dataset_id": dataset_id, "theme_id": rng.choice(themes)["id"]})
                formats.append({"dataset_id": dataset_id, "format": rng.choice(FORMATS)})
            session.execute(insert(Dataset), rows)
            session.execute(insert(dataset_tag), links_tag)
            session.execute(insert(dataset_theme), links_theme)
            session.execute(insert(DatasetFormat), formats)
            for row in rows:
                backend.store(
                    session, row["id"], document(row["title"]), document(row["description"])
                )


def measure(url: str, requests: int, seed: int = 2) -> list[float]:
    rng = random.Random(seed)
    timings = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(requests + 20):
            params: dict[str, str] = {"q": rng.choice(QUERIES), "limit": "20"}
            if n % 3 == 0:
                params["format"] = rng.choice(FORMATS)
            if n % 4 == 0:
                params["license"] = "cc-by-4.0"
            start = time.perf_counter()
            response = client.get("/api/v1/datasets", params=params)
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            assert "facets" in response.json()
            if n >= 20:  # the first requests warm the caches
                timings.append(elapsed * 1000)
    return timings


def run(name: str, settings: Settings, count: int, requests: int) -> None:
    context = AppContext.create(settings)
    try:
        started = time.perf_counter()
        build(context, count)
        built = time.perf_counter() - started
    finally:
        context.close()
    server, thread, url = _serve(settings)
    try:
        timings = measure(url, requests)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    print(f"{name:<12} {count:>8,} datasets (built in {built:5.1f} s)  "
          f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({len(timings)} requests)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        embedded = Settings(home=Path(tmp) / "sqlite", rate_limit="")
        run("sqlite-fts5", embedded, args.datasets, args.requests)
        if not args.skip_postgres:
            import psycopg

            name = f"bench_search_{uuid.uuid4().hex[:8]}"
            admin = args.postgres.replace("+psycopg", "") + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                settings = Settings(
                    home=Path(tmp) / "pg", database_url=f"{args.postgres}/{name}", rate_limit=""
                )
                from abierto.db import Database

                Database(settings).upgrade()
                run("postgresql", settings, args.datasets, args.requests)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
