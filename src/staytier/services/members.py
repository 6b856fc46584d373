"""Finding the member a write is about."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
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
