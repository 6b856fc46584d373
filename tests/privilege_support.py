"""GraphQL documents and factories for the privilege tests: points given by an
administrator's adjustment, award stays, certificates and benefit choices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support import GraphQLClient, new_key, record

ADJUST = """
mutation Adjust($input: PostPointsAdjustmentInput!) {
  postPointsAdjustment(input: $input) {
    entry { kind points balanceAfter description }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""

GOODWILL = """
mutation Goodwill($input: PostGoodwillPointsInput!) {
  postGoodwillPoints(input: $input) {
    entry { kind points balanceAfter description }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""

AWARD_STAY_FIELDS = """
    awardStay {
      confirmationNumber propertyCode status arrivalDate departureDate nights points
      freeNights paidWithCertificate refunded
    }
    guest { points { balance } }
    userErrors { code field message }
"""

REDEEM = f"""
mutation Redeem($input: RedeemAwardStayInput!) {{
  redeemAwardStay(input: $input) {{ {AWARD_STAY_FIELDS} }}
}}
"""

CANCEL_AWARD = f"""
mutation CancelAward($input: CancelAwardStayInput!) {{
  cancelAwardStay(input: $input) {{ {AWARD_STAY_FIELDS} }}
}}
"""

REDEEM_CERTIFICATE = f"""
mutation RedeemCertificate($input: RedeemCertificateInput!) {{
  redeemCertificate(input: $input) {{ {AWARD_STAY_FIELDS} }}
}}
"""

CERTIFICATES = """
query Certificates($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    certificates(first: 10) {
      edges { node { number milestoneNights maxCategory issuedOn expiresOn status } }
    }
  }
}
"""

SET_CLOCK = """
mutation SetClock($input: SetTestClockInput!) {
  setTestClock(input: $input) {
    jobsRun { job runKey summary }
    userErrors { code message }
  }
}
"""


async def give_points(client: GraphQLClient, number: str, points: int) -> None:
    """An administrator's adjustment: the quickest honest way to a balance."""
    fields = {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "points": points,
        "reason": "test balance",
        "author": "admin@staytier.test",
    }
    payload = (await client(ADJUST, input=fields))["postPointsAdjustment"]
    assert payload["userErrors"] == [], payload


def redeem_input(
    number: str,
    arrival: dt.date,
    nights: int,
    *,
    property_code: str = "NYCTS",
    key: str | None = None,
) -> dict[str, Any]:
    return {
        "idempotencyKey": key or new_key(),
        "memberNumber": number,
        "propertyCode": property_code,
        "arrivalDate": arrival.isoformat(),
        "departureDate": (arrival + dt.timedelta(days=nights)).isoformat(),
    }


async def redeem(
    client: GraphQLClient, number: str, arrival: dt.date, nights: int, **kw: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await client(REDEEM, input=redeem_input(number, arrival, nights, **kw))
    )["redeemAwardStay"]
    return payload


async def make_platinum(client: GraphQLClient, number: str, *, arrival: dt.date) -> None:
    """A 50-night completed stay at NYCTS: Platinum, and the 50-night certificate."""
    payload = await record(client, member_number=number, arrival=arrival, nights=50, room="100")
    assert payload["userErrors"] == [], payload


async def set_clock(client: GraphQLClient, instant: dt.datetime) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(SET_CLOCK, input={"now": instant.isoformat()}))[
        "setTestClock"
    ]
    assert payload["userErrors"] == []
    return payload


async def certificates(client: GraphQLClient, number: str) -> list[dict[str, Any]]:
    data = await client(CERTIFICATES, memberNumber=number)
    return [edge["node"] for edge in data["guest"]["certificates"]["edges"]]
