"""The census's one HTTP client against a real local server: time limits (per read and per
request), the size cap, redirect limits, its name, and the private-address guard — including
a host whose DNS answer changes between the check and the connection."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from abierto.census.http import USER_AGENT, Fetcher, Refused
from abierto.census.prefill import prefill
from tests.census.servers import Reply, Site, serving

NOW = dt.datetime(2026, 11, 23, 12, 0)
ROWS = b"folio,dependencia,monto\n" + b"1,Obras,100.5\n" * 40_000  # 560 KB
BIG_CATALOG = json.dumps(
    {"dataset": [{"identifier": f"d{n}", "title": "Presupuesto " * 20} for n in range(2_000)]}
).encode()  # about 500 KB


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        running.route("/datos.csv", Reply(200, "text/csv", ROWS[:2000]))
        running.route("/lento", Reply(200, "text/csv", ROWS[:2000], delay=2.0))
        running.route("/goteo", Reply(200, "text/csv", ROWS[:12_000], drip=0.3))
        running.route("/enorme", Reply(200, "text/csv", ROWS))
        running.route("/bucle", Reply(302, "text/html", b"", {"Location": "/bucle"}))
        running.route("/dos", Reply(302, "text/html", b"", {"Location": "/uno"}))
        running.route("/grande/data.json", Reply(200, "application/json", BIG_CATALOG))
        running.route("/uno", Reply(302, "text/html", b"", {"Location": "/datos.csv"}))
        yield running


def test_a_read_timeout_and_an_overall_deadline(site: Site) -> None:
    with Fetcher(allow_private=True, timeout=0.5) as fetcher:
        slow = fetcher.get(f"{site.url}/lento")
    assert slow.error == "timed out" and slow.status is None
    # Each 1 KB arrives within the read timeout, but the whole body would take 3.6 s.
    with Fetcher(allow_private=True, timeout=1.0, deadline=1.5) as fetcher:
        started = time.monotonic()
        drip = fetcher.get(f"{site.url}/goteo")
    assert drip.error == "timed out" and time.monotonic() - started < 2.5
    with Fetcher(allow_private=True, timeout=0.5) as fetcher:
        found = prefill(f"{site.url}/lento", fetcher, NOW)
    assert found.answers == {}
    assert found.problems == [f"could not read the URL: GET {site.url}/lento → timed out"]


def test_only_the_first_bytes_are_read(site: Site) -> None:
    with Fetcher(allow_private=True, max_bytes=64 * 1024) as fetcher:
        huge = fetcher.get(f"{site.url}/enorme")
        small = fetcher.get(f"{site.url}/datos.csv")
        bigger = fetcher.get(f"{site.url}/enorme", max_bytes=100_000)
    assert huge.ok and huge.truncated and len(huge.body) == 64 * 1024
    assert huge.body == ROWS[: 64 * 1024]
    assert huge.describe().endswith("→ 200 text/csv, first 65,536 bytes read")
    assert small.ok and not small.truncated and small.body == ROWS[:2000]
    assert bigger.truncated and len(bigger.body) == 100_000


def test_redirects_are_followed_and_limited(site: Site) -> None:
    with Fetcher(allow_private=True) as fetcher:
        twice = fetcher.get(f"{site.url}/dos")
        loop = fetcher.get(f"{site.url}/bucle")
    with Fetcher(allow_private=True, max_redirects=1) as strict:
        cut = strict.get(f"{site.url}/dos")
    assert twice.ok and twice.redirects == [f"{site.url}/uno", f"{site.url}/datos.csv"]
    assert twice.final_url == f"{site.url}/datos.csv"
    assert "(via 2 redirects to" in twice.describe()
    assert loop.error == "too many redirects (more than 5)" and len(loop.redirects) == 6
    assert cut.error == "too many redirects (more than 1)"


def test_the_client_names_itself(site: Site) -> None:
    with Fetcher(allow_private=True) as fetcher:
        assert fetcher.get(f"{site.url}/datos.csv").ok
    assert site.agents == [USER_AGENT] and USER_AGENT.startswith("abierto-census/")


def test_private_addresses_are_refused_before_any_request(site: Site) -> None:
    with Fetcher() as strict:
        found = prefill(f"{site.url}/dataset/presupuesto", strict, NOW)
        other = strict.get("ftp://example.org/datos.csv")
    assert found.answers == {}
    assert found.problems == [
        f"could not read the catalog: GET {site.url}/api/3/action/package_show?id=presupuesto"
        " → refused (a private, loopback or link-local address)"
    ]
    assert other.error == "refused (not an http(s) URL)"
    assert site.hits == []


def test_a_host_that_changes_its_address_is_refused_at_connection(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the check sees a public address, the connection goes to loopback."""
    port = site.server_address[1]
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "datos.rebind.test":
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Fetcher() as strict:
        fetched = strict.get(f"http://datos.rebind.test:{port}/datos.csv")
    assert fetched.error == "refused (connected to a private address 127.0.0.1)"
    assert fetched.status is None and fetched.body == b""
    assert site.hits == []  # not a byte of the request was sent


def test_a_catalog_is_read_only_up_to_the_clients_cap(site: Site) -> None:
    """A data.json larger than the client's cap is refused, never read further."""
    with Fetcher(allow_private=True, max_bytes=200_000) as fetcher:
        found = prefill(f"{site.url}/grande/data.json#d1", fetcher, NOW)
    assert found.answers == {}
    assert found.problems == [
        "the data.json catalog is larger than the 200,000 bytes read from one URL"
    ]


class _Stream:
    def __init__(self, peer: Any) -> None:
        self.peer = peer
        self.closed = False

    def get_extra_info(self, name: str) -> Any:
        return self.peer if name == "server_addr" else None

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("peer", "refused"),
    [
        (("93.184.216.34", 443), False),
        (("2606:2800:220:1:248:1893:25c8:1946", 443, 0, 0), False),
        (("10.0.0.7", 80), True),
        (("169.254.169.254", 80), True),  # cloud metadata
        (("::ffff:127.0.0.1", 80, 0, 0), True),  # loopback mapped into IPv6
        (("fe80::1%eth0", 80, 0, 2), True),
        (None, True),  # the address cannot be read: refused, not waved through
        (("not-an-address", 80), True),
    ],
)
def test_the_connected_address_check_fails_closed(peer: Any, refused: bool) -> None:
    stream = _Stream(peer)
    with Fetcher() as strict:
        try:
            strict._trace("connection.connect_tcp.complete", {"return_value": stream})
        except Refused:
            assert refused and stream.closed
        else:
            assert not refused and not stream.closed
    with Fetcher(allow_private=True) as lenient:  # the tests' and intranets' explicit allowance
        lenient._trace("connection.connect_tcp.complete", {"return_value": _Stream(None)})
