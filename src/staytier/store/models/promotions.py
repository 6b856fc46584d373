"""Promotions and referrals: registrations, awards, budgets, referral codes and referrals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import CreditRef, MemberRef, PrimaryKey, Str16, Str40, Str80


class PromotionRegistration(Base):
    """A member registered for a promotion that asks for it (once per promotion)."""

    __tablename__ = "promotion_registrations"
    __table_args__ = (UniqueConstraint("member_id", "promotion_code"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    promotion_code: Mapped[Str40]
    # The member's local date of registering: stays checked out before it do not count
    # unless the promotion is retroactive.
    registered_on: Mapped[dt.date]
    registered_by: Mapped[Str80]
    created_at: Mapped[dt.datetime]


class PromotionAward(Base):
    """What a credit earned in a promotion: triggers counted, rewards, points, extra nights
    and certificates (negative: a reversal took them back). Progress is their sum."""

    __tablename__ = "promotion_awards"
    __table_args__ = (Index(None, "promotion_code", "member_id"),)

    id: Mapped[PrimaryKey]
    promotion_code: Mapped[Str40]
    member_id: Mapped[MemberRef]
    credit_id: Mapped[CreditRef] = mapped_column(index=True)
    awarded_on: Mapped[dt.date]
    triggers: Mapped[int]
    rewards: Mapped[int]
    points: Mapped[int]
    extra_nights: Mapped[int]
    certificates: Mapped[int]
    created_at: Mapped[dt.datetime]


class PromotionBudget(Base):
    """The points a promotion has given, net of reversals: claimed under a row lock with a
    conditional update, so concurrent stays never take it past the program's budget."""

    __tablename__ = "promotion_budgets"

    promotion_code: Mapped[Str40] = mapped_column(primary_key=True)
    spent_points: Mapped[int]


class ReferralCode(Base):
    """The code a member gives friends to enrol with."""

    __tablename__ = "referral_codes"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(unique=True)
    code: Mapped[Str16] = mapped_column(unique=True)


class Referral(Base):
    """A friend who enrolled with a member's referral code; rewarded (both of them) by the
    friend's first qualifying stay within the window."""

    __tablename__ = "referrals"

    id: Mapped[PrimaryKey]
    referrer_id: Mapped[MemberRef] = mapped_column(index=True)
    friend_id: Mapped[MemberRef] = mapped_column(unique=True)
    enrolled_on: Mapped[dt.date]
    window_ends_on: Mapped[dt.date]
    # The friend's stay credit that rewarded the referral, the referrer's own credit, and
    # the referrer's qualification year it counts in; all None until then (or reversed).
    friend_credit_id: Mapped[CreditRef | None]
    referrer_credit_id: Mapped[CreditRef | None]
    rewarded_year: Mapped[int | None]
    created_at: Mapped[dt.datetime]
