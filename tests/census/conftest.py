"""The live portal of tests/web, for the census tests that read abierto over HTTP."""

from tests.web.conftest import client, portal

__all__ = ["client", "portal"]
