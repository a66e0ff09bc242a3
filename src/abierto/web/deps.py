"""Request dependencies: the application context and a database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from abierto.app_context import AppContext


def get_context(request: Request) -> AppContext:
    return request.app.state.context


async def _context(request: Request) -> AppContext:
    """``get_context`` as a dependency: async, so FastAPI does not hop to a thread for it."""
    return get_context(request)


def get_session(request: Request) -> Iterator[Session]:
    with get_context(request).db.session() as session:
        yield session


ContextDep = Annotated[AppContext, Depends(_context)]
SessionDep = Annotated[Session, Depends(get_session)]
