"""searchGuests: the front desk finds a guest by member number, name (any case, with or
without accents, by the beginning of words), email or phone; exact member-number and email
matches come first; results come in pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staytier.services.runtime import Runtime
from tests.desk import guests_arriving
from tests.support import ENROLL, GraphQLClient, counting_statements

SEARCH = """
query Search($q: String!, $first: Int, $after: String) {
  searchGuests(query: $q, first: $first, after: $after) {
    edges { cursor node { memberNumber firstName lastName email } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def enroll_with(client: GraphQLClient, first: str, last: str, **more: Any) -> str:
    data = await client(ENROLL, input={"firstName": first, "lastName": last, **more})
    assert data["enrollGuest"]["userErrors"] == []
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    return number


async def search(client: GraphQLClient, query: str, **more: Any) -> dict[str, Any]:
    data = await client(SEARCH, q=query, **more)
    found: dict[str, Any] = data["searchGuests"]
    return found


def names(page: dict[str, Any]) -> list[str]:
    return [f"{e['node']['firstName']} {e['node']['lastName']}" for e in page["edges"]]


async def test_a_name_is_found_without_its_accents_in_any_case_by_word_beginnings(
    client: GraphQLClient,
) -> None:
    await enroll_with(client, "Zoë", "O'Brien-Núñez")
    await enroll_with(client, "Zachary", "Brown")

    assert names(await search(client, "zoe")) == ["Zoë O'Brien-Núñez"]
    assert names(await search(client, "NUNEZ")) == ["Zoë O'Brien-Núñez"]
    assert names(await search(client, "zo nún")) == ["Zoë O'Brien-Núñez"]
    assert names(await search(client, "br")) == ["Zachary Brown", "Zoë O'Brien-Núñez"]
    assert names(await search(client, "rien")) == []


async def test_a_member_number_match_comes_before_name_matches(client: GraphQLClient) -> None:
    number = await enroll_with(client, "Ada", "Lovelace")
    await enroll_with(client, "Ada", "Byron")

    page = await search(client, number)

    assert [e["node"]["memberNumber"] for e in page["edges"]] == [number]


async def test_an_exact_email_comes_first_whatever_the_case(client: GraphQLClient) -> None:
    await enroll_with(client, "Grace", "Aaron")  # sorts first by name
    await enroll_with(client, "Grace", "Hopper", email="grace@example.com")

    page = await search(client, "Grace@Example.com")

    assert names(page) == ["Grace Hopper"]


async def test_a_phone_number_is_found_however_it_is_written(client: GraphQLClient) -> None:
    await enroll_with(client, "Katherine", "Johnson", phone="+1 (212) 555-0100")

    page = await search(client, "1-212-555 0100")

    assert names(page) == ["Katherine Johnson"]


async def test_results_come_in_pages_bound_to_their_query(client: GraphQLClient) -> None:
    for last in ("Adams", "Baker", "Clark"):
        await enroll_with(client, "Sam", last)

    first = await search(client, "sam", first=2)
    rest = await search(client, "sam", first=2, after=first["pageInfo"]["endCursor"])
    other = await client.raw(SEARCH, q="baker", after=first["pageInfo"]["endCursor"])

    assert names(first) == ["Sam Adams", "Sam Baker"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert names(rest) == ["Sam Clark"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert "does not belong to this list" in other["errors"][0]["message"]


async def test_no_match_is_an_empty_page(client: GraphQLClient) -> None:
    await enroll_with(client, "Alan", "Turing")

    assert (await search(client, "nobody"))["edges"] == []


async def test_an_empty_query_is_refused(client: GraphQLClient) -> None:
    body = await client.raw(SEARCH, q="   ")

    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


SEARCH_WITH_PREFERENCES = """
query Search($q: String!, $first: Int) {
  searchGuests(query: $q, first: $first) {
    edges { node { lastName preferences { category value } } }
  }
}
"""


async def guests_who_like_feather_free_pillows(client: GraphQLClient, last: str, n: int) -> None:
    for i in range(n):
        number = await enroll_with(client, f"Guest{i}", last)
        data = await client(
            """mutation Set($input: SetPreferenceInput!) {
              setPreference(input: $input) { userErrors { code message } }
            }""",
            input={"memberNumber": number, "category": "PILLOW", "values": ["FEATHER_FREE"]},
        )
        assert data["setPreference"]["userErrors"] == []


async def test_a_page_of_guests_with_their_preferences_costs_the_same_statements_for_3_and_30(
    client: GraphQLClient, runtime: Runtime
) -> None:
    await guests_who_like_feather_free_pillows(client, "Few", 3)
    await guests_who_like_feather_free_pillows(client, "Many", 30)

    with counting_statements(runtime.db) as for_three:
        few = await client(SEARCH_WITH_PREFERENCES, q="few", first=50)
    with counting_statements(runtime.db) as for_thirty:
        many = await client(SEARCH_WITH_PREFERENCES, q="many", first=50)

    assert len(few["searchGuests"]["edges"]) == 3
    assert len(many["searchGuests"]["edges"]) == 30
    assert all(
        e["node"]["preferences"] == [{"category": "PILLOW", "value": "FEATHER_FREE"}]
        for e in many["searchGuests"]["edges"]
    )
    assert len(for_thirty) == len(for_three)


async def test_a_guest_enrolled_between_two_pages_does_not_shift_the_next_page(
    client: GraphQLClient,
) -> None:
    for last in ("Baker", "Clark", "Evans"):
        await enroll_with(client, "Sam", last)

    first = await search(client, "sam", first=2)
    await enroll_with(client, "Sam", "Adams")  # sorts before the page already read
    rest = await search(client, "sam", first=2, after=first["pageInfo"]["endCursor"])

    assert names(first) == ["Sam Baker", "Sam Clark"]
    assert names(rest) == ["Sam Evans"]


DESK_SEARCH = """
query Search($q: String!, $first: Int) {
  searchGuests(query: $q, first: $first) {
    edges {
      node {
        memberNumber firstName lastName
        tier { code name }
        tierProgress { qualifyingNights }
        points { balance }
        preferences { category value }
        specialDates { kind date greet }
        consents { purpose granted }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_a_page_of_30_guests_with_their_profiles_costs_the_statements_of_a_page_of_5(
    runtime: Runtime, client: GraphQLClient
) -> None:
    # Silver members with preferences, a birthday during a booked stay and a consent each.
    await guests_arriving(runtime, 5, dt.date(2026, 3, 5))
    await guests_arriving(runtime, 31, dt.date(2026, 3, 6))
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    for reader in (client, desk):
        with counting_statements(runtime.db) as for_five:
            five = (await reader(DESK_SEARCH, q="arriving5", first=30))["searchGuests"]
        with counting_statements(runtime.db) as for_thirty:
            thirty = (await reader(DESK_SEARCH, q="arriving6", first=30))["searchGuests"]

        assert len(five["edges"]) == 5 and five["pageInfo"]["hasNextPage"] is False
        assert len(thirty["edges"]) == 30 and thirty["pageInfo"]["hasNextPage"] is True
        for edge in five["edges"] + thirty["edges"]:
            guest = edge["node"]
            assert guest["tier"]["code"] == "SILVER"
            assert guest["tierProgress"]["qualifyingNights"] == 10
            assert len(guest["preferences"]) == 2 and len(guest["specialDates"]) == 1
            assert guest["consents"] == [{"purpose": "PERSONALISED_SERVICE", "granted": True}]
        assert len(for_thirty) == len(for_five), (for_five, for_thirty)
        # The page, two for the standings, one each for preferences and consents, one or
        # two for the special dates (a front desk's bounded by the stays it serves), and
        # the desk's API key.
        assert len(for_thirty) <= 8, for_thirty
    await desk.aclose()
