"""A front desk's arrivals, shared by the tests that read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support import GraphQLClient, record

TONIGHT = dt.date(2026, 3, 5)  # the test clock stands on 2 March 2026

ARRIVALS = """
query Arrivals($code: String!, $date: Date!, $first: Int, $after: String) {
  arrivals(propertyCode: $code, date: $date, first: $first, after: $after) {
    edges {
      cursor
      node {
        memberNumber firstName lastName language
        tier { code name validThrough lifetime }
        privileges { code name detail params options }
        preferences { category value source sensitive confidence }
        specialDates { kind date fallsOn greet }
        staffNotes { text author propertyCode }
        firstStayAtProperty earlierStaysAtProperty
        stay { confirmationNumber arrivalDate departureDate nights roomType rateCode }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def arrivals(client: GraphQLClient, code: str = "NYCTS", **more: Any) -> dict[str, Any]:
    variables = {"code": code, "date": more.pop("date", TONIGHT.isoformat()), **more}
    data = await client(ARRIVALS, **variables)
    found: dict[str, Any] = data["arrivals"]
    return found


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in page["edges"]]


async def book(client: GraphQLClient, number: str, **more: Any) -> None:
    payload = await record(
        client,
        member_number=number,
        arrival=more.pop("arrival", TONIGHT),
        nights=more.pop("nights", 3),
        status="BOOKED",
        room="0",
        **more,
    )
    assert payload["userErrors"] == [], payload["userErrors"]
