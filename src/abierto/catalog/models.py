"""Catalog models, with DCAT-compatible names where DCAT has one."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from abierto.db import Base


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


dataset_tag = Table(
    "dataset_tag",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

dataset_theme = Table(
    "dataset_theme",
    Base.metadata,
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organization(Base):
    """A publisher: a federal agency, a state or a municipal government."""

    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20), default="other")  # federal|state|municipal
    place_key: Mapped[str | None] = mapped_column(String(10))  # INEGI key, e.g. "14120"
    logo_url: Mapped[str | None] = mapped_column(String(500))
    homepage: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    datasets: Mapped[list[Dataset]] = relationship(back_populates="organization")


class Dataset(Base):
    """A dcat:Dataset: one subject, published by one organization, as one or more resources."""

    __tablename__ = "dataset"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    private: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default="published")  # draft|published
    license_id: Mapped[str | None] = mapped_column(String(50))  # a key of catalog.licenses
    frequency: Mapped[str | None] = mapped_column(String(20))  # a key of catalog.vocab.FREQUENCIES
    temporal_start: Mapped[dt.date | None] = mapped_column(Date)
    temporal_end: Mapped[dt.date | None] = mapped_column(Date)
    spatial: Mapped[str | None] = mapped_column(String(300))  # place name or INEGI key
    contact_name: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(10), default="es")
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    modified_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="datasets")
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset", order_by="Resource.position", cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tag, order_by="Tag.name")
    themes: Mapped[list[Theme]] = relationship(secondary=dataset_theme, order_by="Theme.slug")


class Tag(Base):
    """A free keyword (dcat:keyword), shared between datasets."""

    __tablename__ = "tag"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Theme(Base):
    """A curated category (dcat:theme), shown on the home page; CKAN calls these groups."""

    __tablename__ = "theme"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Resource(Base):
    """A dcat:Distribution. A table resource is backed by a series of releases."""

    __tablename__ = "resource"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="table")  # table|file|link
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))  # link resources
    format: Mapped[str | None] = mapped_column(String(20))  # "CSV", "PDF", … for file/link
    # Publisher-written column descriptions, by machine name; they outlive releases.
    column_descriptions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    dataset: Mapped[Dataset] = relationship(back_populates="resources")
    releases: Mapped[list[Release]] = relationship(
        back_populates="resource", order_by="Release.number", cascade="all, delete-orphan"
    )


class Release(Base):
    """One immutable version of a table: a content-addressed Parquet file plus what we know.

    ``number`` counts releases per resource; the unique constraint makes two concurrent
    publishes unable to both create release N.
    """

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id"), index=True)
    number: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    blob_key: Mapped[str] = mapped_column(String(200))
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the Parquet file
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(BigInteger)
    schema: Mapped[dict[str, Any]]  # {"columns": [{name, title, type, format, description}]}
    profile: Mapped[dict[str, Any]]  # {column name: profile}
    report: Mapped[dict[str, Any]]
    diff: Mapped[dict[str, Any] | None]
    detected: Mapped[dict[str, Any]]
    notes: Mapped[list[Any]]
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)

    resource: Mapped[Resource] = relationship(back_populates="releases")

    @property
    def columns(self) -> list[dict[str, Any]]:
        return list(self.schema.get("columns", []))


class ActivityEvent(Base):
    """Who did what, when: the audit trail and the source of activity feeds."""

    __tablename__ = "activity_event"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(50))  # "dataset.created", "release.published", …
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    # Kept when the dataset is deleted (data holds its slug and title).
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
