"""A sweepstakes through the API: entries earned by credited nights (capped, reversed with
their credit), the seed hash published up front, the admin's draw after close that reveals
the seed and credits the prizes once, and a re-run of the draw from what was published."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from freezegun import freeze_time

from tests.engagement_support import DRAW, SEED, draw
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, enroll, guest, new_key, record

D = dt.date
SWEEPSTAKES = """
{ sweepstakes(first: 5) { edges { node {
    code seedHash seed entries closesOn
    entrants { entrantId entries }
    winners { slot entrantId prize points }
} } } }
"""
ENTRIES = """
query E($n: String!) {
  guest(memberNumber: $n) { sweepstakesEntries { code entrantId entries prize } }
}
"""
CANCEL = """
mutation Cancel($input: CancelStayInput!) { cancelStay(input: $input) { userErrors { code } } }
"""


async def published(client: GraphQLClient) -> dict[str, Any]:
    node: dict[str, Any] = (await client(SWEEPSTAKES))["sweepstakes"]["edges"][0]["node"]
    return node


async def entries(client: GraphQLClient, number: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client(ENTRIES, n=number))["guest"]["sweepstakesEntries"]
    return found


def rerun(seed: str, code: str, entrants: list[dict[str, Any]], slots: int) -> list[str]:
    """The draw as docs/engagement.md states it, written from the page, not from our code."""
    remaining = sorted((e for e in entrants if e["entries"] > 0), key=lambda e: e["entrantId"])
    winners = []
    for k in range(slots):
        total = sum(e["entries"] for e in remaining)
        if not total:
            break
        n = int.from_bytes(hashlib.sha256(f"{seed}|{code}|{k}".encode()).digest(), "big") % total
        running = 0
        for i, entrant in enumerate(remaining):
            running += entrant["entries"]
            if running > n:
                winners.append(remaining.pop(i)["entrantId"])
                break
    return winners


async def test_nights_earn_entries_up_to_the_cap_and_a_cancellation_takes_them_back(
    client: GraphQLClient,
) -> None:
    ada, bob = await enroll(client), await enroll(client, "Bob", "Long")
    await record(client, member_number=ada, arrival=D(2026, 2, 20), nights=3, confirmation="A1")
    await record(client, member_number=bob, arrival=D(2025, 12, 1), nights=60, confirmation="B1")
    await record(client, member_number=ada, arrival=D(2026, 2, 10), nights=2, confirmation="A2")

    assert [(e["code"], e["entries"]) for e in await entries(client, ada)] == [("NIGHTS2026", 5)]
    # Bob's 60 nights are credited at checkout in 2026: capped at 50.
    assert [e["entries"] for e in await entries(client, bob)] == [50]
    cancelled = await client(
        CANCEL,
        input={"idempotencyKey": new_key(), "propertyCode": "NYCTS", "confirmationNumber": "A1"},
    )
    assert cancelled["cancelStay"]["userErrors"] == []
    assert [e["entries"] for e in await entries(client, ada)] == [2]
    shown = await published(client)
    assert shown["entries"] == 52 and shown["seed"] is None
    assert shown["seedHash"] == hashlib.sha256(SEED.encode()).hexdigest()


async def test_the_draw_after_close_reveals_the_seed_credits_prizes_once_and_reruns_the_same(
    client: GraphQLClient,
) -> None:
    members = [await enroll(client, f"Guest{i}", "Entrant") for i in range(5)]
    for index, number in enumerate(members):
        await record(client, member_number=number, arrival=D(2026, 2, 1), nights=index + 1)
    early = await draw(client)
    assert [e["code"] for e in early["userErrors"]] == ["SWEEPSTAKES_NOT_CLOSED"]
    with freeze_time("2026-12-31 23:59:00"):  # the last day still takes entries
        await set_clock(client, dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC))
        assert [e["code"] for e in (await draw(client))["userErrors"]] == ["SWEEPSTAKES_NOT_CLOSED"]
    await set_clock(client, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))
    before = {number: (await guest(client, number))["points"]["balance"] for number in members}
    wrong = await draw(client, seed="guess")
    key = new_key()

    drawn = await draw(client, key=key)
    retried = await draw(client, key=key)
    again = await draw(client)

    assert [(e["code"], e["field"]) for e in wrong["userErrors"]] == [("SEED_MISMATCH", "seed")]
    assert drawn["userErrors"] == [] and retried == drawn
    assert [e["code"] for e in again["userErrors"]] == ["SWEEPSTAKES_ALREADY_DRAWN"]
    winners = drawn["sweepstakes"]["winners"]
    assert [w["prize"] for w in winners] == ["Grand prize", "Runner-up", "Runner-up"]
    assert len({w["entrantId"] for w in winners}) == 3
    shown = await published(client)
    assert shown["seed"] == SEED and shown["entries"] == 15
    # Anyone re-runs the draw from what is published and gets the same winners.
    assert rerun(shown["seed"], shown["code"], shown["entrants"], 3) == [
        w["entrantId"] for w in winners
    ]
    # Each winner got their prize once, and finds their own win.
    for number in members:
        own = (await entries(client, number))[0]
        won = [w for w in winners if w["entrantId"] == own["entrantId"]]
        gained = (await guest(client, number))["points"]["balance"] - before[number]
        assert gained == (won[0]["points"] if won else 0)
        assert own["prize"] == (won[0]["prize"] if won else None)


async def test_a_sweepstakes_without_entries_or_unknown_is_not_drawn(
    client: GraphQLClient,
) -> None:
    await set_clock(client, dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC))
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    empty = await draw(client)
    unknown = (
        await client(DRAW, input={"idempotencyKey": new_key(), "code": "NOPE", "seed": SEED})
    )["drawSweepstakes"]
    refused = await desk.raw(
        DRAW, input={"idempotencyKey": new_key(), "code": "NIGHTS2026", "seed": SEED}
    )

    assert [e["code"] for e in empty["userErrors"]] == ["SWEEPSTAKES_NO_ENTRIES"]
    assert [e["code"] for e in unknown["userErrors"]] == ["SWEEPSTAKES_NOT_FOUND"]
    assert refused["errors"][0]["message"] == "Not allowed."
    assert (await published(client))["seed"] is None
    await desk.aclose()
