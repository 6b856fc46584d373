"""What-if for the brand: ``simulateProgram`` starts a simulation as a job and returns at
once; ``simulation(id)`` shows its progress and, once DONE, the comparison with what
actually happened; ``cancelSimulation`` stops it at its next batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.pagination import Page
from staytier.api.graphql.privileges import BrandReports
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services import simulation
from staytier.store import models


@strawberry.type(description="A member the candidate would put on another tier.")
class SimulatedMove(relay.Node):
    move_id: relay.NodeID[int]
    member_number: str
    actual_tier: str
    simulated_tier: str


@strawberry.type(description="Members on one tier at the period end: actual and simulated.")
class SimulatedTierCount:
    tier_code: str
    tier_name: str
    rank: int
    actual: int
    simulated: int


@strawberry.type
class PointsComparison:
    actual: int
    simulated: int


@strawberry.type
class MoneyComparison:
    actual: Decimal
    simulated: Decimal


async def _moves(
    info: Info[Context, None], simulation_id: int, first: int | None, after: str | None, up: bool
) -> relay.Connection[SimulatedMove]:
    kind = f"simulation-{simulation_id}-{'up' if up else 'down'}"
    asked: Page[int] = Page.of(kind, first, after)
    rows = await simulation.moves_page(
        info.context.runtime, simulation_id, first=asked.size, after_id=asked.after, up=up
    )
    return asked.connection(
        rows,
        lambda r: r[0].id,
        lambda r: SimulatedMove(
            move_id=r[0].id,
            member_number=r[1],
            actual_tier=r[0].actual_tier,
            simulated_tier=r[0].simulated_tier,
        ),
    )


@strawberry.type(
    description="A what-if: QUEUED, RUNNING, then DONE, CANCELLED or FAILED. The comparison "
    "fields are null until it is DONE."
)
class ProgramSimulation:
    id: strawberry.ID
    status: str
    candidate: str
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    members_done: int
    members_total: int
    progress: Decimal = strawberry.field(description="Members done / members, 0 to 1.")
    message: str
    members_by_tier: list[SimulatedTierCount]
    moved_up_count: int | None
    moved_down_count: int | None
    points_issued: PointsComparison | None = strawberry.field(
        description="Base and bonus points of the period's stays and activities, "
        "promotion points included."
    )
    currency: str | None
    breakage_rate: Decimal | None
    liability: MoneyComparison | None
    benefit_cost_usd: MoneyComparison | None
    promotion_points: PointsComparison | None = strawberry.field(
        description="Points the promotions gave on the period's stays and activities: "
        "actually (net of reversals) and under the candidate's promotions (part of "
        "pointsIssued)."
    )
    promotion_cost: MoneyComparison | None = strawberry.field(
        description="promotionPoints valued at each program's value per point, in currency."
    )

    @strawberry.field(description="Members who would hold a higher tier at the period end.")
    async def moved_up(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[SimulatedMove]:
        return await _moves(info, int(self.id), first, after, up=True)

    @strawberry.field(description="Members who would hold a lower tier at the period end.")
    async def moved_down(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[SimulatedMove]:
        return await _moves(info, int(self.id), first, after, up=False)

    @classmethod
    def of(cls, row: models.ProgramSimulation) -> ProgramSimulation:
        summary: dict[str, Any] = row.summary or {}
        done = bool(summary)
        total = row.members_total
        return cls(
            id=strawberry.ID(str(row.id)),
            status=row.status,
            candidate=row.candidate,
            from_=row.period_start,
            to=row.period_end,
            members_done=row.members_done,
            members_total=total,
            progress=(
                Decimal(1)
                if row.status == "DONE"
                else (Decimal(row.members_done) / total).quantize(Decimal("0.0001"))
                if total
                else Decimal(0)
            ),
            message=row.message,
            members_by_tier=[
                SimulatedTierCount(
                    tier_code=t["code"],
                    tier_name=t["name"],
                    rank=t["rank"],
                    actual=t["actual"],
                    simulated=t["simulated"],
                )
                for t in summary.get("tiers", [])
            ],
            moved_up_count=summary.get("moved_up"),
            moved_down_count=summary.get("moved_down"),
            points_issued=PointsComparison(
                actual=summary["actual_points"], simulated=summary["simulated_points"]
            )
            if done
            else None,
            currency=summary.get("currency"),
            breakage_rate=Decimal(summary["breakage_rate"]) if done else None,
            liability=MoneyComparison(
                actual=Decimal(summary["actual_liability"]),
                simulated=Decimal(summary["simulated_liability"]),
            )
            if done
            else None,
            benefit_cost_usd=MoneyComparison(
                actual=Decimal(summary["actual_benefit_cost_usd"]),
                simulated=Decimal(summary["simulated_benefit_cost_usd"]),
            )
            if done
            else None,
            # A simulation finished before promotions were counted has no such figures.
            promotion_points=PointsComparison(
                actual=summary["actual_promotion_points"],
                simulated=summary["simulated_promotion_points"],
            )
            if "actual_promotion_points" in summary
            else None,
            promotion_cost=MoneyComparison(
                actual=Decimal(summary["actual_promotion_cost"]),
                simulated=Decimal(summary["simulated_promotion_cost"]),
            )
            if "actual_promotion_cost" in summary
            else None,
        )


@strawberry.input(
    description="A what-if: give the candidate as a program file's content (TOML or JSON) "
    "or as a version of the served program, and a period within one qualification year."
)
class SimulateProgramInput:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    program_file: str | None = None
    program_version: str | None = None


@strawberry.type
class SimulationPayload:
    """What a mutation on a what-if answers: the simulation as it is stored now, or the
    userErrors. simulateProgram and cancelSimulation answer alike, each under a payload
    name of its own."""

    simulation: ProgramSimulation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SimulateProgramPayload(SimulationPayload):
    """What simulateProgram answers (see :class:`SimulationPayload`)."""


@strawberry.input
class CancelSimulationInput:
    id: strawberry.ID


@strawberry.type
class CancelSimulationPayload(SimulationPayload):
    """What cancelSimulation answers (see :class:`SimulationPayload`)."""


Answered = TypeVar("Answered", bound=SimulationPayload)


async def _answer(
    info: Info[Context, None], payload: type[Answered], done: Awaitable[int]
) -> Answered:
    """The ``payload`` of the what-if whose id ``done`` answers, as it is stored now; a
    refusal's is of its userErrors (see :func:`attempt`)."""
    simulation_id, errors = await attempt(done)
    if simulation_id is None:
        return payload(user_errors=errors)
    row = await simulation.simulation_by_id(info.context.runtime, simulation_id)
    assert row is not None
    return payload(simulation=ProgramSimulation.of(row))


