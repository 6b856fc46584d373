"""Points given to a charity: debited at once, delivered through the outbox, refunded if
the charity finally refuses; and the brand's report of donations per charity and month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.awards import donation_mistake
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_approvals import Spender, donation_terms
from staytier.domain.points import LedgerKind
from staytier.services import outbox
from staytier.services.guest_approvals import approve_spending, counting_refusals
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.ledger import post_entry, require_points
from staytier.services.members import member_for_update
from staytier.services.partners import Partner, PartnerKind
from staytier.services.runtime import Runtime
from staytier.store.models import Donation, Member, MilesTransfer

OPERATION = "charity.donate"
PENDING, CONFIRMED, REFUNDED = "PENDING", "CONFIRMED", "REFUNDED"


@dataclass(frozen=True)
class Donated(FieldsReceipted):
    """What a donation did: the donation as written and its member's id."""

    donation: Donation
    member_id: int


@dataclass(frozen=True)
class DonatePoints:
    idempotency_key: str
    member_number: str
    charity: str
    points: int
    # The guest's approval code; required when staff give for the guest.
    guest_approval: str | None = None


def partner_of_kind(runtime: Runtime, code: str, kind: PartnerKind, field: str) -> Partner:
    """The partner with ``code`` if it is of ``kind``, else PARTNER_NOT_FOUND on ``field``."""
    partner = runtime.partners.get(code)
    if partner is None or partner.kind is not kind:
        listed = ", ".join(p.code for p in runtime.partners.of_kind(kind)) or "none"
        raise BusinessRuleError(
            ErrorCode.PARTNER_NOT_FOUND,
            f"No {kind.value.lower()} partner {code!r} (listed: {listed}).",
            field,
        )
    return partner


async def donate_points(
    runtime: Runtime, command: DonatePoints, *, spender: Spender, scope: str = ""
) -> Donated:
    """Debits the donation and writes its request to the charity in one transaction. Staff
    need the guest's approval of these points to this charity."""

    async def work(session: AsyncSession) -> Donated:
        charity = partner_of_kind(runtime, command.charity, PartnerKind.CHARITY, "charity")
        mistake = donation_mistake(
            command.points, charity.minimum_points or 1, charity.step_points or 0
        )
        if mistake:
            raise BusinessRuleError(ErrorCode.INVALID_AMOUNT, mistake, "points")
        member = await member_for_update(session, command.member_number)
        await approve_spending(
            session,
            runtime,
            member,
            donation_terms(command.points, charity.code),
            code=command.guest_approval,
            spender=spender,
        )
        require_points(member, command.points)
        today = local_date(runtime.clock, member.time_zone)
        donation = Donation(
            member_id=member.id,
            charity=charity.code,
            points=command.points,
            status=PENDING,
            donated_on=today,
            created_at=runtime.now(),
        )
        await debit_and_send(
            session,
            runtime,
            member,
            donation,
            kind=LedgerKind.DONATE,
            effective_on=today,
            description=f"Donation to {charity.name}",
            partner=charity.code,
            operation=OPERATION,
            subject_prefix="donation",
            payload=lambda donation_id: {
                "donation_id": donation_id,
                "member_number": member.member_number,
                "charity": charity.code,
                "points": command.points,
            },
        )
        return Donated(donation, member.id)

    return await counting_refusals(
        runtime,
        run_command_once(runtime, Donated, "donatePoints", command, work, scope=scope),
    )


