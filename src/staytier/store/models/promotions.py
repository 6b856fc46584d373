"""Promotions and referrals: registrations, awards, budgets, referral codes and referrals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


class PromotionRegistration(Base):
    """A member registered for a promotion that asks for it (once per promotion)."""

    __tablename__ = "promotion_registrations"
    __table_args__ = (UniqueConstraint("member_id", "promotion_code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    promotion_code: Mapped[str] = mapped_column(String(40))
    # The member's local date of registering: stays checked out before it do not count
    # unless the promotion is retroactive.
    registered_on: Mapped[dt.date] = mapped_column(Date)
    registered_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PromotionAward(Base):
    """What a credit earned in a promotion: triggers counted, rewards, points, extra nights
    and certificates (negative: a reversal took them back). Progress is their sum."""

    __tablename__ = "promotion_awards"
    __table_args__ = (Index(None, "promotion_code", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    promotion_code: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    triggers: Mapped[int] = mapped_column(Integer)
    rewards: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    extra_nights: Mapped[int] = mapped_column(Integer)
    certificates: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PromotionBudget(Base):
    """The points a promotion has given, net of reversals: claimed under a row lock with a
    conditional update, so concurrent stays never take it past the program's budget."""

    __tablename__ = "promotion_budgets"

    promotion_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    spent_points: Mapped[int] = mapped_column(Integer)


class ReferralCode(Base):
    """The code a member gives friends to enrol with."""

    __tablename__ = "referral_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)


class Referral(Base):
    """A friend who enrolled with a member's referral code; rewarded (both of them) by the
    friend's first qualifying stay within the window."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    friend_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    window_ends_on: Mapped[dt.date] = mapped_column(Date)
    # The friend's stay credit that rewarded the referral, the referrer's own credit, and
    # the referrer's qualification year it counts in; all None until then (or reversed).
    friend_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    referrer_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    rewarded_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
