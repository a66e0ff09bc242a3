"""The demo census: the Mexican local census for this year, started from last year's edition,
with the seven places assessed through the real workflow.

Zapopan's demo organization is the verified government of Zapopan (so ``editor`` is one of
its officials); a volunteer submits, reviewers of Zapopan and Monterrey (and ``admin``
elsewhere) review; entries have varied scores, a few wait for review, one is confirmed by
the government, one disputed, one went back for changes, and one has a discussion. The
evidence addresses are illustrative, like the rest of the demo. Loading it again changes
nothing: an existing edition is left exactly as it is.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.accounts.models import User
from abierto.accounts.services import create_user, user_by_name
from abierto.app_context import AppContext
from abierto.catalog.models import ActivityEvent, Organization, utcnow
from abierto.census import templates, workflow
from abierto.census.models import Census, Government, Place, Submission
from abierto.demo import ALPHABET, PASSWORD_ENV

TEMPLATE = "mx-local"
SCORED = ("registration_free", "free", "bulk_download", "up_to_date", "open_license", "open_format")
HOSTS = {
    "14120": "datos.zapopan.gob.mx",
    "14039": "datos.guadalajara.gob.mx",
    "19039": "datos.monterrey.gob.mx",
    "19019": "datos.sanpedro.gob.mx",
    "19046": "transparencia.sanicolas.gob.mx",
    "30087": "transparencia.xalapa.gob.mx",
    "09": "datos.cdmx.gob.mx",
}


@dataclass(frozen=True, slots=True)
class CensusUser:
    username: str
    full_name: str
    role: str  # shown next to the password line


USERS = (
    CensusUser("voluntaria", "Lucía Hernández", "voluntaria del censo"),
    CensusUser("revisora", "Mariana Ortega", "revisora de Zapopan en el censo"),
    CensusUser("revisor-mty", "Jorge Treviño", "revisor de Monterrey en el censo"),
)
REVIEWERS = {"14120": "revisora", "19039": "revisor-mty"}  # elsewhere: admin


@dataclass(frozen=True, slots=True)
class Assessment:
    place: str  # INEGI key
    dataset_type: str
    no: tuple[str, ...] = ()  # scored questions answered "no"
    online: bool = True
    lacking: tuple[str, ...] = ()  # required elements the data does not have
    pending: bool = False
    note: str = ""


def _a(place: str, dataset_type: str, *no: str, **extra: Any) -> Assessment:
    return Assessment(place, dataset_type, no, **extra)


LICENSE, BULK, FORMAT, CURRENT = "open_license", "bulk_download", "open_format", "up_to_date"

LAST_YEAR = (
    _a("14120", "presupuesto", LICENSE), _a("14120", "contratos", BULK, LICENSE),
    _a("14120", "gasto", FORMAT, LICENSE), _a("14039", "presupuesto"),
    _a("14039", "transporte", LICENSE), _a("19039", "presupuesto", LICENSE, BULK),
    _a("19039", "calidad-aire"), _a("19019", "presupuesto"), _a("19019", "gasto", LICENSE),
    _a("19019", "contratos"), _a("09", "presupuesto"), _a("09", "gasto"),
    _a("09", "incidencia-delictiva"), _a("09", "transporte"), _a("09", "calidad-aire", LICENSE),
    _a("09", "contratos", BULK, LICENSE),
    _a("30087", "reglamentos", FORMAT, BULK, LICENSE, CURRENT),
)  # fmt: skip

THIS_YEAR = (
    _a("14120", "presupuesto"), _a("14120", "gasto", LICENSE), _a("14120", "contratos"),
    _a("14120", "incidencia-delictiva", BULK, CURRENT),
    _a("14120", "reportes-ciudadanos", LICENSE), _a("14120", "sueldos", FORMAT, BULK),
    _a("14039", "presupuesto"), _a("14039", "gasto", BULK), _a("14039", "contratos", LICENSE, BULK),
    _a("14039", "transporte"), _a("14039", "calidad-aire", LICENSE),
    _a("14039", "reglamentos", FORMAT, BULK, LICENSE),
    _a("19039", "presupuesto", LICENSE), _a("19039", "contratos"),
    _a("19039", "incidencia-delictiva", FORMAT, LICENSE, BULK), _a("19039", "calidad-aire"),
    _a("19019", "presupuesto"), _a("19019", "gasto"), _a("19019", "contratos"),
    _a("19019", "sueldos"), _a("19019", "declaraciones", BULK, LICENSE),
    _a("19019", "uso-de-suelo"),
    _a("19046", "presupuesto", FORMAT, BULK, LICENSE),
    _a("19046", "contratos", lacking=("procedimiento",)), _a("19046", "catastro", online=False),
    _a("30087", "presupuesto", FORMAT, LICENSE),
    _a("30087", "reglamentos", FORMAT, BULK, LICENSE, CURRENT),
    _a("09", "presupuesto"), _a("09", "gasto"), _a("09", "contratos", BULK),
    _a("09", "incidencia-delictiva"), _a("09", "transporte"), _a("09", "calidad-aire"),
    _a("09", "calidad-agua", CURRENT), _a("09", "reportes-ciudadanos"),
    _a("09", "uso-de-suelo", LICENSE), _a("09", "licencias-construccion", BULK, CURRENT),
    _a("09", "resultados-electorales"),
    _a("14120", "uso-de-suelo", pending=True, note="El plan parcial se descarga por distrito."),
    _a("19039", "gasto", BULK, pending=True), _a("30087", "contratos", LICENSE, pending=True),
)  # fmt: skip

CHANGES_ASKED = (
    "La liga lleva al buscador de trámites, no a los datos: ¿hay una descarga del padrón de "
    "licencias?"
)
THREAD = (
    ("voluntaria", "El gasto se publica por trimestre; el más reciente es el segundo trimestre."),
    ("revisora", "Gracias. ¿Con qué licencia? En la página del conjunto no aparece ninguna."),
    ("editor", "Todo el portal está bajo los Términos de Libre Uso MX; añadiremos la leyenda "
     "a cada conjunto este mes."),
)  # fmt: skip
DISPUTE = (
    "Desde marzo los sueldos se publican también en CSV, completos, en la sección de "
    "transparencia; la evaluación revisó la versión anterior en PDF."
)


class Clock:
    """Demo moments, oldest first: each call is a few hours after the previous one."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self, hours: float = 7) -> dt.datetime:
        self.now += dt.timedelta(hours=hours)
        return self.now