async def debit_and_send(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    record: Donation | MilesTransfer,
    *,
    kind: LedgerKind,
    effective_on: dt.date,
    description: str,
    partner: str,
    operation: str,
    subject_prefix: str,
    payload: Callable[[int], dict[str, object]],
) -> None:
    """Adds ``record`` (points leaving for a partner), debits its points and writes its
    request to the partner, all in the caller's transaction: the points leave the balance
    exactly when the request exists. ``payload(record_id)`` builds the request body; the
    partner deduplicates on ``"<subject_prefix>:<record id>"``."""
    session.add(record)
    await session.flush()
    entry = post_entry(
        session,
        member,
        kind=kind,
        points=-record.points,
        occurred_at=runtime.now(),
        effective_on=effective_on,
        description=description,
    )
    await session.flush()
    record.debit_entry_id = entry.id
    subject = f"{subject_prefix}:{record.id}"
    record.partner_request_id = await outbox.enqueue(
        session,
        runtime.connectors,
        partner=partner,
        operation=operation,
        payload=payload(record.id),
        idempotency_key=subject,
        member_id=member.id,
        subject=subject,
        now=runtime.now(),
    )


async def refund(
    session: AsyncSession,
    runtime: Runtime,
    member_id: int,
    *,
    points: int,
    reverses_entry_id: int | None,
    description: str,
) -> int:
    """Gives ``points`` back as a REVERSAL of the debit; returns the entry's id."""
    member = await session.get(Member, member_id, with_for_update=True)
    assert member is not None
    entry = post_entry(
        session,
        member,
        kind=LedgerKind.REVERSAL,
        points=points,
        occurred_at=runtime.now(),
        effective_on=local_date(runtime.clock, member.time_zone),
        description=description,
        reverses_entry_id=reverses_entry_id,
    )
    await session.flush()
    return entry.id


@outbox.outcome_handler(OPERATION)
async def donation_settled(
    session: AsyncSession,
    runtime: Runtime,
    request: outbox.PartnerRequestRow,
    outcome: outbox.PartnerOutcome,
) -> None:
    """CONFIRMED when the charity received it; REFUNDED (a REVERSAL) when it finally
    refused or never answered. Runs once per request; a settled donation is left alone."""
    donation = await session.get(
        Donation, int(request.payload["donation_id"]), with_for_update=True
    )
    if donation is not None:
        await settle(session, runtime, donation, outcome, f"Donation to {donation.charity}")


async def settle(
    session: AsyncSession,
    runtime: Runtime,
    record: Donation | MilesTransfer,
    outcome: outbox.PartnerOutcome,
    what: str,
) -> None:
    """Settles a pending debit sent to a partner (a donation or a miles transfer): CONFIRMED
    when the partner accepted it; REFUNDED, with a REVERSAL of the debit, when it finally
    refused or never answered. One already settled is left alone."""
    if record.status != PENDING:
        return
    record.settled_at = runtime.now()
    record.reason = outcome.reason[:300]
    if outcome.accepted:
        record.status = CONFIRMED
        return
    record.status = REFUNDED
    record.refund_entry_id = await refund(
        session,
        runtime,
        record.member_id,
        points=record.points,
        reverses_entry_id=record.debit_entry_id,
        description=f"{what} refunded: {outcome.reason}",
    )


@dataclass(frozen=True)
class DonationTotal:
    """Donations to one charity in one month, by status."""

    month: str
    charity: str
    donations: int
    confirmed_points: int
    pending_points: int
    refunded_points: int


async def donation_report(
    session: AsyncSession, start: dt.date, end: dt.date
) -> list[DonationTotal]:
    """Donations dated ``start`` through ``end`` per charity and month: one statement,
    grouped by month here (month functions differ between SQLite and PostgreSQL)."""
    rows = await session.execute(
        select(Donation.donated_on, Donation.charity, Donation.status, Donation.points).where(
            Donation.donated_on >= start, Donation.donated_on <= end
        )
    )
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for donated_on, charity, status, points in rows:
        line = totals.setdefault((f"{donated_on:%Y-%m}", charity), {"count": 0})
        line["count"] += 1
        line[status] = line.get(status, 0) + points
    return [
        DonationTotal(
            month=month,
            charity=charity,
            donations=line["count"],
            confirmed_points=line.get(CONFIRMED, 0),
            pending_points=line.get(PENDING, 0),
            refunded_points=line.get(REFUNDED, 0),
        )
        for (month, charity), line in sorted(totals.items())
    ]
