"""setConsent: sensitive categories are stored only with consent for personalised service;
withdrawing it removes them at once, says which in the payload, and blanks them in the
profile history. Every consent change is kept with its time and source."""

from __future__ import annotations

from tests.profiles import PROFILE, consent, set_preference
from tests.support import GraphQLClient, enroll

CONSENTS = """
query Consents($n: String!) {
  guest(memberNumber: $n) {
    consents { purpose granted source }
    consentHistory(first: 10) { edges { node { purpose granted source recordedAt } } }
  }
}
"""


async def test_an_allergy_without_consent_is_refused_and_not_stored(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    payload = await set_preference(
        client, memberNumber=number, category="ALLERGIES", values=["peanuts"]
    )

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CONSENT_REQUIRED", "category")
    ]
    assert (await client(PROFILE, n=number))["guest"]["preferences"] == []


async def test_with_consent_an_allergy_is_stored_and_flagged_sensitive(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    given = await consent(client, number, True)

    payload = await set_preference(
        client, memberNumber=number, category="ALLERGIES", values=["peanuts", "shellfish"]
    )

    assert given["userErrors"] == []
    assert given["consent"]["granted"] is True
    assert payload["userErrors"] == []
    assert [(p["value"], p["sensitive"]) for p in payload["preferences"]] == [
        ("peanuts", True),
        ("shellfish", True),
    ]


async def test_withdrawing_consent_removes_sensitive_values_at_once_and_says_which(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await consent(client, number, True)
    await set_preference(client, memberNumber=number, category="ALLERGIES", values=["peanuts"])
    await set_preference(client, memberNumber=number, category="DIET", values=["HALAL"])
    await set_preference(client, memberNumber=number, category="PILLOW", values=["FIRM"])

    payload = await consent(
        client, number, False, source="STAFF", propertyCode="LONKX", actor="desk 2"
    )

    assert payload["userErrors"] == []
    assert payload["consent"]["granted"] is False
    assert payload["consent"]["propertyCode"] == "LONKX"
    assert sorted((p["category"], p["value"]) for p in payload["removedPreferences"]) == [
        ("ALLERGIES", "peanuts"),
        ("DIET", "HALAL"),
    ]
    assert payload["guest"]["preferences"] == [{"category": "PILLOW", "value": "FIRM"}]
    history = (await client(PROFILE, n=number))["guest"]["profileHistory"]["edges"]
    kept_values = {
        value
        for edge in history
        if edge["node"]["category"] in ("ALLERGIES", "DIET")
        for value in edge["node"]["before"] + edge["node"]["after"]
    }
    assert kept_values == set(), "the history must not keep withdrawn sensitive values"


async def test_after_withdrawal_a_sensitive_value_is_refused_again(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await consent(client, number, True)
    await consent(client, number, False)

    payload = await set_preference(client, memberNumber=number, category="DIET", values=["VEGAN"])

    assert [e["code"] for e in payload["userErrors"]] == ["CONSENT_REQUIRED"]


async def test_marketing_consent_leaves_personalised_service_values_alone(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await consent(client, number, True)
    await set_preference(client, memberNumber=number, category="ALLERGIES", values=["kiwi"])

    await consent(client, number, True, purpose="MARKETING")
    payload = await consent(client, number, False, purpose="MARKETING")

    assert payload["removedPreferences"] == []
    assert payload["guest"]["preferences"] == [{"category": "ALLERGIES", "value": "kiwi"}]
    assert payload["guest"]["consents"] == [
        {"purpose": "PERSONALISED_SERVICE", "granted": True},
        {"purpose": "MARKETING", "granted": False},
    ]


async def test_every_consent_change_is_kept_with_its_time_and_source(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await consent(client, number, True)
    await consent(client, number, False, source="STAFF", propertyCode="NYCTS")

    data = await client(CONSENTS, n=number)

    assert data["guest"]["consents"] == [
        {"purpose": "PERSONALISED_SERVICE", "granted": False, "source": "STAFF"}
    ]
    history = [edge["node"] for edge in data["guest"]["consentHistory"]["edges"]]
    assert [(h["granted"], h["source"]) for h in history] == [(False, "STAFF"), (True, "GUEST")]
    assert all(h["recordedAt"].startswith("2026-03-02T15:00:00") for h in history)


async def test_consent_for_an_unknown_member_is_refused(client: GraphQLClient) -> None:
    payload = await consent(client, "42", True)

    assert [e["code"] for e in payload["userErrors"]] == ["MEMBER_NOT_FOUND"]
