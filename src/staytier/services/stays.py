"""Recording stays through their lifecycle, and crediting them at checkout."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stay_ownership import (
    SYSTEM,
    StayActor,
    StayActorKind,
    StoredStay,
    may_touch,
    no_stay,
    partner_change_refusal,
    report_refusal,
)
from staytier.domain.stays import Folio, StayStatus, check_transition, stay_credit
from staytier.services.award_stays import refund_award_stay
from staytier.services.challenges import undo_challenges
from staytier.services.credit_reads import MemberReads, read_members
from staytier.services.crediting import folio_snapshot, reverse_credit
from staytier.services.idempotency import Result, run_command_once
from staytier.services.inference import refresh_inferred
from staytier.services.runtime import Runtime
from staytier.services.stay_crediting import post_stay_credit
from staytier.services.stay_reports import RecordStay as RecordStay  # where callers find it
from staytier.services.stay_reports import checked_report
from staytier.store.deferred import add_row, ensure_id
from staytier.store.models import Member, Property, Stay, StayRevision
from staytier.store.queries import (
    active_stay_credit,
    member_and_property,
    property_and_stay_owner,
    property_by_code,
    stay_and_property,
    stay_by_confirmation,
)
from staytier.store.types import canonical_amount


@dataclass(frozen=True)
class StayWritten:
    """What recording or cancelling a stay did: the stay as written, its property and its
    member's id. A retry gets the same, read again as it is stored now."""

    stay: Stay
    hotel: Property
    member_id: int

    def receipt(self) -> Result:
        return {"stay_id": self.stay.id, "member_id": self.member_id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> StayWritten:
        stay, hotel = await stay_and_property(session, receipt["stay_id"])
        return StayWritten(stay, hotel, receipt["member_id"])


@dataclass(frozen=True)
class CancelStay:
    idempotency_key: str
    property_code: str
    confirmation_number: str
    reason: str = "cancelled"


async def record_stay(
    runtime: Runtime, command: RecordStay, *, scope: str = "", actor: StayActor = SYSTEM
) -> StayWritten:
    """Records a stay; at COMPLETED it is credited, and a change to a completed stay reverses
    the earlier credit and posts the new one.

    ``actor`` is who reports it (see :mod:`staytier.domain.stay_ownership`): a stay it may
    not touch is answered as a missing one, and nothing is written.
    """

    async def work(session: AsyncSession) -> StayWritten:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        report = checked_report(runtime, command, member, hotel)
        stay = await stay_by_confirmation(session, hotel.id, report.confirmation_number)
        stay = await settle_report(session, runtime, report, member, hotel, stay, actor)
        return StayWritten(stay, hotel, member.id)

    return await run_command_once(runtime, StayWritten, "recordStay", command, work, scope=scope)


async def settle_report(
    session: AsyncSession,
    runtime: Runtime,
    report: RecordStay,
    member: Member,
    hotel: Property,
    stay: Stay | None,
    actor: StayActor,
    reads: MemberReads | None = None,
) -> Stay:
    """Writes a checked report (see :func:`checked_report`) over ``stay``, the stay stored
    with its confirmation number at ``hotel`` (locked), if any: the ownership rules for
    ``actor``, the status transition, the stay and its revision, the credit (posted,
    corrected or reversed), inferred preferences and an award stay's refund. ``member`` is
    locked. The one write path of :func:`record_stay` and of the night audit in bulk
    (:mod:`staytier.services.bulk_stays`); a refusal raises before anything is written.

    ``reads`` are the member's state read before this stay for a batch (see
    :mod:`staytier.services.credit_reads`), else read here for a stay newly COMPLETED; they
    serve such a stay only, so any other report (a booking, a correction, a cancellation)
    reads as without them."""
    refusal = settle_refusal(runtime, report, member, hotel, stay, actor)
    if refusal is not None:
        raise refusal
    was_completed = stay is not None and stay.status == StayStatus.COMPLETED.value
    if was_completed or report.status is not StayStatus.COMPLETED:
        reads = None
    elif reads is None:  # read as a batch reads its members: fewer statements than apart
        reads = (await read_members(session, runtime, [(member, report.folio)])).take(member.id)
    stay = _write_stay(session, runtime, stay, member, hotel, report, actor)
    await ensure_id(session, stay)
    _add_revision(session, runtime, stay, folio_snapshot(report.folio))
    await _settle_credit(session, runtime, member, hotel, stay, report, was_completed, reads)
    if was_completed or report.status is StayStatus.COMPLETED:
        history = reads.history if reads is not None else None
        await refresh_inferred(
            session,
            runtime,
            member,
            history=history.with_completed(stay) if history is not None else None,
        )
    if report.status is StayStatus.CANCELLED:
        await refund_award_stay(session, runtime, member, stay, reason="stay cancelled")
    return stay


def settle_refusal(
    runtime: Runtime,
    report: RecordStay,
    member: Member,
    hotel: Property,
    stay: Stay | None,
    actor: StayActor,
) -> BusinessRuleError | None:
    """Why :func:`settle_report` would refuse ``report`` before writing anything: the
    ownership rules for ``actor``, a confirmation number of another member's, a status
    that would move the stay backwards. Reads nothing."""
    refusal = report_refusal(
        actor,
        property_code=hotel.code,
        confirmation_number=report.confirmation_number,
        stored=_stored(stay),
        status=report.status,
        arrival=report.folio.arrival,
        property_today=local_date(runtime.clock, hotel.time_zone),
    )
    if refusal is not None:
        return refusal
    if stay is not None and stay.member_id != member.id:
        return BusinessRuleError(
            ErrorCode.DUPLICATE_CONFIRMATION,
            f"Confirmation {report.confirmation_number} at {hotel.code} belongs to another member.",
            "confirmationNumber",
        )
    try:
        check_transition(StayStatus(stay.status) if stay else None, report.status)
    except BusinessRuleError as backwards:
        return backwards
    return None


async def cancel_stay(
    runtime: Runtime,
    command: CancelStay,
    *,
    scope: str = "",
    actor: StayActor = SYSTEM,
) -> StayWritten:
    """Cancels a stay; a completed one is a late cancellation and its credit is reversed.

    ``actor`` is who asks (see :mod:`staytier.domain.stay_ownership`): a stay it may not
    touch (another partner's booking, a stay the hotel recorded) is answered exactly as no
    stay at all, so learning a confirmation number gives no power over the stay.
    """

    async def work(session: AsyncSession) -> StayWritten:
        hotel, owner = await property_and_stay_owner(
            session, command.property_code, command.confirmation_number
        )
        if hotel is None:
            raise _no_property(command.property_code)
        if owner is None:
            raise no_stay(hotel.code, command.confirmation_number)
        # Lock the member before the stay, in the same order as record_stay.
        member = await session.get(Member, owner, with_for_update=True)
        stay = await stay_by_confirmation(session, hotel.id, command.confirmation_number)
        assert member is not None and stay is not None
        stored = _stored(stay)
        assert stored is not None
        if not may_touch(actor, hotel.code, stored):
            raise no_stay(hotel.code, command.confirmation_number)
        if actor.kind is StayActorKind.BOOKING_PARTNER:
            refusal = partner_change_refusal(stored, local_date(runtime.clock, hotel.time_zone))
            if refusal is not None:
                raise refusal
        await cancel_locked_stay(session, runtime, member, hotel, stay, reason=command.reason)
        return StayWritten(stay, hotel, member.id)

    return await run_command_once(runtime, StayWritten, "cancelStay", command, work, scope=scope)


async def cancel_locked_stay(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    hotel: Property,
    stay: Stay,
    *,
    reason: str,
) -> None:
    """Cancels a stay whose member is locked: a completed one loses its credit (a late
    cancellation), an award stay gets its points or certificate back."""
    check_transition(StayStatus(stay.status), StayStatus.CANCELLED)
    stay.status = StayStatus.CANCELLED.value
    stay.updated_at = runtime.now()
    # A version of the stay like any report's: cancelled, with the folio it last had.
    _add_revision(session, runtime, stay, folio_snapshot(folio_of(stay)))
    credit = await active_stay_credit(session, stay.id)
    if credit is not None:
        await reverse_credit(
            session,
            runtime,
            member,
            credit,
            on=local_date(runtime.clock, hotel.time_zone),
            reason=f"late cancellation: {reason}",
        )
        await refresh_inferred(session, runtime, member)
    await refund_award_stay(session, runtime, member, stay, reason=reason)


async def property_or_refuse(session: AsyncSession, code: str) -> Property:
    """The property, or PROPERTY_NOT_FOUND."""
    hotel = await property_by_code(session, code)
    if hotel is None:
        raise _no_property(code)
    return hotel


def _no_property(code: str) -> BusinessRuleError:
    return BusinessRuleError(ErrorCode.PROPERTY_NOT_FOUND, f"No property {code}.", "propertyCode")


async def member_and_property_or_refuse(
    session: AsyncSession, member_number: str, property_code: str
) -> tuple[Member, Property]:
    """The member, locked for this transaction, and the property, read in one statement;
    MEMBER_NOT_FOUND, then PROPERTY_NOT_FOUND, as :func:`member_for_update` and
    :func:`property_or_refuse` one after the other."""
    member, hotel = await member_and_property(session, member_number, property_code)
    if member is None:
        raise BusinessRuleError(
            ErrorCode.MEMBER_NOT_FOUND, f"No member {member_number}.", "memberNumber"
        )
    if hotel is None:
        raise _no_property(property_code)
    return member, hotel


def _add_revision(
    session: AsyncSession, runtime: Runtime, stay: Stay, folio: dict[str, str]
) -> None:
    """The stay as it now stands, kept so a later change never loses it."""
    add_row(
        session,
        StayRevision,
        {"stay_id": stay.id, "status": stay.status, "folio": folio, "recorded_at": runtime.now()},
    )


def folio_of(stay: Stay) -> Folio:
    """The folio a stored stay carries."""
    return Folio(
        stay.arrival_date,
        stay.departure_date,
        stay.rate_code,
        stay.currency,
        room_revenue=stay.room_revenue,
        food_and_beverage_revenue=stay.food_and_beverage_revenue,
        other_revenue=stay.other_revenue,
    )


def _stored(stay: Stay | None) -> StoredStay | None:
    if stay is None:
        return None
    return StoredStay(StayStatus(stay.status), stay.arrival_date, stay.booking_partner)


def _write_stay(
    session: AsyncSession,
    runtime: Runtime,
    stay: Stay | None,
    member: Member,
    hotel: Property,
    command: RecordStay,
    actor: StayActor,
) -> Stay:
    folio = command.folio
    if stay is None:
        stay = Stay(
            member_id=member.id,
            property_id=hotel.id,
            confirmation_number=command.confirmation_number,
            created_at=runtime.now(),
            created_by=actor.client_id,
            booking_partner=actor.partner_code,
        )
        session.add(stay)
    stay.status = command.status.value
    stay.arrival_date, stay.departure_date = folio.arrival, folio.departure
    stay.rate_code, stay.currency = folio.rate_code.upper(), folio.currency
    stay.room_type = command.room_type
    stay.floor = command.floor
    # As the database reads them back, so a retry's answer (read again) is the first's.
    stay.room_revenue = canonical_amount(folio.room_revenue)
    stay.food_and_beverage_revenue = canonical_amount(folio.food_and_beverage_revenue)
    stay.other_revenue = canonical_amount(folio.other_revenue)
    stay.updated_at = runtime.now()
    return stay


async def _settle_credit(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    hotel: Property,
    stay: Stay,
    command: RecordStay,
    was_completed: bool,
    reads: MemberReads | None = None,
) -> None:
    """Makes the stay's credit match its new state: none unless COMPLETED, else its folio.
    Only a stay that was COMPLETED has a credit to look up: one is posted when a stay
    completes and reversed when it leaves that status (here or by a cancellation)."""
    current = await active_stay_credit(session, stay.id) if was_completed else None
    completed = command.status is StayStatus.COMPLETED
    if (
        current is not None
        and completed
        and (current.detail.get("folio") == folio_snapshot(command.folio))
    ):
        return  # resent unchanged: nothing to correct
    today_here = local_date(runtime.clock, hotel.time_zone)
    if current is not None:
        reason = "stay corrected" if completed else f"stay {command.status.value.lower()}"
        await reverse_credit(
            session, runtime, member, current, on=today_here, reason=reason, reposted=completed
        )
    if completed:
        folio = command.folio
        rate = runtime.rates.usd_per_unit(folio.currency, folio.checkout)
        assert rate is not None  # folio_mistakes refused unknown currencies
        credit = stay_credit(folio, runtime.rules_on(folio.checkout), rate)
        label = (
            f"at {hotel.name}, {folio.arrival:%d %b %Y} to {folio.departure:%d %b %Y} "
            f"({command.confirmation_number})"
        )
        await post_stay_credit(
            session,
            runtime,
            member,
            stay,
            folio=folio,
            credit=credit,
            usd_per_unit=format(rate, "f"),
            label=label,
            reads=reads,
            first_completion=not was_completed,
            hotel=hotel,
        )
        if current is not None:
            await undo_challenges(
                session, runtime, member, original_on=current.credit_date, reason=reason
            )
