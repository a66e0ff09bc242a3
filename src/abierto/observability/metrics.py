"""Prometheus metrics: request latency by route template, job durations, queue depth.

Private datasets stay private: a request is labelled with its route's *template*
(``/datasets/{slug}``), never with the path the client asked for, and the queue figures
are counts by job kind and state. Several web processes share their samples through
prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, which
``abierto serve --workers N`` points at a fresh folder), so any process's ``/metrics``
reports them all. Queue depth is read at scrape time from the ``job`` table (the truth about
jobs, whatever the backend) and, in production, from the RQ queue in Redis.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

if TYPE_CHECKING:
    from abierto.app_context import AppContext

log = logging.getLogger(__name__)
router = APIRouter()

REQUEST_SECONDS = Histogram(
    "abierto_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
JOB_SECONDS = Histogram(
    "abierto_job_duration_seconds",
    "Time a background job ran, by kind and outcome (done, retry, failed).",
    ["kind", "outcome"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21600),
)
QUEUE_STATES = ("queued", "running", "failed")


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_registry() -> CollectorRegistry:
    """What this process (or, in multiprocess mode, every process of the folder) measured."""
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class QueueCollector:
    """Jobs waiting, running and failed, counted when Prometheus scrapes."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "abierto_jobs", "Jobs in the job table by state and kind.", labels=["state", "kind"]
        )
        try:
            for state, kind, count in self._job_counts():
                jobs.add_metric([state, kind], count)
        except Exception:  # a scrape must not fail with the database
            log.warning("could not count jobs for /metrics", exc_info=True)
        yield jobs
        length = self._rq_length()
        if length is not None:
            queue = GaugeMetricFamily(
                "abierto_queue_length", "Job ids waiting in the Redis queue.", labels=["queue"]
            )
            queue.add_metric([self.context.settings.queue_name], length)
            yield queue

    def _job_counts(self) -> list[tuple[str, str, int]]:
        from abierto.jobs.models import Job

        query = (
            select(Job.state, Job.kind, func.count())
            .where(Job.state.in_(QUEUE_STATES))
            .group_by(Job.state, Job.kind)
        )
        with self.context.db.session() as session:
            counted = {(s, k): n for s, k, n in session.execute(query).all()}
        for state in ("queued", "running"):  # always present, so alerts see a zero
            if not any(s == state for s, _ in counted):
                counted[(state, "")] = 0
        return [(s, k, n) for (s, k), n in sorted(counted.items())]

    def _rq_length(self) -> int | None:
        url = self.context.settings.queue_url
        if not url.startswith(("redis://", "rediss://", "unix://")):
            return None
        from redis import Redis
        from rq import Queue

        try:
            with Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as redis:
                return Queue(self.context.settings.queue_name, connection=redis).count
        except Exception:
            log.warning("could not read the queue length for /metrics", exc_info=True)
            return None


def exposition(context: AppContext) -> bytes:
    """The text Prometheus scrapes: this process's (or all processes') samples + the queue."""
    queue = CollectorRegistry()
    queue.register(QueueCollector(context))
    return generate_latest(process_registry()) + generate_latest(queue)


def authorized(request: Request, token: str) -> bool:
    if not token:
        return True
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip(), token)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format; with ``metrics_token`` set, only for ``Bearer <token>``."""
    context: AppContext = request.app.state.context
    if not authorized(request, context.settings.metrics_token):
        return Response(
            "metrics token required\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            media_type="text/plain",
        )
    return Response(exposition(context), media_type=CONTENT_TYPE_LATEST)


def serve_worker_metrics(port: int, host: str = "127.0.0.1") -> None:
    """``abierto worker --metrics-port``: the worker's job durations on their own port."""
    start_http_server(port, addr=host, registry=process_registry())
