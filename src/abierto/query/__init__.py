"""Queries over releases, run in DuckDB."""
