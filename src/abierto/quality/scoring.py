"""The 0–100 quality score: a weighted mean of check families.

A family's score is the share of its applicable checks that pass; families with no
applicable check (no links to retrieve, say) drop out and the other weights are rescaled.
Default weights (``ABIERTO_QUALITY_WEIGHTS`` as JSON overrides any of them):
format 25, structure 20, metadata 20, licence 15, freshness 15, retrievability 5.
"""

from __future__ import annotations

import json

from abierto.quality.checks import Check

WEIGHTS = {
    "format": 25,
    "structure": 20,
    "metadata": 20,
    "license": 15,
    "freshness": 15,
    "retrievability": 5,
}


def weights_from(setting: str) -> dict[str, float]:
    """The default weights updated by a JSON object such as '{"freshness": 30}'."""
    weights: dict[str, float] = dict(WEIGHTS)
    if setting.strip():
        given = json.loads(setting)
        unknown = set(given) - set(WEIGHTS)
        if unknown:
            raise ValueError(f"unknown quality families in ABIERTO_QUALITY_WEIGHTS: {unknown}")
        weights.update({k: float(v) for k, v in given.items()})
    return weights


def breakdown(checks: list[Check]) -> dict[str, float]:
    """Family → score 0–100, for families with at least one applicable check."""
    families: dict[str, list[bool]] = {}
    for check in checks:
        if check.passed is not None:
            families.setdefault(check.family, []).append(check.passed)
    return {f: round(100 * sum(v) / len(v), 1) for f, v in families.items()}


def score(checks: list[Check], weights: dict[str, float] | None = None) -> float:
    weights = weights or dict(WEIGHTS)
    parts = breakdown(checks)
    total = sum(weights.get(f, 0) for f in parts)
    if not total:
        return 0.0
    return round(sum(parts[f] * weights.get(f, 0) for f in parts) / total, 1)
