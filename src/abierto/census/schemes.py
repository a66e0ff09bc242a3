"""Question sets a census starts from; each edition gets its own copy (see census.templates).

GODI 2016/17 (the default) scores six openness questions — online without registration 15,
free 15, downloadable at once 15, up to date 15, open licence 20, open machine-readable
format 20 — behind "does the data exist" and "is it online". GODI 2013–15 scores nine
questions. The keys are the same ones the automatic pre-fill answers.
"""

from __future__ import annotations

from typing import Any

ONLINE = {"key": "online", "equals": "yes"}
EXISTS = {"key": "exists", "equals": "yes"}


def _q(
    key: str,
    kind: str,
    es: str,
    en: str,
    weight: int = 0,
    condition: dict[str, str] | None = None,
    evidence: bool = False,
    help_es: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind,
        "text_es": es,
        "text_en": en,
        "weight": weight,
        "condition": condition,
        "evidence_required": evidence,
        "help_es": help_es,
        "help_en": help_en,
    }


GODI_2016 = [
    _q("exists", "yes_no", "¿Existen los datos?", "Does the data exist?"),
    _q("online", "yes_no", "¿Están en línea?", "Is the data online?", condition=EXISTS),
    _q(
        "url",
        "url",
        "¿Dónde? (dirección de los datos)",
        "Where? (URL of the data)",
        condition=ONLINE,
        evidence=True,
        help_es="La página o el archivo donde cualquiera puede ver los datos.",
        help_en="The page or file where anyone can see the data.",
    ),
    _q(
        "registration_free",
        "yes_no",
        "¿Se obtienen sin registrarse ni iniciar sesión?",
        "Available without registration or login?",
        15,
        ONLINE,
    ),
    _q("free", "yes_no", "¿Son gratuitos?", "Free of charge?", 15, ONLINE),
    _q(
        "bulk_download",
        "yes_no",
        "¿Se descargan completos de una vez?",
        "Downloadable all at once?",
        15,
        ONLINE,
    ),
    _q("last_updated", "date", "¿Cuándo se actualizaron?", "When were they updated?", 0, ONLINE),
    _q(
        "up_to_date",
        "yes_no",
        "¿Están actualizados según su periodicidad?",
        "Up to date for their period?",
        15,
        ONLINE,
    ),
    _q("license", "license", "¿Con qué licencia?", "Under which licence?", 0, ONLINE),
    _q(
        "open_license",
        "yes_no",
        "¿La licencia es abierta (Open Definition)?",
        "Is the licence open (Open Definition)?",
        20,
        ONLINE,
    ),
    _q("format", "format", "¿En qué formato?", "In which format?", 0, ONLINE),
    _q(
        "open_format",
        "yes_no",
        "¿El formato es abierto y procesable por máquina (CSV, JSON, no PDF)?",
        "Open, machine-readable format (CSV, JSON, not PDF)?",
        20,
        ONLINE,
    ),
    _q(
        "elements",
        "choice",
        "¿Qué elementos de datos incluyen?",
        "Which data elements do they include?",
        0,
        ONLINE,
        help_es="Marca los elementos presentes; si falta uno requerido, no cuenta como publicado.",
        help_en="Tick the elements present; if a required one is missing, it does not count.",
    ),
    _q("comments", "text", "Comentarios", "Comments"),
]

GODI_2013 = [
    _q("exists", "yes_no", "¿Existen los datos?", "Does the data exist?", 5),
    _q("digital", "yes_no", "¿Están en formato digital?", "Are they digital?", 5, EXISTS),
    _q("public", "yes_no", "¿Son públicos?", "Are they publicly available?", 5, EXISTS),
    _q("free", "yes_no", "¿Son gratuitos?", "Free of charge?", 15, EXISTS),
    _q("online", "yes_no", "¿Están en línea?", "Is the data online?", 5, EXISTS),
    _q("url", "url", "¿Dónde?", "Where? (URL)", 0, ONLINE, evidence=True),
    _q("open_format", "yes_no", "¿Procesables por máquina?", "Machine-readable?", 15, ONLINE),
    _q("bulk_download", "yes_no", "¿Descargables completos?", "Available in bulk?", 10, ONLINE),
    _q("open_license", "yes_no", "¿Licencia abierta?", "Openly licensed?", 30, ONLINE),
    _q("up_to_date", "yes_no", "¿Actualizados?", "Up to date?", 10, ONLINE),
    _q("comments", "text", "Comentarios", "Comments"),
]

SCHEMES: dict[str, list[dict[str, Any]]] = {"godi-2016": GODI_2016, "godi-2013": GODI_2013}
