"""A free-night certificate as a sweepstakes prize: program data names it, the draw issues it
to each winner of the prize once (a retried draw issues nothing twice), the guest finds it
with their certificates and redeems it like any other, and the winner's notice names it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from staytier.program.loader import default_program_path
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from tests.engagement_support import (
    certificate_input,
    certificates_of,
    draw,
    member_with_email,
    use,
)
from tests.mail_relay import SmtpRelay, mailing_runtime
from tests.partners import worker
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, enroll, guest, make_app, make_runtime, new_key, record

D = dt.date
RUNNER_UP = '{ name = "Runner-up", points = 10000, count = 2 },'
FREE_NIGHT = (
    '{ name = "Free night", count = 2, certificate = { max_category = 5, valid_months = 6 } },'
)
PRIZES = "{ sweepstakes(first: 1) { edges { node { prizes { name points count "
PRIZES += "certificate { maxCategory validMonths } } } } } }"


@pytest.fixture
async def prize_runtime(db: Database, tmp_path: Path) -> Runtime:
    """The demo program whose runners-up win a free-night certificate (category 5, 6 months)."""
    demo = default_program_path().read_text()
    assert RUNNER_UP in demo
    program = tmp_path / "certificate-prize.toml"
    program.write_text(demo.replace(RUNNER_UP, FREE_NIGHT))
    return await make_runtime(db, program=program)


@pytest.fixture
async def prizes(prize_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    graphql = GraphQLClient(make_app(prize_runtime))
    yield graphql
    await graphql.aclose()


async def entrants(client: GraphQLClient, count: int) -> list[str]:
    members = [await enroll(client, f"Guest{i}", "Entrant") for i in range(count)]
    for index, number in enumerate(members):
        await record(client, member_number=number, arrival=D(2026, 2, 1), nights=index + 1)
    return members


async def test_the_published_prizes_name_the_certificate(prizes: GraphQLClient) -> None:
    shown = (await prizes(PRIZES))["sweepstakes"]["edges"][0]["node"]["prizes"]

    assert shown == [
        {"name": "Grand prize", "points": 100_000, "count": 1, "certificate": None},
        {"name": "Free night", "points": 0, "count": 2,
         "certificate": {"maxCategory": 5, "validMonths": 6}},
    ]  # fmt: skip


async def test_each_certificate_winner_gets_one_certificate_even_when_the_draw_is_retried(
    prizes: GraphQLClient,
) -> None:
    members = await entrants(prizes, 4)
    await set_clock(prizes, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))
    before = {number: (await guest(prizes, number))["points"]["balance"] for number in members}
    key = new_key()

    drawn = await draw(prizes, key=key)
    retried = await draw(prizes, key=key)

    assert drawn["userErrors"] == [] and retried == drawn
    winners = {w["entrantId"]: w for w in drawn["sweepstakes"]["winners"]}
    assert sorted(w["prize"] for w in winners.values()) == [
        "Free night",
        "Free night",
        "Grand prize",
    ]
    for number in members:
        own = (await prizes(
            "query E($n: String!) { guest(memberNumber: $n) { sweepstakesEntries { entrantId } } }",
            n=number,
        ))["guest"]["sweepstakesEntries"][0]["entrantId"]  # fmt: skip
        won = winners.get(own, {}).get("prize")
        found = await certificates_of(prizes, number)
        gained = (await guest(prizes, number))["points"]["balance"] - before[number]
        if won == "Free night":
            assert [(c["source"], c["milestoneNights"], c["maxCategory"], c["status"])
                    for c in found] == [("SWEEPSTAKES", 0, 5, "ISSUED")]  # fmt: skip
            assert (found[0]["issuedOn"], found[0]["expiresOn"]) == ("2027-01-01", "2027-07-01")
            assert "Free night" in found[0]["description"]
            assert gained == 0
        else:
            assert found == []
            assert gained == (100_000 if won == "Grand prize" else 0)


async def test_a_won_certificate_is_redeemed_like_any_other(prizes: GraphQLClient) -> None:
    members = await entrants(prizes, 3)
    await set_clock(prizes, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))
    assert (await draw(prizes))["userErrors"] == []
    held = [(number, await certificates_of(prizes, number)) for number in members]
    holder, certificate = next((number, found[0]) for number, found in held if found)

    too_fine = await use(
        prizes, certificate_input(holder, certificate["number"], D(2027, 2, 10), "NYCTS")
    )
    used = await use(prizes, certificate_input(holder, certificate["number"], D(2027, 2, 10)))

    assert [e["code"] for e in too_fine["userErrors"]] == ["CATEGORY_NOT_COVERED"]
    assert used["userErrors"] == [] and used["awardStay"]["paidWithCertificate"] == 1
    assert (await certificates_of(prizes, holder))[0]["status"] == "USED"


async def test_the_winners_notice_names_the_certificate(
    prizes: GraphQLClient, prize_runtime: Runtime, smtp_relay: tuple[SmtpRelay, int]
) -> None:
    relay, port = smtp_relay
    for index in range(3):
        number = await member_with_email(prizes, f"Entrant{index}", f"e{index}@example.test")
        await record(
            prizes, member_number=number, arrival=D(2026, 2, 1), nights=index + 1,
            confirmation=f"SW-{index}",
        )  # fmt: skip
    delivery = worker(mailing_runtime(prize_runtime, port))
    await delivery.deliver_due()  # the survey invitations
    invitations = len(relay.received)
    await set_clock(prizes, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))

    assert (await draw(prizes))["userErrors"] == []
    await delivery.deliver_due()

    bodies = [SmtpRelay.body(m) for m in relay.received[invitations:]]
    assert len(bodies) == 3
    certificate_notices = [b for b in bodies if "free-night certificate" in b]
    assert len(certificate_notices) == 2
    for body in certificate_notices:
        assert "up to category 5" in body and "by 2027-07-01" in body
        assert "points are in your account" not in body
