"""Where the real government files are: the folder ABIERTO_REALDATA names, else
../shared/realdata beside the repository, else the workplace's /work/shared/realdata (for a
clone made elsewhere, as CI does). Tests reference them by path and never copy them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _realdata() -> Path:
    if named := os.environ.get("ABIERTO_REALDATA"):
        return Path(named)
    beside = Path(__file__).resolve().parents[2] / "shared" / "realdata"
    workplace = Path("/work/shared/realdata")
    return beside if beside.is_dir() or not workplace.is_dir() else workplace


REALDATA = _realdata()


def real_file(folder: str, name: str) -> Path:
    """The real file, or a skip that says where it was looked for."""
    path = REALDATA / folder / name
    if not path.is_file():
        pytest.skip(f"real-data file {path} is absent (set ABIERTO_REALDATA to its folder)")
    return path
