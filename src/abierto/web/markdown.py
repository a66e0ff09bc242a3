"""Markdown written by publishers → HTML safe to put in a page.

markdown-it renders with raw HTML disabled; nh3 (ammonia) then keeps only a small set of
tags and ``http``/``https``/``mailto`` links, so ``javascript:`` URLs and event handlers
never reach the browser even if the renderer let something through.
"""

from __future__ import annotations

from html import unescape as html_unescape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``; headings start at h2 (the page has its own h1)."""
    if not text:
        return Markup("")
    html = _renderer.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener",
    )
    return Markup(clean)  # sanitised by nh3 just above


def markdown_text(text: str | None) -> str:
    """The words of ``text`` without Markdown syntax or tags, for one-line summaries.

    The result is plain text: templates escape it like any other string.
    """
    if not text:
        return ""
    html = _renderer.render(text)
    return " ".join(html_unescape(nh3.clean(html, tags=set())).split())
