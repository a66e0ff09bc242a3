"""What catalogs' licence and frequency words mean, for the census pre-fill.

Catalogs name licences many ways — CKAN ids (``cc-by``, ``odc-odbl``, ``other-open``), SPDX
ids, licence URLs (DCAT), titles — and frequencies too (DCAT-US ISO 8601 repeating
durations like ``R/P1M``, DCAT-AP codes and URIs, English and Spanish words). Both are
mapped onto abierto's vocabularies (``catalog.vocab``). "Open" follows the Open Definition
conformance list (https://opendefinition.org/licenses/): licences in abierto's registry
keep its flag; a few more conformant ones that catalogs use are known here; a generic
"other (open)" is only the publisher's claim, so a person must read its terms (``None``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from abierto.catalog.vocab import FREQUENCIES, LICENSES


@dataclass(frozen=True, slots=True)
class LicenseReading:
    id: str  # abierto's id when known, else the catalog's own words
    is_open: bool | None  # None: cannot be judged from the name alone


# CKAN's default licence ids (and a few SPDX ids) → (id, open per the Open Definition).
KNOWN: dict[str, tuple[str, bool | None]] = {
    "cc-by": ("cc-by", True),
    "cc-by-sa": ("cc-by-sa", True),
    "cc-zero": ("cc0-1.0", True),
    "cc0": ("cc0-1.0", True),
    "cc-nc": ("cc-nc", False),
    "odc-by-1.0": ("odc-by", True),
    "odbl-1.0": ("odc-odbl", True),
    "odc-odbl-1.0": ("odc-odbl", True),
    "pddl-1.0": ("odc-pddl", True),
    "gfdl": ("gfdl", True),
    "uk-ogl": ("ogl-uk-3.0", True),
    "ogl-uk-3.0": ("ogl-uk-3.0", True),
    "ogl-canada-2.0": ("ogl-canada-2.0", True),
    "dl-de-by-2.0": ("dl-de-by-2.0", True),
    "dl-de-zero-2.0": ("dl-de-zero-2.0", True),
    "other-nc": ("other-nc", False),
    "other-open": ("other-open", None),
    "other-pd": ("other-pd", None),
    "other-at": ("other-at", None),
}
# Licence URLs (scheme and "www." dropped) → an id of KNOWN or of abierto's registry.
URL_PREFIXES = {
    "creativecommons.org/publicdomain/zero": "cc0",
    "opendatacommons.org/licenses/odbl": "odc-odbl",
    "opendatacommons.org/licenses/by": "odc-by",
    "opendatacommons.org/licenses/pddl": "odc-pddl",
    "nationalarchives.gov.uk/doc/open-government-licence": "uk-ogl",
    "open.canada.ca/en/open-government-licence-canada": "ogl-canada-2.0",
    "govdata.de/dl-de/by-2-0": "dl-de-by-2.0",
    "govdata.de/dl-de/zero-2-0": "dl-de-zero-2.0",
    "datos.gob.mx/libreusomx": "libre-uso-mx",
    "opendefinition.org/licenses/": "",  # the id follows: …/licenses/cc-by
}
# Restrictions the Open Definition does not allow (non-commercial, no derivatives).
NOT_OPEN = re.compile(r"non-?commercial|no ?comercial|no ?deriv|sin ?(obras ?)?derivad")
# Licence titles as catalogs write them (DCAT ``license`` is often a title) → an id above.
TITLES = (
    (r"open database licen[cs]e|\bodbl\b", "odc-odbl"),
    (r"public domain dedication and licen[cs]e|\bpddl\b", "odc-pddl"),
    (r"open data commons attribution", "odc-by-1.0"),
    (r"\bcc0\b|cc ?zero|public domain dedication", "cc0"),
    (r"creative commons (attribution|atribuci.n)[ -]+(share-?alike|compartir ?igual)", "cc-by-sa"),
    (r"creative commons (attribution|atribuci[oó]n)|\bcc[ -]by\b", "cc-by"),
    (r"libre uso", "libre-uso-mx"),
    (r"open government licen[cs]e", "uk-ogl"),
)
CC_URL = re.compile(r"creativecommons\.org/licenses/(by(?:-nc)?(?:-sa|-nd)?)(?:/(\d\.\d))?")


def read_license(value: str) -> LicenseReading:
    """The licence a catalog names, as an id with its openness (``None``: ask a person)."""
    words = value.strip()
    key = _key(words.lower())
    if isinstance(key, LicenseReading):
        return key
    if key in LICENSES:
        return LicenseReading(key, LICENSES[key].is_open)
    if key in KNOWN:
        known_id, is_open = KNOWN[key]
        registry = LICENSES.get(known_id)
        return LicenseReading(known_id, registry.is_open if registry else is_open)
    return _by_title(key, words)


def _key(lowered: str) -> str | LicenseReading:
    """An id from a licence URL (or the lowered words themselves); a reading outright for
    a Creative Commons version abierto's registry does not list."""
    bare = re.sub(r"^https?://(www\.)?", "", lowered).rstrip("/")
    for prefix, known in URL_PREFIXES.items():
        if bare.startswith(prefix):
            return known or bare[len(prefix) :].split("/")[0]
    if match := CC_URL.search(bare):
        kind, version = match.groups()
        key = f"cc-{kind}-{version}" if version else f"cc-{kind}"
        if key in LICENSES or key in KNOWN:
            return key
        return LicenseReading(key, "-nc" not in kind and "-nd" not in kind)
    return lowered


