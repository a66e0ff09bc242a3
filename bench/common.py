"""Shared helpers for the benchmarks: run a command in a fresh process and measure it.

`measure` times a child process, samples the resident memory of its whole process tree
every `interval` seconds with psutil and, once it exits, also reads the kernel's own
``ru_maxrss`` for it (which catches spikes shorter than the sampling interval).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

MB = 1024 * 1024


@dataclass
class Measured:
    """What one measured run of a command produced."""

    cmd: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    samples: int = field(default=0, repr=False)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


class _TreeSampler(threading.Thread):
    """Polls the summed RSS of a process and all its descendants, keeping the peak."""

    def __init__(self, pid: int, interval: float, deadline: float | None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.deadline = deadline
        self.peak_bytes = 0
        self.samples = 0
        self.timed_out = False
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop_event.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss(root))
            self.samples += 1
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.timed_out = True
                kill_tree(root)
                return
            self._stop_event.wait(self.interval)


def tree_rss(root: psutil.Process) -> int:
    """Resident bytes of `root` plus all its live descendants (0 for vanished ones)."""
    total = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def kill_tree(root: psutil.Process) -> None:
    """Kill `root` and its descendants (only the tree this harness started)."""
    try:
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        procs = [root]
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            continue


def measure(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float | None = None,
    interval: float = 0.05,
) -> Measured:
    """Run `cmd` to completion in a fresh process; return wall time, CPU time, peak RSS."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=full_env, cwd=cwd)
        deadline = start + timeout if timeout else None
        sampler = _TreeSampler(proc.pid, interval, deadline)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        sampler.stop()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        return Measured(
            cmd=list(cmd),
            returncode=proc.returncode,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            # Not ru_maxrss: a child forked from a big parent reports the parent's pages.
            peak_rss_mb=sampler.peak_bytes / MB,
            stdout=_read_back(out),
            stderr=_read_back(err),
            timed_out=sampler.timed_out,
            samples=sampler.samples,
        )


def _read_back(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace")


def warm_cache(path: Path, chunk: int = 8 * MB) -> None:
    """Read a file once so every measured tool starts from the same warm page cache."""
    with path.open("rb") as handle:
        while handle.read(chunk):
            pass


def dir_size(path: Path) -> int:
    """Total bytes of the regular files under `path` (or of `path` itself)."""
    if path.is_file():
        return path.stat().st_size
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def machine_info() -> dict[str, object]:
    """A few facts that make benchmark numbers comparable across machines."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
