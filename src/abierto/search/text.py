"""Spanish-aware terms: lowercase, accents folded, Snowball-stemmed.

Both backends index and query these terms (not raw text), so "Educación", "educacion" and
"EDUCACIÓN" are one term and "escuelas" finds "escuela" the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[a-z0-9ñ]+")
_stemmer = snowballstemmer.stemmer("spanish")


def fold(text: str) -> str:
    """Lowercase without accents (ñ stays ñ: "año" and "ano" are different words)."""
    text = text.lower().replace("ñ", "\0")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("\0", "ñ")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return fold(_stemmer.stemWord(word)) if len(word) > 2 else word


def terms(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(fold(text or ""))]


def document(text: str) -> str:
    return " ".join(terms(text))
