"""Reviews of a completed stay that a review site reports (the partners' review webhook):
credited with the program's ``review_points``, once per stay, when the name on the review
is the member's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayStatus
from staytier.services.idempotency import run_command_once
from staytier.services.ledger import post_bonus
from staytier.services.members import member_for_update, require_guest_name
from staytier.services.runtime import Runtime
from staytier.store.models import Member, Property, Stay, StayReview
from staytier.store.queries import property_by_code, stay_by_confirmation

COMPLETED = StayStatus.COMPLETED.value


@dataclass(frozen=True)
class CreditReview:
    idempotency_key: str
    partner: str
    member_number: str
    property_code: str
    confirmation_number: str
    review_id: str
    rating: int
    posted_on: dt.date
    guest_last_name: str = ""
    guest_first_name: str | None = None


async def _reviewed_stay(
    session: AsyncSession, member: Member, command: CreditReview
) -> tuple[Property, Stay]:
    """The member's completed stay the review is of; STAY_NOT_FOUND for another member's,
    one not completed or an unknown one alike."""
    hotel = await property_by_code(session, command.property_code)
    stay = None
    if hotel is not None:
        stay = await stay_by_confirmation(session, hotel.id, command.confirmation_number)
    if hotel is None or stay is None or stay.member_id != member.id or stay.status != COMPLETED:
        raise BusinessRuleError(
            ErrorCode.STAY_NOT_FOUND,
            f"No completed stay {command.confirmation_number} of the member at "
            f"{command.property_code}.",
            "confirmationNumber",
        )
    return hotel, stay


class ReviewCredited(msgspec.Struct, frozen=True):
    """The review creditReview wrote, whose, and the points it gave."""

    review_id: int
    member_id: int
    points: int


async def credit_review(
    runtime: Runtime, command: CreditReview, *, scope: str = ""
) -> ReviewCredited:
    """Credits the program's ``review_points`` for a review of one of the member's completed
    stays, once per stay, when the guest's name on the review is the member's
    (GUEST_NAME_MISMATCH otherwise, as for stays and activity). Another member's stay, one
    not completed, or an unknown one are all STAY_NOT_FOUND, so a review site learns
    nothing of stays it was not told of."""

    async def work(session: AsyncSession) -> ReviewCredited:
        member = await member_for_update(session, command.member_number)
        require_guest_name(member, command.guest_last_name, command.guest_first_name)
        hotel, stay = await _reviewed_stay(session, member, command)
        points = runtime.rules_on(stay.departure_date).surveys.review_points
        if points <= 0:
            raise BusinessRuleError(
                ErrorCode.REVIEWS_NOT_CREDITED, "The program credits no reviews.", None
            )
        if await session.scalar(select(StayReview.id).where(StayReview.stay_id == stay.id)):
            raise BusinessRuleError(
                ErrorCode.REVIEW_ALREADY_CREDITED,
                f"A review of stay {stay.confirmation_number} was credited already.",
                "confirmationNumber",
            )
        entry = await post_bonus(
            session,
            runtime.clock,
            member,
            points,
            description=f"Review of your stay at {hotel.name}",
        )
        review = StayReview(
            member_id=member.id,
            stay_id=stay.id,
            partner=command.partner,
            review_id=command.review_id[:100],
            rating=command.rating,
            points=points,
            ledger_entry_id=entry.id,
            posted_on=command.posted_on,
            created_at=runtime.now(),
        )
        session.add(review)
        await session.flush()
        return ReviewCredited(review_id=review.id, member_id=member.id, points=points)

    return await run_command_once(
        runtime, ReviewCredited, "creditReview", command, work, scope=scope
    )


# --- reads ------------------------------------------------------------------------------
