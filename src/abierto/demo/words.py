"""Reference lists for the demo generators: names, companies, places, stations, budget keys.

Places and station coordinates are real (approximate); people and companies are invented.
"""

from __future__ import annotations

import random

FIRST_NAMES = [
    "José", "Juan", "Luis", "Carlos", "Miguel Ángel", "Jorge", "Francisco", "Alejandro",
    "Roberto", "Fernando", "Ricardo", "Eduardo", "Javier", "Raúl", "Héctor", "Sergio",
    "Arturo", "Martín", "Jesús", "Óscar", "María", "Guadalupe", "Ana María", "Rosa",
    "Patricia", "Laura", "Gabriela", "Verónica", "Leticia", "Adriana", "Alejandra",
    "Claudia", "Mónica", "Silvia", "Elizabeth", "Norma", "Margarita", "Sofía", "Fernanda",
    "Daniela", "Ximena", "Valeria", "Itzel", "Citlali",
]  # fmt: skip

SURNAMES = [
    "Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo",
    "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez",
    "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas",
    "Contreras", "Salazar", "Luna", "Ortega", "Guerrero", "Estrada", "Cervantes", "Navarro",
    "Delgado", "Ibarra", "Treviño", "Garza", "Villarreal", "Cantú",
]  # fmt: skip

COMPANY_WORDS = [
    "Constructora", "Servicios Integrales", "Comercializadora", "Grupo", "Suministros",
    "Tecnología y Sistemas", "Consultores", "Distribuidora", "Ingeniería", "Proveedora",
]  # fmt: skip
COMPANY_PLACES = [
    "del Bajío", "del Norte", "de Occidente", "del Pacífico", "Azteca", "Mexicana",
    "Anáhuac", "del Golfo", "Tapatía", "Regiomontana", "del Centro", "Metropolitana",
]  # fmt: skip
COMPANY_FORMS = ["S.A. de C.V.", "S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V."]

MONTERREY_COLONIAS = [
    ("Centro", 25.6714, -100.3097), ("Obispado", 25.6760, -100.3390),
    ("Mitras Centro", 25.6930, -100.3480), ("Cumbres 1er Sector", 25.7110, -100.3720),
    ("San Jerónimo", 25.6800, -100.3700), ("Contry", 25.6360, -100.2800),
    ("Independencia", 25.6580, -100.3140), ("Topo Chico", 25.7300, -100.3250),
    ("Valle Verde", 25.7420, -100.3500), ("Moderna", 25.6950, -100.2900),
    ("Tecnológico", 25.6500, -100.2900), ("Vista Hermosa", 25.6900, -100.3650),
    ("Loma Larga", 25.6600, -100.3300), ("San Bernabé", 25.7550, -100.3650),
    ("Fomerrey 1", 25.7450, -100.3800), ("Buenos Aires", 25.6550, -100.2850),
    ("Altavista", 25.6480, -100.2780), ("Caracol", 25.6650, -100.2450),
    ("Industrial", 25.7000, -100.3050), ("Lomas Modelo", 25.7250, -100.3100),
]  # fmt: skip

ZAPOPAN_COLONIAS = [
    "Ciudad Granja", "Jardines del Sol", "Ciudad Bugambilias", "Santa Ana Tepetitlán",
    "Las Águilas", "Tesistán", "Arcos de Zapopan", "Constitución", "La Tuzanía",
    "Nuevo México", "El Colli Urbano", "Miramar", "Santa Margarita", "Mesa Colorada",
    "Lomas de Zapopan", "Jardines Vallarta", "Puerta de Hierro", "Prados Tepeyac",
    "Zapopan Centro", "Villa de los Colomos",
]  # fmt: skip

# Jalisco municipalities of the demo: INEGI municipal key, name, region, metro area, population.
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

