"""Finding the member a write is about."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_names import name_mismatch
from staytier.program.model import ProgramVersion
from staytier.services.runtime import Runtime
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


async def locked_members(session: AsyncSession, *ids: int) -> dict[int, Member]:
    """The members, locked lowest id first, so two requests over the same pair of members
    take their locks in the same order."""
    found: dict[int, Member] = {}
    for member_id in sorted(set(ids)):
        member = await session.get(Member, member_id, with_for_update=True, populate_existing=True)
        if member is None or member.erased_at is not None or member.merged_into_id is not None:
            raise BusinessRuleError(ErrorCode.MEMBER_NOT_FOUND, "No such member.", None)
        found[member_id] = member
    return found


async def other_member(session: AsyncSession, number: str, field: str) -> Member:
    """The member another one names (an old number of a merged member names the survivor)."""
    member = await member_by_number(session, number)
    if member is None or member.erased_at is not None:
        raise BusinessRuleError(ErrorCode.MEMBER_NOT_FOUND, f"No member {number}.", field)
    return member


def member_year(runtime: Runtime, member: Member) -> tuple[dt.date, int, ProgramVersion]:
    """The member's local today, the qualification year it falls in and the program in force
    that day: yearly limits and choices turn over at the member's own midnight."""
    today = local_date(runtime.clock, member.time_zone)
    rules = runtime.rules_on(today)
    return today, qualification_year(today, rules.qualification.year_start_month), rules
