"""Demo files, generated from a seeded random.Random: the same bytes on every run.

Each generator writes a file the way the office that owns the data would: title rows and
"Fuente:" notes, dates as DD/MM/YYYY, amounts as "1,234.50", keys with leading zeros, a
Windows-1252 ";" file with decimal commas, an Excel workbook with a merged title.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import xlsxwriter

from abierto.demo import words as w

NOTICE = "Datos de demostración generados por abierto; no son cifras oficiales."
# xlsxwriter stamps the creation time into the workbook; a fixed one keeps the bytes stable.
WORKBOOK_CREATED = dt.datetime(2024, 7, 1, 9, 0, 0)

Rows = list[list[str]]


def csv_bytes(rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def money(amount: float) -> str:
    return f"{amount:,.2f}"


def dmy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def comma(value: float, places: int) -> str:
    """A decimal comma, as Spanish-locale spreadsheets export numbers."""
    return f"{value:.{places}f}".replace(".", ",")


# -- SHCP -----------------------------------------------------------------------------


def federal_budget(rng: random.Random) -> bytes:
    header = [
        "Ciclo", "Clave de ramo", "Ramo", "Clave de capítulo", "Capítulo de gasto",
        "Trimestre", "Aprobado", "Modificado", "Ejercido",
    ]  # fmt: skip
    rows = [header]
    for key, ramo in w.RAMOS:
        size = rng.uniform(8e9, 4.5e11)
        for chapter, name, share in w.CAPITULOS:
            approved = size * share * rng.uniform(0.7, 1.3) / 4
            for quarter in range(1, 5):
                modified = approved * rng.uniform(0.9, 1.12)
                spent = modified * rng.uniform(0.75, 1.0)
                rows.append(
                    ["2024", key, ramo, chapter, name, str(quarter)]
                    + [f"{v:.2f}" for v in (approved, modified, spent)]
                )
    return csv_bytes(rows)


def federal_contracts(rng: random.Random) -> bytes:
    """Awarded contracts as an .xlsx: merged title, typed dates and amounts, a source note."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": WORKBOOK_CREATED, "author": "SHCP"})
    sheet = book.add_worksheet("Contratos 2024")
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    amount_format = book.add_format({"num_format": "#,##0.00"})
    header = [
        "Número de procedimiento", "Tipo de procedimiento", "Tipo de contratación",
        "Proveedor", "RFC del proveedor", "Descripción", "Fecha de adjudicación",
        "Fecha de inicio", "Fecha de término", "Monto adjudicado", "Moneda",
    ]  # fmt: skip
    sheet.merge_range(0, 0, 0, len(header) - 1, "Contratos adjudicados 2024 — SHCP", bold)
    sheet.write_row(2, 0, header, bold)
    suppliers = [w.company(rng) for _ in range(60)]
    rfcs = {name: w.rfc(rng, name) for name in suppliers}
    row = 3
    for number in range(1, 601):
        kind, prefix = rng.choice(PROCEDURES)
        hiring, items = rng.choice(PURCHASES)
        awarded = dt.date(2024, 1, 8) + dt.timedelta(days=rng.randint(0, 340))
        start = awarded + dt.timedelta(days=rng.randint(3, 30))
        end = start + dt.timedelta(days=rng.randint(30, 365))
        supplier = rng.choice(suppliers)
        amount = round(rng.lognormvariate(13.2, 1.3), 2)
        sheet.write_row(
            row, 0, [f"{prefix}-06-E00-006000999-N-{number}-2024", kind, hiring, supplier,
                     rfcs[supplier], rng.choice(items)],
        )  # fmt: skip
        for column, day in ((6, awarded), (7, start), (8, end)):
            sheet.write_datetime(row, column, dt.datetime.combine(day, dt.time()), date_format)
        sheet.write_number(row, 9, amount, amount_format)
        sheet.write_string(row, 10, "MXN")
        row += 1
    sheet.write_string(row + 1, 0, f"Fuente: Unidad de Administración y Finanzas, SHCP. {NOTICE}")
    book.close()
    return buffer.getvalue()


