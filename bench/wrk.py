"""A load driver that costs the machine little: wrk (Debian's ``wrk``), parsed into numbers.

Python clients spend a large share of a 2-core machine on their own HTTP parsing; wrk, an
event-loop load generator written in C, leaves the cores to the server under test. Several
paths are cycled through with a small Lua script. Latencies are wrk's own percentiles
(``--latency``); the CPU wrk itself used comes from ``wait4``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int  # non-2xx/3xx responses plus socket errors
    p50_ms: float | None
    p99_ms: float | None
    cpu_s: float  # user + system seconds wrk itself used
    output: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def url_path(path: str) -> str:
    """Percent-encode what wrk would send raw (accents, spaces) and keep the URL syntax."""
    return quote(path, safe="/?&=-_.~%:,")


def run(base_url: str, paths: list[str], connections: int, seconds: float) -> WrkResult:
    """``connections`` keep-alive connections on two threads for ``seconds``."""
    script = LUA % ", ".join(f'"{url_path(p)}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections)]
        cmd += ["-d", f"{seconds:g}s", "--timeout", "30s", "--latency", "-s", lua.name]
        with subprocess.Popen(
            [*cmd, base_url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        ) as wrk:
            output = wrk.stdout.read().decode() if wrk.stdout else ""
            _, status, usage = os.wait4(wrk.pid, 0)
            wrk.returncode = os.waitstatus_to_exitcode(status)
    finally:
        Path(lua.name).unlink(missing_ok=True)
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {output[-2000:]}")
    return parse(output, usage.ru_utime + usage.ru_stime)


def parse(output: str, cpu_s: float = 0.0) -> WrkResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if not done:
        raise RuntimeError(f"wrk printed no summary: {output[-2000:]}")
    seconds = float(done.group(2)) * UNITS[done.group(3)] / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return WrkResult(
        requests=int(done.group(1)),
        seconds=seconds,
        errors=errors,
        p50_ms=_percentile(output, "50"),
        p99_ms=_percentile(output, "99"),
        cpu_s=cpu_s,
        output=output,
    )


def _percentile(output: str, which: str) -> float | None:
    found = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    return float(found.group(1)) * UNITS[found.group(2)] if found else None
