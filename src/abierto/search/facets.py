"""Facet counts for a set of matching datasets, in one statement.

The matching ids are a materialised CTE, so the text match and the visibility rule run once;
each facet is one GROUP BY over it, all joined with UNION ALL together with the total. A facet
that has a filter is counted without its own filter (values of one facet are OR'ed, so the
other values stay selectable), but always under the visibility rule and every other filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Organization, Tag, Theme, dataset_tag, dataset_theme
from abierto.catalog.vocab import FREQUENCIES, LICENSES
from abierto.quality.models import CurrentQuality
from abierto.search.models import DatasetFormat

FACETS = ("organization", "theme", "tag", "format", "license", "frequency", "quality")
# Quality score bands (quality.scoring): the facet's values and their labels.
QUALITY_BANDS = {
    "high": ("Alta (80–100)", "High (80–100)"),
    "medium": ("Media (50–79)", "Medium (50–79)"),
    "low": ("Baja (0–49)", "Low (0–49)"),
}


def quality_band(score: float) -> str:
    return "high" if score >= 80 else "medium" if score >= 50 else "low"


def quality_band_sql() -> ColumnElement[str]:
    score = CurrentQuality.score
    return case((score >= 80, "high"), (score >= 50, "medium"), else_="low")


FACET_SIZE = 20


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int


def materialised(query: Select, name: str) -> CTE:
    return query.cte(name).prefix_with("MATERIALIZED")


def _group(name: str, matching: CTE) -> Select:
    """(facet, value, count) of one facet over the ``matching`` ids."""
    dataset_id, column = {
        "organization": (Dataset.id, Dataset.organization_id),
        "license": (Dataset.id, Dataset.license_id),
        "frequency": (Dataset.id, Dataset.frequency),
        "theme": (dataset_theme.c.dataset_id, dataset_theme.c.theme_id),
        "tag": (dataset_tag.c.dataset_id, dataset_tag.c.tag_id),
        "format": (DatasetFormat.dataset_id, DatasetFormat.format),
        "quality": (CurrentQuality.dataset_id, quality_band_sql()),
    }[name]
    # Grouping by an expression, not the bare column, stops SQLite from walking a whole table
    # in value order (to skip the sort) and probing the matching ids row by row.
    value = column.concat("")
    return (
        select(literal(name).label("facet"), value.label("value"), func.count().label("n"))
        .join(matching, matching.c.id == dataset_id)
        .where(column.is_not(None))
        .group_by(value)
    )


def count_facets(
    session: Session,
    matching: Select,
    without: Callable[[str], Select | None],
    english: bool = False,
    size: int = FACET_SIZE,
) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and the facets of the ``matching`` ids; ``without(facet)`` is that query
    without the filter of ``facet``, or None when ``facet`` has no filter."""
    everything = materialised(matching, "m")
    total = select(literal("").label("facet"), literal("").label("value"), func.count())
    parts = [total.select_from(everything)]
    for name in FACETS:
        own = without(name)
        source = everything if own is None else materialised(own, f"m_{name}")
        parts.append(_group(name, source))
    rows = session.execute(parts[0].union_all(*parts[1:])).all()
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet, value, n in rows:
        if facet:
            counts[facet].append((str(value), int(n)))
    count = next((int(n) for facet, _, n in rows if facet == ""), 0)
    tops = {n: top_values(session, n, values, english, size) for n, values in counts.items()}
    return count, tops


def top_values(
    session: Session,
    name: str,
    values: list[tuple[str, int]],
    english: bool,
    size: int = FACET_SIZE,
) -> list[FacetValue]:
    """The ``size`` most frequent values, with their public key and label."""
    values.sort(key=lambda item: (-item[1], item[0]))
    top = values[:size]
    names = _labels(session, name, [v for v, _ in top], english)
    return [FacetValue(names[v][0], names[v][1], n) for v, n in top if v in names]


def _labels(
    session: Session, name: str, values: list[str], english: bool
) -> dict[str, tuple[str, str]]:
    """value → (public key, label): slugs and names for ids, titles for codes."""
    if not values:
        return {}
    if name == "organization":
        rows = session.execute(
            select(Organization.id, Organization.slug, Organization.name).where(
                Organization.id.in_(values)
            )
        )
        return {i: (slug, label) for i, slug, label in rows}
    if name == "theme":
        rows = session.execute(
            select(Theme.id, Theme.slug, Theme.name_en if english else Theme.name_es).where(
                Theme.id.in_(values)
            )
        )
        return {i: (slug, label) for i, slug, label in rows}
    if name == "tag":
        rows = session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(values)))
        return {i: (label, label) for i, label in rows}
    if name == "license":
        return {v: (v, LICENSES[v].title if v in LICENSES else v) for v in values}
    if name == "frequency":
        return {v: (v, FREQUENCIES[v][english] if v in FREQUENCIES else v) for v in values}
    if name == "quality":
        return {v: (v, QUALITY_BANDS[v][english]) for v in values if v in QUALITY_BANDS}
    return {v: (v, v) for v in values}
