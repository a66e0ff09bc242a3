"""A user's notifications: the page, a JSON list and an Atom feed.

The Atom feed authenticates like the API (session cookie or ``Authorization`` token), so a
feed reader with a token header works and nobody else's notifications can be read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abierto.notify import services
from abierto.notify.models import Notification
from abierto.web.auth import ActorDep, CsrfDep, UserDep
from abierto.web.deps import ContextDep, SessionDep
from abierto.web.templating import render

router = APIRouter()
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def notification_json(request: Request, item: Notification) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "subject": item.subject,
        "body": item.body,
        "url": str(request.base_url).rstrip("/") + item.url if item.url else None,
        "created_at": item.created_at.isoformat(),
        "read": item.read_at is not None,
    }


@router.get(
    "/api/v1/notifications",
    tags=["notifications"],
    responses={401: {"description": "Not logged in"}},
)
def list_notifications(
    request: Request, actor: UserDep, session: SessionDep, limit: int = FEED_SIZE
) -> dict[str, Any]:
    """The caller's notifications, newest first, with the unread count."""
    assert actor.user_id is not None
    items = services.feed(session, actor.user_id, limit=max(1, min(limit, 200)))
    return {
        "unread": services.unread_count(session, actor.user_id),
        "notifications": [notification_json(request, item) for item in items],
    }


@router.get("/account/notifications", response_class=HTMLResponse, include_in_schema=False)
def notifications_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    if not actor.is_authenticated or actor.user_id is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    items = services.feed(session, actor.user_id, limit=FEED_SIZE)
    unread = services.unread_count(session, actor.user_id)
    return render(request, "notifications.html", {"items": items, "unread": unread})


@router.post("/account/notifications/read", dependencies=[CsrfDep], include_in_schema=False)
def mark_all_read(context: ContextDep, actor: UserDep) -> Response:
    assert actor.user_id is not None
    with context.db.session() as session:
        services.mark_read(session, actor.user_id)
        session.commit()
    return RedirectResponse("/account/notifications", status_code=303)


@router.get("/account/notifications.atom", include_in_schema=False)
def notifications_atom(request: Request, actor: UserDep, session: SessionDep) -> Response:
    assert actor.user_id is not None
    items = services.feed(session, actor.user_id, limit=FEED_SIZE)
    body = atom_feed(request, actor.username or "", items)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def atom_feed(request: Request, username: str, items: list[Notification]) -> bytes:
    """Atom 1.0 (RFC 4287); the XML library escapes every user-supplied text."""
    base = str(request.base_url).rstrip("/")
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "id").text = f"{base}/account/notifications"
    ET.SubElement(feed, "title").text = f"abierto · {username}"
    newest = items[0].created_at if items else dt.datetime(2000, 1, 1)
    ET.SubElement(feed, "updated").text = _rfc3339(newest)
    ET.SubElement(feed, "link", rel="self", href=f"{base}/account/notifications.atom")
    for item in items:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = f"urn:abierto:notification:{item.id}"
        ET.SubElement(entry, "title").text = item.subject
        ET.SubElement(entry, "updated").text = _rfc3339(item.created_at)
        if item.url:
            ET.SubElement(entry, "link", href=base + item.url)
        ET.SubElement(entry, "summary").text = item.body
        ET.SubElement(entry, "category", term=item.kind)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _rfc3339(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")
