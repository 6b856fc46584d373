"""Spending points and certificates on stays: award stays, their cancellation, and a
free-night certificate used for one night. Each is one transaction with the member row
locked, so concurrent redemptions never spend the same points twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.awards import certificate_usable_on, price_award_stay
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_approvals import Spender, award_stay_terms, certificate_terms
from staytier.program.model import ProgramVersion
from staytier.services.award_stays import (
    Awarded,
    award_of,
    awarded,
    book_award_stay,
    quote_detail,
)
from staytier.services.guest_approvals import approve_spending, counting_refusals
from staytier.services.idempotency import run_command_once
from staytier.services.ledger import require_points
from staytier.services.runtime import Runtime
from staytier.services.stays import cancel_locked_stay, member_and_property_or_refuse
from staytier.store.models import Certificate, Member, Property
from staytier.store.queries import stay_by_confirmation


@dataclass(frozen=True)
class RedeemAwardStay:
    idempotency_key: str
    member_number: str
    property_code: str
    arrival: dt.date
    departure: dt.date
    # The guest's approval code; required when staff spend for the guest.
    guest_approval: str | None = None


@dataclass(frozen=True)
class CancelAwardStay:
    idempotency_key: str
    member_number: str
    property_code: str
    confirmation_number: str
    reason: str = "cancelled by the guest"


@dataclass(frozen=True)
class RedeemCertificate:
    idempotency_key: str
    member_number: str
    certificate_id: int
    property_code: str
    arrival: dt.date
    guest_approval: str | None = None


def _check_dates(runtime: Runtime, hotel: Property, arrival: dt.date, departure: dt.date) -> None:
    today_here = local_date(runtime.clock, hotel.time_zone)
    if arrival < today_here:
        raise BusinessRuleError(
            ErrorCode.INVALID_DATES,
            f"Arrival {arrival} has passed at {hotel.code} (today there is {today_here}).",
            "arrivalDate",
        )
    if departure <= arrival:
        raise BusinessRuleError(
            ErrorCode.INVALID_DATES, "Departure must be after arrival.", "departureDate"
        )
    longest = runtime.rules_on(today_here).qualification.max_stay_nights
    if (departure - arrival).days > longest:
        raise BusinessRuleError(
            ErrorCode.STAY_TOO_LONG, f"At most {longest} nights.", "departureDate"
        )


def _rules_here(runtime: Runtime, hotel: Property) -> ProgramVersion:
    """Award stays are priced by the rules in force on the day they are booked."""
    return runtime.rules_on(local_date(runtime.clock, hotel.time_zone))


async def redeem_award_stay(
    runtime: Runtime, command: RedeemAwardStay, *, spender: Spender, scope: str = ""
) -> Awarded:
    """Books an award stay and debits its price in the same transaction; refused with
    NOT_ENOUGH_POINTS (nothing booked, nothing debited) when the balance is short. Staff
    need the guest's approval of this price at this property (see guest_approvals)."""

    async def work(session: AsyncSession) -> Awarded:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        _check_dates(runtime, hotel, command.arrival, command.departure)
        rules = _rules_here(runtime, hotel)
        quote = price_award_stay(rules.awards, hotel.category, command.arrival, command.departure)
        if quote is None:
            raise BusinessRuleError(
                ErrorCode.AWARD_NOT_AVAILABLE,
                f"Category {hotel.category} ({hotel.code}) has no award price.",
                "propertyCode",
            )
        await approve_spending(
            session,
            runtime,
            member,
            award_stay_terms(quote.points, hotel.code),
            code=command.guest_approval,
            spender=spender,
        )
        require_points(member, quote.points)
        redemption = await book_award_stay(
            session,
            runtime,
            member,
            hotel,
            arrival=command.arrival,
            departure=command.departure,
            points=quote.points,
            quote=quote_detail(quote),
            free_nights=quote.free_nights,
        )
        return await awarded(session, redemption.stay_id, member.id)

    return await counting_refusals(
        runtime,
        run_command_once(runtime, Awarded, "redeemAwardStay", command, work, scope=scope),
    )


