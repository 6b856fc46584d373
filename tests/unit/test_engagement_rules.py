"""Engagement rules as program data: the new sections are optional, checked on load with a
sentence per mistake; and the pure rules (NPS, answers) in milliseconds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.errors import InvalidInput
from staytier.domain.surveys import Answer, check_answers, net_promoter_score
from staytier.domain.sweepstakes import Entrant, draw, entries_earned, seed_hash
from staytier.program.engagement import SurveyRules
from staytier.program.loader import default_program_path, load_program
from tests.program_files import DEMO, load_variant


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


# --- the sweepstakes draw -------------------------------------------------------------------

entrant_lists = st.lists(
    st.builds(
        Entrant,
        entrant_id=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
        entries=st.integers(min_value=0, max_value=50),
    ),
    max_size=40,
    unique_by=lambda e: e.entrant_id,
)
SLOTS = [("Grand prize", 100_000), ("Runner-up", 10_000), ("Runner-up", 10_000)]


@given(entrant_lists, st.text(min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_a_draw_is_reproducible_from_the_seed_and_the_published_entrants(
    entrants: list[Entrant], seed: str, shuffler: Any
) -> None:
    shuffled = list(entrants)
    shuffler.shuffle(shuffled)

    first = draw(seed, "NIGHTS2026", entrants, SLOTS)
    again = draw(seed, "NIGHTS2026", shuffled, SLOTS)

    assert first == again  # the same seed and entrants give the same winners, in any order
    winners = [win.entrant_id for win in first]
    with_entries = {e.entrant_id for e in entrants if e.entries > 0}
    assert len(winners) == len(set(winners)) == min(len(SLOTS), len(with_entries))
    assert set(winners) <= with_entries
    assert [win.prize for win in first] == [prize for prize, _ in SLOTS][: len(first)]


@given(entrant_lists.filter(lambda es: sum(e.entries > 0 for e in es) >= 2))
def test_another_seed_may_draw_otherwise_but_never_outside_the_entrants(
    entrants: list[Entrant],
) -> None:
    for seed in ("a", "b"):
        assert {w.entrant_id for w in draw(seed, "X", entrants, SLOTS)} <= {
            e.entrant_id for e in entrants
        }


def test_the_published_hash_is_the_sha256_of_the_seed() -> None:
    rule = load_program(default_program_path()).sweepstakes("NIGHTS2026")
    assert rule is not None
    assert seed_hash("staytier-2026-demo-seed-7f3c9a") == rule.seed_hash


def test_entries_stop_at_the_cap() -> None:
    rule = load_program(default_program_path()).sweepstakes("NIGHTS2026")
    assert rule is not None
    assert entries_earned(rule, 3, 0) == 3
    assert entries_earned(rule, 30, 45) == 5
    assert entries_earned(rule, 3, 50) == 0