def _candidate(info: Info[Context, None], given: SimulateProgramInput) -> simulation.Candidate:
    if (given.program_file is None) == (given.program_version is None):
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, "Give either programFile or programVersion.", "programFile"
        )
    if given.program_file is not None:
        return simulation.candidate_from_file(given.program_file)
    assert given.program_version is not None
    return simulation.candidate_from_version(info.context.runtime, given.program_version.strip())


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() else None


@strawberry.type
class SimulationQuery:
    @strawberry.field(
        description="A what-if by id; null when unknown.", permission_classes=[BrandReports]
    )
    async def simulation(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> ProgramSimulation | None:
        simulation_id = _id(str(id))
        if simulation_id is None:
            return None
        row = await simulation.simulation_by_id(info.context.runtime, simulation_id)
        return ProgramSimulation.of(row) if row is not None else None


@strawberry.type
class SimulationMutation:
    @strawberry.mutation(
        description="Starts a what-if and returns at once; follow it with simulation(id). "
        "Nothing in the books changes.",
        permission_classes=[BrandReports],
    )
    async def simulate_program(
        self, info: Info[Context, None], input: SimulateProgramInput
    ) -> SimulateProgramPayload:
        runtime = info.context.runtime

        async def start() -> int:
            candidate = _candidate(info, input)
            return await simulation.start_simulation(
                runtime,
                candidate,
                input.from_,
                input.to,
                requested_by=info.context.principal.client_id,
            )

        return await _answer(info, SimulateProgramPayload, start())

    @strawberry.mutation(
        description="Stops a queued or running what-if at its next batch.",
        permission_classes=[BrandReports],
    )
    async def cancel_simulation(
        self, info: Info[Context, None], input: CancelSimulationInput
    ) -> CancelSimulationPayload:
        simulation_id = _id(str(input.id))

        async def cancel() -> int:
            if simulation_id is None:
                raise BusinessRuleError(
                    ErrorCode.SIMULATION_NOT_FOUND, f"No simulation {input.id}.", "id"
                )
            await simulation.cancel_simulation(info.context.runtime, simulation_id)
            return simulation_id

        return await _answer(info, CancelSimulationPayload, cancel())
