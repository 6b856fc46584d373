"""Talking to a served app over real HTTP, as the concurrency tests do."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member
from tests.privilege_support import ADJUST, REDEEM, redeem_input
from tests.support import ENROLL, new_key


async def post(http: httpx.AsyncClient, document: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL request over the wire; the whole body, after checking it is a clean 200."""
    response = await http.post("/graphql", json={"query": document, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body


async def at_once(*requests: Any) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*requests))


async def enroll(http: httpx.AsyncClient, email: str | None = None) -> str:
    body = await post(http, ENROLL, input={"firstName": "Ada", "lastName": "Guest", "email": email})
    assert body["data"]["enrollGuest"]["userErrors"] == []
    number: str = body["data"]["enrollGuest"]["guest"]["memberNumber"]
    return number


async def ledger_in_tables(runtime: Runtime, number: str) -> tuple[int, list[LedgerEntry]]:
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert member is not None
        entries = list(
            await session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.member_id == member.id)
                .order_by(LedgerEntry.id)
            )
        )
    return member.points_balance, entries


APRIL = dt.date(2026, 4, 1)


NIGHT_AT_NYCTS = 50_000


async def member_with(http: httpx.AsyncClient, points: int) -> str:
    number = await enroll(http)
    fields = {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "points": points,
        "reason": "opening balance",
        "author": "admin",
    }
    body = await post(http, ADJUST, input=fields)
    assert body["data"]["postPointsAdjustment"]["userErrors"] == []
    return number


def award(number: str, key: str | None = None) -> tuple[str, dict[str, Any], int]:
    return REDEEM, redeem_input(number, APRIL, 1, key=key), NIGHT_AT_NYCTS
