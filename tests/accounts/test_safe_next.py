"""Where a login may send the browser next: local paths only."""

from __future__ import annotations

import pytest

from abierto.web.accounts_views import safe_next


@pytest.mark.parametrize(
    "value",
    ["/", "/account", "/datasets/obras?lang=en", "/organizations/zapopan/members#x"],
)
def test_local_paths_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/login",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "account",
        " /account",
        "/\tevil",
        "/ok\r\nSet-Cookie: x=1",
    ],
)
def test_everything_else_goes_home(value: str | None) -> None:
    assert safe_next(value) == "/"
