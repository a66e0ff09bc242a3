"""Quality tables (see migration 0008)."""

from __future__ import annotations
