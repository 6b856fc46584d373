"""Engagement rules as program data: the new sections are optional, checked on load with a
sentence per mistake; and the pure rules (NPS, answers) in milliseconds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.errors import InvalidInput
from staytier.domain.surveys import Answer, check_answers, net_promoter_score
from staytier.program.loader import default_program_path, load_program
from staytier.program.model import SurveyRules
from tests.unit.test_program_validation import DEMO, load_variant


def test_a_program_without_engagement_sections_loads_with_their_defaults(tmp_path: Path) -> None:
    text = DEMO
    while "  # Service recovery:" in text:  # one block per version
        start = text.index("  # Service recovery:")
        end = text.index("points = 50\n", text.index('code = "COMMENT"', start)) + 11
        text = text[:start] + text[end:]
    path = tmp_path / "older.toml"
    path.write_text(text)
    assert "complaints" not in text and "surveys" not in text

    rules = load_program(path).versions[-1]

    assert rules.complaints.recent_days == 30 and "NOISE" in rules.complaints.categories
    assert rules.complaints.goodwill_allowance == {}
    assert rules.status_grants.challenges == [] and rules.status_grants.gifts == []
    assert rules.surveys.questions == []


def test_engagement_mistakes_are_each_named(tmp_path: Path) -> None:
    changes = {
        "{ front_desk = 5000": "{ analyst = 5000",
        'goodwill_reason = "SERVICE_RECOVERY"': 'goodwill_reason = "BRIBE"',
        'giver_tier = "PLATINUM"': 'giver_tier = "SILVER"',
        'tier = "GOLD"\n  nights = 12': 'tier = "MEMBER"\n  nights = 0',
        'kind = "SCORE"\n  points = 100': 'kind = "NPS"\n  points = -1',
    }
    text = DEMO
    for old, new in changes.items():
        text = text.replace(old, new)

    mistakes = load_variant(tmp_path, text)

    for expected in (
        "complaints.goodwill_reason 'BRIBE' is not listed in goodwill_reasons",
        "complaints.goodwill_allowance: 'analyst' is not a role that resolves complaints",
        "status_grants.gifts[0]: gift_tier must be lower than giver_tier",
        "status_grants.challenges[0]: 'MEMBER' is not a tier above the base tier",
        "status_grants.challenges[0]: nights and days must be at least 1",
        "surveys.questions: at most one question may be of kind NPS",
        "surveys.questions[1]: points must not be negative",
    ):
        assert any(expected in m for m in mistakes), (expected, mistakes)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([10, 9, 7, 3], Decimal("25.0")),
        ([0, 0, 10], Decimal("-33.3")),
        ([8], Decimal("0.0")),
    ],
)
def test_net_promoter_score(scores: list[int], expected: Decimal | None) -> None:
    assert net_promoter_score(scores).score == expected


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=50))
def test_nps_parts_add_up_and_stay_within_bounds(scores: list[int]) -> None:
    nps = net_promoter_score(scores)
    assert nps.promoters + nps.passives + nps.detractors == len(scores)
    assert nps.score is None or Decimal(-100) <= nps.score <= Decimal(100)


def test_answers_earn_the_points_of_the_questions_answered() -> None:
    rules: SurveyRules = load_program(default_program_path()).versions[-1].surveys
    checked = check_answers(rules, [Answer("RECOMMEND", 6), Answer("CLEANLINESS", 0)])
    assert (checked.points, checked.nps_score) == (300, 6)
    with pytest.raises(InvalidInput) as refused:
        check_answers(rules, [Answer("RECOMMEND", 6), Answer("RECOMMEND", 7)])
    assert [e.field for e in refused.value.errors] == ["answers[1]"]
