"""Finding a guest at the front desk: by member number, name, email or phone.

Names are matched on their stored search terms (lower case, accents removed), each word of
the query against the beginning of a word of the name, as an index range; so "zoe ob" finds
Zoë O'Brien on SQLite and PostgreSQL alike. Exact member-number and email matches rank
first, then phone, then names in alphabetical order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, literal, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.preferences import distinct_in_order, normalised, phone_key, prefix_bounds
from staytier.store.models import Member, MemberSearchTerm

MAX_WORDS = 5
MAX_QUERY = 200

# Where a match stands in the ranking: its rank and member id. The page after it is read on
# the whole sort key (rank, last name, first name, id), the names read from the member's row,
# so a cursor carries no personal data.
After = tuple[int, int]


@dataclass(frozen=True)
class Match:
    member: Member
    rank: int

    @property
    def position(self) -> After:
        return (self.rank, self.member.id)


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


def _beyond(
    order: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...], after: After
) -> ColumnElement[bool]:
    """Past the match at ``after`` in the ranking ``order``; a member no longer there (its
    names gone) has nothing past it."""
    rank, member_id = after
    anchor = aliased(Member)
    names = [
        select(column).where(anchor.id == member_id).scalar_subquery()
        for column in (anchor.last_name, anchor.first_name)
    ]
    return tuple_(*order) > tuple_(literal(rank), *names, literal(member_id))


async def search_members(
    session: AsyncSession,
    text: str,
    *,
    first: int,
    after: After | None = None,
    visible: ColumnElement[bool] | None = None,
) -> list[Match]:
    """One page of matches (one more than ``first``), best first, after the match at
    ``after`` (see :class:`Match`); only members meeting ``visible`` (see
    :func:`staytier.services.visibility.visible_members`).

    One statement, paged on the sort key (keyset), not by offset: a later page costs the
    same as the first, and a guest enrolled meanwhile does not shift the pages."""
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
    order = (rank, Member.last_name, Member.first_name, Member.id)
    rows = await session.execute(
        select(Member, rank)
        .where(
            or_(*matches),
            Member.merged_into_id.is_(None),  # a merged account is found as its survivor
            visible if visible is not None else true(),
            _beyond(order, after) if after is not None else true(),
        )
        .order_by(*order)
        .limit(first + 1)
    )
    return [Match(member, int(position)) for member, position in rows]
