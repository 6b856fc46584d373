"""Engagement helpers shared by the integration tests: the sweepstakes draw, status grants
and challenges, certificates, guest mail, complaints, a member's value and goodwill, and
birthday bonuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staytier.services.runtime import Runtime
from tests.privilege_support import REDEEM_CERTIFICATE
from tests.support import ENROLL, GraphQLClient, enroll, new_key, record, set_clock

D = dt.date


# --- sweepstakes -----------------------------------------------------------------------------


SEED = "staytier-2026-demo-seed-7f3c9a"
DRAW = """
mutation Draw($input: DrawSweepstakesInput!) {
  drawSweepstakes(input: $input) {
    sweepstakes { code seed entries winners { slot entrantId prize points } }
    userErrors { code field message }
  }
}
"""


async def draw(client: GraphQLClient, seed: str = SEED, key: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await client(
            DRAW, input={"idempotencyKey": key or new_key(), "code": "NIGHTS2026", "seed": seed}
        )
    )["drawSweepstakes"]
    return payload


# --- status grants ---------------------------------------------------------------------------


PAYLOAD = """
    grant { kind state tierCode validFrom validThrough nightsRequired reason evidence }
    guest { memberNumber tier { code validThrough } }
    userErrors { code field message }
"""
GRANT = f"mutation G($input: GrantStatusInput!) {{ grantStatus(input: $input) {{ {PAYLOAD} }} }}"
CHALLENGE = f"""
mutation C($input: StartStatusChallengeInput!) {{
  startStatusChallenge(input: $input) {{ {PAYLOAD} }}
}}
"""
GIFT = f"mutation T($input: GiftTierInput!) {{ giftTier(input: $input) {{ {PAYLOAD} }} }}"


async def grant(client: GraphQLClient, document: str, root: str, **input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(document, input=input))[root]
    return payload


def challenge_input(number: str, tier: str = "GOLD") -> dict[str, Any]:
    return {"idempotencyKey": new_key(), "memberNumber": number, "tierCode": tier}


# --- certificates ----------------------------------------------------------------------------


CERTIFICATES = """
query C($n: String!) { guest(memberNumber: $n) { certificates(first: 5) { edges { node {
  number source milestoneNights maxCategory issuedOn expiresOn status description
} } } } }
"""


def certificate_input(
    number: str, certificate: int, arrival: dt.date, property_code: str = "PAROP"
) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "certificateId": certificate,
        "propertyCode": property_code,
        "arrivalDate": arrival.isoformat(),
    }


async def use(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(REDEEM_CERTIFICATE, input=fields))["redeemCertificate"]
    return payload


async def certificates_of(client: GraphQLClient, number: str) -> list[dict[str, Any]]:
    edges = (await client(CERTIFICATES, n=number))["guest"]["certificates"]["edges"]
    return [edge["node"] for edge in edges]


# --- guest mail ------------------------------------------------------------------------------


async def member_with_email(
    client: GraphQLClient, first: str, email: str, language: str = "en"
) -> str:
    data = await client(
        ENROLL,
        input={"firstName": first, "lastName": "Mailer", "email": email, "language": language},
    )
    assert data["enrollGuest"]["userErrors"] == []
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    return number


# --- complaints ------------------------------------------------------------------------------


COMPLAINT_FIELDS = """
    complaint {
      number propertyCode confirmationNumber memberNumber category severity description
      author owner open resolution resolvedBy minutesToResolve goodwillPoints
    }
    guest { points { balance } }
    userErrors { code field message }
"""
LOG = f"""
mutation Log($input: LogComplaintInput!) {{ logComplaint(input: $input) {{ {COMPLAINT_FIELDS} }} }}
"""
RESOLVE = f"""
mutation Resolve($input: ResolveComplaintInput!) {{
  resolveComplaint(input: $input) {{ {COMPLAINT_FIELDS} }}
}}
"""


def log_input(confirmation: str, **extra: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "propertyCode": "NYCTS",
        "confirmationNumber": confirmation,
        "category": "NOISE",
        "severity": "HIGH",
        "description": "Construction noise from 7 am in room 1204",
        "author": "duty.manager@nycts",
        **extra,
    }


def resolve_input(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "complaintNumber": number,
        "resolution": "Moved to a quiet room, apologised",
        "author": "gm@nycts",
        **extra,
    }


async def stayed(client: GraphQLClient, confirmation: str = "NOISY-1") -> str:
    number = await enroll(client, "Grace", "Hopper")
    done = await record(
        client, member_number=number, arrival=D(2026, 2, 20), nights=3, confirmation=confirmation
    )
    assert done["userErrors"] == []
    return number


async def log(client: GraphQLClient, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await client(LOG, input=log_input(extra.pop("confirmation", "NOISY-1"), **extra))
    )["logComplaint"]
    return payload


# --- a member's value and goodwill -----------------------------------------------------------


TODAY = D(2026, 3, 2)  # the test clock's date
VALUE = """
query Value($n: String!) {
  guest(memberNumber: $n) {
    value { recency frequency monetary segment lifetimeValue recognitionAllowance currency }
    points { balance }
  }
}
"""
GOODWILL = """
mutation Goodwill($input: PostGoodwillPointsInput!) {
  postGoodwillPoints(input: $input) {
    entry { points }
    userErrors { code field message }
  }
}
"""
STAYS = """
query S($n: String!) { guest(memberNumber: $n) { stays(first: 1) { edges { node {
  confirmationNumber
} } } } }
"""


async def three_stays(runtime: Runtime, client: GraphQLClient) -> str:
    set_clock(runtime, D(2025, 1, 10))
    number = await enroll(client, "Rosalind", "Franklin")
    set_clock(runtime, TODAY)
    for arrival, room in ((D(2025, 6, 1), "500"), (D(2025, 11, 3), "700"), (D(2026, 2, 1), "800")):
        stayed = await record(client, member_number=number, arrival=arrival, nights=2, room=room)
        assert stayed["userErrors"] == []
    return number


def goodwill(number: str, points: int, key: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key, "memberNumber": number, "points": points,
        "reasonCode": "ROOM_NOT_READY", "author": "duty.manager@nycts",
    }  # fmt: skip


# --- birthday bonuses ------------------------------------------------------------------------


BIRTHDAY = """
mutation($i: SetSpecialDateInput!) { setSpecialDate(input: $i) { userErrors { code } } }
"""
LEDGER = """
query($n: String!) {
  guest(memberNumber: $n) {
    points { balance }
    ledger(first: 10) { edges { node { kind points description effectiveOn } } }
  }
}
"""


async def member_born(client: GraphQLClient, born: str, time_zone: str = "UTC") -> str:
    data = await client(
        ENROLL, input={"firstName": "Birthday", "lastName": "Guest", "timeZone": time_zone}
    )
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    done = await client(BIRTHDAY, i={"memberNumber": number, "kind": "BIRTHDAY", "date": born})
    assert done["setSpecialDate"]["userErrors"] == []
    return number


async def bonuses(client: GraphQLClient, number: str) -> list[tuple[int, str, str]]:
    data: dict[str, Any] = (await client(LEDGER, n=number))["guest"]
    return [
        (e["node"]["points"], e["node"]["description"], e["node"]["effectiveOn"])
        for e in data["ledger"]["edges"]
        if e["node"]["kind"] == "BONUS"
    ]