PROCEDURES = [
    ("Licitación pública", "LA"),
    ("Invitación a cuando menos tres personas", "IA"),
    ("Adjudicación directa", "AA"),
    ("Adjudicación directa", "AA"),
]
PURCHASES = [
    ("Adquisiciones", ["Equipo de cómputo", "Mobiliario de oficina", "Papelería y consumibles"]),
    ("Servicios", ["Servicio de limpieza", "Vigilancia de inmuebles", "Soporte técnico"]),
    ("Arrendamientos", ["Arrendamiento de vehículos", "Arrendamiento de inmueble"]),
    ("Obra pública", ["Mantenimiento de edificio", "Adecuación de oficinas"]),
]


# -- Jalisco --------------------------------------------------------------------------


def air_quality(rng: random.Random) -> bytes:
    """Hourly pollutant readings: Windows-1252, ";" and decimal commas, as Excel exports it."""
    header = [
        "Fecha y hora", "Clave", "Estación", "Latitud", "Longitud",
        "PM10 (µg/m³)", "PM2.5 (µg/m³)", "O3 (µg/m³)",
    ]  # fmt: skip
    rows: Rows = [["Sistema de Monitoreo Atmosférico de Jalisco — concentraciones horarias"]]
    rows.append(header)
    start = dt.datetime(2024, 3, 1, 1, 0)
    for hour in range(14 * 24):
        at = start + dt.timedelta(hours=hour)
        traffic = 1.4 if at.hour in (7, 8, 9, 19, 20) else 1.0
        sun = max(0.0, 1 - abs(at.hour - 14) / 7)
        for key, name, lat, lon in w.AIR_STATIONS:
            pm10 = rng.gauss(55, 15) * traffic
            pm25 = pm10 * rng.uniform(0.35, 0.6)
            ozone = 16 + 140 * sun * rng.uniform(0.6, 1.2)
            cells = [comma(max(pm10, 3), 1), comma(max(pm25, 1), 1), comma(ozone, 1)]
            if rng.random() < 0.01:  # a station off line for the hour
                cells = ["ND", "ND", "ND"]
            when = at.strftime("%d/%m/%Y %H:%M")
            rows.append([when, key, name, comma(lat, 4), comma(lon, 4), *cells])
    rows.append([f"Fuente: Secretaría de Medio Ambiente y Desarrollo Territorial. {NOTICE}"])
    return csv_bytes(rows, delimiter=";", encoding="cp1252")


SCHOOL_LEVELS = [
    ("Preescolar", "DJN", "Jardín de Niños", 0.3),
    ("Primaria", "DPR", "Escuela Primaria", 0.45),
    ("Secundaria", "DES", "Escuela Secundaria", 0.2),
    ("Media superior", "DCT", "Preparatoria", 0.05),
]
PATRONS = [
    "Benito Juárez", "Miguel Hidalgo y Costilla", "José María Morelos", "Sor Juana Inés de la "
    "Cruz", "Lázaro Cárdenas", "Niños Héroes", "Rosaura Zapata", "Agustín Yáñez",
    "Valentín Gómez Farías", "Juan José Arreola", "Ignacio Allende", "Gabriela Mistral",
    "Emiliano Zapata", "Francisco I. Madero", "Leona Vicario", "Josefa Ortiz de Domínguez",
]  # fmt: skip


