"""Freshness: the last release against the declared update frequency (DCAT periodicity).

- ``on_time``: the next release is not due yet (and not within the "due soon" margin);
- ``due_soon``: due within 10 % of the period, at least one day and at most seven;
- ``overdue``: past due by ``days_overdue`` days;
- ``never_updated``: scheduled, but nothing was ever released (or the only release is older
  than one period);
- ``not_scheduled``: no frequency declared; ``irregular``: IRREG or NEVER declared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abierto.catalog.models import Dataset, Release, Resource
from abierto.catalog.vocab import FREQUENCIES


@dataclass(frozen=True, slots=True)
class Freshness:
    status: str
    last_updated: dt.datetime | None
    due_at: dt.datetime | None
    days_overdue: int
    days_until_due: int | None


def period_days(frequency: str | None) -> int | None:
    if frequency is None or frequency not in FREQUENCIES:
        return None
    return FREQUENCIES[frequency][2]


def soon_margin(period: int) -> dt.timedelta:
    return dt.timedelta(days=min(7, max(1, round(period * 0.1))))


def assess_freshness(
    frequency: str | None,
    last_updated: dt.datetime | None,
    now: dt.datetime,
    *,
    releases: int | None = None,
) -> Freshness:
    """``releases`` (how many there were) tells a one-off upload from a maintained series."""
    if frequency is None:
        return Freshness("not_scheduled", last_updated, None, 0, None)
    period = period_days(frequency)
    if period is None:
        return Freshness("irregular", last_updated, None, 0, None)
    if last_updated is None:
        return Freshness("never_updated", None, None, 0, None)
    due = last_updated + dt.timedelta(days=period)
    late = (now - due).days
    if late > 0:
        status = "never_updated" if releases == 1 else "overdue"
        return Freshness(status, last_updated, due, late, None)
    until = (due - now).days
    status = "due_soon" if due - now <= soon_margin(period) else "on_time"
    return Freshness(status, last_updated, due, 0, until)


def dataset_freshness(session: Session, dataset: Dataset, now: dt.datetime) -> Freshness:
    last, count = session.execute(
        select(func.max(Release.created_at), func.count(Release.id))
        .join(Resource, Resource.id == Release.resource_id)
        .where(Resource.dataset_id == dataset.id)
    ).one()
    return assess_freshness(dataset.frequency, last, now, releases=count)
