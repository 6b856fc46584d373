"""Abusive documents are refused by the served app before any resolver runs: deep, wide
with aliases (fragments included), long, costly; and the HTTP edges hold: no mutation over
GET, a body size limit, a rate limit per client, nothing for explorers in production.

"Before any resolver runs" is shown twice: the answer has no data (execution never
started), and a mutation hidden in the document has changed nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.e2e.access import Caller, serving
from tests.support import api_key, make_app

ENROLL_FIELD = 'enrollGuest(input: {firstName: "Eve", lastName: "Many"})'


@pytest.fixture
async def admin(runtime: Runtime) -> AsyncIterator[Caller]:
    key = await api_key(runtime, Role.ADMIN)
    async with (
        serving(make_app(runtime, strict=True)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield Caller(http, key)


async def members(runtime: Runtime) -> int:
    async with runtime.db.reading() as session:
        return int(await session.scalar(select(func.count(Member.id))) or 0)


def refused(body: dict[str, Any], word: str) -> bool:
    messages = " ".join(error["message"] for error in body.get("errors") or [])
    return body.get("data") is None and word in messages.lower()


async def test_a_query_20_levels_deep_is_refused(admin: Caller) -> None:
    nested = "name"
    for _ in range(17):
        nested = f"ofType {{ {nested} }}"
    document = f'{{ __type(name: "Guest") {{ fields {{ type {{ {nested} }} }} }} }}'

    body = await admin.body(document)

    assert refused(body, "levels deep")


async def test_fifty_aliased_mutations_are_refused_and_none_runs(
    admin: Caller, runtime: Runtime
) -> None:
    document = (
        "mutation { "
        + " ".join(f"e{i}: {ENROLL_FIELD} {{ guest {{ memberNumber }} }}" for i in range(50))
        + " }"
    )

    body = await admin.body(document)

    assert refused(body, "aliases")
    assert await members(runtime) == 0


async def test_aliases_hidden_in_nested_fragments_are_counted_where_spread(
    admin: Caller, runtime: Runtime
) -> None:
    # 2 aliases, doubled by each of 5 levels of fragments: 64 aliases in one mutation.
    fragments = [
        "fragment F0 on EnrollGuestPayload { a: userErrors { code } b: guest { tier { code } } }"
    ]
    fragments += [
        f"fragment F{i} on EnrollGuestPayload {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 6)
    ]
    document = f"mutation {{ {ENROLL_FIELD} {{ ...F5 }} }} " + " ".join(fragments)

    body = await admin.body(document)

    assert refused(body, "64 aliases")
    assert await members(runtime) == 0


async def test_fragments_that_double_at_every_level_are_refused_at_once(admin: Caller) -> None:
    # 2**60 aliases if expanded; measured fragment by fragment, refused as quickly as any.
    fragments = ["fragment F0 on Query { a: clock { now } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 61)]

    body = await admin.body("query { ...F60 } " + " ".join(fragments))

    assert refused(body, "aliases")


async def test_a_document_of_ten_thousand_tokens_is_refused_and_nothing_runs(
    admin: Caller, runtime: Runtime
) -> None:
    selection = " ".join("memberNumber" for _ in range(10_000))
    document = f"mutation {{ {ENROLL_FIELD} {{ guest {{ {selection} }} }} }}"

    body = await admin.body(document)

    assert refused(body, "token")
    assert await members(runtime) == 0


async def test_a_query_that_would_read_too_much_is_refused(admin: Caller) -> None:
    document = """{ searchGuests(query: "a", first: 100) { edges { node {
      ledger(first: 100) { edges { node { kind points balanceAfter description } } } } } } }"""

    body = await admin.body(document)

    assert refused(body, "fields; at most")


async def test_a_mutation_over_get_is_refused_and_changes_nothing(
    admin: Caller, runtime: Runtime
) -> None:
    response = await admin.http.get(
        "/graphql",
        params={"query": f"mutation {{ {ENROLL_FIELD} {{ guest {{ memberNumber }} }} }}"},
        headers={"Authorization": f"Bearer {admin.credential}"},
    )

    assert response.status_code in (400, 405)
    assert await members(runtime) == 0


async def test_a_body_over_the_limit_is_refused(runtime: Runtime) -> None:
    key = await api_key(runtime, Role.ADMIN)
    app = make_app(runtime, strict=True, max_body_bytes=10_000)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ clock { now } }", "variables": {"pad": "x" * 20_000}},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 413


async def test_a_client_over_its_rate_is_told_so_with_429(runtime: Runtime) -> None:
    busy, other = await api_key(runtime, Role.ADMIN), await api_key(runtime, Role.ANALYST)
    app = make_app(runtime, strict=True, rate_limit_per_minute=3)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        chatty, calm = Caller(http, busy), Caller(http, other)
        statuses = [(await chatty.post("{ clock { now } }")).status_code for _ in range(4)]
        limited = await chatty.post("{ clock { now } }")
        others = await calm.post("{ clock { now } }")

    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429 and "ratelimit-reset" in limited.headers
    assert others.status_code == 200  # the limit is per client


async def test_production_offers_no_graphiql_and_no_introspection(runtime: Runtime) -> None:
    key = await api_key(runtime, Role.ADMIN)
    async with (
        serving(make_app(runtime, development=False, strict=True)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        body = await Caller(http, key).body("{ __schema { types { name } } }")

    assert page.status_code in (400, 404, 405) and "graphiql" not in page.text.lower()
    assert refused(body, "introspection")


TYPOS = (
    ("mutation { postPointAdjustment(input: {}) { entry { kind } } }", "postPointsAdjustment"),
    ("{ progrm { code } }", "program"),
    ("query($n: String!) { guest(memberNumbr: $n) { memberNumber } }", "memberNumber"),
    (
        'mutation { recordStay(input: {idempotencyKey: "k", memberNumber: "1", '
        'propertyCode: "NYCTS", confirmationNumber: "c", status: COMPLETD, '
        'arrivalDate: "2026-02-01", departureDate: "2026-02-02"}) { stay { status } } }',
        "COMPLETED",
    ),
)


@pytest.mark.parametrize(("document", "name"), TYPOS)
async def test_production_suggests_no_names_to_anyone(
    runtime: Runtime, document: str, name: str
) -> None:
    key = await api_key(runtime, Role.ADMIN)
    answers = {}
    for development in (True, False):
        async with (
            serving(make_app(runtime, development=development, strict=True)) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            anonymous = await Caller(http, None).body(document, n="1")
            admin = await Caller(http, key).body(document, n="1")
        answers[development] = " ".join(
            error["message"] for body in (anonymous, admin) for error in body["errors"]
        )

    assert "Did you mean" in answers[True] and name in answers[True]
    assert "Did you mean" not in answers[False] and f"'{name}'" not in answers[False]


async def test_production_suggests_no_input_fields_in_variables(runtime: Runtime) -> None:
    key = await api_key(runtime, Role.ADMIN)
    document = (
        "mutation($input: RecordStayInput!) { recordStay(input: $input) { stay { status } } }"
    )
    variables = {"input": {"roomRevenu": "1"}}
    async with (
        serving(make_app(runtime, development=False, strict=True)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        body = await Caller(http, key).body(document, **variables)

    messages = " ".join(error["message"] for error in body["errors"])
    assert "roomRevenu" in messages and "Did you mean" not in messages
