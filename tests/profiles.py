"""Setting a guest's preferences and consents through the API."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient

SET = """
mutation Set($input: SetPreferenceInput!) {
  setPreference(input: $input) {
    preferences { category value source propertyCode actor sensitive confidence }
    guest { preferences { category value source } }
    userErrors { code field message }
  }
}
"""


CONSENT = """
mutation Consent($input: SetConsentInput!) {
  setConsent(input: $input) {
    consent { purpose granted source propertyCode actor recordedAt }
    removedPreferences { category value sensitive }
    guest { preferences { category value } consents { purpose granted } }
    userErrors { code field message }
  }
}
"""


PROFILE = """
query Profile($n: String!) {
  guest(memberNumber: $n) {
    preferences { category value source propertyCode }
    profileHistory(first: 20) {
      edges { node { subject category before after source propertyCode actor } }
    }
  }
}
"""


async def set_preference(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    data = await client(SET, input=fields)
    payload: dict[str, Any] = data["setPreference"]
    return payload


async def consent(client: GraphQLClient, number: str, granted: bool, **more: Any) -> Any:
    data = await client(
        CONSENT,
        input={
            "memberNumber": number,
            "purpose": more.pop("purpose", "PERSONALISED_SERVICE"),
            "granted": granted,
            **more,
        },
    )
    return data["setConsent"]
