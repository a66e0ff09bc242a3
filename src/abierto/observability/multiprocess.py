"""The shared folder of prometheus_client's multiprocess mode, for ``serve --workers N``.

Uvicorn starts its web processes with ``spawn``, so a variable set here before they start is
seen by each of them before it imports prometheus_client (which picks its storage on
import). This module imports nothing of prometheus_client for that reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics(workers: int) -> Iterator[str | None]:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder for the lifetime of the server.

    A folder the operator chose is kept as it is (they may share it with workers); one made
    here is removed afterwards, since samples of dead processes must not outlive a restart.
    """
    chosen = os.environ.get(VARIABLE)
    if workers <= 1 or chosen:
        yield chosen
        return
    folder = tempfile.mkdtemp(prefix="abierto-metrics-")
    os.environ[VARIABLE] = folder
    try:
        yield folder
    finally:
        os.environ.pop(VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)
