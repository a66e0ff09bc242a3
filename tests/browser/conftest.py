"""Headless Chromium (Debian's package, driven by Playwright) against a live demo portal.

Screenshots of every page a journey visits go to ``ABIERTO_SCREENSHOTS`` (default
``./.screenshots``) so a person can look at them after a run.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from abierto.demo import load_demo
from abierto.settings import Settings
from tests.web.conftest import _serve

CHROMIUM = os.environ.get("ABIERTO_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-contraseña-123"
SHOTS = Path(os.environ.get("ABIERTO_SCREENSHOTS", ".screenshots"))


@dataclass
class Demo:
    url: str
    settings: Settings


@pytest.fixture(scope="session")
def demo_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    settings = Settings(home=tmp_path_factory.mktemp("browser") / "home", rate_limit="")
    previous = os.environ.get("ABIERTO_DEMO_PASSWORD")
    os.environ["ABIERTO_DEMO_PASSWORD"] = PASSWORD
    try:
        list(load_demo(settings))
    finally:
        if previous is None:
            os.environ.pop("ABIERTO_DEMO_PASSWORD", None)
        else:
            os.environ["ABIERTO_DEMO_PASSWORD"] = previous
    server, thread, url = _serve(settings)
    try:
        yield Demo(url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# Module scope: Playwright's sync API runs an event loop in this thread while it is open,
# which would break later tests (in the same worker) that start their own loop.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"CHROMIUM NOT FOUND at {CHROMIUM}: browser tests skipped (apt install chromium)"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, demo_portal: Demo):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=demo_portal.url,
        locale="es-MX",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
