"""Finding the member a write is about."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_names import name_mismatch
from staytier.store.models import Member
from staytier.store.queries import member_by_number


async def member_for_update(session: AsyncSession, member_number: str) -> Member:
    """The member, locked for this transaction, or MEMBER_NOT_FOUND."""
    member = await member_by_number(session, member_number, for_update=True)
    if member is None:
        raise BusinessRuleError(
            ErrorCode.MEMBER_NOT_FOUND, f"No member {member_number}.", "memberNumber"
        )
    return member


def require_guest_name(member: Member, last_name: str, first_name: str | None) -> None:
    """Refuses a report whose guest is not the member (GUEST_NAME_MISMATCH): a stay or an
    activity is credited only on a name match."""
    refusal = name_mismatch(
        member_first_name=member.first_name,
        member_last_name=member.last_name,
        guest_last_name=last_name,
        guest_first_name=first_name,
    )
    if refusal is not None:
        raise refusal
