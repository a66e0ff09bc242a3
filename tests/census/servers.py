"""A small real HTTP server for the pre-fill tests: routes answer fixed replies (or are
computed from the query), slowly or in drips when asked, and every request is recorded so a
test can tell which URLs were really fetched."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    content_type: str = "text/plain"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between 1 KB chunks of the body


Route = Reply | Callable[[dict[str, list[str]]], Reply]


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.prefixes: dict[str, Route] = {}
        self.hits: list[str] = []  # the path and query of every request
        self.agents: list[str] = []  # their User-Agent headers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, path: str, reply: Route) -> str:
        """Serve ``reply`` at ``path`` (a prefix when it ends with ``*``); its full URL."""
        if path.endswith("*"):
            self.prefixes[path[:-1]] = reply
        else:
            self.routes[path] = reply
        return self.url + path.rstrip("*")

    def reply_for(self, path: str, query: dict[str, list[str]]) -> Reply:
        route = self.routes.get(path)
        if route is None:
            route = next((r for p, r in self.prefixes.items() if path.startswith(p)), None)
        if route is None:
            return Reply(404, "text/html", b"<html><body>No encontrado</body></html>")
        return route(query) if callable(route) else route

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hung up on purpose (timeouts, size caps)


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.hits.append(self.path)
        self.server.agents.append(self.headers.get("User-Agent", ""))
        reply = self.server.reply_for(parts.path, parse_qs(parts.query))
        time.sleep(reply.delay)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not reply.drip:
            self.wfile.write(reply.body)
            return
        for start in range(0, len(reply.body), 1024):
            self.wfile.write(reply.body[start : start + 1024])
            self.wfile.flush()
            time.sleep(reply.drip)


@contextmanager
def serving() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
        thread.join(timeout=5)
