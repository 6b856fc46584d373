"""The rules of delivering a request to a partner: its states and when to try again.

A partner request is written with the business change it serves, then delivered until the
partner gives a final answer (accepted or rejected) or the attempts run out (DEAD). The
delay between attempts grows exponentially and is spread by jitter, so that requests
that failed together (a partner outage) do not all come back at the same second.
"""

from __future__ import annotations

import datetime as dt
import enum

import msgspec


class RequestState(enum.Enum):
    """Where a partner request is on its way. PENDING and RETRYING are still open."""

    PENDING = "PENDING"  # not tried yet
    RETRYING = "RETRYING"  # tried and failed for now; tried again at ``next_attempt_at``
    ACCEPTED = "ACCEPTED"  # the partner did it
    REJECTED = "REJECTED"  # the partner said no, for good
    DEAD = "DEAD"  # no final answer after the last attempt


OPEN_STATES = frozenset({RequestState.PENDING, RequestState.RETRYING})


class Backoff(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How long to wait before trying a partner again: ``first_seconds`` after the first
    failure, then ``multiplier`` times longer after each, never more than ``max_seconds``;
    each wait is shortened by a random share of up to ``jitter_percent``."""

    first_seconds: int = 30
    multiplier: int = 2
    max_seconds: int = 3600
    jitter_percent: int = 20


def retry_delay(backoff: Backoff, failed_attempts: int, draw: float) -> dt.timedelta:
    """The wait after the ``failed_attempts``-th failed attempt (1 for the first).

    ``draw`` is a random number in [0, 1) from the caller, so the rule stays a pure
    function: with ``draw = 0`` the wait is the full exponential step.
    """
    if failed_attempts < 1:
        raise ValueError("a delay follows a failed attempt: failed_attempts starts at 1")
    if not 0 <= draw < 1:
        raise ValueError("draw must be in [0, 1)")
    # Cap the exponent before computing the power: a long outage must not build huge ints.
    step = backoff.first_seconds
    for _ in range(failed_attempts - 1):
        step *= backoff.multiplier
        if step >= backoff.max_seconds:
            break
    full_ms = min(step, backoff.max_seconds) * 1000
    shortened_ms = int(full_ms * backoff.jitter_percent * draw) // 100
    return dt.timedelta(milliseconds=full_ms - shortened_ms)


def state_after_failure(attempts: int, max_attempts: int) -> RequestState:
    """After a failed attempt: try again, or give up once ``max_attempts`` were made."""
    return RequestState.DEAD if attempts >= max_attempts else RequestState.RETRYING


def backoff_mistakes(backoff: Backoff) -> list[str]:
    """What is wrong with a backoff setting, one sentence each."""
    mistakes: list[str] = []
    if backoff.first_seconds < 1:
        mistakes.append("first_seconds must be at least 1")
    if backoff.multiplier < 1:
        mistakes.append("multiplier must be at least 1")
    if backoff.max_seconds < backoff.first_seconds:
        mistakes.append("max_seconds must not be less than first_seconds")
    if not 0 <= backoff.jitter_percent <= 100:
        mistakes.append("jitter_percent must be between 0 and 100")
    return mistakes
