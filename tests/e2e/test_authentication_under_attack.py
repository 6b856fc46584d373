"""Authentication under attack, served for real over TCP with requests in flight together.

Failed credentials are counted per key id and per client address; past the limits they are
refused with 429 and ``Retry-After`` before any argon2 check. All callers here share one
address (127.0.0.1), as a brand's clients behind one proxy do: a flood of wrong secrets for
one key id never refuses a valid, different key from that address.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.e2e.conftest import serving
from tests.support import GraphQLClient, api_key, enroll, guest_token, make_app

PROGRAM = "{ program { code } }"
FLOOD = 40
VALID = 20


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    # Default limits: 10 failures per address and key id, 50 per key id, 50 per address.
    async with (
        serving(make_app(runtime, strict=True)) as url,
        httpx.AsyncClient(base_url=url, timeout=120) as client,
    ):
        yield client


async def ask(http: httpx.AsyncClient, credential: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": PROGRAM}, headers={"Authorization": f"Bearer {credential}"}
    )


def answered(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.json() == {
        "data": {"program": {"code": "STAYTIER"}}
    }


def with_wrong_secret(key: str) -> str:
    prefix, key_id, _ = key.split("_", 2)
    return f"{prefix}_{key_id}_{secrets.token_urlsafe(32)}"


async def test_a_flood_of_wrong_secrets_for_one_key_id_leaves_another_key_answering(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    admin = await api_key(runtime, Role.ADMIN)
    flooded = await api_key(runtime, Role.ANALYST)

    responses = await asyncio.gather(
        *(ask(http, with_wrong_secret(flooded)) for _ in range(FLOOD)),
        *(ask(http, admin) for _ in range(VALID)),
    )
    flood, valid = responses[:FLOOD], responses[FLOOD:]

    assert all(answered(response) for response in valid)
    assert Counter(response.status_code for response in flood) == {401: 10, 429: FLOOD - 10}
    refusal = next(response for response in flood if response.status_code == 429)
    assert int(refusal.headers["retry-after"]) >= 1
    error = refusal.json()["errors"][0]
    assert error["extensions"]["code"] == "TOO_MANY_FAILED_ATTEMPTS"
    assert error["extensions"]["retryAfter"] == int(refusal.headers["retry-after"])
    # While the key id is over its limit, not even its right secret is checked (no argon2).
    assert (await ask(http, flooded)).status_code == 429
    # A key verified before the flood is known to the process and keeps working.
    assert answered(await ask(http, admin))


async def test_a_key_verified_before_the_flood_keeps_answering_through_it(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    desk = await api_key(runtime, Role.FRONT_DESK, properties=["NYCTS"])
    assert answered(await ask(http, desk))

    responses = await asyncio.gather(
        *(ask(http, with_wrong_secret(desk)) for _ in range(FLOOD)),
        *(ask(http, desk) for _ in range(VALID)),
    )

    assert all(answered(response) for response in responses[FLOOD:])
    # Every argon2 check counts, the key's first (right) one included: 9 wrong ones remain.
    assert Counter(r.status_code for r in responses[:FLOOD]) == {401: 9, 429: FLOOD - 9}


async def test_unknown_key_ids_and_bad_tokens_are_refused_but_valid_credentials_answer(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    admin = await api_key(runtime, Role.ADMIN)
    number = await enroll(GraphQLClient(make_app(runtime)))
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert member is not None
    guest = guest_token(runtime, member)
    unknown = [f"stk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}" for _ in range(30)]
    forged = [guest[:-4] + "AAAA" for _ in range(30)]

    responses = await asyncio.gather(
        *(ask(http, credential) for credential in unknown + forged),
        *(ask(http, admin) for _ in range(10)),
        *(ask(http, guest) for _ in range(10)),
    )
    refused, valid = responses[:60], responses[60:]

    assert Counter(r.status_code for r in refused) == {401: 50, 429: 10}
    assert all(r.status_code == 200 and "errors" not in r.json() for r in valid)
