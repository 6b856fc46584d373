"""The GraphQL types of partner requests: what a guest sees of theirs, and what operators
see of the outbox."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

import strawberry
from strawberry import relay

from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.scalars import json_or_null
from staytier.domain.outbox import RequestState
from staytier.services.outbox_replay import replayable
from staytier.store import models

PartnerRequestStateType = strawberry.enum(
    RequestState,
    name="PartnerRequestState",
    description="PENDING: not tried yet. RETRYING: failed for now, tried again later. "
    "ACCEPTED, REJECTED: the partner's final answer. DEAD: no final answer after the last "
    "attempt.",
)


@strawberry.type(
    description="A request to a partner on a guest's behalf: a mile transfer, "
    "a donation, a room guarantee."
)
class PartnerRequest(relay.Node):
    request_id: relay.NodeID[int]
    request_number: int = strawberry.field(
        description="The outbox's number for the request, as the worker logs show it."
    )
    partner: str
    operation: str = strawberry.field(description="e.g. charity.donate, miles.transfer.")
    subject: str | None = strawberry.field(description="The business record, e.g. donation:42.")
    state: RequestState
    outcome_reason: str | None = strawberry.field(
        description="The partner's final answer, in words; null while open."
    )
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, row: models.PartnerRequest) -> PartnerRequest:
        return copy_fields(cls, row, **_converted(row))


@strawberry.type(description="A partner request as operators see it, with its delivery.")
class OutboxRequest(PartnerRequest):
    member_number: str | None
    idempotency_key: str = strawberry.field(description="Sent on every attempt.")
    attempts: int
    replays: int
    next_attempt_at: dt.datetime | None = strawberry.field(description="null: due now.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    response: strawberry.scalars.JSON | None = strawberry.field(
        description="The partner's final answer, decoded."
    )
    lease_owner: str | None = strawberry.field(description="The worker delivering it now.")
    outcome_applied: bool = strawberry.field(
        description="Whether the outcome was applied to the business change (e.g. a refund)."
    )
    replayable: bool = strawberry.field(
        description="DEAD with its outcome not applied: replayPartnerRequest may send it again."
    )
    updated_at: dt.datetime

    @classmethod
    def of_row(cls, row: models.PartnerRequest, member_number: str | None) -> OutboxRequest:
        return copy_fields(
            cls,
            row,
            **_converted(row),
            member_number=member_number,
            response=json_or_null(row.response),
            outcome_applied=row.outcome_applied_at is not None,
            replayable=replayable(row),
        )


class _Converted(TypedDict):
    """The fields ``PartnerRequest`` and ``OutboxRequest`` both read from the row under
    other names or types (the rest are copied as they are, see :func:`copy_fields`)."""

    request_id: int
    request_number: int
    state: RequestState


def _converted(row: models.PartnerRequest) -> _Converted:
    return {"request_id": row.id, "request_number": row.id, "state": RequestState(row.state)}


@strawberry.type
class OutboxStateCount:
    state: RequestState
    count: int
