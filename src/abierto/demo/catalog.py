"""What the demo catalog holds: publishers, themes and datasets with their full metadata."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from abierto.demo import generators as g

Builder = Callable[..., bytes]


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    slug: str
    name: str
    level: str
    place_key: str | None
    homepage: str
    contact_email: str
    description: str


@dataclass(frozen=True, slots=True)
class DemoTheme:
    slug: str
    name_es: str
    name_en: str
    description: str


@dataclass(frozen=True, slots=True)
class DemoSource:
    """One file, published as one release; a dataset's sources are published in order."""

    filename: str
    build: Builder


@dataclass(frozen=True, slots=True)
class DemoLink:
    name: str
    title: str
    url: str
    format: str


@dataclass(frozen=True, slots=True)
class DemoDataset:
    organization: DemoOrganization
    slug: str
    title: str
    description: str  # Markdown
    sources: tuple[DemoSource, ...]
    license_id: str | None
    frequency: str
    tags: tuple[str, ...]
    themes: tuple[str, ...]
    temporal: tuple[dt.date, dt.date]
    spatial: str
    contact: tuple[str, str]
    private: bool = False
    state: str = "published"
    links: tuple[DemoLink, ...] = ()
    column_descriptions: dict[str, str] = field(default_factory=dict)


SHCP = DemoOrganization(
    "shcp", "Secretaría de Hacienda y Crédito Público", "federal", None,
    "https://www.gob.mx/shcp", "datos.abiertos@hacienda.gob.mx",
    "Dependencia del Gobierno Federal responsable de la política fiscal, el gasto público y "
    "la deuda pública.",
)  # fmt: skip
JALISCO = DemoOrganization(
    "jalisco", "Gobierno del Estado de Jalisco", "state", "14",
    "https://www.jalisco.gob.mx", "datos.abiertos@jalisco.gob.mx",
    "Gobierno estatal de Jalisco: educación, salud, medio ambiente y movilidad del estado.",
)  # fmt: skip
MONTERREY = DemoOrganization(
    "monterrey", "Municipio de Monterrey", "municipal", "19039",
    "https://www.monterrey.gob.mx", "transparencia@monterrey.gob.mx",
    "Gobierno municipal de Monterrey, Nuevo León.",
)  # fmt: skip
ZAPOPAN = DemoOrganization(
    "zapopan", "Municipio de Zapopan", "municipal", "14120",
    "https://www.zapopan.gob.mx", "datos.abiertos@zapopan.gob.mx",
    "Gobierno municipal de Zapopan, Jalisco.",
)  # fmt: skip
ORGANIZATIONS = (SHCP, JALISCO, MONTERREY, ZAPOPAN)

THEMES = (
    DemoTheme("finanzas-publicas", "Finanzas públicas", "Public finance",
              "Presupuesto, ingresos, gasto, deuda y contrataciones."),
    DemoTheme("seguridad", "Seguridad", "Public safety",
              "Incidencia delictiva, policía y protección civil."),
    DemoTheme("obra-publica", "Obra pública", "Public works",
              "Obras, contratos de obra y su avance."),
    DemoTheme("medio-ambiente", "Medio ambiente", "Environment",
              "Calidad del aire, agua, residuos y áreas verdes."),
    DemoTheme("educacion", "Educación", "Education", "Escuelas, matrícula y docentes."),
    DemoTheme("salud", "Salud", "Health", "Unidades médicas, servicios y salud pública."),
    DemoTheme("movilidad", "Movilidad", "Mobility",
              "Transporte público, bicicleta, tránsito y calles."),
)  # fmt: skip

NOTICE = f"\n\n> {g.NOTICE}"


def _src(filename: str, build: Builder, **kwargs: object) -> DemoSource:
    return DemoSource(filename, functools.partial(build, **kwargs) if kwargs else build)


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


