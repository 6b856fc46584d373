"""Engagement rules of a program file: complaints and service recovery, status matches,
challenges and gifts, surveys and sweepstakes (see docs/engagement.md)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

DEFAULT_COMPLAINT_CATEGORIES = [
    "ROOM",
    "CLEANLINESS",
    "NOISE",
    "SERVICE",
    "BILLING",
    "FOOD_AND_BEVERAGE",
    "MAINTENANCE",
    "OTHER",
]


class CertificateAward(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A free-night certificate given other than at a milestone (a sweepstakes prize, a
    complaint's goodwill): good at hotels up to ``max_category`` for ``valid_months``."""

    max_category: int
    valid_months: int = 12
    description: str = ""


class RecoveryBenefit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A benefit a complaint's resolution may grant: a free-night certificate, counted as
    ``allowance_points`` against the role's goodwill allowance and the guest's recognition
    allowance (what the brand reckons it is worth in goodwill points)."""

    code: str
    certificate: CertificateAward
    allowance_points: int


class ComplaintRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Service recovery: what a complaint may be about and how goodwill answers it."""

    categories: list[str] = msgspec.field(
        default_factory=lambda: list(DEFAULT_COMPLAINT_CATEGORIES)
    )
    # A resolved complaint still shows on the guest's arrivals this many days after it was
    # resolved (an open one always shows).
    recent_days: int = 30
    # The goodwill reason a resolution's points are posted under when the request names
    # none; "" means the request must name one.
    goodwill_reason: str = ""
    # The most goodwill points one resolution may give, per role ("front_desk", "admin");
    # a role not listed is bounded by the goodwill reason's max_points alone.
    goodwill_allowance: dict[str, int] = msgspec.field(default_factory=dict)
    # Benefits a resolution may grant besides (or instead of) points; none by default.
    recovery_benefits: list[RecoveryBenefit] = msgspec.field(default_factory=list)

    def recovery_benefit(self, code: str) -> RecoveryBenefit | None:
        return next((b for b in self.recovery_benefits if b.code == code), None)


class StatusChallengeRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A tier on trial: earned when the member stays ``nights`` qualifying nights within
    ``days`` days of the start, lapsed otherwise."""

    tier: str
    nights: int
    days: int


class TierGiftRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Members holding ``giver_tier`` (or a higher one) may gift ``gift_tier`` to
    ``per_year`` other members per qualification year, for ``valid_days`` days."""

    giver_tier: str
    gift_tier: str
    per_year: int = 1
    valid_days: int = 365


class StatusGrantRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Status not earned by stays: matches granted by an administrator, challenges, gifts."""

    # The longest period one status match may cover, in days.
    match_max_days: int = 366
    challenges: list[StatusChallengeRule] = msgspec.field(default_factory=list)
    gifts: list[TierGiftRule] = msgspec.field(default_factory=list)

    def challenge(self, tier: str) -> StatusChallengeRule | None:
        return next((rule for rule in self.challenges if rule.tier == tier), None)


SurveyQuestionKind = Literal["NPS", "SCORE", "TEXT"]


class SurveyQuestion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One question of the after-stay survey. NPS and SCORE are answered 0 to 10; the NPS
    question ("how likely are you to recommend us") feeds the property's score."""

    code: str
    text: str
    kind: SurveyQuestionKind = "SCORE"
    required: bool = True
    # Points for answering this question; a survey's reward is the sum, once per stay.
    points: int = 0


class SurveyRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The survey a completed stay invites the guest to; no questions means no surveys."""

    questions: list[SurveyQuestion] = msgspec.field(default_factory=list)
    # The guest may answer through this many days after checkout (their local date).
    window_days: int = 14
    # Points for a review of a completed stay posted by a review partner, once per stay;
    # 0 means reviews earn nothing (and are refused).
    review_points: int = 0

    def question(self, code: str) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.code == code), None)


class SweepstakesPrize(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``count`` prizes, each ``points`` credited through the ledger or a free-night
    ``certificate`` issued to the winner (one or the other)."""

    name: str
    points: int = 0
    count: int = 1
    certificate: CertificateAward | None = None


class SweepstakesRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A sweepstakes: qualifying nights credited from ``starts_on`` through ``closes_on``
    earn entries, up to a cap per member; drawn after it closes. ``seed_hash`` (SHA-256 of
    the draw's secret seed, hex) is published here, before entries close, so the draw can
    be checked once the seed is revealed."""

    code: str
    name: str
    starts_on: dt.date
    closes_on: dt.date
    seed_hash: str
    prizes: list[SweepstakesPrize]
    entries_per_night: int = 1
    max_entries_per_member: int = 50
