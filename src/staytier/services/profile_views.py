"""Reading guest profiles. Read-only, and batched: each function answers for many members in
one statement, so a page of guests costs the same number of queries as one guest."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.preferences import occurrences_within
from staytier.domain.stays import StayStatus
from staytier.program.catalog import ConsentPurpose, PreferenceCatalog
from staytier.services.paging import newest_first
from staytier.services.runtime import Runtime
from staytier.services.visibility import served_stays
from staytier.store.models import (
    ConsentRecord,
    Preference,
    ProfileChange,
    SpecialDate,
    StaffNote,
    Stay,
)


class OfMember(Protocol):
    """A row or view that belongs to one member."""

    @property
    def member_id(self) -> int: ...


M = TypeVar("M", bound=OfMember)


def by_member(rows: Iterable[M]) -> dict[int, list[M]]:
    """``rows`` grouped by member, each member's in the order given; a member with none
    reads as an empty list, so a page of guests can ask for every one of its members."""
    found: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        found[row.member_id].append(row)
    return found


def catalog_order(catalog: PreferenceCatalog) -> dict[str, int]:
    return {category.code: index for index, category in enumerate(catalog.categories)}


@dataclass(frozen=True, slots=True)
class PreferenceView:
    """A preference as the reads show it: plain values, not a row the session tracks. A
    page of arrivals holds hundreds, and building them as ORM objects cost about three
    times as much as the statement that reads them."""

    member_id: int
    category: str
    value: str
    source: str
    property_code: str | None
    actor: str | None
    confidence: int | None
    sensitive: bool
    recorded_at: dt.datetime


_PREFERENCE_VIEWS = select(
    *(getattr(Preference, field.name) for field in fields(PreferenceView))
).order_by(Preference.id)
# Statements built once, their values bound as they run: building one and working out its
# cache key costs more Python than running it for a page of guests.
_MEMBER_IDS: BindParameter[int] = bindparam("member_ids", expanding=True)
_PREFERENCE_VIEWS_OF = _PREFERENCE_VIEWS.where(Preference.member_id.in_(_MEMBER_IDS))
_SPECIAL_DATES_OF = (
    select(SpecialDate).where(SpecialDate.member_id.in_(_MEMBER_IDS)).order_by(SpecialDate.kind)
)


async def preferences_by_member(
    session: AsyncSession, member_ids: Collection[int], catalog: PreferenceCatalog
) -> dict[int, list[PreferenceView]]:
    """Each member's preferences, in catalog order, values in the order they were set."""
    if not member_ids:
        return by_member([])
    rows = await session.execute(_PREFERENCE_VIEWS_OF, {"member_ids": sorted(member_ids)})
    order = catalog_order(catalog)
    views = [PreferenceView(*row) for row in rows]
    return by_member(sorted(views, key=lambda v: order.get(v.category, len(order))))


async def special_dates_by_member(
    session: AsyncSession, member_ids: Collection[int]
) -> dict[int, list[SpecialDate]]:
    if not member_ids:
        return by_member([])
    rows = await session.scalars(_SPECIAL_DATES_OF, {"member_ids": sorted(member_ids)})
    return by_member(rows)


async def special_dates_seen(
    session: AsyncSession,
    runtime: Runtime,
    member_ids: Collection[int],
    property_codes: Collection[str] | None,
) -> dict[int, list[SpecialDate]]:
    """Each member's special dates as a reader sees them, in at most two statements: all
    of them, or for a front desk (``property_codes``) only those falling during a stay its
    properties serve today."""
    found = await special_dates_by_member(session, sorted(member_ids))
    if property_codes is None or not found:
        return found
    served = await served_stays(session, runtime, list(found), property_codes)
    return defaultdict(
        list,
        {
            member_id: [
                row
                for row in rows
                if any(
                    occurrences_within(row.month, row.day, arrival, departure)
                    for arrival, departure in served[member_id]
                )
            ]
            for member_id, rows in found.items()
        },
    )


