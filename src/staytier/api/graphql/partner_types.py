"""The GraphQL types of partner requests: what a guest sees of theirs, and what operators
see of the outbox."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

import strawberry
from strawberry import relay

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
        return cls(**_common(row))


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
        return cls(
            **_common(row),
            member_number=member_number,
            idempotency_key=row.idempotency_key,
            attempts=row.attempts,
            replays=row.replays,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            response=json_or_null(row.response),
            lease_owner=row.lease_owner,
            outcome_applied=row.outcome_applied_at is not None,
            replayable=replayable(row),
            updated_at=row.updated_at,
        )


class _RequestFields(TypedDict):
    """The fields ``PartnerRequest`` and ``OutboxRequest`` both take from the row."""

    request_id: int
    request_number: int
    partner: str
    operation: str
    subject: str | None
    state: RequestState
    outcome_reason: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


def _common(row: models.PartnerRequest) -> _RequestFields:
    return {
        "request_id": row.id,
        "request_number": row.id,
        "partner": row.partner,
        "operation": row.operation,
        "subject": row.subject,
        "state": RequestState(row.state),
        "outcome_reason": row.outcome_reason,
        "created_at": row.created_at,
        "completed_at": row.completed_at,
    }


@strawberry.type
class OutboxStateCount:
    state: RequestState
    count: int
