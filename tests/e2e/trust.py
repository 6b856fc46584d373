"""A scene for the trust-between-clients tests: a hotel's guest and the clients that are
not hers to act on, served for real with one key per client."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from tests.e2e.access import Caller
from tests.e2e.conftest import serving
from tests.support import GraphQLClient, api_key, make_app, new_key, stay_input

EMAIL = "ada.lovelace@example.com"
NOTE = "Prefers the quiet wing; allergic to feathers."
HOTEL_STAY = "NY-820"  # Ada's completed stay at NYCTS: room revenue 820.00

RECORD = """mutation($i: RecordStayInput!) { recordStay(input: $i) {
  stay { confirmationNumber status roomRevenue } guest { memberNumber }
  userErrors { code field message } } }"""
CANCEL = """mutation($i: CancelStayInput!) { cancelStay(input: $i) {
  stay { status } userErrors { code field message } } }"""
SEARCH = """query($q: String!) { searchGuests(query: $q) { edges { node { memberNumber } } } }"""
SERVED_VIEW = """query($n: String!) { guest(memberNumber: $n) {
  memberNumber firstName lastName tier { code } points { balance }
  stays(first: 20) { edges { node { propertyCode confirmationNumber } } }
  staffNotes(first: 20) { edges { node { propertyCode text } } }
  specialDates { kind date } } }"""
ADMIN_VIEW = """query($n: String!) { guest(memberNumber: $n) { points { balance }
  stays(first: 20) { edges { node { confirmationNumber status roomRevenue } } } } }"""


@dataclass
class Scene:
    """Ada Lovelace stayed at NYCTS last week (820.00, credited); NYCTS noted her
    preferences; her birthday is in May. Every client below has its own key."""

    ada: str
    http: httpx.AsyncClient
    admin: Caller
    nycts: Caller  # the hotel's own front desk
    tyogz: Caller  # another hotel's front desk
    site: Caller  # a booking partner
    other: Caller  # a second booking partner

    async def record(self, caller: Caller, **stay: Any) -> dict[str, Any]:
        stay.setdefault("member_number", self.ada)
        stay.setdefault("last_name", "Lovelace")
        body = await caller.body(RECORD, i=stay_input(stay.pop("member_number"), **stay))
        found: dict[str, Any] = body["data"]["recordStay"]
        return found

    async def cancel(self, caller: Caller, confirmation: str, hotel: str = "NYCTS") -> Any:
        body = await caller.body(
            CANCEL,
            i={
                "idempotencyKey": new_key(),
                "propertyCode": hotel,
                "confirmationNumber": confirmation,
            },
        )
        return body["data"]["cancelStay"]

    async def hotel_view(self) -> dict[str, Any]:
        """Ada as the brand's operators see her: points and every stay."""
        found: dict[str, Any] = (await self.admin.body(ADMIN_VIEW, n=self.ada))["data"]["guest"]
        return found

    async def found_by(self, caller: Caller, text: str) -> list[str]:
        body = await caller.body(SEARCH, q=text)
        return [edge["node"]["memberNumber"] for edge in body["data"]["searchGuests"]["edges"]]


@contextlib.asynccontextmanager
async def trust_scene(runtime: Runtime) -> AsyncIterator[Scene]:
    admin = GraphQLClient(make_app(runtime))  # the in-process admin sets the scene
    enrolled = await admin(
        'mutation { enrollGuest(input: {firstName: "Ada", lastName: "Lovelace", '
        f'email: "{EMAIL}"}}) {{ guest {{ memberNumber }} }} }}'
    )
    ada = enrolled["enrollGuest"]["guest"]["memberNumber"]
    stayed = await admin(
        RECORD,
        i=stay_input(
            ada,
            arrival=dt.date(2026, 2, 23),
            nights=2,
            confirmation=HOTEL_STAY,
            room="820.00",
            last_name="Lovelace",
        ),
    )
    assert stayed["recordStay"]["userErrors"] == []
    await admin(
        "mutation($n: String!, $t: String!) { addStaffNote(input: {memberNumber: $n, "
        'propertyCode: "NYCTS", author: "Sam", text: $t}) { userErrors { code } } }',
        n=ada,
        t=NOTE,
    )
    await admin(
        "mutation($n: String!) { setSpecialDate(input: {memberNumber: $n, kind: BIRTHDAY, "
        'date: "1990-05-04"}) { userErrors { code } } }',
        n=ada,
    )
    keys = {
        "admin": await api_key(runtime, Role.ADMIN),
        "nycts": await api_key(runtime, Role.FRONT_DESK, properties=["NYCTS"]),
        "tyogz": await api_key(runtime, Role.FRONT_DESK, properties=["TYOGZ"]),
        "site": await api_key(runtime, Role.BOOKING_PARTNER, partner="SITE"),
        "other": await api_key(runtime, Role.BOOKING_PARTNER, partner="OTHER"),
    }
    async with (
        serving(make_app(runtime, strict=True)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield Scene(ada, http, **{name: Caller(http, key) for name, key in keys.items()})
    await admin.aclose()
