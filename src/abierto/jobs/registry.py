"""Job handlers by kind. A handler takes the AppContext and the payload, returns a JSON result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abierto.app_context import AppContext

Handler = Callable[["AppContext", dict[str, Any]], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not func:
            raise RuntimeError(f"two handlers for job kind {kind!r}")
        HANDLERS[kind] = func
        return func

    return register


def handler_for(kind: str) -> Handler:
    # Importing the task modules registers the built-in handlers.
    import abierto.harvest.tasks
    import abierto.jobs.tasks
    import abierto.notify.mail
    import abierto.quality.links
    import abierto.quality.reminders
    import abierto.quality.tasks  # noqa: F401

    try:
        return HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler for job kind {kind!r}") from None
