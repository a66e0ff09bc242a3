"""``abierto harvest add|list|run`` as an operator runs them (a subprocess, its own home),
against a live abierto portal; and a source that does not answer is retried."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from abierto.app_context import AppContext
from abierto.harvest.service import run_harvest
from abierto.harvest.sources import SourceError
from abierto.jobs.errors import NotRetryable, will_retry
from tests.harvest.conftest import Remote
from tests.harvest.test_ckan import _source


def abierto(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ABIERTO_HOME": str(home),
        "ABIERTO_FETCH_ALLOW_PRIVATE": "true",
        "COLUMNS": "250",
    }
    command = [sys.executable, "-m", "abierto", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_add_list_and_run_print_counts(tmp_path: Path, remote: Remote) -> None:
    home = tmp_path / "local"
    added = abierto(home, "harvest", "add", remote.url, "--kind", "ckan", "--org", "cdmx",
                    "--title", "CDMX abierta")  # fmt: skip
    assert added.returncode == 0, added.stderr
    source_id = re.search(r"source (\w+) added", added.stdout).group(1)  # type: ignore[union-attr]
    refused = abierto(home, "harvest", "add", "ftp://x.org/", "--kind", "ckan", "--org", "cdmx")
    assert refused.returncode == 2 and "refused" in refused.stdout

    first = abierto(home, "harvest", "run", source_id, "--full")
    assert first.returncode == 0, first.stderr
    assert "full run: 3 created, 0 updated, 0 unchanged, 0 withdrawn, 0 skipped" in first.stdout
    second = abierto(home, "harvest", "run", source_id)
    assert "incremental run: 0 created, 0 updated, 3 unchanged" in second.stdout

    listing = abierto(home, "harvest", "list").stdout
    assert source_id in listing and "CDMX abierta" in listing and "done" in listing
    missing = abierto(home, "harvest", "run", "no-such-source")
    assert missing.returncode == 1 and "no harvest source" in missing.stdout
    assert abierto(home, "harvest", "disable", source_id).returncode == 0
    disabled = abierto(home, "harvest", "run", source_id)
    assert disabled.returncode == 1 and "is not active" in disabled.stdout
    assert "(inactive)" in abierto(home, "harvest", "list").stdout
    assert abierto(home, "harvest", "enable", source_id).returncode == 0
    assert abierto(home, "harvest", "run", source_id).returncode == 0


def test_a_source_that_does_not_answer_is_retried(local: AppContext) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source_id = _source(local, f"http://127.0.0.1:{port}/")
    with pytest.raises(SourceError, match="did not answer") as failure:
        run_harvest(local, source_id)
    assert not isinstance(failure.value, NotRetryable) and will_retry(failure.value, 1, 3)
