"""The census API over HTTP: list, ranking (JSON and CSV), entries, places, the badge."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

import httpx
import pytest

from abierto.accounts.services import create_user, user_by_name
from abierto.census import templates, workflow
from tests.accounts.people import PASSWORD, Person, create_people, portal_db
from tests.web.conftest import XSS, Portal

SLUG = "mx-local-2031"
OPEN = {
    "exists": "yes",
    "online": "yes",
    "url": "https://datos.zapopan.gob.mx/presupuesto.csv",
    "registration_free": "yes",
    "free": "yes",
    "bulk_download": "yes",
    "up_to_date": "yes",
    "open_license": "yes",
    "open_format": "yes",
}


@pytest.fixture(scope="module")
def census(portal: Portal) -> str:
    """Zapopan: budget open (100) and spending at 60; Monterrey: spending open (100)."""
    with portal_db(portal.settings) as session:
        census = templates.load_template(session, "mx-local", 2031)
        places = templates.ensure_places(session)
        types = {t.slug: t for t in census.dataset_types}
        volunteer = user_by_name(session, "censo-vol") or create_user(
            session, "censo-vol", "censo-vol@example.org", PASSWORD
        )
        admin = user_by_name(session, "censo-admin") or create_user(
            session, "censo-admin", "censo-admin@example.org", PASSWORD, site_admin=True
        )
        for key, slug, changes in (
            ("14120", "presupuesto", {}),
            ("14120", "gasto", {"open_license": "no", "open_format": "no", "comments": XSS}),
            ("19039", "gasto", {}),
        ):
            answers = OPEN | {"elements": types[slug].elements} | changes
            submission = workflow.submit(
                session, census, places[key], types[slug], volunteer, answers
            )
            workflow.review(session, submission, admin, "accept")
        session.commit()
    return SLUG


def test_censuses_are_listed_with_their_slugs(client: httpx.Client, census: str) -> None:
    body = client.get("/api/v1/censuses").json()
    listed = {c["slug"]: c for c in body["censuses"]}
    assert listed[census]["year"] == 2031 and listed[census]["places"] == 7
    assert listed[census]["dataset_types"] == 16 and listed[census]["url"] == f"/census/{census}"
    detail = client.get(f"/api/v1/censuses/{census}").json()
    assert sum(q["weight"] for q in detail["questions"]) == 100
    assert client.get("/api/v1/censuses/no-existe").status_code == 404


def test_ranking_json_and_csv(client: httpx.Client, census: str) -> None:
    places = client.get(f"/api/v1/censuses/{census}/ranking").json()["places"]
    assert places[0] == {
        "key": "14120",
        "name": "Zapopan",
        "score": 10.0,  # (100 + 60) / 16 dataset types
        "rank": 1,
        "entries_open": 1,
        "entries_total": 2,
    }
    assert places[1]["key"] == "19039" and places[1]["score"] == 6.25 and places[1]["rank"] == 2
    assert {p["rank"] for p in places[2:]} == {3}  # five unassessed places tie
    response = client.get(f"/api/v1/censuses/{census}/ranking", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["key"] == "14120" and rows[0]["score"] == "10.0" and len(rows) == 7


def test_entries_places_and_dataset_types(client: httpx.Client, census: str) -> None:
    entries = client.get(f"/api/v1/censuses/{census}/entries").json()["entries"]
    assert [(e["place"], e["dataset_type"], e["score"]) for e in entries] == [
        ("14120", "gasto", 60.0),
        ("14120", "presupuesto", 100.0),
        ("19039", "gasto", 100.0),
    ]
    assert entries[0]["answers"]["comments"] == XSS  # data, returned as given (JSON-escaped)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/api/v1/censuses/{census}/entries?format=csv").text)
        )
    )
    assert rows[1]["open_license"] == "yes" and rows[0]["open_license"] == "no"
    places = client.get(f"/api/v1/censuses/{census}/places").json()["places"]
    assert {"key": "14120", "name": "Zapopan", "kind": "municipality", "parent": "14"} in places
    types = client.get(f"/api/v1/censuses/{census}/dataset-types").json()["dataset_types"]
    assert types[0]["slug"] == "gasto" and types[0]["score"] == round(160 / 7, 2)


def test_badge_is_svg_with_escaped_text(client: httpx.Client, census: str) -> None:
    response = client.get(f"/census/{census}/places/14120/badge.svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(response.text)
    assert "Zapopan: 10% (#1)" in svg.findtext("{http://www.w3.org/2000/svg}title", "")
    assert client.get(f"/census/{census}/places/99999/badge.svg").status_code == 404


def test_census_is_in_the_openapi_spec(client: httpx.Client, census: str) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/censuses/{slug}/ranking" in paths


def test_prefill_endpoint_needs_a_login_and_reads_the_portal(portal: Portal) -> None:
    with httpx.Client(base_url=portal.url, timeout=20) as anonymous:
        url = f"{portal.url}/datasets/obras"
        assert anonymous.get("/api/v1/census-prefill", params={"url": url}).status_code == 401
    tokens = create_people(portal.settings, Person("censo-prefill"))
    headers = {"Authorization": f"Bearer {tokens['censo-prefill']}"}
    with httpx.Client(base_url=portal.url, timeout=20, headers=headers) as client:
        body = client.get("/api/v1/census-prefill", params={"url": url}).json()
    # The test portal does not allow private addresses: its own loopback URL is refused.
    assert body["answers"] == {} and "refused" in body["problems"][0]