def load_census(context: AppContext, password: str | None = None) -> Iterator[str]:
    """Load the demo census into the portal of ``context``, yielding one line per step."""
    with context.db.session() as session:
        lines = [_person(session, demo, password) for demo in USERS]
        lines.append(_census(session))
    yield from lines


def _person(session: Session, demo: CensusUser, password: str | None) -> str:
    if user_by_name(session, demo.username) is not None:
        return f"usuario {demo.username}: ya existía, contraseña sin cambios / unchanged"
    secret = password or "".join(secrets.choice(ALPHABET) for _ in range(16))
    email = f"{demo.username}@abierto.example"
    user = create_user(session, demo.username, email, secret, full_name=demo.full_name)
    session.add(ActivityEvent(verb="user.created", data={"username": user.username}))
    shown = f"${PASSWORD_ENV}" if password else secret
    return f"usuario / contraseña: {user.username} / {shown} ({demo.role})"


def _census(session: Session) -> str:
    year = dt.date.today().year
    slug = f"{TEMPLATE}-{year}"
    if session.scalar(select(Census.id).where(Census.slug == slug)):
        return f"censo {slug}: ya existe, sin cambios / already there, unchanged"
    people = {u.username: u for u in session.scalars(select(User))}
    places = templates.ensure_places(session)
    _government(session, places["14120"], people["admin"])
    clock = Clock(utcnow() - dt.timedelta(days=400))
    previous = _previous_edition(session, year - 1, people, clock)
    census = templates.new_edition(session, previous, year)
    clock.now = utcnow() - dt.timedelta(days=30)
    for key, name in REVIEWERS.items():
        claim = workflow.request_reviewer(session, census, people[name], place=places[key])
        workflow.approve_reviewer(session, claim, people["admin"])
    workflow.request_reviewer(session, census, people["voluntaria"], place=places["30087"])
    for item in THIS_YEAR:
        _assess(session, census, item, people, clock)
    _stories(session, census, places, people, clock)
    accepted = len(THIS_YEAR) - sum(a.pending for a in THIS_YEAR)
    return f"censo {slug}: {accepted} evaluaciones aceptadas / accepted entries"


