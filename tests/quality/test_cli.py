"""`abierto quality …` and `abierto notify send` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run


def test_quality_and_notify_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert "0 datasets scored" in run(home, "quality", "score").stdout
    assert "0 notifications" in run(home, "quality", "remind").stdout
    assert "0 links checked, 0 broken" in run(home, "quality", "check-links").stdout
    assert "stay in the feed" in run(home, "notify", "send").stdout
