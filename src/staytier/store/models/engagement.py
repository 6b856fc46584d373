"""Engagement: complaints, status grants, surveys and reviews, sweepstakes entries and draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    CertificateRef,
    CreditRef,
    LedgerEntryRef,
    MemberRef,
    PrimaryKey,
    PropertyRef,
    StatusPeriodRef,
    StayRef,
    Str16,
    Str32,
    Str40,
    Str100,
    Str200,
    Str300,
    Str2000,
)


class Complaint(Base):
    """A complaint logged against a stay, owned until resolved. Its text is personal data:
    exported with the member and blanked on erasure; the row stays for the property's
    service-recovery figures."""

    __tablename__ = "complaints"
    __table_args__ = (Index(None, "property_id", "id"), Index(None, "member_id", "resolved_at"))

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    stay_id: Mapped[StayRef] = mapped_column(index=True)
    property_id: Mapped[PropertyRef]
    category: Mapped[Str40]
    severity: Mapped[Str16]
    description: Mapped[Str2000]
    # The staff member who took it, the one who owns it until resolved, and the client used.
    author: Mapped[Str100]
    owner: Mapped[Str100]
    logged_by: Mapped[Str100]
    logged_at: Mapped[dt.datetime]
    resolution: Mapped[Str2000 | None]
    resolved_by: Mapped[Str100 | None]
    resolved_at: Mapped[dt.datetime | None]
    goodwill_points: Mapped[int] = mapped_column(default=0)
    goodwill_entry_id: Mapped[LedgerEntryRef | None]
    # A recovery benefit granted with the resolution (its program code) and what it issued.
    goodwill_benefit: Mapped[Str40 | None]
    goodwill_certificate_id: Mapped[CertificateRef | None]


class StatusGrant(Base):
    """Status given rather than earned: a status match (MATCH), a challenge (CHALLENGE:
    OPEN, then MET or LAPSED) or a gift from another member (GIFT); each points at the
    status period it wrote."""

    __tablename__ = "status_grants"
    __table_args__ = (
        Index(None, "member_id", "kind", "state"),
        Index(None, "giver_member_id", "year"),
        Index(None, "state", "ends_on"),
    )

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    kind: Mapped[Str16]
    state: Mapped[Str16]
    tier_code: Mapped[Str32]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    year: Mapped[int]
    nights_required: Mapped[int] = mapped_column(default=0)
    reason: Mapped[Str300] = mapped_column(default="")
    evidence: Mapped[Str300] = mapped_column(default="")
    giver_member_id: Mapped[MemberRef | None]
    granted_by: Mapped[Str100]
    status_period_id: Mapped[StatusPeriodRef]
    earned_period_id: Mapped[StatusPeriodRef | None]
    created_at: Mapped[dt.datetime]
    settled_at: Mapped[dt.datetime | None]


class SurveyInvitation(Base):
    """The after-stay survey a completed stay invites its guest to: OPEN until answered
    (ANSWERED, with the answers, the NPS score and the reward's ledger entry) or until its
    window closes (CLOSED). One per stay."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index(None, "member_id", "state"),
        Index(None, "state", "closes_on"),
        Index(None, "property_id", "answered_on"),
    )

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    stay_id: Mapped[StayRef] = mapped_column(unique=True)
    property_id: Mapped[PropertyRef]
    invited_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    state: Mapped[Str16]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    nps_score: Mapped[int | None]
    points: Mapped[int] = mapped_column(default=0)
    ledger_entry_id: Mapped[LedgerEntryRef | None]
    answered_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime]


class StayReview(Base):
    """A review of a completed stay posted by a review partner, credited once per stay."""

    __tablename__ = "stay_reviews"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    stay_id: Mapped[StayRef] = mapped_column(unique=True)
    partner: Mapped[Str40]
    review_id: Mapped[Str100]
    rating: Mapped[int]
    points: Mapped[int]
    ledger_entry_id: Mapped[LedgerEntryRef | None]
    posted_on: Mapped[dt.date]
    created_at: Mapped[dt.datetime]


class SweepstakesEntry(Base):
    """Entries a credit earned in a sweepstakes (negative: a reversal took them back)."""

    __tablename__ = "sweepstakes_entries"
    __table_args__ = (Index(None, "sweepstakes_code", "member_id"),)

    id: Mapped[PrimaryKey]
    sweepstakes_code: Mapped[Str40]
    member_id: Mapped[MemberRef]
    credit_id: Mapped[CreditRef] = mapped_column(index=True)
    entries: Mapped[int]
    created_at: Mapped[dt.datetime]


class SweepstakesDraw(Base):
    """A sweepstakes drawn: the revealed seed, the entrants as they were drawn from, and the
    winners with the ledger entries of their prizes."""

    __tablename__ = "sweepstakes_draws"

    id: Mapped[PrimaryKey]
    sweepstakes_code: Mapped[Str40] = mapped_column(unique=True)
    seed: Mapped[Str200]
    entrants: Mapped[list[Any]]
    winners: Mapped[list[Any]]
    drawn_by: Mapped[Str100]
    drawn_at: Mapped[dt.datetime]