def _government(session: Session, place: Place, admin: User) -> None:
    org = session.scalar(select(Organization).where(Organization.slug == "zapopan"))
    if org is not None and session.get(Government, (place.id, org.id)) is None:
        session.add(Government(place_id=place.id, organization_id=org.id, verified_by=admin.id))
        session.flush()


def _previous_edition(session: Session, year: int, people: dict[str, User], clock: Clock) -> Census:
    """Last year's edition, assessed and closed (or the one already there, untouched)."""
    slug = f"{TEMPLATE}-{year}"
    found = session.scalar(select(Census).where(Census.slug == slug))
    if found is not None:
        return found
    census = templates.load_template(session, TEMPLATE, year)
    for item in LAST_YEAR:
        _assess(session, census, item, people, clock, year=year)
    census.open = False
    session.flush()
    return census


def _answers(item: Assessment, dataset_type: Any, year: int) -> dict[str, Any]:
    if not item.online:
        return {"exists": "yes", "online": "no", "comments": "Solo se consulta en ventanilla."}
    opened = LICENSE not in item.no
    answers: dict[str, Any] = {
        "exists": "yes",
        "online": "yes",
        "url": f"https://{HOSTS[item.place]}/dataset/{dataset_type.slug}",
        "last_updated": dt.date(year if CURRENT not in item.no else year - 2, 3, 31).isoformat(),
        "license": "Términos de Libre Uso MX" if opened else "Todos los derechos reservados",
        "format": "PDF" if FORMAT in item.no else "CSV",
        "elements": [e for e in dataset_type.elements if e not in item.lacking],
    }
    answers |= {key: "no" if key in item.no else "yes" for key in SCORED}
    return answers


def _assess(
    session: Session,
    census: Census,
    item: Assessment,
    people: dict[str, User],
    clock: Clock,
    *,
    year: int | None = None,
) -> Submission:
    """The volunteer submits; unless it stays pending, the place's reviewer accepts it
    (``admin`` for a past ``year``)."""
    place = templates.ensure_places(session)[item.place]
    dataset_type = next(t for t in census.dataset_types if t.slug == item.dataset_type)
    answers = _answers(item, dataset_type, year or census.year)
    evidence = [answers["url"]] if "url" in answers else []
    submission = workflow.submit(
        session, census, place, dataset_type, people["voluntaria"], answers,
        evidence=evidence, comment=item.note,
    )  # fmt: skip
    submission.created_at = clock()
    if not item.pending:
        reviewer = people[REVIEWERS.get(item.place, "admin") if year is None else "admin"]
        done = workflow.review(session, submission, reviewer, "accept")
        done.created_at = submission.decided_at = clock(5)
        entry = workflow.find_entry(session, census.id, place.id, dataset_type.id)
        assert entry is not None
        entry.updated_at = done.created_at
    return submission


def _stories(
    session: Session,
    census: Census,
    places: dict[str, Place],
    people: dict[str, User],
    clock: Clock,
) -> None:
    """A confirmation, a dispute, a request for changes and a discussion."""
    types = {t.slug: t for t in census.dataset_types}
    zapopan, official = places["14120"], people["editor"]
    for slug, state, comment in (
        ("presupuesto", "confirmed", "Se publica cada enero junto con la Ley de Ingresos."),
        ("sueldos", "disputed", DISPUTE),
    ):
        entry = workflow.find_entry(session, census.id, zapopan.id, types[slug].id)
        assert entry is not None
        confirmation = workflow.confirm(session, entry, official, state, comment)
        confirmation.created_at = clock()
    asked = _assess(session, census, _a("14120", "licencias-giro", pending=True), people, clock)
    review = workflow.review(session, asked, people["revisora"], "request_changes", CHANGES_ASKED)
    review.created_at = asked.decided_at = clock(20)
    for username, body in THREAD:
        comment = workflow.add_comment(
            session, census, zapopan, types["gasto"], people[username], body
        )
        comment.created_at = clock(3)
    session.flush()
