"""Page text in Spanish first, English on request (``?lang=en``).

A small dictionary for now; a message catalog (gettext/Babel) can replace it without
changing the templates, which only call ``t(key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from abierto.ingest.errors import ERROR_TYPES

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

MESSAGES: dict[str, tuple[str, str]] = {
    "site.name": ("abierto", "abierto"),
    "site.tagline": ("Datos abiertos de gobierno", "Open government data"),
    "nav.home": ("Conjuntos de datos", "Datasets"),
    "nav.api": ("API", "API"),
    "home.title": ("Conjuntos de datos publicados", "Published datasets"),
    "home.empty": ("Todavía no hay conjuntos de datos publicados.", "No datasets yet."),
    "home.count": ("conjuntos de datos", "datasets"),
    "field.title": ("Título", "Title"),
    "field.organization": ("Organización", "Organization"),
    "field.last_release": ("Última versión", "Last release"),
    "field.rows": ("Filas", "Rows"),
    "field.date": ("Fecha", "Date"),
    "field.version": ("Versión", "Release"),
    "dataset.resources": ("Recursos", "Resources"),
    "dataset.no_release": ("Este recurso aún no tiene versiones.", "No releases yet."),
    "dataset.release": ("Versión", "Release"),
    "dataset.published": ("publicada el", "published on"),
    "dataset.download": ("Descargar", "Download"),
    "dataset.dictionary": ("Diccionario de datos", "Data dictionary"),
    "dataset.preview": ("Vista previa", "Preview"),
    "dataset.preview_note": ("Primeras {n} filas de {total}.", "First {n} rows of {total}."),
    "dataset.preview_missing": ("Vista previa no disponible.", "Preview not available."),
    "dataset.report": ("Reporte de validación", "Validation report"),
    "dataset.errors_listed": ("Primeros errores", "First errors"),
    "dataset.history": ("Historial de versiones", "Release history"),
    "dataset.first_release": ("Primera versión", "First release"),
    "dataset.breaking": ("incompatible", "breaking"),
    "dataset.notes": ("Notas del archivo", "Notes in the file"),
    "column.title": ("Columna", "Column"),
    "column.name": ("Nombre", "Name"),
    "column.type": ("Tipo", "Type"),
    "column.nulls": ("Vacíos", "Nulls"),
    "column.distinct": ("Distintos", "Distinct"),
    "column.min": ("Mínimo", "Min"),
    "column.max": ("Máximo", "Max"),
    "error.type": ("Tipo de error", "Error type"),
    "error.count": ("Cantidad", "Count"),
    "error.row": ("Fila", "Row"),
    "error.column": ("Columna", "Column"),
    "error.message": ("Detalle", "Detail"),
    "notfound.title": ("Página no encontrada", "Page not found"),
    "notfound.body": (
        "No encontramos lo que buscas. Puede que el conjunto de datos no exista o no sea público.",
        "We could not find that. The dataset may not exist or may not be public.",
    ),
    "notfound.back": ("Volver al inicio", "Back to the home page"),
    "lang.switch": ("English", "Español"),
}

Translator = Callable[..., str]


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translator(lang: str) -> Translator:
    index = LANGUAGES.index(pick_language(lang))

    def t(key: str, **values: Any) -> str:
        text = MESSAGES[key][index] if key in MESSAGES else key
        return text.format(**values) if values else text

    return t


def localized(text: Mapping[str, str] | None, lang: str) -> str:
    """The ``lang`` version of a stored {"es": …, "en": …} text, falling back to Spanish."""
    if not text:
        return ""
    return text.get(lang) or text.get(DEFAULT_LANGUAGE) or ""


def error_label(error_type: str, lang: str) -> str:
    labels = ERROR_TYPES.get(error_type)
    if labels is None:
        return error_type
    return labels[LANGUAGES.index(pick_language(lang))]