def schools(rng: random.Random) -> bytes:
    header = [
        "Clave del centro de trabajo", "Nombre", "Nivel", "Sostenimiento", "Turno",
        "Clave INEGI del municipio", "Municipio", "Latitud", "Longitud", "Alumnos", "Docentes",
    ]  # fmt: skip
    rows = [header]
    levels = [level for level in SCHOOL_LEVELS for _ in range(int(level[3] * 100))]
    for number in range(1, 801):
        level, code, kind, _ = rng.choice(levels)
        key, municipality, *_ = rng.choice(w.MUNICIPALITIES)
        lat, lon = w.near(rng, *w.MUNICIPAL_CENTRES[key], 0.05)
        pupils = rng.randint(40, 650)
        private = rng.random() < 0.18
        cct = f"14{'P' if private else 'D'}{code[1:]}{number:04d}{rng.choice('ABCDEFGHJK')}"
        rows.append(
            [cct, f"{kind} {rng.choice(PATRONS)}", level, "Privado" if private else "Público",
             rng.choice(["Matutino", "Matutino", "Vespertino", "Tiempo completo"]), f"14{key}",
             municipality, f"{lat}", f"{lon}", str(pupils), str(max(2, pupils // 28))]
        )  # fmt: skip
    return csv_bytes(rows)


HEALTH_UNITS = [
    ("Centro de Salud", "SSJ", 0, 0.55),
    ("Unidad de Medicina Familiar", "IMSS", 0, 0.2),
    ("Clínica de Medicina Familiar", "ISSSTE", 0, 0.08),
    ("Hospital Comunitario", "SSJ", 30, 0.1),
    ("Hospital General de Zona", "IMSS", 180, 0.07),
]


def health_units(rng: random.Random) -> bytes:
    header = [
        "CLUES", "Nombre de la unidad", "Tipo", "Institución", "Municipio", "Localidad",
        "Latitud", "Longitud", "Consultorios", "Camas", "Fecha de apertura",
    ]  # fmt: skip
    rows = [header]
    kinds = [unit for unit in HEALTH_UNITS for _ in range(int(unit[3] * 100))]
    for number in range(1, 351):
        kind, institution, beds, _ = rng.choice(kinds)
        key, municipality, *_ = rng.choice(w.MUNICIPALITIES)
        lat, lon = w.near(rng, *w.MUNICIPAL_CENTRES[key], 0.06)
        opened = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 21_000))
        clues = f"JC{institution[:2]}{number:06d}"
        rows.append(
            [clues, f"{kind} {municipality} {number}", kind, institution, municipality,
             municipality, f"{lat}", f"{lon}", str(rng.randint(1, 12)),
             str(int(beds * rng.uniform(0.6, 1.4))), dmy(opened)]
        )  # fmt: skip
    return csv_bytes(rows)


def jalisco_municipalities(rng: random.Random) -> bytes:
    header = [
        "Clave INEGI", "Clave entidad", "Clave municipio", "Municipio", "Región",
        "Área Metropolitana de Guadalajara", "Población aproximada",
    ]  # fmt: skip
    rows = [header]
    for key, name, region, metro, population in w.MUNICIPALITIES:
        approx = population + rng.randint(-500, 500)
        rows.append([f"14{key}", "14", key, name, region, "Sí" if metro else "No", str(approx)])
    return csv_bytes(rows)


# -- Monterrey ------------------------------------------------------------------------

CRIMES = [
    ("Robo a casa habitación", 3.0), ("Robo a negocio", 2.5), ("Robo de vehículo", 2.0),
    ("Robo a transeúnte", 2.2), ("Lesiones dolosas", 1.8), ("Violencia familiar", 4.5),
    ("Daño en propiedad ajena", 1.5), ("Homicidio doloso", 0.3), ("Narcomenudeo", 1.2),
    ("Fraude", 1.0), ("Amenazas", 1.4),
]  # fmt: skip


def crime_incidence(rng: random.Random) -> bytes:
    rows = [["Año", "Mes", "Nombre del mes", "Colonia", "Delito", "Carpetas de investigación"]]
    weight = {colonia: rng.uniform(0.4, 2.2) for colonia, _, _ in w.MONTERREY_COLONIAS}
    for month in range(1, 13):
        for colonia, _, _ in w.MONTERREY_COLONIAS:
            for crime, rate in CRIMES:
                count = int(rng.expovariate(1 / (rate * weight[colonia])))
                if count:
                    name = w.MONTHS[month - 1]
                    rows.append(["2024", str(month), name, colonia, crime, str(count)])
    rows.append([f"Fuente: Secretaría de Seguridad Ciudadana de Monterrey. {NOTICE}"])
    return csv_bytes(rows)


WORKS = [
    "Rehabilitación de pavimento en {place}", "Construcción de banquetas y rampas en {place}",
    "Modernización del alumbrado público en {place}", "Rehabilitación de la plaza de {place}",
    "Obras de drenaje pluvial en {place}", "Construcción de ciclovía en {place}",
    "Rehabilitación de parque en {place}",
]  # fmt: skip
MODALITIES = ["Licitación pública", "Invitación restringida", "Adjudicación directa"]


def public_works(rng: random.Random, version: int) -> bytes:
    """Version 1: the first half of 2023; version 2: the whole year, the contractor column
    retitled (so the schema diff offers a rename)."""
    contractor = "Contratista" if version == 1 else "Empresa contratista"
    header = [
        "Número de contrato", contractor, "Descripción de la obra", "Colonia", "Latitud",
        "Longitud", "Modalidad", "Fecha de inicio", "Fecha de término", "Monto contratado",
        "Avance físico (%)",
    ]  # fmt: skip
    companies = [w.company(rng) for _ in range(18)]
    rows = [["Municipio de Monterrey — Obra pública 2023"], header]
    for number in range(1, 241):
        start = dt.date(2023, 1, 9) + dt.timedelta(days=(number - 1) * 350 // 240)
        colonia, lat, lon = rng.choice(w.MONTERREY_COLONIAS)
        point = w.near(rng, lat, lon, 0.006)
        amount = rng.randint(180_000, 9_500_000) + rng.choice([0, 0.5, 0.25, 0.8])
        end = start + dt.timedelta(days=rng.randint(30, 200))
        if version == 1 and start >= dt.date(2023, 7, 1):
            break
        rows.append(
            [f"SIS-OP-{number:03d}/2023", rng.choice(companies),
             rng.choice(WORKS).format(place=f"la colonia {colonia}"), colonia, str(point[0]),
             str(point[1]), rng.choice(MODALITIES), dmy(start), dmy(end), money(amount),
             str(min(100, rng.randint(0, 130)))]
        )  # fmt: skip
    rows.append([f"Fuente: Secretaría de Infraestructura Sostenible de Monterrey. {NOTICE}"])
    return csv_bytes(rows)


# -- Zapopan --------------------------------------------------------------------------

COUNTERS = [
    ("ZAP-01", "Av. Ávila Camacho y Av. Patria", 20.7108, -103.3952, 820),
    ("ZAP-02", "Av. Vallarta y Av. Juan Palomar y Arias", 20.6745, -103.4032, 640),
    ("ZAP-03", "Av. Guadalupe y Av. Tepeyac", 20.6633, -103.3977, 510),
    ("ZAP-04", "Av. Acueducto y Periférico Norte", 20.7252, -103.4141, 290),
]
STREETS = [
    "Av. Patria", "Av. Vallarta", "Av. Guadalupe", "Av. Ávila Camacho", "Av. Américas",
    "Av. Manuel J. Clouthier", "Av. Acueducto", "Av. Santa Margarita", "Av. Aviación",
    "Calz. Federalismo", "Av. México", "Av. Juan Palomar y Arias", "Av. Naciones Unidas",
]  # fmt: skip


def bike_counts(rng: random.Random) -> bytes:
    rows = [["Fecha", "Contador", "Ubicación", "Ciclistas", "Coordenadas"]]
    for offset in range(60):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        weekend = day.weekday() >= 5
        for code, place, lat, lon, mean in COUNTERS:
            count = int(rng.gauss(mean * (0.55 if weekend else 1.0), mean * 0.12))
            rows.append([day.isoformat(), code, place, str(max(0, count)), f"{lat}, {lon}"])
    return csv_bytes(rows)


def bike_stations(rng: random.Random) -> bytes:
    header = ["Clave", "Nombre", "Colonia", "Municipio", "Latitud", "Longitud", "Anclajes",
              "Estado", "Fecha de instalación"]  # fmt: skip
    rows = [header]
    for number in range(1, 301):
        a, b = rng.sample(STREETS, 2)
        lat, lon = w.near(rng, 20.690, -103.385, 0.045)
        installed = dt.date(2014, 12, 1) + dt.timedelta(days=rng.randint(0, 3300))
        status = "En mantenimiento" if rng.random() < 0.06 else "Activa"
        rows.append(
            [f"ZPN-{number:03d}", f"{a} y {b}", rng.choice(w.ZAPOPAN_COLONIAS), "Zapopan",
             f"{lat}", f"{lon}", str(rng.choice([12, 15, 15, 18, 21, 24])), status,
             dmy(installed)]
        )  # fmt: skip
    return csv_bytes(rows)


DEPARTMENTS = [
    "Presidencia Municipal", "Tesorería", "Secretaría del Ayuntamiento", "Obras Públicas e "
    "Infraestructura", "Servicios Públicos Municipales", "Comisaría de Seguridad Pública",
    "Protección Civil y Bomberos", "Desarrollo Económico", "Medio Ambiente", "Salud Municipal",
]  # fmt: skip
POSITIONS = [
    ("Auxiliar administrativo", 11_500), ("Policía de línea", 17_800), ("Bombero", 16_900),
    ("Jefe de departamento", 32_000), ("Director de área", 58_000), ("Chofer", 12_800),
    ("Analista", 19_500), ("Médico general", 28_000), ("Jardinero", 10_900),
    ("Coordinador", 41_000),
]  # fmt: skip


def payroll(rng: random.Random) -> bytes:
    header = ["Número de empleado", "Nombre", "Puesto", "Dependencia", "Tipo de plaza",
              "Fecha de ingreso", "Sueldo mensual bruto", "Sueldo mensual neto"]  # fmt: skip
    rows = [header]
    for number in range(1, 601):
        position, base = rng.choice(POSITIONS)
        gross = round(base * rng.uniform(0.92, 1.15), 2)
        hired = dt.date(1992, 1, 1) + dt.timedelta(days=rng.randint(0, 11_500))
        rows.append(
            [f"{number + 10_000:06d}", w.person(rng), position, rng.choice(DEPARTMENTS),
             rng.choice(["Base", "Base", "Confianza", "Eventual"]), dmy(hired), money(gross),
             money(gross * rng.uniform(0.78, 0.86))]
        )  # fmt: skip
    return csv_bytes(rows)


PROJECTS = [
    "Rehabilitación de la cancha de usos múltiples", "Luminarias LED en la calle principal",
    "Banquetas accesibles junto a la escuela", "Arbolado y riego del camellón",
    "Cámaras de videovigilancia vecinal", "Techado del patio cívico",
    "Rehabilitación del centro comunitario", "Juegos infantiles incluyentes",
]  # fmt: skip


def participatory_budget(rng: random.Random) -> bytes:
    rows = [["Folio", "Colonia", "Proyecto", "Monto estimado", "Votos", "Fecha de registro"]]
    for number in range(1, 151):
        registered = dt.date(2024, 9, 2) + dt.timedelta(days=rng.randint(0, 45))
        rows.append(
            [f"PP-2025-{number:04d}", rng.choice(w.ZAPOPAN_COLONIAS), rng.choice(PROJECTS),
             money(rng.randint(150, 2_500) * 1_000), str(rng.randint(12, 1_900)),
             dmy(registered)]
        )  # fmt: skip
    return csv_bytes(rows)
