"""Backup and restore across backends, refusal of damaged backups, backups during publishing."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from abierto.accounts.services import create_user, set_membership
from abierto.app_context import AppContext
from abierto.catalog.models import Dataset, Organization, Release
from abierto.db import Base, Database
from abierto.ingest.hashing import sha256_file
from abierto.ops.backup import backup
from abierto.ops.manifest import BackupError
from abierto.ops.restore import restore
from abierto.settings import Settings
from abierto.storage import blob_store
from tests.ops.helpers import catalog, publish_text

CSV_A = "proveedor,monto,fecha,activo\nAcme,10.5,2024-01-02,true\nBeta,20,2024-02-03,false\n"
CSV_B = "municipio,poblacion\nTlalpan,699928\nCoyoacán,614447\n"


def _truncate(database: Database) -> None:
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def other(
    context: AppContext, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[AppContext]:
    """An empty catalog on the OTHER backend: PostgreSQL for SQLite and back."""
    home = tmp_path / "other"
    if context.db.engine.dialect.name == "sqlite":
        url = request.getfixturevalue("postgres_url")
        target = AppContext.create(Settings(home=home, database_url=url))
        _truncate(target.db)
    else:
        target = AppContext.create(Settings(home=home))
    yield target
    if target.db.engine.dialect.name == "postgresql":
        _truncate(target.db)
    target.close()


def _fill(context: AppContext, tmp_path: Path) -> None:
    publish_text(context, tmp_path / "v1", "contratos", CSV_A)
    publish_text(context, tmp_path / "v2", "contratos", CSV_A.replace("Acme", "Acme SA"))
    publish_text(context, tmp_path / "v1", "poblacion", CSV_B)
    with context.db.session() as session:
        org = session.scalars(select(Organization)).one()
        user = create_user(session, "ana", "ana@example.org", "una clave larga 123")
        set_membership(session, user, org, "editor")
        dataset = session.scalars(select(Dataset).where(Dataset.slug == "poblacion")).one()
        dataset.description = "Población por alcaldía"


def test_roundtrip_to_the_other_backend(
    context: AppContext, other: AppContext, tmp_path: Path
) -> None:
    _fill(context, tmp_path)
    manifest = backup(context.db.engine, context.store, tmp_path / "bk")
    assert manifest["alembic_revision"]
    assert len(manifest["blobs"]) == 3

    restore(other.db.engine, other.store, tmp_path / "bk")

    assert catalog(other.db.engine) == catalog(context.db.engine)
    with other.db.session() as session:
        for release in session.scalars(select(Release)):
            assert sha256_file(other.store.local_path(release.blob_key)) == release.checksum
        user = session.scalars(select(Dataset).where(Dataset.slug == "poblacion")).one()
        assert user.description == "Población por alcaldía"


def test_damaged_backups_are_refused(context: AppContext, tmp_path: Path) -> None:
    _fill(context, tmp_path)
    root = tmp_path / "bk"
    manifest = backup(context.db.engine, context.store, root)
    target = AppContext.create(Settings(home=tmp_path / "empty"))
    try:
        blob = root / "blobs" / manifest["blobs"][0]
        blob.chmod(0o644)
        original = blob.read_bytes()
        blob.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        with pytest.raises(BackupError, match=re.escape(f"{blob}: sha256 differs")):
            restore(target.db.engine, target.store, root)
        blob.write_bytes(original)

        table_file = root / "metadata" / "release.jsonl"
        table_file.rename(tmp_path / "moved")
        with pytest.raises(BackupError, match=re.escape(f"{table_file}: missing")):
            restore(target.db.engine, target.store, root)
        (tmp_path / "moved").rename(table_file)

        (root / "metadata" / "extra.jsonl").write_text("{}\n")
        with pytest.raises(BackupError, match=re.escape("extra.jsonl: not listed")):
            restore(target.db.engine, target.store, root)
        (root / "metadata" / "extra.jsonl").unlink()

        assert not list(target.store.keys())  # nothing was touched by the refusals
        restore(target.db.engine, target.store, root)
        assert catalog(target.db.engine) == catalog(context.db.engine)
    finally:
        target.close()


def test_restore_needs_an_empty_database_or_force(context: AppContext, tmp_path: Path) -> None:
    publish_text(context, tmp_path / "v1", "contratos", CSV_A)
    backup(context.db.engine, context.store, tmp_path / "bk")
    publish_text(context, tmp_path / "v2", "otro", CSV_B)
    with pytest.raises(BackupError, match="not empty"):
        restore(context.db.engine, context.store, tmp_path / "bk")
    restore(context.db.engine, context.store, tmp_path / "bk", force=True)
    with context.db.session() as session:
        assert session.scalars(select(Dataset.slug)).all() == ["contratos"]


def test_backup_folder_must_be_empty(context: AppContext, tmp_path: Path) -> None:
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "something").write_text("x")
    with pytest.raises(BackupError, match="new or empty"):
        backup(context.db.engine, context.store, tmp_path / "bk")


def test_manifest_lists_types_and_checksums(context: AppContext, tmp_path: Path) -> None:
    _fill(context, tmp_path)
    backup(context.db.engine, context.store, tmp_path / "bk")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    names = [t["name"] for t in manifest["tables"]]
    assert names.index("organization") < names.index("dataset") < names.index("release")
    line = (tmp_path / "bk" / "metadata" / "release.jsonl").read_text().splitlines()[0]
    row = json.loads(line)
    assert "$dt" in row["created_at"] and "$json" in row["schema"]
    for relative, info in manifest["files"].items():
        assert sha256_file(tmp_path / "bk" / relative) == info["sha256"]


def test_backup_while_publishing_is_consistent(context: AppContext, tmp_path: Path) -> None:
    publish_text(context, tmp_path / "v0", "vivo", "n,valor\n0,0\n")
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_publishing() -> None:
        i = 1
        try:
            while not stop.is_set() and i < 200:
                text = "n,valor\n" + "".join(f"{j},{i * j}\n" for j in range(i + 1))
                publish_text(context, tmp_path / f"v{i}", "vivo", text)
                i += 1
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=keep_publishing)
    writer.start()
    try:
        backups = []
        for n in range(3):
            manifest = backup(context.db.engine, context.store, tmp_path / f"bk{n}")
            backups.append((tmp_path / f"bk{n}", manifest))
    finally:
        stop.set()
        writer.join()
    assert not errors
    with context.db.session() as session:
        final = {r.number: r.checksum for r in session.scalars(select(Release))}
    assert len(final) > 1  # the writer really published while the backups ran
    for root, _manifest in backups:
        target = AppContext.create(Settings(home=root.parent / f"restored-{root.name}"))
        try:
            restore(target.db.engine, target.store, root)
            with target.db.session() as session:
                releases = session.scalars(select(Release).order_by(Release.number)).all()
                assert [r.number for r in releases] == list(range(1, len(releases) + 1))
                for release in releases:
                    path = target.store.local_path(release.blob_key)
                    assert sha256_file(path) == release.checksum
                # The catalog as it was at one moment: a prefix of the final history.
                assert {r.number: r.checksum for r in releases}.items() <= final.items()
                assert session.scalar(select(func.count()).select_from(Dataset)) == 1
        finally:
            target.close()


def test_s3_backup_restores_into_a_local_store(s3_settings: Settings, tmp_path: Path) -> None:
    store = blob_store(s3_settings.storage_url, s3_settings)
    source = AppContext(s3_settings, _database(s3_settings), store)
    target = AppContext.create(Settings(home=tmp_path / "local"))
    try:
        publish_text(source, tmp_path / "v1", "contratos", CSV_A)
        backup(source.db.engine, source.store, tmp_path / "bk")
        restore(target.db.engine, target.store, tmp_path / "bk")
        assert sorted(target.store.keys()) == sorted(source.store.keys())
        assert catalog(target.db.engine) == catalog(source.db.engine)
    finally:
        source.close()
        target.close()


def _database(settings: Settings) -> Database:
    database = Database(settings)
    database.upgrade()
    return database
