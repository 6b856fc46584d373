"""Service recovery rules: what a complaint may say, how much goodwill may answer it, and
when it still shows on the guest's arrivals. Pure: dates and rules come in as arguments."""

from __future__ import annotations

import datetime as dt
import enum

from staytier.domain.errors import BusinessRuleError, ErrorCode, too_long
from staytier.program.engagement import ComplaintRules

DESCRIPTION_LIMIT = 2000
NAME_LIMIT = 100


class Severity(enum.Enum):
    """How badly the stay went wrong; the owner answers the worst first."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


def complaint_mistakes(
    rules: ComplaintRules, *, category: str, description: str, author: str, owner: str
) -> list[BusinessRuleError]:
    """Every mistake in a complaint as logged, each on its own field."""
    mistakes: list[BusinessRuleError] = []
    if category not in rules.categories:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_COMPLAINT_CATEGORY,
                f"{category!r} is not a complaint category; use one of "
                f"{', '.join(rules.categories)}.",
                "category",
            )
        )
    for field, value in (("description", description), ("author", author)):
        if not value.strip():
            mistakes.append(BusinessRuleError(ErrorCode.INVALID_INPUT, f"Give the {field}.", field))
    mistakes.extend(
        too_long(
            ("description", description, DESCRIPTION_LIMIT),
            ("author", author, NAME_LIMIT),
            ("owner", owner, NAME_LIMIT),
        )
    )
    return mistakes


def goodwill_allowance(rules: ComplaintRules, role: str) -> int | None:
    """The most goodwill points one resolution by ``role`` may give; ``None`` when the
    program sets no allowance for the role (the goodwill reason's limit alone applies)."""
    return rules.goodwill_allowance.get(role)


def recent_cutoff(rules: ComplaintRules, arrival: dt.date) -> dt.date:
    """The earliest resolution date that still shows on an arrival on ``arrival``: an open
    complaint always shows, a resolved one for ``recent_days`` after it was resolved, so
    the next stay can make it good."""
    return arrival - dt.timedelta(days=rules.recent_days)
