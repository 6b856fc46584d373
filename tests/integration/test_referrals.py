"""Refer a friend through the API: a member's referral code, enrolment with it, both
credited at the friend's first qualifying stay within the window (once, reversed with the
stay), the referrer's yearly limit, and the refusals: oneself, an existing member, an
unknown code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staytier.program.promotions import ReferralRules
from staytier.services.runtime import Runtime
from tests.support import (
    ENROLL,
    GraphQLClient,
    enroll,
    guest,
    make_app,
    new_key,
    record,
    with_newest_version,
)
from tests.support import set_clock as move_clock

D = dt.date
CODE = "query($n: String!) { guest(memberNumber: $n) { referralCode } }"
CANCEL = """
mutation Cancel($input: CancelStayInput!) { cancelStay(input: $input) { userErrors { code } } }
"""


async def referral_code(client: GraphQLClient, number: str) -> str:
    code: str = (await client(CODE, n=number))["guest"]["referralCode"]
    return code


async def enroll_with(
    client: GraphQLClient, code: str, *, last: str = "Friend", **contact: Any
) -> dict[str, Any]:
    fields = {"firstName": "Fay", "lastName": last, "referralCode": code, **contact}
    payload: dict[str, Any] = (await client(ENROLL, input=fields))["enrollGuest"]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def referrer(client: GraphQLClient) -> tuple[str, str]:
    fields = {"firstName": "Rita", "lastName": "Referrer", "email": "rita@example.com",
              "phone": "+1 212 555 0100"}  # fmt: skip
    payload = (await client(ENROLL, input=fields))["enrollGuest"]
    number: str = payload["guest"]["memberNumber"]
    return number, await referral_code(client, number)


async def test_a_friends_first_stay_credits_both_once_and_a_cancellation_takes_both_back(
    client: GraphQLClient,
) -> None:
    rita, code = await referrer(client)
    friend = await enroll_with(client, code.lower())  # codes are read case-insensitively
    assert friend["userErrors"] == []
    fay = friend["guest"]["memberNumber"]

    first = await record(client, member_number=fay, arrival=D(2026, 3, 1), nights=1,
                         confirmation="F1")  # fmt: skip
    second = await record(client, member_number=fay, arrival=D(2026, 3, 1), nights=1)

    assert first["guest"]["points"]["balance"] == 1_000 + 1_000  # base + friend bonus
    assert second["guest"]["points"]["balance"] == 2_000 + 1_000  # no second bonus
    assert (await guest(client, rita))["points"]["balance"] == 2_000

    cancelled = await client(
        CANCEL,
        input={"idempotencyKey": new_key(), "propertyCode": "NYCTS", "confirmationNumber": "F1"},
    )
    assert cancelled["cancelStay"]["userErrors"] == []
    assert (await guest(client, rita))["points"]["balance"] == 0
    assert (await guest(client, fay))["points"]["balance"] == 1_000


async def test_a_first_stay_after_the_window_credits_nobody(client: GraphQLClient) -> None:
    rita, code = await referrer(client)
    fay = (await enroll_with(client, code))["guest"]["memberNumber"]
    move_clock(client.runtime, D(2026, 6, 2))  # 92 days after enrolling; the window is 90
    late = await record(client, member_number=fay, arrival=D(2026, 5, 30), nights=2)
    assert late["guest"]["points"]["balance"] == 1_000  # base points only
    assert (await guest(client, rita))["points"]["balance"] == 0


async def test_the_referrer_is_credited_for_at_most_the_yearly_limit(
    client: GraphQLClient, runtime: Runtime
) -> None:
    rules = ReferralRules(referrer_points=2_000, friend_points=1_000, max_per_year=1)
    limited = with_newest_version(runtime, referrals=rules)
    one_a_year = GraphQLClient(make_app(limited))
    rita, code = await referrer(one_a_year)
    for name in ("One", "Two"):
        number = (await enroll_with(one_a_year, code, last=name))["guest"]["memberNumber"]
        stay = await record(one_a_year, member_number=number, arrival=D(2026, 3, 1), nights=1)
        assert stay["guest"]["points"]["balance"] == 2_000  # each friend is credited
    assert (await guest(one_a_year, rita))["points"]["balance"] == 2_000  # Rita once
    await one_a_year.aclose()


async def test_referral_refusals_are_typed_and_enrol_nobody(client: GraphQLClient) -> None:
    _rita, code = await referrer(client)
    other = await enroll(client, "Olga", "Other")
    await client(
        ENROLL,
        input={
            "firstName": "Olga",
            "lastName": "Known",
            "email": "olga@example.com",
            "phone": "+44 20 7946 0000",
        },
    )

    same_email = await enroll_with(client, code, email="RITA@example.com")
    same_phone = await enroll_with(client, code, phone="+1 (212) 555-0100")
    known_phone = await enroll_with(client, code, phone="+44 20 7946 0000")
    unknown = await enroll_with(client, "NOSUCHCODE")

    assert codes(same_email) == codes(same_phone) == [("REFERRAL_TO_SELF", "referralCode")]
    assert codes(known_phone) == [("REFERRAL_OF_EXISTING_MEMBER", "referralCode")]
    assert codes(unknown) == [("REFERRAL_CODE_NOT_FOUND", "referralCode")]
    assert all(p["guest"] is None for p in (same_email, same_phone, known_phone, unknown))
    assert await referral_code(client, other) not in (None, code)
