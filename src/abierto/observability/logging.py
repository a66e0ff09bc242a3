"""Logs on stderr as JSON lines (for journald, Loki, Elasticsearch…) or as plain text.

One configuration serves ``abierto serve`` (uvicorn's own loggers included, in every
worker process) and ``abierto worker`` (RQ's loggers included). Lines written while a
request is handled carry its request id, so a request can be followed through the web
process and the log lines of the code it ran.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("auto", "json", "text")
REQUEST_ID: ContextVar[str | None] = ContextVar("abierto_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"
# Uvicorn adds a copy of each message with terminal colours; JSON has no use for it.
SKIPPED_ATTRS = [*RESERVED_ATTRS, "color_message"]


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time (UTC, ISO 8601), level, logger, pid, message, extras."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(process)d %(message)s",
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        reserved_attrs=SKIPPED_ATTRS,
        timestamp="time",
    )


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT)


def resolve_format(name: str, stream: TextIO | None = None) -> str:
    """``json`` or ``text``; ``auto`` is text for a person at a terminal, JSON for machines."""
    name = name.strip().lower() or "auto"
    if name not in FORMATS:
        raise ValueError(f"log format {name!r}: use one of {', '.join(FORMATS)}")
    if name != "auto":
        return name
    stream = stream or sys.stderr
    return "text" if stream.isatty() else "json"


def logging_config(log_format: str, level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document; uvicorn applies it in each worker process."""
    level = level.upper()
    formatter = f"{__name__}.{resolve_format(log_format)}_formatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"main": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Everything goes through the root handler, in the one format.
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # abierto's request middleware writes the one line per request.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            "rq": {"level": level, "handlers": [], "propagate": True},
            # Alembic announces its plugins and dialect on every schema check (/readyz).
            "alembic.runtime": {"level": "WARNING", "handlers": [], "propagate": True},
            "httpx": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(log_format: str, level: str = "info") -> None:
    """Apply :func:`logging_config` to this process."""
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level))
