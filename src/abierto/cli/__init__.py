"""The ``abierto`` command line."""
