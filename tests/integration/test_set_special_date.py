"""setSpecialDate: a birthday and an anniversary with a greeting flag; never in the future."""

from __future__ import annotations

from typing import Any

from tests.profiles import PROFILE
from tests.support import GraphQLClient, enroll

SET = """
mutation Set($input: SetSpecialDateInput!) {
  setSpecialDate(input: $input) {
    specialDates { kind date greet }
    userErrors { code field message }
  }
}
"""

REMOVE = """
mutation Remove($input: RemoveSpecialDateInput!) {
  removeSpecialDate(input: $input) {
    specialDates { kind date }
    userErrors { code field }
  }
}
"""


async def set_date(client: GraphQLClient, number: str, kind: str, date: str, **more: Any) -> Any:
    data = await client(SET, input={"memberNumber": number, "kind": kind, "date": date, **more})
    return data["setSpecialDate"]


async def test_a_guest_records_a_birthday_and_a_quiet_anniversary(client: GraphQLClient) -> None:
    number = await enroll(client)

    await set_date(client, number, "BIRTHDAY", "1980-07-14")
    payload = await set_date(client, number, "ANNIVERSARY", "2010-06-05", greet=False)

    assert payload["userErrors"] == []
    assert payload["specialDates"] == [
        {"kind": "ANNIVERSARY", "date": "2010-06-05", "greet": False},
        {"kind": "BIRTHDAY", "date": "1980-07-14", "greet": True},
    ]


async def test_a_29_february_birthday_is_accepted(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_date(client, number, "BIRTHDAY", "1996-02-29")

    assert payload["specialDates"] == [{"kind": "BIRTHDAY", "date": "1996-02-29", "greet": True}]


async def test_a_birthday_in_the_future_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)  # the test clock stands on 2 March 2026

    payload = await set_date(client, number, "BIRTHDAY", "2026-03-03")

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_SPECIAL_DATE", "date")
    ]
    assert payload["specialDates"] == []


async def test_a_birthday_today_is_accepted(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_date(client, number, "BIRTHDAY", "2026-03-02")

    assert payload["userErrors"] == []


async def test_a_birthday_is_changed_once_and_the_change_is_in_the_history(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await set_date(client, number, "BIRTHDAY", "1980-07-14")

    await set_date(client, number, "BIRTHDAY", "1980-07-15", source="STAFF", propertyCode="NYCTS")

    changes = (await client(PROFILE, n=number))["guest"]["profileHistory"]["edges"]
    assert [(c["node"]["before"], c["node"]["after"]) for c in changes] == [
        (["1980-07-14"], ["1980-07-15"]),
        ([], ["1980-07-14"]),
    ]


async def test_removing_a_special_date(client: GraphQLClient) -> None:
    number = await enroll(client)
    await set_date(client, number, "ANNIVERSARY", "2010-06-05")

    data = await client(REMOVE, input={"memberNumber": number, "kind": "ANNIVERSARY"})
    again = await client(REMOVE, input={"memberNumber": number, "kind": "ANNIVERSARY"})

    assert data["removeSpecialDate"]["specialDates"] == []
    assert [e["code"] for e in again["removeSpecialDate"]["userErrors"]] == ["INVALID_SPECIAL_DATE"]
