"""Promotions and referrals, as program data (see docs/promotions.md).

A promotion is a campaign in the trade's shape (Open Loyalty's "campaign", Talon.One's
"rule"): who may take part (registration, eligibility), what earns (the trigger), what it
gives (the effects) and how much it may give (the limits). Every section is optional, so a
promotion says only what differs from "every completed stay between these dates".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

import msgspec

PromotionTriggerKind = Literal["STAY", "NIGHT", "SPEND", "ACTIVITY"]


class PromotionRegistration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whether a member must register first, until when, and whether stays before the
    registration count (retroactive: stays from the promotion's start do)."""

    required: bool = False
    # The last day to register; None: through the promotion's last day.
    deadline: dt.date | None = None
    retroactive: bool = False


class PromotionEligibility(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who and where: an empty list does not restrict. Tiers are those held at checkout;
    properties, brands, rate codes and countries are the stay's (countries are the
    property's, ISO codes); ``new_members_within_days`` admits only members enrolled at most
    that many days before the promotion's start (None: every member)."""

    tiers: list[str] = msgspec.field(default_factory=list)
    properties: list[str] = msgspec.field(default_factory=list)
    brands: list[str] = msgspec.field(default_factory=list)
    rate_codes: list[str] = msgspec.field(default_factory=list)
    countries: list[str] = msgspec.field(default_factory=list)
    new_members_within_days: int | None = None


class PromotionTrigger(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What earns. STAY: a completed stay; NIGHT: a completed stay of at least ``min_nights``
    (effects per night); SPEND: a completed stay with at least ``min_spend_usd`` of eligible
    revenue; ACTIVITY: a partner activity of ``activity_source``/``activity_kind``.
    ``every_nth`` > 1 rewards only every nth qualifying stay or activity within the promotion
    ("every second stay")."""

    kind: PromotionTriggerKind = "STAY"
    min_nights: int = 1
    min_spend_usd: Decimal = Decimal(0)
    activity_source: str = ""
    activity_kind: str = ""
    every_nth: int = 1


class PromotionEffects(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one trigger gives: points (per trigger, per night, per eligible USD), a
    multiplier on the stay's base points (2 doubles them: the extra 1x is the bonus), extra
    qualifying nights, and free-night certificates up to ``certificate_max_category``."""

    points: int = 0
    points_per_night: int = 0
    points_per_usd: Decimal = Decimal(0)
    base_points_multiplier: Decimal = Decimal(1)
    extra_qualifying_nights: int = 0
    certificate_max_category: int = 0
    certificate_valid_months: int = 12


class PromotionLimits(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The most a promotion gives: points per stay and per member, rewarded triggers per
    member, and a total budget in points for the whole promotion (None or 0: no limit)."""

    max_points_per_stay: int | None = None
    max_points_per_member: int | None = None
    max_rewards_per_member: int | None = None
    budget_points: int | None = None


class Promotion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One promotion, running from ``starts_on`` through ``ends_on`` (checkout dates)."""

    code: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    description: str = ""
    registration: PromotionRegistration = msgspec.field(default_factory=PromotionRegistration)
    eligibility: PromotionEligibility = msgspec.field(default_factory=PromotionEligibility)
    trigger: PromotionTrigger = msgspec.field(default_factory=PromotionTrigger)
    effects: PromotionEffects = msgspec.field(default_factory=PromotionEffects)
    limits: PromotionLimits = msgspec.field(default_factory=PromotionLimits)

    @property
    def registration_deadline(self) -> dt.date:
        return self.registration.deadline or self.ends_on


class ReferralRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Refer a friend: when a friend who enrolled with a member's referral code completes a
    first qualifying stay within ``window_days`` of enrolling, the friend gets
    ``friend_points`` and the referrer ``referrer_points``; a referrer is rewarded for at
    most ``max_per_year`` friends a qualification year. No points at all: no referrals."""

    referrer_points: int = 0
    friend_points: int = 0
    window_days: int = 90
    max_per_year: int = 5
    # The friend's first stay must be at least this many qualifying nights.
    min_nights: int = 1

    @property
    def offered(self) -> bool:
        return self.referrer_points > 0 or self.friend_points > 0
