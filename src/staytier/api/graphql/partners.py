"""Partners: the operators' view of the outbox and replaying a dead request.

These fields are for the brand's operators (administrators).
"""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.pagination import read_page
from staytier.api.graphql.partner_types import OutboxRequest, OutboxStateCount
from staytier.api.graphql.permissions import AdminOnly
from staytier.domain.outbox import RequestState
from staytier.services import outbox_replay, partner_views


@strawberry.type(
    description="The partner outbox: how many requests are in each state, and "
    "the requests themselves (PENDING, RETRYING = failed for now, DEAD, ...)."
)
class PartnerOutbox:
    partner: strawberry.Private[str | None]

    @strawberry.field(description="Requests per state, every state listed.")
    async def counts(self, info: Info[Context, None]) -> list[OutboxStateCount]:
        async with info.context.runtime.db.reading() as session:
            counts = await partner_views.state_counts(session, self.partner)
        return [OutboxStateCount(state=state, count=count) for state, count in counts.items()]

    @strawberry.field(
        description="Oldest first, as the queue runs; every state when `states` is left out."
    )
    async def requests(
        self,
        info: Info[Context, None],
        states: list[RequestState] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[OutboxRequest]:
        return await read_page(
            info.context,
            "outbox",
            first,
            after,
            lambda s, p: partner_views.outbox_page(
                s, states=states or [], partner=self.partner, first=p.size, after_id=p.after
            ),
            lambda r: r[0].id,
            lambda r: OutboxRequest.of_row(*r),
        )


@strawberry.type
class PartnersQuery:
    @strawberry.field(
        description="The partner outbox, for one partner or all.", permission_classes=[AdminOnly]
    )
    def partner_outbox(self, partner: str | None = None) -> PartnerOutbox:
        return PartnerOutbox(partner=partner)


@strawberry.input
class ReplayPartnerRequestInput:
    request_number: int = strawberry.field(description="PartnerRequest.requestNumber.")
    idempotency_key: str


@strawberry.type
class ReplayPartnerRequestPayload:
    partner_request: OutboxRequest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartnersMutation:
    @strawberry.mutation(
        permission_classes=[AdminOnly],
        description="Sends a DEAD request whose outcome was never applied "
        "again, with the same idempotency key (see docs/partners.md).",
    )
    async def replay_partner_request(
        self, info: Info[Context, None], input: ReplayPartnerRequestInput
    ) -> ReplayPartnerRequestPayload:
        runtime = info.context.runtime
        result, errors = await attempt(
            outbox_replay.replay(runtime, input.request_number, input.idempotency_key)
        )
        if result is None:
            return ReplayPartnerRequestPayload(user_errors=errors)
        return ReplayPartnerRequestPayload(
            partner_request=OutboxRequest.of_row(result.request, result.member_number)
        )
