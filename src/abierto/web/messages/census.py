"""Census pages."""

MESSAGES: dict[str, tuple[str, str]] = {}
