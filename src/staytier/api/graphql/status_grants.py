"""Status match, challenge and gifting. Each writes a status period with its cause; the
member's ``tierHistory`` shows it, and ``tier`` reads it like any other status."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import (
    MemberRequestInput,
    attempt,
    attempt_as,
    member_payload,
    member_request,
)
from staytier.api.graphql.permissions import AdminOnly, MemberScoped, RolePermission
from staytier.api.graphql.privileges import code_of
from staytier.api.graphql.types import Guest
from staytier.domain.access import Role
from staytier.domain.errors import ErrorCode
from staytier.services import status_grants
from staytier.store import models


class ChallengeStarters(RolePermission):
    """A guest signing up for a challenge, or an administrator for them."""

    roles = (Role.ADMIN, Role.GUEST)


class SignedInGuest(RolePermission):
    """Only the guest themself: a gift is the giver's own choice."""

    roles = (Role.GUEST,)


@strawberry.type(description="Status given rather than earned: a match, a challenge, a gift.")
class StatusGrant:
    kind: str = strawberry.field(description="MATCH, CHALLENGE or GIFT.")
    state: str = strawberry.field(description="GRANTED; for a challenge OPEN, MET or LAPSED.")
    tier_code: str
    valid_from: dt.date
    valid_through: dt.date
    nights_required: int | None
    reason: str
    evidence: str

    @classmethod
    def of(cls, row: models.StatusGrant) -> StatusGrant:
        return copy_fields(
            cls,
            row,
            valid_from=row.starts_on,
            valid_through=row.ends_on,
            nights_required=row.nights_required or None,
        )


@strawberry.type
class StatusGrantPayload:
    grant: StatusGrant | None = None
    guest: Guest | None = strawberry.field(
        default=None, description="The member granted; for a gift, the giver."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: status_grants.Granted, guest: Guest | None) -> StatusGrantPayload:
        return cls(grant=StatusGrant.of(result.grant), guest=guest)


@strawberry.input
class GrantStatusInput(MemberRequestInput):
    tier_code: str
    valid_through: dt.date
    reason: str = strawberry.field(description="e.g. a status match from another chain.")
    evidence_reference: str = strawberry.field(description="Where the evidence is kept.")
    valid_from: dt.date | None = strawberry.field(
        default=None, description="The member's today if unset; never in the past."
    )


@strawberry.input
class StartStatusChallengeInput(MemberRequestInput):
    tier_code: str


@strawberry.input
class GiftTierInput:
    idempotency_key: str
    recipient_member_number: str
    tier_code: str


@strawberry.type
class StatusGrantsMutation:
    @strawberry.mutation(
        description="Administrators: a status match for a period, with reason and evidence.",
        extensions=[MemberScoped(AdminOnly)],
    )
    async def grant_status(
        self, info: Info[Context, None], input: GrantStatusInput
    ) -> StatusGrantPayload:
        context = info.context
        command = status_grants.GrantStatus(
            **member_request(input),
            tier_code=code_of(input.tier_code),
            valid_from=input.valid_from,
            valid_through=input.valid_through,
            reason=input.reason,
            evidence=input.evidence_reference,
        )
        return await member_payload(
            info, StatusGrantPayload, attempt_as(context, status_grants.grant_status, command)
        )

    @strawberry.mutation(
        description="A tier on trial, earned by the program's nights within its days.",
        extensions=[MemberScoped(ChallengeStarters)],
    )
    async def start_status_challenge(
        self, info: Info[Context, None], input: StartStatusChallengeInput
    ) -> StatusGrantPayload:
        context = info.context
        command = status_grants.StartStatusChallenge(
            **member_request(input),
            tier_code=code_of(input.tier_code),
        )
        return await member_payload(
            info,
            StatusGrantPayload,
            attempt_as(context, status_grants.start_status_challenge, command),
        )

    @strawberry.mutation(
        description="The signed-in guest gifts a lower tier to another member.",
        permission_classes=[SignedInGuest],
    )
    async def gift_tier(
        self, info: Info[Context, None], input: GiftTierInput
    ) -> StatusGrantPayload:
        context = info.context
        giver = context.principal.member_id
        if giver is None:
            return StatusGrantPayload(
                user_errors=[UserError(code=ErrorCode.MEMBER_NOT_FOUND, field=None, message="")]
            )
        command = status_grants.GiftTier(
            idempotency_key=input.idempotency_key,
            recipient_member_number=input.recipient_member_number.strip(),
            tier_code=code_of(input.tier_code),
        )
        call = status_grants.gift_tier(
            context.runtime,
            command,
            giver_id=giver,
            actor=context.principal.client_id,
            scope=context.idempotency_scope,
        )
        return await member_payload(info, StatusGrantPayload, attempt(call))