def _by_title(key: str, words: str) -> LicenseReading:
    for lic in LICENSES.values():
        if key and key in (lic.title.lower(), lic.url.lower().rstrip("/")):
            return LicenseReading(lic.id, lic.is_open)
    if NOT_OPEN.search(key):
        return LicenseReading(words, False)
    for pattern, known_id in TITLES:
        if re.search(pattern, key):
            return read_license(known_id)
    return LicenseReading(words, None)


# DCAT-US accrualPeriodicity: R/P<n><unit> → days; the vocabulary code with that period.
ISO_UNITS = {"D": 1, "W": 7, "M": 30, "Y": 365}
PERIOD_CODES = {1: "DAILY", 7: "WEEKLY", 30: "MONTHLY", 90: "QUARTERLY", 180: "ANNUAL_2",
                365: "ANNUAL"}  # fmt: skip
WORDS = {
    "daily": "DAILY", "diaria": "DAILY", "diario": "DAILY", "weekly": "WEEKLY",
    "semanal": "WEEKLY", "monthly": "MONTHLY", "mensual": "MONTHLY", "quarterly": "QUARTERLY",
    "trimestral": "QUARTERLY", "semiannual": "ANNUAL_2", "semestral": "ANNUAL_2",
    "annual": "ANNUAL", "anual": "ANNUAL", "yearly": "ANNUAL", "irregular": "IRREG",
    "eventual": "IRREG", "never": "NEVER", "no se actualiza": "NEVER",
}  # fmt: skip


def frequency_code(value: object) -> str | None:
    """A DCAT-AP frequency code of ``catalog.vocab.FREQUENCIES``, or ``None`` if unknown."""
    text = str(value or "").strip()
    if not text:
        return None
    code = text.rstrip("/").rsplit("/", 1)[-1].upper()  # a code or an EU authority URI
    if code in FREQUENCIES:
        return code
    if match := re.fullmatch(r"R/P(\d+(?:\.\d+)?)([DWMY])", text.upper()):
        return PERIOD_CODES.get(round(float(match.group(1)) * ISO_UNITS[match.group(2)]))
    if re.fullmatch(r"R/PT\d+[HMS]", text.upper()):
        return "DAILY"  # continuously updated: judged as at least daily
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return WORDS.get(plain)
