"""For each role, which operations the served app allows and which it refuses.

Every root field and mutation of the schema is in :data:`MATRIX`, with the roles allowed to
call it; a test fails if a root field is missing from it. "Denied" is the error
``FORBIDDEN``; "allowed" is anything else (an answer, ``null`` for a member out of sight, or
the operation's own ``userErrors``). Each role's whole row is compared at once, so a failure
shows the table that differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from staytier.api.graphql.schema import Mutation, Query
from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from tests.e2e.access import (
    ADMIN,
    ANALYST,
    ANONYMOUS,
    DESK,
    GUEST,
    PARTNER,
    Caller,
    Scenario,
    forbidden,
    served_scenario,
)
from tests.support import api_key, stay_input

EVERYONE = {ADMIN, DESK, PARTNER, GUEST, ANALYST}
TODAY = "2026-03-02"


@dataclass(frozen=True)
class Operation:
    document: str
    variables: dict[str, Any]
    allowed: frozenset[str]


def op(document: str, allowed: set[str], **variables: Any) -> Operation:
    return Operation(document, variables, frozenset(allowed))


def mutation(name: str, allowed: set[str], i: Any) -> Operation:
    """A mutation ``name(input: $i)`` asking only for its userErrors."""
    input_type = name[0].upper() + name[1:] + "Input"
    document = f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ userErrors {{ code }} }} }}"
    return op(document, allowed, i=i)


# The member numbers are filled in per test from the scenario (see `scenario`).
MATRIX: dict[str, Operation] = {
    "program": op("{ program { code } }", EVERYONE),
    "clock": op("{ clock { isTestClock } }", EVERYONE),
    "property": op('{ property(code: "NYCTS") { code } }', EVERYONE),
    "properties": op("{ properties(first: 2) { edges { node { code } } } }", EVERYONE),
    "preferenceCatalog": op("{ preferenceCatalog { code } }", EVERYONE),
    "me": op("{ me { memberNumber } }", EVERYONE),
    "guest": op(
        "query($n: String!) { guest(memberNumber: $n) { memberNumber } }",
        {ADMIN, DESK, PARTNER, GUEST},
        n="ADA",
    ),
    "searchGuests": op(
        '{ searchGuests(query: "Lovelace") { edges { node { memberNumber } } } }', {ADMIN, DESK}
    ),
    "arrivals": op(
        'query($d: Date!) { arrivals(propertyCode: "NYCTS", date: $d) '
        "{ edges { node { memberNumber } } } }",
        {ADMIN, DESK},
        d=TODAY,
    ),
    "enrollGuest": mutation(
        "enrollGuest",
        {ADMIN, DESK, PARTNER},
        i={"firstName": "New", "lastName": "Member"},
    ),
    "recordStay": mutation(
        "recordStay",
        {ADMIN, DESK, PARTNER},
        i="STAY",
    ),
    "recordStays": mutation(
        "recordStays",
        {ADMIN, DESK, PARTNER},
        i={"idempotencyKey": "b-1", "stays": ["STAY"]},
    ),
    "cancelStay": mutation(
        "cancelStay",
        {ADMIN, DESK, PARTNER},
        i={"idempotencyKey": "c-1", "propertyCode": "NYCTS", "confirmationNumber": "NONE"},
    ),
    "recordActivity": mutation(
        "recordActivity",
        {ADMIN, PARTNER},
        i={
            "idempotencyKey": "a-1",
            "memberNumber": "ADA",
            "guestLastName": "Lovelace",
            "source": "COBRAND_CARD",
            "kind": "SPEND",
            "occurredOn": "2026-02-15",
            "amount": "100.00",
        },
    ),
    "upsertProperty": mutation(
        "upsertProperty",
        {ADMIN},
        i={
            "code": "ROMNV",
            "name": "Staytier Roma",
            "brand": "Staytier",
            "timeZone": "Europe/Rome",
            "category": 5,
            "currency": "EUR",
        },
    ),
    "setTestClock": mutation("setTestClock", {ADMIN}, i={"now": "2026-03-02T15:00:00Z"}),
    "setPreference": mutation(
        "setPreference",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "category": "FLOOR", "values": ["HIGH"]},
    ),
    "removePreference": mutation(
        "removePreference",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "category": "FLOOR"},
    ),
    "addStaffNote": mutation(
        "addStaffNote",
        {ADMIN, DESK},
        i={"memberNumber": "ADA", "propertyCode": "NYCTS", "author": "Sam", "text": "Regular."},
    ),
    "setConsent": mutation(
        "setConsent",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "purpose": "MARKETING", "granted": True},
    ),
    "setSpecialDate": mutation(
        "setSpecialDate",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "kind": "BIRTHDAY", "date": "1990-05-04"},
    ),
    "removeSpecialDate": mutation(
        "removeSpecialDate",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "kind": "BIRTHDAY"},
    ),
    "auditLog": op("{ auditLog(first: 5) { edges { node { subject } } } }", {ADMIN}),
    "exportGuestData": op(
        "query($n: String!) { exportGuestData(memberNumber: $n) }", {ADMIN, GUEST}, n="ADA"
    ),
    "requestGuestSignIn": mutation(
        "requestGuestSignIn", {*EVERYONE, ANONYMOUS}, i={"email": "nobody@example.com"}
    ),
    "completeGuestSignIn": mutation(
        "completeGuestSignIn",
        {*EVERYONE, ANONYMOUS},
        i={"email": "nobody@example.com", "code": "000000"},
    ),
    "awardQuote": op(
        'query($a: Date!, $d: Date!) { awardQuote(propertyCode: "NYCTS", arrivalDate: $a, '
        "departureDate: $d) { __typename } }",
        EVERYONE,
        a="2026-04-01",
        d="2026-04-03",
    ),
    "benefitCostReport": op(
        '{ benefitCostReport(start: "2026-01-01", end: "2026-03-01") { __typename } }',
        {ADMIN, ANALYST},
    ),
    "donationReport": op(
        '{ donationReport(start: "2026-01-01", end: "2026-03-01") { __typename } }',
        {ADMIN, ANALYST},
    ),
    "programReport": op(
        '{ programReport(from: "2026-01-01", to: "2026-03-01") { members userErrors { code } } }',
        {ADMIN, ANALYST},
    ),
    "simulation": op('{ simulation(id: "999") { status } }', {ADMIN, ANALYST}),
    # Refused by the rules (an unknown version, an unknown id): no job starts in the server.
    "simulateProgram": mutation(
        "simulateProgram",
        {ADMIN, ANALYST},
        i={"from": "2026-01-01", "to": "2026-03-01", "programVersion": "0.0"},
    ),
    "cancelSimulation": mutation("cancelSimulation", {ADMIN, ANALYST}, i={"id": "999"}),
    "roomGuaranteesAt": op(
        '{ roomGuaranteesAt(propertyCode: "NYCTS") { edges { cursor } } }', {ADMIN, DESK}
    ),
    "redeemAwardStay": mutation(
        "redeemAwardStay",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "aw-1",
            "memberNumber": "ADA",
            "propertyCode": "NYCTS",
            "arrivalDate": "2026-04-01",
            "departureDate": "2026-04-02",
        },
    ),
    "cancelAwardStay": mutation(
        "cancelAwardStay",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "ca-1",
            "memberNumber": "ADA",
            "propertyCode": "NYCTS",
            "confirmationNumber": "AWD-NONE",
        },
    ),
    "redeemCertificate": mutation(
        "redeemCertificate",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "rc-1",
            "memberNumber": "ADA",
            "certificateId": 999,
            "propertyCode": "NYCTS",
            "arrivalDate": "2026-04-01",
        },
    ),
    "chooseWelcomeGift": mutation(
        "chooseWelcomeGift",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "wg-1",
            "memberNumber": "ADA",
            "propertyCode": "NYCTS",
            "confirmationNumber": "NONE",
            "option": "POINTS",
        },
    ),
    "chooseAnnualChoiceBenefit": mutation(
        "chooseAnnualChoiceBenefit",
        {ADMIN, DESK, GUEST},
        i={"idempotencyKey": "ac-1", "memberNumber": "ADA", "option": "GIFT"},
    ),
    "recordBenefitUsage": mutation(
        "recordBenefitUsage",
        {ADMIN, DESK},
        i={
            "idempotencyKey": "bu-1",
            "memberNumber": "ADA",
            "benefitCode": "LATE_CHECKOUT",
            "propertyCode": "NYCTS",
            "confirmationNumber": "NONE",
        },
    ),
    "postGoodwillPoints": mutation(
        "postGoodwillPoints",
        {ADMIN, DESK},
        i={
            "idempotencyKey": "gw-1",
            "memberNumber": "ADA",
            "points": 100,
            "reasonCode": "NONE",
            "author": "Sam",
        },
    ),
    "postPointsAdjustment": mutation(
        "postPointsAdjustment",
        {ADMIN},
        i={
            "idempotencyKey": "pa-1",
            "memberNumber": "ADA",
            "points": 10,
            "reason": "fix",
            "author": "ops",
        },
    ),
    "requestRoomGuarantee": mutation(
        "requestRoomGuarantee",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "rg-1",
            "memberNumber": "ADA",
            "propertyCode": "NYCTS",
            "arrivalDate": "2026-04-01",
            "departureDate": "2026-04-02",
        },
    ),
    "donatePoints": mutation(
        "donatePoints",
        {ADMIN, DESK, GUEST},
        i={"idempotencyKey": "dp-1", "memberNumber": "ADA", "charity": "NONE", "points": 1000},
    ),
    "transferPointsToMiles": mutation(
        "transferPointsToMiles",
        {ADMIN, DESK, GUEST},
        i={
            "idempotencyKey": "tm-1",
            "memberNumber": "ADA",
            "airline": "NONE",
            "frequentFlyerNumber": "FF1",
            "points": 3000,
        },
    ),
    "requestGuestApproval": mutation(
        "requestGuestApproval",
        {ADMIN, DESK, GUEST},
        i={"memberNumber": "ADA", "operation": "DONATION", "points": 1000, "charity": "NONE"},
    ),
    "partnerOutbox": op("{ partnerOutbox { counts { state count } } }", {ADMIN}),
    "replayPartnerRequest": mutation(
        "replayPartnerRequest", {ADMIN}, i={"requestNumber": 999, "idempotencyKey": "r-1"}
    ),
    "eraseGuest": mutation(
        "eraseGuest", {ADMIN}, i={"memberNumber": "BOB", "reason": "the guest asked"}
    ),
    "complaints": op("{ complaints(first: 1) { edges { node { number } } } }", {ADMIN, DESK}),
    "logComplaint": mutation(
        "logComplaint",
        {ADMIN, DESK},
        i={
            "idempotencyKey": "lc-1",
            "propertyCode": "NYCTS",
            "confirmationNumber": "NONE",
            "category": "NOISE",
            "severity": "LOW",
            "description": "noise",
            "author": "Sam",
        },
    ),
    "resolveComplaint": mutation(
        "resolveComplaint",
        {ADMIN, DESK},
        i={"idempotencyKey": "rc-1", "complaintNumber": 999, "resolution": "ok", "author": "Sam"},
    ),
    "grantStatus": mutation(
        "grantStatus",
        {ADMIN},
        i={
            "idempotencyKey": "gs-1",
            "memberNumber": "ADA",
            "tierCode": "NONE",
            "validThrough": "2026-06-01",
            "reason": "match",
            "evidenceReference": "SM-1",
        },
    ),
    "startStatusChallenge": mutation(
        "startStatusChallenge",
        {ADMIN, GUEST},
        i={"idempotencyKey": "sc-1", "memberNumber": "ADA", "tierCode": "NONE"},
    ),
    "surveyScores": op(
        '{ surveyScores(from: "2026-01-01", to: "2026-12-31") { propertyCode } }',
        {ADMIN, DESK, ANALYST},
    ),
    "answerSurvey": mutation(
        "answerSurvey", {GUEST}, i={"idempotencyKey": "as-1", "surveyNumber": 999, "answers": []}
    ),
    "sweepstakes": op("{ sweepstakes(first: 1) { edges { node { code seedHash } } } }", EVERYONE),
    "drawSweepstakes": mutation(
        "drawSweepstakes", {ADMIN}, i={"idempotencyKey": "ds-1", "code": "NONE", "seed": "x"}
    ),
    "giftTier": mutation(
        "giftTier",
        {GUEST},
        i={"idempotencyKey": "gt-1", "recipientMemberNumber": "BOB", "tierCode": "GOLD"},
    ),
    "registerForPromotion": mutation(
        "registerForPromotion",
        {ADMIN, DESK, GUEST},
        i={"idempotencyKey": "rp-1", "memberNumber": "ADA", "promotionCode": "NONE"},
    ),
    # Points move between members only at the guest's own hand.
    "createPointsPool": mutation(
        "createPointsPool", {GUEST}, i={"idempotencyKey": "cp-1", "name": "Home"}
    ),
    "inviteToPointsPool": mutation(
        "inviteToPointsPool", {GUEST}, i={"idempotencyKey": "ip-1", "memberNumber": "BOB"}
    ),
    "joinPointsPool": mutation(
        "joinPointsPool", {GUEST}, i={"idempotencyKey": "jp-1", "poolId": "1"}
    ),
    "leavePointsPool": mutation("leavePointsPool", {GUEST}, i={"idempotencyKey": "lp-1"}),
    "contributeToPointsPool": mutation(
        "contributeToPointsPool", {GUEST}, i={"idempotencyKey": "tp-1", "points": 1000}
    ),
    "transferPoints": mutation(
        "transferPoints",
        {GUEST},
        i={"idempotencyKey": "xp-1", "recipientMemberNumber": "BOB", "points": 1000},
    ),
    "mergeMembers": mutation(
        "mergeMembers",
        {ADMIN},
        i={
            "idempotencyKey": "mm-1",
            "survivorMemberNumber": "ADA",
            "duplicateMemberNumber": "NOBODY",
            "reason": "enrolled twice",
        },
    ),
}


def test_every_root_field_and_mutation_is_in_the_matrix() -> None:
    roots = {
        field.graphql_name or _camel(field.python_name)
        for root in (Query, Mutation)
        for field in root.__strawberry_definition__.fields  # type: ignore[attr-defined]
    }
    assert roots - set(MATRIX) == set(), "add these to MATRIX with the roles that may call them"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture
async def scenario(runtime: Runtime) -> AsyncIterator[tuple[str, Scenario]]:
    async with served_scenario(runtime) as served:
        yield served


def _filled(value: Any, scene: Scenario) -> Any:
    if value == "ADA":
        return scene.ada
    if value == "BOB":
        return scene.bob
    if value == "STAY":
        return stay_input(scene.ada, arrival=dt.date(2026, 2, 20), nights=1)
    if isinstance(value, dict):
        return {key: _filled(item, scene) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, scene) for item in value]
    return value


@pytest.mark.parametrize("role", [ADMIN, DESK, PARTNER, GUEST, ANALYST, ANONYMOUS])
async def test_each_role_may_call_exactly_its_operations(
    role: str, scenario: tuple[str, Scenario]
) -> None:
    url, scene = scenario
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        caller = Caller(http, scene.credentials[role])
        outcome = {}
        for name, operation in MATRIX.items():
            body = await caller.body(operation.document, **_filled(operation.variables, scene))
            outcome[name] = "denied" if forbidden(body) else "allowed"
            if outcome[name] == "allowed":
                assert not body.get("errors"), (name, body)
    expected = {
        name: "allowed" if role in operation.allowed else "denied"
        for name, operation in MATRIX.items()
    }
    assert outcome == expected


# Who may touch a stay another client recorded: for a booking the hotel's desk made and one
# the partner SITE made (both for next week at NYCTS), what each client's attempt to check
# the guest in, mark a no-show, move its dates (with a zero folio) or cancel it meets.
# "ok" is done, "denied" the error FORBIDDEN, otherwise the userError's code.
STAY_ACTIONS = ("check in", "no-show", "move dates", "cancel")
TOUCHED_BY = {
    "hotel": {
        ADMIN: ("ok", "ok", "ok", "ok"),
        "desk NYCTS": ("ok", "ok", "ok", "ok"),
        "desk LONKX": ("denied", "denied", "denied", "denied"),
        "partner SITE": (
            "STAY_CHANGE_NOT_ALLOWED",
            "STAY_CHANGE_NOT_ALLOWED",
            "DUPLICATE_CONFIRMATION",
            "STAY_NOT_FOUND",
        ),
        "partner OTHER": (
            "STAY_CHANGE_NOT_ALLOWED",
            "STAY_CHANGE_NOT_ALLOWED",
            "DUPLICATE_CONFIRMATION",
            "STAY_NOT_FOUND",
        ),
    },
    "partner SITE": {
        ADMIN: ("ok", "ok", "ok", "ok"),
        "desk NYCTS": ("ok", "ok", "ok", "ok"),
        "desk LONKX": ("denied", "denied", "denied", "denied"),
        "partner SITE": ("STAY_CHANGE_NOT_ALLOWED", "STAY_CHANGE_NOT_ALLOWED", "ok", "ok"),
        "partner OTHER": (
            "STAY_CHANGE_NOT_ALLOWED",
            "STAY_CHANGE_NOT_ALLOWED",
            "DUPLICATE_CONFIRMATION",
            "STAY_NOT_FOUND",
        ),
    },
}
NEXT_WEEK = dt.date(2026, 3, 9)
CANCEL_STAY = """mutation($i: CancelStayInput!) { cancelStay(input: $i) { userErrors { code } } }"""
RECORD_STAY = """mutation($i: RecordStayInput!) { recordStay(input: $i) { userErrors { code } } }"""


def _touch(action: str, scene: Scenario, confirmation: str) -> tuple[str, dict[str, Any]]:
    if action == "cancel":
        cancel = {"idempotencyKey": f"x-{confirmation}", "propertyCode": "NYCTS"}
        return CANCEL_STAY, {**cancel, "confirmationNumber": confirmation}
    status, arrival, room = {
        "check in": ("IN_HOUSE", NEXT_WEEK, "100.00"),
        "no-show": ("NO_SHOW", NEXT_WEEK, "100.00"),
        "move dates": ("BOOKED", NEXT_WEEK + dt.timedelta(days=7), "0"),
    }[action]
    stay = stay_input(
        scene.ada, arrival=arrival, nights=2, status=status, confirmation=confirmation, room=room
    )
    return RECORD_STAY, stay


def _outcome(body: dict[str, Any], name: str) -> str:
    if forbidden(body):
        return "denied"
    assert not body.get("errors"), body
    errors = body["data"][name]["userErrors"]
    return errors[0]["code"] if errors else "ok"


async def test_a_stay_recorded_by_one_client_is_touched_by_another_only_as_its_owner_allows(
    runtime: Runtime, scenario: tuple[str, Scenario]
) -> None:
    url, scene = scenario
    keys = {
        ADMIN: scene.credentials[ADMIN],
        "desk NYCTS": scene.credentials[DESK],
        "desk LONKX": await api_key(runtime, Role.FRONT_DESK, properties=["LONKX"]),
        "partner SITE": scene.credentials[PARTNER],
        "partner OTHER": await api_key(runtime, Role.BOOKING_PARTNER, partner="OTHER"),
    }
    recorders = {"hotel": keys["desk NYCTS"], "partner SITE": keys["partner SITE"]}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        found: dict[str, dict[str, tuple[str, ...]]] = {}
        for recorder, recorder_key in recorders.items():
            found[recorder] = {}
            for toucher, key in keys.items():
                outcomes = []
                for index, action in enumerate(STAY_ACTIONS):
                    confirmation = f"{recorder[:4]}-{toucher[-4:]}-{index}".replace(" ", "")
                    booking = stay_input(
                        scene.ada,
                        arrival=NEXT_WEEK,
                        nights=2,
                        status="BOOKED",
                        confirmation=confirmation,
                    )
                    booked = await Caller(http, recorder_key).body(RECORD_STAY, i=booking)
                    assert booked["data"]["recordStay"]["userErrors"] == [], booked
                    document, variables = _touch(action, scene, confirmation)
                    body = await Caller(http, key).body(document, i=variables)
                    name = "cancelStay" if action == "cancel" else "recordStay"
                    outcomes.append(_outcome(body, name))
                found[recorder][toucher] = tuple(outcomes)
    assert found == TOUCHED_BY
