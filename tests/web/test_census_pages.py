"""The census pages over a real server: every page renders, user text is escaped, forms need
CSRF, the workflow's permissions hold through the pages, and the submission form keeps its
conditions and values."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from abierto.accounts.services import user_by_name
from abierto.catalog.services import get_or_create_organization
from abierto.census import templates, workflow
from abierto.census.models import Census, Government, Reviewer, Submission
from abierto.settings import Settings
from tests.accounts.people import Person, browser, create_people, csrf_of, portal_db
from tests.web.conftest import XSS, _serve

SLUG = "mx-local-2031"
ZAP = f"/census/{SLUG}/places/14120"
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
PEOPLE = (
    Person("vol", full_name="Vera Voluntaria"),
    Person("rev-zap", full_name="Rosa Revisora"),
    Person("rev-mty", full_name="Ramiro Revisor"),
    Person("jefa", site_admin=True),
    Person("oficial", roles={"gobierno-zapopan": "editor"}),
    Person("otro"),
)


@dataclass
class Site:
    url: str
    settings: Settings


def _load(settings: Settings) -> None:
    """2030 (Zapopan's budget at 80) and 2031 started from it: Zapopan's budget open with
    hostile text; spending, contracts and business permits waiting for review (in that
    order); a hostile comment. Tests may run in any order, on separate copies of the site."""
    create_people(settings, *PEOPLE)
    with portal_db(settings) as session:
        people = {p.username: user_by_name(session, p.username) for p in PEOPLE}
        places = templates.ensure_places(session)
        zapopan = places["14120"]
        org = get_or_create_organization(session, "gobierno-zapopan")
        session.add(Government(place_id=zapopan.id, organization_id=org.id))
        before = templates.load_template(session, "mx-local", 2030)
        _accept(session, before, "presupuesto", people, open_license="no")
        census = templates.new_edition(session, before, 2031)
        for name, key in (("rev-zap", "14120"), ("rev-mty", "19039")):
            claim = workflow.request_reviewer(session, census, people[name], place=places[key])
            workflow.approve_reviewer(session, claim, people["jefa"])
        _accept(session, census, "presupuesto", people, comments=XSS)
        types = {t.slug: t for t in census.dataset_types}
        for days, slug in enumerate(("gasto", "contratos", "licencias-giro")):
            answers = OPEN | {"elements": types[slug].elements}
            waiting = workflow.submit(
                session, census, zapopan, types[slug], people["vol"], answers, comment=XSS
            )
            waiting.created_at = dt.datetime(2031, 3, 1 + days)
        workflow.add_comment(
            session, census, zapopan, types["presupuesto"], people["otro"], f"Ojo {XSS}"
        )


def _accept(session, census, slug, people, **changes) -> None:  # type: ignore[no-untyped-def]
    dataset_type = next(t for t in census.dataset_types if t.slug == slug)
    answers = OPEN | {"elements": dataset_type.elements} | changes
    zapopan = templates.ensure_places(session)["14120"]
    submission = workflow.submit(
        session, census, zapopan, dataset_type, people["vol"], answers, evidence=[OPEN["url"]]
    )
    workflow.review(session, submission, people["jefa"], "accept")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = Path(tmp_path_factory.mktemp("census-pages")) / "home"
    settings = Settings(home=home, rate_limit="", fetch_allow_private=True)  # pre-fill tests
    _load(settings)
    server, thread, url = _serve(settings)
    try:
        yield Site(url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


def _pending(site: Site, slug: str) -> Submission:
    with portal_db(site.settings) as session:
        census = session.scalars(select(Census).where(Census.slug == SLUG)).one()
        dataset_type = next(t for t in census.dataset_types if t.slug == slug)
        submissions = workflow.history(
            session, census.id, templates.ensure_places(session)["14120"].id, dataset_type.id
        )
        session.expunge_all()
        return submissions[0]


def _post(client: httpx.Client, path: str, page: str, **data: str) -> httpx.Response:
    """Post a form as a browser does: with the CSRF token the page gave this client."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


# -- reading --------------------------------------------------------------------------------------


def test_every_census_page_renders(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        listing = text(http.get("/census"))
        assert "Censo Local de Datos Abiertos México 2031" in listing
        assert f'href="/census/{SLUG}"' in listing and 'href="/census">Censo</a>' in listing
        home = http.get(f"/census/{SLUG}")
        assert home.status_code == 200
        page = text(home)
        # Zapopan, the only place assessed, first; the other six tie at 0 (rank 2).
        assert re.search(r'>1</td>\s*<th scope="row"><a href="[^"]*14120">Zapopan', page)
        assert len(re.findall(r'>2</td>\s*<th scope="row">', page)) == 6
        assert f'href="{ZAP}/presupuesto"' in page  # the grid links every cell
        assert "sin evaluar" in page  # unassessed cells say so, not only by colour
        assert f"/api/v1/censuses/{SLUG}/ranking?format=csv" in page
        assert f'href="/census/{SLUG}/types/presupuesto"' in page
        place = text(http.get(ZAP))
        assert "Rosa Revisora" in place and "Ramiro Revisor" not in place
        trend = r">2030</a></th>\s*<td>.*?<strong>5%</strong>"  # 80 / 16 in 2030
        assert re.search(trend, place, re.DOTALL)
        kind = text(http.get(f"/census/{SLUG}/types/presupuesto"))
        assert "monto aprobado" in kind and "Zapopan" in kind
        entry = text(http.get(f"{ZAP}/presupuesto"))
        assert "¿Están en línea?" in entry and "100" in entry and "Propuesta de" in entry
        english = text(http.get(f"/census/{SLUG}", params={"lang": "en"}))
        assert "Ranking" in english and "Budget" in english
        for missing in ("/census/nada", f"/census/{SLUG}/places/99999", f"{ZAP}/nada"):
            assert http.get(missing).status_code == 404, missing


def test_the_place_badge_is_not_taken_for_a_dataset_type(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        badge = http.get(f"{ZAP}/badge.svg")
    assert badge.status_code == 200 and badge.headers["content-type"].startswith("image/svg")


def test_user_text_is_escaped_and_evidence_is_nofollow(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        entry = http.get(f"{ZAP}/presupuesto").text
        pending = http.get(f"{ZAP}/gasto").text
    for page in (entry, pending):
        assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f'<a href="{OPEN["url"]}" rel="nofollow noopener"' in entry


# -- permissions through the pages ----------------------------------------------------------------


def test_posts_without_csrf_are_refused(site: Site) -> None:
    pending = _pending(site, "gasto")
    with browser(site.url, "rev-zap") as client:
        for path, data in (
            (f"{ZAP}/gasto/review", {"submission": pending.id, "decision": "accept"}),
            (f"{ZAP}/presupuesto/comments", {"body": "sin token"}),
            (f"{ZAP}/presupuesto/confirm", {"state": "confirmed"}),
            (f"{ZAP}/transporte/submit", {"exists": "no"}),
            (f"/census/{SLUG}/reviewers/request", {"place": "30087"}),
        ):
            assert client.post(path, data=data).status_code == 403, path
            wrong = client.post(path, data={**data, "csrf_token": "otro"})
            assert wrong.status_code == 403, path
    assert _pending(site, "gasto").status == "pending"
    with httpx.Client(base_url=site.url, timeout=10) as http:
        assert "sin token" not in http.get(f"{ZAP}/presupuesto").text


def test_a_monterrey_reviewer_cannot_accept_zapopan(site: Site) -> None:
    pending = _pending(site, "gasto")
    with browser(site.url, "rev-mty") as client:
        page = client.get(f"{ZAP}/gasto")
        assert 'name="decision"' not in page.text  # no review form offered
        refused = _post(
            client, f"{ZAP}/gasto/review", f"{ZAP}/gasto", submission=pending.id, decision="accept"
        )
    assert refused.status_code == 403
    assert "No revisas este lugar" in text(refused)
    assert _pending(site, "gasto").status == "pending"


def test_the_submitter_cannot_accept_their_own(site: Site) -> None:
    pending = _pending(site, "gasto")
    with browser(site.url, "vol") as client:
        assert "Es tu propuesta" in text(client.get(f"{ZAP}/gasto"))
        refused = _post(
            client, f"{ZAP}/gasto/review", f"{ZAP}/gasto", submission=pending.id, decision="accept"
        )
    assert refused.status_code == 403 and "Nadie revisa su propia propuesta" in text(refused)
    assert _pending(site, "gasto").status == "pending"


def _zapopan_score(site: Site) -> float:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        page = text(http.get(f"/census/{SLUG}"))
    found = re.search(r'14120">Zapopan</a></th>.*?score-value">([0-9.]+)%', page, re.DOTALL)
    assert found, "Zapopan is not in the ranking"
    return float(found.group(1))


def test_the_place_reviewer_reviews_and_a_reason_is_required(site: Site) -> None:
    pending = _pending(site, "contratos")
    page = f"{ZAP}/contratos"
    before = _zapopan_score(site)
    with browser(site.url, "rev-zap") as client:
        assert 'name="decision"' in client.get(page).text
        no_reason = _post(
            client, f"{page}/review", page, submission=pending.id, decision="reject", reason=" "
        )
        assert no_reason.status_code == 400 and "Explica la razón" in text(no_reason)
        accepted = _post(client, f"{page}/review", page, submission=pending.id, decision="accept")
        assert accepted.status_code == 303 and "notice=reviewed" in accepted.headers["location"]
        entry = text(client.get(accepted.headers["location"]))
    assert "Revisión guardada" in entry and "vigente" in entry
    assert _zapopan_score(site) == before + 6.25  # an open entry is worth 100 / 16


def test_only_the_government_confirms(site: Site) -> None:
    page = f"{ZAP}/presupuesto"
    with browser(site.url, "otro") as client:
        assert 'name="state"' not in client.get(page).text
        refused = _post(client, f"{page}/confirm", page, state="confirmed", comment="yo digo")
    assert refused.status_code == 403 and "Solo el gobierno verificado" in text(refused)
    with browser(site.url, "oficial") as client:
        disputed = _post(client, f"{page}/confirm", page, state="disputed", comment=" ")
        assert disputed.status_code == 400  # a dispute says what is wrong
        first = _post(client, f"{page}/confirm", page, state="disputed", comment="Falta 2030")
        assert first.status_code == 303
        done = _post(client, f"{page}/confirm", page, state="confirmed", comment=f"Sí {XSS}")
        assert done.status_code == 303
        entry = client.get(page)
    shown = text(entry)
    assert "Confirmada por el gobierno" in shown and XSS not in entry.text
    assert "Respuestas anteriores del gobierno (1" in shown and "Falta 2030" in shown
    assert shown.index("Confirmada por el gobierno") < shown.index("Falta 2030")
    assert "yo digo" not in shown


def test_comments_need_a_login_and_text(site: Site) -> None:
    page = f"{ZAP}/presupuesto"
    with httpx.Client(base_url=site.url, timeout=10) as http:
        anonymous = _post(http, f"{page}/comments", "/login", body="anónimo")
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    with browser(site.url, "vol") as client:
        empty = _post(client, f"{page}/comments", page, body="   ")
        assert empty.status_code == 400 and "Escribe algo" in text(empty)
        posted = _post(client, f"{page}/comments", page, body="¿Incluye 2031?")
        assert posted.status_code == 303
        assert "¿Incluye 2031?" in text(client.get(page))


# -- the submission form --------------------------------------------------------------------------


def test_the_form_shows_questions_in_order_with_their_conditions(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as http:
        anonymous = http.get(f"{ZAP}/transporte/submit")
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    with browser(site.url, "vol") as client:
        form = text(client.get(f"{ZAP}/transporte/submit"))
    names = re.findall(r'name="([a-z_]+)" value="yes"', form)
    assert names[:3] == ["exists", "online", "registration_free"]
    assert "Solo si respondió «Sí» a «¿Están en línea?»" in form
    assert all(f'name="elements" value="{e}"' in form for e in ("rutas", "paradas", "horarios"))
    assert 'name="evidence"' in form and 'name="csrf_token"' in form


def test_questions_whose_condition_is_false_are_ignored(site: Site) -> None:
    page = f"{ZAP}/calidad-agua/submit"
    with browser(site.url, "vol") as client:
        sent = _post(
            client, page, page, exists="yes", online="no", url="javascript:alert(1)",
            open_format="yes", elements="valor",
        )  # fmt: skip
    assert sent.status_code == 303, sent.text
    assert _pending(site, "calidad-agua").answers == {"exists": "yes", "online": "no"}


def test_form_errors_keep_the_values(site: Site) -> None:
    page = f"{ZAP}/catastro/submit"
    with browser(site.url, "vol") as client:
        bad = _post(
            client, page, page, exists="yes", online="yes", url="ftp://catastro",
            free="yes", license="Licencia «rara»", evidence="https://catastro.example/x",
        )  # fmt: skip
        assert bad.status_code == 400
        form = text(bad)
        assert "Una dirección no es válida" in form and 'value="ftp://catastro"' in form
        assert 'value="Licencia «rara»"' in form and 'value="https://catastro.example/x"' in form
        assert re.search(r'name="free" value="yes"\s*checked', bad.text)
        assert 'class="question when-online-yes when-exists-yes has-error" id="q-url"' in form
        no_url = _post(client, page, page, exists="yes", online="yes", free="yes")
        assert no_url.status_code == 400 and "necesita su dirección de evidencia" in text(no_url)
    with httpx.Client(base_url=site.url, timeout=10) as http:
        assert "Propuesta por revisar" not in text(http.get(f"{ZAP}/catastro"))


def test_a_submission_sent_back_reopens_as_it_was(site: Site) -> None:
    """After "request changes", its author's form starts from what they sent (not from the
    accepted answers, here none); anyone else's starts from the accepted entry."""
    entry, form = f"{ZAP}/reglamentos", f"{ZAP}/reglamentos/submit"
    url = "https://reglamentos.zapopan.gob.mx/reglamentos.csv"
    with browser(site.url, "vol") as client:
        sent = _post(
            client, form, form, exists="yes", online="yes", url=url, free="yes",
            comment="Falta el reglamento de tránsito", evidence=url,
        )  # fmt: skip
        assert sent.status_code == 303, sent.text
    submission = _pending(site, "reglamentos")
    with browser(site.url, "rev-zap") as client:
        returned = _post(
            client, f"{entry}/review", entry, submission=submission.id,
            decision="request_changes", reason="Agrega la licencia",
        )  # fmt: skip
        assert returned.status_code == 303
    assert _pending(site, "reglamentos").status == "changes_requested"
    with browser(site.url, "vol") as client:
        again = text(client.get(form))
    assert f'value="{url}"' in again and "Falta el reglamento de tránsito" in again
    assert re.search(r'name="free" value="yes"\s*checked', again)
    with browser(site.url, "otro") as client:
        fresh = text(client.get(form))
    assert f'value="{url}"' not in fresh and "Falta el reglamento" not in fresh


def test_a_pending_submission_blocks_a_new_one(site: Site) -> None:
    page = f"{ZAP}/gasto/submit"
    with browser(site.url, "otro") as client:
        form = text(client.get(page))
        assert "Ya hay una propuesta por revisar" in form and 'type="radio"' not in form
        refused = _post(client, page, f"{ZAP}/gasto", exists="yes", online="no")
    assert refused.status_code == 400 and "Ya hay una propuesta por revisar" in text(refused)


# -- reviewers ------------------------------------------------------------------------------------


def test_the_queue_lists_what_the_caller_may_review_oldest_first(site: Site) -> None:
    queue = f"/census/{SLUG}/queue"
    with httpx.Client(base_url=site.url, timeout=10) as http:
        assert http.get(queue).status_code == 303
    with browser(site.url, "rev-zap") as client:
        mine = text(client.get(queue))
    assert mine.index("Gasto ejercido") < mine.index("Licencias de funcionamiento")  # oldest first
    with browser(site.url, "rev-mty") as client:
        other = text(client.get(queue))
    assert "Gasto ejercido" not in other and "Nada por revisar" in other
    with browser(site.url, "vol") as client:
        own = text(client.get(queue))
    assert "Gasto ejercido" not in own and "No revisas ningún lugar" in own


def test_asking_to_review_and_admin_approval(site: Site) -> None:
    xalapa = f"/census/{SLUG}/places/30087"
    with browser(site.url, "otro") as client:
        asked = _post(client, f"/census/{SLUG}/reviewers/request", xalapa, place="30087")
        assert asked.status_code == 303
        assert "espera la aprobación" in text(client.get(xalapa))
        assert client.get(f"/census/{SLUG}/reviewers").status_code == 403
        with portal_db(site.settings) as session:
            claim_id = session.scalars(
                select(Reviewer.id).where(Reviewer.approved.is_(False))
            ).one()
        forbidden = _post(client, f"/census/{SLUG}/reviewers/{claim_id}/approve", xalapa)
        assert forbidden.status_code == 403
    with browser(site.url, "jefa") as client:
        listing = text(client.get(f"/census/{SLUG}/reviewers"))
        assert "otro" in listing and "Xalapa" in listing
        approved = _post(
            client, f"/census/{SLUG}/reviewers/{claim_id}/approve", f"/census/{SLUG}/reviewers"
        )
        assert approved.status_code == 303
    with httpx.Client(base_url=site.url, timeout=10) as http:
        assert "otro" in text(http.get(xalapa)).split("Quién revisa")[1]


def test_the_form_is_prefilled_from_an_evidence_url(site: Site, tmp_path: Path) -> None:
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "rutas.csv").write_text("ruta,parada\nA1,Centro\nA2,Norte\nA3,Sur\n")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    files = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{files.server_address[1]}/rutas.csv"
    try:
        with browser(site.url, "vol") as client:
            form = text(client.get(f"{ZAP}/transporte/submit", params={"prefill": url}))
    finally:
        files.shutdown()
    assert re.search(r'name="online" value="yes"[^>]*checked', form)
    assert re.search(r'name="open_format" value="yes"[^>]*checked', form)
    assert f'value="{url}"' in form  # the URL becomes the first evidence
    assert "Comprobado automáticamente" in form and "the first bytes are CSV" in form
