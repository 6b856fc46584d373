"""simulateProgram and simulation(id): a what-if over the real history of a period.

Given members with stays in 2025 and 2026, when the brand simulates a candidate program over
January and February 2026, then the job returns at once, finishes, and compares the tiers,
points and costs with what actually happened, without changing the books.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from staytier.domain.access import Role
from staytier.program.loader import default_program_path
from staytier.services import simulation
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, StatusPeriod
from tests.support import GraphQLClient, enroll, new_key, record, set_clock

D = dt.date
TODAY = D(2026, 3, 2)
DEMO = default_program_path().read_text()
# The candidate: Silver by 5 nights instead of 10.
EASY_SILVER = DEMO.replace("qualifying_nights = 10\n", "qualifying_nights = 5\n")

SIMULATE = """
mutation Simulate($input: SimulateProgramInput!) {
  simulateProgram(input: $input) {
    simulation { id status }
    userErrors { code field message }
  }
}
"""

SIMULATION = """
query Simulation($id: ID!) {
  simulation(id: $id) {
    id status candidate progress membersDone membersTotal message
    membersByTier { tierCode actual simulated }
    movedUpCount movedDownCount
    movedUp(first: 10) { edges { node { memberNumber actualTier simulatedTier } } }
    movedDown(first: 10) { edges { node { memberNumber actualTier simulatedTier } } }
    pointsIssued { actual simulated }
    liability { actual simulated }
    benefitCostUsd { actual simulated }
  }
}
"""

CANCEL = """
mutation Cancel($input: CancelSimulationInput!) {
  cancelSimulation(input: $input) {
    simulation { status }
    userErrors { code field message }
  }
}
"""

REPORT = """
query Report($from: Date!, $to: Date!) {
  programReport(from: $from, to: $to) { membersByTier { tierCode members } }
}
"""


async def history(runtime: Runtime, client: GraphQLClient) -> dict[str, str]:
    """Four members: Silver from 2025; Gold, near-Silver and Silver from 2026 stays."""
    set_clock(runtime, D(2025, 3, 1))
    names = ["Silver2025", "Gold2026", "Eight", "Twelve"]
    members = {name: await enroll(client, "Test", name) for name in names}
    set_clock(runtime, D(2025, 6, 1))
    await record(client, member_number=members["Silver2025"], arrival=D(2025, 5, 1), nights=12)
    set_clock(runtime, TODAY)
    await record(client, member_number=members["Gold2026"], arrival=D(2026, 1, 5), nights=26)
    await record(client, member_number=members["Eight"], arrival=D(2026, 2, 2), nights=8)
    await record(client, member_number=members["Twelve"], arrival=D(2026, 1, 20), nights=6)
    await record(client, member_number=members["Twelve"], arrival=D(2026, 2, 10), nights=6)
    return members


async def simulate(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    period = {"from": "2026-01-01", "to": "2026-02-28"}
    data = await client(SIMULATE, input={**period, **fields})
    payload: dict[str, Any] = data["simulateProgram"]
    return payload


async def finished(client: GraphQLClient, simulation_id: str) -> dict[str, Any]:
    """Polls the simulation as a client would, until it reaches a final state."""
    for _ in range(2_000):
        found: dict[str, Any] = (await client(SIMULATION, id=simulation_id))["simulation"]
        if found["status"] in ("DONE", "CANCELLED", "FAILED"):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"simulation {simulation_id} did not finish")


def by_tier(result: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {t["tierCode"]: (t["actual"], t["simulated"]) for t in result["membersByTier"]}


async def books(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.reading() as session:
        entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
        periods = await session.scalar(select(func.count()).select_from(StatusPeriod))
    return int(entries or 0), int(periods or 0)


async def test_the_served_program_itself_reproduces_the_actual_tiers_exactly(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await history(runtime, client)
    before = await books(runtime)

    started = await simulate(client, programFile=DEMO)
    assert started["userErrors"] == []
    result = await finished(client, started["simulation"]["id"])

    assert result["status"] == "DONE" and result["progress"] == "1"
    assert result["movedUpCount"] == result["movedDownCount"] == 0
    assert result["movedUp"]["edges"] == result["movedDown"]["edges"] == []
    assert by_tier(result) == {
        "MEMBER": (1, 1), "SILVER": (2, 2), "GOLD": (1, 1), "PLATINUM": (0, 0),
    }  # fmt: skip
    report = await client(REPORT, **{"from": "2026-01-01", "to": "2026-02-28"})
    reported = {t["tierCode"]: t["members"] for t in report["programReport"]["membersByTier"]}
    assert {code: counts[0] for code, counts in by_tier(result).items()} == reported
    assert result["pointsIssued"]["actual"] == result["pointsIssued"]["simulated"] > 0
    assert result["liability"]["actual"] == result["liability"]["simulated"]
    assert await books(runtime) == before  # nothing written to the books


async def test_a_candidate_with_an_easier_silver_moves_the_eight_night_guest_up(
    runtime: Runtime, client: GraphQLClient
) -> None:
    members = await history(runtime, client)

    started = await simulate(client, programFile=EASY_SILVER)
    result = await finished(client, started["simulation"]["id"])

    assert result["status"] == "DONE"
    assert result["movedUpCount"] == 1 and result["movedDownCount"] == 0
    assert [e["node"] for e in result["movedUp"]["edges"]] == [
        {"memberNumber": members["Eight"], "actualTier": "MEMBER", "simulatedTier": "SILVER"}
    ]
    assert by_tier(result)["SILVER"] == (2, 3)
    # Twelve nights in two stays: Silver after the first under the candidate, so the second
    # stay (100 USD, 1,000 base points) earns the 10% Silver bonus.
    assert result["pointsIssued"]["simulated"] == result["pointsIssued"]["actual"] + 100


async def test_a_served_version_can_be_the_candidate(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await history(runtime, client)

    started = await simulate(client, programVersion="2026.1")
    result = await finished(client, started["simulation"]["id"])

    assert result["candidate"] == "version 2026.1"
    assert result["movedUpCount"] == result["movedDownCount"] == 0


async def test_a_candidate_that_fails_validation_lists_every_mistake(
    client: GraphQLClient,
) -> None:
    broken = DEMO.replace("bonus_percent = 10\n", "bonus_percent = -10\n").replace(
        "qualifying_stays = 10\n", "qualifying_stays = 2\n"
    )

    payload = await simulate(client, programFile=broken)

    assert payload["simulation"] is None
    codes = {(e["code"], e["field"]) for e in payload["userErrors"]}
    assert codes == {("INVALID_PROGRAM", "programFile")}
    messages = " ".join(e["message"] for e in payload["userErrors"])
    assert "negative bonus_percent" in messages
    assert "qualifying_stays must increase with rank" in messages
    assert len(payload["userErrors"]) >= 4  # both mistakes, in both versions


async def test_bad_requests_are_refused_and_start_nothing(client: GraphQLClient) -> None:
    not_toml = await simulate(client, programFile="this is = = not toml")
    unknown = await simulate(client, programVersion="1999.9")
    both = await simulate(client, programFile=DEMO, programVersion="2026.1")
    two_years = await client(
        SIMULATE, input={"from": "2025-12-01", "to": "2026-01-31", "programVersion": "2026.1"}
    )
    future = await client(
        SIMULATE, input={"from": "2026-03-01", "to": "2026-03-31", "programVersion": "2026.1"}
    )

    assert [e["code"] for e in not_toml["userErrors"]] == ["INVALID_PROGRAM"]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("INVALID_PROGRAM", "programVersion")
    ]
    assert [e["code"] for e in both["userErrors"]] == ["INVALID_INPUT"]
    assert [e["code"] for e in two_years["simulateProgram"]["userErrors"]] == ["INVALID_DATES"]
    assert [(e["code"], e["field"]) for e in future["simulateProgram"]["userErrors"]] == [
        ("INVALID_DATES", "to")
    ]


async def test_a_period_without_stays_gives_an_empty_comparison(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await history(runtime, client)

    # March 2026: the period has no stays, but the year's earlier nights are judged by the
    # candidate's thresholds: the eight-night guest would be Silver already.
    march = await client(
        SIMULATE, input={"from": "2026-03-01", "to": "2026-03-02", "programFile": EASY_SILVER}
    )
    # 2024: before anyone enrolled.
    before_anyone = await client(
        SIMULATE, input={"from": "2024-01-01", "to": "2024-12-31", "programFile": EASY_SILVER}
    )
    in_march = await finished(client, march["simulateProgram"]["simulation"]["id"])
    in_2024 = await finished(client, before_anyone["simulateProgram"]["simulation"]["id"])

    assert in_march["status"] == "DONE"
    assert in_march["pointsIssued"] == {"actual": 0, "simulated": 0}
    assert (in_march["movedUpCount"], in_march["movedDownCount"]) == (1, 0)
    assert in_2024["status"] == "DONE" and in_2024["membersTotal"] == 0
    assert in_2024["pointsIssued"] == {"actual": 0, "simulated": 0}
    assert all(counts == (0, 0) for counts in by_tier(in_2024).values())


async def test_two_simulations_at_once_each_get_their_own_results(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await history(runtime, client)

    first = await simulate(client, programFile=EASY_SILVER)
    second = await simulate(client, programFile=DEMO)
    one, two = await asyncio.gather(
        finished(client, first["simulation"]["id"]), finished(client, second["simulation"]["id"])
    )

    assert (one["movedUpCount"], two["movedUpCount"]) == (1, 0)


async def test_simulations_are_for_the_brand_only(runtime: Runtime, client: GraphQLClient) -> None:
    desk = await client.acting_as(Role.FRONT_DESK, properties=["NYCTS"])
    analyst = await client.acting_as(Role.ANALYST)
    try:
        refused = await desk.raw(SIMULATION, id="1")
        allowed = await analyst.raw(
            SIMULATE, input={"from": "2026-01-01", "to": "2026-01-31", "programVersion": "2026.1"}
        )
    finally:
        await desk.aclose()
        await analyst.aclose()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert allowed["data"]["simulateProgram"]["userErrors"] == []
    await finished(client, allowed["data"]["simulateProgram"]["simulation"]["id"])


async def test_cancelling_stops_the_job_at_its_next_batch(
    runtime: Runtime, client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await history(runtime, client)
    monkeypatch.setattr(simulation, "BATCH_SIZE", 1)  # one member per batch
    candidate = simulation.served_program(runtime)
    simulation_id = await simulation.create_simulation(
        runtime, candidate, D(2026, 1, 1), D(2026, 2, 28), "test"
    )

    async def cancel_after_first_batch(done: int, total: int) -> None:
        if done == 1:
            await simulation.cancel_simulation(runtime, simulation_id)

    status = await simulation.run_simulation(
        runtime, simulation_id, candidate, progress=cancel_after_first_batch
    )
    shown = (await client(SIMULATION, id=str(simulation_id)))["simulation"]

    assert status == "CANCELLED"
    assert (shown["status"], shown["membersDone"], shown["membersTotal"]) == ("CANCELLED", 1, 4)
    assert shown["pointsIssued"] is None and shown["membersByTier"] == []
    again = await client(CANCEL, input={"id": str(simulation_id)})
    unknown = await client(CANCEL, input={"id": "999999"})
    assert [e["code"] for e in again["cancelSimulation"]["userErrors"]] == ["SIMULATION_FINISHED"]
    assert [e["code"] for e in unknown["cancelSimulation"]["userErrors"]] == [
        "SIMULATION_NOT_FOUND"
    ]


PROMOTIONS = """
query Simulation($id: ID!) {
  simulation(id: $id) {
    status pointsIssued { actual simulated } movedUpCount movedDownCount
    membersByTier { tierCode actual simulated }
    promotionPoints { actual simulated } promotionCost { actual simulated }
  }
}
"""
REGISTER = """
mutation Register($input: RegisterForPromotionInput!) {
  registerForPromotion(input: $input) { userErrors { code } }
}
"""
DOUBLE = 'effects = { base_points_multiplier = "2" }'
SECOND_STAY = 'code = "SECONDSTAY"'


async def promoted_history(runtime: Runtime, client: GraphQLClient) -> dict[str, str]:
    """Ada registers for both demo promotions on 2 January 2026 and stays twice (3,000
    and 2,000 base points doubled; her second stay of two nights or more earns 1,000 points
    and a night from SECONDSTAY): 6,000 promotion points, and nine nights plus that one make
    her Silver. Bob stays twice and never registers."""
    set_clock(runtime, D(2025, 3, 1))
    members = {name: await enroll(client, "Test", name) for name in ("Ada", "Bob")}
    set_clock(runtime, D(2026, 1, 2))
    async with runtime.db.reading() as session:
        ada_id = await session.scalar(
            select(Member.id).where(Member.member_number == members["Ada"])
        )
    ada = await client.acting_as(Role.GUEST, member_id=ada_id)
    for code in ("DOUBLEPOINTS", "SECONDSTAY"):
        fields = {"idempotencyKey": new_key(), "memberNumber": members["Ada"],
                  "promotionCode": code}  # fmt: skip
        assert (await ada(REGISTER, input=fields))["registerForPromotion"]["userErrors"] == []
    await ada.aclose()
    set_clock(runtime, TODAY)
    for name, stays in (
        ("Ada", ((D(2026, 1, 10), 5, "300"), (D(2026, 2, 10), 4, "200"))),
        ("Bob", ((D(2026, 1, 20), 2, "100"), (D(2026, 2, 15), 2, "100"))),
    ):
        for arrival, nights, room in stays:
            await record(client, member_number=members[name], arrival=arrival, nights=nights,
                         room=room)  # fmt: skip
    return members


async def promotion_figures(client: GraphQLClient, program: str) -> dict[str, Any]:
    started = await simulate(client, programFile=program)
    assert started["userErrors"] == []
    await finished(client, started["simulation"]["id"])
    found: dict[str, Any] = (await client(PROMOTIONS, id=started["simulation"]["id"]))["simulation"]
    assert found["status"] == "DONE"
    return found


async def test_the_served_program_reproduces_the_promotion_points_and_their_cost(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await promoted_history(runtime, client)

    found = await promotion_figures(client, DEMO)

    assert found["promotionPoints"] == {"actual": 6_000, "simulated": 6_000}
    # At the demo's 0.6 cents a point.
    assert found["promotionCost"] == {"actual": "36.00", "simulated": "36.00"}
    assert found["pointsIssued"]["actual"] == found["pointsIssued"]["simulated"]
    # Ada's promotion night made her Silver, in the books and in the replay.
    assert found["movedUpCount"] == found["movedDownCount"] == 0
    assert {t["tierCode"]: (t["actual"], t["simulated"]) for t in found["membersByTier"]}[
        "SILVER"
    ] == (1, 1)
    # Replayed in the database or through the rule code, the same promotion points.
    for set_based in (True, False):
        candidate = simulation.served_program(runtime)
        simulation_id = await simulation.create_simulation(
            runtime, candidate, D(2026, 1, 1), D(2026, 2, 28), "test"
        )
        status = await simulation.run_simulation(
            runtime, simulation_id, candidate, set_based=set_based
        )
        row = await simulation.simulation_by_id(runtime, simulation_id)
        assert status == "DONE" and row is not None and row.summary is not None
        assert row.summary["replay"] == ("SET_BASED" if set_based else "EXACT")
        summary = row.summary
        assert (summary["actual_promotion_points"], summary["simulated_promotion_points"]) == (
            6_000, 6_000,
        )  # fmt: skip
        assert summary["moved_up"] == summary["moved_down"] == 0


async def test_a_candidates_richer_promotion_and_one_without_registration_cost_more(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await promoted_history(runtime, client)

    triple = await promotion_figures(client, DEMO.replace(DOUBLE, DOUBLE.replace('"2"', '"3"')))
    # Ada's 5,000 base points give 10,000 instead of 5,000; SECONDSTAY's 1,000 stays.
    assert triple["promotionPoints"] == {"actual": 6_000, "simulated": 11_000}
    assert triple["promotionCost"] == {"actual": "36.00", "simulated": "66.00"}
    assert triple["pointsIssued"]["simulated"] == triple["pointsIssued"]["actual"] + 5_000

    assert SECOND_STAY in DEMO
    start = DEMO.index(SECOND_STAY)
    open_to_all = DEMO[:start] + DEMO[start:].replace(
        "registration = { required = true }", "registration = { required = false }", 1
    )
    opened = await promotion_figures(client, open_to_all)
    # Bob never registered: only a promotion that asks for no registration rewards him.
    assert opened["promotionPoints"] == {"actual": 6_000, "simulated": 7_000}


REPLAYS = ("SET_BASED", "EXACT")


async def both_replays(
    runtime: Runtime, candidate: simulation.Candidate, period: tuple[dt.date, dt.date]
) -> list[dict[str, Any]]:
    """The summaries of the simulation of ``period`` replayed in the database, then through
    the rule code (REPLAYS)."""
    summaries = []
    for set_based in (True, False):
        simulation_id = await simulation.create_simulation(runtime, candidate, *period, "test")
        status = await simulation.run_simulation(
            runtime, simulation_id, candidate, set_based=set_based
        )
        row = await simulation.simulation_by_id(runtime, simulation_id)
        assert status == "DONE" and row is not None and row.summary is not None
        summaries.append(dict(row.summary))
    return summaries


async def test_a_stay_reported_late_is_judged_by_what_had_happened_by_its_checkout(
    runtime: Runtime, client: GraphQLClient
) -> None:
    # Credited in this order: a February stay that makes Silver under the candidate, then a
    # January stay reported late, then an even earlier one reported later still. At the
    # late stay's checkout nothing credited before it had happened yet, so it earns no
    # Silver bonus: the replay in the database must not take the totals at the earlier
    # stay's credit (which came after it) and must agree with the rule code.
    set_clock(runtime, D(2025, 12, 1))
    member = await enroll(client, "Test", "Late")
    set_clock(runtime, TODAY)
    for arrival, nights in ((D(2026, 2, 10), 6), (D(2026, 1, 20), 2), (D(2026, 1, 5), 1)):
        assert (await record(client, member_number=member, arrival=arrival, nights=nights))[
            "userErrors"
        ] == []
    candidate = simulation.candidate_from_file(EASY_SILVER)
    period = (D(2026, 1, 1), D(2026, 2, 28))

    in_sql, exact = await both_replays(runtime, candidate, period)

    assert (in_sql.pop("replay"), exact.pop("replay")) == REPLAYS
    assert in_sql == exact
    assert in_sql["moved_up"] == 1


async def test_a_stay_across_new_year_is_not_given_the_status_its_own_nights_earned(
    runtime: Runtime, client: GraphQLClient
) -> None:
    # Eight nights in December, then a stay from 28 December to 1 January: its four December
    # nights make 2025 Silver, from its own credit. The books judged its bonus before that
    # credit (no bonus); replaying 2026 with the served program must do the same, in the
    # database and in the rule code, though that Silver is status kept from 2025.
    set_clock(runtime, D(2025, 11, 1))
    member = await enroll(client, "Test", "NewYear")
    set_clock(runtime, TODAY)
    for arrival, nights in ((D(2025, 12, 1), 8), (D(2025, 12, 28), 4)):
        recorded = await record(client, member_number=member, arrival=arrival, nights=nights)
        assert recorded["userErrors"] == []
    candidate = simulation.served_program(runtime)
    period = (D(2026, 1, 1), D(2026, 2, 28))

    summaries = await both_replays(runtime, candidate, period)
    for summary, replay in zip(summaries, REPLAYS, strict=True):
        assert summary["replay"] == replay
        assert summary["moved_up"] == summary["moved_down"] == 0
        assert summary["simulated_points"] == summary["actual_points"] > 0, summary
