"""Service recovery through the API: logComplaint against a stay by the property's own
staff, resolveComplaint with goodwill within the role's allowance, the property's
complaints list, the category on the guest's next arrival, and the complaint's text in the
export and gone after erasure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import Complaint
from tests.desk import arrivals, book, nodes
from tests.engagement_support import LOG, RESOLVE, log, log_input, resolve_input, stayed
from tests.support import GraphQLClient, member_id

D = dt.date
COMPLAINTS = """
query Complaints($code: String, $open: Boolean, $first: Int, $after: String) {
  complaints(propertyCode: $code, open: $open, first: $first, after: $after) {
    edges { node { number category severity open description minutesToResolve } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
EXPORT = """
query Export($number: String!) { exportGuestData(memberNumber: $number) }
"""
ERASE = """
mutation Erase($input: EraseGuestInput!) { eraseGuest(input: $input) { userErrors { code } } }
"""


async def test_a_front_desk_logs_a_complaint_and_resolves_it_with_goodwill(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await stayed(client)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    logged = await log(desk)
    assert logged["userErrors"] == []
    complaint = logged["complaint"]
    assert complaint["memberNumber"] == number and complaint["open"] is True
    assert (complaint["owner"], complaint["severity"]) == ("duty.manager@nycts", "HIGH")
    assert complaint["minutesToResolve"] is None

    runtime.clock.set(runtime.now() + dt.timedelta(minutes=95))  # type: ignore[attr-defined]
    resolved = (
        await desk(RESOLVE, input=resolve_input(complaint["number"], goodwillPoints=2_500))
    )["resolveComplaint"]

    assert resolved["userErrors"] == []
    assert resolved["complaint"]["open"] is False
    assert resolved["complaint"]["minutesToResolve"] == 95
    assert resolved["complaint"]["goodwillPoints"] == 2_500
    assert (
        resolved["guest"]["points"]["balance"] == 1_000 + 2_500
    )  # 100 USD of room revenue, then goodwill
    listed = (await desk(COMPLAINTS, code="NYCTS", open=False))["complaints"]
    assert [n["number"] for n in map(lambda e: e["node"], listed["edges"])] == [complaint["number"]]
    assert (await desk(COMPLAINTS, code="NYCTS", open=True))["complaints"]["edges"] == []
    await desk.aclose()


async def test_goodwill_above_the_front_desk_allowance_is_refused_and_nothing_changes(
    client: GraphQLClient,
) -> None:
    await stayed(client)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    number = (await log(desk))["complaint"]["number"]

    # The reason allows 10,000 and an admin 10,000; the front desk's allowance is 5,000.
    too_much = (await desk(RESOLVE, input=resolve_input(number, goodwillPoints=5_001)))[
        "resolveComplaint"
    ]
    unknown = (
        await desk(
            RESOLVE, input=resolve_input(number, goodwillPoints=10, goodwillReasonCode="BORED")
        )
    )["resolveComplaint"]
    blank = (await desk(RESOLVE, input=resolve_input(number, resolution=" ", goodwillPoints=-1)))[
        "resolveComplaint"
    ]
    by_admin = (await client(RESOLVE, input=resolve_input(number, goodwillPoints=5_001)))[
        "resolveComplaint"
    ]

    assert [(e["code"], e["field"]) for e in too_much["userErrors"]] == [
        ("GOODWILL_LIMIT_EXCEEDED", "goodwillPoints")
    ]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_REASON_CODE", "goodwillReasonCode")
    ]
    assert [(e["code"], e["field"]) for e in blank["userErrors"]] == [
        ("INVALID_INPUT", "resolution"),
        ("INVALID_AMOUNT", "goodwillPoints"),
    ]
    # Refused three times, nothing written; then an admin's larger allowance resolves it.
    assert by_admin["userErrors"] == [] and by_admin["complaint"]["goodwillPoints"] == 5_001
    again = (await client(RESOLVE, input=resolve_input(number)))["resolveComplaint"]
    assert [e["code"] for e in again["userErrors"]] == ["COMPLAINT_ALREADY_RESOLVED"]
    await desk.aclose()


async def test_a_resolution_retried_with_its_key_credits_goodwill_once(
    client: GraphQLClient,
) -> None:
    await stayed(client)
    number = (await log(client))["complaint"]["number"]
    request = resolve_input(number, goodwillPoints=1_000)

    first = (await client(RESOLVE, input=request))["resolveComplaint"]
    retried = (await client(RESOLVE, input=request))["resolveComplaint"]

    assert first["userErrors"] == [] and retried["userErrors"] == []
    assert retried["guest"]["points"]["balance"] == first["guest"]["points"]["balance"]
    # The retry answers the resolved complaint as the first request did.
    assert retried["complaint"] == first["complaint"] and first["complaint"]["open"] is False


async def test_a_complaint_logged_again_with_its_key_is_the_same_complaint(
    client: GraphQLClient, runtime: Runtime
) -> None:
    await stayed(client)
    request = log_input("NOISY-1")

    first = (await client(LOG, input=request))["logComplaint"]
    retried = (await client(LOG, input=request))["logComplaint"]

    assert first["userErrors"] == [] and retried == first
    async with runtime.db.reading() as session:
        logged = list(await session.scalars(select(Complaint.id)))
    assert logged == [first["complaint"]["number"]]


async def test_another_propertys_desk_cannot_log_or_see_or_resolve_the_complaint(
    client: GraphQLClient, runtime: Runtime
) -> None:
    await stayed(client)
    paris = await client.acting_as("front_desk", properties=["PAROP"])

    foreign = await log(paris)
    unknown = await log(client, confirmation="NO-SUCH")
    number = (await log(client))["complaint"]["number"]
    resolving = (await paris(RESOLVE, input=resolve_input(number)))["resolveComplaint"]
    listed = (await paris(COMPLAINTS))["complaints"]
    forbidden = await paris.raw(COMPLAINTS, code="NYCTS")

    assert [(e["code"], e["field"]) for e in foreign["userErrors"]] == [
        ("STAY_NOT_FOUND", "confirmationNumber")
    ]
    # The same answer as for a stay that does not exist.
    assert foreign["userErrors"][0]["message"] == unknown["userErrors"][0]["message"].replace(
        "NO-SUCH", "NOISY-1"
    )
    assert [e["code"] for e in resolving["userErrors"]] == ["COMPLAINT_NOT_FOUND"]
    assert listed["edges"] == []
    assert forbidden["errors"][0]["message"] == "Not allowed."
    for role in ("analyst", "booking_partner"):
        other = await client.acting_as(role, partner="DEMOBOOK" if role != "analyst" else None)
        assert (await other.raw(LOG, input=log_input("NOISY-1")))["errors"][0][
            "message"
        ] == "Not allowed."
        await other.aclose()
    async with runtime.db.reading() as session:
        assert len(list(await session.scalars(select(Complaint)))) == 1
    await paris.aclose()


async def test_bad_complaints_are_refused_field_by_field(client: GraphQLClient) -> None:
    await stayed(client)

    refused = await log(client, category="WEATHER", description=" ", author="x" * 101)

    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("UNKNOWN_COMPLAINT_CATEGORY", "category"),
        ("INVALID_INPUT", "description"),
        ("INVALID_INPUT", "author"),
    ]
    assert (await client(COMPLAINTS))["complaints"]["edges"] == []


async def test_an_open_complaint_shows_on_the_next_arrival_and_a_resolved_one_for_30_days(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await stayed(client)
    complaint = (await log(client))["complaint"]["number"]
    # Booked at Paris: a complaint from New York still shows there, by category only.
    await book(client, number, arrival=D(2026, 3, 5), property_code="PAROP")
    await book(client, number, arrival=D(2026, 4, 20), property_code="PAROP", confirmation="L1")
    await book(client, number, arrival=D(2026, 4, 21), property_code="PAROP", confirmation="L2")
    query = """
    query A($code: String!, $date: Date!) {
      arrivals(propertyCode: $code, date: $date) { edges { node { complaints { category open } } } }
    }"""

    async def shown(day: dt.date) -> list[dict[str, Any]]:
        page = (await client(query, code="PAROP", date=day.isoformat()))["arrivals"]
        return [c for node in nodes(page) for c in node["complaints"]]

    assert await shown(D(2026, 3, 5)) == [{"category": "NOISE", "open": True}]
    with freeze_time("2026-03-21 23:30:00"):
        runtime.clock.set(dt.datetime(2026, 3, 21, 23, 30, tzinfo=dt.UTC))  # type: ignore[attr-defined]
        resolved = (await client(RESOLVE, input=resolve_input(complaint)))["resolveComplaint"]
        assert resolved["userErrors"] == []
    # Resolved on 21 March: shown through 20 April (30 days), not on 21 April.
    assert await shown(D(2026, 4, 20)) == [{"category": "NOISE", "open": False}]
    assert await shown(D(2026, 4, 21)) == []
    assert "description" not in str(await arrivals(client, "PAROP", date="2026-03-05"))


async def test_complaint_text_is_exported_and_erased(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await stayed(client)
    await log(client)
    itself = await client.acting_as("guest", member_id=await member_id(runtime, number))

    exported = (await itself(EXPORT, number=number))["exportGuestData"]
    erased = (await client(ERASE, input={"memberNumber": number, "reason": "guest request 7"}))[
        "eraseGuest"
    ]

    assert "Construction noise" in str(exported["complaints"])
    assert erased["userErrors"] == []
    async with runtime.db.reading() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None and (row.description, row.category) == ("", "NOISE")
    await itself.aclose()
