"""Every check on generated facts, and the score against hand-computed examples."""

from __future__ import annotations

import datetime as dt

import pytest

from abierto.quality.checks import Facts, LinkStatus, all_checks, stars
from abierto.quality.freshness import assess_freshness
from abierto.quality.scoring import WEIGHTS, breakdown, score, weights_from

NOW = dt.datetime(2026, 11, 23)


def complete() -> Facts:
    return Facts(
        description="Contratos adjudicados por el municipio, con proveedor, monto y fechas. " * 2,
        license_id="cc-by-4.0",
        frequency="MONTHLY",
        temporal=True,
        spatial=True,
        contact=True,
        themes=1,
        tags=3,
        formats=["CSV", "PDF"],
        row_count=1000,
        report={"error_count": 2, "counts": {"type-error": 2}},
        diffs=[None],
        columns=4,
        described_columns=2,
        freshness=assess_freshness("MONTHLY", NOW - dt.timedelta(days=5), NOW, releases=3),
    )


def by_id(facts: Facts) -> dict[str, bool | None]:
    return {c.id: c.passed for c in all_checks(facts)}


def test_a_complete_dataset_passes_everything() -> None:
    checks = all_checks(complete())
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert score(checks) == 100.0
    assert "retrievability" not in breakdown(checks)  # no links: the family drops out


def test_each_check_fails_on_its_own_problem() -> None:
    facts = complete()
    facts.formats = ["PDF"]
    facts.report = {"error_count": 50, "counts": {"blank-header": 1, "type-error": 49}}
    facts.diffs = [{"breaking": True}, None]
    facts.description = "Contratos."
    facts.license_id = "cc-by-nc-4.0"
    facts.described_columns = 1
    facts.freshness = assess_freshness("MONTHLY", NOW - dt.timedelta(days=90), NOW, releases=3)
    facts.links = [LinkStatus(True, 200, None), LinkStatus(False, 404, NOW)]
    failed = {k for k, v in by_id(facts).items() if v is False}
    assert failed == {
        "format.open_machine_readable",
        "structure.valid_rows",
        "structure.headers",
        "structure.stable_schema",
        "metadata.description",
        "metadata.column_descriptions",
        "license.open",
        "freshness.on_time",
        "retrievability.links",
    }


def test_hand_computed_score() -> None:
    # Format fails (0), structure 2 of 3 (66.7), metadata 7 of 8 (87.5), licence missing (0),
    # freshness passes (100), no links. Weights 25/20/20/15/15 over 95:
    # (0×25 + 66.7×20 + 87.5×20 + 0×15 + 100×15) / 95 = 4584 / 95 = 48.25 → 48.3
    facts = complete()
    facts.formats = ["XLSX"]
    facts.diffs = [{"breaking": True}]
    facts.spatial = False
    facts.license_id = None
    checks = all_checks(facts)
    assert breakdown(checks) == {
        "format": 0.0,
        "structure": 66.7,
        "metadata": 87.5,
        "license": 0.0,
        "freshness": 100.0,
    }
    assert score(checks) == 48.3
    assert score(checks, weights_from('{"freshness": 95}')) == round(
        (66.7 * 20 + 87.5 * 20 + 100 * 95) / 175, 1
    )


def test_five_star_levels() -> None:
    assert [stars(f) for f in ([], ["PDF"], ["XLSX", "PDF"], ["CSV"])] == [0, 1, 2, 3]


def test_weights_are_validated() -> None:
    assert weights_from("") == WEIGHTS
    with pytest.raises(ValueError, match="unknown"):
        weights_from('{"beauty": 10}')
