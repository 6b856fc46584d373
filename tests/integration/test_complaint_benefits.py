"""A recovery benefit as goodwill on resolveComplaint: a free-night certificate the program
names, counted at its allowance points against the role's goodwill allowance and the
guest's recognition allowance, shown on the complaint and with the guest's certificates,
issued once, and refused with nothing written when it does not fit."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from staytier.program.loader import default_program_path
from staytier.store.database import Database
from tests.engagement_support import (
    GOODWILL,
    LOG,
    STAYS,
    VALUE,
    certificate_input,
    certificates_of,
    goodwill,
    log,
    log_input,
    resolve_input,
    stayed,
    three_stays,
    use,
)
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, guest, make_app, make_runtime

RESOLVED = """
mutation Resolve($input: ResolveComplaintInput!) {
  resolveComplaint(input: $input) {
    complaint { number open goodwillPoints goodwillBenefit goodwillCertificateNumber }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""
# 10% of the guest's lifetime value (360.00 USD: 6,000 points), at most 5,000 points.
RECOGNITION = """
  [versions.insight.recognition]
  share_of_lifetime_value = "0.10"
  max_points = 5000
  months = 12
"""


async def resolve(client: GraphQLClient, number: int, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(RESOLVED, input=resolve_input(number, **extra)))[
        "resolveComplaint"
    ]
    return payload


@pytest.fixture
async def recognising(db: Database, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    program = tmp_path / "recognising.toml"
    program.write_text(default_program_path().read_text() + RECOGNITION)
    graphql = GraphQLClient(make_app(await make_runtime(db, program=program)))
    yield graphql
    await graphql.aclose()


async def test_a_desk_resolves_a_complaint_with_a_free_night_the_guest_can_use(
    client: GraphQLClient,
) -> None:
    number = await stayed(client)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    complaint = (await log(desk))["complaint"]["number"]
    await set_clock(client, dt.datetime(2026, 3, 31, 15, tzinfo=dt.UTC))
    request = resolve_input(complaint, goodwillPoints=1_000, goodwillBenefit="free_night")

    resolved = (await desk(RESOLVED, input=request))["resolveComplaint"]
    retried = (await desk(RESOLVED, input=request))["resolveComplaint"]

    assert resolved["userErrors"] == [] and retried == resolved
    shown = resolved["complaint"]
    assert (shown["open"], shown["goodwillPoints"], shown["goodwillBenefit"]) == (
        False, 1_000, "FREE_NIGHT",
    )  # fmt: skip
    # The desk no longer serves her five weeks after the stay; the admin sees the balance.
    assert (await guest(client, number))["points"]["balance"] == 1_000 + 1_000
    [certificate] = await certificates_of(client, number)
    assert certificate["number"] == shown["goodwillCertificateNumber"]
    assert (certificate["source"], certificate["maxCategory"], certificate["status"]) == (
        "GOODWILL", 4, "ISSUED",
    )  # fmt: skip
    # Six months from 31 March is the last day of September.
    assert (certificate["issuedOn"], certificate["expiresOn"]) == ("2026-03-31", "2026-09-30")
    assert certificate["description"] == "A night on us"
    beyond = await use(
        client, certificate_input(number, certificate["number"], dt.date(2026, 5, 4), "PAROP")
    )
    used = await use(
        client, certificate_input(number, certificate["number"], dt.date(2026, 5, 4), "TYOGZ")
    )
    assert [e["code"] for e in beyond["userErrors"]] == ["CATEGORY_NOT_COVERED"]
    assert used["userErrors"] == [] and used["awardStay"]["paidWithCertificate"] == 1
    await desk.aclose()


async def test_a_benefit_beyond_the_desks_allowance_or_unknown_is_refused_and_nothing_written(
    client: GraphQLClient,
) -> None:
    number = await stayed(client)
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    complaint = (await log(desk))["complaint"]["number"]

    # FREE_NIGHT counts as 4,000 of the front desk's 5,000: 1,000 points are left beside it.
    too_much = await resolve(desk, complaint, goodwillPoints=1_001, goodwillBenefit="FREE_NIGHT")
    unknown = await resolve(desk, complaint, goodwillBenefit="SPA_DAY")
    by_admin = await resolve(client, complaint, goodwillPoints=6_000, goodwillBenefit="FREE_NIGHT")

    assert [(e["code"], e["field"]) for e in too_much["userErrors"]] == [
        ("GOODWILL_LIMIT_EXCEEDED", "goodwillPoints")
    ]
    assert "1,000" in too_much["userErrors"][0]["message"]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_RECOVERY_BENEFIT", "goodwillBenefit")
    ]
    assert "FREE_NIGHT" in unknown["userErrors"][0]["message"]
    # Refused twice, nothing written: the admin's 10,000 fits 6,000 points and the night.
    assert by_admin["userErrors"] == []
    assert by_admin["guest"]["points"]["balance"] == 1_000 + 6_000
    assert [c["source"] for c in await certificates_of(client, number)] == ["GOODWILL"]
    await desk.aclose()


async def test_a_benefit_counts_against_the_guests_recognition_allowance(
    recognising: GraphQLClient,
) -> None:
    number = await three_stays(recognising.runtime, recognising)
    stays = await recognising(STAYS, n=number)
    confirmation = stays["guest"]["stays"]["edges"][0]["node"]["confirmationNumber"]
    first = (await recognising(LOG, input=log_input(confirmation)))["logComplaint"]
    second = (await recognising(LOG, input=log_input(confirmation)))["logComplaint"]
    before = (await recognising(VALUE, n=number))["guest"]
    assert before["value"]["recognitionAllowance"] == 5_000

    too_much = await resolve(
        recognising,
        first["complaint"]["number"],
        goodwillPoints=1_001,
        goodwillBenefit="FREE_NIGHT",
    )
    granted = await resolve(recognising, first["complaint"]["number"], goodwillBenefit="FREE_NIGHT")
    after = (await recognising(VALUE, n=number))["guest"]
    again = await resolve(recognising, second["complaint"]["number"], goodwillBenefit="FREE_NIGHT")
    points = await recognising(GOODWILL, input=goodwill(number, 1_001, "gw-after"))

    assert [(e["code"], e["field"]) for e in too_much["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "goodwillBenefit")
    ]
    assert granted["userErrors"] == [] and granted["complaint"]["goodwillBenefit"] == "FREE_NIGHT"
    assert after["value"]["recognitionAllowance"] == 1_000
    assert after["points"]["balance"] == before["points"]["balance"]
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "goodwillBenefit")
    ]
    assert [(e["code"], e["field"]) for e in points["postGoodwillPoints"]["userErrors"]] == [
        ("RECOGNITION_ALLOWANCE_EXCEEDED", "points")
    ]
    assert len(await certificates_of(recognising, number)) == 1
