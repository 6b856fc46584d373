"""Spending needs the guest: what a guest approves when someone else spends their points.

Points, certificates and miles are spent by the guest (signed in), or by staff with the
guest's approval: a short-lived, single-use code the guest gets in their app (or by email,
when the desk asks for it), bound to one spending. The spending goes through only when its
terms are exactly the ones the guest approved: the operation, the points and, where they
apply, the property and the recipient (the certificate, the charity, the airline account).
An administrator keeps the power to spend without a code; that spending is audited.

Pure rules; codes are drawn, stored as keyed hashes and consumed in
:mod:`staytier.services.guest_approvals`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput

FIELD = "guestApproval"


class SpendingOperation(enum.Enum):
    """What a guest approval may be used for: one of the ways points leave a member."""

    AWARD_STAY = "AWARD_STAY"
    CERTIFICATE = "CERTIFICATE"
    DONATION = "DONATION"
    MILES_TRANSFER = "MILES_TRANSFER"
    # Not a spending, but the guest's own choice all the same: registering for a promotion.
    PROMOTION = "PROMOTION"


class Spender(enum.Enum):
    """Who spends a member's points, which decides whether the guest's approval is needed."""

    MEMBER = "MEMBER"  # the signed-in guest, spending their own: no code
    STAFF = "STAFF"  # anyone acting for the guest (a front desk): a code is required
    ADMIN = "ADMIN"  # the brand's administrators: no code needed; every spending is audited


@dataclass(frozen=True)
class ApprovalTerms:
    """One spending as the guest approves it; two spendings match when their terms are equal.

    ``recipient`` names where the value goes: the certificate's number, the charity's code,
    or ``"<airline> <frequent-flyer number>"``; ``points`` is 0 for a certificate.
    """

    operation: SpendingOperation
    points: int
    property_code: str | None = None
    recipient: str | None = None

    def describe(self) -> str:
        """The spending in words, for the message that carries the code to the guest."""
        if self.operation is SpendingOperation.AWARD_STAY:
            return f"an award stay at {self.property_code} for {self.points:,} points"
        if self.operation is SpendingOperation.CERTIFICATE:
            return f"free-night certificate {self.recipient} at {self.property_code}"
        if self.operation is SpendingOperation.DONATION:
            return f"a donation of {self.points:,} points to {self.recipient}"
        if self.operation is SpendingOperation.PROMOTION:
            return f"registering for promotion {self.recipient}"
        return f"a transfer of {self.points:,} points to {self.recipient}"


def award_stay_terms(points: int, property_code: str) -> ApprovalTerms:
    return ApprovalTerms(SpendingOperation.AWARD_STAY, points, property_code=property_code)


def certificate_terms(certificate_id: int, property_code: str) -> ApprovalTerms:
    return ApprovalTerms(
        SpendingOperation.CERTIFICATE, 0, property_code=property_code, recipient=str(certificate_id)
    )


def donation_terms(points: int, charity: str) -> ApprovalTerms:
    return ApprovalTerms(SpendingOperation.DONATION, points, recipient=charity)


def miles_terms(points: int, airline: str, frequent_flyer_number: str) -> ApprovalTerms:
    return ApprovalTerms(
        SpendingOperation.MILES_TRANSFER, points, recipient=f"{airline} {frequent_flyer_number}"
    )


def promotion_terms(promotion_code: str) -> ApprovalTerms:
    return ApprovalTerms(SpendingOperation.PROMOTION, 0, recipient=promotion_code)


def terms_asked(
    operation: SpendingOperation,
    *,
    points: int = 0,
    property_code: str | None = None,
    certificate_id: int | None = None,
    charity: str | None = None,
    airline: str | None = None,
    frequent_flyer_number: str | None = None,
    promotion_code: str | None = None,
) -> ApprovalTerms:
    """The terms a request for approval names, or INVALID_INPUT for each field the
    operation needs and lacks (an award stay: points and property; a certificate: its
    number and property; a donation: points and charity; miles: points, airline and
    frequent-flyer number)."""
    needed: dict[SpendingOperation, dict[str, object]] = {
        SpendingOperation.AWARD_STAY: {"points": points, "propertyCode": property_code},
        SpendingOperation.CERTIFICATE: {
            "certificateId": certificate_id,
            "propertyCode": property_code,
        },
        SpendingOperation.DONATION: {"points": points, "charity": charity},
        SpendingOperation.MILES_TRANSFER: {
            "points": points,
            "airline": airline,
            "frequentFlyerNumber": frequent_flyer_number,
        },
        SpendingOperation.PROMOTION: {"promotionCode": promotion_code},
    }
    mistakes = [
        BusinessRuleError(
            ErrorCode.INVALID_INPUT,
            "Give a positive number of points." if name == "points" else f"Give the {name}.",
            name,
        )
        for name, value in needed[operation].items()
        if not value or (isinstance(value, int) and value < 0)
    ]
    if mistakes:
        raise InvalidInput(mistakes)
    if operation is SpendingOperation.AWARD_STAY:
        return award_stay_terms(points, property_code or "")
    if operation is SpendingOperation.CERTIFICATE:
        return certificate_terms(certificate_id or 0, property_code or "")
    if operation is SpendingOperation.DONATION:
        return donation_terms(points, charity or "")
    if operation is SpendingOperation.PROMOTION:
        return promotion_terms((promotion_code or "").strip().upper())
    return miles_terms(points, airline or "", frequent_flyer_number or "")


def needs_code(spender: Spender, code: str | None) -> bool:
    """Whether a code must be checked: always for staff; for an administrator only when one
    is given (then it is checked and used like any other); never for the guest themself."""
    if spender is Spender.MEMBER:
        return False
    return spender is Spender.STAFF or bool(code and code.strip())


def approval_required() -> BusinessRuleError:
    return BusinessRuleError(
        ErrorCode.GUEST_APPROVAL_REQUIRED,
        "Spending a member's points needs the guest's approval: ask the guest for the code "
        "from their app, or request one by email with requestGuestApproval.",
        FIELD,
    )


def approval_invalid() -> BusinessRuleError:
    # One message for every failure (wrong, expired, used, for another spending), so a
    # caller guessing codes learns nothing from the answer.
    return BusinessRuleError(
        ErrorCode.GUEST_APPROVAL_INVALID,
        "That approval code is wrong, expired, already used, or for another spending.",
        FIELD,
    )
