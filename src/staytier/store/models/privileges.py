"""Privileges: award redemptions, certificates, benefit usage, donations, miles transfers and room
guarantees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    CertificateRef,
    CreditRef,
    LedgerEntryRef,
    MemberRef,
    PrimaryKey,
    PropertyRef,
    StayRef,
    Str16,
    Str32,
    Str40,
    Str80,
    Str100,
    Str200,
    Str300,
)


class AwardRedemption(Base):
    """A stay paid with points or a certificate, with the ledger entries that paid and
    refunded it."""

    __tablename__ = "award_redemptions"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    stay_id: Mapped[StayRef] = mapped_column(unique=True)
    points: Mapped[int]
    nights: Mapped[int]
    free_nights: Mapped[int] = mapped_column(default=0)
    quote: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    certificate_id: Mapped[CertificateRef | None]
    redeem_entry_id: Mapped[LedgerEntryRef | None]
    refund_entry_id: Mapped[LedgerEntryRef | None]
    created_at: Mapped[dt.datetime]
    cancelled_at: Mapped[dt.datetime | None]


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

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    qualification_year: Mapped[int]
    milestone_nights: Mapped[int | None]
    source: Mapped[Str16] = mapped_column(default="MILESTONE", server_default="MILESTONE")
    source_key: Mapped[Str80 | None] = mapped_column(unique=True)
    allowance_points: Mapped[int] = mapped_column(default=0, server_default="0")
    max_category: Mapped[int]
    description: Mapped[Str200] = mapped_column(default="")
    issued_on: Mapped[dt.date]
    expires_on: Mapped[dt.date]
    status: Mapped[Str16]
    credit_id: Mapped[CreditRef | None]
    used_stay_id: Mapped[StayRef | None]
    settled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


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

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    benefit_code: Mapped[Str40]
    option: Mapped[Str40 | None]
    once_key: Mapped[Str40 | None]
    stay_id: Mapped[StayRef | None]
    property_id: Mapped[PropertyRef | None]
    tier_code: Mapped[Str32]
    cost_usd: Mapped[Decimal]
    points: Mapped[int] = mapped_column(default=0)
    used_on: Mapped[dt.date]
    actor: Mapped[Str100]
    recorded_at: Mapped[dt.datetime]


class PartnerSettlement:
    """The columns of points sent to a partner that settles later (a charity, an airline): the
    debit taken at once, the partner request, the refund when the partner finally refuses,
    and when it settled. A mixin's columns follow the table's own, as they always have here."""

    debit_entry_id: Mapped[LedgerEntryRef | None]
    refund_entry_id: Mapped[LedgerEntryRef | None]
    partner_request_id: Mapped[int | None]
    reason: Mapped[Str300] = mapped_column(default="")
    created_at: Mapped[dt.datetime]
    settled_at: Mapped[dt.datetime | None]


class Donation(PartnerSettlement, Base):
    """Points given to a charity: debited at once, PENDING until the charity confirms;
    CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "donations"
    __table_args__ = (Index(None, "charity", "donated_on"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    charity: Mapped[Str40]
    points: Mapped[int]
    status: Mapped[Str16]
    donated_on: Mapped[dt.date]


class MilesTransfer(PartnerSettlement, Base):
    """Points turned into airline miles: debited at once, PENDING until the airline
    credits the miles; CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "miles_transfers"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    airline: Mapped[Str40]
    frequent_flyer_number: Mapped[Str40]
    points: Mapped[int]
    miles: Mapped[int]
    status: Mapped[Str16]


class RoomGuarantee(Base):
    """A room guarantee sent to a property's system: REQUESTED, then HONOURED (a stay is
    booked) or DECLINED (the guest is compensated; the failure stays on the property)."""

    __tablename__ = "room_guarantees"
    __table_args__ = (Index(None, "property_id", "status"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    property_id: Mapped[PropertyRef]
    arrival_date: Mapped[dt.date]
    departure_date: Mapped[dt.date]
    status: Mapped[Str16]
    partner_request_id: Mapped[int | None]
    stay_id: Mapped[StayRef | None]
    compensation_entry_id: Mapped[LedgerEntryRef | None]
    note: Mapped[Str300] = mapped_column(default="")
    reason: Mapped[Str300] = mapped_column(default="")
    requested_at: Mapped[dt.datetime]
    settled_at: Mapped[dt.datetime | None]
