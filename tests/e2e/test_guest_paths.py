"""Every path to a guest, for each role that may take it: a member out of the caller's
sight reads exactly like a member who does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from staytier.services.runtime import Runtime
from tests.e2e.access import (
    ADMIN,
    DESK,
    GUEST,
    PARTNER,
    Caller,
    Scenario,
    forbidden,
    served_scenario,
)
from tests.support import stay_input

UNKNOWN = "9999999999"
GUEST_Q = "query($n: String!) { guest(memberNumber: $n) { memberNumber firstName } }"
ME = "{ me { memberNumber } }"
SEARCH = "query($q: String!) { searchGuests(query: $q) { edges { node { memberNumber } } } }"
ARRIVALS = """query($p: String!, $d: Date!) {
  arrivals(propertyCode: $p, date: $d) { edges { node { memberNumber } } } }"""
EXPORT = "query($n: String!) { exportGuestData(memberNumber: $n) }"
SET_PREFERENCE = """mutation($i: SetPreferenceInput!) {
  setPreference(input: $i) { guest { memberNumber } userErrors { code field message } } }"""
NOTE = """mutation($i: AddStaffNoteInput!) {
  addStaffNote(input: $i) { staffNote { text } userErrors { code field message } } }"""
CONSENT = """mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }"""
PROFILE = """query($n: String!) { guest(memberNumber: $n) {
  memberNumber preferences { category value sensitive } } }"""
RECORD = """mutation($i: RecordStayInput!) {
  recordStay(input: $i) { guest { memberNumber tier { code } } userErrors { code } } }"""


@pytest.fixture
async def scene(runtime: Runtime) -> AsyncIterator[tuple[httpx.AsyncClient, Scenario]]:
    async with (
        served_scenario(runtime) as (url, scenario),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield http, scenario


def caller(scene: tuple[httpx.AsyncClient, Scenario], role: str) -> Caller:
    http, scenario = scene
    return Caller(http, scenario.credentials[role])


def without_number(body: dict[str, Any], number: str) -> str:
    """A response with the member number asked for blanked, to compare two answers."""
    return repr(body).replace(number, "N")


async def same_as_unknown(who: Caller, document: str, number: str, **variables: Any) -> None:
    """The answer about ``number`` is the answer about a number nobody holds."""

    def filled(n: str) -> dict[str, Any]:
        return {
            key: ({**value, "memberNumber": n} if isinstance(value, dict) else n)
            for key, value in variables.items()
        }

    about_member = await who.body(document, **filled(number))
    about_nobody = await who.body(document, **filled(UNKNOWN))
    assert without_number(about_member, number) == without_number(about_nobody, UNKNOWN)


async def test_a_guest_cannot_reach_another_guest_by_any_path(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    ada = caller(scene, GUEST)

    assert (await ada.body(ME))["data"]["me"] == {"memberNumber": s.ada}
    assert (await ada.body(GUEST_Q, n=s.ada))["data"]["guest"]["memberNumber"] == s.ada
    for other in (s.bob, s.cy):
        assert (await ada.body(GUEST_Q, n=other))["data"]["guest"] is None
        await same_as_unknown(ada, GUEST_Q, other, n=other)
        await same_as_unknown(ada, EXPORT, other, n=other)
        await same_as_unknown(
            ada, SET_PREFERENCE, other, i={"category": "FLOOR", "values": ["HIGH"]}
        )
    assert forbidden(await ada.body(SEARCH, q="Kahn"))
    assert forbidden(await ada.body(ARRIVALS, p="LONKX", d="2026-03-02"))
    assert forbidden(
        await ada.body(RECORD, i=stay_input(s.bob, arrival=dt.date(2026, 2, 3), nights=1))
    )


async def test_a_guest_may_not_speak_as_staff(scene: tuple[httpx.AsyncClient, Scenario]) -> None:
    _, s = scene
    ada = caller(scene, GUEST)
    as_staff = {
        "memberNumber": s.ada,
        "category": "FLOOR",
        "values": ["LOW"],
        "source": "STAFF",
        "propertyCode": "NYCTS",
    }

    assert forbidden(await ada.body(SET_PREFERENCE, i=as_staff))


async def test_a_partner_never_reads_preferences_notes_or_contact(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    admin, partner = caller(scene, ADMIN), caller(scene, PARTNER)
    await admin.body(
        CONSENT, i={"memberNumber": s.cy, "purpose": "PERSONALISED_SERVICE", "granted": True}
    )
    await admin.body(
        SET_PREFERENCE, i={"memberNumber": s.cy, "category": "ALLERGIES", "values": ["peanuts"]}
    )

    known = await partner.body(
        "query($n: String!) { guest(memberNumber: $n) { firstName tier { code } "
        "points { balance } } }",
        n=s.cy,
    )
    assert known["data"]["guest"]["tier"] == {"code": "MEMBER"}
    for field in (
        "preferences { value }",
        "staffNotes { edges { node { text } } }",
        "email",
        "consents { purpose }",
        "specialDates { kind }",
        "ledger { edges { cursor } }",
    ):
        body = await partner.body(
            f"query($n: String!) {{ guest(memberNumber: $n) {{ {field} }} }}", n=s.cy
        )
        assert forbidden(body), field
        assert "peanuts" not in repr(body)
    assert (await partner.body(GUEST_Q, n=s.ada))["data"]["guest"] is None
    await same_as_unknown(partner, GUEST_Q, s.ada, n=s.ada)
    assert forbidden(await partner.body(SEARCH, q="Young"))


async def test_a_partner_sees_a_member_only_around_a_booking_it_made(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    partner = caller(scene, PARTNER)
    assert (await partner.body(GUEST_Q, n=s.ada))["data"]["guest"] is None

    booking = stay_input(
        s.ada, arrival=dt.date(2026, 3, 10), nights=2, status="BOOKED", confirmation="SITE-1"
    )
    booked = await partner.body(RECORD, i=booking)

    assert booked["data"]["recordStay"]["guest"]["memberNumber"] == s.ada
    assert (await partner.body(GUEST_Q, n=s.ada))["data"]["guest"]["firstName"] == "Ada"
    cancel = {
        "idempotencyKey": "site-cancel-1",
        "propertyCode": "NYCTS",
        "confirmationNumber": "SITE-1",
    }
    cancelled = await partner.body(
        "mutation($i: CancelStayInput!) { cancelStay(input: $i) { userErrors { code } } }",
        i=cancel,
    )
    assert cancelled["data"]["cancelStay"]["userErrors"] == []
    assert (await partner.body(GUEST_Q, n=s.ada))["data"]["guest"] is None


async def test_a_front_desk_cannot_read_a_guest_who_never_stayed_there(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    desk = caller(scene, DESK)  # NYCTS; Bob only stayed at LONKX

    assert (await desk.body(GUEST_Q, n=s.ada))["data"]["guest"]["firstName"] == "Ada"
    assert (await desk.body(GUEST_Q, n=s.bob))["data"]["guest"] is None
    await same_as_unknown(desk, GUEST_Q, s.bob, n=s.bob)
    await same_as_unknown(desk, SET_PREFERENCE, s.bob, i={"category": "FLOOR", "values": ["LOW"]})
    await same_as_unknown(
        desk, NOTE, s.bob, i={"propertyCode": "NYCTS", "author": "Sam", "text": "Hello"}
    )
    assert (await desk.body(SEARCH, q="Kahn"))["data"]["searchGuests"]["edges"] == []
    assert (await desk.body(SEARCH, q="Lovelace"))["data"]["searchGuests"]["edges"] == [
        {"node": {"memberNumber": s.ada}}
    ]
    assert forbidden(await desk.body(ARRIVALS, p="LONKX", d="2026-03-02"))
    assert forbidden(await desk.body(EXPORT, n=s.ada))
    foreign_stay = stay_input(s.bob, arrival=dt.date(2026, 2, 3), nights=1, property_code="LONKX")
    assert forbidden(await desk.body(RECORD, i=foreign_stay))


async def test_a_front_desk_sees_a_guest_once_booked_at_its_hotel(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    desk = caller(scene, DESK)

    booked = stay_input(s.bob, arrival=dt.date(2026, 3, 2), nights=2, status="BOOKED")
    await desk.body(RECORD, i=booked)

    assert (await desk.body(GUEST_Q, n=s.bob))["data"]["guest"]["firstName"] == "Bob"
    arriving = await desk.body(ARRIVALS, p="NYCTS", d="2026-03-02")
    assert {"node": {"memberNumber": s.bob}} in arriving["data"]["arrivals"]["edges"]


async def test_sensitive_preferences_reach_only_the_desk_and_the_guest_and_only_with_consent(
    scene: tuple[httpx.AsyncClient, Scenario],
) -> None:
    _, s = scene
    admin, desk, ada = caller(scene, ADMIN), caller(scene, DESK), caller(scene, GUEST)
    consent = {"memberNumber": s.ada, "purpose": "PERSONALISED_SERVICE", "granted": True}
    await ada.body(CONSENT, i=consent)
    stated = await ada.body(
        SET_PREFERENCE, i={"memberNumber": s.ada, "category": "ALLERGIES", "values": ["shellfish"]}
    )
    assert stated["data"]["setPreference"]["userErrors"] == []

    for reader in (admin, desk, ada):
        preferences = (await reader.body(PROFILE, n=s.ada))["data"]["guest"]["preferences"]
        assert {"category": "ALLERGIES", "value": "shellfish", "sensitive": True} in preferences
    for other in (caller(scene, PARTNER), caller(scene, "analyst")):
        assert "shellfish" not in repr(await other.body(PROFILE, n=s.ada))

    await ada.body(CONSENT, i={**consent, "granted": False})

    for reader in (admin, desk, ada):
        assert "shellfish" not in repr(await reader.body(PROFILE, n=s.ada))
