"""The API's edges: refusals, limits, masking, pagination."""

from __future__ import annotations

import datetime as dt
import gc
import logging

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from staytier.api.http.app import create_app, heap_settled
from staytier.clock import SystemClock
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.models import Member
from tests.support import GraphQLClient, counting_statements, enroll, make_app, record

SET_CLOCK = """
mutation($now: DateTime!) {
  setTestClock(input: {now: $now}) { clock { now } userErrors { code message } }
}
"""


async def test_set_test_clock_is_refused_without_a_test_clock(runtime: Runtime) -> None:
    live = Runtime(db=runtime.db, clock=SystemClock(), program=runtime.program, rates=runtime.rates)
    client = GraphQLClient(make_app(live))
    data = await client(SET_CLOCK, now="2030-01-01T00:00:00+00:00")
    await client.aclose()
    assert data["setTestClock"]["clock"] is None
    assert [e["code"] for e in data["setTestClock"]["userErrors"]] == ["TEST_CLOCK_DISABLED"]
    assert live.clock.now().year < 2030


async def test_the_clock_query_tells_a_test_clock_apart(client: GraphQLClient) -> None:
    data = await client("{ clock { now isTestClock } }")
    assert data["clock"] == {"now": "2026-03-02T15:00:00+00:00", "isTestClock": True}


async def test_a_ledger_is_paged_with_opaque_cursors(client: GraphQLClient) -> None:
    number = await enroll(client)
    for month in (1, 2, 3):
        await record(client, member_number=number, arrival=dt.date(2025, month, 1), nights=1)
    page = """query($n: String!, $after: String) { guest(memberNumber: $n) {
        ledger(first: 2, after: $after) {
          edges { node { points description } } pageInfo { hasNextPage endCursor } } } }"""
    first = (await client(page, n=number, after=None))["guest"]["ledger"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    second = (await client(page, n=number, after=first["pageInfo"]["endCursor"]))["guest"]["ledger"]
    assert len(second["edges"]) == 1 and second["pageInfo"]["hasNextPage"] is False
    assert "Jan 2025" in second["edges"][0]["node"]["description"]


async def test_a_cursor_from_another_list_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 1), nights=1)
    stays = await client(
        "query($n: String!) { guest(memberNumber: $n) { stays(first: 1) "
        "{ pageInfo { endCursor } } } }",
        n=number,
    )
    cursor = stays["guest"]["stays"]["pageInfo"]["endCursor"]
    body = await client.raw(
        "query($n: String!, $c: String) { guest(memberNumber: $n) "
        "{ ledger(after: $c) { edges { cursor } } } }",
        n=number,
        c=cursor,
    )
    assert "does not belong to this list" in body["errors"][0]["message"]


async def test_pages_larger_than_100_are_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    body = await client.raw(
        "query($n: String!) { guest(memberNumber: $n) { ledger(first: 101) "
        "{ edges { cursor } } } }",
        n=number,
    )
    assert "first must be between 1 and 100" in body["errors"][0]["message"]


async def test_an_unknown_member_reads_as_null(client: GraphQLClient) -> None:
    assert (await client('{ guest(memberNumber: "0000000000") { firstName } }')) == {"guest": None}


