"""The books: properties, members, stays and their revisions, activity, credits, the points ledger
and status periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    ActivityRef,
    CreditRef,
    LedgerEntryRef,
    MemberRef,
    PrimaryKey,
    PropertyRef,
    StayRef,
    Str2,
    Str3,
    Str16,
    Str20,
    Str32,
    Str40,
    Str64,
    Str80,
    Str100,
    Str200,
    Str254,
    Str300,
)
from staytier.store.types import Id


class Property(Base):
    __tablename__ = "properties"

    id: Mapped[PrimaryKey]
    code: Mapped[Str16] = mapped_column(unique=True)
    name: Mapped[Str200]
    brand: Mapped[Str100]
    time_zone: Mapped[Str64]
    category: Mapped[int]
    currency: Mapped[Str3]
    country: Mapped[Str2] = mapped_column(default="")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[PrimaryKey]
    member_number: Mapped[Str20] = mapped_column(unique=True)
    first_name: Mapped[Str100]
    last_name: Mapped[Str100]
    email: Mapped[Str254 | None] = mapped_column(unique=True)
    phone: Mapped[Str32 | None]
    # The phone's digits, as a search compares them.
    phone_key: Mapped[Str32 | None] = mapped_column(index=True)
    language: Mapped[Str16] = mapped_column(default="en")
    time_zone: Mapped[Str64] = mapped_column(default="UTC")
    home_property_code: Mapped[Str16 | None]
    enrolled_on: Mapped[dt.date]
    # Kept equal to the sum of the member's ledger in the same transaction as every entry.
    points_balance: Mapped[int] = mapped_column(default=0)
    last_activity_on: Mapped[dt.date | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime]
    # Set when the member's personal data was erased; the row stays for the ledger.
    erased_at: Mapped[dt.datetime | None]
    # Set when this member was merged into another (a duplicate account): its number then
    # resolves to that member. No foreign key: SQLite adds one to an existing table only by
    # rebuilding it, and every table refers to this one; ``member_merges`` keeps the keys.
    merged_into_id: Mapped[int | None] = mapped_column(Id, index=True)


class Stay(Base):
    __tablename__ = "stays"
    __table_args__ = (
        UniqueConstraint("property_id", "confirmation_number"),
        Index(None, "member_id", "departure_date"),
        Index(None, "property_id", "arrival_date"),
    )

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    property_id: Mapped[PropertyRef]
    confirmation_number: Mapped[Str40]
    status: Mapped[Str16]
    arrival_date: Mapped[dt.date]
    departure_date: Mapped[dt.date]
    room_type: Mapped[Str40 | None]
    floor: Mapped[int | None]
    rate_code: Mapped[Str40]
    currency: Mapped[Str3]
    room_revenue: Mapped[Decimal]
    food_and_beverage_revenue: Mapped[Decimal]
    other_revenue: Mapped[Decimal]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # The client that first recorded the stay: ``client:<key id>``, ``partner:<code>`` (a
    # webhook) or ``system``; empty for stays recorded before creators were kept.
    created_by: Mapped[Str80] = mapped_column(server_default="")
    # The booking partner whose booking this is (it may amend and cancel it before
    # arrival); NULL for the property's own stays.
    booking_partner: Mapped[Str40 | None]


class StayRevision(Base):
    """Every version of a stay as it was recorded, so a correction never loses the original."""

    __tablename__ = "stay_revisions"

    id: Mapped[PrimaryKey]
    stay_id: Mapped[StayRef] = mapped_column(index=True)
    status: Mapped[Str16]
    folio: Mapped[dict[str, str]]
    recorded_at: Mapped[dt.datetime]


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index(None, "member_id", "source", "kind", "qualification_year"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    source: Mapped[Str40]
    kind: Mapped[Str40]
    amount_usd: Mapped[Decimal]
    partner_points: Mapped[int] = mapped_column(default=0)
    occurred_on: Mapped[dt.date]
    qualification_year: Mapped[int]
    reference: Mapped[Str100 | None]
    description: Mapped[Str200] = mapped_column(default="")
    created_at: Mapped[dt.datetime]


class Credit(Base):
    """One posting of qualifying credit and points, or the reversal of one."""

    __tablename__ = "credits"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    kind: Mapped[Str16]  # STAY, ACTIVITY, ROLLOVER, REVERSAL
    stay_id: Mapped[StayRef | None] = mapped_column(index=True)
    activity_id: Mapped[ActivityRef | None]
    reverses_credit_id: Mapped[CreditRef | None] = mapped_column(unique=True)
    credit_date: Mapped[dt.date]
    program_version: Mapped[Str40]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime]


class QualifyingCredit(Base):
    """Nights, stays and base points a credit adds to (or takes from) one qualification year."""

    __tablename__ = "qualifying_credits"
    __table_args__ = (Index(None, "member_id", "year"), Index(None, "year", "member_id"))

    id: Mapped[PrimaryKey]
    credit_id: Mapped[CreditRef] = mapped_column(index=True)
    member_id: Mapped[MemberRef]
    year: Mapped[int]
    nights: Mapped[int] = mapped_column(default=0)
    stays: Mapped[int] = mapped_column(default=0)
    base_points: Mapped[int] = mapped_column(default=0)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    credit_id: Mapped[CreditRef | None] = mapped_column(index=True)
    kind: Mapped[Str16]
    points: Mapped[int]
    balance_after: Mapped[int]
    occurred_at: Mapped[dt.datetime]
    effective_on: Mapped[dt.date]
    description: Mapped[Str300]
    reverses_entry_id: Mapped[LedgerEntryRef | None]
    # Points a reversal could not take back because they were already spent.
    uncollected_points: Mapped[int] = mapped_column(default=0)
    # Who posted a manual entry (goodwill, adjustment) and the reason code they gave.
    author: Mapped[Str100 | None]
    reason_code: Mapped[Str40 | None]


class StatusPeriod(Base):
    """A tier held from one day through another, with the cause that granted it."""

    __tablename__ = "status_periods"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    tier_code: Mapped[Str32]
    rank: Mapped[int]
    qualification_year: Mapped[int | None]
    valid_from: Mapped[dt.date]
    valid_through: Mapped[dt.date | None]
    # QUALIFIED, REQUALIFIED, SOFT_LANDING, LIFETIME, STATUS_MATCH
    cause: Mapped[Str32]
    detail: Mapped[Str300] = mapped_column(default="")
    credit_id: Mapped[CreditRef | None]
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[Str300 | None]
