"""Schemathesis against the live portal's OpenAPI document: the /api/v1 read endpoints.

Each GET operation gets a bounded number of generated requests (property-based: random
and edge-case values for every declared parameter). Path parameters are the generated ones
or real ids of the portal's tables, and the data API's undeclared grammar (column filters,
``order``, ``limit``, ``cursor``, aggregates…) is fuzzed too, so the rows engine is reached
with hostile values. Every answer of every /api/v1 read operation must be below 500; the data
API's (``CORE``) must also carry a status and content type the document declares and match
its response schema.
"""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import Portal

EXAMPLES = int(os.environ.get("ABIERTO_FUZZ_EXAMPLES", "60"))  # per operation; < 30 s in all
COLUMNS = ["municipio", "monto_contratado", "fecha", "nota", "obra", "nada"]
OPERATORS = ["", "__gt", "__gte", "__lt", "__lte", "__ne", "__in", "__contains", "__startswith"]
OPERATORS += ["__isnull", "__eq", "__like"]
TEXT = st.text(max_size=12)
GRAMMAR = {
    "limit": st.one_of(st.integers(-2, 20_000), TEXT),
    "offset": st.one_of(st.integers(-2, 10**12), TEXT),
    "order": st.lists(st.sampled_from([*COLUMNS, *(f"-{c}" for c in COLUMNS)]), max_size=3).map(
        ",".join
    ),
    "select": st.lists(st.sampled_from(COLUMNS), max_size=3).map(",".join),
    "cursor": st.one_of(TEXT, st.just("eyJvIjoiIn0")),
    "q": TEXT,
    "group_by": st.sampled_from(COLUMNS),
    "count": st.sampled_from(["", "true"]),
    "sum": st.sampled_from(COLUMNS),
    "distinct": st.sampled_from(COLUMNS),
    "include_total": st.sampled_from(["true", "false", "x"]),
    "shape": st.sampled_from(["objects", "arrays", ""]),
}
COLUMN_LIST = st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=2).map(",".join)
VALUES = st.one_of(st.sampled_from(["Zapopan", "100", "2020-01-01", "true", "a,b", ""]), TEXT)
FILTERS = st.one_of(
    st.just({}),
    st.dictionaries(
        st.tuples(st.sampled_from(COLUMNS), st.sampled_from(OPERATORS)).map("".join),
        VALUES,
        max_size=2,
    ),
)


def _real_ids(portal: Portal) -> dict[str, list[str]]:
    with portal.client() as http:
        dataset = http.get("/api/v1/datasets/obras").json()
    return {
        "slug": ["obras", "obras", "obras", "secreto"],
        "name": [r["name"] for r in dataset["resources"]],
        "release_id": portal.release_ids["obras"] * 2 + portal.release_ids["secreto"],
        "ext": ["csv", "ndjson", "json", "xlsx", "parquet", "geojson"],
    }


@pytest.fixture(scope="module")
def api_schema(portal: Portal) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{portal.url}/openapi.json")
    real = _real_ids(portal)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
        if not path_parameters:
            return st.just(path_parameters)
        known = {k: st.sampled_from(real[k]) for k in path_parameters if k in real}
        chosen = st.fixed_dictionaries(known).map(lambda ids: {**path_parameters, **ids})
        return st.one_of(chosen, chosen, chosen, st.just(path_parameters))  # 3 in 4 real

    @schema.hook
    def flatmap_query(context, query):  # type: ignore[no-untyped-def]
        path = context.operation.path if context.operation else ""
        if not path.endswith(("/rows", "/rows.{ext}", "/facets")):
            return st.just(query)
        facets = path.endswith("/facets")
        keys = ["q"] if facets else list(GRAMMAR)
        chosen = st.lists(st.sampled_from(keys), max_size=3, unique=True)
        grammar = chosen.flatmap(lambda ks: st.fixed_dictionaries({k: GRAMMAR[k] for k in ks}))
        own = {"columns": st.one_of(COLUMN_LIST, COLUMN_LIST, TEXT)} if facets else {}
        extra = st.tuples(grammar, FILTERS, st.fixed_dictionaries(own))
        return extra.map(lambda g: {**(query or {}), **g[0], **g[1], **g[2]})

    return schema


CORE = {  # the data API's read operations; the document may list more, all fuzzed
    "/api/v1/datasets",
    "/api/v1/datasets/{slug}",
    "/api/v1/datasets/{slug}/resources/{name}/facets",
    "/api/v1/datasets/{slug}/resources/{name}/rows",
    "/api/v1/datasets/{slug}/resources/{name}/rows.{ext}",
    "/api/v1/releases/{release_id}",
    "/api/v1/releases/{release_id}/facets",
    "/api/v1/releases/{release_id}/rows",
    "/api/v1/releases/{release_id}/rows.{ext}",
    "/api/v1/sql",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _read_paths(portal: Portal) -> list[str]:
    paths = httpx.get(f"{portal.url}/openapi.json").json()["paths"]
    return sorted(p for p, ops in paths.items() if p.startswith("/api/v1/") and "get" in ops)


def _fuzz(schema: schemathesis.BaseSchema, path: str) -> None:
    """Drive one operation's generated requests (schemathesis' own pytest plugin does not run
    on pytest 9, so its strategy is driven with Hypothesis directly). The data API must also
    match its document; every other operation must at least never fail with a 5xx."""
    operation = schema[path]["GET"]
    checks = CHECKS if path in CORE else [not_a_server_error]
    statuses: list[int] = []
    sent: list[str] = []
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(checks=checks, timeout=30)
        statuses.append(response.status_code)
        sent.append(f"{response.status_code} {response.request.url}")

    run()
    if path in CORE and "{" in path:  # generated and real ids both reached the tables
        assert len(statuses) >= min(EXAMPLES, 10)
        assert 200 in statuses, "\n".join(sent)


def test_read_api_conforms(api_schema: schemathesis.BaseSchema, portal: Portal) -> None:
    paths = _read_paths(portal)
    assert set(paths) >= CORE
    failures = {}
    for path in paths:
        try:
            _fuzz(api_schema, path)
        except (Exception, BaseExceptionGroup) as exc:  # all are tried, all failures told
            failures[path] = exc
    assert not failures, "\n\n".join(f"GET {p}:\n{e}" for p, e in failures.items())
