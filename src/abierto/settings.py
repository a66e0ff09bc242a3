"""One settings object, from ``ABIERTO_*`` environment variables and an optional TOML file.

The defaults are the embedded mode: SQLite and a local data folder under ``ABIERTO_HOME``
(``./abierto-data`` unless set), jobs in-process.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _home() -> Path:
    return Path(os.environ.get("ABIERTO_HOME", "./abierto-data")).expanduser().resolve()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ABIERTO_", extra="ignore")

    home: Path = Field(default_factory=_home)
    database_url: str = ""
    storage_url: str = ""
    # S3-compatible storage (``storage_url = "s3://bucket/prefix"``): MinIO, Ceph, AWS.
    # Empty endpoint/keys fall back to boto3's defaults (AWS, environment, instance role).
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    # Blobs read from S3 are cached here (default <home>/blob-cache), bounded in size.
    blob_cache_dir: str = ""
    blob_cache_mb: int = 10240
    # Time limits of data-API queries and of whole-table exports, in seconds.
    query_timeout_s: float = 10.0
    export_timeout_s: float = 600.0
    queue_url: str = "inprocess://"
    queue_name: str = "abierto"  # the Redis queue workers listen on
    # Running jobs touch their row this often; a job silent for 3 beats was abandoned.
    job_heartbeat_seconds: float = 10.0
    # Dataset page views are added to the database at most this often (seconds) per process.
    view_flush_seconds: float = 5.0
    # Memory for DuckDB while publishing (one file at a time); the rest stays small.
    duckdb_memory_mb: int = 512
    # Memory for DuckDB in each web process: the data API's queries and exports, SODA and
    # user SQL share it, spilling to disk beyond it; the process stays under 500 MB.
    query_memory_mb: int = 256
    duckdb_threads: int = 0  # 0: one per core
    # Decoded row groups each process keeps for pages in file order (offset, cursor), MB.
    rows_cache_mb: int = 128
    max_upload_mb: int = 2048
    # Web publishing: staged uploads older than this are deleted; files fetched from a URL
    # get this long; private network addresses (loopback, LAN, link-local) are refused
    # unless allowed (tests, an intranet portal).
    staged_upload_hours: float = 24
    fetch_timeout_s: float = 120
    fetch_allow_private: bool = False
    # Harvesting remote catalogs (docs/harvest.md): at most this many datasets per run, this
    # many MB per answer (a CKAN page, a data.json), this many seconds per request.
    harvest_max_datasets: int = 10000
    harvest_max_mb: int = 50
    harvest_timeout_s: float = 30
    # Web publishing: files larger than this (MB) are inspected and published by jobs.
    background_publish_mb: float = 20
    secret_key: str = "change-me"
    # Requests per client (API token, else IP address) on the API, downloads and pages,
    # in the `limits` notation ("1200/minute"); empty turns limiting off. The counters live
    # in memory by default, in Redis when several processes serve ("redis://host:6379/0").
    rate_limit: str = "1200/minute"
    rate_limit_storage: str = "memory://"
    # Logs on stderr: "json" (one object per line, for log collectors), "text" (for people),
    # or "auto": text on a terminal, JSON otherwise (systemd, containers).
    log_format: str = "auto"
    log_level: str = "info"
    # /metrics answers only requests with "Authorization: Bearer <metrics_token>" when set.
    metrics_token: str = ""
    # Quality score weights per check family, as JSON (see quality.scoring.WEIGHTS).
    quality_weights: str = ""
    # Email for notifications: smtp://user:password@host:port (add ?starttls=true) or
    # smtps://… for TLS from the start; empty means notifications stay in the feed only.
    smtp_url: str = ""
    mail_from: str = "abierto <no-reply@localhost>"

    def model_post_init(self, context: Any) -> None:
        self.home = self.home.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.home / 'abierto.db').as_posix()}"
        if not self.storage_url:
            self.storage_url = (self.home / "blobs").resolve().as_uri()

    @cached_property
    def scratch_dir(self) -> Path:
        return self.home / "tmp"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, a TOML file (``ABIERTO_CONFIG`` or ``config_file``)
    and explicit overrides, in increasing priority."""
    path = config_file or (Path(p) if (p := os.environ.get("ABIERTO_CONFIG")) else None)
    values: dict[str, Any] = {}
    if path is not None:
        with path.open("rb") as f:
            values = tomllib.load(f).get("abierto", {})
    from_file = {k: v for k, v in values.items() if f"ABIERTO_{k.upper()}" not in os.environ}
    return Settings(**{**from_file, **overrides})
