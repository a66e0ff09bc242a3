"""abierto: an open government data platform."""

__version__ = "0.1.0"
