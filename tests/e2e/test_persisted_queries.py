"""Persisted queries over the wire (Apollo's APQ protocol): a client sends a document's
SHA-256 instead of the document; production may run only the shipped operations."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from tests.e2e.access import forbidden
from tests.e2e.conftest import serving
from tests.support import api_key, make_app

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
# Shipped, for admins only: its hash is in the persisted set.
DONATION_REPORT = (OPERATIONS / "admin" / "donation_report.graphql").read_text()
REPORT_YEAR = {"start": "2026-01-01", "end": "2026-12-31"}
# Not shipped: known only once a client registers it.
PROGRAM_NAME = "query ProgramName { program { name } }"
# 16 levels, one over the limit (api/graphql/limits.py).
DEEP = "{ __schema { types { fields { type { " + "ofType { " * 12 + "name" + " }" * 16 + " }"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}


async def send(
    http: httpx.AsyncClient,
    *,
    query: str | None = None,
    extensions: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    credential: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"variables": variables or {}}
    if query is not None:
        payload["query"] = query
    if extensions is not None:
        payload["extensions"] = extensions
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    response = await http.post("/graphql", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or [{}]
    found: str | None = (errors[0].get("extensions") or {}).get("code")
    return found


@pytest.fixture
async def admin_key(runtime: Runtime) -> str:
    return await api_key(runtime, Role.ADMIN)


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(make_app(runtime, strict=True)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as client,
    ):
        yield client


@pytest.fixture
async def restricted(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(runtime, strict=True, persisted_queries_only=True)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        yield client


async def test_an_unknown_hash_is_answered_persisted_query_not_found(
    http: httpx.AsyncClient, admin_key: str
) -> None:
    body = await send(http, extensions=persisted(PROGRAM_NAME), credential=admin_key)

    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code(body) == "PERSISTED_QUERY_NOT_FOUND"
    assert body.get("data") is None


async def test_a_document_registered_with_its_hash_then_runs_by_hash_alone(
    http: httpx.AsyncClient, admin_key: str
) -> None:
    registered = await send(
        http, query=PROGRAM_NAME, extensions=persisted(PROGRAM_NAME), credential=admin_key
    )
    by_hash = await send(http, extensions=persisted(PROGRAM_NAME), credential=admin_key)

    assert "errors" not in registered
    assert by_hash == registered
    assert by_hash["data"]["program"]["name"]


async def test_a_hash_that_is_not_the_documents_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient, admin_key: str
) -> None:
    wrong = persisted("query Other { program { name } }")

    body = await send(http, query=PROGRAM_NAME, extensions=wrong, credential=admin_key)
    after = await send(http, extensions=wrong, credential=admin_key)

    assert body["errors"][0]["message"] == "provided sha does not match query"
    assert code(body) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in body or body["data"] is None
    assert code(after) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_shipped_operation_runs_by_hash_without_registering(
    http: httpx.AsyncClient, admin_key: str
) -> None:
    body = await send(
        http, extensions=persisted(DONATION_REPORT), variables=REPORT_YEAR, credential=admin_key
    )

    assert "errors" not in body
    assert body["data"]["donationReport"] == []


async def test_a_document_over_the_limits_is_refused_and_not_registered(
    http: httpx.AsyncClient, admin_key: str
) -> None:
    body = await send(http, query=DEEP, extensions=persisted(DEEP), credential=admin_key)
    after = await send(http, extensions=persisted(DEEP), credential=admin_key)

    assert "levels deep" in body["errors"][0]["message"]
    assert code(after) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_persisted_document_still_needs_a_credential_and_the_role(
    http: httpx.AsyncClient, runtime: Runtime, admin_key: str
) -> None:
    partner_key = await api_key(runtime, Role.BOOKING_PARTNER, partner="SITE")
    sent = {"extensions": persisted(DONATION_REPORT), "variables": REPORT_YEAR}

    anonymous = await send(http, **sent)
    partner = await send(http, **sent, credential=partner_key)
    admin = await send(http, **sent, credential=admin_key)

    assert anonymous["data"] is None and anonymous["errors"]
    assert partner["data"] is None and forbidden(partner)
    assert admin["data"] == {"donationReport": []}


async def test_restricted_to_the_persisted_set_an_unknown_document_is_refused(
    restricted: httpx.AsyncClient, admin_key: str
) -> None:
    full = await send(restricted, query=PROGRAM_NAME, credential=admin_key)
    registering = await send(
        restricted, query=PROGRAM_NAME, extensions=persisted(PROGRAM_NAME), credential=admin_key
    )
    by_hash = await send(restricted, extensions=persisted(PROGRAM_NAME), credential=admin_key)

    assert [code(full), code(registering), code(by_hash)] == ["PERSISTED_QUERY_REQUIRED"] * 3
    assert all(body.get("data") is None for body in (full, registering, by_hash))


async def test_restricted_to_the_persisted_set_a_shipped_operation_runs_by_hash_or_in_full(
    restricted: httpx.AsyncClient, admin_key: str
) -> None:
    by_hash = await send(
        restricted,
        extensions=persisted(DONATION_REPORT),
        variables=REPORT_YEAR,
        credential=admin_key,
    )
    in_full = await send(
        restricted, query=DONATION_REPORT, variables=REPORT_YEAR, credential=admin_key
    )

    assert by_hash == in_full == {"data": {"donationReport": []}}
