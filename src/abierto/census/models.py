"""Census tables (see migration 0007)."""

from __future__ import annotations
