"""Engagement: complaints, status grants, surveys and reviews, sweepstakes entries and draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


class Complaint(Base):
    """A complaint logged against a stay, owned until resolved. Its text is personal data:
    exported with the member and blanked on erasure; the row stays for the property's
    service-recovery figures."""

    __tablename__ = "complaints"
    __table_args__ = (Index(None, "property_id", "id"), Index(None, "member_id", "resolved_at"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(2000))
    # The staff member who took it, the one who owns it until resolved, and the client used.
    author: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100))
    logged_by: Mapped[str] = mapped_column(String(100))
    logged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(2000))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    goodwill_points: Mapped[int] = mapped_column(Integer, default=0)
    goodwill_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # A recovery benefit granted with the resolution (its program code) and what it issued.
    goodwill_benefit: Mapped[str | None] = mapped_column(String(40))
    goodwill_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))


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

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    tier_code: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    nights_required: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300), default="")
    evidence: Mapped[str] = mapped_column(String(300), default="")
    giver_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    granted_by: Mapped[str] = mapped_column(String(100))
    status_period_id: Mapped[int] = mapped_column(ForeignKey("status_periods.id"))
    earned_period_id: Mapped[int | None] = mapped_column(ForeignKey("status_periods.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


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

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    invited_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nps_score: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StayReview(Base):
    """A review of a completed stay posted by a review partner, credited once per stay."""

    __tablename__ = "stay_reviews"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    partner: Mapped[str] = mapped_column(String(40))
    review_id: Mapped[str] = mapped_column(String(100))
    rating: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    posted_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SweepstakesEntry(Base):
    """Entries a credit earned in a sweepstakes (negative: a reversal took them back)."""

    __tablename__ = "sweepstakes_entries"
    __table_args__ = (Index(None, "sweepstakes_code", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sweepstakes_code: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    entries: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SweepstakesDraw(Base):
    """A sweepstakes drawn: the revealed seed, the entrants as they were drawn from, and the
    winners with the ledger entries of their prizes."""

    __tablename__ = "sweepstakes_draws"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sweepstakes_code: Mapped[str] = mapped_column(String(40), unique=True)
    seed: Mapped[str] = mapped_column(String(200))
    entrants: Mapped[list[Any]] = mapped_column(JSON)
    winners: Mapped[list[Any]] = mapped_column(JSON)
    drawn_by: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
