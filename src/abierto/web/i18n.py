"""Page text in Spanish first, English on request (``?lang=en`` or the ``lang`` cookie).

Messages live in ``abierto.web.messages``, one module per area of the portal, each a
dict of key → (Spanish, English). Templates only call ``t(key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from abierto.ingest.errors import ERROR_TYPES
from abierto.web.messages import MESSAGES

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
LANGUAGE_COOKIE = "lang"


Translator = Callable[..., str]


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translator(lang: str) -> Translator:
    index = LANGUAGES.index(pick_language(lang))

    def t(key: str, /, **values: Any) -> str:
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
