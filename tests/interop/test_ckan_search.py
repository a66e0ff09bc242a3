"""Reading CKAN's q/fq/sort/facet.field into abierto's search terms (no server needed)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from abierto.interop.ckan_search import (
    CkanQueryError,
    facet_fields,
    parse,
    parse_sort,
    parse_terms,
    tokenize,
)
from abierto.search.service import Clause, DateRange


def test_tokens() -> None:
    assert tokenize('tags:"salud pública" +res_format:(CSV OR PDF)') == [
        "tags:",
        '"salud pública"',
        "+res_format:",
        "(",
        "CSV",
        "OR",
        "PDF",
        ")",
    ]
    assert tokenize(r"title:agua\ potable && x") == [r"title:agua\ potable", "&&", "x"]


@pytest.mark.parametrize("text", ["", "   ", "*:*", '""'])
def test_match_everything(text: str) -> None:
    assert parse(text, text) == parse("")
    assert parse(text).words == [] and parse(text).clauses == [] and not parse(text).empty


def test_free_words_and_text_fields() -> None:
    query = parse("agua potable", 'title:calidad notes:"del aire" text:2024')
    assert query.words == ["agua", "potable", "calidad", "del aire", "2024"]
    assert query.text == "agua potable calidad del aire 2024"
    assert query.clauses == []
    assert parse("¿dónde? AND agua").words == ["¿dónde?", "agua"]  # punctuation is for the words


def test_field_clauses() -> None:
    query = parse("tags:salud", 'organization:zapopan +groups:salud license_id:"cc-by-4.0"')
    assert query.words == []
    assert query.clauses == [
        Clause("tag", ("salud",)),
        Clause("organization", ("zapopan",)),
        Clause("theme", ("salud",)),
        Clause("license", ("cc-by-4.0",)),
    ]
    assert parse("", 'tags:"salud pública"').clauses == [Clause("tag", ("salud pública",))]
    assert parse("", r"tags:salud\ pública").clauses == [Clause("tag", ("salud pública",))]


def test_and_or_not() -> None:
    assert parse("", "tags:a AND tags:b").clauses == [Clause("tag", ("a",)), Clause("tag", ("b",))]
    assert parse("", "tags:(a AND b)").clauses == [Clause("tag", ("a",)), Clause("tag", ("b",))]
    assert parse("", "tags:(a b)").clauses == [Clause("tag", ("a",)), Clause("tag", ("b",))]
    assert parse("", "tags:(a OR b || c)").clauses == [Clause("tag", ("a", "b", "c"))]
    assert parse("", "tags:a OR tags:(b OR c)").clauses == [Clause("tag", ("a", "b", "c"))]
    assert parse("", "res_format:CSV || res_format:PDF").clauses == [
        Clause("format", ("CSV", "PDF"))
    ]
    negated = Clause("format", ("PDF",), negate=True)
    for text in ("-res_format:PDF", "!res_format:PDF", "NOT res_format:PDF", "- res_format:PDF"):
        assert parse("", text).clauses == [negated], text
    assert parse("", "-tags:(a OR b)").clauses == [Clause("tag", ("a", "b"), negate=True)]


def test_dataset_type() -> None:
    assert not parse("", "dataset_type:dataset").empty
    assert not parse("", "+dataset_type:dataset -dataset_type:harvest").empty
    assert parse("", "dataset_type:harvest").empty
    assert parse("", "-dataset_type:dataset").empty
    assert not parse("", "dataset_type:(harvest OR dataset)").empty


def test_date_ranges_as_harvesters_send_them() -> None:
    # ckanext-harvest: fq=(metadata_modified:[<last run - 1 h>Z TO *]), the whole fq in ( )
    query = parse("", "(metadata_modified:[2026-12-04T15:00:00.123456Z TO *])")
    [since] = query.ranges
    assert since == DateRange("modified", dt.datetime(2026, 12, 4, 15, 0, 0, 123456), None)
    assert query.clauses == [] and query.words == []
    [window] = parse("agua", "metadata_created:{2024-01-01 TO 2024-02-01T06:00:00-06:00]").ranges
    assert (window.field, window.include_low, window.include_high) == ("created", False, True)
    assert window.low == dt.datetime(2024, 1, 1)
    assert window.high == dt.datetime(2024, 2, 1, 12, 0)  # UTC, as stored
    [recent] = parse("", "metadata_modified:[NOW-7DAYS TO NOW]").ranges
    assert recent.low is not None and recent.high is not None
    assert dt.timedelta(days=7) - (recent.high - recent.low) < dt.timedelta(seconds=1)
    [midnight] = parse("", "metadata_modified:[NOW-1DAY/DAY TO *]").ranges
    assert midnight.low is not None and midnight.low.time() == dt.time(0)
    assert parse("((tags:agua))").clauses == [Clause("tag", ("agua",))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tags:[a TO b]", "ranges are supported on metadata_modified"),
        ("metadata_modified:2020-01-01", "takes a range"),
        ("metadata_modified:[ayer TO *]", "'ayer' is not a date"),
        ("metadata_modified:[2020-01-01 *]", "write a range as"),
        ("-metadata_created:[* TO NOW]", "negated date range"),
        ("tags:agu*", "wildcards"),
        ("tags:agua~2", "fuzzy"),
        ("name:obras", "cannot search the field 'name'"),
        ("tags:agua OR organization:x", "one field"),
        ("agua OR luz", "one field"),
        ("tags:a OR", "each side"),
        ("OR tags:a", "each side"),
        ("-agua", "not negated"),
        ("-tags:(a AND b)", "NOT (a AND b)"),
        ("-tags:a OR tags:b", "negated"),
        ("tags:(a OR b AND c)", "not both"),
        ("tags:(a (b))", "nested"),
        ("tags:(a OR b", "not closed"),
        ("(tags:a OR tags:b) agua", "parentheses"),
        ('tags:"agua', "quote"),
        ("tags:", "needs a value"),
        ("NOT", "needs a clause"),
        ("-*:*", "nothing"),
    ],
)
def test_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(CkanQueryError, match=re.escape(message)):
        parse("", text)


def test_errors_name_the_parameter() -> None:
    with pytest.raises(CkanQueryError, match=r"^q: "):
        parse("name:x")
    with pytest.raises(CkanQueryError, match=r"^fq: "):
        parse("agua", "tags:a", "name:x")


def test_parse_terms_keeps_the_structure() -> None:
    [term] = parse_terms("-groups:(salud OR educacion)")
    assert (term.field, term.values, term.any_of, term.negate) == (
        "groups",
        ("salud", "educacion"),
        True,
        True,
    )


def test_sorts() -> None:
    assert parse_sort("score desc, metadata_modified desc") == "relevance"
    assert parse_sort("") == "relevance"
    assert parse_sort("metadata_modified desc") == "modified"
    assert parse_sort("METADATA_MODIFIED DESC".lower()) == "modified"
    assert parse_sort("metadata_modified DESC") == "modified"
    assert parse_sort("title_string asc") == "name"
    assert parse_sort("name asc, metadata_modified desc") == "name"
    assert parse_sort("metadata_modified asc") == "oldest"
    assert parse_sort("id asc") == "name"  # what CKAN harvesters page by: a stable order
    with pytest.raises(CkanQueryError, match="cannot sort by 'views_recent desc'"):
        parse_sort("views_recent desc")
    with pytest.raises(CkanQueryError, match="field asc"):
        parse_sort("title_string")
    with pytest.raises(CkanQueryError, match="field asc"):
        parse_sort("score desc, name sideways")


def test_facet_fields() -> None:
    assert facet_fields(["tags", "organization", "groups", "res_format", "license_id"]) == {
        "tags": "tag",
        "organization": "organization",
        "groups": "theme",
        "res_format": "format",
        "license_id": "license",
    }
    assert facet_fields("tags") == {"tags": "tag"}
    assert facet_fields([]) == {}
    with pytest.raises(CkanQueryError, match="maintainer"):
        facet_fields(["tags", "maintainer"])
    with pytest.raises(CkanQueryError, match="JSON list"):
        facet_fields({"tags": 1})
