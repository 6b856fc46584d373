"""Points between members: household pools and transfers. Every mutation here is the
signed-in guest's own act (a guest token); staff cannot move a member's points."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import OwnMember, attempt_own, member_payload
from staytier.api.graphql.permissions import RolePermission
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.types import Guest
from staytier.domain.access import Role
from staytier.domain.errors import ErrorCode
from staytier.services import pool_views, sharing, transfers

C = TypeVar("C")


class OwnPoints(RolePermission):
    """Only the guest themself, signed in: points move by the member's own choice."""

    roles = (Role.GUEST,)


@strawberry.type(description="A member's seat in a points pool.")
class PoolMember:
    member_number: str
    first_name: str
    state: str = strawberry.field(description="INVITED or ACTIVE.")
    owner: bool
    contributed_points: int = strawberry.field(
        description="Points contributed this qualification year."
    )


@strawberry.type(
    description="A household pool: contributions move to the owner, who alone redeems them."
)
class PointsPool:
    id: strawberry.ID
    name: str
    owner_member_number: str
    members: list[PoolMember]
    year: int = strawberry.field(description="The qualification year the totals cover.")
    pooled_points: int = strawberry.field(description="Points contributed this year.")
    max_members: int
    max_points_per_year: int | None = strawberry.field(description="null: no yearly limit.")


def points_pool_of(view: pool_views.PoolView) -> PointsPool:
    return copy_fields(
        PointsPool,
        view,
        id=strawberry.ID(str(view.pool.id)),
        name=view.pool.name,
        members=[copy_fields(PoolMember, seat) for seat in view.seats],
        max_points_per_year=view.max_points_per_year or None,
    )


async def pool_of_member(context: Context, member_id: int) -> PointsPool | None:
    runtime = context.runtime
    async with runtime.db.reading() as session:
        pool = await pool_views.pool_of(session, member_id)
        view = None if pool is None else await pool_views.view_of(session, runtime, pool)
    return None if view is None else points_pool_of(view)


async def invitations_of_member(context: Context, member_id: int) -> list[PointsPool]:
    runtime = context.runtime
    async with runtime.db.reading() as session:
        pools = await pool_views.invitations_of(session, member_id)
        views = [await pool_views.view_of(session, runtime, pool) for pool in pools]
    return [points_pool_of(view) for view in views]


@strawberry.type
class PointsPoolPayload:
    pool: PointsPool | None = strawberry.field(
        default=None, description="The pool as it is now; null once closed or left."
    )
    guest: Guest | None = strawberry.field(default=None, description="The signed-in guest.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Points one member gave another.")
class PointsTransfer:
    points: int
    recipient_member_number: str
    year: int
    created_at: dt.datetime


