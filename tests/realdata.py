"""Where the real government files are: ../shared/realdata beside the repository, or the
folder ABIERTO_REALDATA names. Tests reference them by path and never copy them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REALDATA = Path(
    os.environ.get("ABIERTO_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)


def real_file(folder: str, name: str) -> Path:
    """The real file, or a skip that says where it was looked for."""
    path = REALDATA / folder / name
    if not path.is_file():
        pytest.skip(f"real-data file {path} is absent (set ABIERTO_REALDATA to its folder)")
    return path
