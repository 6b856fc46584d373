"""Inputs of the privilege and redemption mutations (see :mod:`api.graphql.privileges`)."""

from __future__ import annotations

import datetime as dt

import strawberry

from staytier.api.graphql.guest_approvals import APPROVAL_HELP


@strawberry.input
class RedeemAwardStayInput:
    idempotency_key: str
    member_number: str
    property_code: str
    arrival_date: dt.date
    departure_date: dt.date
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.input
class CancelAwardStayInput:
    idempotency_key: str
    member_number: str
    property_code: str
    confirmation_number: str
    reason: str = "cancelled by the guest"


@strawberry.input
class RedeemCertificateInput:
    idempotency_key: str
    member_number: str
    certificate_id: int = strawberry.field(description="The certificate's number.")
    property_code: str
    arrival_date: dt.date = strawberry.field(description="The one night it pays for.")
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.input
class ChooseWelcomeGiftInput:
    idempotency_key: str
    member_number: str
    property_code: str
    confirmation_number: str
    option: str = strawberry.field(description="One of the benefit's options, e.g. POINTS.")


@strawberry.input
class ChooseAnnualChoiceBenefitInput:
    idempotency_key: str
    member_number: str
    option: str = strawberry.field(description="e.g. SUITE_NIGHT_UPGRADES or GIFT.")


@strawberry.input
class RecordBenefitUsageInput:
    idempotency_key: str
    member_number: str
    benefit_code: str = strawberry.field(description="e.g. LATE_CHECKOUT, LOUNGE_ACCESS.")
    property_code: str
    confirmation_number: str


@strawberry.input
class PostGoodwillPointsInput:
    idempotency_key: str
    member_number: str
    points: int
    reason_code: str = strawberry.field(description="One of the program's goodwill reasons.")
    author: str = strawberry.field(description="Who gives the points (staff name or id).")
    note: str = ""


@strawberry.input
class PostPointsAdjustmentInput:
    idempotency_key: str
    member_number: str
    points: int = strawberry.field(description="Positive or negative; never below zero.")
    reason: str
    author: str
