"""A remote dataset's licence as an id of abierto's registry (``catalog.vocab.LICENSES``).

A remote catalog names its licence by id (CKAN ``license_id``), by URL (CKAN
``license_url``, DCAT ``license``) or by title. Only a licence abierto's registry lists is
kept — as the census pre-fill's reading (``prefill_vocab.read_license``) of the id, URL or
words makes it; anything else (a generic ``cc-by`` with no version, ``other-open``) is left
unset for a person to decide, never guessed.
"""

from __future__ import annotations

from abierto.catalog.vocab import LICENSES
from abierto.census.prefill_vocab import read_license

UNSPECIFIED = {"notspecified", "not specified", "license not specified", ""}


def license_id(candidates: list[str]) -> str | None:
    """The registry id the first recognisable candidate names, or None."""
    for value in candidates:
        if found := _match(value.strip()):
            return found
    return None


def _match(value: str) -> str | None:
    if value.lower() in UNSPECIFIED:
        return None
    reading = read_license(value)
    return reading.id if reading.id in LICENSES else None
