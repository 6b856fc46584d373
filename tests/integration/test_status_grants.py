"""Status match, challenge and gifting through the API: each writes status with its cause,
decides the tier like earned status, meets requalification's soft landing, and refuses
bad requests with typed userErrors and nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from freezegun import freeze_time
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import StatusGrant, StatusPeriod
from tests.engagement_support import CHALLENGE, GIFT, GRANT, challenge_input, grant
from tests.privilege_support import make_platinum, set_clock
from tests.support import GraphQLClient, enroll, guest, member_id, new_key, record

D = dt.date
HISTORY = """
query H($n: String!) {
  guest(memberNumber: $n) {
    tier { code validThrough }
    tierHistory { tierCode cause detail validFrom validThrough }
  }
}
"""


def match_input(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "tierCode": "PLATINUM",
        "validThrough": "2026-12-31",
        "reason": "Status match from a competitor's top tier",
        "evidenceReference": "ticket SM-1042",
        **extra,
    }


async def history(client: GraphQLClient, number: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client(HISTORY, n=number))["guest"]
    return found


async def count_grants(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.reading() as session:
        grants = await session.scalar(select(func.count(StatusGrant.id)))
        periods = await session.scalar(select(func.count(StatusPeriod.id)))
    return int(grants or 0), int(periods or 0)


# --- status match ---------------------------------------------------------------------------


async def test_an_admin_matches_a_competitors_status_with_reason_and_evidence(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    fields = match_input(number)

    matched = await grant(client, GRANT, "grantStatus", **fields)
    retried = await grant(client, GRANT, "grantStatus", **fields)

    assert matched["userErrors"] == []
    assert retried == matched  # a retry answers the first grant and writes no second one
    assert await count_grants(runtime) == (1, 1)
    assert matched["grant"]["kind"] == "MATCH" and matched["grant"]["evidence"] == "ticket SM-1042"
    assert matched["guest"]["tier"] == {"code": "PLATINUM", "validThrough": "2026-12-31"}
    rows = (await history(client, number))["tierHistory"]
    assert [(r["tierCode"], r["cause"]) for r in rows] == [("PLATINUM", "STATUS_MATCH")]
    assert "ticket SM-1042" in rows[0]["detail"]


async def test_bad_matches_are_refused_and_write_nothing(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    unknown = await grant(client, GRANT, "grantStatus", **match_input(number, tierCode="GOD"))
    base = await grant(client, GRANT, "grantStatus", **match_input(number, tierCode="MEMBER"))
    too_long = await grant(
        client, GRANT, "grantStatus", **match_input(number, validThrough="2027-03-03")
    )
    backwards = await grant(
        client,
        GRANT,
        "grantStatus",
        **match_input(number, validFrom="2026-03-01", validThrough="2026-02-01"),
    )
    blank = await grant(
        client, GRANT, "grantStatus", **match_input(number, reason=" ", evidenceReference="")
    )
    nobody = await grant(client, GRANT, "grantStatus", **match_input("1000000000"))
    refused = await desk.raw(GRANT, input=match_input(number))

    assert [e["code"] for e in unknown["userErrors"]] == ["UNKNOWN_TIER"]
    assert [e["code"] for e in base["userErrors"]] == ["UNKNOWN_TIER"]
    assert [(e["code"], e["field"]) for e in too_long["userErrors"]] == [
        ("INVALID_DATES", "validThrough")
    ]
    assert [(e["code"], e["field"]) for e in backwards["userErrors"]] == [
        ("INVALID_DATES", "validThrough"),
        ("INVALID_DATES", "validFrom"),
    ]
    assert [e["field"] for e in blank["userErrors"]] == ["reason", "evidence"]
    assert [e["code"] for e in nobody["userErrors"]] == ["MEMBER_NOT_FOUND"]
    assert refused["errors"][0]["message"] == "Not allowed."
    assert await count_grants(runtime) == (0, 0)
    await desk.aclose()


async def test_a_matched_member_who_does_not_stay_lands_softly_at_year_end(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await grant(client, GRANT, "grantStatus", **match_input(number))

    await set_clock(client, dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC))

    found = await history(client, number)
    assert found["tier"]["code"] == "GOLD"
    assert [(r["tierCode"], r["cause"]) for r in found["tierHistory"]] == [
        ("PLATINUM", "STATUS_MATCH"),
        ("GOLD", "SOFT_LANDING"),
    ]


# --- challenge ------------------------------------------------------------------------------


async def test_a_challenge_met_within_its_days_becomes_earned_status(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    started = await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    assert started["userErrors"] == []
    # Gold on trial for 90 days from 2 March: through 30 May.
    assert started["grant"]["validThrough"] == "2026-05-30"
    assert started["guest"]["tier"] == {"code": "GOLD", "validThrough": "2026-05-30"}
    # 12 nights (the challenge's) checked out on 30 May, the trial's last day.
    await set_clock(client, dt.datetime(2026, 5, 30, 20, tzinfo=dt.UTC))
    await record(client, member_number=number, arrival=D(2026, 5, 18), nights=12, room="1200")

    found = await history(client, number)
    assert found["tier"] == {"code": "GOLD", "validThrough": "2028-02-28"}
    # The 12 nights also reach Silver on their own.
    assert [(r["tierCode"], r["cause"]) for r in found["tierHistory"]] == [
        ("GOLD", "CHALLENGE"),
        ("SILVER", "QUALIFIED"),
        ("GOLD", "CHALLENGE_MET"),
    ]


async def test_a_challenge_short_of_its_nights_lapses_the_day_after_its_last_day(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    await set_clock(client, dt.datetime(2026, 4, 12, 20, tzinfo=dt.UTC))
    await record(client, member_number=number, arrival=D(2026, 4, 1), nights=11, room="1100")

    # 11 nights in, 1 short (and Silver earned on the way) on the trial's last minute.
    with freeze_time("2026-05-30 23:59:00"):
        await set_clock(client, dt.datetime(2026, 5, 30, 23, 59, tzinfo=dt.UTC))
        assert (await guest(client, number))["tier"]["code"] == "GOLD"
    with freeze_time("2026-05-31 00:01:00"):
        moved = await set_clock(client, dt.datetime(2026, 5, 31, 0, 1, tzinfo=dt.UTC))
        assert (await guest(client, number))["tier"]["code"] == "SILVER"
        # The twelfth night, checked out the day after the trial, comes too late.
        await record(client, member_number=number, arrival=D(2026, 5, 30), nights=1, room="100")
        assert (await guest(client, number))["tier"]["code"] == "SILVER"
    assert [(j["job"], j["runKey"]) for j in moved["jobsRun"]] == [
        ("challenge-lapse", "2026-05-31")
    ]
    async with runtime.db.reading() as session:
        assert await session.scalar(select(StatusGrant.state)) == "LAPSED"


async def test_challenges_the_program_does_not_offer_or_the_member_does_not_need_are_refused(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number, gold = await enroll(client), await enroll(client, "Gil", "Gold")
    await record(client, member_number=gold, arrival=D(2026, 1, 10), nights=25, room="150")
    periods_before = await count_grants(runtime)

    silver = await grant(
        client, CHALLENGE, "startStatusChallenge", **challenge_input(number, "SILVER")
    )
    above = await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(gold))
    first = await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    second = await grant(
        client, CHALLENGE, "startStatusChallenge", **challenge_input(number, "PLATINUM")
    )

    assert [e["code"] for e in silver["userErrors"]] == ["CHALLENGE_NOT_OFFERED"]
    assert [e["code"] for e in above["userErrors"]] == ["TIER_ALREADY_HELD"]
    assert first["userErrors"] == []
    assert [e["code"] for e in second["userErrors"]] == ["CHALLENGE_ALREADY_OPEN"]
    grants, periods = await count_grants(runtime)
    assert (grants, periods) == (periods_before[0] + 1, periods_before[1] + 1)


async def test_a_guest_starts_their_own_challenge_but_not_someone_elses(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada, bob = await enroll(client), await enroll(client, "Bob", "Other")
    as_ada = await client.acting_as("guest", member_id=await member_id(runtime, ada))

    own = await grant(as_ada, CHALLENGE, "startStatusChallenge", **challenge_input(ada))
    other = await grant(as_ada, CHALLENGE, "startStatusChallenge", **challenge_input(bob))

    assert own["userErrors"] == []
    assert [e["code"] for e in other["userErrors"]] == ["MEMBER_NOT_FOUND"]
    await as_ada.aclose()


# --- gifting --------------------------------------------------------------------------------


def gift_input(recipient: str, tier: str = "GOLD") -> dict[str, Any]:
    return {"idempotencyKey": new_key(), "recipientMemberNumber": recipient, "tierCode": tier}


async def test_a_platinum_member_gifts_gold_to_one_person_a_year(
    client: GraphQLClient, runtime: Runtime
) -> None:
    giver = await enroll(client, "Pat", "Platinum")
    await make_platinum(client, giver, arrival=D(2026, 1, 5))
    friend, second = await enroll(client, "Fay", "Friend"), await enroll(client, "Sam", "Second")
    as_giver = await client.acting_as("guest", member_id=await member_id(runtime, giver))

    to_self = await grant(as_giver, GIFT, "giftTier", **gift_input(giver))
    platinum = await grant(as_giver, GIFT, "giftTier", **gift_input(friend, "PLATINUM"))
    given = await grant(as_giver, GIFT, "giftTier", **gift_input(friend))
    again = await grant(as_giver, GIFT, "giftTier", **gift_input(second))

    assert [e["code"] for e in to_self["userErrors"]] == ["GIFT_TO_SELF"]
    assert [e["code"] for e in platinum["userErrors"]] == ["GIFT_NOT_ALLOWED"]
    assert given["userErrors"] == [] and given["guest"]["memberNumber"] == giver
    assert given["grant"] == {
        "kind": "GIFT",
        "state": "GRANTED",
        "tierCode": "GOLD",
        "validFrom": "2026-03-02",
        "validThrough": "2027-03-01",
        "nightsRequired": None,
        "reason": "",
        "evidence": "",
    }
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("GIFT_LIMIT_REACHED", "recipientMemberNumber")
    ]
    found = await history(client, friend)
    assert found["tier"]["code"] == "GOLD"
    assert [r["cause"] for r in found["tierHistory"]] == ["GIFT"]
    assert (await history(client, second))["tier"]["code"] == "MEMBER"
    # A new qualification year brings a new gift.
    await as_giver.aclose()
    await set_clock(client, dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC))
    as_giver = await client.acting_as("guest", member_id=await member_id(runtime, giver))
    next_year = await grant(as_giver, GIFT, "giftTier", **gift_input(second))
    assert next_year["userErrors"] == []
    await as_giver.aclose()


async def test_only_the_guest_gifts_and_only_from_a_tier_that_may(
    client: GraphQLClient, runtime: Runtime
) -> None:
    member, friend = await enroll(client), await enroll(client, "Fay", "Friend")
    as_member = await client.acting_as("guest", member_id=await member_id(runtime, member))

    not_platinum = await grant(as_member, GIFT, "giftTier", **gift_input(friend))
    by_admin = await client.raw(GIFT, input=gift_input(friend))

    assert [e["code"] for e in not_platinum["userErrors"]] == ["GIFT_NOT_ALLOWED"]
    assert by_admin["errors"][0]["message"] == "Not allowed."
    assert await count_grants(runtime) == (0, 0)
    await as_member.aclose()
