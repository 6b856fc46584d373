"""Spending needs the guest: a front desk spends a member's points only with the guest's
approval code, good once, for a short while, for exactly the spending it was issued for."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from staytier.clock import TestClock
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.privilege_support import REDEEM, REDEEM_CERTIFICATE, give_points, make_platinum
from tests.support import ENROLL, GraphQLClient, Mailbox, make_app, new_key, record

REQUEST = """
mutation Request($i: RequestGuestApprovalInput!) {
  requestGuestApproval(input: $i) {
    approval { operation points propertyCode recipient expiresAt }
    code mailed
    userErrors { code field message }
  }
}
"""
QUOTE = """query($a: Date!, $d: Date!) {
  awardQuote(propertyCode: "NYCTS", arrivalDate: $a, departureDate: $d) { points } }"""
BALANCE = "query($n: String!) { guest(memberNumber: $n) { points { balance } } }"
DONATE = """mutation($i: DonatePointsInput!) {
  donatePoints(input: $i) { donation { points } userErrors { code field message } } }"""
TRANSFER = """mutation($i: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $i) { milesTransfer { points } userErrors { code field } } }"""
AUDIT = """query($n: String!) {
  auditLog(memberNumber: $n, subject: "approval", first: 20) {
    edges { node { action actorRole after } } } }"""
APRIL = dt.date(2026, 4, 1)
EMAIL = "ada.approves@example.com"


@dataclass
class Scene:
    """Ada (booked at NYCTS, 200,000 points), her app, the NYCTS desk, an admin."""

    runtime: Runtime
    mailbox: Mailbox
    admin: GraphQLClient
    app: GraphQLClient
    desk: GraphQLClient
    ada: str

    async def balance(self) -> int:
        found = await self.admin(BALANCE, n=self.ada)
        return int(found["guest"]["points"]["balance"])

    async def code_from_app(self, **terms: Any) -> str:
        payload = (await self.app(REQUEST, i={"memberNumber": self.ada, **terms}))[
            "requestGuestApproval"
        ]
        assert payload["userErrors"] == [] and payload["mailed"] is False, payload
        code: str = payload["code"]
        return code

    async def award_price(self, nights: int = 1) -> int:
        departure = APRIL + dt.timedelta(days=nights)
        quote = await self.admin(QUOTE, a=APRIL.isoformat(), d=departure.isoformat())
        return int(quote["awardQuote"]["points"])

    async def redeem(self, client: GraphQLClient, code: str | None, **kw: Any) -> dict[str, Any]:
        nights = kw.pop("nights", 1)
        fields = {
            "idempotencyKey": kw.pop("key", None) or new_key(),
            "memberNumber": self.ada,
            "propertyCode": "NYCTS",
            "arrivalDate": APRIL.isoformat(),
            "departureDate": (APRIL + dt.timedelta(days=nights)).isoformat(),
            "guestApproval": code,
        }
        payload: dict[str, Any] = (await client(REDEEM, input=fields))["redeemAwardStay"]
        return payload


@pytest.fixture
async def scene(runtime: Runtime) -> AsyncIterator[Scene]:
    mailbox = Mailbox()
    mailing = dataclasses.replace(runtime, mailer=mailbox)
    admin = GraphQLClient(make_app(mailing))
    enrolled = await admin(
        ENROLL, input={"firstName": "Ada", "lastName": "Lovelace", "email": EMAIL}
    )
    ada = enrolled["enrollGuest"]["guest"]["memberNumber"]
    await give_points(admin, ada, 200_000)
    await record(admin, member_number=ada, arrival=dt.date(2026, 3, 20), nights=2, status="BOOKED")
    async with mailing.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == ada))
    app = await admin.acting_as("guest", member_id=member_id)
    desk = await admin.acting_as("front_desk", properties=["NYCTS"])
    yield Scene(mailing, mailbox, admin, app, desk, ada)
    for client in (app, desk, admin):
        await client.aclose()


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_a_front_desk_redeems_with_the_code_from_the_guests_app(scene: Scene) -> None:
    price = await scene.award_price()
    code = await scene.code_from_app(operation="AWARD_STAY", points=price, propertyCode="NYCTS")

    payload = await scene.redeem(scene.desk, code)

    assert payload["userErrors"] == []
    assert payload["awardStay"]["points"] == price
    assert await scene.balance() == 200_000 - price
    audit = (await scene.admin(AUDIT, n=scene.ada))["auditLog"]["edges"]
    assert [(e["node"]["action"], e["node"]["actorRole"]) for e in audit] == [
        ("USED", "front_desk"),
        ("REQUESTED", "guest"),
    ]


async def test_without_the_guests_code_the_desk_spends_nothing(scene: Scene) -> None:
    await scene.code_from_app(
        operation="AWARD_STAY", points=await scene.award_price(), propertyCode="NYCTS"
    )

    missing = await scene.redeem(scene.desk, None)
    blank = await scene.redeem(scene.desk, "  ")
    wrong = await scene.redeem(scene.desk, "00000000")

    assert codes(missing) == codes(blank) == ["GUEST_APPROVAL_REQUIRED"]
    assert codes(wrong) == ["GUEST_APPROVAL_INVALID"]
    assert wrong["userErrors"][0]["field"] == "guestApproval"
    assert missing["awardStay"] is None and await scene.balance() == 200_000


async def test_a_code_is_good_for_its_own_spending_only_and_only_once(scene: Scene) -> None:
    one_night = await scene.award_price()
    code = await scene.code_from_app(operation="AWARD_STAY", points=one_night, propertyCode="NYCTS")
    donation_code = await scene.code_from_app(
        operation="DONATION", points=one_night, charity="GREENTREES"
    )

    other_amount = await scene.redeem(scene.desk, code, nights=2)
    other_operation = await scene.redeem(scene.desk, donation_code)
    first = await scene.redeem(scene.desk, code, key="desk-award-1")
    retried = await scene.redeem(scene.desk, code, key="desk-award-1")
    again = await scene.redeem(scene.desk, code)

    assert codes(other_amount) == codes(other_operation) == ["GUEST_APPROVAL_INVALID"]
    assert first["userErrors"] == []
    assert retried == first  # the same key returns the first result, spending nothing more
    assert codes(again) == ["GUEST_APPROVAL_INVALID"]
    assert await scene.balance() == 200_000 - one_night


async def test_a_code_lives_as_long_as_the_program_says(scene: Scene) -> None:
    price = await scene.award_price()
    terms = {"operation": "AWARD_STAY", "points": price, "propertyCode": "NYCTS"}
    early, late = await scene.code_from_app(**terms), await scene.code_from_app(**terms)
    clock = scene.runtime.clock
    assert isinstance(clock, TestClock)

    clock.set(clock.now() + dt.timedelta(minutes=9, seconds=59))
    in_time = await scene.redeem(scene.desk, early)
    clock.set(clock.now() + dt.timedelta(seconds=2))
    too_late = await scene.redeem(scene.desk, late)

    assert in_time["userErrors"] == []
    assert codes(too_late) == ["GUEST_APPROVAL_INVALID"]


async def test_five_wrong_codes_void_the_guests_open_codes(scene: Scene) -> None:
    price = await scene.award_price()
    code = await scene.code_from_app(operation="AWARD_STAY", points=price, propertyCode="NYCTS")

    for guess in range(5):
        assert codes(await scene.redeem(scene.desk, f"1234567{guess}")) == [
            "GUEST_APPROVAL_INVALID"
        ]
    payload = await scene.redeem(scene.desk, code)

    assert codes(payload) == ["GUEST_APPROVAL_INVALID"]
    assert await scene.balance() == 200_000


async def test_the_desk_has_the_code_mailed_to_the_guest_and_never_sees_it(scene: Scene) -> None:
    price = await scene.award_price()

    asked = (
        await scene.desk(
            REQUEST,
            i={
                "memberNumber": scene.ada,
                "operation": "AWARD_STAY",
                "points": price,
                "propertyCode": "NYCTS",
            },
        )
    )["requestGuestApproval"]
    [(to, body)] = scene.mailbox.sent
    payload = await scene.redeem(scene.desk, scene.mailbox.last_code(digits=8))

    assert asked["userErrors"] == [] and asked["mailed"] is True and asked["code"] is None
    assert asked["approval"]["operation"] == "AWARD_STAY" and asked["approval"]["points"] == price
    assert to == EMAIL and "award stay at NYCTS" in body
    assert payload["userErrors"] == []


async def test_a_member_without_email_approves_from_the_app_only(scene: Scene) -> None:
    enrolled = await scene.admin(ENROLL, input={"firstName": "Bo", "lastName": "Nomail"})
    number = enrolled["enrollGuest"]["guest"]["memberNumber"]

    asked = (
        await scene.admin(
            REQUEST,
            i={
                "memberNumber": number,
                "operation": "DONATION",
                "points": 1000,
                "charity": "GREENTREES",
            },
        )
    )["requestGuestApproval"]
    incomplete = (
        await scene.admin(REQUEST, i={"memberNumber": number, "operation": "MILES_TRANSFER"})
    )["requestGuestApproval"]

    assert codes(asked) == ["GUEST_APPROVAL_UNDELIVERABLE"] and scene.mailbox.sent == []
    assert {(e["code"], e["field"]) for e in incomplete["userErrors"]} == {
        ("INVALID_INPUT", "points"),
        ("INVALID_INPUT", "airline"),
        ("INVALID_INPUT", "frequentFlyerNumber"),
    }


async def test_the_guest_spends_without_a_code_and_an_admin_too_audited(scene: Scene) -> None:
    own = await scene.redeem(scene.app, None)
    by_admin = await scene.redeem(scene.admin, None)

    assert own["userErrors"] == [] and by_admin["userErrors"] == []
    audit = (await scene.admin(AUDIT, n=scene.ada))["auditLog"]["edges"]
    [admin_entry] = [e["node"] for e in audit]
    assert admin_entry["action"] == "ADMIN_SPENT_WITHOUT_APPROVAL"
    assert admin_entry["actorRole"] == "admin"
    assert admin_entry["after"]["operation"] == "AWARD_STAY"


async def test_the_desk_gives_and_transfers_only_what_the_guest_approved(scene: Scene) -> None:
    gift = await scene.code_from_app(operation="DONATION", points=5000, charity="GREENTREES")
    miles = await scene.code_from_app(
        operation="MILES_TRANSFER", points=30_000, airline="SKYWAYS",
        frequentFlyerNumber="SW123456789",
    )  # fmt: skip
    donation = {"idempotencyKey": new_key(), "memberNumber": scene.ada,
                "charity": "GREENTREES", "points": 5000}  # fmt: skip
    transfer = {"idempotencyKey": new_key(), "memberNumber": scene.ada, "airline": "SKYWAYS",
                "frequentFlyerNumber": "SW987654321", "points": 30_000}  # fmt: skip

    unapproved = (await scene.desk(DONATE, i=donation))["donatePoints"]
    given = (await scene.desk(DONATE, i={**donation, "guestApproval": gift}))["donatePoints"]
    elsewhere = (await scene.desk(TRANSFER, i={**transfer, "guestApproval": miles}))[
        "transferPointsToMiles"
    ]
    approved = {**transfer, "frequentFlyerNumber": "SW123456789", "guestApproval": miles}
    sent = (await scene.desk(TRANSFER, i=approved))["transferPointsToMiles"]

    assert codes(unapproved) == ["GUEST_APPROVAL_REQUIRED"]
    assert given["userErrors"] == [] and given["donation"]["points"] == 5000
    assert codes(elsewhere) == ["GUEST_APPROVAL_INVALID"]  # another frequent-flyer account
    assert sent["userErrors"] == [] and sent["milesTransfer"]["points"] == 30_000
    assert await scene.balance() == 200_000 - 5000 - 30_000


async def test_the_desk_uses_a_certificate_only_with_the_guests_code(scene: Scene) -> None:
    await make_platinum(scene.admin, scene.ada, arrival=dt.date(2026, 1, 2))
    certificates = await scene.admin(
        "query($n: String!) { guest(memberNumber: $n) { certificates(first: 1) "
        "{ edges { node { number } } } } }",
        n=scene.ada,
    )
    number = certificates["guest"]["certificates"]["edges"][0]["node"]["number"]
    fields = {"idempotencyKey": new_key(), "memberNumber": scene.ada, "certificateId": number,
              "propertyCode": "NYCTS", "arrivalDate": APRIL.isoformat()}  # fmt: skip
    code = await scene.code_from_app(
        operation="CERTIFICATE", certificateId=number, propertyCode="NYCTS"
    )

    without = (await scene.desk(REDEEM_CERTIFICATE, input=fields))["redeemCertificate"]
    used = (await scene.desk(REDEEM_CERTIFICATE, input={**fields, "guestApproval": code}))[
        "redeemCertificate"
    ]

    assert codes(without) == ["GUEST_APPROVAL_REQUIRED"]
    assert used["userErrors"] == [] and used["awardStay"]["paidWithCertificate"] == number
