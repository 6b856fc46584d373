"""searchGuests: the front desk finds a guest by member number, name (any case, with or
without accents, by the beginning of words), email or phone; exact member-number and email
matches come first; results come in pages."""

from __future__ import annotations

from typing import Any

from staytier.services.runtime import Runtime
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
