"""The audit log: every change to points, tier, profile and clients, with who made it and
through which client and request; read by admins only, changed by nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from staytier.domain.access import Role
from staytier.services.expiry import expire_points
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.support import GraphQLClient, enroll, make_app, record, set_clock, stay_input

LOG = """query($n: String, $s: String) { auditLog(memberNumber: $n, subject: $s, first: 100) {
  edges { node { actorRole actor clientId requestId subject action subjectKey memberNumber
                 before after } } } }"""
RECORD = """mutation($i: RecordStayInput!) { recordStay(input: $i) { userErrors { code } } }"""
CONSENT = """mutation($i: SetConsentInput!) { setConsent(input: $i) { userErrors { code } } }"""
PREFERENCE = """mutation($i: SetPreferenceInput!) { setPreference(input: $i) {
  userErrors { code } } }"""


async def log(client: GraphQLClient, **filters: Any) -> list[dict[str, Any]]:
    data = await client(LOG, n=filters.get("member"), s=filters.get("subject"))
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def test_a_stay_credited_by_a_front_desk_is_logged_with_its_client_and_request(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    desk = await client.acting_as(Role.FRONT_DESK, properties=["NYCTS"])
    fields = stay_input(number, arrival=dt.date(2026, 2, 1), nights=12, room="300")
    response = await desk.http.post(
        "/graphql",
        json={"query": RECORD, "variables": {"i": fields}},
        headers={"X-Request-Id": "pms-4711"},
    )
    assert response.json()["data"]["recordStay"]["userErrors"] == []

    entries = await log(client, member=number)

    earn = next(e for e in entries if e["subject"] == "points" and e["action"] == "EARN")
    assert earn["actorRole"] == "front_desk" and earn["actor"] == "test front_desk"
    assert earn["clientId"].startswith("client:") and earn["requestId"] == "pms-4711"
    assert earn["memberNumber"] == number and earn["before"] == {"balance": 0}
    assert earn["after"] == {"balance": 3_000, "points": 3_000}
    tier = next(e for e in entries if e["subject"] == "tier")
    assert (tier["action"], tier["before"]["tier"], tier["after"]["tier"]) == (
        "QUALIFIED",
        "MEMBER",
        "SILVER",
    )
    await desk.aclose()


async def test_consent_and_preferences_are_logged_but_sensitive_values_are_not(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 2, 1), nights=1)
    await client(
        CONSENT, i={"memberNumber": number, "purpose": "PERSONALISED_SERVICE", "granted": True}
    )
    await client(PREFERENCE, i={"memberNumber": number, "category": "FLOOR", "values": ["HIGH"]})
    await client(
        PREFERENCE, i={"memberNumber": number, "category": "ALLERGIES", "values": ["peanuts"]}
    )

    entries = await log(client, member=number)

    subjects = {(e["subject"], e["action"]) for e in entries}
    assert {
        ("consent", "PERSONALISED_SERVICE"),
        ("preference", "FLOOR"),
        ("preference", "ALLERGIES"),
    } <= subjects
    floor = next(e for e in entries if e["action"] == "FLOOR")
    assert floor["after"] == {"values": ["HIGH"]}
    allergies = next(e for e in entries if e["action"] == "ALLERGIES")
    assert allergies["after"] == {"count": 1, "sensitive": True}
    assert "peanuts" not in repr(entries)


async def test_set_based_jobs_are_logged(runtime: Runtime, client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 2, 1), nights=1)
    set_clock(runtime, dt.date(2027, 1, 1))
    await requalify(runtime, 2026)
    set_clock(runtime, dt.date(2028, 3, 1))
    await expire_points(runtime, dt.date(2028, 3, 1))

    expired = [e for e in await log(client, member=number) if e["action"] == "EXPIRE"]
    year_end = await log(client, subject="tier")

    assert expired == [
        {
            **expired[0],
            "actorRole": "system",
            "before": {"balance": 1_000},
            "after": {"balance": 0, "points": -1_000},
        }
    ]
    assert any(
        e["action"] == "YEAR_END_REQUALIFICATION" and e["subjectKey"] == "2026" for e in year_end
    )


async def test_only_an_admin_reads_the_log_and_nothing_changes_it(runtime: Runtime) -> None:
    app = make_app(runtime, strict=True)
    admin = GraphQLClient(make_app(runtime))
    schema = await admin("{ __schema { mutationType { fields { name } } } }")
    names = [field["name"] for field in schema["__schema"]["mutationType"]["fields"]]
    assert not [name for name in names if "audit" in name.lower()]
    scopes: list[tuple[Role, dict[str, Any]]] = [
        (Role.FRONT_DESK, {"properties": ["NYCTS"]}),
        (Role.BOOKING_PARTNER, {"partner": "SITE"}),
        (Role.ANALYST, {}),
    ]
    for role, scope in scopes:
        other = await GraphQLClient(app).acting_as(role, **scope)
        body = await other.raw(LOG, n=None, s=None)
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        await other.aclose()
    await admin.aclose()


async def test_a_guest_data_export_is_logged_with_who_took_it(client: GraphQLClient) -> None:
    number = await enroll(client)
    assert not [e for e in await log(client, member=number) if e["action"] == "EXPORTED"]
    async with client.runtime.db.reading() as session:
        guest_id = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert guest_id is not None
    guest = await client.acting_as(Role.GUEST, member_id=guest_id)

    exported = await guest("query($n: String!) { exportGuestData(memberNumber: $n) }", n=number)

    assert exported["exportGuestData"]["member"]["member_number"] == number
    [entry] = [e for e in await log(client, member=number) if e["action"] == "EXPORTED"]
    assert (entry["subject"], entry["subjectKey"], entry["actorRole"]) == (
        "member",
        number,
        "guest",
    )
    await guest.aclose()
