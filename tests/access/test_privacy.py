"""A guest's data: exported whole, erased for good, the program's totals intact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from staytier.program.loader import FIXTURES
from staytier.services.demo import load_demo
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member
from tests.support import ENROLL, GraphQLClient, record

SET_PREFERENCE = """mutation($i: SetPreferenceInput!) {
  setPreference(input: $i) { userErrors { code message } } }"""
SET_CONSENT = """mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }"""
SET_DATE = """mutation($i: SetSpecialDateInput!) {
  setSpecialDate(input: $i) { userErrors { code } } }"""
NOTE = """mutation($i: AddStaffNoteInput!) { addStaffNote(input: $i) { userErrors { code } } }"""
EXPORT = "query($n: String!) { exportGuestData(memberNumber: $n) }"
ERASE = """mutation($n: String!) {
  eraseGuest(input: {memberNumber: $n, reason: "asked by the guest on 2 March"}) {
    erasedAt userErrors { code field message } } }"""
SEARCH = """query($q: String!) { searchGuests(query: $q) { edges { node { memberNumber } } } }"""


async def a_guest_with_a_profile(client: GraphQLClient) -> str:
    data = await client(
        ENROLL,
        input={
            "firstName": "Zoë",
            "lastName": "Quist",
            "email": "zoe@example.com",
            "phone": "+1 212 555 0100",
        },
    )
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    await record(client, member_number=number, arrival=dt.date(2026, 2, 1), nights=3)
    await client(
        SET_CONSENT, i={"memberNumber": number, "purpose": "PERSONALISED_SERVICE", "granted": True}
    )
    for category, values in (("FLOOR", ["HIGH"]), ("ALLERGIES", ["peanuts"])):
        answer = await client(
            SET_PREFERENCE, i={"memberNumber": number, "category": category, "values": values}
        )
        assert answer["setPreference"]["userErrors"] == []
    await client(SET_DATE, i={"memberNumber": number, "kind": "BIRTHDAY", "date": "1990-05-04"})
    await client(
        NOTE,
        i={
            "memberNumber": number,
            "propertyCode": "NYCTS",
            "author": "Sam",
            "text": "Prefers a quiet room.",
        },
    )
    return number


async def test_an_export_holds_everything_kept_on_the_member(client: GraphQLClient) -> None:
    number = await a_guest_with_a_profile(client)

    document: dict[str, Any] = (await client(EXPORT, n=number))["exportGuestData"]

    assert document["member"]["email"] == "zoe@example.com"
    assert {p["value"] for p in document["preferences"]} == {"HIGH", "peanuts"}
    assert [n["text"] for n in document["staff_notes"]] == ["Prefers a quiet room."]
    assert [d["kind"] for d in document["special_dates"]] == ["BIRTHDAY"]
    assert [c["purpose"] for c in document["consent_records"]] == ["PERSONALISED_SERVICE"]
    assert len(document["stays"]) == 1 and len(document["stay_revisions"]) == 1
    assert (
        sum(e["points"] for e in document["ledger_entries"]) == document["member"]["points_balance"]
    )
    assert "sign_in_codes" not in document


async def test_an_erased_guest_cannot_be_found_and_keeps_no_profile(
    client: GraphQLClient,
) -> None:
    number = await a_guest_with_a_profile(client)

    erased = (await client(ERASE, n=number))["eraseGuest"]

    assert erased["userErrors"] == [] and erased["erasedAt"]
    assert (
        await client("query($n: String!) { guest(memberNumber: $n) { memberNumber } }", n=number)
    )["guest"] is None
    assert (await client(EXPORT, n=number))["exportGuestData"] is None
    for query in ("Quist", "zoe@example.com", "+1 212 555 0100", number):
        assert (await client(SEARCH, q=query))["searchGuests"]["edges"] == [], query
    again = (await client(ERASE, n=number))["eraseGuest"]
    assert [e["code"] for e in again["userErrors"]] == ["MEMBER_NOT_FOUND"]


async def test_erasure_leaves_no_personal_value_in_the_tables(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await a_guest_with_a_profile(client)
    async with runtime.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert member_id is not None
    await client(ERASE, n=number)

    from staytier.services.privacy import export_guest_data

    everything = repr(await export_guest_data(runtime, member_id))
    audit = await client(
        "{ auditLog(first: 100) { edges { node { subjectKey before after memberNumber } } } }"
    )
    kept = everything + repr(audit)
    for personal in (
        "Zoë",
        "Quist",
        "zoe@example",
        "212 555 0100",
        "2125550100",  # the phone, as written and as searched
        "peanuts",
        "HIGH",
        "quiet room",
        "1990-05-04",
        number,
    ):
        assert personal not in kept, personal


async def test_after_erasure_the_whole_program_still_reconciles(
    client: GraphQLClient, runtime: Runtime
) -> None:
    await load_demo(runtime, FIXTURES / "demo")
    number = await a_guest_with_a_profile(client)
    await record(client, member_number=number, arrival=dt.date(2026, 2, 10), nights=2)
    before = await totals(runtime)

    await client(ERASE, n=number)
    await client(ERASE, n="1000000016")  # a demo member with many stays and points

    after = await totals(runtime)
    balances, ledger, _ = after
    assert balances == ledger  # sum of all balances = sum of all ledger entries
    assert after == before  # nothing posted, nothing lost: entries stay, anonymous


async def totals(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.db.reading() as session:
        balances = await session.scalar(select(func.sum(Member.points_balance)))
        ledger = await session.scalar(select(func.sum(LedgerEntry.points)))
        entries = await session.scalar(select(func.count(LedgerEntry.id)))
    return int(balances or 0), int(ledger or 0), int(entries or 0)
