"""Points to airline miles: the program's ratio and bonus blocks, the airline's
frequent-flyer number format, a debit at once, delivery through the outbox, and a refund
if the airline finally refuses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.awards import miles_for, transfer_mistake
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_approvals import Spender, miles_terms
from staytier.domain.points import LedgerKind
from staytier.services import outbox
from staytier.services.donations import debit_and_send, partner_of_kind, settle
from staytier.services.guest_approvals import approve_spending, counting_refusals
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.ledger import require_points
from staytier.services.members import member_for_update
from staytier.services.partners import PartnerKind
from staytier.services.runtime import Runtime
from staytier.store.models import MilesTransfer

OPERATION = "miles.transfer"
PENDING, CONFIRMED, REFUNDED = "PENDING", "CONFIRMED", "REFUNDED"


@dataclass(frozen=True)
class TransferPointsToMiles:
    idempotency_key: str
    member_number: str
    airline: str
    frequent_flyer_number: str
    points: int
    # The guest's approval code; required when staff transfer for the guest.
    guest_approval: str | None = None


@dataclass(frozen=True)
class Transferred(FieldsReceipted):
    """What a transfer did: the miles transfer as written and its member's id."""

    transfer: MilesTransfer
    member_id: int


async def transfer_points_to_miles(
    runtime: Runtime, command: TransferPointsToMiles, *, spender: Spender, scope: str = ""
) -> Transferred:
    """Debits the points and writes the transfer to the airline in one transaction. Staff
    need the guest's approval of these points to this frequent-flyer account."""

    async def work(session: AsyncSession) -> Transferred:
        airline = partner_of_kind(runtime, command.airline, PartnerKind.AIRLINE, "airline")
        if not airline.frequent_flyer_number_valid(command.frequent_flyer_number):
            raise BusinessRuleError(
                ErrorCode.INVALID_FREQUENT_FLYER_NUMBER,
                f"{command.frequent_flyer_number!r} is not a {airline.name} number.",
                "frequentFlyerNumber",
            )
        member = await member_for_update(session, command.member_number)
        today = local_date(runtime.clock, member.time_zone)
        rules = runtime.rules_on(today).miles
        mistake = transfer_mistake(command.points, rules)
        if mistake:
            raise BusinessRuleError(ErrorCode.INVALID_AMOUNT, mistake, "points")
        terms = miles_terms(command.points, airline.code, command.frequent_flyer_number)
        await approve_spending(
            session, runtime, member, terms, code=command.guest_approval, spender=spender
        )
        require_points(member, command.points)
        miles = miles_for(command.points, rules)
        transfer = MilesTransfer(
            member_id=member.id,
            airline=airline.code,
            frequent_flyer_number=command.frequent_flyer_number,
            points=command.points,
            miles=miles,
            status=PENDING,
            created_at=runtime.now(),
        )
        await debit_and_send(
            session,
            runtime,
            member,
            transfer,
            kind=LedgerKind.TRANSFER_OUT,
            effective_on=today,
            description=f"{miles:,} {airline.name} miles to {command.frequent_flyer_number}",
            partner=airline.code,
            operation=OPERATION,
            subject_prefix="miles-transfer",
            payload=lambda transfer_id: {
                "transfer_id": transfer_id,
                "member_number": member.member_number,
                "airline": airline.code,
                "frequent_flyer_number": command.frequent_flyer_number,
                "points": command.points,
                "miles": miles,
            },
        )
        return Transferred(transfer, member.id)

    return await counting_refusals(
        runtime,
        run_command_once(runtime, Transferred, "transferPointsToMiles", command, work, scope=scope),
    )


@outbox.outcome_handler(OPERATION)
async def transfer_settled(
    session: AsyncSession,
    runtime: Runtime,
    request: outbox.PartnerRequestRow,
    outcome: outbox.PartnerOutcome,
) -> None:
    """CONFIRMED when the airline credited the miles; REFUNDED (a REVERSAL) when it
    finally refused or never answered. A settled transfer is left alone."""
    transfer = await session.get(
        MilesTransfer, int(request.payload["transfer_id"]), with_for_update=True
    )
    if transfer is not None:
        await settle(session, runtime, transfer, outcome, f"Miles transfer to {transfer.airline}")
