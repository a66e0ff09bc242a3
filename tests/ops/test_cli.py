"""The commands of docs/operations.md, run as a user would: ``abierto gc|backup|restore``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from abierto.storage.interface import release_key


def _abierto(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABIERTO_")}
    env["ABIERTO_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "abierto", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_publish_backup_restore_gc_from_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "sanciones.csv"
    source.write_text("proveedor,monto\nAcme,10\nBeta,20\n", encoding="utf-8")
    home, copy = tmp_path / "home", tmp_path / "copy"
    published = _abierto(home, "publish", str(source), "--org", "sfp", "--dataset", "sanciones")
    assert published.returncode == 0, published.stderr

    taken = _abierto(home, "backup", str(tmp_path / "bk"))
    assert taken.returncode == 0, taken.stderr
    assert "1 blobs" in taken.stdout

    restored = _abierto(copy, "restore", str(tmp_path / "bk"))
    assert restored.returncode == 0, restored.stderr
    again = _abierto(copy, "restore", str(tmp_path / "bk"))
    assert again.returncode == 2 and "not empty" in again.stderr
    forced = _abierto(copy, "restore", str(tmp_path / "bk"), "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted((copy / "blobs").rglob("*.parquet")) != []

    orphan = home / "blobs" / release_key("ff" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"orphan")
    os.utime(orphan, (time.time() - 3 * 86400,) * 2)
    dry = _abierto(home, "gc", "--dry-run")
    assert dry.returncode == 0 and "would remove blob" in dry.stdout and orphan.exists()
    done = _abierto(home, "gc", "--grace-hours", "24")
    assert done.returncode == 0 and "removed blob releases/ff/" in done.stdout
    assert not orphan.exists()


def test_restore_of_a_damaged_backup_names_the_file(tmp_path: Path) -> None:
    missing = _abierto(tmp_path / "home", "restore", str(tmp_path / "nothing"))
    assert missing.returncode == 2
    assert "manifest.json" in missing.stderr