def _written_at(property_codes: Collection[str] | None) -> ColumnElement[bool]:
    if property_codes is None:
        return true()
    return StaffNote.property_code.in_(sorted(property_codes))


@cache
def _latest_notes(at_properties: bool) -> Select[Any]:
    """The statement of :func:`latest_staff_notes`, built once: all of a member's notes, or
    (``at_properties``) only those written at the properties bound as ``codes``."""
    written = StaffNote.property_code.in_(bindparam("codes", expanding=True))
    ranked = (
        select(
            StaffNote.id,
            func.row_number()
            .over(partition_by=StaffNote.member_id, order_by=StaffNote.id.desc())
            .label("position"),
        )
        .where(StaffNote.member_id.in_(_MEMBER_IDS), written if at_properties else true())
        .subquery()
    )
    return (
        select(StaffNote)
        .join(ranked, ranked.c.id == StaffNote.id)
        .where(ranked.c.position <= bindparam("per_member"))
        .order_by(StaffNote.id.desc())
    )


async def latest_staff_notes(
    session: AsyncSession,
    member_ids: Collection[int],
    per_member: int,
    *,
    property_codes: Collection[str] | None = None,
) -> dict[int, list[StaffNote]]:
    """The newest ``per_member`` notes of each member, newest first, in one statement;
    only those written at ``property_codes`` when given."""
    if not member_ids:
        return by_member([])
    values: dict[str, Any] = {"member_ids": sorted(member_ids), "per_member": per_member}
    if property_codes is not None:
        values["codes"] = sorted(property_codes)
    return by_member(await session.scalars(_latest_notes(property_codes is not None), values))


async def staff_notes_page(
    session: AsyncSession,
    member_id: int,
    *,
    first: int,
    before_id: int | None,
    property_codes: Collection[str] | None = None,
) -> list[StaffNote]:
    """Newest first; one more than asked; only those written at ``property_codes`` when
    given (a front desk reads its own properties' notes, never another's)."""
    query = select(StaffNote).where(StaffNote.member_id == member_id, _written_at(property_codes))
    return list(await session.scalars(newest_first(query, StaffNote.id, first, before_id)))


async def consents_in_force(
    session: AsyncSession, member_ids: Collection[int]
) -> dict[int, list[ConsentRecord]]:
    """Each member's newest record per purpose (the consent given or withdrawn), in the
    order of the purposes, in one statement."""
    if not member_ids:
        return by_member([])
    rows = await session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.member_id.in_(sorted(member_ids)))
        .order_by(ConsentRecord.id.desc())
    )
    newest: dict[tuple[int, str], ConsentRecord] = {}
    for row in rows:
        newest.setdefault((row.member_id, row.purpose), row)
    order = [purpose.value for purpose in ConsentPurpose]
    return by_member(
        sorted(newest.values(), key=lambda r: order.index(r.purpose) if r.purpose in order else 99)
    )


async def consent_history_page(
    session: AsyncSession, member_id: int, *, first: int, before_id: int | None
) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.member_id == member_id)
    return list(await session.scalars(newest_first(query, ConsentRecord.id, first, before_id)))


async def last_checkout_recorded(session: AsyncSession, member_id: int) -> dt.datetime | None:
    """When the member's last completed stay was recorded as such: "since the last stay"."""
    at: dt.datetime | None = await session.scalar(
        select(func.max(Stay.updated_at)).where(
            Stay.member_id == member_id, Stay.status == StayStatus.COMPLETED.value
        )
    )
    if at is not None and at.tzinfo is None:  # an aggregate skips the column's type
        at = at.replace(tzinfo=dt.UTC)
    return at


async def profile_history_page(
    session: AsyncSession,
    member_id: int,
    *,
    first: int,
    before_id: int | None,
    since: dt.datetime | None = None,
) -> list[ProfileChange]:
    """Newest first, changes at or after ``since`` only when given; one more than asked."""
    query = select(ProfileChange).where(ProfileChange.member_id == member_id)
    if since is not None:
        query = query.where(ProfileChange.changed_at >= since)
    return list(await session.scalars(newest_first(query, ProfileChange.id, first, before_id)))
