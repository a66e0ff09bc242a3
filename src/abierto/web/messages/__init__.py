"""Every message of the portal: key → (Spanish, English), one module per area."""

from __future__ import annotations

import importlib
import pkgutil

MESSAGES: dict[str, tuple[str, str]] = {}


def _collect() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for key, pair in module.MESSAGES.items():
            if key in MESSAGES:
                raise RuntimeError(f"message {key!r} is defined twice ({module_info.name})")
            MESSAGES[key] = pair


_collect()
