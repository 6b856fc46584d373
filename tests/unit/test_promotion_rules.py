"""Promotion and referral rules, pure: every nth trigger, the limits per stay and per
member, the budget, registration, and the referral window and refusals; and the program
file's mistakes in promotions, one sentence each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.errors import ErrorCode
from staytier.domain.promotions import (
    PromotionEvent,
    Standing,
    promotion_reward,
    registration_refusal,
    within_budget,
)
from staytier.domain.referrals import Contact, referral_refusal, stay_rewards_referral
from staytier.program.loader import ProgramFileError, default_program_path, load_program
from staytier.program.promotions import (
    Promotion,
    PromotionEffects,
    PromotionEligibility,
    PromotionLimits,
    PromotionRegistration,
    PromotionTrigger,
    ReferralRules,
)

D = dt.date
JUNE = D(2026, 6, 15)


def promotion(**parts: object) -> Promotion:
    fields: dict[str, object] = {
        "code": "P", "name": "P", "starts_on": D(2026, 1, 1), "ends_on": D(2026, 12, 31),
        "effects": PromotionEffects(points=100),
    }  # fmt: skip
    return Promotion(**{**fields, **parts})  # type: ignore[arg-type]


def stay(
    nights: int = 2, base_points: int = 1_000, tier_code: str = "MEMBER", country: str = "US"
) -> PromotionEvent:
    return PromotionEvent(
        on=JUNE, tier_code=tier_code, nights=nights, base_points=base_points,
        eligible_usd=Decimal(base_points) / 10, brand="Staytier", country=country,
    )  # fmt: skip


def play(rule: Promotion, events: list[PromotionEvent]) -> list[int]:
    """Each event's points, the member's standing carried from one to the next."""
    standing = Standing(enrolled_on=D(2025, 1, 1), registered_on=D(2026, 1, 1))
    points = []
    for event in events:
        reward = promotion_reward(rule, event, standing)
        points.append(reward.points)
        standing = Standing(
            enrolled_on=standing.enrolled_on, registered_on=standing.registered_on,
            triggers_before=standing.triggers_before + reward.triggers,
            rewards_before=standing.rewards_before + reward.rewarded,
            points_before=standing.points_before + reward.points,
        )  # fmt: skip
    return points


nights_lists = st.lists(st.integers(min_value=1, max_value=14), min_size=1, max_size=30)


@given(every=st.integers(min_value=1, max_value=5), nights=nights_lists)
def test_every_nth_stay_is_rewarded_and_no_other(every: int, nights: list[int]) -> None:
    rule = promotion(trigger=PromotionTrigger(every_nth=every))
    points = play(rule, [stay(n) for n in nights])
    assert [i + 1 for i, p in enumerate(points) if p] == list(range(every, len(nights) + 1, every))


@given(every=st.integers(min_value=1, max_value=7), nights=nights_lists)
def test_a_night_trigger_counts_every_nth_night_across_stays(every: int, nights: list[int]) -> None:
    rule = promotion(trigger=PromotionTrigger(kind="NIGHT", every_nth=every))
    assert sum(play(rule, [stay(n) for n in nights])) == 100 * (sum(nights) // every)


@given(
    per_stay=st.integers(min_value=1, max_value=5_000),
    per_member=st.integers(min_value=1, max_value=50_000),
    base=st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=20),
)
def test_the_limits_per_stay_and_per_member_hold(
    per_stay: int, per_member: int, base: list[int]
) -> None:
    rule = promotion(
        effects=PromotionEffects(points=50, base_points_multiplier=Decimal("1.5")),
        limits=PromotionLimits(max_points_per_stay=per_stay, max_points_per_member=per_member),
    )
    points = play(rule, [stay(2, b) for b in base])
    assert all(0 <= p <= per_stay for p in points)
    assert sum(points) <= per_member
    # Below the member's limit, each stay gets its whole reward up to the per-stay limit.
    unlimited = play(promotion(effects=rule.effects), [stay(2, b) for b in base])
    running = 0
    for got, full in zip(points, unlimited, strict=True):
        assert got == min(full, per_stay, per_member - running)
        running += got


@given(
    budget=st.integers(min_value=0, max_value=10_000),
    claims=st.lists(st.integers(min_value=0, max_value=3_000), max_size=30),
)
def test_claims_never_spend_more_than_the_budget(budget: int, claims: list[int]) -> None:
    spent = 0
    for claim in claims:
        granted = within_budget(claim, budget, spent)
        assert 0 <= granted <= claim
        spent += granted
    assert spent == min(budget, sum(claims))


def test_eligibility_and_registration_decide_whether_a_stay_counts() -> None:
    rule = promotion(
        registration=PromotionRegistration(required=True),
        eligibility=PromotionEligibility(brands=["Staytier"], countries=["FR"], tiers=["GOLD"]),
    )
    gold_in_paris = stay(tier_code="GOLD", country="FR")
    registered = Standing(enrolled_on=D(2025, 1, 1), registered_on=D(2026, 6, 1))
    assert promotion_reward(rule, gold_in_paris, registered).points == 100
    before = Standing(enrolled_on=D(2025, 1, 1), registered_on=D(2026, 6, 16))
    assert promotion_reward(rule, gold_in_paris, before).triggers == 0
    assert promotion_reward(rule, gold_in_paris, Standing(D(2025, 1, 1))).triggers == 0
    for other in (stay(tier_code="SILVER", country="FR"), stay(tier_code="GOLD", country="US")):
        assert promotion_reward(rule, other, registered).triggers == 0


@pytest.mark.parametrize(
    ("today", "registered", "enrolled", "left", "code"),
    [
        (D(2026, 5, 1), True, D(2025, 1, 1), None, ErrorCode.PROMOTION_ALREADY_REGISTERED),
        (D(2026, 7, 1), False, D(2025, 1, 1), None, ErrorCode.PROMOTION_REGISTRATION_CLOSED),
        (D(2026, 5, 1), False, D(2020, 1, 1), None, ErrorCode.PROMOTION_NOT_ELIGIBLE),
        (D(2026, 5, 1), False, D(2025, 12, 1), 0, ErrorCode.PROMOTION_BUDGET_EXHAUSTED),
    ],
)
def test_registration_refusals(
    today: dt.date, registered: bool, enrolled: dt.date, left: int | None, code: ErrorCode
) -> None:
    rule = promotion(
        registration=PromotionRegistration(required=True, deadline=D(2026, 6, 30)),
        eligibility=PromotionEligibility(new_members_within_days=90),
    )
    refusal = registration_refusal(
        rule, "P", today=today, enrolled_on=enrolled, registered=registered, budget_left=left
    )
    assert refusal is not None and refusal.code is code and refusal.field == "promotionCode"
    assert registration_refusal(
        rule, "P", today=D(2026, 6, 30), enrolled_on=D(2025, 12, 1), registered=False,
        budget_left=1,
    ) is None  # fmt: skip


def test_referrals_refuse_oneself_and_members_and_reward_within_the_window() -> None:
    rules = ReferralRules(referrer_points=2_000, friend_points=1_000, window_days=90)
    rita = Contact("rita@example.com", "12125550100")
    refused = [
        referral_refusal(rules, code="C", referrer=rita, friend=friend, friend_already_member=m)
        for friend, m in (
            (Contact("rita@example.com", None), True),
            (Contact(None, "12125550100"), False),
            (Contact("fay@example.com", None), True),
        )
    ]
    assert [r.code if r else None for r in refused] == [
        ErrorCode.REFERRAL_TO_SELF, ErrorCode.REFERRAL_TO_SELF,
        ErrorCode.REFERRAL_OF_EXISTING_MEMBER,
    ]  # fmt: skip
    closed = ReferralRules()
    not_offered = referral_refusal(
        closed, code="C", referrer=rita, friend=Contact(None, None), friend_already_member=False
    )
    assert not_offered is not None and not_offered.code is ErrorCode.REFERRALS_NOT_OFFERED
    window = {"enrolled_on": D(2026, 3, 2), "window_end": D(2026, 5, 31), "nights": 1}
    assert stay_rewards_referral(rules, checkout=D(2026, 5, 31), **window)  # type: ignore[arg-type]
    assert not stay_rewards_referral(rules, checkout=D(2026, 6, 1), **window)  # type: ignore[arg-type]
    assert not stay_rewards_referral(rules, checkout=D(2026, 3, 1), **window)  # type: ignore[arg-type]


DEMO = default_program_path().read_text()


def mistakes_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "program.toml"
    path.write_text(text)
    with pytest.raises(ProgramFileError) as raised:
        load_program(path)
    return raised.value.mistakes


def test_a_program_without_promotions_or_referrals_still_loads() -> None:
    program = load_program(default_program_path())
    older = program.versions[0]
    assert older.promotions == [] and older.referrals.offered is False


@pytest.mark.parametrize(
    ("wrong", "right", "sentence"),
    [
        ('code = "SECONDSTAY"', 'code = "secondstay"', "the code must be non-empty and upper case"),
        ("every_nth = 2", "every_nth = 0", "trigger.every_nth must be at least 1"),
        (
            'base_points_multiplier = "2"',
            'base_points_multiplier = "0.5"',
            "base_points_multiplier must be between 1 and 20",
        ),
        (
            "deadline = 2027-11-30",
            "deadline = 2028-01-31",
            "registration.deadline is after ends_on",
        ),
        (
            'brands = ["Staytier"]',
            'brands = ["Staytier"], tiers = ["DIAMOND"]',
            "eligibility.tiers: unknown tier 'DIAMOND'",
        ),
        ("budget_points = 1000000", "budget_points = 0", "limits.budget_points must be between 1"),
        (
            "effects = { points = 1000, extra_qualifying_nights = 1 }",
            "effects = { }",
            "the promotion gives nothing",
        ),
        ("window_days = 90\n", "window_days = 0\n", "referrals.window_days must be at least 1"),
    ],
)
def test_each_mistake_in_a_promotion_is_named(
    tmp_path: Path, wrong: str, right: str, sentence: str
) -> None:
    assert wrong in DEMO
    found = mistakes_of(tmp_path, DEMO.replace(wrong, right, 1))
    assert any(sentence in mistake and "2026.1" in mistake for mistake in found), found
