"""The error vocabulary of the program, shared by services and the API edge.

Services raise :class:`BusinessRuleError`; the GraphQL layer turns it into a ``userErrors``
entry with the same code, so a client can branch on the code and show the message.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.Enum):
    """Why a request was refused. Documented in docs/graphql.md; never renamed."""

    INVALID_INPUT = "INVALID_INPUT"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    PROPERTY_NOT_FOUND = "PROPERTY_NOT_FOUND"
    STAY_NOT_FOUND = "STAY_NOT_FOUND"
    EMAIL_ALREADY_ENROLLED = "EMAIL_ALREADY_ENROLLED"
    INVALID_DATES = "INVALID_DATES"
    STAY_TOO_LONG = "STAY_TOO_LONG"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    DUPLICATE_CONFIRMATION = "DUPLICATE_CONFIRMATION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    UNKNOWN_ACTIVITY = "UNKNOWN_ACTIVITY"
    ACTIVITY_LIMIT_REACHED = "ACTIVITY_LIMIT_REACHED"
    TEST_CLOCK_DISABLED = "TEST_CLOCK_DISABLED"
    UNKNOWN_PREFERENCE_CATEGORY = "UNKNOWN_PREFERENCE_CATEGORY"
    INVALID_PREFERENCE_VALUE = "INVALID_PREFERENCE_VALUE"
    TOO_MANY_CHOICES = "TOO_MANY_CHOICES"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    PREFERENCE_NOT_FOUND = "PREFERENCE_NOT_FOUND"
    INVALID_SPECIAL_DATE = "INVALID_SPECIAL_DATE"
    NOTE_TOO_LONG = "NOTE_TOO_LONG"
    PARTNER_REQUEST_NOT_FOUND = "PARTNER_REQUEST_NOT_FOUND"
    PARTNER_REQUEST_NOT_REPLAYABLE = "PARTNER_REQUEST_NOT_REPLAYABLE"
    SIGN_IN_FAILED = "SIGN_IN_FAILED"
    NOT_ENOUGH_POINTS = "NOT_ENOUGH_POINTS"
    TIER_NOT_ELIGIBLE = "TIER_NOT_ELIGIBLE"
    AWARD_NOT_AVAILABLE = "AWARD_NOT_AVAILABLE"
    NOT_AN_AWARD_STAY = "NOT_AN_AWARD_STAY"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    CERTIFICATE_EXPIRED = "CERTIFICATE_EXPIRED"
    CERTIFICATE_ALREADY_USED = "CERTIFICATE_ALREADY_USED"
    CATEGORY_NOT_COVERED = "CATEGORY_NOT_COVERED"
    BENEFIT_ALREADY_CHOSEN = "BENEFIT_ALREADY_CHOSEN"
    UNKNOWN_OPTION = "UNKNOWN_OPTION"
    UNKNOWN_REASON_CODE = "UNKNOWN_REASON_CODE"
    GOODWILL_LIMIT_EXCEEDED = "GOODWILL_LIMIT_EXCEEDED"
    GUARANTEE_WINDOW_PASSED = "GUARANTEE_WINDOW_PASSED"
    PARTNER_NOT_FOUND = "PARTNER_NOT_FOUND"
    INVALID_FREQUENT_FLYER_NUMBER = "INVALID_FREQUENT_FLYER_NUMBER"
    UNKNOWN_COMPLAINT_CATEGORY = "UNKNOWN_COMPLAINT_CATEGORY"
    COMPLAINT_NOT_FOUND = "COMPLAINT_NOT_FOUND"
    COMPLAINT_ALREADY_RESOLVED = "COMPLAINT_ALREADY_RESOLVED"
    UNKNOWN_TIER = "UNKNOWN_TIER"
    TIER_ALREADY_HELD = "TIER_ALREADY_HELD"
    CHALLENGE_NOT_OFFERED = "CHALLENGE_NOT_OFFERED"
    CHALLENGE_ALREADY_OPEN = "CHALLENGE_ALREADY_OPEN"
    GIFT_NOT_ALLOWED = "GIFT_NOT_ALLOWED"
    GIFT_TO_SELF = "GIFT_TO_SELF"
    GIFT_LIMIT_REACHED = "GIFT_LIMIT_REACHED"
    SURVEY_NOT_FOUND = "SURVEY_NOT_FOUND"
    SURVEY_ALREADY_ANSWERED = "SURVEY_ALREADY_ANSWERED"
    SURVEY_CLOSED = "SURVEY_CLOSED"
    INVALID_ANSWER = "INVALID_ANSWER"
    REVIEWS_NOT_CREDITED = "REVIEWS_NOT_CREDITED"
    REVIEW_ALREADY_CREDITED = "REVIEW_ALREADY_CREDITED"
    SWEEPSTAKES_NOT_FOUND = "SWEEPSTAKES_NOT_FOUND"
    SWEEPSTAKES_NOT_CLOSED = "SWEEPSTAKES_NOT_CLOSED"
    SWEEPSTAKES_ALREADY_DRAWN = "SWEEPSTAKES_ALREADY_DRAWN"
    SWEEPSTAKES_NO_ENTRIES = "SWEEPSTAKES_NO_ENTRIES"
    SEED_MISMATCH = "SEED_MISMATCH"


class BusinessRuleError(Exception):
    """A request the rules refuse; nothing it touched is kept."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def too_long(*fields: tuple[str, str | None, int]) -> list[BusinessRuleError]:
    """An INVALID_INPUT per ``(field, value, limit)`` whose value is longer than its limit;
    the database would refuse it (PostgreSQL) or keep it whole where others cannot."""
    return [
        BusinessRuleError(ErrorCode.INVALID_INPUT, f"At most {limit} characters.", field)
        for field, value, limit in fields
        if value is not None and len(value) > limit
    ]


class NotDueYet(Exception):
    """A date-bound job asked to run before its date (a year that has not ended, a day
    still to come): running it early would settle what is still open."""


class InvalidInput(BusinessRuleError):
    """Several things wrong with one request, each with its own field."""

    def __init__(self, errors: list[BusinessRuleError]) -> None:
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors
