"""The stable error taxonomy of validation reports, and the error for unreadable files."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# Stable identifiers: scripts and the quality checks rely on these names.
ERROR_TYPES: dict[str, tuple[str, str]] = {
    "blank-header": ("Encabezado vacío", "Blank header"),
    "duplicate-header": ("Encabezado duplicado", "Duplicate header"),
    "missing-cell": ("Celda faltante", "Missing cell"),
    "extra-cell": ("Celda sobrante", "Extra cell"),
    "type-error": ("Valor con tipo incorrecto", "Type error"),
    "blank-row": ("Fila vacía", "Blank row"),
    "duplicate-row": ("Fila duplicada", "Duplicate row"),
    "encoding-error": ("Error de codificación", "Encoding error"),
    "malformed-row": ("Fila mal formada", "Malformed row"),
    "note-row": ("Nota fuera de la tabla", "Note outside the table"),
}


@dataclass(frozen=True, slots=True)
class ValidationError:
    """One problem found in a table.

    ``row`` is the row number as a spreadsheet shows it (1-based, title and header rows
    counted); ``column`` is the column title as the file spells it (None for a whole row).
    """

    type: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.type not in ERROR_TYPES:
            raise ValueError(f"unknown error type {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UnreadableFileError(Exception):
    """The file cannot be turned into a table at all; ``message`` says why and where."""

    def __init__(self, path: str, message: str, *, hint: str | None = None) -> None:
        self.path = path
        self.message = message
        self.hint = hint
        super().__init__(f"{path}: {message}" + (f" ({hint})" if hint else ""))