async def cancel_award_stay(
    runtime: Runtime, command: CancelAwardStay, *, scope: str = ""
) -> Awarded:
    """Cancels the member's award stay and refunds it as a ledger entry."""

    async def work(session: AsyncSession) -> Awarded:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        stay = await stay_by_confirmation(session, hotel.id, command.confirmation_number)
        if stay is None or stay.member_id != member.id:
            raise BusinessRuleError(
                ErrorCode.STAY_NOT_FOUND,
                f"Member {member.member_number} has no stay {command.confirmation_number} "
                f"at {hotel.code}.",
                "confirmationNumber",
            )
        if await award_of(session, stay.id) is None:
            raise BusinessRuleError(
                ErrorCode.NOT_AN_AWARD_STAY,
                f"{command.confirmation_number} was not paid with points; use cancelStay.",
                "confirmationNumber",
            )
        await cancel_locked_stay(session, runtime, member, hotel, stay, reason=command.reason)
        return await awarded(session, stay.id, member.id)

    return await run_command_once(runtime, Awarded, "cancelAwardStay", command, work, scope=scope)


async def _usable_certificate(
    session: AsyncSession, runtime: Runtime, member: Member, certificate_id: int
) -> Certificate:
    certificate = await session.get(Certificate, certificate_id)
    if certificate is None or certificate.member_id != member.id:
        raise BusinessRuleError(
            ErrorCode.CERTIFICATE_NOT_FOUND,
            f"Member {member.member_number} has no certificate {certificate_id}.",
            "certificateId",
        )
    if certificate.status == "USED":
        raise BusinessRuleError(
            ErrorCode.CERTIFICATE_ALREADY_USED,
            f"Certificate {certificate_id} has been used.",
            "certificateId",
        )
    if certificate.status == "CANCELLED":
        raise BusinessRuleError(
            ErrorCode.CERTIFICATE_CANCELLED,
            f"Certificate {certificate_id} was cancelled: the stay that earned it was reversed.",
            "certificateId",
        )
    today = local_date(runtime.clock, member.time_zone)
    if certificate.status == "EXPIRED" or not certificate_usable_on(certificate.expires_on, today):
        raise BusinessRuleError(
            ErrorCode.CERTIFICATE_EXPIRED,
            f"Certificate {certificate_id} expired after {certificate.expires_on}.",
            "certificateId",
        )
    return certificate


async def redeem_certificate(
    runtime: Runtime, command: RedeemCertificate, *, spender: Spender, scope: str = ""
) -> Awarded:
    """Uses a free-night certificate for one night at a property of its category or lower.
    The certificate must be usable on the day it is redeemed (the member's local date).
    Staff need the guest's approval of this certificate at this property."""

    async def work(session: AsyncSession) -> Awarded:
        member, hotel = await member_and_property_or_refuse(
            session, command.member_number, command.property_code
        )
        await approve_spending(
            session,
            runtime,
            member,
            certificate_terms(command.certificate_id, hotel.code),
            code=command.guest_approval,
            spender=spender,
        )
        certificate = await _usable_certificate(session, runtime, member, command.certificate_id)
        departure = command.arrival + dt.timedelta(days=1)
        _check_dates(runtime, hotel, command.arrival, departure)
        if hotel.category > certificate.max_category:
            raise BusinessRuleError(
                ErrorCode.CATEGORY_NOT_COVERED,
                f"The certificate covers categories up to {certificate.max_category}; "
                f"{hotel.code} is category {hotel.category}.",
                "propertyCode",
            )
        redemption = await book_award_stay(
            session,
            runtime,
            member,
            hotel,
            arrival=command.arrival,
            departure=departure,
            points=0,
            quote=[{"night_of": command.arrival.isoformat(), "certificate": certificate.id}],
            certificate=certificate,
        )
        certificate.status = "USED"
        certificate.used_stay_id = redemption.stay_id
        certificate.settled_at = runtime.now()
        return await awarded(session, redemption.stay_id, member.id)

    return await counting_refusals(
        runtime,
        run_command_once(runtime, Awarded, "redeemCertificate", command, work, scope=scope),
    )