async def test_too_many_aliases_are_refused_before_anything_runs(client: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: clock {{ now }}" for i in range(31))
    body = await client.raw(f"{{ {aliases} }}")
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_an_oversized_document_is_refused(client: GraphQLClient) -> None:
    fields = " ".join("now" for _ in range(2_100))
    body = await client.raw(f"{{ clock {{ {fields} }} }}")
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_introspection_is_off_in_production(runtime: Runtime) -> None:
    client = GraphQLClient(make_app(runtime, development=False))
    body = await client.raw("{ __schema { types { name } } }")
    await client.aclose()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_mutations_over_get_are_refused(client: GraphQLClient) -> None:
    # A GET can be sent by a link or an image tag; it must never change anything.
    enrol = (
        'mutation { enrollGuest(input: {firstName: "Via", lastName: "Get", '
        'email: "via.get@example.com"}) { guest { memberNumber } } }'
    )
    response = await client.http.get("/graphql", params={"query": enrol})
    assert response.status_code in (400, 405), response.text
    await client(enrol)  # the same mutation, posted: one guest, not two
    found = await client(
        'query { searchGuests(query: "via.get@example.com") { edges { node { lastName } } } }'
    )
    assert found["searchGuests"]["edges"] == [{"node": {"lastName": "Get"}}]


async def test_unexpected_failures_are_masked_and_logged_with_a_request_id(
    client: GraphQLClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    number = await enroll(client)
    async with runtime.db.transaction() as session:  # a broken database, for real
        await session.execute(text("ALTER TABLE ledger_entries RENAME TO ledger_entries_gone"))
    with caplog.at_level(logging.ERROR, logger="staytier.graphql"):
        body = await client.raw(
            "query($n: String!) { guest(memberNumber: $n) { ledger { edges { cursor } } } }",
            n=number,
        )
    (error,) = body["errors"]
    assert error["message"] == "Unexpected error."
    assert "ledger_entries" not in str(body)
    request_id = error["extensions"]["requestId"]
    assert any(request_id in record.getMessage() for record in caplog.records)
    unexpected = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(unexpected) == 1  # logged once, by us, not again by the GraphQL library


async def test_every_response_carries_a_request_id(client: GraphQLClient) -> None:
    given = await client.http.post(
        "/graphql", json={"query": "{ clock { now } }"}, headers={"X-Request-Id": "desk-42"}
    )
    fresh = await client.http.post("/graphql", json={"query": "{ clock { now } }"})
    assert given.headers["x-request-id"] == "desk-42"
    assert len(fresh.headers["x-request-id"]) == 32


PROFILE = """query($n: String!) { guest(memberNumber: $n) {
  tier { code } tierProgress { qualifyingNights } points { balance }
  ledger(first: 20) { edges { node { points } } } } }"""


async def test_a_guest_profile_read_takes_three_statements_after_sign_in(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 5), nights=2)
    async with runtime.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert member_id is not None
    itself = await client.acting_as("guest", member_id=member_id)

    # The member looked up with the reader's visibility in one statement, the status
    # periods with the year's totals in another, then the ledger page. The test app's
    # admin sends no key; a guest's token costs one more, the check that the member was
    # not erased since.
    with counting_statements(runtime.db) as by_admin:
        as_admin = await client(PROFILE, n=number)
    with counting_statements(runtime.db) as by_the_guest:
        as_guest = await itself(PROFILE, n=number)
    await itself.aclose()

    assert as_admin == as_guest and as_admin["guest"]["points"]["balance"] > 0
    assert len(by_admin) == 3, by_admin
    assert len(by_the_guest) == 1 + 3, by_the_guest
    assert as_admin["guest"]["tierProgress"] == {"qualifyingNights": 2}


async def test_a_guest_without_status_or_stays_reads_the_base_tier_and_no_progress(
    client: GraphQLClient,
) -> None:
    # No status period to join the year's (empty) totals to: one row of zeros still comes.
    shown = (await client(PROFILE, n=await enroll(client)))["guest"]
    assert shown["tier"] == {"code": "MEMBER"} and shown["points"] == {"balance": 0}
    assert shown["tierProgress"] == {"qualifyingNights": 0}


async def test_a_serving_app_freezes_its_start_up_heap_once_started(runtime: Runtime) -> None:
    # What lives as long as the process is kept out of the collector's full passes, and new
    # objects are collected at the threshold the settings give; an app built without
    # serving=True (tests, tools) leaves the collector alone.
    settings = Settings(database_url=runtime.db.url, test_clock=True, gc_threshold=12_345)
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    try:
        async with AsyncTestClient(create_app(settings, runtime)) as http:
            assert (await http.get("/health")).status_code == 200
            assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
        async with AsyncTestClient(create_app(settings, runtime, serving=True)) as http:
            assert (await http.get("/health")).status_code == 200
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold() == (12_345, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_a_command_settles_the_heap_for_its_length_only() -> None:
    # staytier import-stays: a batch's rows collected less often while it runs; the
    # collector as it was afterwards (a test process, or a shell, goes on as before).
    thresholds = gc.get_threshold()
    with heap_settled(4_321):
        assert gc.get_threshold() == (4_321, *thresholds[1:]) and gc.get_freeze_count() > 0
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
