"""Finding a guest at the front desk: by member number, name, email or phone.

Names are matched on their stored search terms (lower case, accents removed), each word of
the query against the beginning of a word of the name, as an index range; so "zoe ob" finds
Zoë O'Brien on SQLite and PostgreSQL alike. Exact member-number and email matches rank
first, then phone, then names in alphabetical order.
"""

from __future__ import annotations

from sqlalchemy import and_, case, exists, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.preferences import distinct_in_order, normalised, phone_key, prefix_bounds
from staytier.store.models import Member, MemberSearchTerm

MAX_WORDS = 5
MAX_QUERY = 200


def _name_matches(words: list[str]) -> ColumnElement[bool] | None:
    if not words:
        return None
    conditions = []
    for word in words:
        low, high = prefix_bounds(word)
        conditions.append(
            exists().where(
                MemberSearchTerm.member_id == Member.id,
                MemberSearchTerm.term >= low,
                MemberSearchTerm.term < high,
            )
        )
    return and_(*conditions)


async def search_members(
    session: AsyncSession,
    text: str,
    *,
    first: int,
    offset: int,
    visible: ColumnElement[bool] | None = None,
) -> list[Member]:
    """One page of matches (one more than ``first``), best first, from ``offset``; only
    members meeting ``visible`` (see :func:`staytier.services.visibility.visible_members`)."""
    query_text = text.strip()
    if not query_text or len(query_text) > MAX_QUERY:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, f"Search for 1 to {MAX_QUERY} characters.", "query"
        )
    # An old number of a merged account finds the member it was merged into.
    merged_into = select(Member.merged_into_id).where(Member.member_number == query_text)
    by_number = or_(Member.member_number == query_text, Member.id == merged_into.scalar_subquery())
    by_email = Member.email == query_text.lower()
    key = phone_key(query_text)
    by_phone = Member.phone_key == key if key is not None else literal(False)
    by_name = _name_matches(distinct_in_order(normalised(query_text).split())[:MAX_WORDS])
    matches = [by_number, by_email, by_phone] + ([by_name] if by_name is not None else [])
    rank = case((by_number, 0), (by_email, 1), (by_phone, 2), else_=3)
    rows = await session.scalars(
        select(Member)
        .where(
            or_(*matches),
            Member.merged_into_id.is_(None),  # a merged account is found as its survivor
            visible if visible is not None else true(),
        )
        .order_by(rank, Member.last_name, Member.first_name, Member.id)
        .offset(offset)
        .limit(first + 1)
    )
    return list(rows)