DATASETS = (
    DemoDataset(
        SHCP, "presupuesto-egresos-federacion-2024", "Presupuesto de Egresos de la Federación 2024",
        "Gasto **aprobado, modificado y ejercido** por ramo y capítulo de gasto, por trimestre."
        "\n\n- Montos en pesos corrientes.\n- El decreto completo está en el enlace al PDF."
        + NOTICE,
        (_src("pef_2024_ramo_capitulo.csv", g.federal_budget),), "libre-uso-mx", "QUARTERLY",
        ("presupuesto", "gasto público", "PEF"), ("finanzas-publicas",), _year(2024), "México",
        ("Unidad de Política y Control Presupuestario", "datos.abiertos@hacienda.gob.mx"),
        links=(DemoLink("decreto-pef-2024", "Decreto de Presupuesto de Egresos 2024 (PDF)",
                        "https://www.dof.gob.mx/2023/SHCP/PEF_2024.pdf", "PDF"),),
        column_descriptions={"ejercido": "Gasto pagado al cierre del trimestre, en pesos."},
    ),
    DemoDataset(
        SHCP, "contratos-adjudicados-2024", "Contratos adjudicados 2024",
        "Contratos de adquisiciones, servicios, arrendamientos y obra adjudicados por la "
        "Secretaría, con su **monto adjudicado**, proveedor y vigencia.\n\nPublicado tal como "
        "lo exporta el sistema de compras: un libro de Excel." + NOTICE,
        (_src("contratos_adjudicados_2024.xlsx", g.federal_contracts),), "cc-by-4.0", "MONTHLY",
        ("contratos", "compras públicas", "proveedores"), ("finanzas-publicas",), _year(2024),
        "México", ("Unidad de Administración y Finanzas", "compras@hacienda.gob.mx"),
        column_descriptions={"monto_adjudicado": "Importe del contrato con IVA, en pesos."},
    ),
    DemoDataset(
        JALISCO, "calidad-del-aire", "Calidad del aire: concentraciones horarias",
        "Concentraciones horarias de **PM2.5, PM10 y ozono** en las estaciones del Sistema de "
        "Monitoreo Atmosférico del Área Metropolitana de Guadalajara.\n\n`ND`: estación sin "
        "dato en esa hora." + NOTICE,
        (_src("simaj_horario_marzo_2024.csv", g.air_quality),), "cc-by-4.0", "DAILY",
        ("calidad del aire", "PM2.5", "ozono", "contaminación"), ("medio-ambiente", "salud"),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 15)), "Área Metropolitana de Guadalajara",
        ("Secretaría de Medio Ambiente y Desarrollo Territorial", "aire@jalisco.gob.mx"),
        column_descriptions={"pm2_5_g_m3": "Partículas menores a 2.5 micras, promedio horario."},
    ),
    DemoDataset(
        JALISCO, "escuelas", "Escuelas de educación básica y media superior",
        "Planteles con su clave de centro de trabajo (CCT), nivel, sostenimiento, ubicación, "
        "alumnos y docentes." + NOTICE,
        (_src("escuelas_jalisco.csv", g.schools),), "cc-by-nc-4.0", "ANNUAL",
        ("escuelas", "CCT", "matrícula"), ("educacion",),
        (dt.date(2023, 9, 1), dt.date(2024, 7, 15)), "14",
        ("Secretaría de Educación Jalisco", "estadistica@jalisco.gob.mx"),
    ),
    DemoDataset(
        JALISCO, "unidades-de-salud", "Unidades de salud",
        "Centros de salud, clínicas y hospitales públicos con su clave **CLUES**, institución, "
        "consultorios y camas." + NOTICE,
        (_src("unidades_salud_jalisco.csv", g.health_units),), None, "IRREG",
        ("hospitales", "CLUES", "centros de salud"), ("salud",), _year(2024), "14",
        ("Secretaría de Salud Jalisco", "salud.datos@jalisco.gob.mx"),
    ),
    DemoDataset(
        JALISCO, "municipios-jalisco", "Municipios de Jalisco",
        "Municipios con su clave INEGI de cinco dígitos, región y población aproximada."
        + NOTICE,
        (_src("municipios_jalisco.csv", g.jalisco_municipalities),), "cc0-1.0", "NEVER",
        ("municipios", "INEGI", "catálogo"), (), _year(2020), "14",
        ("Instituto de Información Estadística y Geográfica", "iieg@jalisco.gob.mx"),
    ),
    DemoDataset(
        MONTERREY, "incidencia-delictiva", "Incidencia delictiva por colonia y mes",
        "Carpetas de investigación abiertas por **colonia**, mes y tipo de delito.\n\nSólo se "
        "listan combinaciones con al menos una carpeta." + NOTICE,
        (_src("incidencia_delictiva_2024.csv", g.crime_incidence),), "cc-by-4.0", "MONTHLY",
        ("delitos", "seguridad pública", "colonias"), ("seguridad",), _year(2024), "19039",
        ("Secretaría de Seguridad Ciudadana", "transparencia@monterrey.gob.mx"),
    ),
    DemoDataset(
        MONTERREY, "obra-publica", "Obra pública 2023",
        "Obras contratadas por el municipio, con su ubicación (latitud y longitud), monto y "
        "avance físico.\n\nLa segunda versión agrega el segundo semestre y retitula la columna "
        "del contratista." + NOTICE,
        (_src("obra_publica_2023_s1.csv", g.public_works, version=1),
         _src("obra_publica_2023.csv", g.public_works, version=2)),
        "libre-uso-mx", "QUARTERLY", ("obra pública", "contratos", "infraestructura"),
        ("obra-publica", "finanzas-publicas"), _year(2023), "19039",
        ("Secretaría de Infraestructura Sostenible", "obras@monterrey.gob.mx"),
    ),
    DemoDataset(
        ZAPOPAN, "estaciones-bicicleta-publica", "Estaciones de bicicleta pública",
        "Estaciones del sistema de bicicleta pública en Zapopan: ubicación, anclajes y "
        "estado." + NOTICE,
        (_src("estaciones_bicicleta.csv", g.bike_stations),), "odc-odbl", "IRREG",
        ("bicicleta", "movilidad activa", "estaciones"), ("movilidad",), _year(2024), "14120",
        ("Dirección de Movilidad y Transporte", "movilidad@zapopan.gob.mx"),
    ),
    DemoDataset(
        ZAPOPAN, "conteo-ciclistas", "Conteo diario de ciclistas",
        "Ciclistas registrados por los contadores automáticos, por día." + NOTICE,
        (_src("conteo_ciclistas.csv", g.bike_counts),), "cc-by-4.0", "DAILY",
        ("bicicleta", "aforos"), ("movilidad",), (dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
        "14120", ("Dirección de Movilidad y Transporte", "movilidad@zapopan.gob.mx"),
    ),
    DemoDataset(
        ZAPOPAN, "nomina", "Nómina del personal municipal",
        "Sueldos por persona servidora pública. **Privado**: sólo lo ven los miembros del "
        "municipio mientras se revisan los datos personales." + NOTICE,
        (_src("nomina_2024.csv", g.payroll),), "libre-uso-mx", "ANNUAL_2",
        ("nómina", "sueldos"), ("finanzas-publicas",), _year(2024), "14120",
        ("Dirección de Recursos Humanos", "rh@zapopan.gob.mx"), private=True,
    ),
    DemoDataset(
        ZAPOPAN, "presupuesto-participativo-2025", "Presupuesto participativo 2025 (borrador)",
        "Proyectos vecinales registrados para el presupuesto participativo. **Borrador**: "
        "aún no se publica." + NOTICE,
        (_src("presupuesto_participativo_2025.csv", g.participatory_budget),), "cc-by-sa-4.0",
        "ANNUAL", ("participación ciudadana", "presupuesto"), ("finanzas-publicas",),
        _year(2025), "14120", ("Dirección de Participación Ciudadana", "participa@zapopan.gob.mx"),
        state="draft",
    ),
)  # fmt: skip
