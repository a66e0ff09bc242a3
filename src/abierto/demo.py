"""Demo data: a few small, realistic (and entirely generated) government files, published.

The files carry the usual troubles of real ones: Windows-1252 text, a title row above the
header, dates as DD/MM/YYYY, amounts as "1,234.50", a "Fuente:" note below the table,
coordinates, keys with leading zeros. A fixed seed makes every run write identical bytes,
so publishing them again creates no new release.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from abierto.app_context import AppContext
from abierto.catalog.services import get_or_create_organization
from abierto.ingest.publish import PublishRequest, PublishResult, publish
from abierto.settings import Settings

SEED = 2024
NOTICE = "Datos de demostración generados por abierto; no son cifras oficiales."


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    slug: str
    name: str
    level: str
    place_key: str


@dataclass(frozen=True, slots=True)
class DemoDataset:
    organization: DemoOrganization
    slug: str
    title: str
    description: str
    filename: str
    build: Callable[[random.Random], bytes]


MONTERREY = DemoOrganization("monterrey", "Municipio de Monterrey", "municipal", "19039")
ZAPOPAN = DemoOrganization("zapopan", "Municipio de Zapopan", "municipal", "14120")
JALISCO = DemoOrganization("jalisco", "Gobierno del Estado de Jalisco", "state", "14")


def _csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# Monterrey: public-works contracts, as a spreadsheet exported by a municipal office.

COMPANIES = [
    "Constructora Cerro de la Silla, S.A. de C.V.",
    "Pavimentos del Norte, S.A. de C.V.",
    "Urbanizadora Santa Lucía, S. de R.L.",
    "Ingeniería y Obras Mitras, S.A. de C.V.",
    "Grupo Constructor Topo Chico, S.A.",
    "Edificaciones Obispado, S.A. de C.V.",
]
WORKS = [
    "Rehabilitación de pavimento en la calle {street}",
    "Construcción de banquetas y rampas en la calle {street}",
    "Modernización del alumbrado público en la calle {street}",
    "Rehabilitación de la plaza pública junto a la calle {street}",
    "Obras de drenaje pluvial en la calle {street}",
]
STREETS = ["Padre Mier", "Hidalgo", "Zaragoza", "Juárez", "Morelos", "Washington", "Ruperto"]
COLONIAS = ["Centro", "Mitras Centro", "Obispado", "Cumbres", "San Bernabé", "Independencia"]
MODALITIES = ["Licitación pública", "Invitación restringida", "Adjudicación directa"]


def monterrey_contracts(rng: random.Random) -> bytes:
    header = [
        "Número de contrato", "Contratista", "Descripción de la obra", "Colonia",
        "Modalidad", "Fecha de firma", "Monto contratado", "Avance físico (%)",
    ]  # fmt: skip
    rows = [["Municipio de Monterrey — Contratos de obra pública 2023"], header]
    start = dt.date(2023, 1, 9)
    for i in range(1, 37):
        signed = start + dt.timedelta(days=i * 9 + rng.randint(0, 6))
        amount = rng.randint(180_000, 9_500_000) + rng.choice([0, 0.5, 0.25, 0.8])
        rows.append(
            [
                f"SIS-OP-{i:03d}/2023",
                rng.choice(COMPANIES),
                rng.choice(WORKS).format(street=rng.choice(STREETS)),
                rng.choice(COLONIAS),
                rng.choice(MODALITIES),
                signed.strftime("%d/%m/%Y"),
                f"{amount:,.2f}",
                str(min(100, rng.randint(0, 130))),
            ]
        )
    rows.append([f"Fuente: Secretaría de Infraestructura, Municipio de Monterrey. {NOTICE}"])
    return _csv_text(rows).encode("cp1252")


# Zapopan: automatic bike counters, one row per counter and day.

COUNTERS = [
    ("ZAP-01", "Av. Ávila Camacho y Av. Patria", 20.7108, -103.3952, 820),
    ("ZAP-02", "Av. Vallarta y Av. Juan Palomar y Arias", 20.6745, -103.4032, 640),
    ("ZAP-03", "Av. Guadalupe y Av. Tepeyac", 20.6633, -103.3977, 510),
    ("ZAP-04", "Av. Acueducto y Periférico Norte", 20.7252, -103.4141, 290),
]


def zapopan_bikes(rng: random.Random) -> bytes:
    rows = [["Fecha", "Contador", "Ubicación", "Ciclistas", "Coordenadas"]]
    for offset in range(60):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        weekend = day.weekday() >= 5
        for code, place, lat, lon, mean in COUNTERS:
            count = int(rng.gauss(mean * (0.55 if weekend else 1.0), mean * 0.12))
            rows.append([day.isoformat(), code, place, str(max(0, count)), f"{lat}, {lon}"])
    return _csv_text(rows).encode("utf-8")


# Jalisco: municipalities with their INEGI keys ("039" keeps its zeros).

MUNICIPALITIES = [
    ("001", "Acatic", "Altos Sur", False, 23_000),
    ("002", "Acatlán de Juárez", "Centro", True, 25_000),
    ("006", "Ameca", "Valles", False, 60_000),
    ("008", "Arandas", "Altos Sur", False, 80_000),
    ("015", "Autlán de Navarro", "Costa Sur", False, 64_000),
    ("023", "Zapotlán el Grande", "Sur", False, 115_000),
    ("039", "Guadalajara", "Centro", True, 1_385_000),
    ("044", "Ixtlahuacán de los Membrillos", "Centro", True, 68_000),
    ("051", "Juanacatlán", "Centro", True, 31_000),
    ("053", "Lagos de Moreno", "Altos Norte", False, 172_000),
    ("063", "Ocotlán", "Ciénega", False, 106_000),
    ("067", "Puerto Vallarta", "Costa Sierra Occidental", False, 292_000),
    ("070", "El Salto", "Centro", True, 233_000),
    ("093", "Tepatitlán de Morelos", "Altos Sur", False, 150_000),
    ("094", "Tequila", "Valles", False, 42_000),
    ("097", "Tlajomulco de Zúñiga", "Centro", True, 728_000),
    ("098", "San Pedro Tlaquepaque", "Centro", True, 687_000),
    ("101", "Tonalá", "Centro", True, 570_000),
    ("120", "Zapopan", "Centro", True, 1_476_000),
    ("124", "Zapotlanejo", "Centro", True, 65_000),
]


def jalisco_municipalities(rng: random.Random) -> bytes:
    header = [
        "Clave INEGI", "Clave entidad", "Clave municipio", "Municipio", "Región",
        "Área Metropolitana de Guadalajara", "Población aproximada",
    ]  # fmt: skip
    rows = [header]
    for key, name, region, metro, population in MUNICIPALITIES:
        approx = population + rng.randint(-500, 500)
        rows.append([f"14{key}", "14", key, name, region, "Sí" if metro else "No", str(approx)])
    return _csv_text(rows).encode("utf-8")


DATASETS = [
    DemoDataset(
        MONTERREY, "contratos-obra-publica", "Contratos de obra pública 2023",
        f"Contratos de obra pública firmados por el municipio en 2023. {NOTICE}",
        "contratos_obra_publica_2023.csv", monterrey_contracts,
    ),
    DemoDataset(
        ZAPOPAN, "conteo-ciclistas", "Conteo diario de ciclistas",
        f"Ciclistas registrados por los contadores automáticos, por día. {NOTICE}",
        "conteo_ciclistas.csv", zapopan_bikes,
    ),
    DemoDataset(
        JALISCO, "municipios-jalisco", "Municipios de Jalisco",
        f"Municipios de Jalisco con su clave INEGI y su región. {NOTICE}",
        "municipios_jalisco.csv", jalisco_municipalities,
    ),
]  # fmt: skip


def write_demo_files(folder: Path) -> list[tuple[DemoDataset, Path]]:
    """Write every demo file into ``folder``; the same bytes on every run."""
    files = []
    for index, demo in enumerate(DATASETS):
        path = folder / demo.filename
        path.write_bytes(demo.build(random.Random(SEED + index)))
        files.append((demo, path))
    return files


def load_demo(settings: Settings) -> Iterator[str]:
    """Publish the demo datasets, yielding one line per dataset."""
    context = AppContext.create(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="abierto-demo-") as tmp:
            for demo, path in write_demo_files(Path(tmp)):
                with context.db.session() as session:
                    line = _describe(demo, _publish_one(session, context, demo, path))
                yield line  # after the commit: a consumer that stops early keeps it
    finally:
        context.close()


def _publish_one(
    session: Session, context: AppContext, demo: DemoDataset, path: Path
) -> PublishResult:
    org = get_or_create_organization(session, demo.organization.slug, demo.organization.name)
    if org.level == "other":  # only a new organization gets the demo's details
        org.level = demo.organization.level
        org.place_key = demo.organization.place_key
    request = PublishRequest(path=path, organization=org.slug, dataset=demo.slug, title=demo.title)
    result = publish(session, context.settings, context.store, request)
    if not result.dataset.description:
        result.dataset.description = demo.description
    return result


def _describe(demo: DemoDataset, result: PublishResult) -> str:
    name = f"{demo.organization.slug}/{demo.slug}"
    if result.unchanged:
        return f"{name}: sin cambios / unchanged"
    parts = [f"versión {r.number}, {r.row_count:,} filas" for r in result.releases]
    english = [f"release {r.number}, {r.row_count:,} rows" for r in result.releases]
    return f"{name}: {'; '.join(parts)} / {'; '.join(english)}"
