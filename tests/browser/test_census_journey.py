"""The census in a real browser, on the demo portal: a volunteer assesses Zapopan's public
transport with evidence through the form; Zapopan's reviewer finds it in the queue and accepts
it; the ranking and the grid show the new score; an official of Zapopan's government confirms
it. Screenshots go to ``.screenshots/census-*.png``."""

from __future__ import annotations

import datetime as dt
import re

from tests.browser.conftest import PASSWORD, screenshot

SLUG = f"mx-local-{dt.date.today().year}"
HOME = f"/census/{SLUG}"
ENTRY = f"{HOME}/places/14120/transporte"
EVIDENCE = "https://datos.zapopan.gob.mx/dataset/gtfs-rutas"


def log_in(page, username: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"/login?next={next_path}")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def zapopan_row(page) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """Zapopan's score in the ranking and its public-transport cell in the grid."""
    page.goto(HOME)
    row = page.locator("table.ranking tbody tr", has_text="Zapopan")
    score = float(row.locator(".score-value").inner_text().rstrip("%"))
    cell = page.locator(f"table.census-grid a[href='{ENTRY}']").inner_text()
    return score, cell.strip()


def fill_the_form(page) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form.submit-form")
    url = form.locator("input[name=url]")
    assert not url.is_visible()  # asked only once the data is online
    for question in ("exists", "online"):
        form.locator(f"input[name={question}][value=yes]").check()
    url.fill(EVIDENCE)
    for question in ("registration_free", "free", "bulk_download", "up_to_date"):
        form.locator(f"input[name={question}][value=yes]").check()
    form.locator("input[name=last_updated]").fill(dt.date.today().isoformat())
    form.locator("input[name=license]").fill("Términos de Libre Uso MX")
    form.locator("input[name=open_license][value=yes]").check()
    form.locator("input[name=format]").fill("GTFS (CSV)")
    form.locator("input[name=open_format][value=yes]").check()
    for element in ("rutas", "paradas", "horarios"):
        form.locator(f"input[name=elements][value='{element}']").check()
    form.locator("input[name=evidence]").first.fill(EVIDENCE)
    form.locator("#note").fill("Rutas y horarios en GTFS, actualizados cada mes.")


def test_a_volunteer_assesses_the_reviewer_accepts_and_the_government_confirms(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/census")
    screenshot(page, "census-list")
    before, cell = zapopan_row(page)
    assert "—" in cell  # not assessed yet
    screenshot(page, "census-home-before")

    log_in(page, "voluntaria", ENTRY)
    page.get_by_role("link", name="Evaluar este conjunto").click()
    page.wait_for_url(f"**{ENTRY}/submit")
    fill_the_form(page)
    screenshot(page, "census-submit")
    page.locator("form.submit-form button[type=submit]").click()
    page.wait_for_url(f"**{ENTRY}?notice=submitted")
    assert page.locator("#pending").is_visible()
    assert page.locator(f"#pending a[href='{EVIDENCE}'][rel='nofollow noopener']").count() == 2
    screenshot(page, "census-entry-pending")

    log_in(page, "revisora", f"{HOME}/queue")
    row = page.locator("table.queue tbody tr", has_text="Transporte público")
    assert row.count() == 1 and "Lucía Hernández" in row.inner_text()
    screenshot(page, "census-queue")
    row.get_by_role("link", name="Revisar").click()
    page.wait_for_url(f"**{ENTRY}*")
    page.locator("#review input[name=decision][value=accept]").check()
    screenshot(page, "census-review")
    page.locator("#review button[type=submit]").click()
    page.wait_for_url(f"**{ENTRY}?notice=reviewed")
    assert page.locator(".place-score .score").inner_text().startswith("100")

    after, cell = zapopan_row(page)
    assert cell.startswith("100") and after == round(before + 100 / 16, 2)
    screenshot(page, "census-home")

    log_in(page, "editor", ENTRY)
    confirm = page.locator("#confirm")
    confirm.locator("input[name=state][value=confirmed]").check()
    confirm.locator("textarea[name=comment]").fill("Publicado por la Dirección de Movilidad.")
    confirm.locator("button[type=submit]").click()
    page.wait_for_url(f"**{ENTRY}?notice=confirmed")
    government = page.locator("#government").inner_text()
    assert re.search("confirmada por el gobierno", government, re.IGNORECASE)
    assert "Municipio de Zapopan" in government
    screenshot(page, "census-entry-confirmed")
    page.goto(f"{HOME}/places/14120")
    screenshot(page, "census-place")