# Approximate centres of the municipalities above, for points scattered around them.
MUNICIPAL_CENTRES = {
    "001": (20.7800, -102.9100), "002": (20.4200, -103.5900), "006": (20.5470, -104.0470),
    "008": (20.7050, -102.3450), "015": (19.7720, -104.3650), "023": (19.7030, -103.4620),
    "039": (20.6740, -103.3440), "044": (20.3500, -103.2400), "051": (20.5110, -103.1700),
    "053": (21.3560, -101.9300), "063": (20.3510, -102.7700), "067": (20.6530, -105.2250),
    "070": (20.5190, -103.1790), "093": (20.8170, -102.7630), "094": (20.8820, -103.8360),
    "097": (20.4740, -103.4460), "098": (20.6400, -103.3120), "101": (20.6240, -103.2340),
    "120": (20.7210, -103.3910), "124": (20.6220, -103.0690),
}  # fmt: skip

# Sistema de Monitoreo Atmosférico de Jalisco stations: key, name, latitude, longitude.
AIR_STATIONS = [
    ("AGU", "Las Águilas", 20.6306, -103.4164), ("ATM", "Atemajac", 20.7194, -103.3553),
    ("CEN", "Centro", 20.6739, -103.3336), ("PIN", "Las Pintas", 20.5764, -103.3264),
    ("LDO", "Loma Dorada", 20.6292, -103.2642), ("MIR", "Miravalle", 20.6142, -103.3433),
    ("OBL", "Oblatos", 20.7003, -103.2967), ("SFE", "Santa Fe", 20.5294, -103.3772),
    ("TLA", "Tlaquepaque", 20.6411, -103.3125), ("VAL", "Vallarta", 20.6803, -103.3986),
]  # fmt: skip

# Federal budget branches (ramos) and spending chapters (capítulos de gasto).
RAMOS = [
    ("01", "Poder Legislativo"), ("04", "Gobernación"), ("05", "Relaciones Exteriores"),
    ("06", "Hacienda y Crédito Público"), ("07", "Defensa Nacional"),
    ("08", "Agricultura y Desarrollo Rural"),
    ("09", "Infraestructura, Comunicaciones y Transportes"), ("10", "Economía"),
    ("11", "Educación Pública"), ("12", "Salud"), ("13", "Marina"),
    ("14", "Trabajo y Previsión Social"), ("15", "Desarrollo Agrario, Territorial y Urbano"),
    ("16", "Medio Ambiente y Recursos Naturales"), ("18", "Energía"), ("20", "Bienestar"),
    ("21", "Turismo"), ("36", "Seguridad y Protección Ciudadana"), ("48", "Cultura"),
]  # fmt: skip
CAPITULOS = [
    ("1000", "Servicios personales", 0.38), ("2000", "Materiales y suministros", 0.07),
    ("3000", "Servicios generales", 0.14), ("4000", "Transferencias, asignaciones, subsidios "
     "y otras ayudas", 0.28), ("5000", "Bienes muebles, inmuebles e intangibles", 0.03),
    ("6000", "Inversión pública", 0.10),
]  # fmt: skip

MONTHS = [
    "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
    "Octubre", "Noviembre", "Diciembre",
]  # fmt: skip


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def company(rng: random.Random) -> str:
    if rng.random() < 0.3:
        middle = f"{rng.choice(SURNAMES)} y {rng.choice(SURNAMES)}"
    else:
        middle = rng.choice(COMPANY_PLACES)
    return f"{rng.choice(COMPANY_WORDS)} {middle}, {rng.choice(COMPANY_FORMS)}"


def rfc(rng: random.Random, name: str) -> str:
    """A company RFC: three letters, a founding date YYMMDD and a three-character key."""
    letters = "".join(w[0] for w in name.upper().split() if w[0].isalpha())[:3].ljust(3, "X")
    letters = letters.translate(str.maketrans("ÁÉÍÓÚÑ", "AEIOUX"))
    founded = f"{rng.randint(85, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return letters + founded + "".join(rng.choice(alphabet) for _ in range(3))


def near(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return (
        round(lat + rng.uniform(-spread, spread), 6),
        round(lon + rng.uniform(-spread, spread), 6),
    )
