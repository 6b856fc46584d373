"""graphql/schema.graphql is what clients are built against: it must match the code."""

from __future__ import annotations

from pathlib import Path

from staytier.api.graphql.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "graphql/schema.graphql is out of date: run `staytier export-schema`"
    )


def test_the_client_contract_names_are_in_the_schema() -> None:
    sdl = schema_sdl()
    for name in (
        "program(on: Date = null): Program!",
        "guest(memberNumber: String!): Guest",
        "me: Guest",
        "clock: Clock!",
        "enrollGuest(input: EnrollGuestInput!): EnrollGuestPayload!",
        "recordStay(input: RecordStayInput!): RecordStayPayload!",
        "cancelStay(input: CancelStayInput!): CancelStayPayload!",
        "setTestClock(input: SetTestClockInput!): SetTestClockPayload!",
        "nightsToNextTier: Int",
        "qualifyingBasePoints: Int",
        "userErrors: [UserError!]!",
    ):
        assert name in sdl, name
