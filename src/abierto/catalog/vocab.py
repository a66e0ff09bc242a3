"""Controlled vocabularies of the catalog: licences, update frequencies, organization levels.

Licences follow the Open Definition's conformance list (https://opendefinition.org/licenses/),
plus Mexico's own "Libre Uso MX"; frequencies are the EU's DCAT-AP accrual periodicity codes.
"""

from __future__ import annotations

from dataclasses import dataclass

CC = "https://creativecommons.org/"
ODC = "https://opendatacommons.org/licenses/"


@dataclass(frozen=True, slots=True)
class License:
    id: str
    title: str
    url: str
    is_open: bool


LICENSES: dict[str, License] = {
    lic.id: lic
    for lic in (
        License(
            "libre-uso-mx",
            "Términos de Libre Uso MX",
            "https://datos.gob.mx/libreusomx",
            True,
        ),
        License(
            "cc-by-4.0",
            "Creative Commons Atribución 4.0",
            CC + "licenses/by/4.0/",
            True,
        ),
        License(
            "cc-by-sa-4.0",
            "Creative Commons Atribución-CompartirIgual 4.0",
            CC + "licenses/by-sa/4.0/",
            True,
        ),
        License(
            "cc0-1.0",
            "Creative Commons CC0 1.0",
            CC + "publicdomain/zero/1.0/",
            True,
        ),
        License(
            "odc-by",
            "Open Data Commons Attribution",
            ODC + "by/",
            True,
        ),
        License("odc-odbl", "Open Data Commons ODbL", ODC + "odbl/", True),
        License("odc-pddl", "Open Data Commons PDDL", ODC + "pddl/", True),
        License(
            "cc-by-nc-4.0",
            "Creative Commons Atribución-NoComercial 4.0",
            CC + "licenses/by-nc/4.0/",
            False,
        ),
        License("other-closed", "Todos los derechos reservados", "", False),
        License("notspecified", "Licencia no especificada", "", False),
    )
}

# DCAT-AP frequency code → (Spanish, English, expected days between releases or None)
FREQUENCIES: dict[str, tuple[str, str, int | None]] = {
    "DAILY": ("Diaria", "Daily", 1),
    "WEEKLY": ("Semanal", "Weekly", 7),
    "MONTHLY": ("Mensual", "Monthly", 31),
    "QUARTERLY": ("Trimestral", "Quarterly", 92),
    "ANNUAL_2": ("Semestral", "Every six months", 183),
    "ANNUAL": ("Anual", "Annual", 366),
    "IRREG": ("Irregular", "Irregular", None),
    "NEVER": ("No se actualiza", "Never updated", None),
}

LEVELS: dict[str, tuple[str, str]] = {
    "federal": ("Federal", "Federal"),
    "state": ("Estatal", "State"),
    "municipal": ("Municipal", "Municipal"),
    "other": ("Otro", "Other"),
}


def license_of(license_id: str | None) -> License | None:
    return LICENSES.get(license_id or "")
