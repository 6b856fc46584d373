"""setPreference and removePreference: values from the catalog only, a statement per source,
every change in the profile history, and a refused change leaves the profile as it was."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

from tests.profiles import PROFILE, set_preference
from tests.support import GraphQLClient, enroll, move, record

D = dt.date


REMOVE = """
mutation Remove($input: RemovePreferenceInput!) {
  removePreference(input: $input) {
    removed { category value source }
    guest { preferences { category value } }
    userErrors { code field message }
  }
}
"""


async def profile(client: GraphQLClient, number: str) -> dict[str, Any]:
    data = await client(PROFILE, n=number)
    found: dict[str, Any] = data["guest"]
    return found


async def test_guest_states_a_feather_free_pillow_and_the_front_desk_sees_it(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="pillow", values=["feather free"]
    )

    assert payload["userErrors"] == []
    assert payload["preferences"] == [
        {
            "category": "PILLOW",
            "value": "FEATHER_FREE",
            "source": "GUEST",
            "propertyCode": None,
            "actor": None,
            "sensitive": False,
            "confidence": None,
        }
    ]
    assert payload["guest"]["preferences"] == [
        {"category": "PILLOW", "value": "FEATHER_FREE", "source": "GUEST"}
    ]


async def test_staff_at_a_property_note_a_favourite_drink_in_free_text(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client,
        memberNumber=number,
        category="FAVOURITE_DRINK",
        values=["  Negroni,  stirred  "],
        source="STAFF",
        propertyCode="nycts",
        actor="Maria at the bar",
    )

    assert payload["userErrors"] == []
    [drink] = payload["preferences"]
    assert (drink["value"], drink["source"], drink["propertyCode"], drink["actor"]) == (
        "Negroni, stirred",
        "STAFF",
        "NYCTS",
        "Maria at the bar",
    )


async def test_setting_a_category_again_replaces_its_values_and_history_keeps_both(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await set_preference(client, memberNumber=number, category="NEWSPAPER", values=["LOCAL"])

    await set_preference(
        client,
        memberNumber=number,
        category="NEWSPAPER",
        values=["FINANCIAL", "INTERNATIONAL"],
        source="STAFF",
        propertyCode="PAROP",
        actor="Luc",
    )

    found = await profile(client, number)
    assert [p["value"] for p in found["preferences"]] == ["FINANCIAL", "INTERNATIONAL"]
    changes = [edge["node"] for edge in found["profileHistory"]["edges"]]
    assert changes == [
        {
            "subject": "PREFERENCE",
            "category": "NEWSPAPER",
            "before": ["LOCAL"],
            "after": ["FINANCIAL", "INTERNATIONAL"],
            "source": "STAFF",
            "propertyCode": "PAROP",
            "actor": "Luc",
        },
        {
            "subject": "PREFERENCE",
            "category": "NEWSPAPER",
            "before": [],
            "after": ["LOCAL"],
            "source": "GUEST",
            "propertyCode": None,
            "actor": None,
        },
    ]


async def test_the_same_statement_twice_changes_nothing_the_second_time(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await set_preference(client, memberNumber=number, category="SCENT", values=["LAVENDER"])
    await set_preference(client, memberNumber=number, category="SCENT", values=["lavender"])

    assert len((await profile(client, number))["profileHistory"]["edges"]) == 1


async def test_unknown_category_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="HOROSCOPE", values=["LEO"]
    )

    assert payload["preferences"] == []
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("UNKNOWN_PREFERENCE_CATEGORY", "category")
    ]


async def test_value_outside_the_catalog_is_refused_and_nothing_is_stored(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="PILLOW", values=["SOFT", "GOOSE_DOWN"]
    )

    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_PREFERENCE_VALUE", "values[1]")
    assert "FEATHER_FREE" in error["message"]
    assert (await profile(client, number))["preferences"] == []


async def test_too_many_choices_in_a_category_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="BED_TYPE", values=["KING", "TWIN"]
    )

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("TOO_MANY_CHOICES", "values")
    ]
    assert (await profile(client, number))["preferences"] == []


async def test_free_text_longer_than_the_rule_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="FAVOURITE_DRINK", values=["x" * 61]
    )

    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_PREFERENCE_VALUE"]


async def test_staff_must_name_an_existing_property(client: GraphQLClient) -> None:
    number = await enroll(client)

    without = await set_preference(
        client, memberNumber=number, category="SCENT", values=["CITRUS"], source="STAFF"
    )
    unknown = await set_preference(
        client,
        memberNumber=number,
        category="SCENT",
        values=["CITRUS"],
        source="STAFF",
        propertyCode="NOWHERE",
    )

    assert [e["field"] for e in without["userErrors"]] == ["propertyCode"]
    assert [e["code"] for e in unknown["userErrors"]] == ["PROPERTY_NOT_FOUND"]
    assert (await profile(client, number))["preferences"] == []


async def test_nobody_may_claim_to_be_the_stay_history(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="ROOM_TYPE", values=["SUITE"], source="INFERRED"
    )

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID_INPUT", "source")]


async def test_unknown_member_is_refused(client: GraphQLClient) -> None:
    payload = await set_preference(
        client, memberNumber="999999999", category="SCENT", values=["CITRUS"]
    )

    assert [e["code"] for e in payload["userErrors"]] == ["MEMBER_NOT_FOUND"]


async def test_removing_one_value_keeps_the_others_and_is_recorded(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await set_preference(
        client, memberNumber=number, category="PILLOW", values=["FEATHER_FREE", "FIRM"]
    )

    data = await client(
        REMOVE, input={"memberNumber": number, "category": "PILLOW", "value": "firm"}
    )

    payload = data["removePreference"]
    assert payload["userErrors"] == []
    assert payload["removed"] == [{"category": "PILLOW", "value": "FIRM", "source": "GUEST"}]
    assert payload["guest"]["preferences"] == [{"category": "PILLOW", "value": "FEATHER_FREE"}]
    latest = (await profile(client, number))["profileHistory"]["edges"][0]["node"]
    assert (latest["before"], latest["after"]) == (["FEATHER_FREE", "FIRM"], ["FEATHER_FREE"])


async def test_removing_a_whole_category(client: GraphQLClient) -> None:
    number = await enroll(client)
    await set_preference(client, memberNumber=number, category="MUSIC", values=["Jazz", "Fado"])

    data = await client(REMOVE, input={"memberNumber": number, "category": "MUSIC"})

    assert [r["value"] for r in data["removePreference"]["removed"]] == ["Jazz", "Fado"]
    assert data["removePreference"]["guest"]["preferences"] == []


async def test_removing_what_the_guest_does_not_hold_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)

    data = await client(
        REMOVE, input={"memberNumber": number, "category": "PILLOW", "value": "FIRM"}
    )

    assert [e["code"] for e in data["removePreference"]["userErrors"]] == ["PREFERENCE_NOT_FOUND"]


async def test_the_catalog_is_readable_by_clients(client: GraphQLClient) -> None:
    data = await client(
        "{ preferenceCatalog { code values freeTextMaxLength maxChoices sensitive"
        " consentPurpose } }"
    )

    by_code = {c["code"]: c for c in data["preferenceCatalog"]}
    assert by_code["PILLOW"]["values"][0] == "FEATHER_FREE"
    assert by_code["ALLERGIES"]["sensitive"] is True
    assert by_code["ALLERGIES"]["consentPurpose"] == "PERSONALISED_SERVICE"
    assert by_code["FAVOURITE_DRINK"]["freeTextMaxLength"] == 60
    assert by_code["SCENT"]["consentPurpose"] is None


async def test_the_desk_sees_what_changed_since_the_last_stay(client: GraphQLClient) -> None:
    number = await enroll(client)
    await set_preference(client, memberNumber=number, category="SCENT", values=["CITRUS"])
    await move(client, "2026-03-04T11:00:00+00:00")
    stayed = await record(client, member_number=number, arrival=D(2026, 3, 2), nights=2)
    assert stayed["userErrors"] == []
    await move(client, "2026-03-04T11:30:00+00:00")
    await set_preference(client, memberNumber=number, category="MINIBAR", values=["EMPTY"])

    data = await client(SINCE_LAST_STAY, n=number)

    changes = [e["node"] for e in data["guest"]["profileHistory"]["edges"]]
    assert [(c["category"], c["after"]) for c in changes] == [("MINIBAR", ["EMPTY"])]


SINCE_LAST_STAY = """
query($n: String!) {
  guest(memberNumber: $n) {
    profileHistory(sinceLastStay: true) { edges { node { category after changedAt } } }
  }
}
"""


async def test_concurrent_statements_in_one_category_leave_one_consistent_answer(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    values = ["HIGH", "LOW"] * 5

    payloads = await asyncio.gather(
        *(
            set_preference(client, memberNumber=number, category="FLOOR", values=[value])
            for value in values
        )
    )

    assert all(p["userErrors"] == [] for p in payloads)
    found = await profile(client, number)
    [floor] = found["preferences"]
    changes = [e["node"] for e in found["profileHistory"]["edges"]]
    assert changes[0]["after"] == [floor["value"]]
    # Each recorded change starts from what the one before it left.
    for newer, older in itertools.pairwise(changes):
        assert newer["before"] == older["after"]
