"""`abierto census …` as a user runs it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.test_cli import run


def test_load_a_template_start_an_edition_and_list(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shipped = run(home, "census", "templates").stdout
    assert re.search(r"mx-local\W+16\W", shipped) and re.search(r"anticorrupcion\W+30\W", shipped)
    loaded = run(home, "census", "load", "anticorrupcion", "--year", "2026").stdout
    assert "anticorrupcion-2026: 30 datasets, godi-2016" in loaded
    started = run(home, "census", "new-edition", "anticorrupcion-2026", "--year", "2027").stdout
    assert "anticorrupcion-2027: from anticorrupcion-2026" in started
    listed = run(home, "census", "list").stdout
    assert "anticorrupcion-2027" in listed and "anticorrupcion-2026" in listed
    again = run(home, "census", "load", "anticorrupcion", "--year", "2026", check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    unknown = run(home, "census", "new-edition", "nada-2020", "--year", "2021", check=False)
    assert unknown.returncode == 2 and "no census" in unknown.stderr
