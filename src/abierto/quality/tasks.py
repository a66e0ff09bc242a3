"""Quality jobs: score the whole catalog (run daily by a scheduler, or `abierto quality score`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from abierto.catalog.models import utcnow
from abierto.jobs.registry import handler
from abierto.quality.scoring import weights_from
from abierto.quality.services import score_catalog

if TYPE_CHECKING:
    from abierto.app_context import AppContext


@handler("quality.score_catalog")
def score_catalog_job(context: AppContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Idempotent: a rerun on the same day replaces that day's history points."""
    weights = weights_from(context.settings.quality_weights)
    with context.db.session() as session:
        scored = score_catalog(session, utcnow(), weights)
    return {"datasets": scored}
