"""The books: properties, members, stays and their revisions, activity, credits, the points ledger
and status periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, Money, UTCDateTime


class Property(Base):
    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    category: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # The phone's digits, as a search compares them.
    phone_key: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    home_property_code: Mapped[str | None] = mapped_column(String(16))
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    # Kept equal to the sum of the member's ledger in the same transaction as every entry.
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when the member's personal data was erased; the row stays for the ledger.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
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

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    confirmation_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    arrival_date: Mapped[dt.date] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    room_type: Mapped[str | None] = mapped_column(String(40))
    floor: Mapped[int | None] = mapped_column(Integer)
    rate_code: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    room_revenue: Mapped[Decimal] = mapped_column(Money)
    food_and_beverage_revenue: Mapped[Decimal] = mapped_column(Money)
    other_revenue: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The client that first recorded the stay: ``client:<key id>``, ``partner:<code>`` (a
    # webhook) or ``system``; empty for stays recorded before creators were kept.
    created_by: Mapped[str] = mapped_column(String(80), server_default="")
    # The booking partner whose booking this is (it may amend and cancel it before
    # arrival); NULL for the property's own stays.
    booking_partner: Mapped[str | None] = mapped_column(String(40))


class StayRevision(Base):
    """Every version of a stay as it was recorded, so a correction never loses the original."""

    __tablename__ = "stay_revisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    folio: Mapped[dict[str, str]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index(None, "member_id", "source", "kind", "qualification_year"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    partner_points: Mapped[int] = mapped_column(Integer, default=0)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    qualification_year: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Credit(Base):
    """One posting of qualifying credit and points, or the reversal of one."""

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # STAY, ACTIVITY, ROLLOVER, REVERSAL
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    reverses_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"), unique=True)
    credit_date: Mapped[dt.date] = mapped_column(Date)
    program_version: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QualifyingCredit(Base):
    """Nights, stays and base points a credit adds to (or takes from) one qualification year."""

    __tablename__ = "qualifying_credits"
    __table_args__ = (Index(None, "member_id", "year"), Index(None, "year", "member_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    nights: Mapped[int] = mapped_column(Integer, default=0)
    stays: Mapped[int] = mapped_column(Integer, default=0)
    base_points: Mapped[int] = mapped_column(Integer, default=0)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # Points a reversal could not take back because they were already spent.
    uncollected_points: Mapped[int] = mapped_column(Integer, default=0)
    # Who posted a manual entry (goodwill, adjustment) and the reason code they gave.
    author: Mapped[str | None] = mapped_column(String(100))
    reason_code: Mapped[str | None] = mapped_column(String(40))


class StatusPeriod(Base):
    """A tier held from one day through another, with the cause that granted it."""

    __tablename__ = "status_periods"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    tier_code: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    qualification_year: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_through: Mapped[dt.date | None] = mapped_column(Date)
    # QUALIFIED, REQUALIFIED, SOFT_LANDING, LIFETIME, STATUS_MATCH
    cause: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
