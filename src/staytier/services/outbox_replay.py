"""Replaying a DEAD partner request: which may be delivered again, and putting one back in
the queue with fresh attempts and the same idempotency key towards the partner."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.outbox import RequestState
from staytier.services.idempotency import Result, run_once_as
from staytier.services.runtime import Runtime
from staytier.store.models import Member, PartnerRequest

log = logging.getLogger("staytier.outbox")


def replayable(row: PartnerRequest) -> bool:
    """A DEAD request whose outcome was never applied (no handler, or the handler failed)
    may be delivered again. One whose rejection was applied may not: its business change
    was already reversed (points refunded), so a late success would give twice."""
    return row.state == RequestState.DEAD.value and row.outcome_applied_at is None


@dataclass(frozen=True)
class Replayed:
    """A request put back in the queue, with its member's number (None for a request on
    no member)."""

    request: PartnerRequest
    member_number: str | None

    def receipt(self) -> Result:
        return {"partner_request_id": self.request.id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Replayed:
        request = await session.get(PartnerRequest, receipt["partner_request_id"])
        assert request is not None
        return await Replayed.of(session, request)

    @staticmethod
    async def of(session: AsyncSession, request: PartnerRequest) -> Replayed:
        member = await session.get(Member, request.member_id) if request.member_id else None
        return Replayed(request, member.member_number if member is not None else None)


async def replay(runtime: Runtime, request_id: int, idempotency_key: str) -> Replayed:
    """Puts a replayable DEAD request back in the queue, due now, with fresh attempts and
    the same idempotency key towards the partner."""

    async def work(session: AsyncSession) -> Replayed:
        row = await session.get(PartnerRequest, request_id, with_for_update=True)
        if row is None:
            raise BusinessRuleError(
                ErrorCode.PARTNER_REQUEST_NOT_FOUND,
                f"No partner request {request_id}.",
                "requestNumber",
            )
        if not replayable(row):
            why = (
                "its outcome was applied (the business change was completed or reversed)"
                if row.outcome_applied_at is not None
                else f"it is {row.state}, not DEAD"
            )
            raise BusinessRuleError(
                ErrorCode.PARTNER_REQUEST_NOT_REPLAYABLE,
                f"Partner request {request_id} cannot be replayed: {why}.",
                "requestNumber",
            )
        row.state = RequestState.PENDING.value
        row.attempts = 0
        row.replays += 1
        row.next_attempt_at = row.completed_at = None
        row.lease_owner = row.lease_expires_at = None
        row.updated_at = runtime.now()
        log.info("partner request %s replayed (replay %d)", row.id, row.replays)
        return await Replayed.of(session, row)

    return await run_once_as(
        runtime,
        Replayed,
        operation="replayPartnerRequest",
        key=idempotency_key,
        request={"id": request_id},
        work=work,
    )
