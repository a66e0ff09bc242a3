"""The live portal of tests/web (its own instance for this folder), shared fixtures."""

from tests.web.conftest import client, portal

__all__ = ["client", "portal"]
