"""A generated catalog for the search benchmark: realistic Spanish metadata, inserted in bulk.

Organizations are federal secretariats, states and municipalities; each dataset has a title
built from a subject of its theme, a place and a year, a two- or three-sentence description,
tags, one or two themes, a licence, a frequency and one to three resources (tables with a
release whose schema carries column titles, PDF files, links). About 3 % are private and 2 %
drafts, so visibility filtering does real work. Rows go in with executemany, then the real
``search.service.reindex_all`` builds the index.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from abierto.catalog.models import (
    Dataset,
    Organization,
    Release,
    Resource,
    Tag,
    Theme,
    dataset_tag,
    dataset_theme,
)
from abierto.search.service import reindex_all

STATES = [
    "Aguascalientes", "Baja California", "Baja California Sur", "Campeche", "Chiapas",
    "Chihuahua", "Ciudad de México", "Coahuila", "Colima", "Durango", "Guanajuato", "Guerrero",
    "Hidalgo", "Jalisco", "Estado de México", "Michoacán", "Morelos", "Nayarit", "Nuevo León",
    "Oaxaca", "Puebla", "Querétaro", "Quintana Roo", "San Luis Potosí", "Sinaloa", "Sonora",
    "Tabasco", "Tamaulipas", "Tlaxcala", "Veracruz", "Yucatán", "Zacatecas",
]  # fmt: skip
MUNICIPALITIES = [
    "Zapopan", "Guadalajara", "Tlaquepaque", "Tonalá", "Tlajomulco de Zúñiga", "Monterrey",
    "San Pedro Garza García", "Apodaca", "Guadalupe", "Escobedo", "Santa Catarina", "León",
    "Irapuato", "Celaya", "Mérida", "Puebla", "Querétaro", "Toluca", "Naucalpan", "Ecatepec",
    "Tijuana", "Mexicali", "Ensenada", "Hermosillo", "Culiacán", "Mazatlán", "Chihuahua",
    "Ciudad Juárez", "Torreón", "Saltillo", "Durango", "Morelia", "Uruapan", "Cuernavaca",
    "Oaxaca de Juárez", "Xalapa", "Veracruz", "Villahermosa", "Cancún", "Campeche", "Tuxtla",
    "San Cristóbal de las Casas", "Pachuca", "Tepic", "Colima", "Aguascalientes", "Zacatecas",
    "San Luis Potosí", "Tampico", "Reynosa", "Acapulco", "Chilpancingo", "Tlaxcala", "La Paz",
]  # fmt: skip
SECRETARIATS = [
    "Secretaría de Hacienda y Crédito Público", "Secretaría de Educación Pública",
    "Secretaría de Salud", "Secretaría de Economía", "Secretaría de Bienestar",
    "Secretaría de Medio Ambiente y Recursos Naturales", "Secretaría de Energía",
    "Secretaría de Infraestructura, Comunicaciones y Transportes",
    "Secretaría de Agricultura y Desarrollo Rural", "Secretaría de Cultura",
    "Secretaría de Seguridad y Protección Ciudadana", "Secretaría de Turismo",
    "Secretaría del Trabajo y Previsión Social", "Comisión Nacional del Agua",
    "Instituto Mexicano del Seguro Social", "Instituto Nacional de Estadística y Geografía",
]  # fmt: skip

# theme slug → (Spanish, English, subjects); a subject is "title|column title;column title;…"
THEMES: dict[str, tuple[str, str, list[str]]] = {
    "educacion": ("Educación", "Education", [
        "Matrícula escolar por nivel educativo|Nivel educativo;Alumnos inscritos;Ciclo escolar",
        "Escuelas públicas y privadas|Clave del centro de trabajo;Nombre de la escuela;Turno",
        "Becas otorgadas a estudiantes|Tipo de beca;Monto de la beca;Beneficiarios",
        "Docentes por plantel|Plantel;Número de docentes;Grado académico",
    ]),
    "salud": ("Salud", "Health", [
        "Unidades médicas en servicio|CLUES;Nombre de la unidad;Tipología",
        "Casos confirmados de dengue|Semana epidemiológica;Casos confirmados;Defunciones",
        "Camas hospitalarias disponibles|Hospital;Camas censables;Ocupación",
        "Vacunas aplicadas por grupo de edad|Biológico;Grupo de edad;Dosis aplicadas",
    ]),
    "finanzas": ("Finanzas públicas", "Public finance", [
        "Presupuesto de egresos|Capítulo de gasto;Monto aprobado;Monto ejercido",
        "Contratos adjudicados|Proveedor;Monto adjudicado;Procedimiento de contratación",
        "Ingresos propios recaudados|Concepto de ingreso;Monto recaudado;Mes",
        "Deuda pública|Acreedor;Saldo de la deuda;Tasa de interés",
    ]),
    "seguridad": ("Seguridad", "Public safety", [
        "Incidencia delictiva por colonia|Colonia;Tipo de delito;Número de carpetas",
        "Llamadas de emergencia al 911|Motivo de la llamada;Hora;Tiempo de respuesta",
        "Accidentes de tránsito|Tipo de accidente;Lesionados;Vialidad",
    ]),
    "medio-ambiente": ("Medio ambiente", "Environment", [
        "Calidad del aire por estación de monitoreo|Estación;PM10;Ozono",
        "Áreas verdes y arbolado urbano|Parque;Superficie en metros cuadrados;Especie",
        "Residuos sólidos recolectados|Ruta de recolección;Toneladas;Tipo de residuo",
    ]),
    "movilidad": ("Movilidad", "Mobility", [
        "Estaciones de bicicleta pública|Estación;Capacidad;Latitud",
        "Rutas de transporte público|Ruta;Longitud del recorrido;Unidades en servicio",
        "Aforos vehiculares|Crucero;Vehículos por hora;Sentido",
    ]),
    "obras": ("Obras públicas", "Public works", [
        "Obra pública contratada|Nombre de la obra;Monto contratado;Avance físico",
        "Licencias de construcción|Número de licencia;Superficie construida;Uso de suelo",
        "Bacheo y mantenimiento vial|Calle;Metros cuadrados reparados;Fecha de atención",
    ]),
    "desarrollo-social": ("Desarrollo social", "Social development", [
        "Padrón de beneficiarios de programas sociales|Programa;Apoyo otorgado;Sexo",
        "Comedores comunitarios|Comedor;Raciones servidas;Localidad",
        "Indicadores de pobreza|Indicador;Porcentaje de población;Año",
    ]),
    "economia": ("Economía", "Economy", [
        "Unidades económicas registradas|Actividad económica;Personal ocupado;Código postal",
        "Empleo formal registrado|Sector;Trabajadores asegurados;Salario promedio",
        "Inversión extranjera directa|País de origen;Monto en dólares;Trimestre",
    ]),
    "gobierno": ("Gobierno", "Government", [
        "Nómina de servidores públicos|Puesto;Sueldo mensual bruto;Dependencia",
        "Solicitudes de acceso a la información|Folio;Sujeto obligado;Respuesta",
        "Sesiones de cabildo|Número de sesión;Acuerdos aprobados;Votación",
    ]),
    "agua": ("Agua", "Water", [
        "Consumo de agua potable por colonia|Colonia;Metros cúbicos consumidos;Tomas",
        "Nivel de presas|Presa;Almacenamiento;Porcentaje de llenado",
        "Plantas de tratamiento de aguas residuales|Planta;Caudal tratado;Proceso",
    ]),
    "cultura": ("Cultura", "Culture", [
        "Museos y centros culturales|Recinto;Visitantes;Horario",
        "Bibliotecas públicas|Biblioteca;Acervo;Usuarios atendidos",
        "Festivales y eventos culturales|Evento;Asistentes;Sede",
    ]),
}  # fmt: skip
QUALIFIERS = [
    "por municipio", "por colonia", "por mes", "por trimestre", "por entidad federativa",
    "histórico", "consolidado", "por dependencia", "por sexo y edad", "georreferenciado",
]  # fmt: skip
TAGS = [
    "presupuesto", "transparencia", "rendición de cuentas", "contrataciones", "obra pública",
    "escuelas", "salud pública", "hospitales", "seguridad", "delitos", "movilidad",
    "bicicletas", "transporte", "medio ambiente", "calidad del aire", "agua", "drenaje",
    "cultura", "bibliotecas", "economía", "empleo", "pobreza", "programas sociales", "becas",
    "vacunación", "covid-19", "dengue", "nómina", "servidores públicos", "licencias",
    "catastro", "predial", "deuda", "ingresos", "egresos", "proveedores", "georreferencia",
    "colonias", "municipios", "censo", "inegi", "indicadores", "accidentes", "emergencias",
    "residuos", "parques", "turismo", "agricultura", "energía", "vivienda",
]  # fmt: skip
SENTENCES = [
    "Información publicada por {org} con cortes periódicos.",
    "Incluye {subject} con desglose {qualifier}.",
    "Los datos provienen de registros administrativos de {org}.",
    "Se actualiza conforme a la normatividad de transparencia vigente.",
    "Contiene la información de {year} y años anteriores cuando está disponible.",
    "Las cifras son preliminares y pueden cambiar en revisiones posteriores.",
    "Consulta el diccionario de datos para conocer el significado de cada columna.",
    "Útil para análisis territoriales en {place}.",
]  # fmt: skip
LICENSE_IDS = ["libre-uso-mx"] * 5 + ["cc-by-4.0"] * 3 + ["cc0-1.0", "other-closed", "notspecified"]
FREQUENCY_IDS = ["MONTHLY", "ANNUAL", "QUARTERLY", "DAILY", "WEEKLY", "IRREG", None]
FILE_FORMATS = ["PDF", "PDF", "ZIP", "SHP", "DOCX"]
TABLE_SUFFIXES = [".csv", ".csv", ".csv", ".xlsx", ".xlsx", ".json"]
BATCH = 5000


def _id() -> str:
    return uuid.uuid4().hex


def _slugify(text: str) -> str:
    from abierto.search.text import fold

    return "-".join("".join(c if c.isalnum() else " " for c in fold(text)).split())


def organizations() -> list[dict[str, Any]]:
    rows = [(name, "federal") for name in SECRETARIATS]
    rows += [(f"Gobierno del Estado de {name}", "state") for name in STATES]
    rows += [(f"Municipio de {name}", "municipal") for name in MUNICIPALITIES]
    return [{"id": _id(), "slug": _slugify(n), "name": n, "level": lvl} for n, lvl in rows]


def _place(org_name: str) -> str:
    for prefix in ("Gobierno del Estado de ", "Municipio de "):
        if org_name.startswith(prefix):
            return org_name.removeprefix(prefix)
    return "México"


class Generator:
    """Rows for ``count`` datasets, yielded in batches so memory stays flat."""

    def __init__(self, count: int, seed: int) -> None:
        self.count = count
        self.random = random.Random(seed)
        self.orgs = organizations()
        self.themes = [
            {"id": _id(), "slug": slug, "name_es": es, "name_en": en, "description": ""}
            for slug, (es, en, _) in THEMES.items()
        ]
        self.tags = [{"id": _id(), "name": name} for name in TAGS]
        self.now = dt.datetime(2026, 11, 1)

    def batches(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        for start in range(0, self.count, BATCH):
            batch: dict[str, list[dict[str, Any]]] = {
                k: [] for k in ("dataset", "tag", "theme", "resource", "release")
            }
            for number in range(start, min(start + BATCH, self.count)):
                self._dataset(number, batch)
            yield batch

    def _dataset(self, number: int, batch: dict[str, list[dict[str, Any]]]) -> None:
        rnd = self.random
        org = rnd.choice(self.orgs)
        theme = rnd.choice(self.themes)
        subject, titles = rnd.choice(THEMES[theme["slug"]][2]).split("|")
        columns = titles.split(";")
        year = rnd.randint(2010, 2026)
        place = _place(org["name"])
        qualifier = rnd.choice(QUALIFIERS)
        title = f"{subject} {qualifier}, {place} {year}"
        words = {"org": org["name"], "subject": subject.lower(), "qualifier": qualifier}
        words |= {"year": year, "place": place}
        description = " ".join(s.format(**words) for s in rnd.sample(SENTENCES, rnd.randint(2, 3)))
        modified = self.now - dt.timedelta(minutes=rnd.randint(0, 8 * 365 * 24 * 60))
        state = "draft" if rnd.random() < 0.02 else "published"
        dataset_id = _id()
        batch["dataset"].append(
            {
                "id": dataset_id,
                "slug": f"{_slugify(subject)}-{number}",
                "organization_id": org["id"],
                "title": title,
                "description": description,
                "private": rnd.random() < 0.03,
                "state": state,
                "license_id": rnd.choice(LICENSE_IDS),
                "frequency": rnd.choice(FREQUENCY_IDS),
                "spatial": place,
                "language": "es",
                "view_count": rnd.randint(0, 5000),
                "created_at": modified - dt.timedelta(days=rnd.randint(0, 900)),
                "modified_at": modified,
            }
        )
        for tag in rnd.sample(self.tags, rnd.randint(1, 5)):
            batch["tag"].append({"dataset_id": dataset_id, "tag_id": tag["id"]})
        chosen = {theme["id"]} | ({rnd.choice(self.themes)["id"]} if rnd.random() < 0.3 else set())
        batch["theme"] += [{"dataset_id": dataset_id, "theme_id": t} for t in chosen]
        self._resources(dataset_id, subject, columns, year, modified, batch)

    def _resources(
        self,
        dataset_id: str,
        subject: str,
        columns: list[str],
        year: int,
        modified: dt.datetime,
        batch: dict[str, list[dict[str, Any]]],
    ) -> None:
        rnd = self.random
        base = _slugify(subject).replace("-", "_")
        for position in range(rnd.choice([1, 1, 1, 2, 2, 3])):
            kind = "table" if position == 0 else rnd.choice(["table", "file", "link"])
            resource_id = _id()
            name = f"{base}_{year}" if position == 0 else f"{base}_{kind}_{position}"
            fmt = None if kind == "table" else rnd.choice(FILE_FORMATS)
            batch["resource"].append(
                {
                    "id": resource_id,
                    "dataset_id": dataset_id,
                    "name": name,
                    "kind": kind,
                    "position": position,
                    "title": f"{subject} {year}",
                    "description": "Archivo descargable." if kind != "table" else "",
                    "url": f"https://datos.example.gob.mx/{name}" if kind == "link" else None,
                    "format": fmt,
                    "column_descriptions": {},
                    "created_at": modified,
                }
            )
            if kind == "table":
                batch["release"].append(self._release(resource_id, name, columns, modified))

    def _release(
        self, resource_id: str, name: str, columns: list[str], modified: dt.datetime
    ) -> dict[str, Any]:
        schema = [
            {"name": _slugify(c).replace("-", "_"), "title": c, "type": "text"} for c in columns
        ]
        return {
            "id": _id(),
            "resource_id": resource_id,
            "number": 1,
            "created_at": modified,
            "blob_key": f"bench/{resource_id}.parquet",
            "checksum": "0" * 64,
            "size_bytes": self.random.randint(10_000, 50_000_000),
            "row_count": self.random.randint(10, 2_000_000),
            "schema": {"columns": schema},
            "profile": {},
            "report": {"valid": True, "error_count": 0},
            "diff": None,
            "detected": {},
            "notes": [],
            "source_name": name + self.random.choice(TABLE_SUFFIXES),
            "source_sha256": "0" * 64,
        }


def build_catalog(session: Session, count: int, seed: int = 7) -> dict[str, float]:
    """Insert ``count`` datasets and index them; returns the seconds each step took."""
    generator = Generator(count, seed)
    started = time.perf_counter()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # a bulk load: skip the per-statement search-generation triggers, bump once
        session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(insert(Organization), generator.orgs)
    session.execute(insert(Theme), generator.themes)
    session.execute(insert(Tag), generator.tags)
    for batch in generator.batches():
        session.execute(insert(Dataset), batch["dataset"])
        session.execute(insert(dataset_tag), batch["tag"])
        session.execute(insert(dataset_theme), batch["theme"])
        session.execute(insert(Resource), batch["resource"])
        session.execute(insert(Release), batch["release"])
    session.flush()
    inserted = time.perf_counter()
    reindex_all(session)
    session.flush()
    if postgres:
        session.execute(text("SET LOCAL session_replication_role = origin"))
        session.execute(text("UPDATE search_generation SET value = value + 1"))
    return {"insert_s": inserted - started, "index_s": time.perf_counter() - inserted}
