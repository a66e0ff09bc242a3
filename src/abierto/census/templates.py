"""Censuses shipped with abierto, and new editions started from earlier ones.

Templates live in ``census/data/`` as JSON: the Mexican local (city) census, the Open Up
Guide's 30 anti-corruption datasets and the GODI 2016/17 national list; ``places.json`` holds
the Mexican places with their real INEGI keys. Loading a template creates one edition with
its own copy of a question set (``census.schemes``) and of the dataset types.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from abierto.census.models import Census, CensusPlace, DatasetType, Place, Question
from abierto.census.schemes import SCHEMES
from abierto.census.workflow import CensusError

DATA = Path(__file__).parent / "data"
TEMPLATES = ("mx-local", "anticorrupcion", "godi-nacional")


@cache
def template(name: str) -> dict[str, Any]:
    if name not in TEMPLATES:
        raise CensusError("census.error.template", f"unknown template {name!r}: {TEMPLATES}")
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def ensure_places(session: Session) -> dict[str, Place]:
    """Every shipped place, created once; returns them by INEGI key."""
    places = {p.key: p for p in session.scalars(select(Place))}
    for row in json.loads((DATA / "places.json").read_text(encoding="utf-8")):
        if row["key"] not in places:
            parent = places.get(row["parent"]) if row["parent"] else None
            place = Place(
                key=row["key"],
                name=row["name"],
                kind=row["kind"],
                parent_id=parent.id if parent else None,
            )
            session.add(place)
            session.flush()
            places[place.key] = place
    return places


def load_template(
    session: Session, name: str, year: int, *, slug: str | None = None, scheme: str | None = None
) -> Census:
    """Create an edition of template ``name`` for ``year`` (slug ``<template>-<year>``)."""
    data = template(name)
    slug = slug or f"{data['slug']}-{year}"
    if session.scalar(select(Census.id).where(Census.slug == slug)):
        raise CensusError("census.error.exists", f"a census {slug!r} already exists")
    scheme = scheme or data["scheme"]
    if scheme not in SCHEMES:
        raise CensusError("census.error.scheme", f"unknown question set {scheme!r}")
    census = Census(
        slug=slug, name=f"{data['name_es']} {year}", series=data["slug"], year=year, scheme=scheme
    )
    census.questions = [Question(position=n, **q) for n, q in enumerate(SCHEMES[scheme])]
    census.dataset_types = [
        DatasetType(
            slug=s,
            name_es=es,
            name_en=en,
            category=category,
            description_es=d_es,
            description_en=d_en,
            elements=list(elements),
            position=n,
        )
        for n, (s, es, en, category, d_es, d_en, elements) in enumerate(data["dataset_types"])
    ]
    session.add(census)
    session.flush()
    places = ensure_places(session)
    for key in data["places"]:
        session.add(CensusPlace(census_id=census.id, place_id=places[key].id))
    session.flush()
    return census


def new_edition(session: Session, previous: Census, year: int, slug: str | None = None) -> Census:
    """A copy of ``previous`` (questions, dataset types, places) for ``year``, linked to it
    for year-on-year comparison; entries start empty."""
    slug = slug or f"{previous.series}-{year}"
    if session.scalar(select(Census.id).where(Census.slug == slug)):
        raise CensusError("census.error.exists", f"a census {slug!r} already exists")
    name = previous.name.replace(str(previous.year), str(year))
    census = Census(
        slug=slug,
        name=name if name != previous.name else f"{previous.name} ({year})",
        series=previous.series,
        year=year,
        scheme=previous.scheme,
        previous_id=previous.id,
    )
    census.questions = [_copy(q, Question, "census_id") for q in previous.questions]
    census.dataset_types = [_copy(t, DatasetType, "census_id") for t in previous.dataset_types]
    session.add(census)
    session.flush()
    links = session.scalars(select(CensusPlace).where(CensusPlace.census_id == previous.id))
    for link in links:
        session.add(CensusPlace(census_id=census.id, place_id=link.place_id))
    session.flush()
    return census


def _copy(row: Any, model: Any, *skip: str) -> Any:
    columns = [c.key for c in model.__table__.columns if c.key not in ("id", *skip)]
    return model(**{c: getattr(row, c) for c in columns})
