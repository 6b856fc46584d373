"""addStaffNote: free text with its author and property, newest first, within the limit."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient, enroll

ADD = """
mutation Add($input: AddStaffNoteInput!) {
  addStaffNote(input: $input) {
    staffNote { text author propertyCode createdAt }
    userErrors { code field message }
  }
}
"""

NOTES = """
query Notes($n: String!, $after: String) {
  guest(memberNumber: $n) {
    staffNotes(first: 2, after: $after) {
      edges { cursor node { text } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def add_note(client: GraphQLClient, number: str, text: str, **more: Any) -> Any:
    fields = {"memberNumber": number, "propertyCode": "NYCTS", "author": "Sam", "text": text}
    data = await client(ADD, input={**fields, **more})
    return data["addStaffNote"]


async def test_the_front_desk_notes_that_the_guest_celebrates_an_engagement(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await add_note(client, number, "Celebrating an engagement; champagne on ice.")

    assert payload["userErrors"] == []
    assert payload["staffNote"] == {
        "text": "Celebrating an engagement; champagne on ice.",
        "author": "Sam",
        "propertyCode": "NYCTS",
        "createdAt": "2026-03-02T15:00:00+00:00",
    }


async def test_notes_are_listed_newest_first_in_pages(client: GraphQLClient) -> None:
    number = await enroll(client)
    for text in ("one", "two", "three"):
        await add_note(client, number, text)

    first = (await client(NOTES, n=number))["guest"]["staffNotes"]
    rest = (await client(NOTES, n=number, after=first["pageInfo"]["endCursor"]))["guest"][
        "staffNotes"
    ]

    assert [e["node"]["text"] for e in first["edges"]] == ["three", "two"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["text"] for e in rest["edges"]] == ["one"]


async def test_a_note_longer_than_the_limit_is_refused_and_not_kept(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await add_note(client, number, "x" * 501)

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("NOTE_TOO_LONG", "text")]
    assert (await client(NOTES, n=number))["guest"]["staffNotes"]["edges"] == []


async def test_a_note_needs_text_an_author_and_a_known_property(client: GraphQLClient) -> None:
    number = await enroll(client)

    blank = await add_note(client, number, "  ", author="")
    elsewhere = await add_note(client, number, "hello", propertyCode="ATLANTIS")

    assert sorted(e["field"] for e in blank["userErrors"]) == ["author", "text"]
    assert [e["code"] for e in elsewhere["userErrors"]] == ["PROPERTY_NOT_FOUND"]


async def test_a_staff_note_cursor_is_refused_by_the_stays_list(client: GraphQLClient) -> None:
    number = await enroll(client)
    for text in ("one", "two", "three"):
        await add_note(client, number, text)
    cursor = (await client(NOTES, n=number))["guest"]["staffNotes"]["pageInfo"]["endCursor"]

    body = await client.raw(STAYS_AFTER, n=number, a=cursor)

    assert "does not belong to this list" in body["errors"][0]["message"]


STAYS_AFTER = """
query($n: String!, $a: String) {
  guest(memberNumber: $n) { stays(after: $a) { edges { cursor } } }
}
"""
