"""Background work behind one interface: in-process by default, an RQ queue on Redis in production.

Every job is a row in the ``job`` table (its state, attempts and last error are visible in the
admin page whatever the backend), and a handler registered by kind. Running a job twice is
harmless: a finished job is skipped, and handlers are idempotent (publishing the same file
twice creates one release).
"""

from abierto.jobs.interface import JobQueue
from abierto.jobs.registry import handler

__all__ = ["JobQueue", "handler"]
