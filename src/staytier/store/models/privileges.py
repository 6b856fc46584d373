"""Privileges: award redemptions, certificates, benefit usage, donations, miles transfers and room
guarantees."""

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


class AwardRedemption(Base):
    """A stay paid with points or a certificate, with the ledger entries that paid and
    refunded it."""

    __tablename__ = "award_redemptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    points: Mapped[int] = mapped_column(Integer)
    nights: Mapped[int] = mapped_column(Integer)
    free_nights: Mapped[int] = mapped_column(Integer, default=0)
    quote: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    redeem_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Certificate(Base):
    """A free-night certificate; ISSUED, USED, EXPIRED or CANCELLED (a promotion's, its
    stay reversed before it was used).

    Its ``source`` says why it was given. One issued at a night milestone is unique per
    member, year and milestone; one given otherwise (``SWEEPSTAKES``, ``GOODWILL``) has no
    milestone and is unique by ``source_key`` (``sweepstakes:<code>:<slot>``,
    ``complaint:<id>``), so a retried draw or resolution never issues a second one.
    ``allowance_points`` is what a goodwill certificate counts against the guest's
    recognition allowance (0 for the others).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("member_id", "qualification_year", "milestone_nights"),
        Index(None, "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    qualification_year: Mapped[int] = mapped_column(Integer)
    milestone_nights: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="MILESTONE", server_default="MILESTONE")
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    allowance_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_category: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    used_stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BenefitUsage(Base):
    """One use of a benefit with what it cost the brand, to weigh against member revenue.

    ``once_key`` makes a once-only choice unique: ``stay:<id>`` for a welcome gift,
    ``year:<year>`` for the annual choice; other uses leave it empty.
    """

    __tablename__ = "benefit_usages"
    __table_args__ = (
        UniqueConstraint("member_id", "benefit_code", "once_key"),
        Index(None, "used_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    benefit_code: Mapped[str] = mapped_column(String(40))
    option: Mapped[str | None] = mapped_column(String(40))
    once_key: Mapped[str | None] = mapped_column(String(40))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    tier_code: Mapped[str] = mapped_column(String(32))
    cost_usd: Mapped[Decimal] = mapped_column(Money)
    points: Mapped[int] = mapped_column(Integer, default=0)
    used_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Donation(Base):
    """Points given to a charity: debited at once, PENDING until the charity confirms;
    CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "donations"
    __table_args__ = (Index(None, "charity", "donated_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    charity: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    donated_on: Mapped[dt.date] = mapped_column(Date)
    debit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MilesTransfer(Base):
    """Points turned into airline miles: debited at once, PENDING until the airline
    credits the miles; CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "miles_transfers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    airline: Mapped[str] = mapped_column(String(40))
    frequent_flyer_number: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    miles: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    debit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RoomGuarantee(Base):
    """A room guarantee sent to a property's system: REQUESTED, then HONOURED (a stay is
    booked) or DECLINED (the guest is compensated; the failure stays on the property)."""

    __tablename__ = "room_guarantees"
    __table_args__ = (Index(None, "property_id", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    arrival_date: Mapped[dt.date] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    compensation_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