@strawberry.type
class TransferPointsPayload:
    transfer: PointsTransfer | None = None
    guest: Guest | None = strawberry.field(default=None, description="The sender.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: transfers.Transferred, guest: Guest | None) -> TransferPointsPayload:
        row = result.transfer
        number = result.recipient.member_number
        transfer = copy_fields(PointsTransfer, row, recipient_member_number=number)
        return cls(transfer=transfer, guest=guest)


@strawberry.input
class CreatePointsPoolInput:
    idempotency_key: str
    name: str


@strawberry.input
class InviteToPointsPoolInput:
    idempotency_key: str
    member_number: str = strawberry.field(description="The member invited.")


@strawberry.input
class JoinPointsPoolInput:
    idempotency_key: str
    pool_id: strawberry.ID


@strawberry.input
class LeavePointsPoolInput:
    idempotency_key: str


@strawberry.input
class ContributeToPointsPoolInput:
    idempotency_key: str
    points: int


@strawberry.input
class TransferPointsInput:
    idempotency_key: str
    recipient_member_number: str
    points: int


NO_MEMBER = UserError(code=ErrorCode.MEMBER_NOT_FOUND, field=None, message="No member.")


async def _pool_outcome(
    context: Context, result: sharing.PoolChanged | None, errors: list[UserError]
) -> PointsPoolPayload:
    if result is None:
        return PointsPoolPayload(user_errors=errors)
    runtime = context.runtime
    # The pool is shown to its members only: an owner sees it, an invitee after joining.
    async with runtime.db.reading() as session:
        shown = await pool_views.shown_to(session, runtime, result.member_id, result.pool)
    return PointsPoolPayload(
        pool=None if shown is None else points_pool_of(shown),
        guest=await load_guest(context, result.member_id),
    )


def _pool_id(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


async def _pool_call(
    info: Info[Context, None], service: OwnMember[C, sharing.PoolChanged], command: C
) -> PointsPoolPayload:
    """Runs a pool use case for the signed-in guest and answers the pool as it is now."""
    context = info.context
    return await _pool_outcome(context, *await attempt_own(context, service, command, NO_MEMBER))


@strawberry.type
class SharingMutation:
    @strawberry.mutation(
        description="The signed-in guest opens a household pool and owns it.",
        permission_classes=[OwnPoints],
    )
    async def create_points_pool(
        self, info: Info[Context, None], input: CreatePointsPoolInput
    ) -> PointsPoolPayload:
        command = sharing.CreatePool(idempotency_key=input.idempotency_key, name=input.name)
        return await _pool_call(info, sharing.create_pool, command)

    @strawberry.mutation(
        description="The pool's owner invites a member, who joins with their own sign-in.",
        permission_classes=[OwnPoints],
    )
    async def invite_to_points_pool(
        self, info: Info[Context, None], input: InviteToPointsPoolInput
    ) -> PointsPoolPayload:
        number = input.member_number.strip()
        command = sharing.InviteToPool(idempotency_key=input.idempotency_key, member_number=number)
        return await _pool_call(info, sharing.invite_to_pool, command)

    @strawberry.mutation(
        description="The signed-in guest accepts an invitation to a pool.",
        permission_classes=[OwnPoints],
    )
    async def join_points_pool(
        self, info: Info[Context, None], input: JoinPointsPoolInput
    ) -> PointsPoolPayload:
        pool_id = _pool_id(str(input.pool_id))
        command = sharing.JoinPool(idempotency_key=input.idempotency_key, pool_id=pool_id)
        return await _pool_call(info, sharing.join_pool, command)

    @strawberry.mutation(
        description="The signed-in guest leaves their pool; the owner leaving closes it.",
        permission_classes=[OwnPoints],
    )
    async def leave_points_pool(
        self, info: Info[Context, None], input: LeavePointsPoolInput
    ) -> PointsPoolPayload:
        command = sharing.LeavePool(idempotency_key=input.idempotency_key)
        return await _pool_call(info, sharing.leave_pool, command)

    @strawberry.mutation(
        description="The signed-in guest moves points to their pool's owner.",
        permission_classes=[OwnPoints],
    )
    async def contribute_to_points_pool(
        self, info: Info[Context, None], input: ContributeToPointsPoolInput
    ) -> PointsPoolPayload:
        points = input.points
        command = sharing.ContributeToPool(idempotency_key=input.idempotency_key, points=points)
        return await _pool_call(info, sharing.contribute_to_pool, command)

    @strawberry.mutation(
        description="The signed-in guest gives points to another member.",
        permission_classes=[OwnPoints],
    )
    async def transfer_points(
        self, info: Info[Context, None], input: TransferPointsInput
    ) -> TransferPointsPayload:
        context = info.context
        command = transfers.TransferPoints(
            idempotency_key=input.idempotency_key,
            recipient_member_number=input.recipient_member_number.strip(),
            points=input.points,
        )
        sent = attempt_own(context, transfers.transfer_points, command, NO_MEMBER)
        return await member_payload(info, TransferPointsPayload, sent)
