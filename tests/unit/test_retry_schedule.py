"""The retry schedule of partner deliveries: exponential, capped, jittered downwards."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.outbox import (
    Backoff,
    RequestState,
    backoff_mistakes,
    retry_delay,
    state_after_failure,
)

SECOND = dt.timedelta(seconds=1)
backoffs = st.builds(
    Backoff,
    first_seconds=st.integers(1, 600),
    multiplier=st.integers(1, 5),
    max_seconds=st.integers(600, 86_400),
    jitter_percent=st.integers(0, 100),
)
draws = st.floats(0, 1, exclude_max=True)


def test_without_jitter_the_wait_doubles_until_the_cap() -> None:
    backoff = Backoff(first_seconds=30, multiplier=2, max_seconds=300, jitter_percent=0)
    waits = [retry_delay(backoff, attempt, 0.5) / SECOND for attempt in range(1, 8)]
    assert waits == [30, 60, 120, 240, 300, 300, 300]


def test_jitter_shortens_the_wait_by_at_most_its_share() -> None:
    backoff = Backoff(first_seconds=100, multiplier=2, max_seconds=1000, jitter_percent=20)
    assert retry_delay(backoff, 1, 0.0) == 100 * SECOND
    assert retry_delay(backoff, 1, 0.5) == 90 * SECOND
    assert retry_delay(backoff, 1, 0.999) > 80 * SECOND


@given(backoffs, st.integers(1, 10_000), draws)
def test_a_wait_is_never_longer_than_the_cap_nor_shorter_than_the_jitter_allows(
    backoff: Backoff, attempt: int, draw: float
) -> None:
    wait = retry_delay(backoff, attempt, draw)
    full = min(
        backoff.first_seconds * backoff.multiplier ** min(attempt - 1, 64), backoff.max_seconds
    )
    assert wait <= full * SECOND
    assert wait >= full * SECOND * (100 - backoff.jitter_percent) / 100


@given(backoffs, st.integers(1, 60), draws)
def test_with_the_same_draw_a_later_wait_is_never_shorter(
    backoff: Backoff, attempt: int, draw: float
) -> None:
    assert retry_delay(backoff, attempt + 1, draw) >= retry_delay(backoff, attempt, draw)


def test_a_delay_needs_a_failed_attempt_and_a_draw_below_one() -> None:
    with pytest.raises(ValueError, match="failed_attempts"):
        retry_delay(Backoff(), 0, 0.1)
    with pytest.raises(ValueError, match="draw"):
        retry_delay(Backoff(), 1, 1.0)


def test_the_last_failed_attempt_makes_the_request_dead() -> None:
    assert state_after_failure(1, 3) is RequestState.RETRYING
    assert state_after_failure(2, 3) is RequestState.RETRYING
    assert state_after_failure(3, 3) is RequestState.DEAD


def test_a_backoff_setting_is_checked() -> None:
    assert backoff_mistakes(Backoff()) == []
    assert backoff_mistakes(
        Backoff(first_seconds=0, multiplier=0, max_seconds=-1, jitter_percent=101)
    ) == [
        "first_seconds must be at least 1",
        "multiplier must be at least 1",
        "max_seconds must not be less than first_seconds",
        "jitter_percent must be between 0 and 100",
    ]
