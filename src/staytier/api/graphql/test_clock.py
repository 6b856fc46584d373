"""The test clock: test deployments move it and run the jobs that fall due."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.permissions import AdminOnly
from staytier.api.graphql.types import Clock, JobReport
from staytier.services.jobs import move_test_clock


@strawberry.input
class SetTestClockInput:
    now: dt.datetime


@strawberry.type
class SetTestClockPayload:
    clock: Clock | None = None
    jobs_run: list[JobReport] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TestClockMutation:
    @strawberry.mutation(
        description="Test deployments only: moves the clock and runs the jobs that fall due.",
        permission_classes=[AdminOnly],
    )
    async def set_test_clock(
        self, info: Info[Context, None], input: SetTestClockInput
    ) -> SetTestClockPayload:
        runtime = info.context.runtime
        reports, errors = await attempt(move_test_clock(runtime, input.now))
        if reports is None:
            return SetTestClockPayload(user_errors=errors)
        return SetTestClockPayload(
            clock=Clock(now=runtime.clock.now(), is_test_clock=True),
            jobs_run=[
                copy_fields(JobReport, r, summary=strawberry.scalars.JSON(r.summary))
                for r in reports
            ],
        )
