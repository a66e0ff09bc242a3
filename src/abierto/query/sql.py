"""Quoting for the few SQL strings that cannot be parameters (paths in COPY, settings)."""

from __future__ import annotations


def literal(text: str) -> str:
    """A SQL string literal: 'it''s'."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'
