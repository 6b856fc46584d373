"""A member who did everything the service keeps a record of, and the scans that look for
their personal values at rest: shared by the erasure and merge tests of every table. The
``scene`` fixture that wires the partners in is in ``tests/access/conftest.py``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import httpx
from sqlalchemy import JSON, String, func, select

from staytier.domain.webhooks import sign
from staytier.services.runtime import Runtime
from staytier.store.models import Base, LedgerEntry, Member
from tests.partners import worker
from tests.privilege_support import ADJUST, GOODWILL
from tests.support import ENROLL, GraphQLClient, new_key, record

CARD_SECRET = "card-plain-secret"
FLYER = "SW555000111"
NOTE = "Likes the quiet corner room by the garden"
PERSONAL = {
    "first name": "Zoëlle",
    "last name": "Quistorp",
    "email": "zoelle.q@example.com",
    "phone": "+1 212 555 0199",
    "phone digits": "2125550199",
    "frequent-flyer number": FLYER,
    "birthday": "1990-05-04",
    "staff note": NOTE,
    "allergy": "peanuts",
}
TRANSFER = """mutation($i: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $i) { userErrors { code } } }"""
DONATE = """mutation($i: DonatePointsInput!) { donatePoints(input: $i) { userErrors { code } } }"""
APPROVE = """mutation($i: RequestGuestApprovalInput!) {
  requestGuestApproval(input: $i) { code userErrors { code } } }"""
PROFILE = [
    ("setConsent", "SetConsentInput", {"purpose": "PERSONALISED_SERVICE", "granted": True}),
    ("setPreference", "SetPreferenceInput", {"category": "ALLERGIES", "values": ["peanuts"]}),
    ("setSpecialDate", "SetSpecialDateInput", {"kind": "BIRTHDAY", "date": "1990-05-04"}),
    ("addStaffNote", "AddStaffNoteInput", {"propertyCode": "NYCTS", "author": "Sam", "text": NOTE}),
]
ERASE = """mutation($n: String!) {
  eraseGuest(input: {memberNumber: $n, reason: "the guest asked"}) {
    erasedAt userErrors { code field message } } }"""


@dataclass
class Scene:
    runtime: Runtime
    admin: GraphQLClient
    http: httpx.AsyncClient

    async def card_spend(self, number: str, webhook_id: str) -> None:
        body = json.dumps(
            {
                "member_number": number,
                "transaction_id": f"tx-{webhook_id}",
                "spent_on": "2026-02-20",
                "amount": "250.00",
                "description": "Dinner for Zoëlle Quistorp",
                "guest_last_name": PERSONAL["last name"],
            }
        ).encode()
        stamp = int(self.runtime.now().timestamp())
        response = await self.http.post(
            "/partners/STAYCARD/card-spend",
            content=body,
            headers={
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(CARD_SECRET, webhook_id, stamp, body),
            },
        )
        assert response.status_code == 200, response.text


async def full_history(scene: Scene) -> str:
    """A member who did everything the service keeps a record of."""
    admin = scene.admin
    enrolled = await admin(
        ENROLL,
        input={"firstName": PERSONAL["first name"], "lastName": PERSONAL["last name"],
               "email": PERSONAL["email"], "phone": PERSONAL["phone"]},
    )  # fmt: skip
    number: str = enrolled["enrollGuest"]["guest"]["memberNumber"]
    await record(admin, member_number=number, arrival=dt.date(2026, 2, 1), nights=3)
    await record(
        admin, member_number=number, arrival=dt.date(2026, 3, 20), nights=2, status="BOOKED"
    )
    for name, input_type, fields in PROFILE:
        answer = await admin(
            f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ userErrors {{ code }} }} }}",
            i={"memberNumber": number, **fields},
        )
        assert answer[name]["userErrors"] == [], (name, answer)
    await scene.card_spend(number, "card-msg-1")
    adjustment = {"idempotencyKey": new_key(), "memberNumber": number, "points": 100_000,
                  "reason": "Welcome back, Zoëlle Quistorp", "author": "ops"}  # fmt: skip
    goodwill = {"idempotencyKey": new_key(), "memberNumber": number, "points": 500,
                "reasonCode": "ROOM_NOT_READY", "author": "Sam",
                "note": "Ms Quistorp waited an hour, call +1 212 555 0199"}  # fmt: skip
    assert (await admin(ADJUST, input=adjustment))["postPointsAdjustment"]["userErrors"] == []
    assert (await admin(GOODWILL, input=goodwill))["postGoodwillPoints"]["userErrors"] == []
    await admin("mutation($e: String!) { requestGuestSignIn(input: {email: $e}) { sent } }",
                e=PERSONAL["email"])  # fmt: skip
    await spend_with_approvals(scene, number)
    delivering = worker(scene.runtime)
    while await delivering.deliver_due():  # one request per member and partner at a time
        pass
    return number


async def spend_with_approvals(scene: Scene, number: str) -> None:
    """The guest approves a transfer and a donation at the NYCTS desk, and leaves one
    approval unused."""
    async with scene.runtime.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == number))
    app = await scene.admin.acting_as("guest", member_id=member_id)
    desk = await scene.admin.acting_as("front_desk", properties=["NYCTS"])
    miles = {"operation": "MILES_TRANSFER", "points": 30_000, "airline": "SKYWAYS",
             "frequentFlyerNumber": FLYER}  # fmt: skip
    gift = {"operation": "DONATION", "points": 2000, "charity": "GREENTREES"}
    codes = []
    for terms in (miles, gift, {**miles, "points": 60_000}):
        payload = (await app(APPROVE, i={"memberNumber": number, **terms}))["requestGuestApproval"]
        assert payload["userErrors"] == []
        codes.append(payload["code"])
    transfer = {"idempotencyKey": new_key(), "memberNumber": number, "airline": "SKYWAYS",
                "frequentFlyerNumber": FLYER, "points": 30_000,
                "guestApproval": codes[0]}  # fmt: skip
    donation = {"idempotencyKey": new_key(), "memberNumber": number, "charity": "GREENTREES",
                "points": 2000, "guestApproval": codes[1]}  # fmt: skip
    assert (await desk(TRANSFER, i=transfer))["transferPointsToMiles"]["userErrors"] == []
    assert (await desk(DONATE, i=donation))["donatePoints"]["userErrors"] == []
    # The guest's own donation, under a key that names them (kept to answer retries).
    own = {"idempotencyKey": f"app-{number}-donation", "memberNumber": number,
           "charity": "GREENTREES", "points": 1000}  # fmt: skip
    assert (await app(DONATE, i=own))["donatePoints"]["userErrors"] == []
    await app.aclose()
    await desk.aclose()


async def text_at_rest(runtime: Runtime) -> dict[str, list[str]]:
    """Every value of every text and JSON column of every table, as text, by column."""
    found: dict[str, list[str]] = {}
    async with runtime.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.c:
                if not isinstance(column.type, String | JSON):
                    continue
                values = await session.scalars(select(column).where(column.is_not(None)))
                found[f"{table.name}.{column.name}"] = [
                    v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values
                ]
    return found


def hits(found: dict[str, list[str]], personal: dict[str, str]) -> set[tuple[str, str]]:
    """(what, column) for each personal value found in a column, case-insensitively."""
    return {
        (what, column)
        for column, values in found.items()
        for what, value in personal.items()
        if any(value.lower() in text.lower() for text in values)
    }


async def totals(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.reading() as session:
        balances = await session.scalar(select(func.sum(Member.points_balance)))
        ledger = await session.scalar(select(func.sum(LedgerEntry.points)))
    return int(balances or 0), int(ledger or 0)
