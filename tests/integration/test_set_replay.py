"""The what-if replayed in the database agrees with the exact replay in Python.

Given three years of generated history, when a year is simulated with the served program, and
with a candidate that moves every threshold and bonus, then the set-based replay (tiers at
the end and tier bonuses from running totals in SQL) gives the same comparison, member by
member, as the replay through the domain's rule code; a candidate that credits stays
differently is left to the exact replay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from staytier.domain.replay_candidates import set_based_version
from staytier.generator import GenerationPlan, generate
from staytier.program.model import Program, ProgramVersion
from staytier.services import simulation
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.models import SimulatedMove
from tests.support import service_runtime, set_clock

TODAY = dt.date(2026, 3, 2)
PLAN = GenerationPlan(members=150, stays_per_member=8, seed=5, today=TODAY, properties=8)
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    served = await service_runtime(db)
    await generate(db.url, served.program, served.rates, PLAN)
    set_clock(served, TODAY)
    return served


def reshaped(version: ProgramVersion) -> ProgramVersion:
    """Every tier easier by a third, every bonus up by 15 points (the base tier stays 0)."""
    tiers = [
        msgspec.structs.replace(
            tier,
            bonus_percent=tier.bonus_percent + 15 if tier.rank else 0,
            qualifying_nights=tier.qualifying_nights and tier.qualifying_nights * 2 // 3,
            qualifying_stays=tier.qualifying_stays and tier.qualifying_stays * 2 // 3,
            qualifying_base_points=tier.qualifying_base_points
            and tier.qualifying_base_points * 2 // 3,
        )
        for tier in version.tiers
    ]
    return msgspec.structs.replace(version, tiers=tiers)


def candidate_of(runtime: Runtime, change: Any) -> simulation.Candidate:
    program: Program = msgspec.structs.replace(
        runtime.program, versions=[change(v) for v in runtime.program.versions]
    )
    return simulation.Candidate(label="changed", rules_on=program.version_on)


async def outcome(
    runtime: Runtime, candidate: simulation.Candidate, *, set_based: bool
) -> tuple[dict[str, Any], list[tuple[int, int, int]]]:
    simulation_id = await simulation.create_simulation(runtime, candidate, *YEAR, "test")
    status = await simulation.run_simulation(runtime, simulation_id, candidate, set_based=set_based)
    row = await simulation.simulation_by_id(runtime, simulation_id)
    assert status == "DONE" and row is not None and row.summary is not None, row
    summary = dict(row.summary)
    replay = summary.pop("replay")
    assert replay == ("SET_BASED" if set_based else "EXACT")
    move = SimulatedMove
    async with runtime.db.reading() as session:
        moves = await session.execute(
            select(move.member_id, move.actual_rank, move.simulated_rank)
            .where(move.simulation_id == simulation_id)
            .order_by(move.member_id)
        )
        return summary, [tuple(found) for found in moves]


async def test_the_served_program_replayed_in_sql_matches_the_exact_replay(
    runtime: Runtime,
) -> None:
    candidate = simulation.served_program(runtime)

    in_sql = await outcome(runtime, candidate, set_based=True)
    exact = await outcome(runtime, candidate, set_based=False)

    assert in_sql == exact
    summary, moves = in_sql
    assert summary["members"] > 100 and summary["actual_points"] > 0
    # The served program reproduces the books: nobody moves, and the points are the same.
    assert moves == [] and summary["moved_up"] == summary["moved_down"] == 0
    assert summary["simulated_points"] == summary["actual_points"]


async def test_new_thresholds_and_bonuses_replayed_in_sql_match_the_exact_replay(
    runtime: Runtime,
) -> None:
    candidate = candidate_of(runtime, reshaped)
    assert set_based_version(runtime.rules_on, candidate.rules_on, *YEAR) is not None

    in_sql = await outcome(runtime, candidate, set_based=True)
    exact = await outcome(runtime, candidate, set_based=False)

    assert in_sql == exact
    summary, moves = in_sql
    assert summary["moved_up"] > 0 and len(moves) == summary["moved_up"] + summary["moved_down"]
    assert summary["simulated_points"] > summary["actual_points"]


async def test_small_batches_give_the_comparison_of_one_batch(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch reads only its own members' rows (credits, ledger entries, status periods
    # bounded by the batch's ids): cut into batches of seven, nothing is lost or counted twice.
    candidate = candidate_of(runtime, reshaped)
    whole = await outcome(runtime, candidate, set_based=True)

    monkeypatch.setattr(simulation, "BATCH_SIZE", 7)
    in_sql = await outcome(runtime, candidate, set_based=True)
    exact = await outcome(runtime, candidate, set_based=False)

    assert in_sql == whole and exact == whole
    assert whole[0]["moved_up"] > 0


async def test_a_candidate_that_credits_stays_differently_is_replayed_exactly(
    runtime: Runtime,
) -> None:
    def richer(version: ProgramVersion) -> ProgramVersion:
        earning = msgspec.structs.replace(
            version.earning, base_points_per_usd=version.earning.base_points_per_usd + 1
        )
        return msgspec.structs.replace(version, earning=earning)

    candidate = candidate_of(runtime, richer)
    assert set_based_version(runtime.rules_on, candidate.rules_on, *YEAR) is None
