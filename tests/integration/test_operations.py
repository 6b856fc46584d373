"""The example operations in graphql/operations/ run as published against the demo data.

Client teams copy these files, so each one must parse to exactly one operation, come with a
variables file, and succeed (no errors, no userErrors, no null result) on a database with
the demo loaded, sent with the credential of the client's role (see CREDENTIALS).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse
from sqlalchemy import select

from staytier.clock import TestClock
from staytier.domain.access import Role
from staytier.program.loader import FIXTURES
from staytier.services import simulation
from staytier.services.demo import DEMO_FRONT_DESK, DEMO_GUEST, DEMO_PARTNER, load_demo
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.support import GraphQLClient, api_key, guest_token, make_app

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
CLIENTS = ("admin", "analyst", "booking_site", "front_desk", "guest_app")
DOCUMENTS = sorted(OPERATIONS.glob("**/*.graphql"))
LEDGER_PAGE = "guest_app/ledger_page.graphql"
# A desk's spending carries a code the guest approved just now (its variables file holds a
# sample): the operation that issues the code runs first, as the guest.
GUEST_APPROVED = {
    "front_desk/redeem_award_stay_with_guest_approval.graphql": (
        "guest_app/request_guest_approval.graphql"
    ),
    "front_desk/register_guest_for_promotion.graphql": (
        "guest_app/approve_promotion_registration.graphql"
    ),
}
# The guest a guest-app operation signs in as when its input names no memberNumber (the
# demo guest otherwise): a gift is given by a member of a tier that may gift.
SIGNED_IN_AS = {"guest_app/gift_tier.graphql": "1000000016"}  # Grace, Platinum
# Operations the demo can only show at a later date: the draw, once entries have closed.
CLOCK_AT = {"admin/draw_sweepstakes.graphql": dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC)}


def _relative(path: Path) -> str:
    return path.relative_to(OPERATIONS).as_posix()


def _variables(document: Path) -> dict[str, Any]:
    variables: dict[str, Any] = json.loads(document.with_suffix(".json").read_text())
    return variables


# Read once at collection: the async tests below do no file I/O.
EXAMPLES = {_relative(path): (path.read_text(), _variables(path)) for path in DOCUMENTS}


def _user_errors(value: Any) -> list[Any]:
    """Every entry of every ``userErrors`` list anywhere in a response."""
    if isinstance(value, dict):
        found = list(value.get("userErrors") or [])
        for item in value.values():
            found += _user_errors(item)
        return found
    if isinstance(value, list):
        return [error for item in value for error in _user_errors(item)]
    return []


async def _run_cleanly(client: GraphQLClient, document: str, **variables: Any) -> dict[str, Any]:
    body = await client.raw(document, **variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] | None = body["data"]
    assert data is not None
    assert all(value is not None for value in data.values()), data
    assert _user_errors(data) == []
    return data


def test_every_client_has_example_operations() -> None:
    assert LEDGER_PAGE in EXAMPLES
    for name in CLIENTS:
        assert list((OPERATIONS / name).glob("*.graphql")), f"no operations for {name}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=_relative)
def test_operation_file_holds_one_operation_and_its_variables(path: Path) -> None:
    parsed = parse(path.read_text())
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1
    assert operations[0].name is not None, "give the operation a name"
    assert isinstance(_variables(path), dict)


async def credential(
    runtime: Runtime, client_folder: str, variables: dict[str, Any], name: str = ""
) -> str:
    """The key or token each client sends: what its role may do is what it is shown doing.
    The guest app is signed in as the member the operation reads."""
    if client_folder == "guest_app":
        given = variables.get("input", variables)
        number = given.get("memberNumber", SIGNED_IN_AS.get(name, DEMO_GUEST))
        async with runtime.db.reading() as session:
            member_id = await session.scalar(
                select(Member.id).where(Member.member_number == number)
            )
        assert member_id is not None
        return guest_token(runtime, member_id)
    if client_folder == "front_desk":
        return await api_key(runtime, Role.FRONT_DESK, properties=[DEMO_FRONT_DESK])
    if client_folder == "booking_site":
        return await api_key(runtime, Role.BOOKING_PARTNER, partner=DEMO_PARTNER)
    if client_folder == "analyst":
        return await api_key(runtime, Role.ANALYST)
    return await api_key(runtime, Role.ADMIN)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
async def test_operation_runs_against_the_demo(name: str, runtime: Runtime) -> None:
    await load_demo(runtime, FIXTURES / "demo")
    app = make_app(runtime, strict=True)
    document, variables = EXAMPLES[name]
    if name in GUEST_APPROVED:
        variables = await with_guests_code(runtime, app, variables, GUEST_APPROVED[name])
    if name in CLOCK_AT:
        clock = runtime.clock
        assert isinstance(clock, TestClock)
        clock.set(CLOCK_AT[name])
    client = GraphQLClient(app, await credential(runtime, name.split("/")[0], variables, name))
    data = await _run_cleanly(client, document, **variables)
    await simulation.wait_for_jobs()  # a what-if started by the operation ends with the test
    if name == LEDGER_PAGE:
        page = data["guest"]["ledger"]
        assert page["pageInfo"]["hasNextPage"], "the demo member should have a second page"
        following = await _run_cleanly(
            client, document, **{**variables, "after": page["pageInfo"]["endCursor"]}
        )
        first_cursors = {edge["cursor"] for edge in page["edges"]}
        next_cursors = {edge["cursor"] for edge in following["guest"]["ledger"]["edges"]}
        assert next_cursors and not first_cursors & next_cursors
    await client.aclose()


async def with_guests_code(
    runtime: Runtime, app: Any, variables: dict[str, Any], approving: str
) -> dict[str, Any]:
    """``variables`` with the code the guest's app gets from the ``approving`` operation."""
    document, approval = EXAMPLES[approving]
    guest = GraphQLClient(app, await credential(runtime, "guest_app", approval))
    data = await _run_cleanly(guest, document, **approval)
    await guest.aclose()
    code = data["requestGuestApproval"]["code"]
    return {**variables, "input": {**variables["input"], "guestApproval": code}}


async def test_an_operation_without_its_credential_is_refused(runtime: Runtime) -> None:
    await load_demo(runtime, FIXTURES / "demo")
    anonymous = GraphQLClient(make_app(runtime, strict=True))
    document, variables = EXAMPLES["front_desk/look_up_guest.graphql"]

    body = await anonymous.raw(document, **variables)

    assert body["data"] == {"guest": None}
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    await anonymous.aclose()
