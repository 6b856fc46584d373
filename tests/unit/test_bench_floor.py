"""The stack's floor (bench/floor.py) executes the very document the service answers, over
the very answer: a mirror that dropped a field, or answered another shape, would make the
floor cheaper than the work it stands for, and every ratio quoted against it wrong."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from bench.floor import mirror
from bench.profile_read import QUERY as PROFILE

ROOT = Path(__file__).resolve().parents[2]
ARRIVALS = (ROOT / "graphql/operations/front_desk/arrivals.graphql").read_text()


def guest(number: int) -> dict[str, Any]:
    return {
        "memberNumber": f"M{number:06d}",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "language": "fr",
        "tier": {"code": "GOLD", "name": "Gold", "validThrough": "2028-01-31"},
        "privileges": [
            {
                "code": "LATE_CHECKOUT",
                "name": "Late checkout",
                "detail": "Until 2 pm",
                "params": {"hour": 14, "subject": ["room", None]},
                "options": [],
            }
        ],
        "preferences": [
            {
                "category": "PILLOW",
                "value": "FEATHER_FREE",
                "source": "GUEST",
                "propertyCode": None,
                "sensitive": False,
                "confidence": None,
            }
        ],
        "specialDates": [
            {"kind": "BIRTHDAY", "date": "1980-02-29", "fallsOn": "2027-02-28", "greet": True}
        ],
        "staffNotes": [],
        "firstStayAtProperty": number % 2 == 0,
        "earlierStaysAtProperty": number % 3,
        "complaints": [{"category": "NOISE", "open": True}],
        "stay": {
            "confirmationNumber": f"C{number}",
            "arrivalDate": "2027-02-27",
            "departureDate": "2027-03-01",
            "nights": 2,
            "roomType": "KING",
            "rateCode": "BAR",
        },
    }


def test_the_mirror_answers_the_arrivals_operation_with_the_page_it_was_given() -> None:
    page = {
        "edges": [{"cursor": f"c{n}", "node": guest(n)} for n in range(3)],
        "pageInfo": {"hasNextPage": True, "endCursor": "c2"},
    }
    variables = {"propertyCode": "NYCTS", "date": "2027-02-27", "first": 3, "after": None}
    answer = asyncio.run(mirror(ARRIVALS, {"arrivals": page}, variables).execute())
    assert answer == {"arrivals": page}


def test_a_root_field_takes_its_arguments_by_the_schema_s_names_not_the_variables() -> None:
    profile = {
        "tier": {"code": "MEMBER", "name": "Member", "validThrough": None},
        "tierProgress": {
            "year": 2027,
            "qualifyingNights": 3,
            "qualifyingStays": 1,
            "qualifyingBasePoints": 300,
            "nextTier": None,
            "nightsToNextTier": None,
        },
        "points": {"balance": 1200, "expiresOn": "2029-02-27"},
        "ledger": {
            "edges": [
                {
                    "node": {
                        "kind": "EARN",
                        "points": 1200,
                        "balanceAfter": 1200,
                        "occurredAt": "2027-02-27T10:00:00+00:00",
                        "effectiveOn": "2027-02-27",
                        "description": "Stay C1",
                    }
                }
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": "x"},
        },
    }
    answer = asyncio.run(mirror(PROFILE, {"guest": profile}, {"n": "M000001"}).execute())
    assert answer == {"guest": profile}


def test_a_document_the_mirror_cannot_stand_for_is_refused_not_measured() -> None:
    aliased = "query { first: programVersion { version } }"
    with pytest.raises(AssertionError, match="no aliases"):
        mirror(aliased, {"first": {"version": "1"}}, {})
