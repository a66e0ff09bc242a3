"""Validation report: errors with row and column, counts per type, a summary in es/en."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from abierto.ingest.errors import ERROR_TYPES, ValidationError

MAX_LISTED_PER_KIND = 100  # per (error type, column); counts stay exact


@dataclass(slots=True)
class Report:
    errors: list[ValidationError] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    listed: Counter[tuple[str, str | None]] = field(default_factory=Counter)

    def add(self, error: ValidationError, *, counted: bool = True) -> None:
        """Record an error; ``counted=False`` when the count came separately (add_count)."""
        if counted:
            self.counts[error.type] += 1
        key = (error.type, error.column)
        if self.listed[key] < MAX_LISTED_PER_KIND:
            self.listed[key] += 1
            self.errors.append(error)

    def add_count(self, error_type: str, count: int) -> None:
        if count:
            self.counts[error_type] += count

    @property
    def error_count(self) -> int:
        return sum(self.counts.values())

    def summary(self, row_count: int) -> dict[str, str]:
        if not self.counts:
            return {
                "es": f"Sin errores en {row_count:,} filas.",
                "en": f"No errors in {row_count:,} rows.",
            }
        es = [f"{n:,} × {ERROR_TYPES[t][0].lower()}" for t, n in self.counts.most_common()]
        en = [f"{n:,} × {ERROR_TYPES[t][1].lower()}" for t, n in self.counts.most_common()]
        return {
            "es": f"{self.error_count:,} errores en {row_count:,} filas: " + "; ".join(es) + ".",
            "en": f"{self.error_count:,} errors in {row_count:,} rows: " + "; ".join(en) + ".",
        }

    def to_dict(self, row_count: int) -> dict[str, Any]:
        errors = sorted(self.errors, key=lambda e: (e.row or 0, e.type))
        return {
            "valid": not self.counts,
            "error_count": self.error_count,
            "counts": dict(self.counts),
            "errors": [e.to_dict() for e in errors],
            "listed_all": len(errors) == self.error_count,
            "summary": self.summary(row_count),
        }
