"""The busy lists cost the same statements for a page of 5 as for a page of 30: a guest's
ledger, stays, partner requests and complaints, the brand's complaints and the audit log.
(Arrivals and guest search have their own counts in their test modules.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from staytier.services import outbox
from staytier.services.runtime import Runtime
from tests.engagement_support import LOG, log_input
from tests.support import GraphQLClient, counting_statements, enroll, member_id, record

ROWS = 31  # one more than the larger page, so both pages have a next one

LEDGER = """
query($n: String!, $first: Int) { guest(memberNumber: $n) {
  list: ledger(first: $first) {
    edges { cursor node { kind points balanceAfter occurredAt description } }
    pageInfo { hasNextPage endCursor }
  } } }
"""
STAYS = """
query($n: String!, $first: Int) { guest(memberNumber: $n) {
  list: stays(first: $first) {
    edges { cursor node { confirmationNumber propertyCode propertyName arrivalDate nights status } }
    pageInfo { hasNextPage endCursor }
  } } }
"""
PARTNER_REQUESTS = """
query($n: String!, $first: Int) { guest(memberNumber: $n) {
  list: partnerRequests(first: $first) {
    edges { cursor node { requestNumber partner operation subject state outcomeReason } }
    pageInfo { hasNextPage endCursor }
  } } }
"""
GUEST_COMPLAINTS = """
query($n: String!, $first: Int) { guest(memberNumber: $n) {
  list: complaints(first: $first) {
    edges { cursor node { number propertyCode confirmationNumber memberNumber category open } }
    pageInfo { hasNextPage endCursor }
  } } }
"""
COMPLAINTS = """
query($first: Int) { list: complaints(first: $first) {
  edges { cursor node { number propertyCode confirmationNumber memberNumber category open } }
  pageInfo { hasNextPage endCursor }
} }
"""
AUDIT_LOG = """
query($n: String!, $first: Int) { list: auditLog(memberNumber: $n, first: $first) {
  edges { cursor node { occurredAt actor subject action memberNumber subjectKey before after } }
  pageInfo { hasNextPage endCursor }
} }
"""


async def a_busy_guest(client: GraphQLClient, runtime: Runtime) -> str:
    """A member with 31 completed stays (so as many ledger entries and audit entries at
    least), a complaint about each stay, and 31 requests to a partner."""
    number = await enroll(client, "Grace", "Hopper")
    for n in range(ROWS):
        arrival = dt.date(2026, 1, 30) + dt.timedelta(days=n)
        done = await record(
            client, member_number=number, arrival=arrival, nights=1, confirmation=f"BUSY-{n}"
        )
        assert done["userErrors"] == []
        logged = (await client(LOG, input=log_input(f"BUSY-{n}")))["logComplaint"]
        assert logged["userErrors"] == []
    member = await member_id(runtime, number)
    async with runtime.db.transaction() as session:
        for n in range(ROWS):
            await outbox.enqueue(
                session,
                runtime.connectors,
                partner="PMS",
                operation="pms.room_guarantee",
                payload={
                    "guarantee_id": n,
                    "member_number": number,
                    "property_code": "NYCTS",
                    "arrival_date": "2026-03-10",
                    "departure_date": "2026-03-12",
                    "guest_name": "Grace Hopper",
                },
                idempotency_key=f"guarantee:{n}",
                member_id=member,
                subject=f"guarantee:{n}",
            )
    return number


@pytest.mark.parametrize(
    "document",
    [LEDGER, STAYS, PARTNER_REQUESTS, GUEST_COMPLAINTS, COMPLAINTS, AUDIT_LOG],
    ids=["ledger", "stays", "partnerRequests", "guest.complaints", "complaints", "auditLog"],
)
async def test_a_page_of_30_costs_the_statements_of_a_page_of_5(
    client: GraphQLClient, runtime: Runtime, document: str
) -> None:
    number = await a_busy_guest(client, runtime)

    pages: dict[int, dict[str, Any]] = {}
    counts: dict[int, list[str]] = {}
    for size in (5, 30):
        with counting_statements(runtime.db) as statements:
            data = await client(document, n=number, first=size)
        pages[size], counts[size] = data.get("guest", data)["list"], statements

    for size, page in pages.items():
        assert len(page["edges"]) == size and page["pageInfo"]["hasNextPage"] is True
    assert len(counts[30]) == len(counts[5]), (counts[5], counts[30])
    # The guest's lookup and visibility, and the page; a list with rows of another table
    # (the audit log's member numbers) one more.
    assert len(counts[30]) <= 4, counts[30]
