"""Points given from one member to another (``transferPoints``): POINTS_SENT and
POINTS_RECEIVED written in one transaction under both members' row locks, within both
members' yearly limits (see :mod:`services.sharing` for the locking rule both share)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.points import LedgerKind
from staytier.domain.sharing import (
    transfer_refusal,
)
from staytier.services.idempotency import Result, run_command_once
from staytier.services.members import locked_members, member_year, other_member
from staytier.services.pool_points import give_points
from staytier.services.runtime import Runtime
from staytier.store.models import Member, PointsTransfer


@dataclass(frozen=True)
class Transferred:
    """A transfer as written and its recipient."""

    transfer: PointsTransfer
    recipient: Member

    @property
    def member_id(self) -> int:
        """The member who gave the points."""
        return self.transfer.sender_member_id

    def receipt(self) -> Result:
        return {"transfer_id": self.transfer.id, "member_id": self.transfer.sender_member_id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Transferred:
        transfer = await session.get(PointsTransfer, receipt["transfer_id"])
        assert transfer is not None
        recipient = await session.get(Member, transfer.recipient_member_id)
        assert recipient is not None
        return Transferred(transfer, recipient)


@dataclass(frozen=True)
class TransferPoints:
    idempotency_key: str
    recipient_member_number: str
    points: int


async def _moved_in(
    session: AsyncSession, column: InstrumentedAttribute[int], member_id: int, year: int
) -> int:
    """Points the member sent (``column`` the sender) or received in ``year``."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsTransfer.points), 0)).where(
            column == member_id, PointsTransfer.year == year
        )
    )
    return int(total or 0)


async def transfer_points(
    runtime: Runtime, command: TransferPoints, *, member_id: int, scope: str = ""
) -> Transferred:
    """The signed-in member gives points to another: POINTS_SENT and POINTS_RECEIVED,
    within both members' yearly limits and the sender's balance."""

    async def work(session: AsyncSession) -> Transferred:
        field = "recipientMemberNumber"
        recipient_id = (await other_member(session, command.recipient_member_number, field)).id
        if recipient_id == member_id:
            raise BusinessRuleError(
                ErrorCode.TRANSFER_TO_SELF, "Points are transferred to another member.", field
            )
        members = await locked_members(session, member_id, recipient_id)
        sender, recipient = members[member_id], members[recipient_id]
        _, year, rules = member_year(runtime, sender)
        transfer_refusal(
            rules.transfers,
            command.points,
            await _moved_in(session, PointsTransfer.sender_member_id, sender.id, year),
            await _moved_in(session, PointsTransfer.recipient_member_id, recipient.id, year),
        )
        now = runtime.now()
        out, into = await give_points(
            session,
            runtime,
            sender,
            recipient,
            command.points,
            at=now,
            kinds=(LedgerKind.POINTS_SENT, LedgerKind.POINTS_RECEIVED),
            descriptions=("Sent to another member", "Received from another member"),
        )
        transfer = PointsTransfer(
            sender_member_id=sender.id,
            recipient_member_id=recipient.id,
            points=command.points,
            year=year,
            out_entry_id=out.id,
            in_entry_id=into.id,
            created_at=now,
        )
        session.add(transfer)
        await session.flush()
        return Transferred(transfer, recipient)

    return await run_command_once(
        runtime, Transferred, "transferPoints", command, work, scope=scope
    )
