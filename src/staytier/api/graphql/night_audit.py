"""``recordStays``: the night audit in bulk (see :mod:`staytier.services.bulk_stays`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_reported
from staytier.api.graphql.permissions import StayRecorders
from staytier.api.graphql.stay_mutations import RecordStayInput
from staytier.api.graphql.types import Stay
from staytier.services import bulk_stays


@strawberry.input
class RecordStaysInput:
    idempotency_key: str = strawberry.field(
        description="The batch's key: sending the same batch again returns the first answer."
    )
    stays: list[RecordStayInput] = strawberry.field(
        description="The stays, each as recordStay takes it (its own idempotencyKey too); at "
        "most the program's limits.max_stays_per_batch (1,000 in the demo program)."
    )


@strawberry.type
class RecordStayResult:
    index: int = strawberry.field(description="The stay's position in the input, from 0.")
    confirmation_number: str
    stay: Stay | None = strawberry.field(
        default=None, description="The stay as recorded; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why this stay was refused; empty when recorded."
    )


@strawberry.type
class RecordStaysPayload:
    results: list[RecordStayResult] = strawberry.field(
        default_factory=list, description="One per input stay, in input order."
    )
    recorded: int = strawberry.field(default=0, description="Stays recorded.")
    credited: int = strawberry.field(
        default=0, description="Of those recorded, the stays reported COMPLETED (credited)."
    )
    refused: int = strawberry.field(default=0, description="Stays refused: see their userErrors.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Mistakes of the batch as a whole (no stays, too many, key reused); when "
        "present, nothing was recorded.",
    )


@strawberry.type
class NightAuditMutation:
    @strawberry.mutation(
        description="The night audit: records up to the program's batch limit of stays at "
        "once, each credited or refused on its own under recordStay's rules.",
        permission_classes=[StayRecorders],
    )
    async def record_stays(
        self, info: Info[Context, None], input: RecordStaysInput
    ) -> RecordStaysPayload:
        context = info.context
        command = bulk_stays.RecordStays(
            idempotency_key=input.idempotency_key,
            stays=tuple(stay.command() for stay in input.stays),
        )
        outcome, errors = await attempt_reported(context, bulk_stays.record_stays, command)
        if outcome is None:
            return RecordStaysPayload(user_errors=errors)
        return RecordStaysPayload(
            results=[
                RecordStayResult(
                    index=r.index,
                    confirmation_number=r.confirmation_number,
                    stay=Stay.of(*outcome.stays[r.stay_id]) if r.stay_id is not None else None,
                    user_errors=[
                        UserError(code=e.code, field=e.field, message=e.message) for e in r.errors
                    ],
                )
                for r in outcome.results
            ],
            recorded=outcome.recorded,
            credited=outcome.credited,
            refused=outcome.refused,
        )
