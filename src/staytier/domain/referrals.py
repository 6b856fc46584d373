"""Referrals: who may be referred, and when a friend's stay rewards the referral.

Pure rules on :class:`staytier.program.promotions.ReferralRules`; codes are drawn and
referrals stored in :mod:`staytier.services.referrals`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.program.promotions import ReferralRules

FIELD = "referralCode"
# Referral codes are drawn from these (no 0/O, 1/I/L to misread).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


@dataclass(frozen=True)
class Contact:
    """What the service knows to tell two people apart: email and phone (normalised).
    The service holds no payment data, so a payment fingerprint cannot be compared."""

    email: str | None
    phone_key: str | None

    def shares_with(self, other: Contact) -> bool:
        return bool(
            (self.email and self.email == other.email)
            or (self.phone_key and self.phone_key == other.phone_key)
        )


def normalised_code(text: str) -> str:
    return "".join(text.split()).upper().replace("-", "")


def referral_refusal(
    rules: ReferralRules,
    *,
    code: str,
    referrer: Contact | None,
    friend: Contact,
    friend_already_member: bool,
) -> BusinessRuleError | None:
    """Why an enrolment may not use ``code``, or None: the program offers no referrals; no
    member holds the code; the friend is the referrer (same email or phone); or the friend
    is already a member (their email or phone is on another member)."""
    if not rules.offered:
        return BusinessRuleError(
            ErrorCode.REFERRALS_NOT_OFFERED, "The program offers no referrals.", FIELD
        )
    if referrer is None:
        return BusinessRuleError(
            ErrorCode.REFERRAL_CODE_NOT_FOUND, f"No member has referral code {code}.", FIELD
        )
    if friend.shares_with(referrer):
        return BusinessRuleError(
            ErrorCode.REFERRAL_TO_SELF,
            "A member cannot refer themself: the email or phone is the referrer's.",
            FIELD,
        )
    if friend_already_member:
        return BusinessRuleError(
            ErrorCode.REFERRAL_OF_EXISTING_MEMBER,
            "Only a new member can be referred: this email or phone is already a member's.",
            FIELD,
        )
    return None


def window_ends_on(rules: ReferralRules, enrolled_on: dt.date) -> dt.date:
    """The last checkout date on which the friend's first stay rewards the referral."""
    return enrolled_on + dt.timedelta(days=rules.window_days)


def stay_rewards_referral(
    rules: ReferralRules,
    *,
    checkout: dt.date,
    enrolled_on: dt.date,
    window_end: dt.date,
    nights: int,
) -> bool:
    """Whether a stay of the friend, not yet rewarded, rewards the referral: checked out
    from the day the friend enrolled through the window's end, with enough qualifying
    nights."""
    return rules.offered and enrolled_on <= checkout <= window_end and nights >= rules.min_nights


def referrer_points(rules: ReferralRules, rewarded_this_year: int) -> int:
    """The referrer's points for one more friend: none past the yearly limit."""
    return rules.referrer_points if rewarded_this_year < rules.max_per_year else 0
