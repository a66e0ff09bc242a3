"""Key journeys in a real browser: find and download data, log in and publish, switch language."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.browser.conftest import PASSWORD, screenshot


def test_find_preview_filter_and_download(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    screenshot(page, "home")
    page.fill("#site-q", "calidad aire")
    page.locator("form.site-search button[type=submit]").click()
    page.wait_for_url("**/search?*")
    page.locator("input[type=checkbox][name=organization]").first.check()
    page.locator("aside.facets button[type=submit]").click()
    page.wait_for_url("**organization=*")
    screenshot(page, "search")
    page.locator("ol.result-list a").first.click()
    page.wait_for_url("**/datasets/**")
    screenshot(page, "dataset")
    preview = page.locator(".preview").first
    before = preview.locator(".preview-count").inner_text()
    preview.locator("input[name=q]").fill("centro")
    preview.locator("button[type=submit]").click()
    page.wait_for_function(
        "before => document.querySelector('.preview .preview-count').innerText !== before",
        arg=before,
    )
    rows = preview.locator("table.preview-table tbody tr")
    assert rows.count() > 0
    assert all("centro" in rows.nth(i).inner_text().lower() for i in range(rows.count()))
    screenshot(page, "dataset-filtered")
    with page.expect_download() as info:
        page.locator("a[href$='data.csv']").first.click()
    path = tmp_path / "data.csv"
    info.value.save_as(path)
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(table) > 10 and table[0]


def test_log_in_and_publish_a_file(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "apoyos.csv"
    source.write_text(
        "Beneficiario,Monto del apoyo,Fecha\nAna López,1500.50,2024-01-15\n"
        "Luis Pérez,800,2024-02-01\n",
        encoding="utf-8",
    )
    page.goto("/login?next=/publish")
    screenshot(page, "login")
    page.fill("#login", "editor")
    page.fill("#password", PASSWORD)
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url("**/publish")
    page.select_option("#dataset", value="")
    page.fill("#title", "Apoyos económicos")
    page.set_input_files("#file", str(source))
    screenshot(page, "publish-start")
    page.locator("form.pub-form button[type=submit]").click()
    page.wait_for_url("**/publish/*")
    assert "monto_del_apoyo" in page.content()
    screenshot(page, "publish-report")
    page.locator("form.pub-form button[type=submit]").first.click()
    page.wait_for_url("**/metadata*")
    screenshot(page, "publish-metadata")
    page.locator("form.pub-form button[type=submit]").first.click()
    page.wait_for_url("**/datasets/**")
    assert "Apoyos económicos" in page.content()
    screenshot(page, "published")


def test_switch_language(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="English").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")
