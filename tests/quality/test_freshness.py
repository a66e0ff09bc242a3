"""Freshness against the declared frequency, at the edges of each status."""

from __future__ import annotations

import datetime as dt

import pytest

from abierto.quality.freshness import assess_freshness

NOW = dt.datetime(2026, 11, 23, 12, 0)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("frequency", "last", "releases", "status", "overdue"),
    [
        (None, ago(400), 3, "not_scheduled", 0),
        ("IRREG", ago(400), 3, "irregular", 0),
        ("MONTHLY", None, 0, "never_updated", 0),
        ("MONTHLY", ago(10), 2, "on_time", 0),
        ("MONTHLY", ago(28), 2, "due_soon", 0),  # 3 days left: within 10 % of 31 days
        ("MONTHLY", ago(40), 2, "overdue", 9),
        ("MONTHLY", ago(40), 1, "never_updated", 9),  # uploaded once, never again
        ("ANNUAL", ago(300), 4, "on_time", 0),
        ("ANNUAL", ago(361), 4, "due_soon", 0),  # at most 7 days of warning
        ("ANNUAL", ago(500), 4, "overdue", 134),
        ("DAILY", ago(0.5), 9, "due_soon", 0),
    ],
)
def test_statuses(
    frequency: str | None, last: dt.datetime | None, releases: int, status: str, overdue: int
) -> None:
    found = assess_freshness(frequency, last, NOW, releases=releases)
    assert (found.status, found.days_overdue) == (status, overdue)
